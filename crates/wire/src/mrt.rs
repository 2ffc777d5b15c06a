//! MRT records (RFC 6396, RFC 8050): the common header, and the bodies of
//! TABLE_DUMP, TABLE_DUMP_V2, BGP4MP, BGP4MP_ET and the deprecated BGP
//! type found in the oldest RIS archives. Everything borrows the record.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::attr::{AttrContext, Attributes};
use crate::bgp::{Message, MessageHeader};
use crate::error::{ErrorKind, Result, WireError};
use crate::prefix::{read_prefix, Afi, Prefix};
use crate::reader::{AsnWidth, Reader};

/// Length of the common MRT header.
pub const HEADER_LEN: usize = 12;

/// MRT type codes.
pub mod mrt_type {
    /// Deprecated BGP records (RFC 6396 appendix B), in 1999 RIS archives.
    pub const BGP: u16 = 5;
    /// TABLE_DUMP.
    pub const TABLE_DUMP: u16 = 12;
    /// TABLE_DUMP_V2.
    pub const TABLE_DUMP_V2: u16 = 13;
    /// BGP4MP.
    pub const BGP4MP: u16 = 16;
    /// BGP4MP with microsecond timestamps.
    pub const BGP4MP_ET: u16 = 17;
}

/// TABLE_DUMP_V2 subtypes (RFC 6396 §4.3, RFC 8050 §4).
pub mod td2 {
    /// PEER_INDEX_TABLE.
    pub const PEER_INDEX_TABLE: u16 = 1;
    /// RIB_IPV4_UNICAST.
    pub const RIB_IPV4_UNICAST: u16 = 2;
    /// RIB_IPV4_MULTICAST.
    pub const RIB_IPV4_MULTICAST: u16 = 3;
    /// RIB_IPV6_UNICAST.
    pub const RIB_IPV6_UNICAST: u16 = 4;
    /// RIB_IPV6_MULTICAST.
    pub const RIB_IPV6_MULTICAST: u16 = 5;
    /// RIB_GENERIC.
    pub const RIB_GENERIC: u16 = 6;
    /// RIB_IPV4_UNICAST_ADDPATH.
    pub const RIB_IPV4_UNICAST_ADDPATH: u16 = 8;
    /// RIB_IPV4_MULTICAST_ADDPATH.
    pub const RIB_IPV4_MULTICAST_ADDPATH: u16 = 9;
    /// RIB_IPV6_UNICAST_ADDPATH.
    pub const RIB_IPV6_UNICAST_ADDPATH: u16 = 10;
    /// RIB_IPV6_MULTICAST_ADDPATH.
    pub const RIB_IPV6_MULTICAST_ADDPATH: u16 = 11;
    /// RIB_GENERIC_ADDPATH.
    pub const RIB_GENERIC_ADDPATH: u16 = 12;
}

/// BGP4MP subtypes (RFC 6396 §4.4, RFC 8050 §3).
pub mod bgp4mp {
    /// STATE_CHANGE.
    pub const STATE_CHANGE: u16 = 0;
    /// MESSAGE.
    pub const MESSAGE: u16 = 1;
    /// MESSAGE_AS4.
    pub const MESSAGE_AS4: u16 = 4;
    /// STATE_CHANGE_AS4.
    pub const STATE_CHANGE_AS4: u16 = 5;
    /// MESSAGE_LOCAL.
    pub const MESSAGE_LOCAL: u16 = 6;
    /// MESSAGE_AS4_LOCAL.
    pub const MESSAGE_AS4_LOCAL: u16 = 7;
    /// MESSAGE_ADDPATH.
    pub const MESSAGE_ADDPATH: u16 = 8;
    /// MESSAGE_AS4_ADDPATH.
    pub const MESSAGE_AS4_ADDPATH: u16 = 9;
    /// MESSAGE_LOCAL_ADDPATH.
    pub const MESSAGE_LOCAL_ADDPATH: u16 = 10;
    /// MESSAGE_AS4_LOCAL_ADDPATH.
    pub const MESSAGE_AS4_LOCAL_ADDPATH: u16 = 11;
}

/// Subtypes of the deprecated BGP type (RFC 6396 appendix B.2.1).
pub mod legacy_bgp {
    /// BGP_UPDATE.
    pub const UPDATE: u16 = 1;
    /// BGP_STATE_CHANGE.
    pub const STATE_CHANGE: u16 = 3;
    /// BGP_OPEN.
    pub const OPEN: u16 = 5;
    /// BGP_NOTIFY.
    pub const NOTIFY: u16 = 6;
    /// BGP_KEEPALIVE.
    pub const KEEPALIVE: u16 = 7;
}

