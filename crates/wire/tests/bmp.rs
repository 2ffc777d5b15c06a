//! BMP decoding: every message type built with `wire::encode::bmp` and read
//! back with `wire::bmp`, the routes they mean as route events (IPv4 and
//! IPv6 peers, 2-byte AS paths, ADD-PATH, Loc-RIB, End-of-RIB), stream
//! framing, and malformed input: every truncation, wrong length fields,
//! other versions and random damage give errors with sensible offsets,
//! never a panic. A stream recorded from GoBGP 3.10 is decoded last.

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use wire::aspath::SegmentKind;
use wire::attr::Origin;
use wire::bgp::Notification;
use wire::bmp::{
    self, info_tlv, msg_type, peer_flag, route_events, termination_tlv, AddPath, Message,
    PeerDownReason, PeerHeader, PeerType, RibView, Stat, StatValue, Tlv, Tlvs, COMMON_HEADER_LEN,
    MAX_MESSAGE_LEN, PER_PEER_HEADER_LEN,
};
use wire::encode::bmp as enc;
use wire::encode::{self, attr, Capability, EncodeError};
use wire::event::{EventKind, PeerKey, RouteEvent, Timestamp};
use wire::{AsnWidth, ErrorKind, Nlri, Prefix, WireError};

// ---------------------------------------------------------------------------
// Building messages.

const ROUTER_AS: u32 = 4837;
const PEER_AS: u32 = 131279;

fn peer(flags: u8, addr: &str) -> PeerHeader {
    PeerHeader {
        peer_type: PeerType::Global,
        flags,
        distinguisher: 0,
        addr: addr.parse().unwrap(),
        asn: PEER_AS,
        bgp_id: Ipv4Addr::new(10, 0, 0, 2),
        seconds: 1_419_265_000,
        microseconds: 250_000,
    }
}

fn v4_peer() -> PeerHeader {
    peer(0, "192.0.2.2")
}

fn v6_peer() -> PeerHeader {
    peer(peer_flag::IPV6, "2001:db8::2")
}

fn loc_rib() -> PeerHeader {
    PeerHeader {
        peer_type: PeerType::LocRib,
        // F, and an A bit that Loc-RIB does not have: still 4-byte AS.
        flags: peer_flag::FILTERED | peer_flag::TWO_BYTE_AS,
        distinguisher: 0,
        addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        asn: ROUTER_AS,
        bgp_id: Ipv4Addr::new(10, 0, 0, 3),
        ..v4_peer()
    }
}

fn nlri(prefix: &str, path_id: Option<u32>) -> Nlri {
    Nlri {
        prefix: prefix.parse().unwrap(),
        path_id,
    }
}

/// An OPEN of `asn` with 4-octet AS (when `four`) and ADD-PATH tuples.
fn open(asn: u32, four: bool, add_path: &[(u16, u8, u8)]) -> Vec<u8> {
    let mut caps = vec![
        Capability::Multiprotocol { afi: 1, safi: 1 },
        Capability::Multiprotocol { afi: 2, safi: 1 },
    ];
    if four {
        caps.push(Capability::FourOctetAs(asn));
    }
    if !add_path.is_empty() {
        caps.push(Capability::AddPath(add_path));
    }
    let mut out = Vec::new();
    encode::open(&mut out, asn, 90, Ipv4Addr::new(10, 0, 0, 1), &caps).unwrap();
    out
}

fn peer_up_msg(peer: PeerHeader, sent_open: &[u8], received_open: &[u8]) -> Vec<u8> {
    let local_addr = match peer.addr {
        IpAddr::V4(_) if peer.peer_type == PeerType::LocRib => peer.addr,
        IpAddr::V4(_) => "192.0.2.1".parse().unwrap(),
        IpAddr::V6(_) => "2001:db8::1".parse().unwrap(),
    };
    let mut out = Vec::new();
    enc::peer_up(
        &mut out,
        &enc::PeerUp {
            peer,
            local_addr,
            local_port: 179,
            remote_port: 50179,
            sent_open,
            received_open,
            information: &[Tlv {
                tlv_type: info_tlv::STRING,
                value: b"transit",
            }],
        },
    )
    .unwrap();
    out
}

/// ORIGIN, a 4-byte AS_PATH `4837 131279` and, for IPv4 routes, NEXT_HOP.
fn attrs(next_hop: Option<Ipv4Addr>) -> Vec<u8> {
    let mut a = Vec::new();
    attr::origin(&mut a, Origin::Igp);
    attr::as_path(
        &mut a,
        &[(SegmentKind::Sequence, &[ROUTER_AS, PEER_AS])],
        AsnWidth::Four,
    )
    .unwrap();
    if let Some(nh) = next_hop {
        attr::next_hop(&mut a, nh);
    }
    a
}

fn update(withdrawn: &[Nlri], attributes: &[u8], announced: &[Nlri]) -> Vec<u8> {
    let mut out = Vec::new();
    encode::update(&mut out, withdrawn, attributes, announced).unwrap();
    out
}

fn route_monitoring(peer: &PeerHeader, update: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    enc::route_monitoring(&mut out, peer, update).unwrap();
    out
}

const NH4: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 2);
const NH6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/// A Route Monitoring message announcing North Korea's /24 and
/// withdrawing another, from an IPv4 peer.
fn rm_v4() -> Vec<u8> {
    let u = update(
        &[nlri("175.45.177.0/24", None)],
        &attrs(Some(NH4)),
        &[nlri("175.45.176.0/24", None)],
    );
    route_monitoring(&v4_peer(), &u)
}

