//! `darkwatch signals ENTITY`: an entity's series from the store, bin by
//! bin, as a table, CSV or JSON lines. Series are stored as change points;
//! this prints the stored points (a bin without a point has the previous
//! gauges and no activity).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use signal::Values;
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
    /// `world`, `country/KP`, `as/131279` or `prefix/175.45.176.0/24`.
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

/// The database written by `darkwatch replay --db`, which must exist (a
/// reading command never creates an empty file by mistake).
pub fn open_store(db: &std::path::Path) -> anyhow::Result<Store> {
    if !is_url(db) && !db.is_file() {
        bail!(
            "{}: no such database (write one with `darkwatch replay --db {} FILE...`)",
            db.display(),
            db.display()
        );
    }
    create_store(db)
}

/// Whether `--db` names a PostgreSQL server rather than a file.
fn is_url(db: &std::path::Path) -> bool {
    db.to_str()
        .is_some_and(|t| t.starts_with("postgres://") || t.starts_with("postgresql://"))
}

/// Opens the database `--db` names, creating it when it is a new file:
/// an SQLite file, or a PostgreSQL URL (`postgres://user@host:port/db`).
pub fn create_store(db: &std::path::Path) -> anyhow::Result<Store> {
    Ok(match db.to_str() {
        Some(target) if is_url(db) => Store::connect(target)?,
        _ => Store::open(db)?,
    })
}

/// A time given as Unix seconds or RFC 3339.
pub fn parse_time(text: &str) -> Result<u64, String> {
    detect::parse_time(text)
}

/// Runs `signals`.
pub fn run(args: &SignalsArgs) -> anyhow::Result<ExitCode> {
    let mut store = crate::signals::open_store(&args.db)?;
    let (from, to) = (args.from.unwrap_or(0), args.to.unwrap_or(i64::MAX as u64));
    if from >= to {
        bail!("--from must be before --to");
    }
    let Some(info) = store.entity(&args.entity)? else {
        bail!(
            "{}: no series for {:?} (entities look like world, country/KP, as/131279, prefix/175.45.176.0/24)",
            args.db.display(),
            args.entity
        );
    };
    let points = store.series(&args.entity, from, to)?;
    let about = match (&info.label, &info.country) {
        (Some(label), Some(cc)) => Some(format!("{label} ({cc})")),
        (Some(label), None) => Some(label.clone()),
        (None, Some(cc)) => Some(format!("({cc})")),
        (None, None) => None,
    };
    let text = render(&args.entity, about.as_deref(), &points, args.format);
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("writing the series")?;
    Ok(ExitCode::SUCCESS)
}

/// The value columns after the bin: every value, but the full-feed peer
/// counts only for the world (other entities do not carry them).
fn columns(entity: &str) -> &'static [&'static str] {
    let all = &Values::NAMES;
    if entity == "world" {
        all
    } else {
        all.get(..7).unwrap_or(all)
    }
}

fn bin_text(p: &Point) -> String {
    utc(Timestamp::from_secs(
        u32::try_from(p.bin_start).unwrap_or(u32::MAX),
    ))
}

/// The points of `entity` (described by `about`, e.g. an AS's name) in
/// `format`.
pub fn render(
    entity: &str,
    about: Option<&str>,
    points: &[Point],
    format: SignalsFormat,
) -> String {
    let columns = columns(entity);
    let values = |p: &Point| p.values.to_array().into_iter().take(columns.len());
    let mut out = String::new();
    match format {
        SignalsFormat::Table => {
            match about {
                Some(about) => out.push_str(&format!("{entity}  {about}\n")),
                None => out.push_str(&format!("{entity}\n")),
            }
            // Each column as wide as its name or its widest value.
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let widest = points
                        .iter()
                        .filter_map(|p| values(p).nth(i))
                        .map(|v| v.to_string().len())
                        .max()
                        .unwrap_or(0);
                    c.len().max(widest) + 2
                })
                .collect();
            out.push_str(&format!("{:<21}", "bin"));
            for (c, w) in columns.iter().zip(&widths) {
                out.push_str(&format!("{c:>w$}"));
            }
            out.push('\n');
            for p in points {
                out.push_str(&format!("{:<21}", bin_text(p)));
                for (v, w) in values(p).zip(&widths) {
                    out.push_str(&format!("{v:>w$}"));
                }
                out.push('\n');
            }
        }
        SignalsFormat::Csv => {
            out.push_str("entity,bin,");
            out.push_str(&columns.join(","));
            out.push('\n');
            for p in points {
                out.push_str(&format!("{entity},{}", bin_text(p)));
                for v in values(p) {
                    out.push_str(&format!(",{v}"));
                }
                out.push('\n');
            }
        }
        SignalsFormat::Json => {
            for p in points {
                let mut map = serde_json::Map::new();
                map.insert("entity".into(), entity.into());
                map.insert("bin_start".into(), p.bin_start.into());
                map.insert("bin".into(), bin_text(p).into());
                for (c, v) in columns.iter().zip(values(p)) {
                    map.insert((*c).into(), v.into());
                }
                out.push_str(&serde_json::Value::Object(map).to_string());
                out.push('\n');
            }
        }
    }
    out
}
