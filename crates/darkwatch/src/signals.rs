//! `darkwatch signals ENTITY`: an entity's series from the store, bin by
//! bin, as a table, CSV or JSON lines. Series are stored as change points;
//! this prints the stored points (a bin without a point has the previous
//! gauges and no activity).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use store::{Point, Store};
use wire::event::Timestamp;

use crate::replay::utc;

/// Output formats of `signals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SignalsFormat {
    /// Aligned columns.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON object per point.
    Json,
}

/// Arguments of `darkwatch signals`.
#[derive(Args, Debug)]
pub struct SignalsArgs {
    /// `country/KP`, `as/131279` or `prefix/175.45.176.0/24`.
    entity: String,
    /// The database written by `darkwatch replay --db`.
    #[arg(long, default_value = "darkwatch.db")]
    db: PathBuf,
    /// First bin: Unix seconds or RFC 3339 (`2014-12-22T00:00:00Z`).
    #[arg(long, value_parser = parse_time)]
    from: Option<u64>,
    /// End (excluded): Unix seconds or RFC 3339.
    #[arg(long, value_parser = parse_time)]
    to: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SignalsFormat::Table)]
    format: SignalsFormat,
}

/// A time given as Unix seconds or RFC 3339.
pub fn parse_time(text: &str) -> Result<u64, String> {
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(secs);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .and_then(|t| u64::try_from(t.timestamp()).ok())
        .ok_or_else(|| {
            format!(
                "{text:?} is neither Unix seconds nor an RFC 3339 time like 2014-12-22T16:15:00Z"
            )
        })
}

/// Runs `signals`.
pub fn run(args: &SignalsArgs) -> anyhow::Result<ExitCode> {
    if !args.db.is_file() {
        bail!(
            "{}: no such database (write one with `darkwatch replay --db {} FILE...`)",
            args.db.display(),
            args.db.display()
        );
    }
    let store = Store::open(&args.db)?;
    let (from, to) = (args.from.unwrap_or(0), args.to.unwrap_or(i64::MAX as u64));
    if from >= to {
        bail!("--from must be before --to");
    }
    let points = store.series(&args.entity, from, to)?;
    if points.is_empty() && !store.entities()?.contains(&args.entity) {
        bail!(
            "{}: no series for {:?} (entities look like country/KP, as/131279, prefix/175.45.176.0/24)",
            args.db.display(),
            args.entity
        );
    }
    let text = render(&args.entity, &points, args.format);
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("writing the series")?;
    Ok(ExitCode::SUCCESS)
}

const COLUMNS: [&str; 8] = [
    "bin",
    "visible_24s",
    "visible_48s",
    "visible_prefixes",
    "announcements",
    "withdrawals",
    "path_changes",
    "origin_changes",
];

fn cells(p: &Point) -> [String; 8] {
    let v = p.values;
    [
        utc(Timestamp::from_secs(
            u32::try_from(p.bin_start).unwrap_or(u32::MAX),
        )),
        v.visible_24s.to_string(),
        v.visible_48s.to_string(),
        v.visible_prefixes.to_string(),
        v.announcements.to_string(),
        v.withdrawals.to_string(),
        v.path_changes.to_string(),
        v.origin_changes.to_string(),
    ]
}

/// The points of `entity` in `format`.
pub fn render(entity: &str, points: &[Point], format: SignalsFormat) -> String {
    let mut out = String::new();
    match format {
        SignalsFormat::Table => {
            out.push_str(&format!("{entity}\n"));
            out.push_str(&format!(
                "{:<21}{:>12}{:>12}{:>17}{:>14}{:>12}{:>13}{:>15}\n",
                COLUMNS[0],
                COLUMNS[1],
                COLUMNS[2],
                COLUMNS[3],
                COLUMNS[4],
                COLUMNS[5],
                COLUMNS[6],
                COLUMNS[7]
            ));
            for p in points {
                let c = cells(p);
                out.push_str(&format!(
                    "{:<21}{:>12}{:>12}{:>17}{:>14}{:>12}{:>13}{:>15}\n",
                    c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
                ));
            }
        }
        SignalsFormat::Csv => {
            out.push_str("entity,");
            out.push_str(&COLUMNS.join(","));
            out.push('\n');
            for p in points {
                out.push_str(entity);
                out.push(',');
                out.push_str(&cells(p).join(","));
                out.push('\n');
            }
        }
        SignalsFormat::Json => {
            for p in points {
                let mut map = serde_json::Map::new();
                map.insert("entity".into(), entity.into());
                map.insert("bin_start".into(), p.bin_start.into());
                for (k, v) in COLUMNS.iter().zip(cells(p)).skip(1) {
                    map.insert((*k).into(), v.parse::<u64>().unwrap_or(0).into());
                }
                out.push_str(&serde_json::Value::Object(map).to_string());
                out.push('\n');
            }
        }
    }
    out
}