/// One of each message type, valid, for the tables below.
fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let mut out = Vec::new();
    let mut m = Vec::new();
    enc::initiation(
        &mut m,
        &[
            Tlv {
                tlv_type: info_tlv::SYS_DESCR,
                value: b"GoBGP 3.10.0",
            },
            Tlv {
                tlv_type: info_tlv::SYS_NAME,
                value: b"rtr1.pyongyang",
            },
        ],
    )
    .unwrap();
    out.push(("initiation", m));
    let sent = open(ROUTER_AS, true, &[(1, 1, 1)]);
    let received = open(PEER_AS, true, &[(1, 1, 2)]);
    out.push(("peer up", peer_up_msg(v6_peer(), &sent, &received)));
    out.push(("route monitoring", rm_v4()));
    let mut u = Vec::new();
    attr::mp_reach(&mut u, 2, 1, &NH6, &[nlri("2001:db8:1::/48", None)]).unwrap();
    let mut a = attrs(None);
    a.extend_from_slice(&u);
    let ap = update(&[], &a, &[]);
    out.push(("route monitoring, IPv6", route_monitoring(&v6_peer(), &ap)));
    let mut m = Vec::new();
    enc::statistics_report(
        &mut m,
        &v4_peer(),
        &[
            Stat {
                stat_type: 0,
                value: StatValue::Counter(3),
            },
            Stat {
                stat_type: 9,
                value: StatValue::FamilyGauge {
                    afi: 1,
                    safi: 1,
                    value: 950_000,
                },
            },
        ],
    )
    .unwrap();
    out.push(("statistics", m));
    let mut m = Vec::new();
    let notification = Notification {
        code: 6,
        subcode: 2,
        data: b"shutdown",
    };
    enc::peer_down(
        &mut m,
        &v4_peer(),
        &PeerDownReason::RemoteNotification(notification),
    )
    .unwrap();
    out.push(("peer down", m));
    let mut m = Vec::new();
    enc::route_mirroring(
        &mut m,
        &v4_peer(),
        &[Tlv {
            tlv_type: 1,
            value: &[0, 1],
        }],
    )
    .unwrap();
    out.push(("route mirroring", m));
    let mut m = Vec::new();
    enc::termination(
        &mut m,
        &[Tlv {
            tlv_type: termination_tlv::REASON,
            value: &[0, 1],
        }],
    )
    .unwrap();
    out.push(("termination", m));
    out
}

// ---------------------------------------------------------------------------
// Reading them back.

/// Decodes a whole message, checking that framing agrees on its length.
fn decode(bytes: &[u8]) -> Message<'_> {
    assert_eq!(bmp::message_len(bytes), Ok(Some(bytes.len())));
    Message::decode(bytes).unwrap()
}

/// A route event, owned for comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ev {
    kind: EventKind,
    prefix: Option<Prefix>,
    path_id: Option<u32>,
    next_hop: Option<IpAddr>,
    path: Option<Vec<u32>>,
    peer: PeerKey,
    time: Timestamp,
}

fn owned(e: &RouteEvent<'_, '_>) -> Ev {
    Ev {
        kind: e.kind,
        prefix: e.prefix,
        path_id: e.path_id,
        next_hop: e.next_hop,
        path: e.attrs.and_then(|a| a.path()).map(|p| p.asns().collect()),
        peer: e.peer,
        time: e.time,
    }
}

/// The events of `msg` and the first problem.
fn events(msg: &Message<'_>, collector: u16, add_path: AddPath) -> (Vec<Ev>, Option<WireError>) {
    let mut got = Vec::new();
    let visit = route_events(msg, collector, add_path, |e| got.push(owned(e)));
    assert_eq!(visit.entries as usize, got.len());
    (got, visit.error)
}

fn key(p: &PeerHeader, collector: u16) -> PeerKey {
    PeerKey {
        collector,
        addr: p.addr,
        asn: p.asn,
    }
}

fn route(kind: EventKind, prefix: &str, path_id: Option<u32>, next_hop: Option<IpAddr>) -> Ev {
    let announce = kind == EventKind::Announce;
    Ev {
        kind,
        prefix: Some(prefix.parse().unwrap()),
        path_id,
        next_hop,
        path: announce.then(|| vec![ROUTER_AS, PEER_AS]),
        peer: key(&v4_peer(), 0),
        time: Timestamp::from_parts(1_419_265_000, 250_000),
    }
}

// ---------------------------------------------------------------------------
// Round trips.

#[test]
fn initiation_and_termination_round_trip() {
    let s = samples();
    let Message::Initiation(init) = decode(&s[0].1) else {
        panic!("not an initiation")
    };
    assert_eq!(init.sys_name(), Some(&b"rtr1.pyongyang"[..]));
    assert_eq!(init.sys_descr(), Some(&b"GoBGP 3.10.0"[..]));
    assert_eq!(init.information.iter().count(), 2);
    let msg = decode(&s[7].1);
    assert_eq!(msg.msg_type(), msg_type::TERMINATION);
    assert!(msg.peer().is_none());
    let Message::Termination(term) = msg else {
        panic!("not a termination")
    };
    assert_eq!(term.reason(), Some(1));
    // Neither means anything to the route table.
    assert_eq!(events(&msg, 0, AddPath::NONE), (vec![], None));
    // An Initiation without TLVs is still one.
    let mut m = Vec::new();
    enc::initiation(&mut m, &[]).unwrap();
    assert_eq!(m, [3, 0, 0, 0, 6, msg_type::INITIATION]);
    let Message::Initiation(init) = decode(&m) else {
        panic!("not an initiation")
    };
    assert!(init.information.is_empty() && init.sys_name().is_none());
}

#[test]
fn peer_up_round_trip_ipv4_and_ipv6() {
    let sent = open(ROUTER_AS, true, &[(1, 1, 1), (2, 1, 3)]);
    let received = open(PEER_AS, true, &[(1, 1, 2)]);
    for peer in [v4_peer(), v6_peer()] {
        let bytes = peer_up_msg(peer, &sent, &received);
        let msg = decode(&bytes);
        let Message::PeerUp(up) = msg else {
            panic!("not a peer up")
        };
        assert_eq!(up.peer, peer);
        assert_eq!(up.local_addr.is_ipv6(), peer.addr.is_ipv6());
        assert_eq!((up.local_port, up.remote_port), (179, 50179));
        assert_eq!(up.sent_open.asn(), ROUTER_AS);
        assert_eq!(up.received_open.asn(), PEER_AS);
        assert!(up.four_octet_as());
        assert_eq!(
            up.information.first(info_tlv::STRING),
            Some(&b"transit"[..])
        );
        let ap = up.add_path();
        // The peer sends IPv4 path ids and the router receives them; the
        // router would send IPv6 ones, but the peer never said it takes them.
        assert!(ap.applies(&peer, 1, 1));
        assert!(!ap.applies(&peer, 2, 1));
        let (got, error) = events(&msg, 3, ap);
        assert_eq!(error, None);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, EventKind::PeerUp);
        assert_eq!(got[0].peer, key(&peer, 3));
        assert_eq!(got[0].time, Timestamp::from_parts(1_419_265_000, 250_000));
    }
    // A peer without the 4-octet AS capability.
    let old = open(64512, false, &[]);
    let bytes = peer_up_msg(v4_peer(), &sent, &old);
    let Message::PeerUp(up) = decode(&bytes) else {
        panic!("not a peer up")
    };
    assert!(!up.four_octet_as());
    assert_eq!(up.add_path(), AddPath::NONE);
}

