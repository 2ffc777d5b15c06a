//! Encoding of MRT records (RFC 6396, RFC 8050) and the BGP messages they
//! carry (RFC 4271, 4760, 6793, 7911): the mirror image of the decoders,
//! for round-trip tests, synthetic scenarios and benchmark tables, and
//! export.
//!
//! Everything appends to a caller's `Vec<u8>`, so one buffer can be reused
//! for millions of records. Length fields are written as placeholders and
//! filled in once their body is written. Nothing here panics: a value that
//! does not fit its field (a segment of 300 AS numbers, a 4-byte AS number
//! in a 2-byte encoding) is an [`EncodeError`], and then the buffer is left
//! exactly as it was before the call.
//!
//! The encoder writes what it is told, in the order it is told: it does
//! not sort attributes, add mandatory ones or check that a message makes
//! sense as BGP, so tests can also build the odd inputs real archives hold.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr};

use crate::aspath::{SegmentKind, AS_TRANS};
use crate::bgp::msg_type;
use crate::mrt::{bgp4mp, mrt_type, td2, Header};
use crate::prefix::{Afi, Nlri, Prefix};
use crate::reader::AsnWidth;

pub mod bmp;

/// Why something could not be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// A length or count field cannot hold the value it has to count.
    TooLong {
        /// The field (e.g. `"attribute"`, `"AS_PATH segment"`).
        field: &'static str,
        /// The length or count to be written.
        len: usize,
        /// The largest the field can hold.
        max: usize,
    },
    /// An AS number above 65535 where the encoding has 2-byte AS numbers
    /// (a 2-byte speaker writes `AS_TRANS` instead, RFC 6793).
    AsnTooWide(u32),
    /// An address or prefix of another family than the field holds, or
    /// two addresses of one record that differ in family.
    WrongFamily,
    /// A path id given where the format has none, or missing where the
    /// format needs one (RFC 8050 RIB entries).
    PathIdMismatch,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EncodeError::TooLong { field, len, max } => {
                write!(
                    f,
                    "{field} of {len} does not fit its length field (at most {max})"
                )
            }
            EncodeError::AsnTooWide(asn) => {
                write!(f, "AS{asn} does not fit a 2-byte AS number")
            }
            EncodeError::WrongFamily => f.write_str("address or prefix of the wrong family"),
            EncodeError::PathIdMismatch => {
                f.write_str("path ids must be given exactly when ADD-PATH is in use")
            }
        }
    }
}

impl std::error::Error for EncodeError {}

