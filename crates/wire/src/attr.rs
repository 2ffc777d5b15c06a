//! BGP path attributes (RFC 4271 §4.3 and §5, RFC 4760, RFC 6793, RFC 1997,
//! RFC 4360, RFC 8092, RFC 9234) decoded in place, with RFC 7606 error
//! handling left to the caller: a malformed attribute is skipped and
//! reported in [`Attributes::error`], never a reason to lose the others.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::aspath::{AsPath, MergedPath, AS_TRANS};
use crate::error::{ErrorKind, WireError};
use crate::prefix::{Afi, NlriIter};
use crate::reader::{AsnWidth, Reader};

/// Attribute type codes (IANA "BGP Path Attributes").
pub mod code {
    /// ORIGIN (RFC 4271).
    pub const ORIGIN: u8 = 1;
    /// AS_PATH (RFC 4271).
    pub const AS_PATH: u8 = 2;
    /// NEXT_HOP (RFC 4271).
    pub const NEXT_HOP: u8 = 3;
    /// MULTI_EXIT_DISC (RFC 4271).
    pub const MULTI_EXIT_DISC: u8 = 4;
    /// LOCAL_PREF (RFC 4271).
    pub const LOCAL_PREF: u8 = 5;
    /// ATOMIC_AGGREGATE (RFC 4271).
    pub const ATOMIC_AGGREGATE: u8 = 6;
    /// AGGREGATOR (RFC 4271, RFC 6793).
    pub const AGGREGATOR: u8 = 7;
    /// COMMUNITIES (RFC 1997).
    pub const COMMUNITIES: u8 = 8;
    /// ORIGINATOR_ID (RFC 4456).
    pub const ORIGINATOR_ID: u8 = 9;
    /// CLUSTER_LIST (RFC 4456).
    pub const CLUSTER_LIST: u8 = 10;
    /// MP_REACH_NLRI (RFC 4760).
    pub const MP_REACH_NLRI: u8 = 14;
    /// MP_UNREACH_NLRI (RFC 4760).
    pub const MP_UNREACH_NLRI: u8 = 15;
    /// EXTENDED COMMUNITIES (RFC 4360).
    pub const EXTENDED_COMMUNITIES: u8 = 16;
    /// AS4_PATH (RFC 6793).
    pub const AS4_PATH: u8 = 17;
    /// AS4_AGGREGATOR (RFC 6793).
    pub const AS4_AGGREGATOR: u8 = 18;
    /// LARGE_COMMUNITY (RFC 8092).
    pub const LARGE_COMMUNITIES: u8 = 32;
    /// ONLY_TO_CUSTOMER (RFC 9234).
    pub const ONLY_TO_CUSTOMER: u8 = 35;
}

/// Attribute flag bits (RFC 4271 §4.3).
pub mod flag {
    /// Optional attribute.
    pub const OPTIONAL: u8 = 0x80;
    /// Transitive attribute.
    pub const TRANSITIVE: u8 = 0x40;
    /// Partial attribute.
    pub const PARTIAL: u8 = 0x20;
    /// Two-byte length.
    pub const EXTENDED_LENGTH: u8 = 0x10;
}

/// One attribute as found: flags, type code, value and its offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawAttribute<'a> {
    /// Flag byte.
    pub flags: u8,
    /// Type code.
    pub type_code: u8,
    /// Value bytes.
    pub value: &'a [u8],
    /// Offset of the value in the buffer the attributes came from.
    pub offset: usize,
}

/// Iterator over the raw attributes of a path attribute block; stops after
/// the first attribute whose header or length overruns the block.
#[derive(Clone, Debug)]
pub struct RawAttributes<'a> {
    r: Reader<'a>,
    failed: bool,
}

impl<'a> RawAttributes<'a> {
    /// Attributes in `r`.
    pub fn new(r: Reader<'a>) -> Self {
        RawAttributes { r, failed: false }
    }

    // Always inlined: with BMP reading attributes too, LLVM stopped
    // inlining it into `Attributes::decode`, and RIB decoding took 60%
    // longer (BENCHMARKS.md).
    #[inline(always)]
    fn read_one(&mut self) -> Result<RawAttribute<'a>, WireError> {
        let flags = self.r.u8()?;
        let type_code = self.r.u8()?;
        let len = if flags & flag::EXTENDED_LENGTH != 0 {
            usize::from(self.r.u16()?)
        } else {
            usize::from(self.r.u8()?)
        };
        let offset = self.r.offset();
        let value = self.r.sub(len)?.take_rest();
        Ok(RawAttribute {
            flags,
            type_code,
            value,
            offset,
        })
    }
}

