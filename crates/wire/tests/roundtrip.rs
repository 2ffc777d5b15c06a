//! Round trips through the encoder and the decoders: random routes are
//! written as TABLE_DUMP_V2 RIB records and as BGP4MP UPDATE messages with
//! `wire::encode`, read back with `RawRecord`, `decode`, `check` and
//! `entry::visit`, and every field must come back as it went in. Random
//! bytes, mutations and truncations of valid records must never panic a
//! decoder, and the decoders must agree with each other about them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use proptest::prelude::*;
use wire::aspath::SegmentKind;
use wire::attr::{flag, Aggregator, Attributes, Origin};
use wire::encode::{self, attr, Direction, PeerEntry, RibEntry, Session, Time};
use wire::entry::{visit, EntryKind, PeerTable, Source};
use wire::mrt::{Header, Peer, RawRecord, Record, RibFamily, HEADER_LEN};
use wire::{Afi, AsnWidth, ErrorKind, Nlri, Prefix, WireError};

// ---------------------------------------------------------------------------
// The model: what a route is, independent of any encoding.

type Path = Vec<(SegmentKind, Vec<u32>)>;

/// The attributes of a route as generated.
#[derive(Clone, Debug)]
struct RouteAttrs {
    origin: Origin,
    as_path: Path,
    med: Option<u32>,
    local_pref: Option<u32>,
    atomic_aggregate: bool,
    aggregator: Option<Aggregator>,
    communities: Option<Vec<u32>>,
    large_communities: Option<Vec<(u32, u32, u32)>>,
    /// An attribute type the decoder keeps opaque (flags, value).
    unknown: Option<(u8, Vec<u8>)>,
}

/// Attribute type code used for the opaque attribute (unassigned by IANA).
const UNKNOWN_TYPE: u8 = 99;

/// The attributes as the decoder returns them, owned for comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
struct GotAttrs {
    origin: Option<Origin>,
    as_path: Option<Path>,
    as4_path: Option<Path>,
    next_hop: Option<Ipv4Addr>,
    med: Option<u32>,
    local_pref: Option<u32>,
    atomic_aggregate: bool,
    aggregator: Option<Aggregator>,
    communities: Option<Vec<u32>>,
    large_communities: Option<Vec<(u32, u32, u32)>>,
    /// AFI, SAFI and next-hop bytes of MP_REACH_NLRI.
    mp_reach: Option<(u16, u8, Vec<u8>)>,
    /// AFI and SAFI of MP_UNREACH_NLRI.
    mp_unreach: Option<(u16, u8)>,
    /// Opaque attributes: flags, type code, value.
    unknown: Vec<(u8, u8, Vec<u8>)>,
    error: Option<WireError>,
}

fn owned_path(p: &wire::aspath::AsPath<'_>) -> Path {
    p.segments().map(|s| (s.kind, s.asns().collect())).collect()
}

fn got_attrs(a: &Attributes<'_>) -> GotAttrs {
    GotAttrs {
        origin: a.origin,
        as_path: a.as_path.as_ref().map(owned_path),
        as4_path: a.as4_path.as_ref().map(owned_path),
        next_hop: a.next_hop,
        med: a.med,
        local_pref: a.local_pref,
        atomic_aggregate: a.atomic_aggregate,
        aggregator: a.aggregator,
        communities: a.communities.map(|c| c.iter().collect()),
        large_communities: a.large_communities.map(|c| c.iter().collect()),
        mp_reach: a.mp_reach.map(|m| (m.afi, m.safi, m.next_hop.to_vec())),
        mp_unreach: a.mp_unreach.map(|m| (m.afi, m.safi)),
        unknown: a
            .unknown_attributes()
            .map(|u| (u.flags, u.type_code, u.value.to_vec()))
            .collect(),
        error: a.error,
    }
}

/// What the decoder must return for `a` written with the given extras.
fn expected_attrs(
    a: &RouteAttrs,
    as4_path: Option<&Path>,
    next_hop: Option<Ipv4Addr>,
    mp_reach: Option<(u16, u8, Vec<u8>)>,
    mp_unreach: Option<(u16, u8)>,
) -> GotAttrs {
    GotAttrs {
        origin: Some(a.origin),
        as_path: Some(a.as_path.clone()),
        as4_path: as4_path.cloned(),
        next_hop,
        med: a.med,
        local_pref: a.local_pref,
        atomic_aggregate: a.atomic_aggregate,
        aggregator: a.aggregator,
        communities: a.communities.clone(),
        large_communities: a.large_communities.clone(),
        mp_reach,
        mp_unreach,
        unknown: a
            .unknown
            .iter()
            .map(|(flags, value)| {
                // The encoder sets the extended-length bit exactly when the
                // value needs it.
                let ext = if value.len() > 255 {
                    flag::EXTENDED_LENGTH
                } else {
                    0
                };
                (flags | ext, UNKNOWN_TYPE, value.clone())
            })
            .collect(),
        error: None,
    }
}

