//! The detector driven by route events replayed in memory, in the exact
//! order of the replay loop (`crates/darkwatch/src/pipeline.rs`): at a
//! bin boundary the full-feed peers are judged and the closing bin's rows
//! handed over; then event time passes (`advance`), the event goes into
//! the table, the series and the detector (`observe`), and what changed
//! is drained. A collector's everyday noise (one route flapping at a
//! partial peer every 5 minutes) keeps every bin holding data.
//!
//! The world: six full-feed peers (the sixth is AS4837, the upstream of
//! North Korea, so a vantage point inside it) with the same table:
//!
//! - `country/KP`, `as/131279`: 175.45.176.0/24 to 175.45.179.0/24
//!   behind AS4837 (4 /24s);
//! - `country/NP`, `as/17501`: 27.34.0.0/24 to 27.34.9.0/24 behind
//!   AS2914 (10 /24s);
//! - `country/CN`, `as/9808`: 1.0.1.0/24 and 1.0.2.0/24, behind AS174 at
//!   peers 1 to 3 and AS3356 at peers 4 to 6;
//! - `country/AU`, `as/13335`: 1.0.0.0/24;
//! - 198.18.0.0/24 (AS64496, no country), flapped by the partial peer.

use std::collections::BTreeMap;
use std::net::IpAddr;

use detect::{DetectConfig, Detector, Event, EventKind, Hint, PeerView, Severity, UpstreamShare};
use geo::{RegistryTable, RegistryTableBuilder};
use rib::{Delta, Rib, RibConfig};
use signal::{BinRow, Cause, Sessions, Signals};
use wire::attr::{AttrContext, Attributes};
use wire::encode::attr;
use wire::event::{EventKind as Kind, PeerKey, RouteEvent, Timestamp};
use wire::{AsnWidth, Reader};

/// 2014-12-22T00:00:00Z, a bin start.
const T0: u64 = 1_419_206_400;
const BIN: u64 = 300;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;

const KP: [&str; 4] = [
    "175.45.176.0/24",
    "175.45.177.0/24",
    "175.45.178.0/24",
    "175.45.179.0/24",
];
const KP_AS: u32 = 131_279;
const CN_AS: u32 = 9_808;
const CN: [&str; 2] = ["1.0.1.0/24", "1.0.2.0/24"];
const NP_AS: u32 = 17_501;
const NOISE: &str = "198.18.0.0/24";
const NOISE_AS: u32 = 64_496;

fn registry() -> RegistryTable {
    let rows = "\
2|test|20181012|5|19700101|20181012|+0000
apnic|AU|ipv4|1.0.0.0|256|20110811|assigned
apnic|CN|ipv4|1.0.1.0|768|20110414|allocated
apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated
apnic|NP|ipv4|27.34.0.0|4096|20100101|allocated
";
    let mut b = RegistryTableBuilder::new();
    let report = b.add_delegated_str(rows, None);
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    b.build()
}

fn np() -> Vec<String> {
    (0..10).map(|i| format!("27.34.{i}.0/24")).collect()
}

/// The table, the series and the detector, fed like the replay loop.
struct World<'g> {
    rib: Rib,
    signals: Signals<'g>,
    detector: Detector,
    sessions: Sessions,
    deltas: Vec<Delta>,
    rows: Vec<BinRow>,
    bin_end: Option<u64>,
    /// The harness's clock, Unix seconds.
    now: u64,
    /// The next noise flap.
    next_flap: u64,
    /// Full-feed peers 1..=full; the partial (flapping) peer is full + 1.
    full: u8,
    /// Everything drained, in its latest state.
    events: BTreeMap<u64, Event>,
    /// Every row handed to the detector: what the store would hold.
    stored: Vec<BinRow>,
    config: DetectConfig,
}