impl<'a> Iterator for RawAttributes<'a> {
    type Item = Result<RawAttribute<'a>, WireError>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let item = self.read_one();
        self.failed = item.is_err();
        Some(item)
    }
}

/// How to read an attribute block: AS number width and ADD-PATH come from
/// the session (or MRT subtype); `rib` marks TABLE_DUMP_V2 entries, whose
/// MP_REACH_NLRI holds only the next hop (RFC 6396 §4.3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttrContext {
    /// Width of AS numbers in AS_PATH and AGGREGATOR.
    pub asn_width: AsnWidth,
    /// NLRI in MP attributes carry path ids (RFC 7911).
    pub add_path: bool,
    /// Attributes of a TABLE_DUMP_V2 RIB entry.
    pub rib: bool,
}

/// ORIGIN values (RFC 4271 §5.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// 0: learned from an interior protocol.
    Igp,
    /// 1: learned from EGP.
    Egp,
    /// 2: learned some other way.
    Incomplete,
    /// Any other value (malformed per RFC 7606, kept for display).
    Other(u8),
}

impl Origin {
    /// The value for a wire code.
    pub fn from_code(code: u8) -> Origin {
        match code {
            0 => Origin::Igp,
            1 => Origin::Egp,
            2 => Origin::Incomplete,
            other => Origin::Other(other),
        }
    }

    /// The wire code.
    pub fn code(self) -> u8 {
        match self {
            Origin::Igp => 0,
            Origin::Egp => 1,
            Origin::Incomplete => 2,
            Origin::Other(c) => c,
        }
    }

    /// Upper-case name as route collectors print it.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Igp => "IGP",
            Origin::Egp => "EGP",
            Origin::Incomplete | Origin::Other(_) => "INCOMPLETE",
        }
    }
}

/// AGGREGATOR or AS4_AGGREGATOR value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Aggregator {
    /// The aggregating AS.
    pub asn: u32,
    /// The aggregating router's id.
    pub addr: Ipv4Addr,
}

/// COMMUNITIES values (RFC 1997): 4 bytes each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Communities<'a>(&'a [u8]);

impl<'a> Communities<'a> {
    /// The values as 32-bit numbers (`asn << 16 | value`).
    pub fn iter(&self) -> impl Iterator<Item = u32> + 'a {
        self.0
            .chunks_exact(4)
            .map(|c| c.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)))
    }

    /// Number of communities.
    pub fn len(&self) -> usize {
        self.0.len() / 4
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Appends a community as collectors print it: `asn:value`, or the name of
/// a well-known one (`no-export`, `no-advertise`, `local-AS` for
/// NO_EXPORT_SUBCONFED, RFC 1997).
pub fn write_community(out: &mut Vec<u8>, community: u32) {
    match community {
        NO_EXPORT => out.extend_from_slice(b"no-export"),
        NO_ADVERTISE => out.extend_from_slice(b"no-advertise"),
        NO_EXPORT_SUBCONFED => out.extend_from_slice(b"local-AS"),
        c => {
            crate::text::write_u32(out, c >> 16);
            out.push(b':');
            crate::text::write_u32(out, c & 0xffff);
        }
    }
}

/// Well-known community NO_EXPORT (RFC 1997).
pub const NO_EXPORT: u32 = 0xFFFF_FF01;
/// Well-known community NO_ADVERTISE (RFC 1997).
pub const NO_ADVERTISE: u32 = 0xFFFF_FF02;
/// Well-known community NO_EXPORT_SUBCONFED (RFC 1997).
pub const NO_EXPORT_SUBCONFED: u32 = 0xFFFF_FF03;

/// EXTENDED COMMUNITIES values (RFC 4360): 8 bytes each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtCommunities<'a>(&'a [u8]);

impl<'a> ExtCommunities<'a> {
    /// The raw 8-byte values.
    pub fn iter(&self) -> impl Iterator<Item = [u8; 8]> + 'a {
        self.0.chunks_exact(8).map(|c| {
            let mut v = [0u8; 8];
            v.copy_from_slice(c);
            v
        })
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len() / 8
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// LARGE_COMMUNITY values (RFC 8092): (global admin, local 1, local 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LargeCommunities<'a>(&'a [u8]);

impl<'a> LargeCommunities<'a> {
    /// The values.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32, u32)> + 'a {
        self.0.chunks_exact(12).map(|c| {
            let word = |i: usize| {
                c.get(i..i + 4)
                    .map(|w| w.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)))
                    .unwrap_or(0)
            };
            (word(0), word(4), word(8))
        })
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.0.len() / 12
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// MP_REACH_NLRI (RFC 4760 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpReach<'a> {
    /// AFI code; 0 in the abbreviated form of a TABLE_DUMP_V2 entry, whose
    /// family is the RIB record's.
    pub afi: u16,
    /// SAFI code; 0 in the abbreviated form.
    pub safi: u8,
    /// Next hop bytes (length 4, 16, 32, or with route distinguishers 12, 24, 48).
    pub next_hop: &'a [u8],
    nlri: &'a [u8],
    nlri_offset: usize,
    add_path: bool,
}

