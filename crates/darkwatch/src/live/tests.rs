//! The ingest replayed: BMP, BGP and RIS Live inputs at given times, into
//! a core with short bins, and the events that come out.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use detect::{DetectConfig, Event};
use feed::bgp_collector::{AddPathFamilies, CollectorMessage};
use feed::bmp_station::{DownReason, StationMessage};
use feed::rislive::{LiveMessage, LivePeer};
use geo::{RegistryTable, RegistryTableBuilder};
use serve::RouteTable;
use signal::Sessions;
use wire::bmp::{AddPath, PeerHeader, PeerType};
use wire::encode;
use wire::event::{PeerKey, Timestamp};
use wire::{AsnWidth, Nlri};

use super::config::{AdjRibIn, PrefixLimitAction};
use super::ingest::{Counters, Ingest, Input, Setup};
use crate::pipeline::{Core, Judge};

const KP: [&str; 4] = [
    "175.45.176.0/24",
    "175.45.177.0/24",
    "175.45.178.0/24",
    "175.45.179.0/24",
];
const T0: u64 = 1_700_000_000;

fn registry() -> RegistryTable {
    let rows = "2|test|20181012|5|19700101|20181012|+0000\napnic|KP|ipv4|175.45.176.0|1024|20091221|allocated\n";
    let mut b = RegistryTableBuilder::new();
    b.add_delegated_str(rows, None);
    b.build()
}

/// An ingest with 10-second bins, a minute of warm-up, no debounce.
struct Live<'g> {
    ingest: Ingest<'g>,
    table: RouteTable,
    events: Vec<Event>,
    counters: Arc<Counters>,
}