impl<'g> World<'g> {
    fn new(geo: &'g RegistryTable, full: u8) -> World<'g> {
        World::with(geo, full, DetectConfig::default())
    }

    /// `full` full-feed peers with the table of the module's doc, loaded
    /// at T0, and the partial peer with the noise route.
    fn with(geo: &'g RegistryTable, full: u8, config: DetectConfig) -> World<'g> {
        let mut signals = Signals::new(geo, BIN, &[]);
        signals.keep_changes();
        let mut w = World {
            rib: Rib::new(RibConfig::default()),
            signals,
            detector: Detector::new(config, 0),
            sessions: Sessions::default(),
            deltas: Vec::new(),
            rows: Vec::new(),
            bin_end: None,
            now: T0,
            next_flap: T0 + BIN,
            full,
            events: BTreeMap::new(),
            stored: Vec::new(),
            config,
        };
        for peer in 1..=full {
            w.send_table(peer);
        }
        let partial = full + 1;
        let path = w.path(partial, 3356, NOISE_AS);
        w.announce(partial, NOISE, &path);
        w
    }

    fn asn(&self, peer: u8) -> u32 {
        if peer == 6 && self.full >= 6 {
            4837
        } else {
            64_500 + u32::from(peer)
        }
    }

    fn key(&self, peer: u8) -> PeerKey {
        PeerKey {
            collector: 0,
            addr: IpAddr::from([192, 0, 2, peer]),
            asn: self.asn(peer),
        }
    }

    /// The path `peer` has to `origin` through `upstream` (the peer's AS
    /// first, unless it is the upstream itself).
    fn path(&self, peer: u8, upstream: u32, origin: u32) -> Vec<u32> {
        let asn = self.asn(peer);
        if asn == upstream {
            vec![upstream, origin]
        } else {
            vec![asn, upstream, origin]
        }
    }

    /// `peer`'s whole table.
    fn table(&self, peer: u8) -> Vec<(String, Vec<u32>)> {
        let mut t = vec![("1.0.0.0/24".to_string(), self.path(peer, 3356, 13_335))];
        let cn_up = if peer <= 3 { 174 } else { 3356 };
        t.extend(
            CN.iter()
                .map(|p| (p.to_string(), self.path(peer, cn_up, CN_AS))),
        );
        t.extend(
            KP.iter()
                .map(|p| (p.to_string(), self.path(peer, 4837, KP_AS))),
        );
        t.extend(np().into_iter().map(|p| (p, self.path(peer, 2914, NP_AS))));
        t.push((NOISE.to_string(), self.path(peer, 3356, NOISE_AS)));
        t
    }

    fn send_table(&mut self, peer: u8) {
        for (prefix, path) in self.table(peer) {
            self.announce(peer, &prefix, &path);
        }
    }

    /// One route event at the harness's time, through the replay loop.
    fn event(&mut self, peer: u8, kind: Kind, prefix: Option<&str>, path: &[u32]) {
        let mut bytes = Vec::new();
        attr::route(&mut bytes, path).unwrap();
        let ctx = AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        };
        let attrs = Attributes::decode(Reader::new(&bytes), ctx);
        let event = RouteEvent {
            prefix: prefix.map(|p| p.parse().unwrap()),
            attrs: (kind == Kind::Announce).then_some(&attrs),
            ..RouteEvent::session(self.key(peer), kind, ts(self.now))
        };
        self.pass(self.now);
        self.rib.apply(&event, &mut self.deltas);
        let cause = self.sessions.cause(&event);
        self.signals
            .observe(event.time, &self.rib, &self.deltas, cause, &mut self.rows);
        self.hand_rows();
        self.detector.observe(
            event.time,
            &self.rib,
            &mut self.signals,
            &self.deltas,
            cause,
        );
        self.collect();
        self.deltas.clear();
    }

    /// Event time reaches `t`: a crossed bin boundary closes the bin (the
    /// full-feed peers judged on the table at its end, what that changed
    /// belonging to its last second), then the detector advances.
    fn pass(&mut self, t: u64) {
        if let Some(end) = self.bin_end.filter(|&end| t >= end) {
            self.rib.refresh_full_feed(&mut self.deltas);
            self.signals.observe(
                ts(end - 1),
                &self.rib,
                &self.deltas,
                Cause::Session,
                &mut self.rows,
            );
            self.signals.close(&mut self.rows);
            self.deltas.clear();
        }
        if self.bin_end.is_none_or(|end| t >= end) {
            self.bin_end = Some(t - t % BIN + BIN);
        }
        self.hand_rows();
        self.detector.advance(ts(t), &self.rib);
    }

    /// The rows of closed bins to the detector (and the store).
    fn hand_rows(&mut self) {
        self.detector.add_rows(&self.rows);
        self.stored.append(&mut self.rows);
    }

    /// The server crashes and starts again at the harness's time: a new
    /// table and series, and a detector resumed from what the store
    /// holds (the rows, and the open events as their JSON); then every
    /// peer's session comes up again and it sends its table, but for the
    /// prefixes in `withdrawn`.
    fn restart(&mut self, geo: &'g RegistryTable, withdrawn: &[&str]) {
        let open: Vec<Event> = self
            .detector
            .open_events()
            .map(|e| Event::from_json(&e.to_json(self.now).to_string()).unwrap())
            .collect();
        let last_id = self.events.keys().max().copied().unwrap_or(0);
        self.detector = Detector::new(self.config, last_id);
        self.detector.resume(&self.stored, &open);
        self.rib = Rib::new(RibConfig::default());
        self.signals = Signals::new(geo, BIN, &[]);
        self.signals.keep_changes();
        self.sessions = Sessions::default();
        self.bin_end = None;
        for peer in 1..=self.full + 1 {
            self.event(peer, Kind::PeerUp, None, &[]);
            let table = self.table(peer);
            for (prefix, path) in table {
                let partial_noise = peer > self.full && prefix != NOISE;
                if !partial_noise && !withdrawn.contains(&prefix.as_str()) {
                    self.announce(peer, &prefix, &path);
                }
            }
        }
    }

    fn collect(&mut self) {
        for e in self.detector.drain() {
            self.events.insert(e.id, e);
        }
    }

    fn announce(&mut self, peer: u8, prefix: &str, path: &[u32]) {
        self.event(peer, Kind::Announce, Some(prefix), path);
    }

    fn withdraw(&mut self, peer: u8, prefix: &str) {
        self.event(peer, Kind::Withdraw, Some(prefix), &[]);
    }

    fn peer_down(&mut self, peer: u8) {
        self.event(peer, Kind::PeerDown, None, &[]);
    }

    /// The session comes back and the peer sends its table again.
    fn peer_up(&mut self, peer: u8) {
        self.event(peer, Kind::PeerUp, None, &[]);
        self.send_table(peer);
    }

    /// Every full-feed peer withdraws `prefixes`.
    fn withdraw_all(&mut self, prefixes: &[&str]) {
        for peer in 1..=self.full {
            for p in prefixes {
                self.withdraw(peer, p);
            }
        }
    }

    /// Every full-feed peer announces `prefixes` again, as in its table.
    fn restore_all(&mut self, prefixes: &[&str]) {
        for peer in 1..=self.full {
            for (prefix, path) in self.table(peer) {
                if prefixes.contains(&prefix.as_str()) {
                    self.announce(peer, &prefix, &path);
                }
            }
        }
    }

    /// Moves time forward to `t`: the partial peer flaps the noise route
    /// at every bin start on the way, and the detector's timers run at
    /// `t` even with no event then.
    fn at(&mut self, t: u64) {
        assert!(t >= self.now, "time goes forward: {t} < {}", self.now);
        let partial = self.full + 1;
        while self.next_flap <= t {
            self.now = self.next_flap;
            self.withdraw(partial, NOISE);
            let path = self.path(partial, 3356, NOISE_AS);
            self.announce(partial, NOISE, &path);
            self.next_flap += BIN;
        }
        self.now = t;
        self.pass(t);
        self.collect();
    }

    /// Everything drained so far, latest state per id, by id.
    fn events(&self) -> Vec<Event> {
        self.events.values().cloned().collect()
    }

    /// The events of one entity (`country/KP`) and kind.
    fn of(&self, entity: &str, kind: EventKind) -> Vec<Event> {
        self.events
            .values()
            .filter(|e| e.entity.to_string() == entity && e.kind == kind)
            .cloned()
            .collect()
    }

    fn json(&self) -> Vec<String> {
        self.events
            .values()
            .map(|e| e.to_json(self.now).to_string())
            .collect()
    }
}

fn ts(secs: u64) -> Timestamp {
    Timestamp::from_secs(u32::try_from(secs).unwrap())
}

/// Brief list of events, for assertion messages.
fn brief(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            format!(
                "#{} {} {} {:?} {}..{:?} short={}",
                e.id,
                e.entity,
                e.kind.as_str(),
                e.severity,
                e.start.saturating_sub(T0),
                e.end.map(|x| x - T0),
                e.short
            )
        })
        .collect()
}

