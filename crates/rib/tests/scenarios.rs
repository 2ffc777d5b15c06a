//! The route table replayed through small scenarios with exact expected
//! deltas, and through the real jinx RIB of 2014.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rib::{Delta, PeerId, Rib, RibConfig};
use wire::attr::{AttrContext, Attributes};
use wire::encode::attr;
use wire::event::{EventKind, PeerKey, RouteEvent, Timestamp};
use wire::{Afi, AsnWidth, Prefix, Reader};

fn peer(n: u8) -> PeerKey {
    PeerKey {
        collector: 0,
        addr: IpAddr::from([192, 0, 2, n]),
        asn: 64_500 + u32::from(n),
    }
}

fn p(s: &str) -> Prefix {
    s.parse().unwrap()
}

/// Encoded attributes of a route with `path`.
fn attrs_of(path: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    attr::route(&mut out, path).unwrap();
    out
}

/// Feeds events to a table and collects the deltas.
struct Feeder {
    rib: Rib,
    deltas: Vec<Delta>,
}

impl Feeder {
    fn new() -> Feeder {
        Feeder {
            rib: Rib::new(RibConfig::default()),
            deltas: Vec::new(),
        }
    }

    fn event(
        &mut self,
        who: u8,
        kind: EventKind,
        prefix: Option<&str>,
        path: &[u32],
        from_table: bool,
        path_id: Option<u32>,
    ) {
        let bytes = attrs_of(path);
        let ctx = AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        };
        let attrs = Attributes::decode(Reader::new(&bytes), ctx);
        let event = RouteEvent {
            time: Timestamp::from_secs(1_419_206_400),
            peer: peer(who),
            kind,
            prefix: prefix.map(p),
            path_id,
            attrs: (kind == EventKind::Announce).then_some(&attrs),
            next_hop: None,
            from_table,
        };
        self.rib.apply(&event, &mut self.deltas);
    }

    fn announce(&mut self, who: u8, prefix: &str, path: &[u32]) {
        self.event(who, EventKind::Announce, Some(prefix), path, false, None);
    }

    fn withdraw(&mut self, who: u8, prefix: &str) {
        self.event(who, EventKind::Withdraw, Some(prefix), &[], false, None);
    }

    fn refresh(&mut self) {
        self.rib.refresh_full_feed(&mut self.deltas);
    }

    fn visible(&self, prefix: &str) -> bool {
        self.rib
            .prefix_id_of(&p(prefix))
            .is_some_and(|id| self.rib.is_visible(id))
    }

    fn take(&mut self) -> Vec<Delta> {
        std::mem::take(&mut self.deltas)
    }

    fn visibility_changes(&mut self) -> Vec<(Prefix, bool)> {
        let deltas = self.take();
        deltas
            .into_iter()
            .filter_map(|d| match d {
                Delta::Visibility { prefix, visible } => Some((self.rib.prefix(prefix)?, visible)),
                Delta::Route { .. } => None,
            })
            .collect()
    }
}

const NK: [&str; 4] = [
    "175.45.176.0/24",
    "175.45.177.0/24",
    "175.45.178.0/24",
    "175.45.179.0/24",
];

/// Three full-feed peers see a background table and the four NK /24s.
fn three_peers_with_kp() -> Feeder {
    let mut f = Feeder::new();
    for who in 1..=3 {
        for i in 0..20u8 {
            f.announce(
                who,
                &format!("10.{i}.0.0/16"),
                &[64_500 + u32::from(who), 3356, 65_000 + u32::from(i)],
            );
        }
        for nk in NK {
            f.announce(who, nk, &[64_500 + u32::from(who), 4837, 131_279]);
        }
    }
    f.refresh();
    f
}

#[test]
fn prefixes_seen_by_most_full_feed_peers_are_visible() {
    let mut f = three_peers_with_kp();
    assert_eq!(f.rib.full_feed_peers(Afi::Ipv4), 3);
    assert_eq!(f.rib.visible_count(), 24);
    let changes = f.visibility_changes();
    assert_eq!(changes.len(), 24, "all became visible at the first refresh");
    assert!(changes.iter().all(|c| c.1));
    // One peer of three loses a route: 2/3 still see it.
    f.withdraw(1, NK[0]);
    assert!(f.visible(NK[0]));
    assert!(f.visibility_changes().is_empty());
    // A second one: 1/3 is not more than half.
    f.withdraw(2, NK[0]);
    assert_eq!(f.visibility_changes(), [(p(NK[0]), false)]);
}

