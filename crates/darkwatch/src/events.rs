//! `darkwatch events`: the outage and instability events in the store,
//! as a table or as the JSON lines of the contract (README, "Events").

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use store::EventQuery;

use crate::signals::parse_time;

/// Output formats of `events`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EventsFormat {
    /// Aligned columns, one event a line.
    Table,
    /// One JSON object per event (the documented contract).
    Json,
}

/// Arguments of `darkwatch events`.
#[derive(Args, Debug)]
pub struct EventsArgs {
    /// The database written by `darkwatch replay --db`.
    #[arg(long, default_value = "darkwatch.db")]
    db: PathBuf,
    /// Only this entity's events (`country/KP`, `as/131279`).
    #[arg(long)]
    entity: Option<String>,
    /// Only events not ended before this time: Unix seconds or RFC 3339.
    #[arg(long, value_parser = parse_time)]
    from: Option<u64>,
    /// Only events started before this time.
    #[arg(long, value_parser = parse_time)]
    to: Option<u64>,
    /// Only open events.
    #[arg(long)]
    active: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = EventsFormat::Table)]
    format: EventsFormat,
}

/// Runs `events`.
pub fn run(args: &EventsArgs) -> anyhow::Result<ExitCode> {
    if let (Some(from), Some(to)) = (args.from, args.to) {
        if from >= to {
            bail!("--from must be before --to");
        }
    }
    let mut store = crate::signals::open_store(&args.db)?;
    let events = store.events(&EventQuery {
        entity: args.entity.clone(),
        from: args.from,
        to: args.to,
        active: args.active,
    })?;
    let text = match args.format {
        EventsFormat::Json => events.iter().map(|e| format!("{e}\n")).collect(),
        EventsFormat::Table => table(&events)?,
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("writing the events")?;
    Ok(ExitCode::SUCCESS)
}

/// The events as aligned columns.
pub fn table(events: &[String]) -> anyhow::Result<String> {
    let mut out = format!(
        "{:>5}  {:<24} {:<12} {:<9} {:<20} {:<20} {:>9} {:>6}  hints\n",
        "id", "entity", "kind", "worst", "start", "end", "duration", "ratio"
    );
    for text in events {
        let e: serde_json::Value =
            serde_json::from_str(text).context("an event in the store is not JSON")?;
        let s = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        let hints: Vec<&str> = e
            .get("hints")
            .and_then(|h| h.as_array())
            .map(|hs| {
                hs.iter()
                    .filter_map(|h| h.get("kind").and_then(|k| k.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let mut kind = s("kind");
        if e.get("short").and_then(|v| v.as_bool()) == Some(true) {
            kind.push_str(" short");
        }
        let end = e
            .get("end")
            .and_then(|v| v.as_str())
            .unwrap_or("open")
            .to_owned();
        out.push_str(&format!(
            "{:>5}  {:<24} {:<12} {:<9} {:<20} {:<20} {:>9} {:>6.2}  {}\n",
            e.get("id").and_then(|v| v.as_u64()).unwrap_or(0),
            s("entity"),
            kind,
            s("worst_severity"),
            s("start"),
            end,
            duration(e.get("duration_s").and_then(|v| v.as_u64()).unwrap_or(0)),
            e.get("min_ratio").and_then(|v| v.as_f64()).unwrap_or(0.0),
            hints.join(",")
        ));
    }
    Ok(out)
}

/// `9h30m`, `45m`, `3m20s`.
fn duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}