/// The common MRT header (RFC 6396 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Seconds since the Unix epoch.
    pub timestamp: u32,
    /// MRT type.
    pub mrt_type: u16,
    /// MRT subtype.
    pub subtype: u16,
    /// Length of what follows the 12-byte header (microseconds included
    /// for BGP4MP_ET).
    pub length: u32,
}

impl Header {
    /// Decodes the 12 header bytes.
    pub fn parse(bytes: [u8; HEADER_LEN]) -> Header {
        let [t0, t1, t2, t3, y0, y1, s0, s1, l0, l1, l2, l3] = bytes;
        Header {
            timestamp: u32::from_be_bytes([t0, t1, t2, t3]),
            mrt_type: u16::from_be_bytes([y0, y1]),
            subtype: u16::from_be_bytes([s0, s1]),
            length: u32::from_be_bytes([l0, l1, l2, l3]),
        }
    }

    /// True for types whose header carries a microsecond field.
    pub fn is_extended(&self) -> bool {
        self.mrt_type == mrt_type::BGP4MP_ET
    }
}

/// One MRT record: header and body, not yet decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawRecord<'a> {
    /// The header.
    pub header: Header,
    /// Microseconds for BGP4MP_ET, 0 otherwise.
    pub microseconds: u32,
    /// The body after the header (and after the microseconds).
    pub body: &'a [u8],
}

impl<'a> RawRecord<'a> {
    /// Splits `header` and its `payload` (the `header.length` bytes after
    /// the header) into a record.
    pub fn new(header: Header, payload: &'a [u8]) -> Result<RawRecord<'a>> {
        if header.is_extended() {
            let mut r = Reader::new(payload);
            let microseconds = r.u32()?;
            Ok(RawRecord {
                header,
                microseconds,
                body: r.take_rest(),
            })
        } else {
            Ok(RawRecord {
                header,
                microseconds: 0,
                body: payload,
            })
        }
    }

    /// Decodes the body. `peers` is the last PEER_INDEX_TABLE of the file,
    /// needed only to check RIB entries.
    pub fn decode(&self) -> Result<Record<'a>> {
        let h = self.header;
        // Errors are reported relative to the record start (header included).
        let base = HEADER_LEN + if h.is_extended() { 4 } else { 0 };
        let r = Reader::with_base(self.body, base);
        match h.mrt_type {
            mrt_type::TABLE_DUMP => TableDump::decode(r, h.subtype).map(Record::TableDump),
            mrt_type::TABLE_DUMP_V2 => decode_table_dump_v2(r, h.subtype),
            mrt_type::BGP4MP | mrt_type::BGP4MP_ET => decode_bgp4mp(r, h.subtype),
            mrt_type::BGP => decode_legacy(r, h.subtype),
            _ => Ok(Record::Other),
        }
    }

    /// Decodes the record and everything nested in it (entries,
    /// attributes, NLRI) and returns the first problem: a full validity
    /// check, used to decide where a damaged record really ends.
    pub fn check(&self) -> Result<()> {
        fn attributes(a: &Attributes<'_>) -> Result<()> {
            if let Some(e) = a.error {
                return Err(e);
            }
            if let Some(reach) = a.mp_reach {
                reach.nlri().try_for_each(|n| n.map(drop))?;
            }
            if let Some(unreach) = a.mp_unreach {
                unreach.nlri().try_for_each(|n| n.map(drop))?;
            }
            Ok(())
        }
        match self.decode()? {
            Record::TableDump(t) => t.entries().try_for_each(|e| attributes(&e?.attributes())),
            Record::Rib(rib) => rib.entries().try_for_each(|e| attributes(&e?.attributes())),
            Record::PeerIndexTable(t) => t.peers().try_for_each(|p| p.map(drop)),
            Record::Message(m) => {
                m.cut_short()?;
                match m.message()? {
                    Message::Update(u) => {
                        u.withdrawn(m.add_path).try_for_each(|n| n.map(drop))?;
                        attributes(&u.attributes(m.attr_context()))?;
                        u.announced(m.add_path).try_for_each(|n| n.map(drop))
                    }
                    _ => Ok(()),
                }
            }
            Record::StateChange(_) | Record::Other => Ok(()),
        }
    }
}