fn hint<'e>(event: &'e Event, kind: &str) -> Option<&'e Hint> {
    event.hints.iter().find(|h| h.kind() == kind)
}

fn kinds(event: &Event) -> Vec<&'static str> {
    event.hints.iter().map(Hint::kind).collect()
}

#[test]
fn an_outage_is_raised_from_the_streaming_view_seconds_after_the_withdrawal() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let bin = T0 + 2 * HOUR;
    w.at(bin + 60);
    let drop = w.now;
    // Peer k withdraws at drop + k - 1: each prefix is gone once three of
    // the six see it no more, at drop + 2.
    for peer in 1..=6u8 {
        w.at(drop + u64::from(peer) - 1);
        for p in KP {
            w.withdraw(peer, p);
        }
    }
    assert!(w.events().is_empty(), "{:?}", brief(&w.events()));
    let debounce = DetectConfig::default().debounce_s;
    w.at(drop + 2 + debounce - 1);
    assert!(
        w.events().is_empty(),
        "not before the debounce: {:?}",
        brief(&w.events())
    );
    w.at(drop + 2 + debounce + 3);
    assert!(w.now < bin + BIN, "still inside the bin of the drop");
    let all = w.events();
    assert_eq!(all.len(), 2, "{:?}", brief(&all));
    for entity in ["country/KP", "as/131279"] {
        let e = &w.of(entity, EventKind::Outage)[0];
        assert_eq!(e.start, drop + 2, "{entity}");
        assert_eq!(e.end, None);
        assert_eq!(
            (e.severity, e.worst_severity),
            (Severity::Dark, Severity::Dark)
        );
        assert_eq!((e.baseline, e.min_ratio), (4.0, 0.0));
        assert_eq!(e.signal, "visible_24s");
        assert!(!e.short);
        let prefixes: Vec<&str> = e.prefixes.iter().map(|p| p.prefix.as_str()).collect();
        assert_eq!(prefixes, KP, "{entity}");
        for p in &e.prefixes {
            assert_eq!(p.origin, Some(KP_AS));
            assert!(p.last_path.ends_with(&[4837, KP_AS]), "{:?}", p.last_path);
        }
        assert_eq!(
            kinds(e),
            ["withdrawn_at_origin", "single_upstream", "vantage"],
            "{entity}"
        );
        assert_eq!(
            hint(e, "withdrawn_at_origin"),
            Some(&Hint::WithdrawnAtOrigin {
                peers: 6,
                routes: 24,
                first: drop,
                last: drop + 5,
                spread_s: 5,
            })
        );
        assert_eq!(
            hint(e, "single_upstream"),
            Some(&Hint::SingleUpstream {
                upstreams: vec![UpstreamShare {
                    asn: 4837,
                    routes: 24,
                    share: 1.0,
                }],
            })
        );
        let not_seeing: Vec<PeerView> = (1..=6u8)
            .map(|peer| PeerView {
                asn: w.asn(peer),
                address: format!("192.0.2.{peer}"),
                routes_before: 4,
                routes_now: 0,
            })
            .collect();
        assert_eq!(
            hint(e, "vantage"),
            Some(&Hint::Vantage {
                seeing: Vec::new(),
                not_seeing,
                upstream: Some(4837),
                upstream_peers_seeing: 0,
                upstream_peers_not_seeing: 1,
            })
        );
    }
}

