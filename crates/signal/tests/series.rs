//! Series replayed from small scenarios with exact expected values:
//! overlapping prefixes, a prefix spanning two countries, a peer reset that
//! must not reduce a country's visible /24s, IPv6 /48s, counters, and the
//! world series with the full-feed peer counts.

use std::net::IpAddr;

use geo::{RegistryTable, RegistryTableBuilder};
use rib::{Delta, Rib, RibConfig};
use signal::{BinRow, Cause, Entity, Sessions, Signals, Values};
use wire::aspath::SegmentKind;
use wire::attr::{AttrContext, Attributes, Origin};
use wire::encode::attr;
use wire::event::{EventKind, PeerKey, RouteEvent, Timestamp};
use wire::{AsnWidth, Reader};

const T0: u32 = 1_419_206_400;

fn registry() -> RegistryTable {
    let rows = "\
2|test|20181012|5|19700101|20181012|+0000
apnic|AU|ipv4|1.0.0.0|256|20110811|assigned
apnic|CN|ipv4|1.0.1.0|768|20110414|allocated
apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated
apnic|JP|ipv6|2001:db8::|32|20000101|allocated
";
    let mut b = RegistryTableBuilder::new();
    let report = b.add_delegated_str(rows, None);
    assert_eq!(report.error_count, 0, "{:?}", report.errors);
    b.build()
}

/// A table and its series, fed event by event.
struct World<'g> {
    rib: Rib,
    signals: Signals<'g>,
    deltas: Vec<Delta>,
    rows: Vec<BinRow>,
    sessions: Sessions,
    now: u32,
}

impl<'g> World<'g> {
    fn new(geo: &'g RegistryTable) -> World<'g> {
        World {
            rib: Rib::new(RibConfig::default()),
            signals: Signals::new(geo, 300, &["175.45.176.0/22".parse().unwrap()]),
            deltas: Vec::new(),
            rows: Vec::new(),
            sessions: Sessions::default(),
            now: T0,
        }
    }

    fn event(&mut self, who: u8, kind: EventKind, prefix: Option<&str>, origin: u32) {
        let mut bytes = Vec::new();
        attr::origin(&mut bytes, Origin::Igp);
        let path = [64_500 + u32::from(who), 3356, origin];
        attr::as_path(
            &mut bytes,
            &[(SegmentKind::Sequence, &path)],
            AsnWidth::Four,
        )
        .unwrap();
        let ctx = AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        };
        let attrs = Attributes::decode(Reader::new(&bytes), ctx);
        let peer = PeerKey {
            collector: 0,
            addr: IpAddr::from([192, 0, 2, who]),
            asn: 64_500 + u32::from(who),
        };
        let event = RouteEvent {
            prefix: prefix.map(|p| p.parse().unwrap()),
            attrs: (kind == EventKind::Announce).then_some(&attrs),
            ..RouteEvent::session(peer, kind, Timestamp::from_secs(self.now))
        };
        self.rib.apply(&event, &mut self.deltas);
        let cause = self.sessions.cause(&event);
        self.signals
            .observe(event.time, &self.rib, &self.deltas, cause, &mut self.rows);
        self.deltas.clear();
    }

    fn announce(&mut self, who: u8, prefix: &str, origin: u32) {
        self.event(who, EventKind::Announce, Some(prefix), origin);
    }

    fn withdraw(&mut self, who: u8, prefix: &str) {
        self.event(who, EventKind::Withdraw, Some(prefix), 0);
    }

    /// Ends the bin: full-feed peers are judged, the series move on.
    fn next_bin(&mut self) {
        self.rib.refresh_full_feed(&mut self.deltas);
        let t = Timestamp::from_secs(self.now);
        self.signals
            .observe(t, &self.rib, &self.deltas, Cause::Session, &mut self.rows);
        self.deltas.clear();
        self.now += 300;
        self.signals.observe(
            Timestamp::from_secs(self.now),
            &self.rib,
            &[],
            Cause::Session,
            &mut self.rows,
        );
    }

    fn get(&self, entity: &str) -> Values {
        let e = match entity.split_once('/') {
            Some(("country", cc)) => Entity::Country(cc.parse().unwrap()),
            Some(("as", asn)) => Entity::As(asn.parse().unwrap()),
            Some(("prefix", p)) => Entity::Prefix(p.parse().unwrap()),
            None if entity == "world" => Entity::World,
            _ => panic!("bad entity {entity}"),
        };
        self.signals.current(&e)
    }
}

/// Three full-feed peers with the same table.
fn three_peers(w: &mut World<'_>, table: &[(&str, u32)]) {
    for who in 1..=3 {
        for (prefix, origin) in table {
            w.announce(who, prefix, *origin);
        }
    }
    w.next_bin();
}

#[test]
fn overlapping_prefixes_count_once() {
    let geo = registry();
    let mut w = World::new(&geo);
    three_peers(
        &mut w,
        &[
            ("175.45.176.0/22", 131_279),
            ("175.45.177.0/24", 131_279),
            ("175.45.178.0/24", 131_279),
        ],
    );
    for e in ["country/KP", "as/131279", "prefix/175.45.176.0/22"] {
        assert_eq!(w.get(e).visible_24s, 4, "{e}");
    }
    assert_eq!(w.get("as/131279").visible_prefixes, 3);
    // The covering /22 goes: only the two /24s remain.
    for who in 1..=3 {
        w.withdraw(who, "175.45.176.0/22");
    }
    for e in ["country/KP", "as/131279", "prefix/175.45.176.0/22"] {
        assert_eq!(w.get(e).visible_24s, 2, "{e}");
    }
}

