//! The deterministic core, shared by `replay`, `demo` and the live feeds
//! of `serve`: route events in event time into the route table,
//! full-feed peers judged at every bin boundary, table deltas into the
//! series, the series and route changes into the detector, and the rows
//! of every closed bin with the events started, changed or ended handed
//! to the caller (the store). No I/O and no clock: time is the events'
//! own, or what the caller says with [`Core::tick`].

use detect::{DetectConfig, Detector, Event};
use feed::{Damage, Progress, ReplayInput, ReplaySummary};
use geo::RegistryTable;
use rib::{Delta, Rib, RibConfig};
use signal::{BinRow, Cause, Sessions, Signals};
use wire::event::{RouteEvent, Timestamp};
use wire::Prefix;

/// Length of a bin in seconds (DESIGN.md: 5 minutes, aligned to UTC).
pub const BIN_SECS: u64 = 300;

/// What the series stage and the detector are set up with.
pub struct Judge<'g> {
    /// Countries of address blocks.
    pub registry: &'g RegistryTable,
    /// Prefixes that get their own series.
    pub watched: Vec<Prefix>,
    /// Detect events with this configuration, ids after this one.
    pub detect: Option<(DetectConfig, u64)>,
}

/// Where the series and events go, if anywhere.
pub struct SeriesSink<'g, F> {
    /// The series stage and the detector.
    pub judge: Judge<'g>,
    /// Receives the rows of closed bins, the events that changed, and
    /// the latest event time.
    pub on_output: F,
}

/// The series stage and the detector after it.
struct Judging<'g> {
    signals: Signals<'g>,
    detector: Option<Detector>,
    rows: Vec<BinRow>,
    /// Rows already handed to the detector.
    given: usize,
    /// Events started, changed or ended, not yet taken.
    events: Vec<Event>,
    /// The latest time judged.
    now: u64,
}

impl Judging<'_> {
    /// Hands closed rows to the detector.
    fn give_rows(&mut self) {
        if let Some(d) = self.detector.as_mut() {
            d.add_rows(self.rows.get(self.given..).unwrap_or_default());
        }
        self.given = self.rows.len();
    }

    /// Lets event time pass to `time`, before its route event (if any) is
    /// applied to `table`.
    fn advance(&mut self, time: Timestamp, table: &Rib) {
        self.give_rows();
        if let Some(d) = self.detector.as_mut() {
            d.advance(time, table);
        }
        self.collect(time);
    }

    /// Takes in the deltas of one route event.
    fn observe(&mut self, time: Timestamp, table: &Rib, deltas: &[Delta], cause: Cause) {
        self.signals
            .observe(time, table, deltas, cause, &mut self.rows);
        self.give_rows();
        if let Some(d) = self.detector.as_mut() {
            d.observe(time, table, &mut self.signals, deltas, cause);
        }
        self.collect(time);
    }

    /// Moves the detector's changed events out, and its notion of now.
    fn collect(&mut self, time: Timestamp) {
        match self.detector.as_mut() {
            Some(d) => {
                self.events.extend(d.drain());
                self.now = d.now();
            }
            None => self.now = self.now.max(time.secs()),
        }
    }
}

/// The route table's companions: sessions, bins, the series stage and the
/// detector. The table itself is the caller's, so that a live server can
/// lend it to readers between events.
pub struct Core<'g> {
    bin_secs: u64,
    sessions: Sessions,
    /// The end of the bin the latest event fell in.
    bin_end: Option<u64>,
    deltas: Vec<Delta>,
    judging: Option<Judging<'g>>,
}