/// North Korea withdrawn by every full-feed peer two hours in; ten
/// minutes on, its outages are open. Returns when it went dark.
fn kp_dark_for_ten_minutes(w: &mut World<'_>) -> u64 {
    let drop = T0 + 2 * HOUR + 60;
    w.at(drop);
    w.withdraw_all(&KP);
    w.at(drop + 10 * 60);
    drop
}

#[test]
fn an_outage_ends_when_the_routes_came_back_after_holding_restore_after() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = kp_dark_for_ten_minutes(&mut w);
    let back = w.now;
    w.restore_all(&KP);
    w.at(back + 600 - 1);
    let kp = w.of("country/KP", EventKind::Outage);
    assert_eq!(kp.len(), 1, "{:?}", brief(&w.events()));
    assert_eq!(kp[0].end, None, "not confirmed before restore_after");
    w.at(back + 600);
    for entity in ["country/KP", "as/131279"] {
        let kp = w.of(entity, EventKind::Outage);
        assert_eq!(kp.len(), 1, "{:?}", brief(&w.events()));
        assert_eq!((kp[0].start, kp[0].end), (drop, Some(back)), "{entity}");
        assert_eq!(kp[0].last_change, back);
        assert!(!kp[0].short);
        assert_eq!(kp[0].worst_severity, Severity::Dark);
    }
    assert_eq!(w.events().len(), 2, "{:?}", brief(&w.events()));
}