/// Runs `f`, and on error takes `out` back to where it was, so a failed
/// call never leaves half a record behind.
fn undo_on_error<T>(
    out: &mut Vec<u8>,
    f: impl FnOnce(&mut Vec<u8>) -> Result<T, EncodeError>,
) -> Result<T, EncodeError> {
    let start = out.len();
    let result = f(out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Reserves a `width`-byte length field and returns its position.
fn placeholder(out: &mut Vec<u8>, width: usize) -> usize {
    let at = out.len();
    out.resize(at + width, 0);
    at
}

/// Writes `len` big-endian into the `width` (1, 2 or 4) bytes at `at`.
fn patch(
    out: &mut [u8],
    at: usize,
    width: usize,
    len: usize,
    field: &'static str,
) -> Result<(), EncodeError> {
    let max = match width {
        1 => usize::from(u8::MAX),
        2 => usize::from(u16::MAX),
        _ => usize::try_from(u32::MAX).unwrap_or(usize::MAX),
    };
    let too_long = EncodeError::TooLong { field, len, max };
    if len > max {
        return Err(too_long);
    }
    let bytes = u32::try_from(len).map_err(|_| too_long)?.to_be_bytes();
    let src = bytes
        .get(4usize.saturating_sub(width)..)
        .unwrap_or_default();
    if let Some(dst) = out.get_mut(at..at + width) {
        dst.copy_from_slice(src);
    }
    Ok(())
}

/// Length of what was written after a `width`-byte field at `at`.
fn written_since(out: &[u8], at: usize, width: usize) -> usize {
    out.len().saturating_sub(at + width)
}

/// A count as the `u8` or `u16` field that holds it.
fn count<T: TryFrom<usize>>(len: usize, field: &'static str, max: T) -> Result<T, EncodeError>
where
    usize: From<T>,
{
    T::try_from(len).map_err(|_| EncodeError::TooLong {
        field,
        len,
        max: usize::from(max),
    })
}

fn push_asn(out: &mut Vec<u8>, asn: u32, width: AsnWidth) -> Result<(), EncodeError> {
    match width {
        AsnWidth::Two => {
            let two = u16::try_from(asn).map_err(|_| EncodeError::AsnTooWide(asn))?;
            out.extend_from_slice(&two.to_be_bytes());
        }
        AsnWidth::Four => out.extend_from_slice(&asn.to_be_bytes()),
    }
    Ok(())
}

fn push_addr(out: &mut Vec<u8>, addr: IpAddr) {
    match addr {
        IpAddr::V4(a) => out.extend_from_slice(&a.octets()),
        IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
    }
}

fn afi_of(addr: IpAddr) -> Afi {
    match addr {
        IpAddr::V4(_) => Afi::Ipv4,
        IpAddr::V6(_) => Afi::Ipv6,
    }
}

/// Appends a prefix in NLRI form: the length in bits, then only the
/// `ceil(len / 8)` address bytes that hold it (RFC 4271 §4.3). Bits after
/// the mask inside the last byte are written as the prefix holds them.
pub fn prefix(out: &mut Vec<u8>, prefix: &Prefix) {
    let bytes = usize::from(prefix.len()).div_ceil(8);
    out.push(prefix.len());
    out.extend_from_slice(prefix.addr_bytes().get(..bytes).unwrap_or_default());
}

/// Appends one NLRI: the path id first when it has one (RFC 7911 §3),
/// then the prefix. An ADD-PATH session needs a path id on every NLRI.
pub fn nlri(out: &mut Vec<u8>, nlri: &Nlri) {
    if let Some(id) = nlri.path_id {
        out.extend_from_slice(&id.to_be_bytes());
    }
    prefix(out, &nlri.prefix);
}

fn nlri_list(out: &mut Vec<u8>, list: &[Nlri], afi: Option<Afi>) -> Result<(), EncodeError> {
    for n in list {
        if afi.is_some_and(|afi| n.prefix.afi() != afi) {
            return Err(EncodeError::WrongFamily);
        }
        nlri(out, n);
    }
    Ok(())
}

/// Path attributes (RFC 4271 §4.3 and §5, RFC 4760, RFC 6793, RFC 1997,
/// RFC 4360, RFC 8092), each appended whole: flags, type code, length and
/// value. The flags are the ones the RFCs give each attribute; the length
/// takes two bytes (extended-length flag) only when the value is longer
/// than 255 bytes, as speakers do. The block goes into [`update`] or a
/// [`RibEntry`].
pub mod attr {
    use std::net::Ipv4Addr;

    use super::{nlri_list, patch, push_asn, undo_on_error, written_since, EncodeError};
    use crate::aspath::SegmentKind;
    use crate::attr::{code, flag, Aggregator, Origin};
    use crate::prefix::{Afi, Nlri};
    use crate::reader::AsnWidth;

    /// Well-known attributes: mandatory or discretionary, always transitive.
    const WELL_KNOWN: u8 = flag::TRANSITIVE;
    /// Optional transitive attributes.
    const OPTIONAL_TRANSITIVE: u8 = flag::OPTIONAL | flag::TRANSITIVE;
    /// Optional non-transitive attributes.
    const OPTIONAL: u8 = flag::OPTIONAL;

    /// Appends an attribute whose value `body` writes. The length byte is
    /// widened to two once the value turns out longer than 255 bytes: it
    /// is not known before, and widening in place keeps callers simple.
    fn attribute(
        out: &mut Vec<u8>,
        flags: u8,
        type_code: u8,
        body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        undo_on_error(out, |out| {
            let flags_at = out.len();
            out.push(flags);
            out.push(type_code);
            let mut width = if flags & flag::EXTENDED_LENGTH != 0 {
                2
            } else {
                1
            };
            let len_at = super::placeholder(out, width);
            body(out)?;
            let len = written_since(out, len_at, width);
            if width == 1 && len > usize::from(u8::MAX) {
                out.insert(len_at, 0);
                width = 2;
                if let Some(f) = out.get_mut(flags_at) {
                    *f |= flag::EXTENDED_LENGTH;
                }
            }
            patch(out, len_at, width, len, "attribute")
        })
    }

    /// An attribute with a short value that always fits one length byte.
    fn fixed<const N: usize>(out: &mut Vec<u8>, flags: u8, type_code: u8, value: [u8; N]) {
        // N is at most 8 at every call site below.
        out.extend_from_slice(&[flags, type_code, u8::try_from(N).unwrap_or(u8::MAX)]);
        out.extend_from_slice(&value);
    }

    /// Appends any attribute as given: `flags` (the extended-length bit is
    /// added when the value needs it, and kept when given, so both length
    /// forms can be produced), `type_code` and `value`. For attributes this
    /// module has no function for, and for malformed ones in tests.
    pub fn raw(
        out: &mut Vec<u8>,
        flags: u8,
        type_code: u8,
        value: &[u8],
    ) -> Result<(), EncodeError> {
        attribute(out, flags, type_code, |out| {
            out.extend_from_slice(value);
            Ok(())
        })
    }

    /// Appends ORIGIN.
    pub fn origin(out: &mut Vec<u8>, origin: Origin) {
        fixed(out, WELL_KNOWN, code::ORIGIN, [origin.code()]);
    }

    fn segments(
        out: &mut Vec<u8>,
        segments: &[(SegmentKind, &[u32])],
        width: AsnWidth,
    ) -> Result<(), EncodeError> {
        for &(kind, asns) in segments {
            let n = super::count(asns.len(), "AS_PATH segment", u8::MAX)?;
            out.push(kind.code());
            out.push(n);
            for &asn in asns {
                push_asn(out, asn, width)?;
            }
        }
        Ok(())
    }

    /// Appends AS_PATH: `segments` in order, AS numbers of `width` bytes
    /// (the session's; always four in TABLE_DUMP_V2). A segment holds at
    /// most 255 AS numbers; longer sequences must be split by the caller.
    pub fn as_path(
        out: &mut Vec<u8>,
        segments: &[(SegmentKind, &[u32])],
        width: AsnWidth,
    ) -> Result<(), EncodeError> {
        attribute(out, WELL_KNOWN, code::AS_PATH, |out| {
            self::segments(out, segments, width)
        })
    }

    /// Appends the two attributes every route needs, ORIGIN (IGP) and an
    /// AS_PATH of one sequence of 4-byte AS numbers: routes of tests,
    /// benchmarks and synthetic tables.
    pub fn route(out: &mut Vec<u8>, path: &[u32]) -> Result<(), EncodeError> {
        origin(out, Origin::Igp);
        as_path(out, &[(SegmentKind::Sequence, path)], AsnWidth::Four)
    }

    /// Appends AS4_PATH (RFC 6793): the true path beside the AS_PATH of a
    /// 2-byte speaker, always with 4-byte AS numbers.
    pub fn as4_path(
        out: &mut Vec<u8>,
        segments: &[(SegmentKind, &[u32])],
    ) -> Result<(), EncodeError> {
        attribute(out, OPTIONAL_TRANSITIVE, code::AS4_PATH, |out| {
            self::segments(out, segments, AsnWidth::Four)
        })
    }

    /// Appends NEXT_HOP (IPv4 routes outside MP_REACH_NLRI).
    pub fn next_hop(out: &mut Vec<u8>, addr: Ipv4Addr) {
        fixed(out, WELL_KNOWN, code::NEXT_HOP, addr.octets());
    }

    /// Appends MULTI_EXIT_DISC.
    pub fn med(out: &mut Vec<u8>, med: u32) {
        fixed(out, OPTIONAL, code::MULTI_EXIT_DISC, med.to_be_bytes());
    }

    /// Appends LOCAL_PREF.
    pub fn local_pref(out: &mut Vec<u8>, local_pref: u32) {
        fixed(out, WELL_KNOWN, code::LOCAL_PREF, local_pref.to_be_bytes());
    }

    /// Appends ATOMIC_AGGREGATE (no value).
    pub fn atomic_aggregate(out: &mut Vec<u8>) {
        fixed(out, WELL_KNOWN, code::ATOMIC_AGGREGATE, []);
    }

    /// Appends AGGREGATOR with an AS number of `width` bytes.
    pub fn aggregator(
        out: &mut Vec<u8>,
        aggregator: Aggregator,
        width: AsnWidth,
    ) -> Result<(), EncodeError> {
        attribute(out, OPTIONAL_TRANSITIVE, code::AGGREGATOR, |out| {
            push_asn(out, aggregator.asn, width)?;
            out.extend_from_slice(&aggregator.addr.octets());
            Ok(())
        })
    }

    /// Appends AS4_AGGREGATOR (RFC 6793).
    pub fn as4_aggregator(out: &mut Vec<u8>, aggregator: Aggregator) {
        let [a, b, c, d] = aggregator.asn.to_be_bytes();
        let [e, f, g, h] = aggregator.addr.octets();
        fixed(
            out,
            OPTIONAL_TRANSITIVE,
            code::AS4_AGGREGATOR,
            [a, b, c, d, e, f, g, h],
        );
    }

    /// Appends COMMUNITIES (RFC 1997), each `asn << 16 | value`.
    pub fn communities(out: &mut Vec<u8>, communities: &[u32]) -> Result<(), EncodeError> {
        attribute(out, OPTIONAL_TRANSITIVE, code::COMMUNITIES, |out| {
            communities
                .iter()
                .for_each(|c| out.extend_from_slice(&c.to_be_bytes()));
            Ok(())
        })
    }

    /// Appends EXTENDED COMMUNITIES (RFC 4360), 8 bytes each.
    pub fn ext_communities(out: &mut Vec<u8>, values: &[[u8; 8]]) -> Result<(), EncodeError> {
        attribute(
            out,
            OPTIONAL_TRANSITIVE,
            code::EXTENDED_COMMUNITIES,
            |out| {
                values.iter().for_each(|v| out.extend_from_slice(v));
                Ok(())
            },
        )
    }

    /// Appends LARGE_COMMUNITY (RFC 8092): (global admin, local 1, local 2).
    pub fn large_communities(
        out: &mut Vec<u8>,
        values: &[(u32, u32, u32)],
    ) -> Result<(), EncodeError> {
        attribute(out, OPTIONAL_TRANSITIVE, code::LARGE_COMMUNITIES, |out| {
            for &(a, b, c) in values {
                out.extend_from_slice(&a.to_be_bytes());
                out.extend_from_slice(&b.to_be_bytes());
                out.extend_from_slice(&c.to_be_bytes());
            }
            Ok(())
        })
    }

    /// Appends MP_REACH_NLRI in full (RFC 4760 §3): AFI, SAFI, next hop
    /// (4 or 16 bytes, 32 with an IPv6 link-local address), a zero
    /// reserved byte, and the NLRI (path ids written where given). For
    /// AFI 1 and 2 every prefix must be of that family.
    pub fn mp_reach(
        out: &mut Vec<u8>,
        afi: u16,
        safi: u8,
        next_hop: &[u8],
        nlri: &[Nlri],
    ) -> Result<(), EncodeError> {
        attribute(out, OPTIONAL, code::MP_REACH_NLRI, |out| {
            out.extend_from_slice(&afi.to_be_bytes());
            out.push(safi);
            out.push(super::count(next_hop.len(), "next hop", u8::MAX)?);
            out.extend_from_slice(next_hop);
            out.push(0);
            nlri_list(out, nlri, Afi::from_code(afi))
        })
    }

    /// Appends MP_REACH_NLRI in the abbreviated form of TABLE_DUMP_V2 RIB
    /// entries (RFC 6396 §4.3.4): next-hop length and next hop only, the
    /// family and prefix being the RIB record's.
    pub fn mp_reach_next_hop(out: &mut Vec<u8>, next_hop: &[u8]) -> Result<(), EncodeError> {
        attribute(out, OPTIONAL, code::MP_REACH_NLRI, |out| {
            out.push(super::count(next_hop.len(), "next hop", u8::MAX)?);
            out.extend_from_slice(next_hop);
            Ok(())
        })
    }

    /// Appends MP_UNREACH_NLRI (RFC 4760 §4): AFI, SAFI and the withdrawn
    /// NLRI. For AFI 1 and 2 every prefix must be of that family.
    pub fn mp_unreach(
        out: &mut Vec<u8>,
        afi: u16,
        safi: u8,
        nlri: &[Nlri],
    ) -> Result<(), EncodeError> {
        attribute(out, OPTIONAL, code::MP_UNREACH_NLRI, |out| {
            out.extend_from_slice(&afi.to_be_bytes());
            out.push(safi);
            nlri_list(out, nlri, Afi::from_code(afi))
        })
    }
}

/// Appends a BGP message: marker, length (patched), type, and the body
/// `body` writes. Lengths up to 65535 are accepted (RFC 8654 extended
/// messages); plain sessions stop at 4096.
fn message(
    out: &mut Vec<u8>,
    msg_type: u8,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    undo_on_error(out, |out| {
        let start = out.len();
        out.extend_from_slice(&[0xff; 16]);
        let len_at = placeholder(out, 2);
        out.push(msg_type);
        body(out)?;
        let len = out.len().saturating_sub(start);
        patch(out, len_at, 2, len, "BGP message")
    })
}

/// Appends an UPDATE (RFC 4271 §4.3): withdrawn IPv4 routes, the path
/// attribute block (built with [`attr`]), and announced IPv4 routes.
/// Other families go in MP_REACH_NLRI / MP_UNREACH_NLRI attributes.
pub fn update(
    out: &mut Vec<u8>,
    withdrawn: &[Nlri],
    attributes: &[u8],
    announced: &[Nlri],
) -> Result<(), EncodeError> {
    message(out, msg_type::UPDATE, |out| {
        let at = placeholder(out, 2);
        nlri_list(out, withdrawn, Some(Afi::Ipv4))?;
        let len = written_since(out, at, 2);
        patch(out, at, 2, len, "withdrawn routes")?;
        let n = count(attributes.len(), "path attributes", u16::MAX)?;
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(attributes);
        nlri_list(out, announced, Some(Afi::Ipv4))
    })
}

/// Appends a KEEPALIVE (RFC 4271 §4.4): the header alone.
pub fn keepalive(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0xff; 16]);
    out.extend_from_slice(&19u16.to_be_bytes());
    out.push(msg_type::KEEPALIVE);
}

/// Appends a NOTIFICATION (RFC 4271 §4.5).
pub fn notification(
    out: &mut Vec<u8>,
    code: u8,
    subcode: u8,
    data: &[u8],
) -> Result<(), EncodeError> {
    message(out, msg_type::NOTIFICATION, |out| {
        out.push(code);
        out.push(subcode);
        out.extend_from_slice(data);
        Ok(())
    })
}

/// One capability of an OPEN (RFC 5492).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capability<'a> {
    /// Multiprotocol extensions (RFC 4760): one AFI/SAFI.
    Multiprotocol {
        /// AFI code.
        afi: u16,
        /// SAFI code.
        safi: u8,
    },
    /// Route refresh (RFC 2918).
    RouteRefresh,
    /// 4-octet AS numbers (RFC 6793), with the speaker's AS.
    FourOctetAs(u32),
    /// ADD-PATH (RFC 7911): (AFI, SAFI, send/receive: 1 receive, 2 send,
    /// 3 both) tuples.
    AddPath(&'a [(u16, u8, u8)]),
    /// Any other capability as code and value.
    Other {
        /// Capability code.
        code: u8,
        /// Capability value.
        value: &'a [u8],
    },
}

impl Capability<'_> {
    fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use crate::bgp::capability as cap;
        let code = match self {
            Capability::Multiprotocol { .. } => cap::MULTIPROTOCOL,
            Capability::RouteRefresh => cap::ROUTE_REFRESH,
            Capability::FourOctetAs(_) => cap::FOUR_OCTET_AS,
            Capability::AddPath(_) => cap::ADD_PATH,
            Capability::Other { code, .. } => *code,
        };
        out.push(code);
        let at = placeholder(out, 1);
        match *self {
            Capability::Multiprotocol { afi, safi } => {
                out.extend_from_slice(&afi.to_be_bytes());
                // A reserved byte sits between AFI and SAFI (RFC 4760 §8).
                out.extend_from_slice(&[0, safi]);
            }
            Capability::RouteRefresh => {}
            Capability::FourOctetAs(asn) => out.extend_from_slice(&asn.to_be_bytes()),
            Capability::AddPath(tuples) => {
                for &(afi, safi, send_receive) in tuples {
                    out.extend_from_slice(&afi.to_be_bytes());
                    out.extend_from_slice(&[safi, send_receive]);
                }
            }
            Capability::Other { value, .. } => out.extend_from_slice(value),
        }
        let len = written_since(out, at, 1);
        patch(out, at, 1, len, "capability")
    }
}

