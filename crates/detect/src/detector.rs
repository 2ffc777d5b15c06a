//! The detector: per entity a history and baselines, the state of its
//! open events, and the rules that start, update and end them. It is fed
//! after the signal stage: every applied route event (its deltas and the
//! visibility changes the signals recorded) for the streaming view and
//! the evidence, and every closed bin's rows for the baselines and the
//! per-bin judgements.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use rib::{Delta, PrefixId, Rib};
use signal::{BinRow, Cause, Entity, Signals};
use wire::event::Timestamp;

use crate::baseline::{Gauge, History, Sample};
use crate::config::DetectConfig;
use crate::event::{AffectedPrefix, Event, EventKind, Hint, Severity};
use crate::evidence::{HintRules, RouteLog};

/// A run of instability events close together: "unstable since".
#[derive(Clone, Copy, Debug)]
struct Unstable {
    /// The first instability event of the run.
    event: u64,
    since: u64,
    /// End of its last event (`u64::MAX` while one is open).
    last_end: u64,
    /// Drops that came back before they became outages.
    flaps: u64,
    churn: u64,
}

/// What the detector keeps per entity.
#[derive(Debug, Default)]
struct Track {
    history: History,
    gauge: Option<Gauge>,
    /// The gauge's baseline as of the last closed bin (`None` while
    /// warming up or too small to judge).
    baseline: Option<f64>,
    churn_threshold: f64,
    /// The gauge's value now.
    value: u64,
    /// When the gauge fell under the warning share, if it is under.
    drop_since: Option<u64>,
    /// The drop is a collector peer's session loss: no outage.
    suppressed: bool,
    outage: Option<u64>,
    recovered_since: Option<u64>,
    /// The last outage that ended: id and end.
    last_outage: Option<(u64, u64)>,
    /// How long it lasted, seconds.
    last_outage_len: u64,
    /// Bins of high churn in the last quiet time, each with the outage
    /// (or drop) it belongs to, if any, and its churn.
    episodes: VecDeque<(u64, Option<u64>, u64)>,
    /// The last drop that came back before it was raised: start, end.
    last_drop: Option<(u64, u64)>,
    instability: Option<u64>,
    quiet_since: Option<u64>,
    unstable: Option<Unstable>,
    /// When to explain the open outage again: once the withdrawals that
    /// made it (or made it worse) have settled, and again once they have
    /// reached every peer.
    explain_at: BTreeSet<u64>,
    /// The bin the baselines were last computed for.
    refreshed: Option<u64>,
    /// Prefixes that became invisible recently: time, prefix, cause.
    losses: VecDeque<(u64, PrefixId, Cause)>,
}

/// Outage and instability events from series and route changes.
pub struct Detector {
    config: DetectConfig,
    tracks: HashMap<Entity, Track>,
    open: BTreeMap<u64, Event>,
    /// Events started, changed or ended since the last drain.
    changed: BTreeMap<u64, Event>,
    log: RouteLog,
    next_id: u64,
    /// Entities with a timer running: a drop waiting for its debounce, or
    /// an outage waiting to be confirmed restored.
    watch: BTreeSet<Entity>,
    now: u64,
    last_tick: u64,
    /// Rows of closed bins not judged yet.
    waiting: BTreeMap<u64, Vec<BinRow>>,
    /// Bins before this one are judged.
    closed_until: Option<u64>,
    /// Recent bins that held data (any entity's row).
    observed: VecDeque<u64>,
}

impl Detector {
    /// A detector whose event ids start after `last_id` (the largest id
    /// already stored, so that ids stay unique in a store).
    pub fn new(config: DetectConfig, last_id: u64) -> Detector {
        Detector {
            config,
            tracks: HashMap::new(),
            open: BTreeMap::new(),
            changed: BTreeMap::new(),
            log: RouteLog::default(),
            next_id: last_id + 1,
            watch: BTreeSet::new(),
            now: 0,
            last_tick: 0,
            waiting: BTreeMap::new(),
            closed_until: None,
            observed: VecDeque::new(),
        }
    }