/// Writes the attributes every route has (no next hop, no MP attributes).
fn encode_attrs(out: &mut Vec<u8>, a: &RouteAttrs, width: AsnWidth) {
    attr::origin(out, a.origin);
    attr::as_path(out, &encode::segments_of(&a.as_path), width).unwrap();
    if let Some(med) = a.med {
        attr::med(out, med);
    }
    if let Some(lp) = a.local_pref {
        attr::local_pref(out, lp);
    }
    if a.atomic_aggregate {
        attr::atomic_aggregate(out);
    }
    if let Some(agg) = a.aggregator {
        attr::aggregator(out, agg, width).unwrap();
    }
    if let Some(c) = &a.communities {
        attr::communities(out, c).unwrap();
    }
    if let Some(l) = &a.large_communities {
        attr::large_communities(out, l).unwrap();
    }
    if let Some((flags, value)) = &a.unknown {
        attr::raw(out, *flags, UNKNOWN_TYPE, value).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Strategies.

/// A prefix of `afi`, lengths 0 and the maximum made common; bytes past
/// the ones the length needs are zero (the wire cannot carry them), bits
/// after the mask inside the last byte are random (the wire keeps them).
fn prefix(afi: Afi) -> impl Strategy<Value = Prefix> {
    let max = afi.max_len();
    let len = prop_oneof![1 => Just(0u8), 1 => Just(max), 6 => 0..=max];
    (len, any::<[u8; 16]>()).prop_map(move |(len, mut addr)| {
        let keep = usize::from(len).div_ceil(8);
        addr.iter_mut().skip(keep).for_each(|b| *b = 0);
        Prefix::new(afi, &addr, len).unwrap()
    })
}

fn any_prefix() -> impl Strategy<Value = Prefix> {
    prop_oneof![prefix(Afi::Ipv4), prefix(Afi::Ipv6)]
}

fn width() -> impl Strategy<Value = AsnWidth> {
    prop_oneof![Just(AsnWidth::Two), Just(AsnWidth::Four)]
}

fn asn(width: AsnWidth) -> BoxedStrategy<u32> {
    match width {
        AsnWidth::Two => (0u32..=0xffff).boxed(),
        AsnWidth::Four => prop_oneof![0u32..=0xffff, any::<u32>()].boxed(),
    }
}

fn segment_kind() -> impl Strategy<Value = SegmentKind> {
    prop_oneof![
        6 => Just(SegmentKind::Sequence),
        2 => Just(SegmentKind::Set),
        1 => Just(SegmentKind::ConfedSequence),
        1 => Just(SegmentKind::ConfedSet),
    ]
}

/// AS paths of up to four segments; now and then a segment long enough to
/// push the attribute past 255 bytes (extended length).
fn path(width: AsnWidth) -> impl Strategy<Value = Path> {
    let asns = prop_oneof![
        8 => prop::collection::vec(asn(width), 0..=12),
        1 => prop::collection::vec(asn(width), 60..=130),
    ];
    prop::collection::vec((segment_kind(), asns), 0..=4)
}

fn origin() -> impl Strategy<Value = Origin> {
    prop_oneof![
        Just(Origin::Igp),
        Just(Origin::Egp),
        Just(Origin::Incomplete),
        (3u8..).prop_map(Origin::Other),
    ]
}

fn ipv4() -> impl Strategy<Value = Ipv4Addr> {
    any::<[u8; 4]>().prop_map(Ipv4Addr::from)
}

fn ipv6() -> impl Strategy<Value = Ipv6Addr> {
    any::<[u8; 16]>().prop_map(Ipv6Addr::from)
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![ipv4().prop_map(IpAddr::V4), ipv6().prop_map(IpAddr::V6)]
}

/// An IPv6 next hop: a global address, with a link-local one half the time.
fn v6_next_hop() -> impl Strategy<Value = Vec<u8>> {
    (ipv6(), prop::option::of(ipv6())).prop_map(|(global, link_local)| {
        let mut nh = global.octets().to_vec();
        if let Some(ll) = link_local {
            nh.extend_from_slice(&ll.octets());
        }
        nh
    })
}

fn route_attrs(width: AsnWidth) -> impl Strategy<Value = RouteAttrs> {
    let head = (
        origin(),
        path(width),
        prop::option::of(any::<u32>()),
        prop::option::of(any::<u32>()),
        any::<bool>(),
        prop::option::of((asn(width), ipv4()).prop_map(|(asn, addr)| Aggregator { asn, addr })),
    );
    let tail = (
        prop::option::of(prop::collection::vec(any::<u32>(), 0..=10)),
        prop::option::of(prop::collection::vec(any::<(u32, u32, u32)>(), 0..=4)),
        prop::option::of((
            prop_oneof![Just(0xc0u8), Just(0x80u8), Just(0xe0u8)],
            prop::collection::vec(any::<u8>(), 0..=300),
        )),
    );
    (head, tail).prop_map(
        |((origin, as_path, med, local_pref, atomic_aggregate, aggregator), tail)| {
            let (communities, large_communities, unknown) = tail;
            RouteAttrs {
                origin,
                as_path,
                med,
                local_pref,
                atomic_aggregate,
                aggregator,
                communities,
                large_communities,
                unknown,
            }
        },
    )
}

fn peer_entry() -> impl Strategy<Value = PeerEntry> {
    (ipv4(), ip(), width())
        .prop_flat_map(|(bgp_id, addr, w)| (Just(bgp_id), Just(addr), Just(w), asn(w)))
        .prop_map(|(bgp_id, addr, asn_width, asn)| PeerEntry {
            bgp_id,
            addr,
            asn,
            asn_width,
        })
}

/// One RIB entry as generated: peer, time, path id, attributes, and for
/// IPv4 its NEXT_HOP, for IPv6 its MP_REACH next hop.
#[derive(Clone, Debug)]
struct RibRoute {
    peer_index: u16,
    originated: u32,
    path_id: u32,
    attrs: RouteAttrs,
    next_hop_v4: Ipv4Addr,
    next_hop_v6: Vec<u8>,
}

#[derive(Clone, Debug)]
struct RibCase {
    timestamp: u32,
    collector_id: Ipv4Addr,
    view_name: Vec<u8>,
    peers: Vec<PeerEntry>,
    sequence: u32,
    prefix: Prefix,
    add_path: bool,
    routes: Vec<RibRoute>,
}

fn rib_case() -> impl Strategy<Value = RibCase> {
    let table = (
        any::<u32>(),
        ipv4(),
        prop::collection::vec(any::<u8>(), 0..=8),
        prop::collection::vec(peer_entry(), 1..=16),
    );
    (table, any::<u32>(), any_prefix(), any::<bool>()).prop_flat_map(
        |((timestamp, collector_id, view_name, peers), sequence, prefix, add_path)| {
            let n = u16::try_from(peers.len()).unwrap();
            let route = (
                0..n,
                any::<u32>(),
                any::<u32>(),
                route_attrs(AsnWidth::Four),
                ipv4(),
                v6_next_hop(),
            )
                .prop_map(|(peer_index, originated, path_id, attrs, v4, v6)| {
                    RibRoute {
                        peer_index,
                        originated,
                        path_id,
                        attrs,
                        next_hop_v4: v4,
                        next_hop_v6: v6,
                    }
                });
            prop::collection::vec(route, 0..=8).prop_map(move |routes| RibCase {
                timestamp,
                collector_id,
                view_name: view_name.clone(),
                peers: peers.clone(),
                sequence,
                prefix,
                add_path,
                routes,
            })
        },
    )
}

/// The attribute block of a RIB route: IPv4 routes carry NEXT_HOP, IPv6
/// routes the abbreviated MP_REACH_NLRI (RFC 6396 §4.3.4).
fn rib_attrs(case: &RibCase, r: &RibRoute) -> Vec<u8> {
    let mut out = Vec::new();
    encode_attrs(&mut out, &r.attrs, AsnWidth::Four);
    match case.prefix.afi() {
        Afi::Ipv4 => attr::next_hop(&mut out, r.next_hop_v4),
        Afi::Ipv6 => attr::mp_reach_next_hop(&mut out, &r.next_hop_v6).unwrap(),
    }
    out
}

fn encode_rib_case(case: &RibCase) -> Vec<u8> {
    let mut out = Vec::new();
    encode::peer_index_table(
        &mut out,
        case.timestamp,
        case.collector_id,
        &case.view_name,
        &case.peers,
    )
    .unwrap();
    let blocks: Vec<Vec<u8>> = case.routes.iter().map(|r| rib_attrs(case, r)).collect();
    let entries: Vec<RibEntry<'_>> = case
        .routes
        .iter()
        .zip(&blocks)
        .map(|(r, block)| RibEntry {
            peer_index: r.peer_index,
            originated: r.originated,
            path_id: case.add_path.then_some(r.path_id),
            attributes: block,
        })
        .collect();
    encode::rib(
        &mut out,
        case.timestamp,
        case.sequence,
        &case.prefix,
        case.add_path,
        &entries,
    )
    .unwrap();
    out
}

/// One UPDATE as generated, with the session it was recorded on.
#[derive(Clone, Debug)]
struct UpdateCase {
    time: Time,
    session: Session,
    direction: Direction,
    withdrawn: Vec<Nlri>,
    announced: Vec<Nlri>,
    attrs: RouteAttrs,
    /// AS4_PATH, written for 2-byte sessions only.
    as4_path: Option<Path>,
    next_hop_v4: Ipv4Addr,
    next_hop_v6: Vec<u8>,
}

fn session() -> impl Strategy<Value = Session> {
    (width(), any::<bool>(), any::<u16>(), any::<bool>())
        .prop_flat_map(|(w, add_path, ifindex, v6)| {
            let addrs = if v6 {
                (ipv6().prop_map(IpAddr::V6), ipv6().prop_map(IpAddr::V6)).boxed()
            } else {
                (ipv4().prop_map(IpAddr::V4), ipv4().prop_map(IpAddr::V4)).boxed()
            };
            (Just((w, add_path, ifindex)), asn(w), asn(w), addrs)
        })
        .prop_map(
            |((asn_width, add_path, ifindex), peer_asn, local_asn, (peer_ip, local_ip))| Session {
                peer_asn,
                local_asn,
                ifindex,
                peer_ip,
                local_ip,
                asn_width,
                add_path,
            },
        )
}

fn time() -> impl Strategy<Value = Time> {
    (any::<u32>(), prop::option::of(0u32..1_000_000)).prop_map(|(seconds, microseconds)| Time {
        seconds,
        microseconds,
    })
}

fn nlri_list(add_path: bool) -> impl Strategy<Value = Vec<Nlri>> {
    let one = (any_prefix(), any::<u32>()).prop_map(move |(prefix, id)| Nlri {
        prefix,
        path_id: add_path.then_some(id),
    });
    prop::collection::vec(one, 0..=12)
}

fn update_case() -> impl Strategy<Value = UpdateCase> {
    (session(), time(), any::<bool>()).prop_flat_map(|(session, time, sent)| {
        let w = session.asn_width;
        let as4 = match w {
            AsnWidth::Two => prop::option::of(path(AsnWidth::Four)).boxed(),
            AsnWidth::Four => Just(None).boxed(),
        };
        (
            nlri_list(session.add_path),
            nlri_list(session.add_path),
            route_attrs(w),
            as4,
            ipv4(),
            v6_next_hop(),
        )
            .prop_map(
                move |(withdrawn, announced, attrs, as4_path, next_hop_v4, next_hop_v6)| {
                    UpdateCase {
                        time,
                        session,
                        direction: if sent {
                            Direction::Sent
                        } else {
                            Direction::Received
                        },
                        withdrawn,
                        announced,
                        attrs,
                        as4_path,
                        next_hop_v4,
                        next_hop_v6,
                    }
                },
            )
    })
}

fn of_family(list: &[Nlri], afi: Afi) -> Vec<Nlri> {
    list.iter()
        .copied()
        .filter(|n| n.prefix.afi() == afi)
        .collect()
}

/// IPv4 routes go in the UPDATE's own fields, IPv6 routes in
/// MP_REACH_NLRI / MP_UNREACH_NLRI (AFI 2, SAFI 1).
fn encode_update_case(case: &UpdateCase) -> Vec<u8> {
    let w = case.session.asn_width;
    let mut attrs = Vec::new();
    let v6_announced = of_family(&case.announced, Afi::Ipv6);
    let v6_withdrawn = of_family(&case.withdrawn, Afi::Ipv6);
    if !v6_announced.is_empty() {
        attr::mp_reach(&mut attrs, 2, 1, &case.next_hop_v6, &v6_announced).unwrap();
    }
    if !v6_withdrawn.is_empty() {
        attr::mp_unreach(&mut attrs, 2, 1, &v6_withdrawn).unwrap();
    }
    encode_attrs(&mut attrs, &case.attrs, w);
    attr::next_hop(&mut attrs, case.next_hop_v4);
    if let Some(p) = &case.as4_path {
        attr::as4_path(&mut attrs, &encode::segments_of(p)).unwrap();
    }
    let mut msg = Vec::new();
    encode::update(
        &mut msg,
        &of_family(&case.withdrawn, Afi::Ipv4),
        &attrs,
        &of_family(&case.announced, Afi::Ipv4),
    )
    .unwrap();
    let mut out = Vec::new();
    encode::bgp4mp_message(&mut out, case.time, &case.session, case.direction, &msg).unwrap();
    out
}

// ---------------------------------------------------------------------------
// Reading back.

/// Splits a buffer of whole records, asserting exact framing.
fn records(mut bytes: &[u8]) -> Vec<RawRecord<'_>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let header = Header::parse(bytes[..HEADER_LEN].try_into().unwrap());
        let end = HEADER_LEN + header.length as usize;
        assert!(end <= bytes.len(), "record length runs past the buffer");
        out.push(RawRecord::new(header, &bytes[HEADER_LEN..end]).unwrap());
        bytes = &bytes[end..];
    }
    out
}