/// A decoded MRT record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record<'a> {
    /// TABLE_DUMP record (routes of one or more peers).
    TableDump(TableDump<'a>),
    /// TABLE_DUMP_V2 PEER_INDEX_TABLE.
    PeerIndexTable(PeerIndexTable<'a>),
    /// TABLE_DUMP_V2 RIB record for one prefix.
    Rib(RibRecord<'a>),
    /// BGP4MP or legacy BGP state change.
    StateChange(StateChange),
    /// BGP4MP message or legacy BGP message.
    Message(BgpRecord<'a>),
    /// A record type this crate does not decode (OSPF, IS-IS, ...), or a
    /// legacy subtype without routing content.
    Other,
}

/// TABLE_DUMP record (RFC 6396 §4.2): view and sequence, then the route
/// entries. RFC 6396 has one entry per record; MRTd dumps of 1999-2000 put
/// many entries after one view and sequence, so the entries are iterated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDump<'a> {
    /// View number.
    pub view: u16,
    /// Sequence number.
    pub sequence: u16,
    afi: Afi,
    asn_width: AsnWidth,
    entries: Reader<'a>,
}

/// One route of a TABLE_DUMP record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDumpEntry<'a> {
    /// The prefix.
    pub prefix: Prefix,
    /// Status octet (unused, 1).
    pub status: u8,
    /// When the route was received.
    pub originated: u32,
    /// Peer address.
    pub peer_ip: IpAddr,
    /// Peer AS.
    pub peer_asn: u32,
    /// Width of AS numbers in the attributes.
    pub asn_width: AsnWidth,
    attributes: Reader<'a>,
}

impl<'a> TableDump<'a> {
    fn decode(mut r: Reader<'a>, subtype: u16) -> Result<TableDump<'a>> {
        // Subtypes 3 and 4 (4-byte AS variants) are not in RFC 6396 but were
        // written by some collectors; AFI is subtype 1/3 IPv4, 2/4 IPv6.
        let (afi, asn_width) = match subtype {
            1 => (Afi::Ipv4, AsnWidth::Two),
            2 => (Afi::Ipv6, AsnWidth::Two),
            3 => (Afi::Ipv4, AsnWidth::Four),
            4 => (Afi::Ipv6, AsnWidth::Four),
            _ => {
                return Err(r.error(ErrorKind::Unsupported {
                    mrt_type: mrt_type::TABLE_DUMP,
                    subtype,
                }))
            }
        };
        Ok(TableDump {
            view: r.u16()?,
            sequence: r.u16()?,
            afi,
            asn_width,
            entries: r,
        })
    }

    /// The route entries; an error ends the sequence.
    pub fn entries(&self) -> impl Iterator<Item = Result<TableDumpEntry<'a>>> + 'a {
        let mut r = self.entries;
        let (afi, width) = (self.afi, self.asn_width);
        let mut failed = false;
        core::iter::from_fn(move || {
            if failed || r.is_empty() {
                return None;
            }
            let item = TableDumpEntry::decode(&mut r, afi, width);
            failed = item.is_err();
            Some(item)
        })
    }
}

impl<'a> TableDumpEntry<'a> {
    fn decode(r: &mut Reader<'a>, afi: Afi, asn_width: AsnWidth) -> Result<TableDumpEntry<'a>> {
        let addr = r.take(afi.addr_len())?;
        let len = r.u8()?;
        let prefix = Prefix::new(afi, addr, len).ok_or_else(|| {
            r.error(ErrorKind::BadPrefixLength {
                bits: len,
                max: afi.max_len(),
            })
        })?;
        let status = r.u8()?;
        let originated = r.u32()?;
        let peer_ip = read_addr(r, afi)?;
        let peer_asn = r.asn(asn_width)?;
        let attr_len = usize::from(r.u16()?);
        let attributes = r.sub(attr_len)?;
        Ok(TableDumpEntry {
            prefix,
            status,
            originated,
            peer_ip,
            peer_asn,
            asn_width,
            attributes,
        })
    }

    /// The path attributes.
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes::decode(
            self.attributes,
            AttrContext {
                asn_width: self.asn_width,
                add_path: false,
                rib: false,
            },
        )
    }
}

fn read_addr(r: &mut Reader<'_>, afi: Afi) -> Result<IpAddr> {
    Ok(match afi {
        Afi::Ipv4 => IpAddr::V4(Ipv4Addr::from(r.array::<4>()?)),
        Afi::Ipv6 => IpAddr::V6(Ipv6Addr::from(r.array::<16>()?)),
    })
}

/// A peer of a TABLE_DUMP_V2 PEER_INDEX_TABLE.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Peer {
    /// Peer BGP identifier.
    pub bgp_id: Ipv4Addr,
    /// Peer address.
    pub addr: IpAddr,
    /// Peer AS.
    pub asn: u32,
}

/// TABLE_DUMP_V2 PEER_INDEX_TABLE (RFC 6396 §4.3.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerIndexTable<'a> {
    /// Collector BGP identifier.
    pub collector_id: Ipv4Addr,
    /// View name (often empty).
    pub view_name: &'a [u8],
    /// Number of peers declared.
    pub peer_count: u16,
    entries: Reader<'a>,
}