impl<'a> MpReach<'a> {
    /// True for the next-hop-only form of TABLE_DUMP_V2 (RFC 6396 §4.3.4).
    pub fn is_abbreviated(&self) -> bool {
        self.afi == 0
    }

    /// The family when it is IPv4/IPv6 unicast or multicast, the ones whose
    /// NLRI are plain prefixes.
    pub fn family(&self) -> Option<Afi> {
        plain_family(self.afi, self.safi)
    }

    /// The announced prefixes; empty for families kept opaque.
    pub fn nlri(&self) -> NlriIter<'a> {
        plain_nlri(self.family(), self.nlri, self.nlri_offset, self.add_path)
    }

    /// The NLRI bytes as found (for families kept opaque).
    pub fn nlri_bytes(&self) -> &'a [u8] {
        self.nlri
    }

    /// The (global) next-hop address, skipping a route distinguisher.
    pub fn next_hop_addr(&self) -> Option<IpAddr> {
        next_hop_addresses(self.next_hop).0
    }

    /// The IPv6 link-local next hop of a 32-byte next hop (RFC 2545).
    pub fn link_local(&self) -> Option<IpAddr> {
        next_hop_addresses(self.next_hop).1
    }
}

/// The one or two addresses of an MP next hop, by its length.
fn next_hop_addresses(nh: &[u8]) -> (Option<IpAddr>, Option<IpAddr>) {
    let v4 = |b: &[u8]| -> Option<IpAddr> {
        let a: [u8; 4] = b.try_into().ok()?;
        Some(IpAddr::V4(Ipv4Addr::from(a)))
    };
    let v6 = |b: &[u8]| -> Option<IpAddr> {
        let a: [u8; 16] = b.try_into().ok()?;
        Some(IpAddr::V6(Ipv6Addr::from(a)))
    };
    match nh.len() {
        4 => (v4(nh), None),
        12 => (nh.get(8..).and_then(v4), None),
        16 => (v6(nh), None),
        24 => (nh.get(8..).and_then(v6), None),
        32 => (nh.get(..16).and_then(v6), nh.get(16..).and_then(v6)),
        48 => (nh.get(8..24).and_then(v6), nh.get(32..).and_then(v6)),
        _ => (None, None),
    }
}

/// The prefixes of an MP attribute's NLRI, or none for an opaque family.
fn plain_nlri(family: Option<Afi>, nlri: &[u8], offset: usize, add_path: bool) -> NlriIter<'_> {
    match family {
        Some(afi) => NlriIter::new(Reader::with_base(nlri, offset), afi, add_path),
        None => NlriIter::empty(Afi::Ipv4),
    }
}

fn plain_family(afi: u16, safi: u8) -> Option<Afi> {
    match safi {
        1 | 2 => Afi::from_code(afi),
        _ => None,
    }
}

/// MP_UNREACH_NLRI (RFC 4760 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpUnreach<'a> {
    /// AFI code.
    pub afi: u16,
    /// SAFI code.
    pub safi: u8,
    nlri: &'a [u8],
    nlri_offset: usize,
    add_path: bool,
}