#[test]
fn add_path_follows_each_direction() {
    let out = peer(peer_flag::ADJ_RIB_OUT, "192.0.2.2");
    // (router's tuple, peer's tuple, path ids in Adj-RIB-In, in Adj-RIB-Out)
    let table = [
        ((1, 1, 1), (1, 1, 2), true, false),
        ((1, 1, 2), (1, 1, 1), false, true),
        ((1, 1, 3), (1, 1, 3), true, true),
        ((1, 1, 1), (1, 1, 1), false, false),
        ((1, 1, 3), (2, 1, 3), false, false),
    ];
    for (router, remote, inbound, outbound) in table {
        let bytes = peer_up_msg(
            v4_peer(),
            &open(ROUTER_AS, true, &[router]),
            &open(PEER_AS, true, &[remote]),
        );
        let Message::PeerUp(up) = decode(&bytes) else {
            panic!("not a peer up")
        };
        let ap = up.add_path();
        assert_eq!(
            ap.applies(&v4_peer(), 1, 1),
            inbound,
            "{router:?} {remote:?}"
        );
        assert_eq!(ap.applies(&out, 1, 1), outbound, "{router:?} {remote:?}");
    }
}

#[test]
fn ipv4_routes_become_events() {
    let bytes = rm_v4();
    let msg = decode(&bytes);
    let Message::RouteMonitoring(rm) = &msg else {
        panic!("not route monitoring")
    };
    assert_eq!(rm.peer.view(), RibView::AdjRibInPre);
    assert_eq!(rm.end_of_rib(), None);
    let (got, error) = events(&msg, 0, AddPath::NONE);
    assert_eq!(error, None);
    let nh = Some(IpAddr::V4(NH4));
    assert_eq!(
        got,
        [
            route(EventKind::Withdraw, "175.45.177.0/24", None, None),
            route(EventKind::Announce, "175.45.176.0/24", None, nh),
        ]
    );
}

#[test]
fn ipv6_peer_with_mp_reach_and_unreach() {
    let mut a = attrs(None);
    attr::mp_unreach(&mut a, 2, 1, &[nlri("2001:db8:2::/48", None)]).unwrap();
    attr::mp_reach(&mut a, 2, 1, &NH6, &[nlri("2001:db8:1::/48", None)]).unwrap();
    let bytes = route_monitoring(&v6_peer(), &update(&[], &a, &[]));
    let msg = decode(&bytes);
    let (got, error) = events(&msg, 1, AddPath::NONE);
    assert_eq!(error, None);
    let kinds: Vec<_> = got
        .iter()
        .map(|e| (e.kind, e.prefix.unwrap().to_string()))
        .collect();
    assert_eq!(
        kinds,
        [
            (EventKind::Withdraw, "2001:db8:2::/48".to_string()),
            (EventKind::Announce, "2001:db8:1::/48".to_string()),
        ]
    );
    assert_eq!(got[1].next_hop, Some(IpAddr::from(NH6)));
    assert_eq!(got[1].peer.addr, "2001:db8::2".parse::<IpAddr>().unwrap());
    assert_eq!(got[1].path.as_deref(), Some(&[ROUTER_AS, PEER_AS][..]));
}

/// The A flag: AS_PATH in 2-byte numbers, the true path in AS4_PATH.
#[test]
fn two_byte_as_path_peer() {
    let mut a = Vec::new();
    attr::origin(&mut a, Origin::Igp);
    attr::as_path(
        &mut a,
        &[(SegmentKind::Sequence, &[ROUTER_AS, 23456])],
        AsnWidth::Two,
    )
    .unwrap();
    attr::as4_path(&mut a, &[(SegmentKind::Sequence, &[ROUTER_AS, PEER_AS])]).unwrap();
    attr::next_hop(&mut a, NH4);
    let u = update(&[], &a, &[nlri("175.45.176.0/24", None)]);
    let two = peer(peer_flag::TWO_BYTE_AS, "192.0.2.2");
    let bytes = route_monitoring(&two, &u);
    let msg = decode(&bytes);
    assert_eq!(msg.peer().unwrap().asn_width(), AsnWidth::Two);
    let (got, error) = events(&msg, 0, AddPath::NONE);
    assert_eq!(error, None);
    assert_eq!(got[0].path.as_deref(), Some(&[ROUTER_AS, PEER_AS][..]));
    // Read as 4-byte numbers the same AS_PATH is wrong: the flag matters.
    let bytes = route_monitoring(&v4_peer(), &u);
    let (got, _) = events(&decode(&bytes), 0, AddPath::NONE);
    assert_ne!(got[0].path.as_deref(), Some(&[ROUTER_AS, PEER_AS][..]));
}

/// ADD-PATH negotiated for IPv6 only: IPv4 routes without path ids and
/// IPv6 ones with, in one UPDATE, and the other way round in MP
/// attributes of both families.
#[test]
fn add_path_per_family() {
    let sent = open(ROUTER_AS, true, &[(2, 1, 1)]);
    let received = open(PEER_AS, true, &[(2, 1, 2)]);
    let bytes = peer_up_msg(v4_peer(), &sent, &received);
    let Message::PeerUp(up) = decode(&bytes) else {
        panic!("not a peer up")
    };
    let ap = up.add_path();
    let mut a = attrs(None);
    attr::mp_reach(&mut a, 2, 1, &NH6, &[nlri("2001:db8:1::/48", Some(7))]).unwrap();
    let u = update(&[nlri("10.0.0.0/8", None)], &a, &[]);
    let bytes = route_monitoring(&v4_peer(), &u);
    let msg = decode(&bytes);
    let (got, error) = events(&msg, 0, ap);
    assert_eq!(error, None);
    let ids: Vec<_> = got
        .iter()
        .map(|e| (e.prefix.unwrap().to_string(), e.path_id))
        .collect();
    assert_eq!(
        ids,
        [
            ("10.0.0.0/8".to_string(), None),
            ("2001:db8:1::/48".to_string(), Some(7)),
        ]
    );
    // MP_UNREACH of IPv6 (path ids) beside MP_REACH of IPv4 (none).
    let mut a = attrs(None);
    attr::mp_unreach(&mut a, 2, 1, &[nlri("2001:db8:1::/48", Some(7))]).unwrap();
    attr::mp_reach(&mut a, 1, 1, &NH4.octets(), &[nlri("10.1.0.0/16", None)]).unwrap();
    let bytes = route_monitoring(&v4_peer(), &update(&[], &a, &[]));
    let msg = decode(&bytes);
    let (got, error) = events(&msg, 0, ap);
    assert_eq!(error, None);
    let ids: Vec<_> = got
        .iter()
        .map(|e| (e.kind, e.prefix.unwrap().to_string(), e.path_id))
        .collect();
    assert_eq!(
        ids,
        [
            (EventKind::Withdraw, "2001:db8:1::/48".to_string(), Some(7)),
            (EventKind::Announce, "10.1.0.0/16".to_string(), None),
        ]
    );
    // Path ids on IPv4 routes, as GoBGP sends them.
    let ap4 = {
        let s = open(ROUTER_AS, true, &[(1, 1, 1)]);
        let r = open(PEER_AS, true, &[(1, 1, 2)]);
        let bytes = peer_up_msg(v4_peer(), &s, &r);
        let Message::PeerUp(up) = decode(&bytes) else {
            panic!("not a peer up")
        };
        up.add_path()
    };
    let u = update(
        &[nlri("175.45.177.0/24", Some(2))],
        &attrs(Some(NH4)),
        &[nlri("175.45.176.0/24", Some(1))],
    );
    let bytes = route_monitoring(&v4_peer(), &u);
    let msg = decode(&bytes);
    let (got, error) = events(&msg, 0, ap4);
    assert_eq!(error, None);
    let nh = Some(IpAddr::V4(NH4));
    assert_eq!(
        got,
        [
            route(EventKind::Withdraw, "175.45.177.0/24", Some(2), None),
            route(EventKind::Announce, "175.45.176.0/24", Some(1), nh),
        ]
    );
    // Without the session's state the path ids read as prefixes: wrong,
    // and here an error.
    assert!(events(&msg, 0, AddPath::NONE).1.is_some());
}