#[test]
fn a_detector_resumed_after_a_crash_ends_the_open_outage_under_its_id_and_raises_nothing_new() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = kp_dark_for_ten_minutes(&mut w);
    let open: Vec<u64> = w.detector.open_events().map(|e| e.id).collect();
    assert_eq!(open.len(), 2, "KP and AS131279: {:?}", brief(&w.events()));
    let before = w.events().len();

    // Down for 20 minutes; back with every table but North Korea's.
    w.at(drop + 30 * 60);
    w.restart(&geo, &KP);
    w.at(drop + 2 * HOUR);
    assert_eq!(
        w.events().len(),
        before,
        "the tables sent again raise nothing: {:?}",
        brief(&w.events())
    );
    let back = w.now;
    w.restore_all(&KP);
    w.at(back + 600);
    for entity in ["country/KP", "as/131279"] {
        let kp = w.of(entity, EventKind::Outage);
        assert_eq!(kp.len(), 1, "{:?}", brief(&w.events()));
        assert!(open.contains(&kp[0].id));
        assert_eq!((kp[0].start, kp[0].end), (drop, Some(back)), "{entity}");
    }
    assert_eq!(w.events().len(), before, "{:?}", brief(&w.events()));
    // Ids go on after the adopted ones.
    assert!(w.detector.last_id() >= open.iter().copied().max().unwrap());
}

#[test]
fn an_event_comes_back_from_its_json_as_it_was() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    w.at(T0 + 2 * HOUR + 60);
    w.withdraw_all(&KP);
    w.at(T0 + 3 * HOUR);
    for event in w.events() {
        let back = Event::from_json(&event.to_json(w.now).to_string()).unwrap();
        assert_eq!(back.to_json(w.now), event.to_json(w.now));
    }
    assert!(Event::from_json("{}").is_err());
}

#[test]
fn an_outage_open_when_the_data_stops_ends_there_with_a_data_gap_hint() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = T0 + 2 * HOUR + 60;
    w.at(drop);
    w.withdraw_all(&KP);
    w.at(drop + 20 * 60);
    let last = w.now;
    // Nothing at all for three days (the next archive starts then), not
    // even the partial peer's noise.
    let resumed = last + 3 * DAY;
    w.next_flap = resumed - resumed % BIN;
    w.at(resumed + 2 * BIN);
    for entity in ["country/KP", "as/131279"] {
        let kp = w.of(entity, EventKind::Outage);
        assert_eq!(kp.len(), 1, "{:?}", brief(&w.events()));
        let end = kp[0].end.expect("ended at the gap");
        assert!(
            end > drop && end <= last + BIN,
            "{entity}: end {end}, last data {last}"
        );
        match hint(&kp[0], "data_gap") {
            Some(Hint::DataGap { since, until }) => {
                assert_eq!(*since, end);
                assert!(*until >= resumed - BIN, "{until}");
            }
            other => panic!("{entity}: {other:?}"),
        }
    }
}

#[test]
fn a_drop_before_the_restore_is_confirmed_keeps_the_same_outage_open() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = T0 + 2 * HOUR + 60;
    w.at(drop);
    w.withdraw_all(&KP);
    w.at(drop + 10 * 60);
    w.restore_all(&KP);
    // Gone again 5 minutes later, before the 10 minutes of restore_after.
    w.at(drop + 15 * 60);
    w.withdraw_all(&KP);
    w.at(drop + 20 * 60);
    let back = w.now;
    w.restore_all(&KP);
    w.at(back + HOUR);
    for entity in ["country/KP", "as/131279"] {
        let kp = w.of(entity, EventKind::Outage);
        assert_eq!(kp.len(), 1, "one event, not two: {:?}", brief(&w.events()));
        assert_eq!((kp[0].start, kp[0].end), (drop, Some(back)), "{entity}");
    }
    assert_eq!(w.events().len(), 2, "{:?}", brief(&w.events()));
}

