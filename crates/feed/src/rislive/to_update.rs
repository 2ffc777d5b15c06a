//! From a RIS Live `ris_message` to what the route table takes: the bytes
//! of BGP UPDATE messages, decoded downstream by `wire` exactly as the
//! UPDATEs of MRT archives and BMP are, or a peer going up or down. The
//! second step of the RIS Live source, after [`super::protocol`].
//!
//! The UPDATEs are written with 4-byte AS numbers and without ADD-PATH,
//! IPv4 routes in the classic fields and IPv6 ones in MP_REACH_NLRI and
//! MP_UNREACH_NLRI. When the message carries its original bytes (`raw`,
//! with `includeRaw`) and they read as a 4-byte UPDATE with the same path,
//! those are used instead: they hold every attribute, not only the ones
//! the JSON names.

use core::fmt;
use std::net::IpAddr;

use wire::aspath::SegmentKind;
use wire::attr::{AttrContext, Origin};
use wire::bgp::Message;
use wire::encode::{self, attr, EncodeError};
use wire::event::EventKind;
use wire::{Afi, AsnWidth, Nlri, Prefix, Reader};

use super::protocol::{Announcement, MessageKind, PathElement, RisMessage};

/// Most AS numbers one AS_PATH segment holds (its count is one byte).
const MAX_SEGMENT: usize = 255;
/// SAFI of unicast routes.
const UNICAST: u8 = 1;

/// What a `ris_message` means for the route table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Converted {
    /// Whole BGP UPDATE messages (header included), in the order to apply
    /// them. Several when the routes had several next hops or families.
    Updates(Vec<Vec<u8>>),
    /// The collector's session with the peer went up or down.
    Peer(PeerChange),
    /// Nothing for the route table: OPEN, KEEPALIVE, NOTIFICATION (the
    /// session's end comes as a peer state), other peer states, an UPDATE
    /// without routes.
    Nothing,
}

/// A RIS_PEER_STATE that matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerChange {
    /// `connected`: the session is established.
    Up,
    /// `down`: the session is gone, and with it all the peer's routes.
    Down,
}

impl PeerChange {
    /// The route event it is.
    pub fn event_kind(self) -> EventKind {
        match self {
            PeerChange::Up => EventKind::PeerUp,
            PeerChange::Down => EventKind::PeerDown,
        }
    }
}

/// Why a `ris_message` could not be turned into UPDATEs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertError(pub String);

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConvertError {}

impl From<EncodeError> for ConvertError {
    fn from(e: EncodeError) -> ConvertError {
        ConvertError(e.to_string())
    }
}

/// Turns one `ris_message` into UPDATE bytes or a peer change.
pub fn convert(message: &RisMessage) -> Result<Converted, ConvertError> {
    match message.kind {
        MessageKind::Update => {
            if let Some(raw) = raw_update(message) {
                return Ok(Converted::Updates(vec![raw]));
            }
            let updates = updates(message)?;
            Ok(if updates.is_empty() {
                Converted::Nothing
            } else {
                Converted::Updates(updates)
            })
        }
        MessageKind::PeerState => Ok(match message.state.as_deref() {
            Some("connected") => Converted::Peer(PeerChange::Up),
            Some("down") => Converted::Peer(PeerChange::Down),
            _ => Converted::Nothing,
        }),
        _ => Ok(Converted::Nothing),
    }
}

/// The message's original bytes, when it has them and they are an UPDATE
/// readable with 4-byte AS numbers whose path is the JSON's: a peer whose
/// session uses 2-byte AS numbers sends bytes that would be misread, and
/// the JSON (already merged with AS4_PATH by the server) is used instead.
fn raw_update(message: &RisMessage) -> Option<Vec<u8>> {
    let bytes = hex(message.raw.as_deref()?)?;
    let mut reader = Reader::new(&bytes);
    let Ok(Message::Update(update)) = Message::read(&mut reader) else {
        return None;
    };
    let ctx = AttrContext {
        asn_width: AsnWidth::Four,
        add_path: false,
        rib: false,
    };
    let attrs = update.attributes(ctx);
    if attrs.error.is_some() || !reader.is_empty() {
        return None;
    }
    let raw_path: Vec<u32> = attrs.path().map(|p| p.asns().collect()).unwrap_or_default();
    let json_path: Vec<u32> = message
        .path
        .iter()
        .flatten()
        .flat_map(|e| match e {
            PathElement::Asn(asn) => vec![*asn],
            PathElement::Set(set) => set.clone(),
        })
        .collect();
    (raw_path == json_path).then_some(bytes)
}

