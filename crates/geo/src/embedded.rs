//! The built-in default: the `iptocc` crate's compiled-in RIR data, used
//! when darkwatch is given no delegated files.
//!
//! iptocc answers one address at a time (`iptocc::country_code`) and keeps
//! its range table private, so the default is built from lookups:
//!
//! - **IPv4** is swept once, /24 by /24 (2^24 blocks): every 16th address
//!   and the last of each /24 are asked ([`V4_PROBE_STEP`]), and where
//!   they differ the /24 is asked address by address. Adjacent runs of one
//!   country merge into ranges, giving the same `RangeTable` as the file
//!   path. A block of 16 addresses or more is CIDR-aligned, so it is always
//!   seen; only a delegation smaller than 16 addresses inside a /24 whose
//!   probes all agree could be missed.
//! - **IPv6** cannot be swept (2^48 /48s), so lookups go to iptocc
//!   directly (about a nanosecond each, no allocation), and a split asks at
//!   most [`V6_SPLIT_PROBES`] evenly spaced /48s of the prefix.
//! - iptocc has no AS numbers: the embedded table answers no ASN lookups.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::country::Country;
use crate::ranges::RangeTable;

/// The most /48s asked when splitting an IPv6 prefix with the embedded
/// data; each stands for an equal share of the prefix.
pub const V6_SPLIT_PROBES: u64 = 256;

fn from_iptocc(code: Option<&'static str>) -> Option<Country> {
    Country::new(code?.as_bytes())
}

/// The country of an IPv6 address according to iptocc.
#[inline]
pub(crate) fn lookup_v6(addr: Ipv6Addr) -> Option<Country> {
    from_iptocc(iptocc::country_code(addr))
}

#[inline]
fn lookup_v4(addr: u32) -> Option<Country> {
    from_iptocc(iptocc::country_code(Ipv4Addr::from(addr)))
}

/// Addresses between the probes asked inside each /24 of the sweep: a
/// delegation of 16 addresses or more is a CIDR block aligned to 16, so
/// its first address is always asked.
pub const V4_PROBE_STEP: u32 = 16;

/// Builds the IPv4 range table from iptocc lookups (see the module docs).
pub(crate) fn sweep_v4() -> RangeTable<u32> {
    let mut table = RangeTable::default();
    for block in 0u32..(1 << 24) {
        let first = block << 8;
        let last = first | 0xff;
        let cc_first = lookup_v4(first);
        let uniform = lookup_v4(last) == cc_first
            && (first + V4_PROBE_STEP..last)
                .step_by(V4_PROBE_STEP as usize)
                .all(|probe| lookup_v4(probe) == cc_first);
        if uniform {
            if let Some(cc) = cc_first {
                table.push(first, last, cc);
            }
            continue;
        }
        for addr in first..=last {
            if let Some(cc) = lookup_v4(addr) {
                table.push(addr, addr, cc);
            }
        }
    }
    table
}

/// Splits an IPv6 prefix `[lo, ...]` of length `len` into /48s by country
/// through iptocc; returns the number of /48s (1 for a longer prefix).
pub(crate) fn split_v6(len: u8, lo: u128, f: &mut impl FnMut(Country, u64)) -> u64 {
    if len >= 48 {
        if let Some(cc) = lookup_v6(Ipv6Addr::from(lo)) {
            f(cc, 1);
        }
        return 1;
    }
    let units = 1u64 << (48 - u32::from(len));
    let probes = units.min(V6_SPLIT_PROBES);
    // Both are powers of two, so the share is exact.
    let share = units / probes;
    for k in 0..probes {
        let addr = lo | (u128::from(k * share) << 80);
        if let Some(cc) = lookup_v6(Ipv6Addr::from(addr)) {
            f(cc, share);
        }
    }
    units
}