#[test]
fn a_three_minute_outage_ends_flagged_short() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = T0 + 2 * HOUR + 60;
    w.at(drop);
    w.withdraw_all(&KP);
    w.at(drop + 180);
    w.restore_all(&KP);
    w.at(drop + HOUR);
    for entity in ["country/KP", "as/131279"] {
        let kp = w.of(entity, EventKind::Outage);
        assert_eq!(kp.len(), 1, "{:?}", brief(&w.events()));
        assert_eq!((kp[0].start, kp[0].end), (drop, Some(drop + 180)));
        assert!(kp[0].short, "{entity}");
        assert_eq!(kp[0].worst_severity, Severity::Dark);
    }
    assert_eq!(w.events().len(), 2, "{:?}", brief(&w.events()));
}

#[test]
fn without_report_short_a_three_minute_outage_raises_no_event() {
    let geo = registry();
    let config = DetectConfig {
        report_short: false,
        ..DetectConfig::default()
    };
    let mut w = World::with(&geo, 6, config);
    let drop = T0 + 2 * HOUR + 60;
    w.at(drop);
    w.withdraw_all(&KP);
    w.at(drop + 180);
    w.restore_all(&KP);
    w.at(drop + 3 * HOUR);
    assert_eq!(brief(&w.events()), Vec::<String>::new());
}

#[test]
fn a_withdrawal_re_announced_within_the_debounce_raises_nothing() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = T0 + 2 * HOUR + 60;
    w.at(drop);
    w.withdraw_all(&KP);
    w.at(drop + DetectConfig::default().debounce_s - 1);
    w.restore_all(&KP);
    w.at(drop + 3 * HOUR);
    assert_eq!(brief(&w.events()), Vec::<String>::new());
}

#[test]
fn a_drop_inside_the_first_hour_of_history_raises_nothing() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = T0 + 25 * 60;
    w.at(drop);
    w.withdraw_all(&KP);
    w.at(T0 + HOUR - 1);
    assert_eq!(brief(&w.events()), Vec::<String>::new());
    // Nor later: the entity never had an hour of history at 4 /24s.
    w.at(T0 + 3 * HOUR);
    assert_eq!(brief(&w.events()), Vec::<String>::new());
}

#[test]
fn the_baseline_leaves_out_a_20_hour_outage() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = T0 + 2 * HOUR + 60;
    w.at(drop);
    w.withdraw_all(&KP);
    let back = drop + 20 * HOUR;
    w.at(back);
    w.restore_all(&KP);
    // Two hours later, with 20 of the past 24 hours at 0, the baseline
    // is still the 4 /24s before the outage.
    let again = back + 2 * HOUR;
    w.at(again);
    w.withdraw_all(&KP);
    w.at(again + 60);
    for entity in ["country/KP", "as/131279"] {
        let kp = w.of(entity, EventKind::Outage);
        assert_eq!(kp.len(), 2, "{:?}", brief(&w.events()));
        assert_eq!((kp[0].start, kp[0].end), (drop, Some(back)));
        assert_eq!(kp[1].start, again, "{entity}");
        assert_eq!(kp[1].baseline, 4.0, "{entity}");
        assert_eq!((kp[1].severity, kp[1].min_ratio), (Severity::Dark, 0.0));
    }
    assert_eq!(w.events().len(), 4, "{:?}", brief(&w.events()));
}

/// Peer `who` of `peers` full-feed peers is down for 40 minutes: asserts
/// that nothing at all is raised.
fn assert_peer_reset_raises_nothing(peers: u8, who: u8) {
    let geo = registry();
    let mut w = World::new(&geo, peers);
    let down = T0 + 2 * HOUR + 60;
    w.at(down);
    w.peer_down(who);
    w.at(down + 40 * 60);
    w.peer_up(who);
    w.at(down + 4 * HOUR);
    assert_eq!(brief(&w.events()), Vec::<String>::new());
}

#[test]
fn a_collector_peer_reset_of_40_minutes_raises_no_event() {
    assert_peer_reset_raises_nothing(6, 3);
}

#[test]
fn one_of_two_full_feed_peers_going_down_raises_no_outage() {
    assert_peer_reset_raises_nothing(2, 2);
}