#[test]
fn loc_rib_peer() {
    let p = loc_rib();
    assert!(p.is_loc_rib() && p.is_filtered());
    assert!(!p.is_post_policy() && !p.is_adj_rib_out());
    assert_eq!(p.view(), RibView::LocRib);
    assert_eq!(p.asn_width(), AsnWidth::Four, "no A flag in Loc-RIB");
    // RFC 9069: one made-up OPEN, twice; ADD-PATH by its presence.
    let fabricated = open(ROUTER_AS, true, &[(1, 1, 2)]);
    let bytes = peer_up_msg(p, &fabricated, &fabricated);
    let Message::PeerUp(up) = decode(&bytes) else {
        panic!("not a peer up")
    };
    assert_eq!(up.peer.addr, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let ap = up.add_path();
    assert!(ap.applies(&p, 1, 1));
    let u = update(&[], &attrs(Some(NH4)), &[nlri("175.45.176.0/24", Some(9))]);
    let bytes = route_monitoring(&p, &u);
    let msg = decode(&bytes);
    let (got, error) = events(&msg, 0, ap);
    assert_eq!(error, None);
    assert_eq!(got[0].path_id, Some(9));
    assert_eq!(got[0].path.as_deref(), Some(&[ROUTER_AS, PEER_AS][..]));
    assert_eq!(got[0].peer.asn, ROUTER_AS);
    // Two Loc-RIB instances differ by BGP ID; two views of one peer do not.
    let other = PeerHeader {
        bgp_id: Ipv4Addr::new(10, 0, 0, 4),
        ..p
    };
    assert_ne!(p.session(), other.session());
    let post = peer(peer_flag::POST_POLICY, "192.0.2.2");
    assert_eq!(v4_peer().session(), post.session());
    // Two peers of one address in two VRFs differ too.
    let vrf = PeerHeader {
        peer_type: PeerType::RdInstance,
        distinguisher: 65000 << 32 | 1,
        ..v4_peer()
    };
    assert_ne!(v4_peer().session(), vrf.session());
}

#[test]
fn views_from_flags() {
    use peer_flag::*;
    let table = [
        (0, RibView::AdjRibInPre),
        (POST_POLICY, RibView::AdjRibInPost),
        (ADJ_RIB_OUT, RibView::AdjRibOutPre),
        (ADJ_RIB_OUT | POST_POLICY, RibView::AdjRibOutPost),
        (TWO_BYTE_AS, RibView::AdjRibInPre),
    ];
    for (flags, view) in table {
        let p = peer(flags, "192.0.2.2");
        let bytes = route_monitoring(&p, &update(&[], &[], &[]));
        let msg = decode(&bytes);
        assert_eq!(msg.peer().unwrap().view(), view, "flags {flags:#04x}");
    }
    assert_eq!(RibView::default(), RibView::AdjRibInPre);
    assert_eq!(PeerType::from_code(9), PeerType::Other(9));
    assert_eq!(PeerType::Other(9).code(), 9);
}

#[test]
fn end_of_rib_markers() {
    let eor4 = route_monitoring(&v4_peer(), &update(&[], &[], &[]));
    let mut a = Vec::new();
    attr::mp_unreach(&mut a, 2, 1, &[]).unwrap();
    let eor6 = route_monitoring(&v6_peer(), &update(&[], &a, &[]));
    // A withdrawal alone is not one.
    let withdrawal = route_monitoring(&v4_peer(), &update(&[nlri("10.0.0.0/8", None)], &[], &[]));
    let table = [
        (eor4, Some((1, 1))),
        (eor6, Some((2, 1))),
        (withdrawal, None),
    ];
    for (bytes, family) in table {
        let msg = decode(&bytes);
        let Message::RouteMonitoring(rm) = &msg else {
            panic!("not route monitoring")
        };
        assert_eq!(rm.end_of_rib(), family);
        let (got, error) = events(&msg, 0, AddPath::NONE);
        assert_eq!(error, None);
        assert_eq!(got.len(), 1);
        let kind = if family.is_some() {
            EventKind::EndOfRib
        } else {
            EventKind::Withdraw
        };
        assert_eq!(got[0].kind, kind);
        assert_eq!(got[0].prefix.is_none(), family.is_some());
    }
}

/// Peers of two routers that share an address stay apart by collector.
#[test]
fn collectors_keep_routers_apart() {
    let bytes = rm_v4();
    let msg = decode(&bytes);
    let (a, _) = events(&msg, 0, AddPath::NONE);
    let (b, _) = events(&msg, 1, AddPath::NONE);
    assert_eq!(a[0].peer.addr, b[0].peer.addr);
    assert_ne!(a[0].peer, b[0].peer);
}

#[test]
fn peer_down_reasons_round_trip() {
    let n = Notification {
        code: 6,
        subcode: 4,
        data: &[],
    };
    let mut info = Vec::new();
    enc::tlvs(
        &mut info,
        &[Tlv {
            tlv_type: info_tlv::VRF_TABLE_NAME,
            value: b"global",
        }],
    )
    .unwrap();
    let reasons = [
        PeerDownReason::LocalNotification(n),
        PeerDownReason::LocalNoNotification(2),
        PeerDownReason::RemoteNotification(n),
        PeerDownReason::RemoteNoData,
        PeerDownReason::Deconfigured,
        PeerDownReason::LocalTlvs(Tlvs::new(&info).unwrap()),
        PeerDownReason::Other {
            code: 9,
            data: b"?",
        },
    ];
    for (i, reason) in reasons.iter().enumerate() {
        let mut m = Vec::new();
        enc::peer_down(&mut m, &v6_peer(), reason).unwrap();
        let msg = decode(&m);
        let Message::PeerDown(down) = &msg else {
            panic!("not a peer down")
        };
        assert_eq!(usize::from(down.reason_code), if i < 6 { i + 1 } else { 9 });
        assert_eq!(down.reason().as_ref(), Ok(reason));
        let (got, error) = events(&msg, 2, AddPath::NONE);
        assert_eq!(error, None);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].kind, EventKind::PeerDown);
        assert_eq!(got[0].peer, key(&v6_peer(), 2));
    }
    // A damaged reason never hides that the session went down.
    let mut m = Vec::new();
    enc::peer_down(
        &mut m,
        &v4_peer(),
        &PeerDownReason::Other {
            code: 1,
            data: b"not a notification",
        },
    )
    .unwrap();
    let msg = decode(&m);
    let Message::PeerDown(down) = &msg else {
        panic!("not a peer down")
    };
    let err = down.reason().unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadMarker);
    assert_eq!(
        err.offset as usize,
        COMMON_HEADER_LEN + PER_PEER_HEADER_LEN + 1
    );
    assert_eq!(events(&msg, 0, AddPath::NONE).0.len(), 1);
    // Reason 4 carries no data: any is reported.
    m.clear();
    let other = PeerDownReason::Other {
        code: 4,
        data: &[0],
    };
    enc::peer_down(&mut m, &v4_peer(), &other).unwrap();
    let Message::PeerDown(down) = decode(&m) else {
        panic!("not a peer down")
    };
    assert_eq!(down.reason().unwrap_err().kind, ErrorKind::TrailingBytes(1));
    assert_eq!(down.data(), [0]);
}