/// One visited entry, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
struct GotEntry {
    source: Source,
    timestamp: u32,
    microseconds: Option<u32>,
    kind: EntryKind,
    peer_ip: Option<IpAddr>,
    peer_asn: u32,
    prefix: Option<Prefix>,
    path_id: Option<u32>,
    add_path: bool,
    sent: bool,
    next_hop: Option<IpAddr>,
    originated: Option<u32>,
    attrs: Option<GotAttrs>,
}

fn visit_all(raw: &RawRecord<'_>, peers: &mut PeerTable) -> (Vec<GotEntry>, Option<WireError>) {
    let mut got = Vec::new();
    let v = visit(raw, peers, |e| {
        got.push(GotEntry {
            source: e.source,
            timestamp: e.timestamp,
            microseconds: e.microseconds,
            kind: e.kind,
            peer_ip: e.peer_ip,
            peer_asn: e.peer_asn,
            prefix: e.prefix,
            path_id: e.path_id,
            add_path: e.add_path,
            sent: e.sent,
            next_hop: e.next_hop,
            originated: e.originated,
            attrs: e.attrs.map(got_attrs),
        })
    });
    assert_eq!(v.entries as usize, got.len());
    (got, v.error)
}

fn addr_of(nh: &[u8]) -> IpAddr {
    let global: [u8; 16] = nh[..16].try_into().unwrap();
    IpAddr::V6(Ipv6Addr::from(global))
}