#[test]
fn severity_is_warning_at_half_critical_under_it_dark_at_zero() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let np = np();
    let np: Vec<&str> = np.iter().map(String::as_str).collect();
    let drop = T0 + 2 * HOUR + 60;
    w.at(drop);
    // Half of the 10 /24s: ratio 0.5 is not under 0.5.
    w.withdraw_all(&np[..5]);
    w.at(drop + 40);
    let e = &w.of("country/NP", EventKind::Outage)[0];
    assert_eq!((e.start, e.baseline, e.min_ratio), (drop, 10.0, 0.5));
    assert_eq!(
        (e.severity, e.worst_severity),
        (Severity::Warning, Severity::Warning)
    );
    assert_eq!(e.prefixes.len(), 5);
    // 60% withdrawn: 0.4, critical.
    let critical = drop + BIN;
    w.at(critical);
    w.withdraw_all(&np[5..6]);
    w.at(critical + 40);
    let e = &w.of("country/NP", EventKind::Outage)[0];
    assert_eq!(
        (e.severity, e.worst_severity),
        (Severity::Critical, Severity::Critical)
    );
    assert_eq!((e.min_ratio, e.last_change), (0.4, critical));
    assert_eq!(e.prefixes.len(), 6, "explained again when worse");
    // All: dark.
    let dark = critical + BIN;
    w.at(dark);
    w.withdraw_all(&np[6..]);
    w.at(dark + 40);
    let e = &w.of("country/NP", EventKind::Outage)[0];
    assert_eq!(
        (e.severity, e.worst_severity),
        (Severity::Dark, Severity::Dark)
    );
    assert_eq!((e.min_ratio, e.last_change), (0.0, dark));
    assert_eq!(e.prefixes.len(), 10);
    // Six back: warning again, the worst stays dark.
    let better = dark + BIN;
    w.at(better);
    w.restore_all(&np[..6]);
    w.at(better + 40);
    let e = &w.of("country/NP", EventKind::Outage)[0];
    assert_eq!(
        (e.severity, e.worst_severity),
        (Severity::Warning, Severity::Dark)
    );
    assert_eq!((e.min_ratio, e.last_change, e.end), (0.0, better, None));
    // One event throughout, for the country and for its AS.
    assert_eq!(w.of("country/NP", EventKind::Outage).len(), 1);
    assert_eq!(w.of("as/17501", EventKind::Outage).len(), 1);
    assert_eq!(w.events().len(), 2, "{:?}", brief(&w.events()));
}

/// A calm day, then AS131279 flaps 6 times (down 5 minutes every 20),
/// then, 6 hours after the first flap, goes dark for good. Returns the
/// first flap's time and the final drop's.
fn flaps_then_dark(w: &mut World<'_>) -> (u64, u64) {
    let first = T0 + DAY + 60;
    for k in 0..6 {
        let at = first + k * 20 * 60;
        w.at(at);
        w.withdraw_all(&KP);
        w.at(at + 5 * 60);
        w.restore_all(&KP);
    }
    let dark = first + 6 * HOUR;
    w.at(dark);
    w.withdraw_all(&KP);
    w.at(dark + HOUR);
    (first, dark)
}

#[test]
fn repeated_flaps_are_one_instability_and_precede_the_outage_after_them() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let (first, dark) = flaps_then_dark(&mut w);
    let first_bin = first - first % BIN;
    for entity in ["country/KP", "as/131279"] {
        let unstable = w.of(entity, EventKind::Instability);
        assert_eq!(unstable.len(), 1, "{entity}: {:?}", brief(&w.events()));
        let u = &unstable[0];
        assert_eq!(u.start, first_bin, "{entity}: from the first flap's bin");
        // The last flap's re-announcements are in the bin at 6300 s:
        // quiet from the next bin, ended an hour later, at its start.
        let ended = u.end.expect("ended after an hour of quiet");
        assert_eq!(ended, first_bin + 6600, "{entity}");
        let outages = w.of(entity, EventKind::Outage);
        assert_eq!(outages.len(), 2, "{entity}: {:?}", brief(&w.events()));
        // The first flap is a short outage; the later ones are absorbed.
        assert_eq!(
            (outages[0].start, outages[0].end),
            (first, Some(first + 5 * 60))
        );
        assert!(outages[0].short);
        // The final drop: an outage, preceded by the instability.
        let o = &outages[1];
        assert_eq!((o.start, o.end, o.severity), (dark, None, Severity::Dark));
        assert!(o.start > ended);
        assert_eq!(kinds(o)[0], "preceded_by_instability", "{entity}");
        let Some(Hint::PrecededByInstability {
            event,
            since,
            flaps,
            churn,
        }) = hint(o, "preceded_by_instability")
        else {
            unreachable!()
        };
        assert_eq!((*event, *since), (u.id, first_bin), "{entity}");
        // Six drops, each counted once; 24 withdrawals and 24
        // announcements a flap, the first flap's included (the
        // instability starts at its bin).
        assert_eq!((*flaps, *churn), (6, 6 * 48), "{entity}: (flaps, churn)");
    }
}