/// Hex text to bytes; `None` for odd lengths or other characters.
fn hex(text: &str) -> Option<Vec<u8>> {
    let pairs = text.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    pairs
        .map(|pair| {
            let pair = core::str::from_utf8(pair).ok()?;
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

/// The UPDATEs a message's JSON describes: its withdrawals first (the
/// order BGP applies them in one UPDATE), then one UPDATE per next hop and
/// family of its announcements.
fn updates(message: &RisMessage) -> Result<Vec<Vec<u8>>, ConvertError> {
    let mut out = Vec::new();
    let withdrawn = message
        .withdrawals
        .iter()
        .map(|p| prefix(p))
        .collect::<Result<Vec<_>, _>>()?;
    if !withdrawn.is_empty() {
        out.push(withdraw(&withdrawn)?);
    }
    if message.announcements.is_empty() {
        return Ok(out);
    }
    let mut head = Vec::new();
    if let Some(origin) = &message.origin {
        attr::origin(&mut head, parse_origin(origin)?);
    }
    let path = segments(message.path.as_deref().unwrap_or_default())?;
    attr::as_path(&mut head, &encode::segments_of(&path), AsnWidth::Four)?;
    let mut communities = Vec::new();
    if !message.community.is_empty() {
        let values = message
            .community
            .iter()
            .map(|&pair| community(pair))
            .collect::<Result<Vec<_>, _>>()?;
        attr::communities(&mut communities, &values)?;
    }
    for announcement in &message.announcements {
        announce(&mut out, &head, &communities, announcement)?;
    }
    Ok(out)
}

/// One UPDATE withdrawing `prefixes`: IPv4 in the classic field, IPv6 in
/// MP_UNREACH_NLRI.
fn withdraw(prefixes: &[Prefix]) -> Result<Vec<u8>, ConvertError> {
    let (v4, v6) = by_family(prefixes);
    let mut attrs = Vec::new();
    if !v6.is_empty() {
        attr::mp_unreach(&mut attrs, Afi::Ipv6.code(), UNICAST, &v6)?;
    }
    let mut out = Vec::new();
    encode::update(&mut out, &v4, &attrs, &[])?;
    Ok(out)
}

/// Appends the UPDATEs of one announcement to `out`: one per family, as
/// one UPDATE holds one MP_REACH_NLRI. Attributes in type-code order:
/// `head` (ORIGIN, AS_PATH), NEXT_HOP, `communities`, MP_REACH_NLRI.
fn announce(
    out: &mut Vec<Vec<u8>>,
    head: &[u8],
    communities: &[u8],
    announcement: &Announcement,
) -> Result<(), ConvertError> {
    let hops = announcement
        .next_hop
        .split(',')
        .map(|a| {
            a.trim()
                .parse::<IpAddr>()
                .map_err(|_| ConvertError(format!("bad next hop `{}`", announcement.next_hop)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let prefixes = announcement
        .prefixes
        .iter()
        .map(|p| prefix(p))
        .collect::<Result<Vec<_>, _>>()?;
    let (v4, v6) = by_family(&prefixes);
    for (afi, nlri) in [(Afi::Ipv4, v4), (Afi::Ipv6, v6)] {
        if nlri.is_empty() {
            continue;
        }
        let mut attrs = head.to_vec();
        let mut classic: &[Nlri] = &[];
        match (afi, hops.as_slice()) {
            (Afi::Ipv4, [IpAddr::V4(hop)]) => {
                attr::next_hop(&mut attrs, *hop);
                attrs.extend_from_slice(communities);
                classic = &nlri;
            }
            // IPv6 routes, and IPv4 routes over an IPv6 next hop (RFC 8950).
            (_, [IpAddr::V6(_), ..]) => {
                attrs.extend_from_slice(communities);
                let mut next_hop = Vec::new();
                for hop in &hops {
                    match hop {
                        IpAddr::V6(a) => next_hop.extend_from_slice(&a.octets()),
                        IpAddr::V4(_) => return Err(mixed_next_hop(announcement)),
                    }
                }
                attr::mp_reach(&mut attrs, afi.code(), UNICAST, &next_hop, &nlri)?;
            }
            _ => return Err(mixed_next_hop(announcement)),
        }
        let mut update = Vec::new();
        encode::update(&mut update, &[], &attrs, classic)?;
        out.push(update);
    }
    Ok(())
}

fn mixed_next_hop(announcement: &Announcement) -> ConvertError {
    ConvertError(format!(
        "next hop `{}` does not fit the family of its prefixes",
        announcement.next_hop
    ))
}

fn prefix(text: &str) -> Result<Prefix, ConvertError> {
    text.parse()
        .map_err(|_| ConvertError(format!("bad prefix `{text}`")))
}

/// Splits prefixes into IPv4 and IPv6 NLRI (no path ids: RIS Live has
/// none).
fn by_family(prefixes: &[Prefix]) -> (Vec<Nlri>, Vec<Nlri>) {
    let nlri = |p: &Prefix| Nlri {
        prefix: *p,
        path_id: None,
    };
    let v4 = prefixes.iter().filter(|p| p.afi() == Afi::Ipv4).map(nlri);
    let v6 = prefixes.iter().filter(|p| p.afi() == Afi::Ipv6).map(nlri);
    (v4.collect(), v6.collect())
}

fn parse_origin(text: &str) -> Result<Origin, ConvertError> {
    match text.to_ascii_uppercase().as_str() {
        "IGP" => Ok(Origin::Igp),
        "EGP" => Ok(Origin::Egp),
        "INCOMPLETE" => Ok(Origin::Incomplete),
        _ => Err(ConvertError(format!("bad origin `{text}`"))),
    }
}

/// AS_PATH segments from the JSON path: runs of plain AS numbers become
/// sequences (split every 255), nested lists sets.
fn segments(path: &[PathElement]) -> Result<Vec<(SegmentKind, Vec<u32>)>, ConvertError> {
    let mut out: Vec<(SegmentKind, Vec<u32>)> = Vec::new();
    for element in path {
        match element {
            PathElement::Asn(asn) => match out.last_mut() {
                Some((SegmentKind::Sequence, run)) if run.len() < MAX_SEGMENT => run.push(*asn),
                _ => out.push((SegmentKind::Sequence, vec![*asn])),
            },
            PathElement::Set(set) if set.len() > MAX_SEGMENT => {
                return Err(ConvertError(format!(
                    "AS_SET of {} AS numbers (at most {MAX_SEGMENT})",
                    set.len()
                )));
            }
            PathElement::Set(set) => out.push((SegmentKind::Set, set.clone())),
        }
    }
    Ok(out)
}

/// A `[asn, value]` community as its 32-bit value.
fn community([asn, value]: [u32; 2]) -> Result<u32, ConvertError> {
    match (u16::try_from(asn), u16::try_from(value)) {
        (Ok(a), Ok(v)) => Ok(u32::from(a) << 16 | u32::from(v)),
        _ => Err(ConvertError(format!("bad community [{asn}, {value}]"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rislive::protocol::{parse, ServerMessage};

    fn message(data: &str) -> RisMessage {
        let text = format!(r#"{{"type":"ris_message","data":{data}}}"#);
        match parse(&text).unwrap() {
            ServerMessage::Message(m) => *m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn peer_states_map_to_up_and_down() {
        let base = r#""timestamp":1,"peer":"192.0.2.1","peer_asn":"1","host":"rrc00","type":"RIS_PEER_STATE""#;
        let up = message(&format!(r#"{{{base},"state":"connected"}}"#));
        assert_eq!(convert(&up).unwrap(), Converted::Peer(PeerChange::Up));
        let down = message(&format!(r#"{{{base},"state":"down"}}"#));
        assert_eq!(convert(&down).unwrap(), Converted::Peer(PeerChange::Down));
        assert_eq!(PeerChange::Down.event_kind(), EventKind::PeerDown);
    }

    #[test]
    fn raw_bytes_are_preferred_when_they_match() {
        let mut attrs = Vec::new();
        attr::origin(&mut attrs, Origin::Igp);
        attr::as_path(
            &mut attrs,
            &[(SegmentKind::Sequence, &[64496, 4_200_000_000])],
            AsnWidth::Four,
        )
        .unwrap();
        attr::next_hop(&mut attrs, "192.0.2.1".parse().unwrap());
        attr::med(&mut attrs, 7);
        let nlri = [Nlri {
            prefix: "198.51.100.0/24".parse().unwrap(),
            path_id: None,
        }];
        let mut raw = Vec::new();
        encode::update(&mut raw, &[], &attrs, &nlri).unwrap();
        let hex: String = raw.iter().map(|b| format!("{b:02X}")).collect();
        let data = |path: &str| {
            format!(
                r#"{{"timestamp":1,"peer":"192.0.2.1","peer_asn":"64496","host":"rrc00",
                "type":"UPDATE","path":{path},"origin":"IGP","raw":"{hex}",
                "announcements":[{{"next_hop":"192.0.2.1","prefixes":["198.51.100.0/24"]}}]}}"#
            )
        };
        let same = message(&data("[64496,4200000000]"));
        assert_eq!(
            convert(&same).unwrap(),
            Converted::Updates(vec![raw.clone()])
        );
        // A path that disagrees (a 2-byte session's bytes) falls back to the
        // JSON, which has no MED.
        let other = message(&data("[64496,64497]"));
        let Converted::Updates(built) = convert(&other).unwrap() else {
            panic!("no update")
        };
        assert_eq!(built.len(), 1);
        assert_ne!(built[0], raw);
    }

    #[test]
    fn sets_and_ipv6_round_trip_through_wire() {
        let m = message(
            r#"{"timestamp":1,"peer":"2001:db8::1","peer_asn":64496,"host":"rrc00",
            "type":"UPDATE","path":[64496,[64501,64502]],"origin":"incomplete",
            "announcements":[{"next_hop":"2001:db8::1,fe80::1","prefixes":["2001:db8:1::/48","198.51.100.0/24"]}],
            "withdrawals":["2001:db8:2::/48","203.0.113.0/24"]}"#,
        );
        let Converted::Updates(updates) = convert(&m).unwrap() else {
            panic!("no update")
        };
        let ctx = AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        };
        let mut seen = Vec::new();
        for bytes in &updates {
            let Ok(Message::Update(u)) = Message::read(&mut Reader::new(bytes)) else {
                panic!("not an update")
            };
            let attrs = u.attributes(ctx);
            assert_eq!(attrs.error, None);
            wire::changes::walk(&u, &attrs, false, &mut 0, |c| seen.push(c)).unwrap();
            if let Some(path) = attrs.path() {
                let kinds: Vec<_> = path.segments().map(|s| s.kind).collect();
                assert_eq!(kinds, [SegmentKind::Sequence, SegmentKind::Set]);
                assert_eq!(attrs.origin, Some(Origin::Incomplete));
            }
        }
        use wire::changes::Change::{Announce, Withdraw};
        let nlri = |p: &str| Nlri {
            prefix: p.parse().unwrap(),
            path_id: None,
        };
        let hop = Some("2001:db8::1".parse().unwrap());
        assert_eq!(
            seen,
            [
                Withdraw(nlri("203.0.113.0/24")),
                Withdraw(nlri("2001:db8:2::/48")),
                // IPv4 over an IPv6 next hop (RFC 8950), then IPv6.
                Announce(nlri("198.51.100.0/24"), hop),
                Announce(nlri("2001:db8:1::/48"), hop),
            ]
        );
    }

    #[test]
    fn bad_fields_are_errors() {
        let base =
            r#""timestamp":1,"peer":"192.0.2.1","peer_asn":"1","host":"rrc00","type":"UPDATE""#;
        for extra in [
            r#""withdrawals":["10.0.0.0/33"]"#,
            r#""announcements":[{"next_hop":"x","prefixes":["10.0.0.0/8"]}]"#,
            r#""announcements":[{"next_hop":"192.0.2.1","prefixes":["2001:db8::/32"]}]"#,
            r#""origin":"MAYBE","announcements":[{"next_hop":"192.0.2.1","prefixes":["10.0.0.0/8"]}]"#,
            r#""community":[[70000,1]],"announcements":[{"next_hop":"192.0.2.1","prefixes":["10.0.0.0/8"]}]"#,
        ] {
            let m = message(&format!("{{{base},{extra}}}"));
            assert!(convert(&m).is_err(), "{extra}");
        }
        let empty = message(&format!("{{{base}}}"));
        assert_eq!(convert(&empty).unwrap(), Converted::Nothing);
    }
}