/// Appends an OPEN (RFC 4271 §4.2) of BGP version 4 with all
/// `capabilities` in one capabilities parameter (none when empty). `asn`
/// above 65535 goes in the 2-byte field as `AS_TRANS`; the caller adds
/// [`Capability::FourOctetAs`] to carry it.
pub fn open(
    out: &mut Vec<u8>,
    asn: u32,
    hold_time: u16,
    bgp_id: Ipv4Addr,
    capabilities: &[Capability<'_>],
) -> Result<(), EncodeError> {
    message(out, msg_type::OPEN, |out| {
        out.push(4);
        let my_as = u16::try_from(asn).unwrap_or(AS_TRANS as u16);
        out.extend_from_slice(&my_as.to_be_bytes());
        out.extend_from_slice(&hold_time.to_be_bytes());
        out.extend_from_slice(&bgp_id.octets());
        let params_at = placeholder(out, 1);
        if !capabilities.is_empty() {
            // Optional parameter type 2: capabilities (RFC 5492 §4).
            out.push(2);
            let at = placeholder(out, 1);
            for c in capabilities {
                c.write(out)?;
            }
            let len = written_since(out, at, 1);
            patch(out, at, 1, len, "capabilities parameter")?;
        }
        let len = written_since(out, params_at, 1);
        patch(out, params_at, 1, len, "optional parameters")
    })
}

/// Appends an MRT common header (RFC 6396 §2) as given, `length` included
/// (for hand-made and deliberately wrong records; the record writers
/// below compute the length themselves).
pub fn header(out: &mut Vec<u8>, header: &Header) {
    out.extend_from_slice(&header.timestamp.to_be_bytes());
    out.extend_from_slice(&header.mrt_type.to_be_bytes());
    out.extend_from_slice(&header.subtype.to_be_bytes());
    out.extend_from_slice(&header.length.to_be_bytes());
}

/// When a record was written: seconds since the Unix epoch and, for the
/// extended-timestamp BGP4MP_ET type (RFC 6396 §3), microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    /// Seconds since the Unix epoch.
    pub seconds: u32,
    /// Microseconds: `Some` writes BGP4MP_ET instead of BGP4MP.
    pub microseconds: Option<u32>,
}

