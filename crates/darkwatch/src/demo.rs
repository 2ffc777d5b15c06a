//! `darkwatch demo`: what darkwatch does, on the bundled North Korea 2014
//! scenario. It writes the scenario as real MRT into a temporary folder,
//! replays it into a database there (countries from the registry data
//! built into the binary), prints North Korea's series around the
//! outage of 22 December 2014 and the outage's headline, then serves the
//! dashboard and the API over that database on loopback.

use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use feed::ReplayInput;

use crate::replay::{load_registry, replay_into, SeriesTarget};
use crate::signals::{render, SignalsFormat};

/// The bundled scenario.
const KP_2014: &str = include_str!("../../../scenarios/kp-2014.toml");

/// 2014-12-20 00:00 and 2014-12-23 04:00 UTC: the window printed, from
/// the churn before the outage to the return.
const WINDOW: (u64, u64) = (1_419_033_600, 1_419_307_200);

/// Arguments of `darkwatch demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Port of the dashboard on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Print what darkwatch sees and exit without serving.
    #[arg(long)]
    no_serve: bool,
}

/// Runs `demo`.
pub fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = tempfile::tempdir().context("creating a temporary folder")?;
    let files = crate::scenario::synthesize("scenarios/kp-2014.toml", KP_2014, dir.path())?;
    let inputs: Vec<ReplayInput> = files
        .iter()
        .map(|p| ReplayInput {
            path: p.clone(),
            collector: "kp-2014".into(),
        })
        .collect();
    let registry = load_registry(&[])?;
    let db = dir.path().join("darkwatch.db");
    let watched = vec!["175.45.176.0/22".parse()?];
    let target = SeriesTarget {
        db: &db,
        registry: &registry,
        watched,
        names: None,
        detect: detect::DetectConfig::default(),
        batch_rows: crate::replay::WRITE_BATCH,
        resume: false,
    };
    let replayed = replay_into(&inputs, Some(target), true, false)?;
    let summary = &replayed.summary;
    eprintln!(
        "darkwatch demo: replayed {} files ({} announcements, {} withdrawals, {} peers) into {} series rows and {} events",
        summary.files, summary.announces, summary.withdraws, summary.peers, replayed.rows, replayed.events
    );
    let routes = replayed.into_route_table();
    let mut store = store::Store::open(&db)?;
    let points = store.series("country/KP", WINDOW.0, WINDOW.1)?;
    print!(
        "{}",
        render("country/KP", None, &points, SignalsFormat::Table)
    );
    println!();
    println!(
        "Rows are change points (a bin without a row keeps the values above it). North Korea's four /24s (AS131279, whose only upstream is AS4837) flap on 20 and 21 December, are visible until 16:15 UTC on 22 December 2014, withdrawn by every peer within seconds, and back at 01:45 on the 23rd. More: darkwatch signals --db {} as/131279",
        db.display()
    );
    println!();
    for entity in ["country/KP", "as/131279"] {
        let events = store.events(&store::EventQuery {
            entity: Some(entity.into()),
            ..store::EventQuery::default()
        })?;
        println!("Events of {entity}:");
        print!("{}", crate::events::table(&events)?);
        println!();
    }
    // The report of the longest KP outage: the one of 22 December.
    let mut headline = String::new();
    let outage = store
        .events(&store::EventQuery {
            entity: Some("country/KP".into()),
            ..store::EventQuery::default()
        })?
        .iter()
        .filter_map(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .filter(|e| e["kind"] == "outage")
        .max_by_key(|e| e["duration_s"].as_u64().unwrap_or(0));
    if let Some(id) = outage.and_then(|e| e["id"].as_u64()) {
        let mut report = |format| crate::report::render_event(&mut store, id, format);
        if let Some((_, html)) = report(::report::Format::Html)? {
            let path = dir.path().join("kp-2014-report.html");
            std::fs::write(&path, html).with_context(|| format!("writing {}", path.display()))?;
            headline = report(::report::Format::Json)?
                .and_then(|(_, json)| serde_json::from_str::<serde_json::Value>(&json).ok())
                .and_then(|j| j["headline"].as_str().map(str::to_owned))
                .unwrap_or_default();
            println!("{headline}");
            println!("The incident report (event {id}): {}", path.display());
        }
    }
    // Keep the folder so that the database can be explored after the demo.
    let kept = dir.keep();
    eprintln!(
        "darkwatch demo: the scenario's files and database are in {}",
        kept.display()
    );
    if args.no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let listen = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
    let options = ::serve::Options {
        bin_secs: crate::pipeline::BIN_SECS,
        ..::serve::Options::default()
    };
    crate::serve::listen_and_serve(listen, store, options, ::serve::Tables::fixed(Some(routes)), |addr| {
        println!();
        println!("{headline}");
        println!("Dashboard: http://{addr}/  (North Korea: http://{addr}/entity/country/KP; API: http://{addr}/api/v1/openapi.json). Ctrl-C stops it.");
    })
    .context("serving the demo's dashboard (another port: darkwatch demo --port N; without serving: --no-serve)")?;
    Ok(ExitCode::SUCCESS)
}
