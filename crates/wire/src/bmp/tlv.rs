//! The BMP messages made of TLVs (RFC 7854 §4.3-4.5, 4.7-4.8):
//! Initiation and Termination, which frame a router's connection,
//! Statistics Reports and Route Mirroring, which the route table does not
//! read; and the checked TLV runs they and Peer Up/Down carry.

use super::{info_tlv, termination_tlv, PeerHeader};
use crate::error::Result;
use crate::reader::Reader;

/// Initiation (RFC 7854 §4.3): who the router is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Initiation<'a> {
    /// Information TLVs (see [`info_tlv`]).
    pub information: Tlvs<'a>,
}

impl<'a> Initiation<'a> {
    /// The router's sysName, as sent (UTF-8 by RFC 7854, unchecked).
    pub fn sys_name(&self) -> Option<&'a [u8]> {
        self.information.first(info_tlv::SYS_NAME)
    }

    /// The router's sysDescr, as sent.
    pub fn sys_descr(&self) -> Option<&'a [u8]> {
        self.information.first(info_tlv::SYS_DESCR)
    }
}

/// Termination (RFC 7854 §4.5): the router closes the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Termination<'a> {
    /// Termination TLVs (see [`termination_tlv`]).
    pub information: Tlvs<'a>,
}

impl Termination<'_> {
    /// The reason code of the first reason TLV holding one.
    pub fn reason(&self) -> Option<u16> {
        let value = self.information.first(termination_tlv::REASON)?;
        Reader::new(value).u16().ok()
    }
}

/// Statistics Report (RFC 7854 §4.8): counters and gauges of one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatisticsReport<'a> {
    /// The session.
    pub peer: PeerHeader,
    /// The statistics as TLVs, exactly as many as the count said.
    pub stats: Tlvs<'a>,
}

impl<'a> StatisticsReport<'a> {
    /// The statistics, in order.
    pub fn stats(&self) -> impl Iterator<Item = Stat<'a>> + 'a {
        self.stats.iter().map(|tlv| Stat {
            stat_type: tlv.tlv_type,
            value: StatValue::of(tlv.value),
        })
    }
}

/// One statistic: its type (IANA "BMP Statistics Types") and value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat<'a> {
    /// Statistic type.
    pub stat_type: u16,
    /// Its value.
    pub value: StatValue<'a>,
}

/// A statistic's value, by its length, which RFC 7854 §4.8 ties to the type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatValue<'a> {
    /// A 32-bit counter (types 0-6, 11-13).
    Counter(u32),
    /// A 64-bit gauge (types 7, 8, 14, 15).
    Gauge(u64),
    /// A 64-bit gauge of one address family (types 9, 10, 16, 17).
    FamilyGauge {
        /// AFI code.
        afi: u16,
        /// SAFI code.
        safi: u8,
        /// The gauge.
        value: u64,
    },
    /// A value of another length, as found.
    Other(&'a [u8]),
}

impl<'a> StatValue<'a> {
    /// The value of a statistic TLV.
    pub fn of(value: &'a [u8]) -> StatValue<'a> {
        match *value {
            [a, b, c, d] => StatValue::Counter(u32::from_be_bytes([a, b, c, d])),
            [a, b, c, d, e, f, g, h] => {
                StatValue::Gauge(u64::from_be_bytes([a, b, c, d, e, f, g, h]))
            }
            [a0, a1, safi, a, b, c, d, e, f, g, h] => StatValue::FamilyGauge {
                afi: u16::from_be_bytes([a0, a1]),
                safi,
                value: u64::from_be_bytes([a, b, c, d, e, f, g, h]),
            },
            _ => StatValue::Other(value),
        }
    }
}

/// Route Mirroring (RFC 7854 §4.7): messages as the router got them, kept
/// as TLVs (type 0 a BGP message, type 1 a 2-byte information code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteMirroring<'a> {
    /// The session.
    pub peer: PeerHeader,
    /// The mirroring TLVs.
    pub information: Tlvs<'a>,
}

/// A run of BMP TLVs (2-byte type, 2-byte length, value), checked when
/// the message was decoded, so iterating cannot fail.
#[derive(Clone, Copy, Debug)]
pub struct Tlvs<'a> {
    r: Reader<'a>,
}

/// Runs are equal when their bytes are, wherever they were found.
impl PartialEq for Tlvs<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes() == other.bytes()
    }
}

impl Eq for Tlvs<'_> {}

/// One TLV.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Type.
    pub tlv_type: u16,
    /// Value.
    pub value: &'a [u8],
}

impl<'a> Tlvs<'a> {
    /// Checks that `bytes` is a run of whole TLVs.
    pub fn new(bytes: &'a [u8]) -> Result<Tlvs<'a>> {
        Tlvs::read(&mut Reader::new(bytes), None)
    }

    /// Reads TLVs from `r`: all that is left, or exactly `count`.
    pub(super) fn read(r: &mut Reader<'a>, count: Option<u32>) -> Result<Tlvs<'a>> {
        let mut start = *r;
        let mut read = 0u32;
        while count.map_or(!r.is_empty(), |count| read < count) {
            read_tlv(r)?;
            read = read.saturating_add(1);
        }
        let used = start.remaining() - r.remaining();
        Ok(Tlvs {
            r: start.sub(used)?,
        })
    }

    /// The TLVs in order.
    pub fn iter(&self) -> TlvIter<'a> {
        TlvIter { r: self.r }
    }

    /// The value of the first TLV of type `tlv_type`.
    pub fn first(&self, tlv_type: u16) -> Option<&'a [u8]> {
        self.iter()
            .find(|t| t.tlv_type == tlv_type)
            .map(|t| t.value)
    }

    /// The TLVs' bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.r.rest()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.r.is_empty()
    }
}

fn read_tlv<'a>(r: &mut Reader<'a>) -> Result<Tlv<'a>> {
    let tlv_type = r.u16()?;
    let len = usize::from(r.u16()?);
    let value = r.sub(len)?.take_rest();
    Ok(Tlv { tlv_type, value })
}

/// Iterator over checked TLVs.
#[derive(Clone, Debug)]
pub struct TlvIter<'a> {
    r: Reader<'a>,
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Tlv<'a>;

    fn next(&mut self) -> Option<Tlv<'a>> {
        // The run was checked when decoded: the only read error left is
        // the one at its end.
        read_tlv(&mut self.r).ok()
    }
}