    /// Carries on from an earlier detector over the same store (a server
    /// restarted after a crash): `history` (the stored change points of
    /// the baseline window, with the point in force at its start) becomes
    /// the entities' history, so baselines need no new warm-up, and the
    /// `open` events are followed on under their ids, to be ended or
    /// worsened as if never interrupted. Nothing is judged: the history
    /// was judged when it was stored, and its events are in `open` or
    /// over.
    pub fn resume(&mut self, history: &[BinRow], open: &[Event]) {
        let cfg = self.config;
        let mut rows: Vec<&BinRow> = history.iter().collect();
        rows.sort_by_key(|r| r.bin_start);
        for row in rows {
            let track = self.tracks.entry(row.entity).or_default();
            let sample = Sample::of(row.bin_start, &row.values);
            track
                .history
                .push(sample, cfg.baseline_window_s + cfg.bin_secs);
            if self.observed.back().is_none_or(|&b| b < row.bin_start) {
                self.observed.push_back(row.bin_start);
            }
            let end = row.bin_start + cfg.bin_secs;
            self.closed_until = self.closed_until.max(Some(end));
            self.now = self.now.max(end);
        }
        for event in open.iter().filter(|e| e.end.is_none()) {
            self.next_id = self.next_id.max(event.id + 1);
            let track = self.tracks.entry(event.entity).or_default();
            match event.kind {
                EventKind::Outage => {
                    track.outage = Some(event.id);
                    track.history.mark(false, event.start, u64::MAX);
                    self.watch.insert(event.entity);
                }
                EventKind::Instability => {
                    track.instability = Some(event.id);
                    track.history.mark(true, event.start, u64::MAX);
                    track.unstable = Some(Unstable {
                        event: event.id,
                        since: event.start,
                        last_end: u64::MAX,
                        flaps: 0,
                        churn: 0,
                    });
                }
            }
            self.open.insert(event.id, event.clone());
        }
    }

