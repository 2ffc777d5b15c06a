//! The replay loop of the deterministic core, shared by `replay` and
//! `demo`: route events in event time into the route table, full-feed
//! peers judged at every bin boundary, table deltas into the series, and
//! the rows of every closed bin handed to the caller (the store).

use feed::{Damage, Progress, ReplayInput, ReplaySummary};
use geo::RegistryTable;
use rib::{Delta, Rib, RibConfig};
use signal::{BinRow, Signals};
use wire::Prefix;

/// Length of a bin in seconds (DESIGN.md: 5 minutes, aligned to UTC).
pub const BIN_SECS: u64 = 300;

/// Where the series go, if anywhere.
pub struct SeriesSink<'g, F> {
    /// Countries of address blocks.
    pub registry: &'g RegistryTable,
    /// Prefixes that get their own series.
    pub watched: Vec<Prefix>,
    /// Receives the rows of each closed bin.
    pub on_rows: F,
}

/// Replays `inputs` into a new table (and series, when `sink` is given);
/// returns what was read and the table at the end.
pub fn run<F>(
    inputs: &[ReplayInput],
    sink: Option<SeriesSink<'_, F>>,
    on_damage: impl FnMut(&Damage),
    on_progress: impl FnMut(&Progress),
) -> Result<(ReplaySummary, Rib), feed::OpenError>
where
    F: FnMut(&[BinRow]),
{
    let mut table = Rib::new(RibConfig::default());
    let mut deltas: Vec<Delta> = Vec::new();
    let mut rows: Vec<BinRow> = Vec::new();
    let (mut signals, mut on_rows) = match sink {
        Some(s) => (
            Some(Signals::new(s.registry, BIN_SECS, &s.watched)),
            Some(s.on_rows),
        ),
        None => (None, None),
    };
    let mut bin_end: Option<u64> = None;
    let summary = feed::replay_with_progress(
        inputs,
        |event| {
            let t = event.time.secs();
            // Crossing a bin boundary closes the bin: full-feed peers are
            // judged on the table as it stood at its end.
            if bin_end.is_some_and(|end| t >= end) {
                table.refresh_full_feed(&mut deltas);
                if let Some(s) = signals.as_mut() {
                    s.observe(event.time, &table, &deltas, &mut rows);
                }
                deltas.clear();
            }
            if bin_end.is_none_or(|end| t >= end) {
                bin_end = Some(t - t % BIN_SECS + BIN_SECS);
            }
            table.apply(event, &mut deltas);
            if let Some(s) = signals.as_mut() {
                s.observe(event.time, &table, &deltas, &mut rows);
            }
            deltas.clear();
            if !rows.is_empty() {
                if let Some(f) = on_rows.as_mut() {
                    f(&rows);
                }
                rows.clear();
            }
        },
        on_damage,
        on_progress,
    )?;
    table.refresh_full_feed(&mut deltas);
    if let Some(s) = signals.as_mut() {
        if let Some(end) = bin_end {
            let last =
                wire::event::Timestamp::from_secs(u32::try_from(end - BIN_SECS).unwrap_or(0));
            s.observe(last, &table, &deltas, &mut rows);
        }
        s.close(&mut rows);
    }
    if let Some(f) = on_rows.as_mut() {
        if !rows.is_empty() {
            f(&rows);
        }
    }
    Ok((summary, table))
}