// ---------------------------------------------------------------------------
// Decoders that must never panic and must agree with each other.

/// A peer table with every index, so RIB entries of random bytes reach
/// their attributes instead of stopping at an unknown peer.
fn full_peer_table() -> &'static PeerTable {
    static TABLE: OnceLock<PeerTable> = OnceLock::new();
    TABLE.get_or_init(|| PeerTable {
        collector_id: None,
        peers: (0..=u16::MAX)
            .map(|i| Peer {
                bgp_id: Ipv4Addr::from(u32::from(i)),
                addr: IpAddr::V4(Ipv4Addr::from(u32::from(i))),
                asn: u32::from(i),
            })
            .collect(),
    })
}

/// Runs every decoder on a record that may be damaged, and asserts that
/// they agree: a record `decode` rejects is rejected by `check` and by
/// `visit`; a record `check` accepts is visited without error (but for
/// peer indexes, which only `visit` can check). Returns
/// `check`'s verdict.
fn decode_everything(header: Header, payload: &[u8], peers: &PeerTable) -> Result<(), WireError> {
    let raw = RawRecord::new(header, payload)?;
    let decoded = raw.decode();
    let checked = raw.check();
    let mut table = peers.clone();
    let (entries, visit_error) = visit_all(&raw, &mut table);
    if let Err(e) = decoded {
        assert!(checked.is_err(), "check accepted what decode rejected: {e}");
        assert_eq!(visit_error, Some(e), "visit must report the decode error");
        assert!(entries.is_empty());
    }
    if checked.is_ok() {
        // `check` has no peer table, so only `visit` can find a RIB entry
        // naming a peer the table does not hold.
        let peer_error = visit_error.is_some_and(|e| {
            matches!(
                e.kind,
                ErrorKind::UnknownPeerIndex(_) | ErrorKind::MissingPeerIndexTable
            )
        });
        if !peer_error {
            assert_eq!(visit_error, None, "check accepted, visit failed");
        }
    }
    checked
}