impl<'a> PeerIndexTable<'a> {
    fn decode(mut r: Reader<'a>) -> Result<PeerIndexTable<'a>> {
        let collector_id = Ipv4Addr::from(r.array::<4>()?);
        let name_len = usize::from(r.u16()?);
        let view_name = r.take(name_len)?;
        let peer_count = r.u16()?;
        Ok(PeerIndexTable {
            collector_id,
            view_name,
            peer_count,
            entries: r,
        })
    }

    /// The peers in index order; an error ends the sequence.
    pub fn peers(&self) -> impl Iterator<Item = Result<Peer>> + 'a {
        counted(self.entries, self.peer_count, read_peer)
    }
}

/// Reads `count` items with `read`, then reports bytes left over as
/// [`ErrorKind::TrailingBytes`]; the first error ends the sequence.
fn counted<'a, T>(
    mut r: Reader<'a>,
    count: u16,
    mut read: impl FnMut(&mut Reader<'a>) -> Result<T> + 'a,
) -> impl Iterator<Item = Result<T>> + 'a {
    let mut left = Some(count);
    core::iter::from_fn(move || match left? {
        0 => {
            left = None;
            let extra = r.remaining();
            (extra > 0).then(|| {
                Err(r.error(ErrorKind::TrailingBytes(
                    u32::try_from(extra).unwrap_or(u32::MAX),
                )))
            })
        }
        n => {
            let item = read(&mut r);
            left = if item.is_ok() { Some(n - 1) } else { None };
            Some(item)
        }
    })
}

fn read_peer(r: &mut Reader<'_>) -> Result<Peer> {
    let peer_type = r.u8()?;
    let bgp_id = Ipv4Addr::from(r.array::<4>()?);
    let afi = if peer_type & 1 != 0 {
        Afi::Ipv6
    } else {
        Afi::Ipv4
    };
    let addr = read_addr(r, afi)?;
    let width = if peer_type & 2 != 0 {
        AsnWidth::Four
    } else {
        AsnWidth::Two
    };
    let asn = r.asn(width)?;
    Ok(Peer { bgp_id, addr, asn })
}

/// Family of a TABLE_DUMP_V2 RIB record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RibFamily {
    /// Unicast or multicast of IPv4/IPv6: the NLRI is a plain prefix.
    Plain {
        /// Address family.
        afi: Afi,
        /// True for the multicast subtypes.
        multicast: bool,
    },
    /// RIB_GENERIC with another AFI/SAFI: the NLRI is kept opaque.
    Other {
        /// AFI code.
        afi: u16,
        /// SAFI code.
        safi: u8,
    },
}

/// TABLE_DUMP_V2 RIB record: one prefix and its entries, one per peer
/// (RFC 6396 §4.3.2-4.3.3; path ids per RFC 8050).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RibRecord<'a> {
    /// Sequence number.
    pub sequence: u32,
    /// Family of the record.
    pub family: RibFamily,
    /// The prefix (for plain families).
    pub prefix: Option<Prefix>,
    /// The NLRI bytes as found (for opaque families).
    pub nlri: &'a [u8],
    /// Entries carry RFC 8050 path ids.
    pub add_path: bool,
    /// Number of entries declared.
    pub entry_count: u16,
    entries: Reader<'a>,
}

/// One route of a RIB record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RibEntry<'a> {
    /// Index into the PEER_INDEX_TABLE.
    pub peer_index: u16,
    /// When the route was received.
    pub originated: u32,
    /// RFC 8050 path id.
    pub path_id: Option<u32>,
    /// Offset of the entry in the record.
    pub offset: usize,
    attributes: Reader<'a>,
}

impl<'a> RibEntry<'a> {
    /// The path attributes (always 4-byte AS numbers, RFC 6396 §4.3.4).
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes::decode(
            self.attributes,
            AttrContext {
                asn_width: AsnWidth::Four,
                add_path: self.path_id.is_some(),
                rib: true,
            },
        )
    }

    /// Size of the attribute block.
    pub fn attributes_len(&self) -> usize {
        self.attributes.remaining()
    }
}

impl<'a> RibRecord<'a> {
    /// The entries; an error ends the sequence.
    pub fn entries(&self) -> impl Iterator<Item = Result<RibEntry<'a>>> + 'a {
        let add_path = self.add_path;
        counted(self.entries, self.entry_count, move |r| {
            let offset = r.offset();
            let peer_index = r.u16()?;
            let originated = r.u32()?;
            let path_id = if add_path { Some(r.u32()?) } else { None };
            let len = usize::from(r.u16()?);
            let attributes = r.sub(len)?;
            Ok(RibEntry {
                peer_index,
                originated,
                path_id,
                offset,
                attributes,
            })
        })
    }
}