#[test]
fn statistics_round_trip() {
    let stats = [
        Stat {
            stat_type: 0,
            value: StatValue::Counter(17),
        },
        Stat {
            stat_type: 7,
            value: StatValue::Gauge(950_000),
        },
        Stat {
            stat_type: 10,
            value: StatValue::FamilyGauge {
                afi: 2,
                safi: 1,
                value: 200_000,
            },
        },
        Stat {
            stat_type: 65531,
            value: StatValue::Other(&[1, 2, 3]),
        },
    ];
    let mut m = Vec::new();
    enc::statistics_report(&mut m, &v4_peer(), &stats).unwrap();
    let msg = decode(&m);
    let Message::StatisticsReport(report) = &msg else {
        panic!("not a statistics report")
    };
    assert_eq!(report.stats().collect::<Vec<_>>(), stats);
    assert_eq!(events(&msg, 0, AddPath::NONE), (vec![], None));
    // The count says one more than there is, or one fewer.
    let count_at = COMMON_HEADER_LEN + PER_PEER_HEADER_LEN;
    let mut more = m.clone();
    more[count_at + 3] += 1;
    let err = Message::decode(&more).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Truncated { .. }), "{err}");
    assert_eq!(err.offset as usize, m.len());
    let mut fewer = m.clone();
    fewer[count_at + 3] -= 1;
    let err = Message::decode(&fewer).unwrap_err();
    assert_eq!(err.kind, ErrorKind::TrailingBytes(4 + 3));
}

#[test]
fn route_mirroring_round_trip() {
    let mut keepalive = Vec::new();
    encode::keepalive(&mut keepalive);
    let tlvs = [
        Tlv {
            tlv_type: 1,
            value: &[0, 0],
        },
        Tlv {
            tlv_type: 0,
            value: &keepalive,
        },
    ];
    let mut m = Vec::new();
    enc::route_mirroring(&mut m, &v4_peer(), &tlvs).unwrap();
    let msg = decode(&m);
    let Message::RouteMirroring(mirror) = &msg else {
        panic!("not route mirroring")
    };
    assert_eq!(mirror.information.iter().collect::<Vec<_>>(), tlvs);
    assert_eq!(mirror.information.first(0), Some(&keepalive[..]));
    assert_eq!(events(&msg, 0, AddPath::NONE), (vec![], None));
}

#[test]
fn encoder_refuses_what_the_decoder_would_misread() {
    let mut out = vec![9];
    // An IPv6 address without the V flag.
    let wrong = peer(0, "2001:db8::2");
    let err = enc::route_monitoring(&mut out, &wrong, &update(&[], &[], &[]));
    assert_eq!(err, Err(EncodeError::WrongFamily));
    let too_big = vec![0; MAX_MESSAGE_LEN];
    let err = enc::route_monitoring(&mut out, &v4_peer(), &too_big);
    assert!(matches!(err, Err(EncodeError::TooLong { .. })));
    let long = vec![0; 70_000];
    let err = enc::initiation(
        &mut out,
        &[Tlv {
            tlv_type: 0,
            value: &long,
        }],
    );
    assert!(matches!(err, Err(EncodeError::TooLong { .. })));
    assert_eq!(out, [9], "failed calls leave the buffer as it was");
}

// ---------------------------------------------------------------------------
// Framing.

/// Reads a stream handed over in chunks of `chunk` bytes, as a socket
/// would, and returns the message types decoded and the errors.
fn read_stream(stream: &[u8], chunk: usize) -> (Vec<u8>, Vec<ErrorKind>) {
    let mut buf = Vec::new();
    let (mut types, mut errors) = (Vec::new(), Vec::new());
    for piece in stream.chunks(chunk) {
        buf.extend_from_slice(piece);
        while let Some(len) = bmp::message_len(&buf).unwrap() {
            if buf.len() < len {
                break;
            }
            match Message::decode(&buf[..len]) {
                Ok(m) => types.push(m.msg_type()),
                Err(e) => errors.push(e.kind),
            }
            buf.drain(..len);
        }
    }
    assert!(buf.is_empty());
    (types, errors)
}

#[test]
fn framing_a_stream_in_any_chunks() {
    let mut stream = Vec::new();
    let mut want = Vec::new();
    for (_, m) in samples() {
        want.push(m[5]);
        stream.extend_from_slice(&m);
    }
    // A message of a type nobody knows, framed and skipped.
    stream.extend_from_slice(&[3, 0, 0, 0, 9, 42, 1, 2, 3]);
    stream.extend_from_slice(&rm_v4());
    want.push(msg_type::ROUTE_MONITORING);
    for chunk in 1..=stream.len() {
        let (types, errors) = read_stream(&stream, chunk);
        assert_eq!(types, want, "chunks of {chunk}");
        assert_eq!(errors, [ErrorKind::UnsupportedBmpType(42)]);
    }
    let err = Message::decode(&[3, 0, 0, 0, 9, 42, 1, 2, 3]).unwrap_err();
    assert_eq!(err.offset, 5, "the type byte");
}