impl<'a> MpUnreach<'a> {
    /// The family when its NLRI are plain prefixes.
    pub fn family(&self) -> Option<Afi> {
        plain_family(self.afi, self.safi)
    }

    /// The withdrawn prefixes; empty for families kept opaque.
    pub fn nlri(&self) -> NlriIter<'a> {
        plain_nlri(self.family(), self.nlri, self.nlri_offset, self.add_path)
    }

    /// The NLRI bytes as found.
    pub fn nlri_bytes(&self) -> &'a [u8] {
        self.nlri
    }
}

/// The decoded path attributes of one message or RIB entry, borrowing the
/// bytes. Absent attributes are `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attributes<'a> {
    raw: Reader<'a>,
    ctx: AttrContext,
    /// ORIGIN.
    pub origin: Option<Origin>,
    /// AS_PATH as sent.
    pub as_path: Option<AsPath<'a>>,
    /// AS4_PATH (only meaningful from 2-byte speakers).
    pub as4_path: Option<AsPath<'a>>,
    /// NEXT_HOP.
    pub next_hop: Option<Ipv4Addr>,
    /// MULTI_EXIT_DISC.
    pub med: Option<u32>,
    /// LOCAL_PREF.
    pub local_pref: Option<u32>,
    /// ATOMIC_AGGREGATE present.
    pub atomic_aggregate: bool,
    /// AGGREGATOR as sent.
    pub aggregator: Option<Aggregator>,
    /// AS4_AGGREGATOR.
    pub as4_aggregator: Option<Aggregator>,
    /// COMMUNITIES.
    pub communities: Option<Communities<'a>>,
    /// EXTENDED COMMUNITIES.
    pub ext_communities: Option<ExtCommunities<'a>>,
    /// LARGE_COMMUNITY.
    pub large_communities: Option<LargeCommunities<'a>>,
    /// ORIGINATOR_ID.
    pub originator_id: Option<Ipv4Addr>,
    /// CLUSTER_LIST, 4 bytes per cluster id.
    pub cluster_list: Option<&'a [u8]>,
    /// MP_REACH_NLRI.
    pub mp_reach: Option<MpReach<'a>>,
    /// MP_UNREACH_NLRI.
    pub mp_unreach: Option<MpUnreach<'a>>,
    /// ONLY_TO_CUSTOMER (RFC 9234).
    pub only_to_customer: Option<u32>,
    /// Attributes of types this crate does not decode (kept opaque).
    pub unknown: u16,
    /// The first problem met: a malformed attribute (skipped, the others
    /// kept, RFC 7606 attribute discard), a repeated one (the first kept,
    /// RFC 7606 §3 g) or a block that overruns (decoding stopped there).
    pub error: Option<WireError>,
}

impl<'a> Attributes<'a> {
    /// Decodes the attribute block in `r` under `ctx`. Never fails: see
    /// [`Attributes::error`].
    pub fn decode(r: Reader<'a>, ctx: AttrContext) -> Attributes<'a> {
        let mut attrs = Attributes {
            raw: r,
            ctx,
            origin: None,
            as_path: None,
            as4_path: None,
            next_hop: None,
            med: None,
            local_pref: None,
            atomic_aggregate: false,
            aggregator: None,
            as4_aggregator: None,
            communities: None,
            ext_communities: None,
            large_communities: None,
            originator_id: None,
            cluster_list: None,
            mp_reach: None,
            mp_unreach: None,
            only_to_customer: None,
            unknown: 0,
            error: None,
        };
        let mut seen = [0u64; 4];
        for item in RawAttributes::new(r) {
            match item {
                Ok(raw) => {
                    let (word, bit) = (usize::from(raw.type_code >> 6), raw.type_code & 63);
                    let Some(slot) = seen.get_mut(word) else {
                        continue;
                    };
                    let result = if *slot & (1 << bit) != 0 {
                        Err(WireError::new(
                            ErrorKind::DuplicateAttribute(raw.type_code),
                            raw.offset,
                        ))
                    } else {
                        *slot |= 1 << bit;
                        attrs.apply(raw)
                    };
                    if let Err(e) = result {
                        attrs.error.get_or_insert(e);
                    }
                }
                Err(e) => {
                    attrs.error.get_or_insert(e);
                }
            }
        }
        attrs
    }

    /// The context the block was decoded under.
    pub fn context(&self) -> AttrContext {
        self.ctx
    }

    /// The raw attributes again, in order (for opaque ones and re-encoding).
    pub fn raw(&self) -> RawAttributes<'a> {
        RawAttributes::new(self.raw)
    }