impl<'g> Live<'g> {
    fn new(registry: &'g RegistryTable, limit: u64, action: PrefixLimitAction) -> Live<'g> {
        let detect = DetectConfig {
            warmup_s: 60,
            debounce_s: 0,
            restore_after_s: 20,
            ..DetectConfig::default()
        };
        let judge = Judge {
            registry,
            watched: Vec::new(),
            detect: Some((detect, 0)),
        };
        let core = Core::new(10, Sessions::new(600), Some(judge));
        let setup = Setup {
            names: vec!["routers".into(), "peers".into(), "ris".into()],
            bmp_views: [(0, AdjRibIn::PrePolicy)].into_iter().collect(),
            max_prefixes_per_peer: limit,
            on_prefix_limit: action,
        };
        let counters = Arc::new(Counters::new(3));
        Live {
            ingest: Ingest::new(core, setup, Arc::clone(&counters)),
            table: RouteTable {
                rib: rib::Rib::new(rib::RibConfig::default()),
                collectors: Vec::new(),
                as_of: 0,
            },
            events: Vec::new(),
            counters,
        }
    }

    fn feed(&mut self, at: u64, input: Input) {
        let now = Timestamp::from_secs(u32::try_from(at).unwrap());
        self.ingest.handle(&mut self.table, input, now);
        self.tick(at);
    }

    fn tick(&mut self, at: u64) {
        let now = Timestamp::from_secs(u32::try_from(at).unwrap());
        self.ingest.tick(&mut self.table, now);
        let events = &mut self.events;
        self.ingest
            .take(|_, changed, _| events.extend_from_slice(changed));
    }

    /// Time passes second by second to `until`.
    fn wait(&mut self, from: u64, until: u64) {
        for t in from..=until {
            self.tick(t);
        }
    }

    /// The latest state of each event of `entity`.
    fn of(&self, entity: &str) -> Vec<&Event> {
        let mut latest: Vec<&Event> = Vec::new();
        for e in self
            .events
            .iter()
            .filter(|e| e.entity.to_string() == entity)
        {
            latest.retain(|l| l.id != e.id);
            latest.push(e);
        }
        latest
    }

    fn visible(&self, prefix: &str) -> bool {
        let p = prefix.parse().unwrap();
        self.table
            .rib
            .prefix_id_of(&p)
            .is_some_and(|id| self.table.rib.is_visible(id))
    }
}

fn peer(flags: u8, peer_type: PeerType) -> PeerHeader {
    PeerHeader {
        peer_type,
        flags,
        distinguisher: 0,
        addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        asn: 64_500,
        bgp_id: Ipv4Addr::new(192, 0, 2, 1),
        seconds: 0,
        microseconds: 0,
    }
}

fn nlri(prefixes: &[&str]) -> Vec<Nlri> {
    prefixes
        .iter()
        .map(|p| Nlri {
            prefix: p.parse().unwrap(),
            path_id: None,
        })
        .collect()
}

/// A BGP UPDATE (header included) with 4-octet AS numbers.
fn update(withdrawn: &[&str], path: &[u32], announced: &[&str]) -> Vec<u8> {
    let mut attrs = Vec::new();
    if !announced.is_empty() {
        encode::attr::route(&mut attrs, path).unwrap();
        encode::attr::next_hop(&mut attrs, Ipv4Addr::new(192, 0, 2, 1));
    }
    let mut out = Vec::new();
    encode::update(&mut out, &nlri(withdrawn), &attrs, &nlri(announced)).unwrap();
    out
}

fn bmp(router: u16, header: PeerHeader, update: &[u8]) -> Input {
    let mut bytes = Vec::new();
    encode::bmp::route_monitoring(&mut bytes, &header, update).unwrap();
    Input::Bmp {
        source: 0,
        msg: StationMessage::Message {
            router,
            bytes,
            add_path: AddPath::NONE,
        },
    }
}

fn router_up(router: u16) -> Input {
    Input::Bmp {
        source: 0,
        msg: StationMessage::RouterUp {
            router,
            addr: SocketAddr::from(([127, 0, 0, 1], 40_000 + router)),
        },
    }
}

fn announce_kp(router: u16) -> Input {
    bmp(
        router,
        peer(0, PeerType::Global),
        &update(&[], &[4837, 131_279], &KP),
    )
}

fn withdraw_kp(router: u16) -> Input {
    bmp(router, peer(0, PeerType::Global), &update(&KP, &[], &[]))
}

#[test]
fn a_withdrawal_over_bmp_is_a_dark_outage_and_the_re_announcement_its_restore() {
    let registry = registry();
    let mut live = Live::new(&registry, 0, PrefixLimitAction::Drop);
    // Three routers whose peers share an address are three vantage points.
    for router in [0, 1, 2] {
        live.feed(T0, router_up(router));
        live.feed(T0, announce_kp(router));
    }
    assert_eq!(live.table.rib.peers().count(), 3);
    live.wait(T0, T0 + 120);
    assert!(
        live.visible(KP[0]),
        "full-feed peers judged at the first bin's end"
    );
    live.feed(T0 + 121, withdraw_kp(0));
    assert!(live.visible(KP[0]), "two of three peers still see it");
    live.feed(T0 + 122, withdraw_kp(1));
    assert!(!live.visible(KP[0]));
    live.feed(T0 + 122, withdraw_kp(2));
    live.wait(T0 + 122, T0 + 124);
    for entity in ["country/KP", "as/131279"] {
        let events = live.of(entity);
        assert_eq!(events.len(), 1, "{entity}: {events:?}");
        assert_eq!(events[0].severity, detect::Severity::Dark, "{entity}");
        assert!(events[0].start <= T0 + 124 && events[0].end.is_none());
    }
    for router in [0, 1, 2] {
        live.feed(T0 + 200, announce_kp(router));
    }
    live.wait(T0 + 200, T0 + 260);
    for entity in ["country/KP", "as/131279"] {
        assert!(live.of(entity)[0].end.is_some(), "{entity} restored");
    }
}

#[test]
fn routers_going_down_are_peer_downs_not_an_outage() {
    let registry = registry();
    let mut live = Live::new(&registry, 0, PrefixLimitAction::Drop);
    for router in [0, 1] {
        live.feed(T0, router_up(router));
        live.feed(T0, announce_kp(router));
    }
    live.wait(T0, T0 + 120);
    for router in [0, 1] {
        let down = StationMessage::RouterDown {
            router,
            reason: DownReason::Closed,
        };
        live.feed(
            T0 + 121,
            Input::Bmp {
                source: 0,
                msg: down,
            },
        );
    }
    assert!(!live.visible(KP[0]));
    assert!(live.table.rib.peers().all(|(_, p)| !p.up));
    live.wait(T0 + 121, T0 + 600);
    assert!(live.events.is_empty(), "{:?}", live.events);
}

#[test]
fn post_policy_routes_are_left_out_and_loc_rib_is_taken() {
    let registry = registry();
    let mut live = Live::new(&registry, 0, PrefixLimitAction::Drop);
    live.feed(T0, router_up(0));
    let post = peer(wire::bmp::peer_flag::POST_POLICY, PeerType::Global);
    live.feed(T0, bmp(0, post, &update(&[], &[4837, 131_279], &KP)));
    assert_eq!(live.table.rib.route_count(), 0);
    live.feed(
        T0,
        bmp(
            0,
            peer(0, PeerType::LocRib),
            &update(&[], &[4837, 131_279], &KP),
        ),
    );
    assert_eq!(live.table.rib.route_count(), 4);
}

fn bgp_neighbor() -> PeerKey {
    PeerKey {
        collector: 0,
        addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
        asn: 65_002,
    }
}

fn bgp(bytes: Vec<u8>) -> Input {
    Input::Bgp {
        source: 1,
        msg: CollectorMessage::Update {
            peer: bgp_neighbor(),
            bytes,
            add_path: AddPathFamilies::default(),
            asn_width: AsnWidth::Four,
        },
    }
}

#[test]
fn a_peer_past_its_prefix_limit_is_dropped_until_its_session_comes_back() {
    let registry = registry();
    let mut live = Live::new(&registry, 3, PrefixLimitAction::Drop);
    let up = CollectorMessage::SessionUp {
        peer: bgp_neighbor(),
        add_path: AddPathFamilies::default(),
        four_octet: true,
    };
    live.feed(
        T0,
        Input::Bgp {
            source: 1,
            msg: up.clone(),
        },
    );
    for p in KP {
        live.feed(T0, bgp(update(&[], &[131_279], &[p])));
    }
    assert_eq!(live.table.rib.route_count(), 0, "dropped at the fourth");
    live.feed(T0 + 1, bgp(update(&[], &[131_279], &[KP[0]])));
    assert_eq!(live.table.rib.route_count(), 0, "ignored while dropped");
    live.feed(T0 + 2, Input::Bgp { source: 1, msg: up });
    live.feed(T0 + 2, bgp(update(&[], &[131_279], &[KP[0]])));
    assert_eq!(live.table.rib.route_count(), 1, "back after a new session");
    assert_eq!(live.table.collectors, ["peers/127.0.0.2"]);
}

#[test]
fn announcements_past_the_limit_are_ignored_when_told() {
    let registry = registry();
    let mut live = Live::new(&registry, 3, PrefixLimitAction::Ignore);
    for p in KP {
        live.feed(T0, bgp(update(&[], &[131_279], &[p])));
    }
    assert_eq!(live.table.rib.route_count(), 3);
    // A new path for a prefix it holds is no excess: taken.
    live.feed(T0 + 1, bgp(update(&[], &[4837, 131_279], &[KP[0]])));
    let paths: Vec<_> = live
        .table
        .rib
        .prefix_id_of(&KP[0].parse().unwrap())
        .map(|id| live.table.rib.routes(id).map(|(_, _, path)| path).collect())
        .unwrap_or_default();
    assert_eq!(paths.len(), 1);
    assert_eq!(
        live.table.rib.paths().asns(paths[0]),
        [4837, 131_279],
        "the new path replaced the old"
    );
    assert_eq!(
        live.counters
            .over_limit
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}

#[test]
fn a_ris_live_gap_keeps_the_routes_and_malformed_messages_are_counted() {
    let registry = registry();
    let mut live = Live::new(&registry, 0, PrefixLimitAction::Drop);
    let ris_peer = LivePeer {
        addr: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
        asn: 64_501,
    };
    let ris = |msg| Input::Ris { source: 2, msg };
    live.feed(
        T0,
        ris(LiveMessage::Update {
            collector: "rrc00".into(),
            peer: ris_peer,
            time: Timestamp::from_secs(1),
            bytes: update(&[], &[64_501, 131_279], &KP),
        }),
    );
    let gap = LiveMessage::Gap {
        since: Timestamp::from_secs(2),
        until: Timestamp::from_secs(3),
    };
    live.feed(T0 + 1, ris(gap));
    assert_eq!(live.table.rib.route_count(), 4);
    assert_eq!(live.table.collectors, ["rrc00"]);
    live.feed(T0 + 2, bgp(vec![0xff; 18]));
    let mut cut = Vec::new();
    encode::bmp::initiation(&mut cut, &[]).unwrap();
    cut.truncate(cut.len() - 1);
    live.feed(
        T0 + 2,
        Input::Bmp {
            source: 0,
            msg: StationMessage::Message {
                router: 0,
                bytes: cut,
                add_path: AddPath::NONE,
            },
        },
    );
    let errors: Vec<u64> = live
        .counters
        .errors
        .iter()
        .map(|n| n.load(std::sync::atomic::Ordering::Relaxed))
        .collect();
    assert_eq!(errors, [0, 1, 0], "the BMP one is its router's");
    assert_eq!(
        live.counters.router_errors.lock().unwrap().get(&(0, 0)),
        Some(&1)
    );
    assert_eq!(
        live.counters
            .gaps
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}