#[test]
fn framing_errors_say_where() {
    // Waiting for the header is not an error...
    assert_eq!(bmp::message_len(&[]), Ok(None));
    assert_eq!(bmp::message_len(&[3, 0, 0]), Ok(None));
    // ...but a version other than 3 is, from its first byte.
    for version in [1, 2, 4, 0xff] {
        let err = bmp::message_len(&[version]).unwrap_err();
        assert_eq!(err, WireError::new(ErrorKind::BadBmpVersion(version), 0));
    }
    let mut v1 = rm_v4();
    v1[0] = 1;
    assert_eq!(
        Message::decode(&v1).unwrap_err().kind,
        ErrorKind::BadBmpVersion(1)
    );
    // Lengths that cannot be: shorter than the header, or huge.
    let too_long = u32::try_from(MAX_MESSAGE_LEN + 1).unwrap();
    for len in [0, 5, too_long, u32::MAX] {
        let mut head = vec![3];
        head.extend_from_slice(&len.to_be_bytes());
        let err = bmp::message_len(&head).unwrap_err();
        assert_eq!(err, WireError::new(ErrorKind::BadBmpLength(len), 1));
        assert!(err.to_string().contains("out of step"), "{err}");
    }
    let max = u32::try_from(MAX_MESSAGE_LEN).unwrap();
    let mut head = vec![3];
    head.extend_from_slice(&max.to_be_bytes());
    head.push(0);
    assert_eq!(bmp::message_len(&head), Ok(Some(MAX_MESSAGE_LEN)));
    assert!(ErrorKind::BadBmpVersion(1)
        .to_string()
        .contains("version 1"));
}

// ---------------------------------------------------------------------------
// Malformed input.

/// Decodes `bytes` all the way down (routes, reasons, statistics): what a
/// reader does with a message. Never panics; returns the first problem.
fn check(bytes: &[u8]) -> Result<(), WireError> {
    let msg = Message::decode(bytes)?;
    match &msg {
        Message::PeerDown(down) => {
            down.reason()?;
        }
        Message::StatisticsReport(s) => {
            s.stats().for_each(drop);
        }
        Message::PeerUp(up) => {
            up.add_path();
            up.sent_open.capabilities().try_for_each(|c| c.map(drop))?;
        }
        _ => {}
    }
    let ap = AddPath::NONE;
    route_events(&msg, 0, ap, |_| {}).error.map_or(Ok(()), Err)
}

/// The offsets where a whole TLV ends in the TLVs a message ends with
/// (and where they start): cut there, a message is still a valid one.
fn tlv_boundaries(m: &[u8]) -> Vec<usize> {
    let start = match Message::decode(m).unwrap() {
        Message::Initiation(_) | Message::Termination(_) => COMMON_HEADER_LEN,
        Message::RouteMirroring(_) => COMMON_HEADER_LEN + PER_PEER_HEADER_LEN,
        Message::PeerUp(up) => m.len() - up.information.bytes().len(),
        _ => return vec![],
    };
    let mut at = start;
    let mut out = vec![at];
    while at < m.len() {
        at += 4 + usize::from(u16::from_be_bytes([m[at + 2], m[at + 3]]));
        out.push(at);
    }
    out
}

#[test]
fn every_truncation_is_an_error() {
    for (name, m) in samples() {
        check(&m).unwrap();
        let boundaries = tlv_boundaries(&m);
        for cut in 0..m.len() {
            let part = &m[..cut];
            match bmp::message_len(part) {
                Ok(None) => assert!(cut < COMMON_HEADER_LEN),
                Ok(Some(len)) => assert_eq!(len, m.len()),
                Err(e) => panic!("{name} cut at {cut}: framing error {e}"),
            }
            let err = Message::decode(part).unwrap_err();
            assert!(err.offset as usize <= cut, "{name} cut at {cut}: {err}");
            // And a message whose own length field agrees with the cut:
            // what is missing is missing inside it, unless the cut fell
            // between two TLVs.
            if cut >= COMMON_HEADER_LEN {
                let mut short = part.to_vec();
                short[1..5].copy_from_slice(&u32::try_from(cut).unwrap().to_be_bytes());
                match check(&short) {
                    Ok(()) => assert!(boundaries.contains(&cut), "{name} shortened to {cut}"),
                    Err(e) => assert!(e.offset as usize <= cut, "{name} shortened to {cut}: {e}"),
                }
            }
        }
    }
}