// ---------------------------------------------------------------------------
// The properties.

proptest! {
    /// TABLE_DUMP_V2: peers, prefix, entries and every attribute come back.
    #[test]
    fn rib_records_round_trip(case in rib_case()) {
        let bytes = encode_rib_case(&case);
        let recs = records(&bytes);
        prop_assert_eq!(recs.len(), 2);

        // PEER_INDEX_TABLE.
        let Record::PeerIndexTable(pit) = recs[0].decode().unwrap() else {
            unreachable!("first record is the peer index table")
        };
        prop_assert_eq!(pit.collector_id, case.collector_id);
        prop_assert_eq!(pit.view_name, &case.view_name[..]);
        prop_assert_eq!(usize::from(pit.peer_count), case.peers.len());
        recs[0].check().unwrap();
        let mut peers = PeerTable::default();
        let (entries, error) = visit_all(&recs[0], &mut peers);
        prop_assert!(entries.is_empty());
        prop_assert_eq!(error, None);
        prop_assert_eq!(peers.collector_id, Some(case.collector_id));
        let want_peers: Vec<Peer> = case
            .peers
            .iter()
            .map(|p| Peer { bgp_id: p.bgp_id, addr: p.addr, asn: p.asn })
            .collect();
        prop_assert_eq!(&peers.peers, &want_peers);

        // RIB record.
        let raw = &recs[1];
        prop_assert_eq!(raw.header.timestamp, case.timestamp);
        let Record::Rib(rib) = raw.decode().unwrap() else {
            unreachable!("second record is a RIB record")
        };
        prop_assert_eq!(rib.sequence, case.sequence);
        prop_assert_eq!(rib.prefix, Some(case.prefix));
        prop_assert_eq!(rib.family, RibFamily::Plain { afi: case.prefix.afi(), multicast: false });
        prop_assert_eq!(rib.add_path, case.add_path);
        prop_assert_eq!(usize::from(rib.entry_count), case.routes.len());
        prop_assert_eq!(raw.check(), Ok(()));

        let (got, error) = visit_all(raw, &mut peers);
        prop_assert_eq!(error, None);
        let want: Vec<GotEntry> = case
            .routes
            .iter()
            .map(|r| {
                let peer = want_peers[usize::from(r.peer_index)];
                let (next_hop, attrs) = match case.prefix.afi() {
                    Afi::Ipv4 => (
                        IpAddr::V4(r.next_hop_v4),
                        expected_attrs(&r.attrs, None, Some(r.next_hop_v4), None, None),
                    ),
                    Afi::Ipv6 => (
                        addr_of(&r.next_hop_v6),
                        // The abbreviated form has no AFI/SAFI: both read as 0.
                        expected_attrs(&r.attrs, None, None, Some((0, 0, r.next_hop_v6.clone())), None),
                    ),
                };
                GotEntry {
                    source: Source::TableDumpV2,
                    timestamp: case.timestamp,
                    microseconds: None,
                    kind: EntryKind::Rib,
                    peer_ip: Some(peer.addr),
                    peer_asn: peer.asn,
                    prefix: Some(case.prefix),
                    path_id: case.add_path.then_some(r.path_id),
                    add_path: case.add_path,
                    sent: false,
                    next_hop: Some(next_hop),
                    originated: Some(r.originated),
                    attrs: Some(attrs),
                }
            })
            .collect();
        prop_assert_eq!(got, want);
    }

    /// BGP4MP(_ET) UPDATE: session, withdrawals, announcements (IPv4 in
    /// the UPDATE fields, IPv6 in MP attributes) and attributes come back.
    #[test]
    fn update_messages_round_trip(case in update_case()) {
        let bytes = encode_update_case(&case);
        let recs = records(&bytes);
        prop_assert_eq!(recs.len(), 1);
        let raw = &recs[0];
        let et = case.time.microseconds.is_some();
        prop_assert_eq!(raw.header.is_extended(), et);
        prop_assert_eq!(raw.header.timestamp, case.time.seconds);
        prop_assert_eq!(raw.microseconds, case.time.microseconds.unwrap_or(0));

        let Record::Message(m) = raw.decode().unwrap() else {
            unreachable!("an UPDATE record decodes as a message")
        };
        let s = &case.session;
        let sent = case.direction == Direction::Sent;
        prop_assert_eq!(
            (m.peer_asn, m.local_asn, m.ifindex, m.peer_ip, m.local_ip),
            (s.peer_asn, s.local_asn, s.ifindex, s.peer_ip, s.local_ip)
        );
        prop_assert_eq!((m.asn_width, m.add_path, m.sent), (s.asn_width, s.add_path, sent));
        prop_assert_eq!(m.msg_type, wire::bgp::msg_type::UPDATE);
        prop_assert_eq!(m.missing, 0);
        prop_assert_eq!(raw.check(), Ok(()));

        let (got, error) = visit_all(raw, &mut PeerTable::default());
        prop_assert_eq!(error, None);
        let v4_withdrawn = of_family(&case.withdrawn, Afi::Ipv4);
        let v6_withdrawn = of_family(&case.withdrawn, Afi::Ipv6);
        let v4_announced = of_family(&case.announced, Afi::Ipv4);
        let v6_announced = of_family(&case.announced, Afi::Ipv6);
        let attrs = expected_attrs(
            &case.attrs,
            case.as4_path.as_ref(),
            Some(case.next_hop_v4),
            (!v6_announced.is_empty()).then(|| (2, 1, case.next_hop_v6.clone())),
            (!v6_withdrawn.is_empty()).then_some((2, 1)),
        );
        let base = GotEntry {
            source: if et { Source::Bgp4mpEt } else { Source::Bgp4mp },
            timestamp: case.time.seconds,
            microseconds: case.time.microseconds,
            kind: EntryKind::Withdraw,
            peer_ip: Some(s.peer_ip),
            peer_asn: s.peer_asn,
            prefix: None,
            path_id: None,
            add_path: s.add_path,
            sent,
            next_hop: None,
            originated: None,
            attrs: None,
        };
        let withdraw = |n: &Nlri| GotEntry {
            prefix: Some(n.prefix),
            path_id: n.path_id,
            ..base.clone()
        };
        let announce = |n: &Nlri, next_hop: IpAddr| GotEntry {
            kind: EntryKind::Announce,
            prefix: Some(n.prefix),
            path_id: n.path_id,
            next_hop: Some(next_hop),
            attrs: Some(attrs.clone()),
            ..base.clone()
        };
        let want: Vec<GotEntry> = v4_withdrawn
            .iter()
            .chain(&v6_withdrawn)
            .map(withdraw)
            .chain(v4_announced.iter().map(|n| announce(n, IpAddr::V4(case.next_hop_v4))))
            .chain(v6_announced.iter().map(|n| announce(n, addr_of(&case.next_hop_v6))))
            .collect();
        prop_assert_eq!(got, want);
    }

    /// BGP4MP STATE_CHANGE(_AS4): every field comes back.
    #[test]
    fn state_changes_round_trip(s in session(), t in time(), old in 1u16..=6, new in 1u16..=6) {
        let mut out = Vec::new();
        encode::bgp4mp_state_change(&mut out, t, &s, old, new).unwrap();
        let recs = records(&out);
        prop_assert_eq!(recs.len(), 1);
        let Record::StateChange(sc) = recs[0].decode().unwrap() else {
            unreachable!("a state change record decodes as one")
        };
        prop_assert_eq!(
            (sc.peer_asn, sc.local_asn, sc.ifindex, sc.peer_ip, sc.local_ip),
            (s.peer_asn, s.local_asn, s.ifindex, Some(s.peer_ip), Some(s.local_ip))
        );
        prop_assert_eq!((sc.old_state, sc.new_state), (old, new));
        let (got, error) = visit_all(&recs[0], &mut PeerTable::default());
        prop_assert_eq!(error, None);
        prop_assert_eq!(got.len(), 1);
        prop_assert_eq!(got[0].kind, EntryKind::State { old, new });
        prop_assert_eq!(got[0].microseconds, t.microseconds);
    }

    /// OPEN: AS (through AS_TRANS and the 4-octet capability), hold time,
    /// identifier and ADD-PATH tuples come back, wrapped in BGP4MP.
    #[test]
    fn open_messages_round_trip(
        s in session(),
        asn in any::<u32>(),
        hold in any::<u16>(),
        id in ipv4(),
        tuples in prop::collection::vec((1u16..=2, 1u8..=2, 1u8..=3), 0..=4),
    ) {
        let caps = [
            encode::Capability::Multiprotocol { afi: 1, safi: 1 },
            encode::Capability::FourOctetAs(asn),
            encode::Capability::AddPath(&tuples),
        ];
        let mut msg = Vec::new();
        encode::open(&mut msg, asn, hold, id, &caps).unwrap();
        let mut out = Vec::new();
        encode::bgp4mp_message(&mut out, Time::seconds(0), &s, Direction::Received, &msg).unwrap();
        let recs = records(&out);
        prop_assert_eq!(recs[0].check(), Ok(()));
        let Record::Message(m) = recs[0].decode().unwrap() else {
            unreachable!("an OPEN record decodes as a message")
        };
        let wire::bgp::Message::Open(open) = m.message().unwrap() else {
            unreachable!("the message is an OPEN")
        };
        prop_assert_eq!(open.version, 4);
        prop_assert_eq!(u32::from(open.my_asn), if asn > 0xffff { 23456 } else { asn });
        prop_assert_eq!(open.asn(), asn);
        prop_assert_eq!(open.hold_time, hold);
        prop_assert_eq!(open.bgp_id, id);
        prop_assert_eq!(open.add_path().collect::<Vec<_>>(), tuples);
    }

    /// Random headers and bodies: no decoder panics, and they agree.
    #[test]
    fn random_records_never_panic(
        mrt_type in prop_oneof![Just(5u16), Just(12), Just(13), Just(16), Just(17), any::<u16>()],
        subtype in prop_oneof![0u16..=12, any::<u16>()],
        timestamp in any::<u32>(),
        body in prop::collection::vec(any::<u8>(), 0..=600),
    ) {
        let header = Header {
            timestamp,
            mrt_type,
            subtype,
            length: u32::try_from(body.len()).unwrap(),
        };
        let verdict = decode_everything(header, &body, full_peer_table());
        // Unknown types are not decoded, so nothing can be wrong with them.
        if ![5, 12, 13, 16, 17].contains(&mrt_type) {
            prop_assert_eq!(verdict, Ok(()));
        }
    }

    /// Every truncation of a valid record is rejected by `check` (state
    /// changes excepted: a cut one can be a valid short Zebra record), and
    /// `visit` either reports an error or delivers fewer entries.
    #[test]
    fn truncated_records_are_rejected(
        rib in rib_case(),
        update in update_case(),
    ) {
        let mut bytes = encode_rib_case(&rib);
        bytes.extend(encode_update_case(&update));
        let recs = records(&bytes);
        let mut peers = PeerTable::default();
        for raw in &recs {
            let table = peers.clone();
            let (full, error) = visit_all(raw, &mut peers);
            prop_assert_eq!(error, None);
            let mut payload = Vec::new();
            if raw.header.is_extended() {
                payload.extend_from_slice(&raw.microseconds.to_be_bytes());
            }
            payload.extend_from_slice(raw.body);
            for cut in 0..payload.len() {
                let header = Header { length: u32::try_from(cut).unwrap(), ..raw.header };
                let verdict = decode_everything(header, &payload[..cut], &table);
                prop_assert!(verdict.is_err(), "cut at {} of {} accepted", cut, payload.len());
                if let Ok(short) = RawRecord::new(header, &payload[..cut]) {
                    let (got, error) = visit_all(&short, &mut table.clone());
                    prop_assert!(
                        error.is_some() || got.len() < full.len(),
                        "cut at {} of {} visited as whole", cut, payload.len()
                    );
                }
            }
        }
    }

    /// Valid records with random bytes overwritten: no decoder panics, and
    /// they agree.
    #[test]
    fn mutated_records_never_panic(
        rib in rib_case(),
        update in update_case(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..=6),
    ) {
        let mut bytes = encode_rib_case(&rib);
        bytes.extend(encode_update_case(&update));
        let table = {
            let recs = records(&bytes);
            let mut peers = PeerTable::default();
            visit_all(&recs[0], &mut peers);
            peers
        };
        let spans: Vec<(Header, std::ops::Range<usize>)> = {
            let mut at = 0;
            records(&bytes)
                .iter()
                .map(|r| {
                    let start = at + HEADER_LEN;
                    at = start + r.header.length as usize;
                    (r.header, start..at)
                })
                .collect()
        };
        for (header, span) in spans {
            let mut payload = bytes[span].to_vec();
            for (index, value) in &edits {
                let i = index.index(payload.len());
                payload[i] = *value;
            }
            let _ = decode_everything(header, &payload, &table);
        }
    }
}