impl<'g> Core<'g> {
    /// A core with bins of `bin_secs`, telling a session's table resend
    /// by `sessions`, and judging as `judge` says when given (a bare route
    /// table otherwise).
    pub fn new(bin_secs: u64, sessions: Sessions, judge: Option<Judge<'g>>) -> Core<'g> {
        let judging = judge.map(|j| {
            let mut signals = Signals::new(j.registry, bin_secs, &j.watched);
            let detector = j.detect.map(|(config, last_id)| {
                signals.keep_changes();
                Detector::new(DetectConfig { bin_secs, ..config }, last_id)
            });
            Judging {
                signals,
                detector,
                rows: Vec::new(),
                given: 0,
                events: Vec::new(),
                now: 0,
            }
        });
        Core {
            bin_secs,
            sessions,
            bin_end: None,
            deltas: Vec::new(),
            judging,
        }
    }

    /// Carries on from what a store holds: its recent rows as history
    /// and its open events ([`Detector::resume`]), for a server that
    /// restarted.
    pub fn resume(&mut self, history: &[BinRow], open: &[Event]) {
        if let Some(d) = self.judging.as_mut().and_then(|j| j.detector.as_mut()) {
            d.resume(history, open);
        }
    }

    /// Applies one route event to `table`, after letting time pass to its
    /// time.
    pub fn apply(&mut self, table: &mut Rib, event: &RouteEvent<'_, '_>) {
        self.pass_time(table, event.time);
        if let Some(j) = self.judging.as_mut() {
            j.advance(event.time, table);
        }
        table.apply(event, &mut self.deltas);
        let cause = self.sessions.cause(event);
        if let Some(j) = self.judging.as_mut() {
            j.observe(event.time, table, &self.deltas, cause);
        }
        self.deltas.clear();
    }

    /// Lets time pass to `now` without a route event (a quiet live feed):
    /// bins that ended are closed and the detector's timers fire.
    pub fn tick(&mut self, table: &mut Rib, now: Timestamp) {
        if self.bin_end.is_none() {
            return;
        }
        self.pass_time(table, now);
        if let Some(j) = self.judging.as_mut() {
            j.advance(now, table);
        }
    }

    /// Hands the rows of closed bins and the changed events to `f` (with
    /// the latest time judged), when there are any.
    pub fn take(&mut self, mut f: impl FnMut(&[BinRow], &[Event], u64)) {
        let Some(j) = self.judging.as_mut() else {
            return;
        };
        if j.rows.is_empty() && j.events.is_empty() {
            return;
        }
        f(&j.rows, &j.events, j.now);
        j.rows.clear();
        j.given = 0;
        j.events.clear();
    }

    /// Ends the input: the last bin is closed and judged, and the last
    /// output handed to `f` as [`Core::take`] does. Returns the detector,
    /// with the events still open.
    pub fn finish(
        mut self,
        table: &mut Rib,
        f: impl FnMut(&[BinRow], &[Event], u64),
    ) -> Option<Detector> {
        table.refresh_full_feed(&mut self.deltas);
        let j = self.judging.as_mut()?;
        if let Some(end) = self.bin_end {
            let last = Timestamp::from_secs(secs32(end - self.bin_secs));
            j.signals
                .observe(last, table, &self.deltas, Cause::Session, &mut j.rows);
            j.signals.close(&mut j.rows);
            let closed = Timestamp::from_secs(secs32(end));
            j.give_rows();
            if let Some(d) = j.detector.as_mut() {
                d.finish(closed, table);
            }
            j.collect(closed);
        }
        self.take(f);
        self.judging?.detector
    }

    /// Crossing a bin boundary closes the bin: full-feed peers are judged
    /// on the table as it stood at its end.
    fn pass_time(&mut self, table: &mut Rib, time: Timestamp) {
        let t = time.secs();
        if let Some(end) = self.bin_end.filter(|&end| t >= end) {
            table.refresh_full_feed(&mut self.deltas);
            if let Some(j) = self.judging.as_mut() {
                // The closing bin's last second: what the refresh changed
                // belongs to the bin it ends.
                let last = Timestamp::from_secs(secs32(end - 1));
                j.signals
                    .observe(last, table, &self.deltas, Cause::Session, &mut j.rows);
                j.signals.close(&mut j.rows);
            }
            self.deltas.clear();
        }
        if self.bin_end.is_none_or(|end| t >= end) {
            self.bin_end = Some(t - t % self.bin_secs + self.bin_secs);
        }
    }
}

/// Unix seconds as MRT holds them (saturating).
fn secs32(secs: u64) -> u32 {
    u32::try_from(secs).unwrap_or(u32::MAX)
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
    let (judge, mut on_output) = match sink {
        Some(s) => (Some(s.judge), Some(s.on_output)),
        None => (None, None),
    };
    let mut core = Core::new(BIN_SECS, Sessions::default(), judge);
    let summary = feed::replay_with_progress(
        inputs,
        |event| {
            core.apply(&mut table, event);
            if let Some(f) = on_output.as_mut() {
                core.take(&mut *f);
            }
        },
        on_damage,
        on_progress,
    )?;
    let detector = match on_output {
        Some(f) => core.finish(&mut table, f),
        None => core.finish(&mut table, |_, _, _| {}),
    };
    Ok((summary, table, detector))
}