/// A length field read one too high or one too low.
#[test]
fn wrong_length_fields() {
    let header = COMMON_HEADER_LEN + PER_PEER_HEADER_LEN;
    let rm = rm_v4();
    let bgp_len_at = header + 16;
    let u = |bytes: &[u8], at: usize| u16::from_be_bytes([bytes[at], bytes[at + 1]]);
    let set16 = |bytes: &mut Vec<u8>, at: usize, v: u16| {
        bytes[at..at + 2].copy_from_slice(&v.to_be_bytes());
    };
    // The BMP length one short: the UPDATE overruns the message.
    let mut m = rm.clone();
    m[4] -= 1;
    let err = Message::decode(&m).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::LengthOverflow { .. }),
        "{err}"
    );
    assert_eq!(err.offset as usize, header + 19);
    // One long (with a byte to spare): a byte after the UPDATE.
    let mut m = rm.clone();
    m[4] += 1;
    m.push(0);
    assert_eq!(
        Message::decode(&m).unwrap_err(),
        WireError::new(ErrorKind::TrailingBytes(1), rm.len())
    );
    // The UPDATE's own length one long, and one short.
    let mut m = rm.clone();
    set16(&mut m, bgp_len_at, u(&rm, bgp_len_at) + 1);
    let err = Message::decode(&m).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::LengthOverflow { .. }),
        "{err}"
    );
    let mut m = rm.clone();
    set16(&mut m, bgp_len_at, u(&rm, bgp_len_at) - 1);
    assert_eq!(
        Message::decode(&m).unwrap_err(),
        WireError::new(ErrorKind::TrailingBytes(1), rm.len() - 1)
    );
    // The withdrawn-routes length too long for the UPDATE.
    let mut m = rm.clone();
    set16(&mut m, header + 19, 200);
    let err = Message::decode(&m).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::LengthOverflow { .. }),
        "{err}"
    );
    assert_eq!(err.offset as usize, header + 21);
    // An attribute length too long: the routes before it still come out.
    let attr_len_at = header + 19 + 2 + 4 + 2 + 2;
    let mut m = rm.clone();
    m[attr_len_at] = 0xf0;
    let (got, error) = events(&Message::decode(&m).unwrap(), 0, AddPath::NONE);
    assert_eq!(got.len(), 2, "the withdrawal, and the announcement");
    assert!(error.unwrap().offset as usize > attr_len_at);
    // A TLV longer than the Initiation that holds it.
    let mut init = samples()[0].1.clone();
    set16(&mut init, COMMON_HEADER_LEN + 2, 0x100);
    let err = Message::decode(&init).unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::LengthOverflow { .. }),
        "{err}"
    );
    assert_eq!(err.offset as usize, COMMON_HEADER_LEN + 4);
    // The sent OPEN of a Peer Up one byte longer than it is.
    let mut up = samples()[1].1.clone();
    let open_at = header + 16 + 2 + 2;
    let sent_len = u(&up, open_at + 16);
    set16(&mut up, open_at + 16, sent_len + 1);
    // The received OPEN is then read one byte late: no marker there.
    assert_eq!(
        Message::decode(&up).unwrap_err(),
        WireError::new(ErrorKind::BadMarker, open_at + usize::from(sent_len) + 1)
    );
    // A KEEPALIVE where the UPDATE belongs.
    let mut keepalive = Vec::new();
    encode::keepalive(&mut keepalive);
    let m = route_monitoring(&v4_peer(), &keepalive);
    let err = Message::decode(&m).unwrap_err();
    assert_eq!(
        err,
        WireError::new(
            ErrorKind::UnexpectedBgpMessage {
                expected: 2,
                found: 4
            },
            header + 18
        )
    );
    // A per-peer header cut short by its message's length.
    let mut m = rm[..COMMON_HEADER_LEN + 20].to_vec();
    m[4] = u8::try_from(m.len()).unwrap();
    let err = Message::decode(&m).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Truncated { .. }), "{err}");
    assert_eq!(err.offset as usize, COMMON_HEADER_LEN + 10);
}

proptest! {
    /// Random damage to valid messages: errors or values, never a panic,
    /// and an error's offset inside the message.
    #[test]
    fn damaged_messages_never_panic(
        which in 0usize..8,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
    ) {
        let mut m = samples()[which].1.clone();
        for (at, byte) in edits {
            let at = at % m.len();
            m[at] = byte;
        }
        if let Err(e) = check(&m) {
            prop_assert!(e.offset as usize <= m.len(), "{e}");
        }
        // A message framed shorter than the damaged bytes may decode (its
        // length fell on a TLV boundary): framing never claims more.
        if let (Ok(Some(len)), Ok(_)) = (bmp::message_len(&m), Message::decode(&m)) {
            prop_assert!(len <= m.len());
        }
    }

    /// Random bytes after a valid common header.
    #[test]
    fn random_bodies_never_panic(
        kind in 0u8..8,
        body in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut m = vec![3];
        m.extend_from_slice(&u32::try_from(body.len() + 6).unwrap().to_be_bytes());
        m.push(kind);
        m.extend_from_slice(&body);
        if let Err(e) = check(&m) {
            prop_assert!(e.offset as usize <= m.len(), "{e}");
        }
    }
}

// ---------------------------------------------------------------------------
// A real router.

/// What GoBGP 3.10 (Debian `gobgpd`) sent: AS4837 at 127.0.0.3 with
/// `route-monitoring-policy = "all"` and statistics every 15 s, its peer
/// AS131279 at 127.0.0.2 sending IPv4 with ADD-PATH and IPv6 without;
/// 175.45.176.0/24, 175.45.177.0/24 (community 4837:1) and 2001:db8:1::/48
/// announced with `gobgp global rib add`, two withdrawn, the peer stopped,
/// then `gobgp bmp del`. 1996 bytes, SHA-256
/// f5bddaff770bf31a7325dc5da972d44a723fede4e4d7560ea043d4645ee08813.
const GOBGP_3_10: &[&str] = &[
    "03000000190400020005476f42475000010006332e31302e3003000000d2030000000000",
    "00000000000000000000000000000000007f000002000200cf0a0000026b06f165000000",
    "000000000000000000000000007f00000327c39afdffffffffffffffffffffffffffffff",
    "ff0047010412e5005a0a0000032a02280200490402766d00010400010001010400020001",
    "4104000012e50506000100010002450400010101ffffffffffffffffffffffffffffffff",
    "004701045ba0005a0a0000022a02280200490402766d0001040001000101040002000141",
    "04000200cf05060001000100024504000101020300000067000000000000000000000000",
    "00000000000000000000007f000002000200cf0a0000026b06f16500000000ffffffffff",
    "ffffffffffffffffffffff003702000000184001010040020a0202000200cf000200cf40",
    "0304c63364020000000118af2db003000000630000400000000000000000000000000000",
    "0000000000007f000002000200cf0a0000026b06f16500000000ffffffffffffffffffff",
    "ffffffffffff003302000000184001010040020a0202000200cf000200cf400304c63364",
    "0218af2db003000000630003000000000000000000000000000000000000000000000000",
    "00000012e50a0000036b06f16500000000ffffffffffffffffffffffffffffffff003302",
    "000000184001010040020a0202000200cf000200cf400304c633640218af2db003000000",
    "7300000000000000000000000000000000000000000000007f000002000200cf0a000002",
    "6b06f16500000000ffffffffffffffffffffffffffffffff0043020000002c4001010040",
    "02060201000200cf800e1c0002011020010db8000000000000000000000002003020010d",
    "b80001030000007300004000000000000000000000000000000000000000007f00000200",
    "0200cf0a0000026b06f16500000000ffffffffffffffffffffffffffffffff0043020000",
    "002c400101004002060201000200cf800e1c0002011020010db800000000000000000000",
    "0002003020010db800010300000073000300000000000000000000000000000000000000",
    "000000000000000012e50a0000036b06f16500000000ffffffffffffffffffffffffffff",
    "ffff0043020000002c400101004002060201000200cf800e1c0002011020010db8000000",
    "000000000000000002003020010db80001030000006a0000000000000000000000000000",
    "0000000000000000007f000002000200cf0a0000026b06f16500000000ffffffffffffff",
    "ffffffffffffffffff003a020000001b400101004002060201000200cf400304c6336402",
    "c0080412e500010000000118af2db1030000006600004000000000000000000000000000",
    "000000000000007f000002000200cf0a0000026b06f16500000000ffffffffffffffffff",
    "ffffffffffffff0036020000001b400101004002060201000200cf400304c6336402c008",
    "0412e5000118af2db1030000006600030000000000000000000000000000000000000000",
    "0000000000000012e50a0000036b06f16500000000ffffffffffffffffffffffffffffff",
    "ff0036020000001b400101004002060201000200cf400304c6336402c0080412e5000118",
    "af2db1030000005c01000000000000000000000000000000000000000000007f00000200",
    "0200cf0a0000026b06f16c00000000000000040007000800000000000000030008000800",
    "00000000000003000b000400000000000c000400000000030000004f0000000000000000",
    "0000000000000000000000000000007f000002000200cf0a0000026b06f16e00000000ff",
    "ffffffffffffffffffffffffffffff001f0200080000000118af2db00000030000004b00",
    "004000000000000000000000000000000000000000007f000002000200cf0a0000026b06",
    "f16e00000000ffffffffffffffffffffffffffffffff001b02000418af2db00000030000",
    "004b000300000000000000000000000000000000000000000000000000000012e50a0000",
    "036b06f16500000000ffffffffffffffffffffffffffffffff001b02000418af2db00000",
    "030000005400000000000000000000000000000000000000000000007f000002000200cf",
    "0a0000026b06f16e00000000ffffffffffffffffffffffffffffffff0024020000000d80",
    "0f0a0002013020010db80001030000005400004000000000000000000000000000000000",
    "000000007f000002000200cf0a0000026b06f16e00000000ffffffffffffffffffffffff",
    "ffffffff0024020000000d800f0a0002013020010db80001030000005400030000000000",
    "0000000000000000000000000000000000000000000012e50a0000036b06f16500000000",
    "ffffffffffffffffffffffffffffffff0024020000000d800f0a0002013020010db80001",
    "030000004b00004000000000000000000000000000000000000000007f000002000200cf",
    "0a0000026b06f16500000000ffffffffffffffffffffffffffffffff001b02000418af2d",
    "b10000030000004b00030000000000000000000000000000000000000000000000000000",
    "0012e50a0000036b06f16500000000ffffffffffffffffffffffffffffffff001b020004",
    "18af2db10000030000004602000000000000000000000000000000000000000000007f00",
    "0002000200cf0a0000026b06f1710000000003ffffffffffffffffffffffffffffffff00",
    "15030603030000000c05000100020004",
];