impl Time {
    /// A timestamp in whole seconds.
    pub fn seconds(seconds: u32) -> Time {
        Time {
            seconds,
            microseconds: None,
        }
    }
}

/// Appends an MRT record: header with the length patched after `body`
/// has written the record body (after the microseconds, when given).
fn record(
    out: &mut Vec<u8>,
    time: Time,
    mrt_type: u16,
    subtype: u16,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    undo_on_error(out, |out| {
        out.extend_from_slice(&time.seconds.to_be_bytes());
        out.extend_from_slice(&mrt_type.to_be_bytes());
        out.extend_from_slice(&subtype.to_be_bytes());
        let len_at = placeholder(out, 4);
        if let Some(us) = time.microseconds {
            out.extend_from_slice(&us.to_be_bytes());
        }
        body(out)?;
        let len = written_since(out, len_at, 4);
        patch(out, len_at, 4, len, "MRT record")
    })
}

/// A peer of a TABLE_DUMP_V2 PEER_INDEX_TABLE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerEntry {
    /// Peer BGP identifier.
    pub bgp_id: Ipv4Addr,
    /// Peer address (its family sets the IPv6 flag of the peer type).
    pub addr: IpAddr,
    /// Peer AS.
    pub asn: u32,
    /// Width of the AS field (sets the AS4 flag of the peer type).
    pub asn_width: AsnWidth,
}