#[test]
fn withdrawn_at_origin_makes_every_prefix_invisible() {
    let mut f = three_peers_with_kp();
    f.take();
    for who in 1..=3 {
        for nk in NK {
            f.withdraw(who, nk);
        }
    }
    let mut gone = f.visibility_changes();
    gone.sort_by_key(|c| c.0);
    assert_eq!(gone, NK.map(|n| (p(n), false)));
    // The background is untouched; the peers stay full-feed at the next
    // refresh (20 of 24 prefixes is still the largest table).
    f.refresh();
    assert_eq!(f.rib.full_feed_peers(Afi::Ipv4), 3);
    assert_eq!(f.rib.visible_count(), 20);
}

#[test]
fn a_peer_reset_removes_only_that_peers_routes() {
    let mut f = three_peers_with_kp();
    f.take();
    let routes_before = f.rib.route_count();
    f.event(2, EventKind::PeerDown, None, &[], false, None);
    let deltas = f.take();
    assert_eq!(
        deltas.len(),
        24,
        "one route removal per prefix, no visibility change"
    );
    assert!(deltas.iter().all(|d| matches!(
        d,
        Delta::Route {
            peer: PeerId(1),
            after: None,
            ..
        }
    )));
    assert_eq!(f.rib.route_count(), routes_before - 24);
    assert_eq!(
        f.rib.visible_count(),
        24,
        "2 of 3 full-feed peers still see everything"
    );
    // At the next refresh the peer that is down is no longer full-feed.
    f.refresh();
    assert_eq!(f.rib.full_feed_peers(Afi::Ipv4), 2);
    assert_eq!(f.rib.visible_count(), 24);
}

#[test]
fn path_and_origin_changes_are_reported_with_both_paths() {
    let mut f = three_peers_with_kp();
    f.take();
    f.announce(1, NK[1], &[64_501, 9002, 131_279]);
    let deltas = f.take();
    let [Delta::Route {
        before: Some(b),
        after: Some(a),
        ..
    }] = deltas[..]
    else {
        panic!("{deltas:?}")
    };
    let paths = f.rib.paths();
    assert_eq!(paths.asns(b), [64_501, 4837, 131_279]);
    assert_eq!(paths.asns(a), [64_501, 9002, 131_279]);
    assert_eq!(paths.origin(a), Some(131_279));
    // A hijack-like origin change.
    f.announce(1, NK[1], &[64_501, 666]);
    let Delta::Route { after: Some(a), .. } = f.take()[0] else {
        panic!()
    };
    assert_eq!(f.rib.paths().origin(a), Some(666));
    // The same path again changes nothing but says so.
    f.announce(1, NK[1], &[64_501, 666]);
    let Delta::Route { before, after, .. } = f.take()[0] else {
        panic!()
    };
    assert_eq!(before, after);
}

#[test]
fn a_table_dump_replaces_what_the_peer_had() {
    let mut f = three_peers_with_kp();
    f.take();
    // Peer 3's next table dump lists only the background.
    for i in 0..20u8 {
        let prefix = format!("10.{i}.0.0/16");
        f.event(
            3,
            EventKind::Announce,
            Some(&prefix),
            &[64_503, 3356, 65_000 + u32::from(i)],
            true,
            None,
        );
    }
    f.take();
    f.event(3, EventKind::EndOfRib, None, &[], true, None);
    let removed: Vec<_> = f
        .take()
        .into_iter()
        .filter(|d| matches!(d, Delta::Route { after: None, .. }))
        .count()
        .to_string()
        .into_bytes();
    assert_eq!(removed, b"4");
    assert_eq!(f.rib.peer(PeerId(2)).unwrap().prefixes, [20, 0]);
    // An End-of-RIB from a session (no table read) removes nothing.
    f.event(1, EventKind::EndOfRib, None, &[], false, None);
    assert!(f.take().is_empty());
}

#[test]
fn add_path_routes_of_one_peer_count_once() {
    let mut f = Feeder::new();
    f.event(
        1,
        EventKind::Announce,
        Some("192.0.2.0/24"),
        &[64_501, 1],
        false,
        Some(1),
    );
    f.event(
        1,
        EventKind::Announce,
        Some("192.0.2.0/24"),
        &[64_501, 2, 1],
        false,
        Some(2),
    );
    f.refresh();
    assert_eq!(f.rib.route_count(), 2);
    assert_eq!(f.rib.peer(PeerId(0)).unwrap().prefixes, [1, 0]);
    assert!(f.visible("192.0.2.0/24"));
    f.take();
    f.event(
        1,
        EventKind::Withdraw,
        Some("192.0.2.0/24"),
        &[],
        false,
        Some(1),
    );
    assert!(f.visible("192.0.2.0/24"), "path 2 still there");
    f.event(
        1,
        EventKind::Withdraw,
        Some("192.0.2.0/24"),
        &[],
        false,
        Some(2),
    );
    assert!(!f.visible("192.0.2.0/24"));
}