#[test]
fn peers_leaving_one_upstream_for_another_are_instability_with_upstream_loss() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let change = T0 + 2 * HOUR + 60;
    w.at(change);
    // Peers 1 to 3 reached AS9808 through AS174: now through AS3356.
    for peer in 1..=3u8 {
        for p in CN {
            let path = w.path(peer, 3356, CN_AS);
            w.announce(peer, p, &path);
        }
    }
    w.at(change + 2 * HOUR);
    let unstable = w.of("as/9808", EventKind::Instability);
    assert_eq!(unstable.len(), 1, "{:?}", brief(&w.events()));
    assert_eq!(unstable[0].start, change - change % BIN);
    assert_eq!(
        hint(&unstable[0], "upstream_loss"),
        Some(&Hint::UpstreamLoss {
            upstream: 174,
            routes_before: 6,
            routes_elsewhere: 12,
        })
    );
    let outages: Vec<Event> = w
        .events()
        .into_iter()
        .filter(|e| e.kind == EventKind::Outage)
        .collect();
    assert_eq!(brief(&outages), Vec::<String>::new());
}

#[test]
fn the_same_route_events_give_the_same_events() {
    let geo = registry();
    let run = || {
        let mut w = World::new(&geo, 6);
        flaps_then_dark(&mut w);
        // And an upstream change, and a peer reset.
        let t = w.now;
        for peer in 1..=3u8 {
            for p in CN {
                let path = w.path(peer, 3356, CN_AS);
                w.announce(peer, p, &path);
            }
        }
        w.at(t + 600);
        w.peer_down(4);
        w.at(t + 1800);
        w.peer_up(4);
        w.at(t + 3 * HOUR);
        w.json()
    };
    let a = run();
    assert_eq!(a.len(), 8, "{a:#?}");
    assert_eq!(a, run());
}

#[test]
fn an_outage_raised_before_the_last_peers_withdrew_is_explained_again_once_they_have() {
    let geo = registry();
    let mut w = World::new(&geo, 6);
    let drop = T0 + 2 * HOUR + 60;
    let debounce = DetectConfig::default().debounce_s;
    let spread = DetectConfig::default().origin_spread_s;
    // Peer k withdraws at drop + 20·(k - 1): the prefixes are gone at
    // drop + 40 (three of six), the outage is raised a debounce later,
    // and the last peer withdraws at drop + 100.
    let withdraw = |w: &mut World<'_>, peer: u8| {
        w.at(drop + 20 * (u64::from(peer) - 1));
        for p in KP {
            w.withdraw(peer, p);
        }
    };
    let peers_in = |w: &World<'_>| {
        let e = &w.of("country/KP", EventKind::Outage)[0];
        match hint(e, "withdrawn_at_origin") {
            Some(Hint::WithdrawnAtOrigin { peers, .. }) => Some(*peers),
            _ => None,
        }
    };
    for peer in 1..=3 {
        withdraw(&mut w, peer);
    }
    let since = drop + 40;
    w.at(since + debounce + 1);
    assert_eq!(w.of("country/KP", EventKind::Outage)[0].start, since);
    assert_eq!(peers_in(&w), None, "raised while three peers still see it");
    for peer in 4..=6 {
        withdraw(&mut w, peer);
    }
    w.at(since + spread + 1);
    assert_eq!(
        peers_in(&w),
        Some(6),
        "explained again once all six withdrew"
    );
}