/// Appends a TABLE_DUMP_V2 PEER_INDEX_TABLE record (RFC 6396 §4.3.1).
pub fn peer_index_table(
    out: &mut Vec<u8>,
    timestamp: u32,
    collector_id: Ipv4Addr,
    view_name: &[u8],
    peers: &[PeerEntry],
) -> Result<(), EncodeError> {
    let time = Time::seconds(timestamp);
    record(
        out,
        time,
        mrt_type::TABLE_DUMP_V2,
        td2::PEER_INDEX_TABLE,
        |out| {
            out.extend_from_slice(&collector_id.octets());
            let name_len = count(view_name.len(), "view name", u16::MAX)?;
            out.extend_from_slice(&name_len.to_be_bytes());
            out.extend_from_slice(view_name);
            let n = count(peers.len(), "peer count", u16::MAX)?;
            out.extend_from_slice(&n.to_be_bytes());
            for p in peers {
                // Peer type bits: 0x01 IPv6 address, 0x02 4-byte AS number.
                let v6 = u8::from(p.addr.is_ipv6());
                let as4 = u8::from(p.asn_width == AsnWidth::Four) << 1;
                out.push(v6 | as4);
                out.extend_from_slice(&p.bgp_id.octets());
                push_addr(out, p.addr);
                push_asn(out, p.asn, p.asn_width)?;
            }
            Ok(())
        },
    )
}

/// One route of a TABLE_DUMP_V2 RIB record (RFC 6396 §4.3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RibEntry<'a> {
    /// Index of the peer in the PEER_INDEX_TABLE.
    pub peer_index: u16,
    /// When the route was received.
    pub originated: u32,
    /// RFC 8050 path id: given exactly when the record is an ADDPATH one.
    pub path_id: Option<u32>,
    /// The path attribute block (built with [`attr`]; 4-byte AS numbers,
    /// and for IPv6 the abbreviated [`attr::mp_reach_next_hop`]).
    pub attributes: &'a [u8],
}