#[test]
fn partial_peers_do_not_count_and_ipv6_is_judged_on_its_own() {
    let mut f = three_peers_with_kp();
    // Peer 4 sees only one NK prefix: not full-feed, so it cannot keep it
    // visible.
    f.announce(4, NK[2], &[64_504, 4837, 131_279]);
    f.announce(1, "2001:db8::/32", &[64_501, 1]);
    f.refresh();
    assert_eq!(f.rib.full_feed_peers(Afi::Ipv4), 3);
    assert_eq!(f.rib.full_feed_peers(Afi::Ipv6), 1);
    assert!(f.visible("2001:db8::/32"));
    for who in 1..=3 {
        f.withdraw(who, NK[2]);
    }
    assert!(!f.visible(NK[2]));
}

#[test]
fn paths_no_route_uses_are_swept_at_a_bin_end_and_live_ones_kept() {
    let mut f = three_peers_with_kp();
    // Heavy churn on one prefix: 100,000 distinct paths, one in use.
    for i in 0..100_000u32 {
        f.announce(1, "10.0.0.0/16", &[64_501, 3356, 1_000_000 + i]);
    }
    f.take();
    assert!(f.rib.paths().len() > 100_000);
    f.refresh();
    // Left: twenty background paths per peer (peer 1's first one replaced
    // by the last churned path) and one NK path per peer.
    assert_eq!(f.rib.paths().len(), 3 * 20 + 3);
    let id = f.rib.prefix_id_of(&p("10.0.0.0/16")).unwrap();
    let mut paths: Vec<Vec<u32>> = f
        .rib
        .routes(id)
        .map(|(_, _, path)| f.rib.paths().asns(path).to_vec())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            vec![64_501, 3356, 1_099_999],
            vec![64_502, 3356, 65_000],
            vec![64_503, 3356, 65_000],
        ]
    );
    // A new path after the sweep gets a reused id and reads back right.
    f.announce(2, "10.0.0.0/16", &[64_502, 174, 65_000]);
    let paths: Vec<Vec<u32>> = f
        .rib
        .routes(id)
        .map(|(_, _, path)| f.rib.paths().asns(path).to_vec())
        .collect();
    assert!(paths.contains(&vec![64_502, 174, 65_000]), "{paths:?}");
}

fn data(rel: &str) -> PathBuf {
    let root = match std::env::var_os("DARKWATCH_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    root.join("mrt").join(rel)
}

#[test]
fn the_jinx_rib_of_2014_has_one_full_feed_peer_and_kp_visible() {
    let path = data("routeviews-jinx/routeviews.route-views.jinx.ribs.1401487200.bz2");
    let mut table = Rib::new(RibConfig::default());
    let mut deltas = Vec::new();
    let summary = feed::replay(
        &[feed::ReplayInput::guess(&path)],
        |e| {
            table.apply(e, &mut deltas);
            deltas.clear();
        },
        |_| {},
    )
    .unwrap();
    table.refresh_full_feed(&mut deltas);
    assert_eq!(table.route_count() as u64, summary.announces);
    assert_eq!(table.full_feed_peers(Afi::Ipv4), 1);
    let (_, full) = table.peers().find(|(_, info)| info.full_feed[0]).unwrap();
    assert_eq!(full.key.asn, 30844);
    for nk in NK {
        let id = table.prefix_id_of(&p(nk)).unwrap();
        assert!(table.is_visible(id), "{nk}");
        let paths: Vec<_> = table
            .routes(id)
            .map(|(_, _, path)| table.paths().asns(path).to_vec())
            .collect();
        assert!(
            paths.contains(&vec![30844, 3356, 1239, 4837, 131_279]),
            "{paths:?}"
        );
    }
    let per_prefix = table.heap_bytes() as f64 / table.prefix_count() as f64;
    eprintln!(
        "jinx: {} routes, {} prefixes, {} paths, {:.1} bytes per prefix",
        table.route_count(),
        table.prefix_count(),
        table.paths().len(),
        per_prefix
    );
    // One route per prefix here, so the per-prefix entry dominates: 40
    // bytes in a table kept between 3/8 and 3/4 full, the prefix, its
    // route and its share of the paths. The per-route budget is measured
    // on the full synthetic table of 40 peers (bench).
    assert!(per_prefix < 160.0, "{per_prefix}");
}