#[test]
fn a_prefix_spanning_two_countries_counts_its_24s_in_each() {
    let geo = registry();
    let mut w = World::new(&geo);
    three_peers(&mut w, &[("1.0.0.0/22", 13_335)]);
    assert_eq!(w.get("country/AU").visible_24s, 1);
    assert_eq!(w.get("country/CN").visible_24s, 3);
    assert_eq!(w.get("as/13335").visible_24s, 4);
}

#[test]
fn a_peer_reset_does_not_reduce_a_countrys_visible_24s() {
    let geo = registry();
    let mut w = World::new(&geo);
    three_peers(
        &mut w,
        &[("175.45.176.0/22", 131_279), ("1.0.0.0/24", 13_335)],
    );
    w.event(2, EventKind::PeerDown, None, 0);
    assert_eq!(w.get("country/KP").visible_24s, 4);
    assert_eq!(w.get("country/AU").visible_24s, 1);
    w.next_bin();
    assert_eq!(
        w.get("country/KP").visible_24s,
        4,
        "2 of 2 full-feed peers left"
    );
    // Withdrawn at origin: all peers lose it.
    for who in [1, 3] {
        w.withdraw(who, "175.45.176.0/22");
    }
    assert_eq!(w.get("country/KP").visible_24s, 0);
    assert_eq!(w.get("country/AU").visible_24s, 1);
}

#[test]
fn ipv6_counts_48s() {
    let geo = registry();
    let mut w = World::new(&geo);
    three_peers(
        &mut w,
        &[("2001:db8::/32", 64_496), ("2001:db8:1::/48", 64_496)],
    );
    assert_eq!(w.get("country/JP").visible_48s, 1 << 16);
    assert_eq!(w.get("as/64496").visible_48s, 1 << 16);
    assert_eq!(w.get("as/64496").visible_prefixes, 2);
}

#[test]
fn counters_are_per_bin_and_rows_only_for_what_changed() {
    let geo = registry();
    let mut w = World::new(&geo);
    three_peers(
        &mut w,
        &[("175.45.176.0/22", 131_279), ("1.0.0.0/24", 13_335)],
    );
    let first_bin = T0 as u64;
    w.withdraw(1, "175.45.176.0/22");
    w.announce(1, "175.45.176.0/22", 131_279);
    w.announce(2, "175.45.176.0/22", 9_999); // origin change at one peer
    w.next_bin();
    let bin = first_bin + 300;
    let rows: Vec<_> = w.rows.iter().filter(|r| r.bin_start == bin).collect();
    let kp = rows
        .iter()
        .find(|r| r.entity == Entity::Country("KP".parse().unwrap()))
        .unwrap();
    assert_eq!(kp.values.withdrawals, 1);
    assert_eq!(kp.values.announcements, 2);
    assert_eq!(kp.values.path_changes, 1);
    assert_eq!(kp.values.origin_changes, 1);
    assert_eq!(kp.values.visible_24s, 4);
    assert!(
        rows.iter()
            .all(|r| r.entity != Entity::Country("AU".parse().unwrap())),
        "nothing happened to AU in that bin"
    );
    // The next bin's counters start from zero.
    assert_eq!(w.get("country/KP").announcements, 0);
}

#[test]
fn the_world_counts_every_visible_block_once_and_follows_the_full_feed_peers() {
    let geo = registry();
    let mut w = World::new(&geo);
    three_peers(
        &mut w,
        &[
            ("175.45.176.0/22", 131_279),
            ("175.45.177.0/24", 131_279),
            ("1.0.0.0/24", 13_335),
            ("2001:db8::/32", 64_496),
        ],
    );
    let world = w.get("world");
    assert_eq!(world.visible_24s, 5);
    assert_eq!(world.visible_48s, 1 << 16);
    assert_eq!(world.visible_prefixes, 4);
    assert_eq!((world.full_feed_v4, world.full_feed_v6), (3, 3));
    assert_eq!(world.announcements, 0, "a new bin");
    // A peer reset shrinks the view, not the world's visible space, and
    // its implicit withdrawals are no routing activity.
    w.event(2, EventKind::PeerDown, None, 0);
    assert_eq!(w.get("world").withdrawals, 0);
    w.next_bin();
    let world = w.get("world");
    assert_eq!((world.full_feed_v4, world.full_feed_v6), (2, 2));
    assert_eq!(world.visible_24s, 5);
    let rows: Vec<_> = w
        .rows
        .iter()
        .filter(|r| r.entity == Entity::World)
        .map(|r| (r.bin_start - u64::from(T0), r.values.full_feed_v4))
        .collect();
    assert_eq!(rows, [(0, 3), (300, 2)]);
    // Other entities do not carry the full-feed counts.
    assert_eq!(w.get("country/KP").full_feed_v4, 0);
}

#[test]
fn a_default_route_and_too_specific_prefixes_are_not_counted() {
    let geo = registry();
    let mut w = World::new(&geo);
    three_peers(
        &mut w,
        &[
            ("0.0.0.0/0", 3356),
            ("::/0", 3356),
            ("175.45.176.0/24", 131_279),
            ("1.0.0.0/25", 13_335),
        ],
    );
    assert_eq!(w.get("world").visible_24s, 1);
    assert_eq!(w.get("world").visible_48s, 0);
    assert_eq!(w.get("country/KP").visible_24s, 1);
    assert_eq!(w.get("country/AU").visible_24s, 0);
    assert_eq!(w.get("as/3356"), Values::default());
    // The default route does not hide the outage under it.
    for who in 1..=3 {
        w.withdraw(who, "175.45.176.0/24");
    }
    assert_eq!(w.get("country/KP").visible_24s, 0);
    assert_eq!(w.get("world").visible_24s, 0);
}
