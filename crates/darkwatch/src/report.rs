//! `darkwatch report EVENT_ID`: the incident report of one stored event,
//! as an analyst would publish it: a self-contained HTML page with a
//! headline in plain words, a timeline chart and the evidence (the
//! default), or the same as Markdown, or as JSON. The rendering is the
//! `report` crate's (written `::report` here, beside this module of
//! the same name); this reads the event, the entity's series around it
//! and what the store knows of the entity.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use ::report::Format;
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use store::Store;

use crate::pipeline::BIN_SECS;

/// Output formats of `report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One self-contained HTML page with the timeline chart.
    Html,
    /// Markdown (the chart left out).
    Md,
    /// A JSON object: the event, the series points used and the headline.
    Json,
}

/// Arguments of `darkwatch report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The event's id, as `darkwatch events` lists it.
    event_id: u64,
    /// The database written by `darkwatch replay --db`.
    #[arg(long, default_value = "darkwatch.db")]
    db: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    format: ReportFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `report`.
pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let mut store = crate::signals::open_store(&args.db)?;
    let format = match args.format {
        ReportFormat::Html => Format::Html,
        ReportFormat::Md => Format::Markdown,
        ReportFormat::Json => Format::Json,
    };
    let Some((entity, text)) = render_event(&mut store, args.event_id, format)? else {
        bail!(
            "{}: no event {} (list the events and their ids with `darkwatch events --db {}`)",
            args.db.display(),
            args.event_id,
            args.db.display()
        );
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, text.as_bytes()).with_context(|| {
                format!(
                    "{}: cannot write the report (check that its folder exists and is writable)",
                    path.display()
                )
            })?;
            eprintln!(
                "darkwatch report: event {} ({entity}) written to {} ({} bytes)",
                args.event_id,
                path.display(),
                text.len()
            );
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("writing the report")?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The report of event `id` in `format`, with its entity; `None` when the
/// store has no such event.
pub fn render_event(
    store: &mut Store,
    id: u64,
    format: Format,
) -> anyhow::Result<Option<(String, String)>> {
    ::report::render_stored(store, id, format, BIN_SECS).with_context(|| format!("event {id}"))
}