    /// The events started, changed or ended since the last call, in their
    /// latest state.
    pub fn drain(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.changed).into_values().collect()
    }

    /// The open events.
    pub fn open_events(&self) -> impl Iterator<Item = &Event> {
        self.open.values()
    }

    /// The id of the last event started (or the one given at creation).
    pub fn last_id(&self) -> u64 {
        self.next_id - 1
    }

    /// The latest event time seen, Unix seconds.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Takes in one route event applied to `rib` at `time` (after
    /// [`Detector::advance`] to its time, and after the signal stage
    /// observed it, with `signals` keeping its changes): logs its route
    /// changes and judges the streaming view.
    pub fn observe(
        &mut self,
        time: Timestamp,
        rib: &Rib,
        signals: &mut Signals<'_>,
        deltas: &[Delta],
        cause: Cause,
    ) {
        let t = time.secs();
        let bin = t - t % self.config.bin_secs;
        self.now = self.now.max(t);
        self.log.record(t, rib, deltas, cause);
        let mut touched = BTreeSet::new();
        for change in signals.drain_changes() {
            let track = self.tracks.entry(change.entity).or_default();
            if !change.visible {
                track.losses.push_back((t, change.prefix, change.cause));
            }
            touched.insert(change.entity);
        }
        // Counted only for events that moved some entity's visibility:
        // most route events move none.
        let observed = if touched.is_empty() {
            0
        } else {
            self.observed_before(bin)
        };
        for entity in touched {
            let value = signals.current(&entity);
            if let Some(track) = self.tracks.get_mut(&entity) {
                // The baseline as of this bin, for an entity that had no
                // row for a while.
                if track.refreshed != Some(bin) {
                    track.refresh(&self.config, bin, observed);
                }
                if let Some(gauge) = track.gauge {
                    track.value = gauge.value(&value);
                }
            }
            self.judge_level(entity, t);
        }
    }

    /// Lets event time pass to `time`, before the route event of that
    /// time is applied to `rib`: the bins before it are judged and the
    /// timers that ran out fire, on the table as it stood.
    pub fn advance(&mut self, time: Timestamp, rib: &Rib) {
        let t = time.secs();
        self.advance_to(t - t % self.config.bin_secs, rib);
        if t > self.last_tick {
            self.last_tick = t;
            let watched: Vec<Entity> = self.watch.iter().copied().collect();
            for entity in watched {
                self.tick(entity, t, rib);
            }
        }
    }

    /// Takes the rows of closed bins; they are judged when event time
    /// passes their bin (every bin is judged, with rows or without).
    pub fn add_rows(&mut self, rows: &[BinRow]) {
        for row in rows {
            self.waiting.entry(row.bin_start).or_default().push(*row);
        }
    }

    /// Ends the input: bins up to `end` are judged, and an outage whose
    /// recovery was not yet confirmed ends where it recovered (nothing
    /// after it says otherwise).
    pub fn finish(&mut self, end: Timestamp, rib: &Rib) {
        let t = end.secs();
        self.advance_to(t - t % self.config.bin_secs, rib);
        let recovered: Vec<(Entity, u64, u64)> = self
            .tracks
            .iter()
            .filter_map(|(e, t)| Some((*e, t.outage?, t.recovered_since?)))
            .collect();
        for (entity, id, at) in recovered {
            self.end_outage(entity, id, at);
        }
    }

    /// Judges every bin that starts before `until`.
    fn advance_to(&mut self, until: u64, rib: &Rib) {
        let step = self.config.bin_secs;
        let Some(mut bin) = self.closed_until.or(self.waiting.keys().next().copied()) else {
            return;
        };
        let mut last_rows = bin;
        while bin < until {
            let rows = self.waiting.remove(&bin).unwrap_or_default();
            if !rows.is_empty() {
                last_rows = bin;
            }
            self.close_bin(bin, &rows, rib);
            // Nothing to judge until the next rows, or a whole window
            // without data (archives years apart): jump to them.
            let idle = self.open.is_empty() && self.watch.is_empty();
            let gap = bin >= last_rows + self.config.baseline_window_s;
            if idle || gap {
                let next = self.waiting.keys().next().copied().unwrap_or(until);
                bin = next.min(until).max(bin + step);
            } else {
                bin += step;
            }
            if gap {
                self.restart_after_gap(last_rows + step, bin);
            }
        }
        self.closed_until = Some(bin);
    }

    /// Bins with data in the baseline window before `bin` (forgetting
    /// older ones).
    fn observed_before(&mut self, bin: u64) -> u64 {
        let from = bin.saturating_sub(self.config.baseline_window_s);
        while self.observed.front().is_some_and(|&b| b < from) {
            self.observed.pop_front();
        }
        self.observed.iter().filter(|&&b| b < bin).count() as u64
    }

    /// After a day and more without a single change anywhere (archives
    /// years apart), the time between was not watched: open events end
    /// where the data stopped (`data_end`), with a `data_gap` hint, since
    /// nobody can say how they went on; pending drops are forgotten and
    /// baselines warm up again from `bin`.
    fn restart_after_gap(&mut self, data_end: u64, bin: u64) {
        for (id, mut event) in std::mem::take(&mut self.open) {
            event.end = Some(data_end.max(event.start));
            event.last_change = data_end;
            event.hints.push(Hint::DataGap {
                since: data_end,
                until: bin,
            });
            self.changed.insert(id, event);
        }
        self.watch.clear();
        for track in self.tracks.values_mut() {
            track.drop_since = None;
            track.suppressed = false;
            track.outage = None;
            track.recovered_since = None;
            track.instability = None;
            track.quiet_since = None;
            track.unstable = None;
            track.losses.clear();
            track.history.restart(bin);
        }
        self.log.prune(bin);
    }

    fn close_bin(&mut self, bin: u64, rows: &[BinRow], rib: &Rib) {
        let cfg = self.config;
        let end = bin + cfg.bin_secs;
        self.now = self.now.max(end);
        let observed = self.observed_before(bin);
        if !rows.is_empty() {
            self.observed.push_back(bin);
        }
        let mut churn: HashMap<Entity, u64> = HashMap::new();
        for row in rows {
            let track = self.tracks.entry(row.entity).or_default();
            let sample = Sample::of(row.bin_start, &row.values);
            churn.insert(row.entity, sample.churn);
            track
                .history
                .push(sample, cfg.baseline_window_s + cfg.bin_secs);
        }
        let mut judged: BTreeSet<Entity> = rows.iter().map(|r| r.entity).collect();
        judged.extend(self.open.values().map(|e| e.entity));
        judged.extend(self.watch.iter().copied());
        // The world is the collectors' view, the context of every event,
        // not an entity that has outages.
        judged.remove(&Entity::World);
        for entity in judged {
            if let Some(track) = self.tracks.get_mut(&entity) {
                track.refresh(&cfg, bin, observed);
                while track
                    .losses
                    .front()
                    .is_some_and(|l| l.0 + cfg.evidence_window_s < end)
                {
                    track.losses.pop_front();
                }
            }
            self.judge_level(entity, end);
            self.tick(entity, end, rib);
            let c = churn.get(&entity).copied().unwrap_or(0);
            self.judge_churn(entity, bin, c, rib);
        }
        self.log.prune(end.saturating_sub(cfg.evidence_window_s));
    }

    /// Follows the gauge against the baseline: a drop starts its timer,
    /// an open outage follows the value.
    fn judge_level(&mut self, entity: Entity, t: u64) {
        let cfg = &self.config;
        let Some(track) = self.tracks.get_mut(&entity) else {
            return;
        };
        if let Some(id) = track.outage {
            let Some(event) = self.open.get_mut(&id) else {
                return;
            };
            let ratio = track.value as f64 / event.baseline.max(1e-9);
            let severity = severity(cfg, track.value, ratio);
            event.min_ratio = event.min_ratio.min(ratio);
            if ratio >= cfg.restore {
                track.recovered_since.get_or_insert(t);
                self.watch.insert(entity);
            } else {
                track.recovered_since = None;
                if severity != event.severity {
                    // Worse than ever: more prefixes lost, to explain once
                    // their withdrawals have reached every peer.
                    if severity > event.worst_severity {
                        track.explain_at.insert(t + cfg.debounce_s);
                        track.explain_at.insert(t + cfg.origin_spread_s);
                        self.watch.insert(entity);
                    }
                    event.severity = severity;
                    event.worst_severity = event.worst_severity.max(severity);
                    event.last_change = t;
                    self.changed.insert(id, event.clone());
                }
            }
            return;
        }
        let Some(baseline) = track.baseline else {
            return;
        };
        let ratio = track.value as f64 / baseline;
        if ratio < cfg.warning {
            if track.drop_since.is_none() {
                track.drop_since = Some(t);
                self.watch.insert(entity);
            }
        } else {
            if let Some(since) = track.drop_since.take() {
                // Back before it was raised: a flap, an episode of churn.
                track.last_drop = Some((since, t));
                if track.instability.is_some() {
                    if let Some(run) = track.unstable.as_mut() {
                        run.flaps += 1;
                    }
                }
            }
            track.suppressed = false;
        }
    }

    /// Runs the timers of an entity at time `t`.
    fn tick(&mut self, entity: Entity, t: u64, rib: &Rib) {
        let cfg = self.config;
        let Some(track) = self.tracks.get_mut(&entity) else {
            self.watch.remove(&entity);
            return;
        };
        if let Some(id) = track.outage {
            if track.explain_at.first().is_some_and(|&at| t >= at) {
                track.explain_at.retain(|&at| at > t);
                if let Some(event) = self.open.get_mut(&id) {
                    if let Some((hints, affected)) =
                        explain(&cfg, &self.log, track, event.start, rib)
                            .filter(|(_, affected)| !affected.is_empty())
                    {
                        event.hints = hints;
                        event.prefixes = affected;
                        self.changed.insert(id, event.clone());
                    }
                }
            }
            if let Some(at) = track.recovered_since {
                if t >= at + cfg.restore_after_s {
                    self.end_outage(entity, id, at);
                }
            }
            return;
        }
        let Some(since) = track.drop_since else {
            self.watch.remove(&entity);
            return;
        };
        if track.suppressed {
            return;
        }
        // Flapping: unstable before the drop, or a flap-length outage
        // ended a moment ago (the instability event may not be open yet).
        let recent_flap = track.last_outage.is_some_and(|(_, end)| {
            end + cfg.instability_quiet_s > since && track.last_outage_len < cfg.flap_tolerance_s
        });
        let already_unstable = recent_flap
            || track
                .instability
                .and_then(|id| self.open.get(&id))
                .is_some_and(|e| e.start < since);
        let mut wait = if already_unstable {
            cfg.flap_tolerance_s
        } else {
            cfg.debounce_s
        };
        if !cfg.report_short {
            wait = wait.max(cfg.short_s);
        }
        if t >= since + wait {
            self.start_outage(entity, since, t, rib);
        }
    }

    fn start_outage(&mut self, entity: Entity, since: u64, t: u64, rib: &Rib) {
        let cfg = self.config;
        let Some(track) = self.tracks.get_mut(&entity) else {
            return;
        };
        let Some(baseline) = track.baseline else {
            return;
        };
        // Lost only through sessions (a collector peer down, a table
        // reloaded): that peer's view, not the entity's reachability.
        // No prefix lost in the evidence window: nothing to explain the
        // drop with, so no outage (the baseline moved, not the routes).
        let Some((hints, affected)) = explain(&cfg, &self.log, track, since, rib)
            .filter(|(_, affected)| !affected.is_empty())
        else {
            track.suppressed = true;
            return;
        };
        let ratio = track.value as f64 / baseline;
        let severity = severity(&cfg, track.value, ratio);
        let id = self.next_id;
        self.next_id += 1;
        let signal = track.gauge.unwrap_or(Gauge::V24).name();
        let event = Event {
            last_change: t,
            min_ratio: ratio,
            baseline,
            prefixes: affected,
            hints,
            ..Event::raised(id, entity, EventKind::Outage, severity, since, signal)
        };
        track.outage = Some(id);
        track.drop_since = None;
        track.recovered_since = None;
        track.history.mark(false, since, u64::MAX);
        // Raised after a short debounce, the outage is explained before
        // every peer has withdrawn: explain it again once a withdrawal at
        // the origin has had time to reach them all.
        let settled = since + cfg.origin_spread_s;
        if settled > t {
            track.explain_at.insert(settled);
            self.watch.insert(entity);
        }
        self.changed.insert(id, event.clone());
        self.open.insert(id, event);
    }

    fn end_outage(&mut self, entity: Entity, id: u64, at: u64) {
        let short_s = self.config.short_s;
        if let Some(track) = self.tracks.get_mut(&entity) {
            track.outage = None;
            track.recovered_since = None;
            track.explain_at.clear();
            track.last_outage = Some((id, at));
            if let Some(event) = self.open.get(&id) {
                track.history.mark(false, event.start, at);
                track.last_outage_len = at.saturating_sub(event.start);
                // A flap-length outage while unstable is one more flap.
                if track.instability.is_some()
                    && track.last_outage_len < self.config.flap_tolerance_s
                {
                    if let Some(run) = track.unstable.as_mut() {
                        run.flaps += 1;
                    }
                }
            }
        }
        self.watch.remove(&entity);
        if let Some(mut event) = self.open.remove(&id) {
            event.end = Some(at);
            event.last_change = at;
            event.short = at.saturating_sub(event.start) < short_s;
            self.changed.insert(id, event);
        }
    }

    /// Judges a closed bin's churn against the entity's own.
    fn judge_churn(&mut self, entity: Entity, bin: u64, churn: u64, rib: &Rib) {
        let cfg = self.config;
        let end = bin + cfg.bin_secs;
        let Some(track) = self.tracks.get_mut(&entity) else {
            return;
        };
        let threshold = track.churn_threshold;
        if let Some(id) = track.instability {
            if let Some(run) = track.unstable.as_mut() {
                run.churn += churn;
            }
            if churn as f64 > threshold {
                track.quiet_since = None;
                if let Some(event) = self.open.get_mut(&id) {
                    event.min_ratio = event.min_ratio.max(churn as f64 / threshold);
                }
                return;
            }
            let quiet = *track.quiet_since.get_or_insert(bin);
            if end >= quiet + cfg.instability_quiet_s {
                track.instability = None;
                track.quiet_since = None;
                if let Some(run) = track.unstable.as_mut() {
                    run.last_end = quiet;
                }
                if let Some(mut event) = self.open.remove(&id) {
                    track.history.mark(true, event.start, quiet);
                    event.end = Some(quiet);
                    event.last_change = quiet;
                    self.changed.insert(id, event);
                }
            }
            return;
        }
        if churn as f64 <= threshold || track.baseline.is_none() {
            return;
        }
        // The withdrawals of an outage and the announcements of its
        // restore are that outage, one episode however many bins it
        // spans; churn of its own, or a second episode within the quiet
        // time, is instability.
        // A drop (raised or not) is keyed by its start, an outage by id.
        let drop_key = |since: u64| u64::MAX - since;
        let recent = |at: u64| at + cfg.bin_secs > bin;
        let episode = track
            .outage
            .or(track.drop_since.map(drop_key))
            .or(track
                .last_outage
                .filter(|&(_, at)| recent(at))
                .map(|(id, _)| id))
            .or(track
                .last_drop
                .filter(|&(_, at)| recent(at))
                .map(|(since, _)| drop_key(since)));
        track
            .episodes
            .retain(|&(b, _, _)| b + cfg.instability_quiet_s > bin);
        track.episodes.push_back((bin, episode, churn));
        let mut distinct: Vec<Option<u64>> = Vec::new();
        for &(_, e, _) in &track.episodes {
            if e.is_none() || !distinct.contains(&e) {
                distinct.push(e);
            }
        }
        if episode.is_some() && distinct.len() < 2 {
            return;
        }
        let start = track.episodes.front().map_or(bin, |e| e.0);
        let episodes_churn: u64 = track.episodes.iter().map(|e| e.2).sum();
        // Flaps over: those still going (a pending drop, an open outage)
        // are counted when they come back.
        let ongoing = [track.outage, track.drop_since.map(drop_key)];
        let flaps = distinct
            .iter()
            .filter(|e| e.is_some() && !ongoing.contains(e))
            .count() as u64;
        let id = self.next_id;
        self.next_id += 1;
        let mut hints = Vec::new();
        if let Entity::As(asn) = entity {
            let prefixes = self.log.prefixes_of_origin(asn, bin);
            if let Some(hint) = self.log.views(rib, &prefixes, bin).upstream_loss() {
                hints.push(hint);
            }
        }
        let ratio = churn as f64 / threshold;
        let severity = if ratio > 10.0 {
            Severity::Critical
        } else {
            Severity::Warning
        };
        let event = Event {
            last_change: end,
            min_ratio: ratio,
            baseline: threshold,
            hints,
            ..Event::raised(id, entity, EventKind::Instability, severity, start, "churn")
        };
        track.instability = Some(id);
        track.quiet_since = None;
        track.history.mark(true, start, u64::MAX);
        track.unstable = Some(match track.unstable {
            Some(run) if run.last_end.saturating_add(cfg.instability_memory_s) >= start => {
                Unstable {
                    last_end: u64::MAX,
                    churn: run.churn + episodes_churn,
                    flaps: run.flaps + flaps,
                    ..run
                }
            }
            _ => Unstable {
                event: id,
                since: start,
                last_end: u64::MAX,
                flaps,
                churn: episodes_churn,
            },
        });
        self.changed.insert(id, event.clone());
        self.open.insert(id, event);
    }
}