/// Appends a TABLE_DUMP_V2 RIB_IPV4_UNICAST or RIB_IPV6_UNICAST record
/// (by the prefix's family), or its RFC 8050 `_ADDPATH` variant when
/// `add_path`, in which case every entry needs a path id.
pub fn rib(
    out: &mut Vec<u8>,
    timestamp: u32,
    sequence: u32,
    prefix: &Prefix,
    add_path: bool,
    entries: &[RibEntry<'_>],
) -> Result<(), EncodeError> {
    let subtype = match (prefix.afi(), add_path) {
        (Afi::Ipv4, false) => td2::RIB_IPV4_UNICAST,
        (Afi::Ipv6, false) => td2::RIB_IPV6_UNICAST,
        (Afi::Ipv4, true) => td2::RIB_IPV4_UNICAST_ADDPATH,
        (Afi::Ipv6, true) => td2::RIB_IPV6_UNICAST_ADDPATH,
    };
    let time = Time::seconds(timestamp);
    record(out, time, mrt_type::TABLE_DUMP_V2, subtype, |out| {
        out.extend_from_slice(&sequence.to_be_bytes());
        self::prefix(out, prefix);
        let n = count(entries.len(), "entry count", u16::MAX)?;
        out.extend_from_slice(&n.to_be_bytes());
        for e in entries {
            out.extend_from_slice(&e.peer_index.to_be_bytes());
            out.extend_from_slice(&e.originated.to_be_bytes());
            match (add_path, e.path_id) {
                (true, Some(id)) => out.extend_from_slice(&id.to_be_bytes()),
                (false, None) => {}
                _ => return Err(EncodeError::PathIdMismatch),
            }
            let len = count(e.attributes.len(), "attribute length", u16::MAX)?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(e.attributes);
        }
        Ok(())
    })
}

/// One route of a TABLE_DUMP record (RFC 6396 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableDumpRoute<'a> {
    /// The prefix (its family picks the subtype).
    pub prefix: Prefix,
    /// When the route was received.
    pub originated: u32,
    /// Peer address, of the prefix's family.
    pub peer_ip: IpAddr,
    /// Peer AS.
    pub peer_asn: u32,
    /// Width of AS numbers: `Four` writes the 4-byte subtypes 3 and 4 that
    /// some collectors used; RFC 6396 has only 2-byte ones.
    pub asn_width: AsnWidth,
    /// The path attribute block, with AS numbers of `asn_width`.
    pub attributes: &'a [u8],
}

/// Appends a TABLE_DUMP record holding one route (RFC 6396 §4.2).
pub fn table_dump(
    out: &mut Vec<u8>,
    timestamp: u32,
    view: u16,
    sequence: u16,
    route: &TableDumpRoute<'_>,
) -> Result<(), EncodeError> {
    let afi = route.prefix.afi();
    if afi_of(route.peer_ip) != afi {
        return Err(EncodeError::WrongFamily);
    }
    let subtype = match (afi, route.asn_width) {
        (Afi::Ipv4, AsnWidth::Two) => 1,
        (Afi::Ipv6, AsnWidth::Two) => 2,
        (Afi::Ipv4, AsnWidth::Four) => 3,
        (Afi::Ipv6, AsnWidth::Four) => 4,
    };
    let time = Time::seconds(timestamp);
    record(out, time, mrt_type::TABLE_DUMP, subtype, |out| {
        out.extend_from_slice(&view.to_be_bytes());
        out.extend_from_slice(&sequence.to_be_bytes());
        out.extend_from_slice(route.prefix.addr_bytes());
        out.push(route.prefix.len());
        // Status: unused, 1 (RFC 6396 §4.2).
        out.push(1);
        out.extend_from_slice(&route.originated.to_be_bytes());
        push_addr(out, route.peer_ip);
        push_asn(out, route.peer_asn, route.asn_width)?;
        let len = count(route.attributes.len(), "attribute length", u16::MAX)?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(route.attributes);
        Ok(())
    })
}

/// The two ends of a recorded BGP session, as BGP4MP records name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    /// Peer AS.
    pub peer_asn: u32,
    /// Local (collector) AS.
    pub local_asn: u32,
    /// Interface index.
    pub ifindex: u16,
    /// Peer address.
    pub peer_ip: IpAddr,
    /// Local address, of the same family as the peer's.
    pub local_ip: IpAddr,
    /// AS number width of the session: picks the `_AS4` subtypes, and the
    /// width the messages' AS_PATH must be written with.
    pub asn_width: AsnWidth,
    /// ADD-PATH was negotiated: picks the RFC 8050 `_ADDPATH` message
    /// subtypes (state changes have none).
    pub add_path: bool,
}

impl Session {
    /// AS numbers, interface, family and addresses: the part common to
    /// BGP4MP messages and state changes (RFC 6396 §4.4).
    fn write(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let afi = afi_of(self.peer_ip);
        if afi_of(self.local_ip) != afi {
            return Err(EncodeError::WrongFamily);
        }
        push_asn(out, self.peer_asn, self.asn_width)?;
        push_asn(out, self.local_asn, self.asn_width)?;
        out.extend_from_slice(&self.ifindex.to_be_bytes());
        out.extend_from_slice(&afi.code().to_be_bytes());
        push_addr(out, self.peer_ip);
        push_addr(out, self.local_ip);
        Ok(())
    }
}

fn bgp4mp_type(time: Time) -> u16 {
    match time.microseconds {
        Some(_) => mrt_type::BGP4MP_ET,
        None => mrt_type::BGP4MP,
    }
}

/// Who sent a recorded BGP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Received from the peer (the usual case in collector archives).
    Received,
    /// Sent by the collector: the `_LOCAL` subtypes.
    Sent,
}