fn decode_table_dump_v2(mut r: Reader<'_>, subtype: u16) -> Result<Record<'_>> {
    let plain = |afi, multicast| RibFamily::Plain { afi, multicast };
    let (family, add_path) = match subtype {
        td2::PEER_INDEX_TABLE => return PeerIndexTable::decode(r).map(Record::PeerIndexTable),
        td2::RIB_IPV4_UNICAST => (Some(plain(Afi::Ipv4, false)), false),
        td2::RIB_IPV4_MULTICAST => (Some(plain(Afi::Ipv4, true)), false),
        td2::RIB_IPV6_UNICAST => (Some(plain(Afi::Ipv6, false)), false),
        td2::RIB_IPV6_MULTICAST => (Some(plain(Afi::Ipv6, true)), false),
        td2::RIB_GENERIC => (None, false),
        td2::RIB_IPV4_UNICAST_ADDPATH => (Some(plain(Afi::Ipv4, false)), true),
        td2::RIB_IPV4_MULTICAST_ADDPATH => (Some(plain(Afi::Ipv4, true)), true),
        td2::RIB_IPV6_UNICAST_ADDPATH => (Some(plain(Afi::Ipv6, false)), true),
        td2::RIB_IPV6_MULTICAST_ADDPATH => (Some(plain(Afi::Ipv6, true)), true),
        td2::RIB_GENERIC_ADDPATH => (None, true),
        _ => {
            return Err(r.error(ErrorKind::Unsupported {
                mrt_type: mrt_type::TABLE_DUMP_V2,
                subtype,
            }))
        }
    };
    let sequence = r.u32()?;
    let family = match family {
        Some(f) => f,
        None => {
            let afi = r.u16()?;
            let safi = r.u8()?;
            match (Afi::from_code(afi), safi) {
                (Some(afi), 1) => plain(afi, false),
                (Some(afi), 2) => plain(afi, true),
                _ => RibFamily::Other { afi, safi },
            }
        }
    };
    let nlri_start = r;
    let prefix = match family {
        RibFamily::Plain { afi, .. } => Some(read_prefix(&mut r, afi)?),
        RibFamily::Other { .. } => {
            // Opaque NLRI still start with a length in bits (RFC 4760 §5).
            let bits = usize::from(r.u8()?);
            r.skip(bits.div_ceil(8))?;
            None
        }
    };
    let nlri_len = nlri_start.remaining() - r.remaining();
    let nlri = nlri_start.rest().get(..nlri_len).unwrap_or_default();
    let entry_count = r.u16()?;
    Ok(Record::Rib(RibRecord {
        sequence,
        family,
        prefix,
        nlri,
        add_path,
        entry_count,
        entries: r,
    }))
}

/// BGP4MP STATE_CHANGE, or the deprecated BGP_STATE_CHANGE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateChange {
    /// Peer AS.
    pub peer_asn: u32,
    /// Local AS (0 when the record does not carry it).
    pub local_asn: u32,
    /// Interface index.
    pub ifindex: u16,
    /// Peer address; `None` in the shortened records some Zebra versions
    /// wrote (AS numbers and states only).
    pub peer_ip: Option<IpAddr>,
    /// Local address, when recorded.
    pub local_ip: Option<IpAddr>,
    /// FSM state before (1 Idle ... 6 Established; 7, 8 from Quagga).
    pub old_state: u16,
    /// FSM state after.
    pub new_state: u16,
}

/// BGP FSM state Established (RFC 6396 §4.4.1).
pub const STATE_ESTABLISHED: u16 = 6;

impl StateChange {
    /// True when the session left Established: the peer's routes are gone.
    pub fn is_session_down(&self) -> bool {
        self.old_state == STATE_ESTABLISHED && self.new_state != STATE_ESTABLISHED
    }

    /// True when the session reached Established.
    pub fn is_session_up(&self) -> bool {
        self.new_state == STATE_ESTABLISHED && self.old_state != STATE_ESTABLISHED
    }
}