/// Two-byte sessions with a 4-byte AS in the path: the encoder refuses
/// instead of writing a wrong AS, and the buffer is left untouched.
#[test]
fn two_byte_session_refuses_wide_asns() {
    let mut out = vec![7u8];
    let err = attr::as_path(
        &mut out,
        &[(SegmentKind::Sequence, &[4837, 131_279])],
        AsnWidth::Two,
    );
    assert_eq!(err, Err(encode::EncodeError::AsnTooWide(131_279)));
    assert_eq!(out, [7]);
    let s = Session {
        peer_asn: 131_279,
        local_asn: 6447,
        ifindex: 0,
        peer_ip: "175.45.176.1".parse().unwrap(),
        local_ip: "128.223.51.102".parse().unwrap(),
        asn_width: AsnWidth::Two,
        add_path: false,
    };
    let mut msg = Vec::new();
    encode::keepalive(&mut msg);
    assert!(
        encode::bgp4mp_message(&mut out, Time::seconds(0), &s, Direction::Received, &msg).is_err()
    );
    assert_eq!(out, [7]);
}

/// Peer and local addresses of different families cannot share a record.
#[test]
fn mixed_families_are_refused() {
    let s = Session {
        peer_asn: 1,
        local_asn: 2,
        ifindex: 0,
        peer_ip: "192.0.2.1".parse().unwrap(),
        local_ip: "2001:db8::1".parse().unwrap(),
        asn_width: AsnWidth::Four,
        add_path: false,
    };
    let mut out = Vec::new();
    assert_eq!(
        encode::bgp4mp_state_change(&mut out, Time::seconds(0), &s, 1, 6),
        Err(encode::EncodeError::WrongFamily)
    );
    assert!(out.is_empty());
}