/// Appends a BGP4MP (or, with microseconds, BGP4MP_ET) MESSAGE record
/// wrapping `message`, a whole BGP message (see [`update`], [`open`],
/// [`keepalive`], [`notification`]). The subtype follows the session's
/// AS width and ADD-PATH and the direction: MESSAGE, MESSAGE_AS4, their
/// `_LOCAL` and `_ADDPATH` forms (RFC 6396 §4.4, RFC 8050 §3).
pub fn bgp4mp_message(
    out: &mut Vec<u8>,
    time: Time,
    session: &Session,
    direction: Direction,
    message: &[u8],
) -> Result<(), EncodeError> {
    use bgp4mp::*;
    let four = session.asn_width == AsnWidth::Four;
    let subtype = match (four, session.add_path, direction) {
        (false, false, Direction::Received) => MESSAGE,
        (true, false, Direction::Received) => MESSAGE_AS4,
        (false, false, Direction::Sent) => MESSAGE_LOCAL,
        (true, false, Direction::Sent) => MESSAGE_AS4_LOCAL,
        (false, true, Direction::Received) => MESSAGE_ADDPATH,
        (true, true, Direction::Received) => MESSAGE_AS4_ADDPATH,
        (false, true, Direction::Sent) => MESSAGE_LOCAL_ADDPATH,
        (true, true, Direction::Sent) => MESSAGE_AS4_LOCAL_ADDPATH,
    };
    record(out, time, bgp4mp_type(time), subtype, |out| {
        session.write(out)?;
        out.extend_from_slice(message);
        Ok(())
    })
}

/// Appends a BGP4MP (or BGP4MP_ET) STATE_CHANGE record, or
/// STATE_CHANGE_AS4 for a 4-byte session (RFC 6396 §4.4.1). States are
/// the FSM codes: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm,
/// 6 Established.
pub fn bgp4mp_state_change(
    out: &mut Vec<u8>,
    time: Time,
    session: &Session,
    old_state: u16,
    new_state: u16,
) -> Result<(), EncodeError> {
    let subtype = match session.asn_width {
        AsnWidth::Two => bgp4mp::STATE_CHANGE,
        AsnWidth::Four => bgp4mp::STATE_CHANGE_AS4,
    };
    record(out, time, bgp4mp_type(time), subtype, |out| {
        session.write(out)?;
        out.extend_from_slice(&old_state.to_be_bytes());
        out.extend_from_slice(&new_state.to_be_bytes());
        Ok(())
    })
}

