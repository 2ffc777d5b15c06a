//! The replay loop of the deterministic core, shared by `replay` and
//! `demo`: route events in event time into the route table, full-feed
//! peers judged at every bin boundary, table deltas into the series, the
//! series and route changes into the detector, and the rows of every
//! closed bin with the events started, changed or ended handed to the
//! caller (the store).

use detect::{DetectConfig, Detector, Event};
use feed::{Damage, Progress, ReplayInput, ReplaySummary};
use geo::RegistryTable;
use rib::{Delta, Rib, RibConfig};
use signal::{BinRow, Cause, Sessions, Signals};
use wire::event::Timestamp;
use wire::Prefix;

/// Length of a bin in seconds (DESIGN.md: 5 minutes, aligned to UTC).
pub const BIN_SECS: u64 = 300;

/// Where the series and events go, if anywhere.
pub struct SeriesSink<'g, F> {
    /// Countries of address blocks.
    pub registry: &'g RegistryTable,
    /// Prefixes that get their own series.
    pub watched: Vec<Prefix>,
    /// Detect events with this configuration, ids after this one.
    pub detect: Option<(DetectConfig, u64)>,
    /// Receives the rows of closed bins, the events that changed, and
    /// the latest event time.
    pub on_output: F,
}

/// The series stage and the detector after it.
struct Judging<'g, F> {
    signals: Signals<'g>,
    detector: Option<Detector>,
    on_output: F,
    rows: Vec<BinRow>,
    /// Rows already handed to the detector.
    given: usize,
}

impl<F: FnMut(&[BinRow], &[Event], u64)> Judging<'_, F> {
    /// Takes in the deltas of one route event (or of a bin end).
    fn observe(&mut self, time: Timestamp, table: &Rib, deltas: &[Delta], cause: Cause) {
        self.signals
            .observe(time, table, deltas, cause, &mut self.rows);
        self.judge(time, table, Some((deltas, cause)));
    }

    /// Lets event time pass to `time`, before its route event is applied
    /// to `table`.
    fn advance(&mut self, time: Timestamp, table: &Rib) {
        if let Some(d) = self.detector.as_mut() {
            d.add_rows(self.rows.get(self.given..).unwrap_or_default());
            self.given = self.rows.len();
            d.advance(time, table);
        }
    }

    /// Hands closed rows to the detector, then the route event (or, with
    /// none, the end of the input at `time`).
    fn judge(&mut self, time: Timestamp, table: &Rib, event: Option<(&[Delta], Cause)>) {
        let mut events = Vec::new();
        let mut now = time.secs();
        if let Some(d) = self.detector.as_mut() {
            d.add_rows(self.rows.get(self.given..).unwrap_or_default());
            self.given = self.rows.len();
            match event {
                Some((deltas, cause)) => d.observe(time, table, &mut self.signals, deltas, cause),
                None => d.finish(time, table),
            }
            events = d.drain();
            now = d.now();
        }
        if !self.rows.is_empty() || !events.is_empty() {
            (self.on_output)(&self.rows, &events, now);
            self.rows.clear();
            self.given = 0;
        }
    }
}

/// Replays `inputs` into a new table (and series and events, when `sink`
/// is given); returns what was read, the table at the end and the
/// detector with its open events.
pub fn run<F>(
    inputs: &[ReplayInput],
    sink: Option<SeriesSink<'_, F>>,
    on_damage: impl FnMut(&Damage),
    on_progress: impl FnMut(&Progress),
) -> Result<(ReplaySummary, Rib, Option<Detector>), feed::OpenError>
where
    F: FnMut(&[BinRow], &[Event], u64),
{
    let mut table = Rib::new(RibConfig::default());
    let mut deltas: Vec<Delta> = Vec::new();
    let mut judging = sink.map(|s| {
        let mut signals = Signals::new(s.registry, BIN_SECS, &s.watched);
        let detector = s.detect.map(|(config, last_id)| {
            signals.keep_changes();
            Detector::new(config, last_id)
        });
        Judging {
            signals,
            detector,
            on_output: s.on_output,
            rows: Vec::new(),
            given: 0,
        }
    });
    let mut sessions = Sessions::default();
    let mut bin_end: Option<u64> = None;
    let summary = feed::replay_with_progress(
        inputs,
        |event| {
            let t = event.time.secs();
            // Crossing a bin boundary closes the bin: full-feed peers are
            // judged on the table as it stood at its end.
            if let Some(end) = bin_end.filter(|&end| t >= end) {
                table.refresh_full_feed(&mut deltas);
                if let Some(j) = judging.as_mut() {
                    // The closing bin's last second: what the refresh
                    // changed belongs to the bin it ends.
                    let last = Timestamp::from_secs(u32::try_from(end - 1).unwrap_or(0));
                    j.signals
                        .observe(last, &table, &deltas, Cause::Session, &mut j.rows);
                    j.signals.close(&mut j.rows);
                }
                deltas.clear();
            }
            if bin_end.is_none_or(|end| t >= end) {
                bin_end = Some(t - t % BIN_SECS + BIN_SECS);
            }
            if let Some(j) = judging.as_mut() {
                j.advance(event.time, &table);
            }
            table.apply(event, &mut deltas);
            let cause = sessions.cause(event);
            if let Some(j) = judging.as_mut() {
                j.observe(event.time, &table, &deltas, cause);
            }
            deltas.clear();
        },
        on_damage,
        on_progress,
    )?;
    table.refresh_full_feed(&mut deltas);
    let mut detector = None;
    if let Some(mut j) = judging {
        if let Some(end) = bin_end {
            let last = Timestamp::from_secs(u32::try_from(end - BIN_SECS).unwrap_or(0));
            j.signals
                .observe(last, &table, &deltas, Cause::Session, &mut j.rows);
            j.signals.close(&mut j.rows);
            let closed = Timestamp::from_secs(u32::try_from(end).unwrap_or(u32::MAX));
            j.judge(closed, &table, None);
        }
        detector = j.detector;
    }
    Ok((summary, table, detector))
}
