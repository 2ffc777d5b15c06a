//! `darkwatch replay`: archives through the deterministic core. Files are
//! replayed in event time (tables first, then updates merged across files
//! and collectors) into the shared route table, which re-judges full-feed
//! peers at every 5-minute bin boundary of event time, as the signal stage
//! will. For now it closes with a summary of what was read and the state
//! of the table; series and the store come with the signal stage.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use feed::{replay, ReplayInput, ReplaySummary};
use rib::{Delta, Rib, RibConfig};
use wire::event::Timestamp;
use wire::Afi;

/// Length of a bin in microseconds (DESIGN.md: 5 minutes, aligned to UTC).
const BIN_US: u64 = 300 * 1_000_000;

/// Output formats of `replay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    /// Aligned `name  value` lines.
    Table,
    /// One JSON object.
    Json,
}

/// Arguments of `darkwatch replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// MRT archives: table dumps and update files, in any order.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Name of the collector of every file (default: guessed from each
    /// file's name, e.g. `rrc06`, `route-views.jinx`).
    #[arg(long)]
    collector: Option<String>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = ReplayFormat::Table)]
    format: ReplayFormat,
    /// Do not print each damaged record, only the count.
    #[arg(long, short)]
    quiet: bool,
}

/// What the table holds after the replay.
struct TableState {
    routes: usize,
    prefixes: usize,
    visible: [usize; 2],
    full_feed: [u16; 2],
    paths: usize,
}

/// Runs `replay`.
pub fn run(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let inputs: Vec<ReplayInput> = args
        .files
        .iter()
        .map(|path| match &args.collector {
            Some(name) => ReplayInput {
                path: path.clone(),
                collector: name.clone(),
            },
            None => ReplayInput::guess(path),
        })
        .collect();
    let mut table = Rib::new(RibConfig::default());
    let mut deltas: Vec<Delta> = Vec::new();
    let mut bin_end: Option<u64> = None;
    let summary = replay(
        &inputs,
        |event| {
            // Crossing a bin boundary closes the bin: full-feed peers are
            // judged on the table as it stood at its end.
            let t = event.time.0;
            match bin_end {
                Some(end) if t >= end => {
                    table.refresh_full_feed(&mut deltas);
                    bin_end = Some(t - t % BIN_US + BIN_US);
                }
                None => bin_end = Some(t - t % BIN_US + BIN_US),
                Some(_) => {}
            }
            table.apply(event, &mut deltas);
            deltas.clear();
        },
        |damage| {
            if !args.quiet {
                eprintln!("darkwatch replay: warning: {damage}");
            }
        },
    )?;
    table.refresh_full_feed(&mut deltas);
    let state = TableState {
        routes: table.route_count(),
        prefixes: table.prefix_count(),
        visible: visible_by_family(&table),
        full_feed: [
            table.full_feed_peers(Afi::Ipv4),
            table.full_feed_peers(Afi::Ipv6),
        ],
        paths: table.paths().len(),
    };
    let text = match args.format {
        ReplayFormat::Table => table_text(&summary, &state),
        ReplayFormat::Json => json_text(&summary, &state),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("writing the summary")?;
    Ok(ExitCode::SUCCESS)
}

fn visible_by_family(table: &Rib) -> [usize; 2] {
    let mut out = [0, 0];
    for i in 0..table.prefix_count() {
        let id = rib::PrefixId(u32::try_from(i).unwrap_or(u32::MAX));
        if table.is_visible(id) {
            match table.prefix(id).map(|p| p.afi()) {
                Some(Afi::Ipv4) => out[0] += 1,
                Some(Afi::Ipv6) => out[1] += 1,
                None => {}
            }
        }
    }
    out
}

/// `2014-05-30T22:00:00Z` for an event time.
fn utc(t: Timestamp) -> String {
    let secs = i64::try_from(t.secs()).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| secs.to_string())
}

/// The summary as `(name, value)` pairs, in display order.
fn fields(s: &ReplaySummary, t: &TableState) -> Vec<(&'static str, String)> {
    let (first, last) = s
        .span
        .map_or((String::new(), String::new()), |(a, b)| (utc(a), utc(b)));
    vec![
        ("files", s.files.to_string()),
        ("collectors", s.collectors.join(",")),
        ("records", s.records.to_string()),
        ("announcements", s.announces.to_string()),
        ("withdrawals", s.withdraws.to_string()),
        ("peer_ups", s.peer_ups.to_string()),
        ("peer_downs", s.peer_downs.to_string()),
        ("end_of_ribs", s.end_of_ribs.to_string()),
        ("damaged_records", s.damaged.to_string()),
        ("peers", s.peers.to_string()),
        ("full_feed_peers_v4", t.full_feed[0].to_string()),
        ("full_feed_peers_v6", t.full_feed[1].to_string()),
        ("prefixes", t.prefixes.to_string()),
        ("visible_prefixes_v4", t.visible[0].to_string()),
        ("visible_prefixes_v6", t.visible[1].to_string()),
        ("routes", t.routes.to_string()),
        ("as_paths", t.paths.to_string()),
        ("first_event", first),
        ("last_event", last),
    ]
}

fn table_text(s: &ReplaySummary, t: &TableState) -> String {
    fields(s, t)
        .into_iter()
        .map(|(k, v)| format!("{k:<20} {v}\n"))
        .collect()
}

fn json_text(s: &ReplaySummary, t: &TableState) -> String {
    let mut map = serde_json::Map::new();
    for (k, v) in fields(s, t) {
        let value = match v.parse::<u64>() {
            Ok(n) if k != "collectors" => serde_json::Value::from(n),
            _ => serde_json::Value::from(v),
        };
        map.insert(k.to_owned(), value);
    }
    format!("{}\n", serde_json::Value::Object(map))
}