/// Borrows AS_PATH segments held as owned vectors in the form
/// [`attr::as_path`] takes: a convenience for paths built at run time.
pub fn segments_of(segments: &[(SegmentKind, Vec<u32>)]) -> Vec<(SegmentKind, &[u32])> {
    segments.iter().map(|(k, v)| (*k, v.as_slice())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::{code, flag, AttrContext, Attributes, Origin};
    use crate::mrt::{RawRecord, Record, HEADER_LEN};
    use crate::Reader;

    fn split(bytes: &[u8]) -> RawRecord<'_> {
        let h = Header::parse(bytes[..HEADER_LEN].try_into().unwrap());
        assert_eq!(h.length as usize, bytes.len() - HEADER_LEN);
        RawRecord::new(h, &bytes[HEADER_LEN..]).unwrap()
    }

    #[test]
    fn table_dump_round_trip() {
        let mut attrs = Vec::new();
        attr::origin(&mut attrs, Origin::Igp);
        attr::as_path(
            &mut attrs,
            &[(SegmentKind::Sequence, &[4837, 131279])],
            AsnWidth::Four,
        )
        .unwrap();
        let route = TableDumpRoute {
            prefix: "175.45.176.0/24".parse().unwrap(),
            originated: 1_419_206_400,
            peer_ip: "196.223.14.55".parse().unwrap(),
            peer_asn: 30844,
            asn_width: AsnWidth::Four,
            attributes: &attrs,
        };
        let mut out = Vec::new();
        table_dump(&mut out, 1_419_206_400, 0, 7, &route).unwrap();
        let raw = split(&out);
        assert_eq!(raw.header.subtype, 3, "IPv4 with 4-byte AS numbers");
        raw.check().unwrap();
        let Ok(Record::TableDump(t)) = raw.decode() else {
            panic!("not a TABLE_DUMP record")
        };
        assert_eq!(t.sequence, 7);
        let e = t.entries().next().unwrap().unwrap();
        assert_eq!(e.prefix, route.prefix);
        assert_eq!(e.peer_ip, route.peer_ip);
        assert_eq!(e.peer_asn, 30844);
        let path: Vec<u32> = e.attributes().path().unwrap().asns().collect();
        assert_eq!(path, [4837, 131279]);
        // A peer of the other family is refused, and nothing is written.
        let wrong = TableDumpRoute {
            peer_ip: "2001:db8::1".parse().unwrap(),
            ..route
        };
        let before = out.len();
        assert_eq!(
            table_dump(&mut out, 0, 0, 0, &wrong),
            Err(EncodeError::WrongFamily)
        );
        assert_eq!(out.len(), before);
    }

    #[test]
    fn nlri_writes_only_the_bytes_the_length_needs() {
        let mut out = Vec::new();
        prefix(&mut out, &"10.1.2.0/23".parse().unwrap());
        assert_eq!(out, [23, 10, 1, 2]);
        out.clear();
        prefix(&mut out, &"0.0.0.0/0".parse().unwrap());
        assert_eq!(out, [0]);
        out.clear();
        let n = Nlri {
            prefix: "2001:db8::/32".parse().unwrap(),
            path_id: Some(7),
        };
        nlri(&mut out, &n);
        assert_eq!(out, [0, 0, 0, 7, 32, 0x20, 0x01, 0x0d, 0xb8]);
    }

    #[test]
    fn long_attribute_switches_to_extended_length() {
        let asns: Vec<u32> = (1..=70).collect();
        let mut out = Vec::new();
        attr::as_path(&mut out, &[(SegmentKind::Sequence, &asns)], AsnWidth::Four).unwrap();
        // 2 segment header bytes + 70 * 4 = 282 > 255.
        assert_eq!(out[0], flag::TRANSITIVE | flag::EXTENDED_LENGTH);
        assert_eq!(out[1], code::AS_PATH);
        assert_eq!(u16::from_be_bytes([out[2], out[3]]), 282);
        assert_eq!(out.len(), 4 + 282);
        let ctx = AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        };
        let attrs = Attributes::decode(Reader::new(&out), ctx);
        assert_eq!(attrs.error, None);
        let got: Vec<u32> = attrs.path().unwrap().asns().collect();
        assert_eq!(got, asns);
    }

    #[test]
    fn forced_extended_length_is_kept_for_short_values() {
        let mut out = Vec::new();
        attr::raw(
            &mut out,
            flag::TRANSITIVE | flag::EXTENDED_LENGTH,
            code::ORIGIN,
            &[2],
        )
        .unwrap();
        assert_eq!(out, [0x50, 1, 0, 1, 2]);
        let ctx = AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        };
        let attrs = Attributes::decode(Reader::new(&out), ctx);
        assert_eq!(attrs.origin, Some(Origin::Incomplete));
    }

    #[test]
    fn failed_call_leaves_the_buffer_as_it_was() {
        let mut out = vec![1, 2, 3];
        let err = attr::as_path(
            &mut out,
            &[(SegmentKind::Sequence, &[64512, 70000])],
            AsnWidth::Two,
        );
        assert_eq!(err, Err(EncodeError::AsnTooWide(70000)));
        assert_eq!(out, [1, 2, 3]);
        let entry = RibEntry {
            peer_index: 0,
            originated: 0,
            path_id: Some(1),
            attributes: &[],
        };
        let p = "10.0.0.0/8".parse().unwrap();
        assert_eq!(
            rib(&mut out, 0, 0, &p, false, &[entry]),
            Err(EncodeError::PathIdMismatch)
        );
        assert_eq!(out, [1, 2, 3]);
        let too_many = vec![0u32; 256];
        assert!(matches!(
            attr::as_path(&mut out, &[(SegmentKind::Set, &too_many)], AsnWidth::Four),
            Err(EncodeError::TooLong {
                len: 256,
                max: 255,
                ..
            })
        ));
        assert_eq!(out, [1, 2, 3]);
    }

    #[test]
    fn keepalive_and_notification_decode() {
        let session = Session {
            peer_asn: 65000,
            local_asn: 12654,
            ifindex: 0,
            peer_ip: "192.0.2.1".parse().unwrap(),
            local_ip: "192.0.2.2".parse().unwrap(),
            asn_width: AsnWidth::Two,
            add_path: false,
        };
        let mut msg = Vec::new();
        keepalive(&mut msg);
        assert_eq!(msg.len(), 19);
        let mut out = Vec::new();
        let time = Time {
            seconds: 1_419_265_000,
            microseconds: Some(250_000),
        };
        bgp4mp_message(&mut out, time, &session, Direction::Sent, &msg).unwrap();
        let raw = split(&out);
        assert_eq!(raw.header.mrt_type, mrt_type::BGP4MP_ET);
        assert_eq!(raw.header.subtype, bgp4mp::MESSAGE_LOCAL);
        assert_eq!(raw.microseconds, 250_000);
        let Record::Message(m) = raw.decode().unwrap() else {
            unreachable!("not a message")
        };
        assert!(m.sent);
        assert_eq!(m.message().unwrap(), crate::bgp::Message::Keepalive);

        msg.clear();
        notification(&mut msg, 6, 2, b"bye").unwrap();
        out.clear();
        bgp4mp_message(
            &mut out,
            Time::seconds(1),
            &session,
            Direction::Received,
            &msg,
        )
        .unwrap();
        let Record::Message(m) = split(&out).decode().unwrap() else {
            unreachable!("not a message")
        };
        let crate::bgp::Message::Notification(n) = m.message().unwrap() else {
            unreachable!("not a notification")
        };
        assert_eq!((n.code, n.subcode, n.data), (6, 2, &b"bye"[..]));
    }

    #[test]
    fn open_capabilities_decode() {
        let mut msg = Vec::new();
        let tuples = [(2u16, 1u8, 3u8)];
        let caps = [
            Capability::Multiprotocol { afi: 2, safi: 1 },
            Capability::FourOctetAs(4_200_000_000),
            Capability::AddPath(&tuples),
            Capability::RouteRefresh,
        ];
        open(
            &mut msg,
            4_200_000_000,
            180,
            "10.0.0.1".parse().unwrap(),
            &caps,
        )
        .unwrap();
        let mut r = Reader::new(&msg);
        let crate::bgp::Message::Open(o) = crate::bgp::Message::read(&mut r).unwrap() else {
            unreachable!("not an open")
        };
        assert!(r.is_empty());
        assert_eq!(o.my_asn, 23456);
        assert_eq!(o.hold_time, 180);
        assert_eq!(o.asn(), 4_200_000_000);
        assert_eq!(o.add_path().collect::<Vec<_>>(), vec![(2, 1, 3)]);
        let codes: Vec<u8> = o.capabilities().map(|c| c.unwrap().code).collect();
        assert_eq!(codes, [1, 65, 69, 2]);
    }
}