/// A BGP message as recorded: BGP4MP(_ET) MESSAGE* or deprecated BGP type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BgpRecord<'a> {
    /// Peer AS.
    pub peer_asn: u32,
    /// Local (collector) AS.
    pub local_asn: u32,
    /// Interface index (0 for the deprecated type).
    pub ifindex: u16,
    /// Peer address.
    pub peer_ip: IpAddr,
    /// Local address.
    pub local_ip: IpAddr,
    /// AS number width of the session (from the subtype).
    pub asn_width: AsnWidth,
    /// NLRI carry path ids (RFC 8050 subtypes).
    pub add_path: bool,
    /// The message was sent by the collector (the _LOCAL subtypes).
    pub sent: bool,
    /// The message type code.
    pub msg_type: u8,
    /// Bytes the BGP header declares that the record does not hold.
    pub missing: u32,
    body: Reader<'a>,
}

impl<'a> BgpRecord<'a> {
    /// Decodes the BGP message. A message cut short by the record is
    /// decoded from the bytes present (see [`BgpRecord::missing`]).
    pub fn message(&self) -> Result<Message<'a>> {
        Message::decode_body(self.msg_type, self.body)
    }

    /// Fails with [`ErrorKind::Truncated`] when the record holds less of
    /// the message than its BGP header declares.
    pub fn cut_short(&self) -> Result<()> {
        match self.missing {
            0 => Ok(()),
            needed => Err(WireError::new(
                ErrorKind::Truncated {
                    needed,
                    available: 0,
                },
                self.body.offset() + self.body.remaining(),
            )),
        }
    }

    /// The attribute context of this session.
    pub fn attr_context(&self) -> AttrContext {
        AttrContext {
            asn_width: self.asn_width,
            add_path: self.add_path,
            rib: false,
        }
    }
}

fn decode_bgp4mp(mut r: Reader<'_>, subtype: u16) -> Result<Record<'_>> {
    use bgp4mp::*;
    let (width, add_path, sent) = match subtype {
        STATE_CHANGE => return decode_state_change(r, AsnWidth::Two),
        STATE_CHANGE_AS4 => return decode_state_change(r, AsnWidth::Four),
        MESSAGE => (AsnWidth::Two, false, false),
        MESSAGE_AS4 => (AsnWidth::Four, false, false),
        MESSAGE_LOCAL => (AsnWidth::Two, false, true),
        MESSAGE_AS4_LOCAL => (AsnWidth::Four, false, true),
        MESSAGE_ADDPATH => (AsnWidth::Two, true, false),
        MESSAGE_AS4_ADDPATH => (AsnWidth::Four, true, false),
        MESSAGE_LOCAL_ADDPATH => (AsnWidth::Two, true, true),
        MESSAGE_AS4_LOCAL_ADDPATH => (AsnWidth::Four, true, true),
        _ => {
            return Err(r.error(ErrorKind::Unsupported {
                mrt_type: mrt_type::BGP4MP,
                subtype,
            }))
        }
    };
    let peer_asn = r.asn(width)?;
    let local_asn = r.asn(width)?;
    let ifindex = r.u16()?;
    let afi_code = r.u16()?;
    // Zebra wrote OPEN messages without interface, family and addresses:
    // what reads as interface and family is the start of the marker.
    let (peer_ip, local_ip, marker_left) = if ifindex == 0xffff && afi_code == 0xffff {
        let none = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        (none, none, 12)
    } else {
        let afi = Afi::from_code(afi_code)
            .ok_or_else(|| WireError::new(ErrorKind::UnknownAfi(afi_code), r.offset() - 2))?;
        (read_addr(&mut r, afi)?, read_addr(&mut r, afi)?, 16)
    };
    let (msg_type, missing, body) = read_bgp_message(&mut r, marker_left)?;
    Ok(Record::Message(BgpRecord {
        peer_asn,
        local_asn,
        ifindex,
        peer_ip,
        local_ip,
        asn_width: width,
        add_path,
        sent,
        msg_type,
        missing,
        body,
    }))
}

/// Reads a BGP message header and returns the type, the bytes the header
/// declares beyond the record, and the body present.
fn read_bgp_message<'a>(r: &mut Reader<'a>, marker_len: usize) -> Result<(u8, u32, Reader<'a>)> {
    let header = MessageHeader::read_partial(r, marker_len)?;
    let want = header.body_len();
    let have = r.remaining();
    let body = r.sub(want.min(have))?;
    let missing = u32::try_from(want.saturating_sub(have)).unwrap_or(u32::MAX);
    Ok((header.msg_type, missing, body))
}