impl Track {
    /// Recomputes the baselines from the history before `bin`.
    /// `observed` is the number of bins of the window that held data.
    fn refresh(&mut self, cfg: &DetectConfig, bin: u64, observed: u64) {
        self.refreshed = Some(bin);
        let window = cfg.baseline_window_s;
        let gauge = self.history.gauge();
        self.gauge = Some(gauge);
        if let Some(last) = self.history.last() {
            self.value = gauge.of(last);
        }
        let (median, mad) = self
            .history
            .churn_stats(cfg.bin_secs, bin, window, observed);
        // Churn is judged against an hour of bins with data at least.
        self.churn_threshold = if observed * cfg.bin_secs >= cfg.warmup_s {
            (median + cfg.instability_k * mad).max(cfg.instability_min_churn)
        } else {
            f64::INFINITY
        };
        // Neither an outage nor a drop waiting for its debounce may lower
        // its own baseline (with short bins, a debounce spans several).
        if self.outage.is_some() || self.drop_since.is_some() {
            return;
        }
        let warm = self.history.known_secs(bin, window) >= cfg.warmup_s;
        self.baseline = self
            .history
            .gauge_baseline(gauge, bin, window)
            .filter(|&b| warm && b >= cfg.min_baseline);
    }
}

/// The hints of an outage of the entity of `track` since `since`, and
/// the prefixes it lost; `None` when it lost them only through sessions.
fn explain(
    cfg: &DetectConfig,
    log: &RouteLog,
    track: &Track,
    since: u64,
    rib: &Rib,
) -> Option<(Vec<Hint>, Vec<AffectedPrefix>)> {
    // The withdrawals that made the drop began up to a spread before it:
    // the first peers' withdrawals left the prefixes visible to the rest.
    let from = since.saturating_sub(cfg.origin_spread_s.max(cfg.debounce_s));
    let losses: Vec<&(u64, PrefixId, Cause)> =
        track.losses.iter().filter(|l| l.0 >= from).collect();
    if !losses.is_empty() && losses.iter().all(|l| l.2 == Cause::Session) {
        return None;
    }
    let mut prefixes: Vec<PrefixId> = losses.iter().map(|l| l.1).collect();
    prefixes.sort();
    prefixes.dedup();
    let rules = HintRules {
        origin_spread_s: cfg.origin_spread_s,
        single_upstream_share: cfg.single_upstream_share,
    };
    let (mut hints, affected) = log.views(rib, &prefixes, from).outage_hints(rib, &rules);
    if let Some(run) = track.unstable {
        if run.last_end == u64::MAX || run.last_end + cfg.instability_memory_s >= since {
            hints.insert(
                0,
                Hint::PrecededByInstability {
                    event: run.event,
                    since: run.since,
                    flaps: run.flaps,
                    churn: run.churn,
                },
            );
        }
    }
    Some((hints, affected))
}

/// The severity of a value at `ratio` of its baseline.
fn severity(cfg: &DetectConfig, value: u64, ratio: f64) -> Severity {
    if value == 0 {
        Severity::Dark
    } else if ratio < cfg.critical {
        Severity::Critical
    } else {
        Severity::Warning
    }
}