    /// Attributes this crate keeps opaque.
    pub fn unknown_attributes(&self) -> impl Iterator<Item = RawAttribute<'a>> + 'a {
        self.raw()
            .filter_map(Result::ok)
            .filter(|a| !is_decoded(a.type_code))
    }

    /// The AS path the route took: AS_PATH, merged with AS4_PATH for a
    /// 2-byte speaker (RFC 6793 §4.2.3). AS4_PATH is ignored when an
    /// AGGREGATOR names an AS other than AS_TRANS beside an AS4_AGGREGATOR.
    pub fn path(&self) -> Option<MergedPath<'a>> {
        let as_path = self.as_path?;
        if self.ctx.asn_width == AsnWidth::Four || self.as4_aggregator_ignored() {
            return Some(MergedPath::plain(as_path));
        }
        Some(match self.as4_path {
            Some(as4) => MergedPath::merge(as_path, as4),
            None => MergedPath::plain(as_path),
        })
    }

    /// The aggregator, with AS4_AGGREGATOR applied for a 2-byte speaker.
    pub fn effective_aggregator(&self) -> Option<Aggregator> {
        let agg = self.aggregator?;
        match self.as4_aggregator {
            Some(as4) if self.ctx.asn_width == AsnWidth::Two && agg.asn == AS_TRANS => Some(as4),
            _ => Some(agg),
        }
    }

    fn as4_aggregator_ignored(&self) -> bool {
        matches!(
            (self.aggregator, self.as4_aggregator),
            (Some(agg), Some(_)) if agg.asn != AS_TRANS
        )
    }

    #[inline]
    fn apply(&mut self, raw: RawAttribute<'a>) -> Result<(), WireError> {
        let bad_len = || {
            WireError::new(
                ErrorKind::BadAttributeLength {
                    type_code: raw.type_code,
                    len: u16::try_from(raw.value.len()).unwrap_or(u16::MAX),
                },
                raw.offset,
            )
        };
        let mut r = Reader::with_base(raw.value, raw.offset);
        let exact = |n: usize| {
            if raw.value.len() == n {
                Ok(())
            } else {
                Err(bad_len())
            }
        };
        match raw.type_code {
            code::ORIGIN => {
                exact(1)?;
                self.origin = Some(Origin::from_code(r.u8()?));
            }
            code::AS_PATH => {
                let path = AsPath::new(raw.value, self.ctx.asn_width)
                    .map_err(|e| e.shifted(raw.offset))?;
                self.as_path = Some(path);
            }
            code::NEXT_HOP => {
                exact(4)?;
                self.next_hop = Some(Ipv4Addr::from(r.array::<4>()?));
            }
            code::MULTI_EXIT_DISC => {
                exact(4)?;
                self.med = Some(r.u32()?);
            }
            code::LOCAL_PREF => {
                exact(4)?;
                self.local_pref = Some(r.u32()?);
            }
            code::ATOMIC_AGGREGATE => {
                exact(0)?;
                self.atomic_aggregate = true;
            }
            code::AGGREGATOR => {
                exact(self.ctx.asn_width.bytes() + 4)?;
                let asn = r.asn(self.ctx.asn_width)?;
                let addr = Ipv4Addr::from(r.array::<4>()?);
                self.aggregator = Some(Aggregator { asn, addr });
            }
            code::AS4_AGGREGATOR => {
                exact(8)?;
                let asn = r.u32()?;
                let addr = Ipv4Addr::from(r.array::<4>()?);
                self.as4_aggregator = Some(Aggregator { asn, addr });
            }
            code::AS4_PATH => {
                let path =
                    AsPath::new(raw.value, AsnWidth::Four).map_err(|e| e.shifted(raw.offset))?;
                self.as4_path = Some(path);
            }
            code::COMMUNITIES => {
                multiple_of(raw.value, 4).ok_or_else(bad_len)?;
                self.communities = Some(Communities(raw.value));
            }
            code::EXTENDED_COMMUNITIES => {
                multiple_of(raw.value, 8).ok_or_else(bad_len)?;
                self.ext_communities = Some(ExtCommunities(raw.value));
            }
            code::LARGE_COMMUNITIES => {
                multiple_of(raw.value, 12).ok_or_else(bad_len)?;
                self.large_communities = Some(LargeCommunities(raw.value));
            }
            code::ORIGINATOR_ID => {
                exact(4)?;
                self.originator_id = Some(Ipv4Addr::from(r.array::<4>()?));
            }
            code::CLUSTER_LIST => {
                multiple_of(raw.value, 4).ok_or_else(bad_len)?;
                self.cluster_list = Some(raw.value);
            }
            code::ONLY_TO_CUSTOMER => {
                exact(4)?;
                self.only_to_customer = Some(r.u32()?);
            }
            code::MP_REACH_NLRI => {
                let reach = self.decode_mp_reach(r)?;
                self.mp_reach = Some(reach);
                // Kept with its routes, but a next hop of no known size is
                // an error to report (RFC 4760 §3, RFC 2545, RFC 4364).
                if !matches!(reach.next_hop.len(), 4 | 12 | 16 | 24 | 32 | 48)
                    && (reach.family().is_some() || reach.is_abbreviated())
                {
                    return Err(WireError::new(
                        ErrorKind::BadNextHopLength(
                            u8::try_from(reach.next_hop.len()).unwrap_or(u8::MAX),
                        ),
                        raw.offset,
                    ));
                }
            }
            code::MP_UNREACH_NLRI => {
                let afi = r.u16()?;
                let safi = r.u8()?;
                let nlri_offset = r.offset();
                self.mp_unreach = Some(MpUnreach {
                    afi,
                    safi,
                    nlri: r.take_rest(),
                    nlri_offset,
                    add_path: self.ctx.add_path,
                });
            }
            _ => self.unknown = self.unknown.saturating_add(1),
        }
        Ok(())
    }

    fn decode_mp_reach(&self, mut r: Reader<'a>) -> Result<MpReach<'a>, WireError> {
        // TABLE_DUMP_V2 writers disagree: RFC 6396 keeps only the next hop,
        // some keep the whole attribute. A full one starts with an AFI whose
        // high byte is zero; the abbreviated one with a non-zero length.
        let abbreviated = self.ctx.rib && r.rest().first().is_some_and(|&b| b != 0);
        let (afi, safi) = if abbreviated {
            (0, 0)
        } else {
            (r.u16()?, r.u8()?)
        };
        let nh_len = r.u8()?;
        let next_hop = r.take(usize::from(nh_len))?;
        if abbreviated {
            return Ok(MpReach {
                afi,
                safi,
                next_hop,
                nlri: &[],
                nlri_offset: r.offset(),
                add_path: self.ctx.add_path,
            });
        }
        // RFC 2858 carried SNPAs here; RFC 4760 reserves the byte as zero.
        let snpas = r.u8()?;
        for _ in 0..snpas {
            let len = usize::from(r.u8()?);
            r.skip(len.div_ceil(2))?;
        }
        let nlri_offset = r.offset();
        Ok(MpReach {
            afi,
            safi,
            next_hop,
            nlri: r.take_rest(),
            nlri_offset,
            add_path: self.ctx.add_path,
        })
    }
}

fn multiple_of(value: &[u8], n: usize) -> Option<()> {
    value.len().is_multiple_of(n).then_some(())
}

/// True for attribute types [`Attributes`] decodes into fields.
pub fn is_decoded(type_code: u8) -> bool {
    matches!(
        type_code,
        code::ORIGIN
            | code::AS_PATH
            | code::NEXT_HOP
            | code::MULTI_EXIT_DISC
            | code::LOCAL_PREF
            | code::ATOMIC_AGGREGATE
            | code::AGGREGATOR
            | code::COMMUNITIES
            | code::ORIGINATOR_ID
            | code::CLUSTER_LIST
            | code::MP_REACH_NLRI
            | code::MP_UNREACH_NLRI
            | code::EXTENDED_COMMUNITIES
            | code::AS4_PATH
            | code::AS4_AGGREGATOR
            | code::LARGE_COMMUNITIES
            | code::ONLY_TO_CUSTOMER
    )
}