fn decode_state_change(mut r: Reader<'_>, width: AsnWidth) -> Result<Record<'_>> {
    let peer_asn = r.asn(width)?;
    let local_asn = r.asn(width)?;
    // Zebra (before 4-byte AS numbers) wrote only the AS numbers and the
    // two states.
    if width == AsnWidth::Two && r.remaining() == 4 {
        return Ok(Record::StateChange(StateChange {
            peer_asn,
            local_asn,
            ifindex: 0,
            peer_ip: None,
            local_ip: None,
            old_state: r.u16()?,
            new_state: r.u16()?,
        }));
    }
    let ifindex = r.u16()?;
    let afi_code = r.u16()?;
    let afi = Afi::from_code(afi_code)
        .ok_or_else(|| WireError::new(ErrorKind::UnknownAfi(afi_code), r.offset() - 2))?;
    let peer_ip = read_addr(&mut r, afi)?;
    let local_ip = read_addr(&mut r, afi)?;
    let change = StateChange {
        peer_asn,
        local_asn,
        ifindex,
        peer_ip: Some(peer_ip),
        local_ip: Some(local_ip),
        old_state: r.u16()?,
        new_state: r.u16()?,
    };
    no_trailing(&r)?;
    Ok(Record::StateChange(change))
}

/// Fails with [`ErrorKind::TrailingBytes`] when `r` has bytes left.
fn no_trailing(r: &Reader<'_>) -> Result<()> {
    match r.remaining() {
        0 => Ok(()),
        n => Err(r.error(ErrorKind::TrailingBytes(
            u32::try_from(n).unwrap_or(u32::MAX),
        ))),
    }
}

fn decode_legacy(mut r: Reader<'_>, subtype: u16) -> Result<Record<'_>> {
    use crate::bgp::msg_type;
    let msg_type = match subtype {
        legacy_bgp::STATE_CHANGE => {
            let peer_asn = u32::from(r.u16()?);
            let peer_ip = IpAddr::V4(Ipv4Addr::from(r.array::<4>()?));
            let change = StateChange {
                peer_asn,
                local_asn: 0,
                ifindex: 0,
                peer_ip: Some(peer_ip),
                local_ip: None,
                old_state: r.u16()?,
                new_state: r.u16()?,
            };
            no_trailing(&r)?;
            return Ok(Record::StateChange(change));
        }
        legacy_bgp::UPDATE => msg_type::UPDATE,
        legacy_bgp::OPEN => msg_type::OPEN,
        legacy_bgp::NOTIFY => msg_type::NOTIFICATION,
        legacy_bgp::KEEPALIVE => msg_type::KEEPALIVE,
        _ => return Ok(Record::Other),
    };
    let peer_asn = u32::from(r.u16()?);
    let peer_ip = IpAddr::V4(Ipv4Addr::from(r.array::<4>()?));
    let local_asn = u32::from(r.u16()?);
    let local_ip = IpAddr::V4(Ipv4Addr::from(r.array::<4>()?));
    Ok(Record::Message(BgpRecord {
        peer_asn,
        local_asn,
        ifindex: 0,
        peer_ip,
        local_ip,
        asn_width: AsnWidth::Two,
        add_path: false,
        sent: false,
        msg_type,
        missing: 0,
        body: r,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bgp::Message;

    fn record(mrt_type: u16, subtype: u16, body: &[u8]) -> RawRecord<'_> {
        let header = Header {
            timestamp: 973_301_040,
            mrt_type,
            subtype,
            length: body.len() as u32,
        };
        RawRecord::new(header, body).unwrap()
    }

    /// Zebra wrote OPEN messages with the marker where interface index and
    /// family belong (rrc01, 2000-11).
    #[test]
    fn zebra_open_without_addresses() {
        let mut body = vec![0x0c, 0x39, 0x31, 0x6e]; // peer AS 3129, local AS 12654
        body.extend([0xff; 16]);
        body.extend([0, 29, 1]); // length 29, OPEN
        body.extend([4, 0x0c, 0x39, 0, 180, 193, 0, 4, 1, 0]);
        let raw = record(16, 1, &body);
        let Record::Message(m) = raw.decode().unwrap() else {
            panic!("not a message")
        };
        assert_eq!(m.peer_ip, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let Message::Open(open) = m.message().unwrap() else {
            panic!("not an OPEN")
        };
        assert_eq!(open.my_asn, 3129);
        assert_eq!(open.hold_time, 180);
        raw.check().unwrap();
    }

    /// Zebra's 8-byte state changes: AS numbers and states only.
    #[test]
    fn shortened_state_change() {
        let raw = record(16, 0, &[0x0c, 0x39, 0x31, 0x6e, 0, 6, 0, 1]);
        let Record::StateChange(sc) = raw.decode().unwrap() else {
            panic!("not a state change")
        };
        assert_eq!((sc.peer_asn, sc.peer_ip), (3129, None));
        assert!(sc.is_session_down());
    }

    /// RFC 6396 §4.3.4: a RIB entry's MP_REACH_NLRI holds only the next hop.
    #[test]
    fn abbreviated_mp_reach_in_rib_entries() {
        let mut body = vec![0, 0, 0, 7, 32, 0x20, 0x01, 0x0d, 0xb8, 0, 1];
        body.extend([0, 0, 0, 0, 0, 1]); // peer 0, originated 1
        let nh = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9];
        let mut attr = vec![0x80, 14, 17, 16];
        attr.extend(nh);
        body.extend((attr.len() as u16).to_be_bytes());
        body.extend(&attr);
        let raw = record(13, 4, &body);
        let Record::Rib(rib) = raw.decode().unwrap() else {
            panic!("not a RIB record")
        };
        assert_eq!(rib.prefix.unwrap().to_string(), "2001:db8::/32");
        let entry = rib.entries().next().unwrap().unwrap();
        let attrs = entry.attributes();
        let reach = attrs.mp_reach.unwrap();
        assert!(reach.is_abbreviated());
        assert_eq!(reach.next_hop_addr(), Some("2001:db8::9".parse().unwrap()));
        assert!(attrs.error.is_none());
    }

    /// RFC 6793 §4.2.3: an AGGREGATOR other than AS_TRANS beside an
    /// AS4_AGGREGATOR means the AS4 attributes are stale: both are ignored.
    #[test]
    fn as4_attributes_ignored_when_aggregator_is_not_as_trans() {
        let attrs: Vec<u8> = [
            &[0x40, 2, 6, 2, 2, 0x5b, 0xa0, 0x0d, 0x1c][..], // AS_PATH 23456 3356
            &[0xc0, 7, 6, 0x0d, 0x1c, 10, 0, 0, 1],          // AGGREGATOR 3356
            &[0xc0, 17, 6, 2, 1, 0, 0x02, 0, 1],             // AS4_PATH 131073
            &[0xc0, 18, 8, 0, 2, 0, 1, 10, 0, 0, 2],         // AS4_AGGREGATOR
        ]
        .concat();
        let ctx = AttrContext {
            asn_width: AsnWidth::Two,
            add_path: false,
            rib: false,
        };
        let decoded = Attributes::decode(Reader::new(&attrs), ctx);
        assert!(decoded.error.is_none(), "{:?}", decoded.error);
        let path: Vec<u32> = decoded.path().unwrap().asns().collect();
        assert_eq!(path, [23456, 3356]);
        assert_eq!(decoded.effective_aggregator().unwrap().asn, 3356);
    }

    #[test]
    fn truncated_bodies_are_errors_with_offsets() {
        let raw = record(13, 2, &[0, 0, 0, 1, 24, 10]);
        let err = raw.decode().unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Truncated { .. }));
        assert_eq!(err.offset, HEADER_LEN as u32 + 5);
    }

    /// RFC 7606 §3 g: of a repeated attribute the first is kept, and the
    /// repetition is reported.
    #[test]
    fn repeated_attribute_keeps_the_first() {
        let attrs = [0x40, 1, 1, 0, 0x40, 1, 1, 2];
        let ctx = AttrContext {
            asn_width: AsnWidth::Four,
            add_path: false,
            rib: false,
        };
        let decoded = Attributes::decode(Reader::new(&attrs), ctx);
        assert_eq!(decoded.origin, Some(crate::attr::Origin::Igp));
        assert_eq!(
            decoded.error.unwrap().kind,
            ErrorKind::DuplicateAttribute(1)
        );
    }

    /// A message whose BGP length runs past its record loses routes even
    /// when the cut falls between two prefixes: visiting reports it.
    #[test]
    fn message_cut_between_prefixes_is_reported() {
        let mut body = vec![0, 1, 0, 2, 0, 0, 0, 1, 10, 0, 0, 1, 10, 0, 0, 2];
        body.extend([0xff; 16]);
        body.extend([0, 40, 2, 0, 0, 0, 0]); // declares 40 bytes, holds 23
        body.extend([8, 10]); // 10.0.0.0/8, then the cut
        let raw = record(16, 1, &body);
        let mut peers = crate::entry::PeerTable::default();
        let visit = crate::entry::visit(&raw, &mut peers, |_| {});
        assert_eq!(visit.entries, 1, "the route before the cut is delivered");
        assert!(matches!(
            visit.error.unwrap().kind,
            ErrorKind::Truncated { needed: 15, .. }
        ));
        assert!(raw.check().is_err());
    }

    #[test]
    fn bytes_after_the_last_rib_entry_are_reported() {
        let body = [0, 0, 0, 1, 8, 10, 0, 0, 0xde, 0xad];
        let raw = record(13, 2, &body);
        assert_eq!(raw.check().unwrap_err().kind, ErrorKind::TrailingBytes(2));
    }
}