fn unhex(lines: &[&str]) -> Vec<u8> {
    let hex: String = lines.concat().split_whitespace().collect();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn gobgp_stream_decodes() {
    let stream = unhex(GOBGP_3_10);
    let mut at = 0;
    let mut types = Vec::new();
    let mut sessions = std::collections::HashMap::new();
    let mut events_by_view: Vec<(RibView, Ev)> = Vec::new();
    while at < stream.len() {
        let len = bmp::message_len(&stream[at..]).unwrap().unwrap();
        let msg = Message::decode(&stream[at..at + len]).unwrap();
        types.push(msg.msg_type());
        match &msg {
            Message::Initiation(i) => {
                assert_eq!(i.sys_name(), Some(&b"GoBGP"[..]));
                assert_eq!(i.sys_descr(), Some(&b"3.10.0"[..]));
            }
            Message::PeerUp(up) => {
                assert!(up.four_octet_as());
                assert_eq!((up.sent_open.asn(), up.received_open.asn()), (4837, 131279));
                sessions.insert(up.peer.session(), up.add_path());
            }
            Message::PeerDown(down) => {
                let reason = down.reason().unwrap();
                assert!(matches!(
                    reason,
                    PeerDownReason::RemoteNotification(Notification { code: 6, .. })
                ));
            }
            Message::StatisticsReport(s) => {
                let stats: Vec<_> = s.stats().map(|s| (s.stat_type, s.value)).collect();
                assert_eq!(stats[0], (7, StatValue::Gauge(3)));
                assert_eq!(stats[2], (11, StatValue::Counter(0)));
            }
            Message::Termination(t) => assert_eq!(t.reason(), Some(4)),
            Message::RouteMonitoring(_) | Message::RouteMirroring(_) => {}
        }
        let p = *msg.peer().unwrap_or(&v4_peer());
        // GoBGP 3.10 leaves path ids out of post-policy UPDATEs though
        // ADD-PATH was negotiated (osrg/gobgp#2572), and sends no Loc-RIB
        // Peer Up: read both without.
        let ap = match p.view() {
            RibView::AdjRibInPre => sessions.get(&p.session()).copied().unwrap_or_default(),
            _ => AddPath::NONE,
        };
        let visit = route_events(&msg, 0, ap, |e| events_by_view.push((p.view(), owned(e))));
        assert_eq!(visit.error, None, "message at {at}");
        at += len;
    }
    assert_eq!(at, stream.len());
    let count = |t| types.iter().filter(|&&x| x == t).count();
    assert_eq!(types.first(), Some(&msg_type::INITIATION));
    assert_eq!(types.last(), Some(&msg_type::TERMINATION));
    assert_eq!(count(msg_type::PEER_UP), 1);
    assert_eq!(count(msg_type::ROUTE_MONITORING), 17);
    assert_eq!(count(msg_type::STATISTICS_REPORT), 1);
    assert_eq!(count(msg_type::PEER_DOWN), 1);
    let pre: Vec<_> = events_by_view
        .iter()
        .filter(|(v, _)| *v == RibView::AdjRibInPre)
        .map(|(_, e)| (e.kind, e.prefix.map(|p| p.to_string()), e.path_id))
        .collect();
    let nk = Some("175.45.176.0/24".to_string());
    let v6 = Some("2001:db8:1::/48".to_string());
    assert!(pre.contains(&(EventKind::PeerUp, None, None)));
    assert!(pre.contains(&(EventKind::Announce, nk.clone(), Some(1))));
    assert!(pre.contains(&(EventKind::Withdraw, nk.clone(), Some(1))));
    assert!(pre.contains(&(EventKind::Announce, v6.clone(), None)));
    assert!(pre.contains(&(EventKind::PeerDown, None, None)));
    let seen = |view| {
        events_by_view
            .iter()
            .any(|(v, e)| *v == view && e.prefix.map(|p| p.to_string()) == nk)
    };
    assert!(seen(RibView::AdjRibInPost) && seen(RibView::LocRib));
    let path = events_by_view
        .iter()
        .find(|(v, e)| *v == RibView::LocRib && e.kind == EventKind::Announce)
        .and_then(|(_, e)| e.path.clone());
    assert_eq!(path, Some(vec![131279, 131279]));
}
