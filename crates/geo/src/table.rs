//! The merged registry table: prefix or address → country (IPv4, IPv6),
//! AS number → country, and the split of a prefix into per-country /24s
//! (IPv6: /48s) that the signal stage counts.

use std::io::{self, BufRead};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;

use wire::prefix::{Afi, Prefix};

use crate::country::Country;
use crate::delegated::{self, mask_u128, ParseReport, Resource};
use crate::ranges::{Key, RangeBuilder, RangeTable};

/// Where the IPv6 answers come from.
#[derive(Clone, Debug)]
enum V6 {
    /// Ranges from delegated files.
    Ranges(RangeTable<u128>),
    /// The `iptocc` crate's built-in table, asked address by address (it
    /// does not expose its ranges, and IPv6 is too large to sweep).
    #[cfg(feature = "embedded")]
    Iptocc,
}

/// Sizes of a built table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableStats {
    /// IPv4 ranges after merging adjacent ranges of one country.
    pub v4_ranges: usize,
    /// IPv6 ranges likewise (0 for the embedded table, see
    /// [`RegistryTable::embedded`]).
    pub v6_ranges: usize,
    /// AS number ranges likewise.
    pub asn_ranges: usize,
    /// Delegations that overlapped an earlier one of another country (the
    /// more specific one wins; see [`RegistryTableBuilder::build`]).
    pub conflicts: usize,
}

/// How a prefix divided into countries: the units not reported to any
/// country are unallocated (or reserved/available) space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SplitSummary {
    /// Units (/24s for IPv4, /48s for IPv6) in the prefix; 1 for a prefix
    /// longer than the unit.
    pub total: u64,
    /// Units that belong to no country.
    pub unallocated: u64,
}

/// Prefix, address and AS number → country, from the RIR delegated files
/// merged together (or the built-in default, see
/// [`RegistryTable::embedded`]). Immutable once built; share it by
/// reference.
#[derive(Clone, Debug)]
pub struct RegistryTable {
    v4: RangeTable<u32>,
    v6: V6,
    asn: RangeTable<u32>,
    conflicts: usize,
}

/// The IPv4 unit of [`RegistryTable::split`]: a /24 (8 host bits).
const V4_UNIT_HOST_BITS: u32 = 8;
/// The IPv6 unit: a /48 (80 host bits).
const V6_UNIT_HOST_BITS: u32 = 80;

impl RegistryTable {
    /// The country of an IPv4 address.
    #[inline]
    pub fn lookup_v4(&self, addr: Ipv4Addr) -> Option<Country> {
        self.v4.get(u32::from(addr))
    }

    /// The country of an IPv6 address.
    #[inline]
    pub fn lookup_v6(&self, addr: Ipv6Addr) -> Option<Country> {
        match &self.v6 {
            V6::Ranges(t) => t.get(u128::from(addr)),
            #[cfg(feature = "embedded")]
            V6::Iptocc => crate::embedded::lookup_v6(addr),
        }
    }

    /// The country of an address of either family.
    #[inline]
    pub fn lookup_addr(&self, addr: IpAddr) -> Option<Country> {
        match addr {
            IpAddr::V4(a) => self.lookup_v4(a),
            IpAddr::V6(a) => self.lookup_v6(a),
        }
    }

    /// Longest-prefix match: the country of the registry space that holds
    /// the whole prefix (bits after the mask are ignored). `None` when no
    /// one country's space holds all of it, e.g. an aggregate over blocks
    /// of two countries or over unallocated space; use
    /// [`RegistryTable::split`] for those.
    ///
    /// With the embedded IPv6 data the prefix's first and last addresses
    /// are asked and must agree (a different-country block strictly inside
    /// would go unseen).
    #[inline]
    pub fn lookup_prefix(&self, prefix: &Prefix) -> Option<Country> {
        match prefix.afi() {
            Afi::Ipv4 => {
                let (lo, hi) = v4_bounds(prefix);
                self.v4.covering(lo, hi)
            }
            Afi::Ipv6 => {
                let (lo, hi) = v6_bounds(prefix);
                match &self.v6 {
                    V6::Ranges(t) => t.covering(lo, hi),
                    #[cfg(feature = "embedded")]
                    V6::Iptocc => {
                        let first = crate::embedded::lookup_v6(Ipv6Addr::from(lo))?;
                        let last = crate::embedded::lookup_v6(Ipv6Addr::from(hi))?;
                        (first == last).then_some(first)
                    }
                }
            }
        }
    }

    /// Splits a prefix into countries, counted in IPv4 /24s or IPv6 /48s:
    /// calls `f(country, units)` for each run of the prefix's space that
    /// belongs to one country, in address order, and returns the total and
    /// the unallocated remainder. A country can be reported more than once
    /// when its blocks are not contiguous inside the prefix; callers add
    /// them up. No allocation.
    ///
    /// Rules, stated because the counts depend on them:
    /// - a /24 (/48) belongs to the country of its first address, so a /24
    ///   shared by sub-/24 delegations of two countries is counted once,
    ///   for the country at its `.0`;
    /// - a prefix longer than /24 (/48) counts as one /24 (/48) of the
    ///   country holding its first address.
    ///
    /// With the embedded IPv6 data (no ranges), at most 256 evenly spaced
    /// /48s of the prefix are asked and each stands for an equal share, so
    /// IPv6 prefixes shorter than /40 are split approximately.
    pub fn split(&self, prefix: &Prefix, mut f: impl FnMut(Country, u64)) -> SplitSummary {
        let mut acc = Accumulator::default();
        let total = match prefix.afi() {
            Afi::Ipv4 => {
                let (lo, hi) = v4_bounds(prefix);
                split_ranges(&self.v4, lo, hi, V4_UNIT_HOST_BITS, &mut acc, &mut f)
            }
            Afi::Ipv6 => {
                let (lo, hi) = v6_bounds(prefix);
                match &self.v6 {
                    V6::Ranges(t) => split_ranges(t, lo, hi, V6_UNIT_HOST_BITS, &mut acc, &mut f),
                    #[cfg(feature = "embedded")]
                    V6::Iptocc => crate::embedded::split_v6(prefix.len(), lo, &mut |cc, n| {
                        acc.add(cc, n, &mut f)
                    }),
                }
            }
        };
        acc.flush(&mut f);
        SplitSummary {
            total,
            unallocated: total.saturating_sub(acc.reported),
        }
    }

    /// The country of an AS number, from the registries' `asn` rows. Always
    /// `None` for the embedded table, which has no AS data.
    #[inline]
    pub fn asn_country(&self, asn: u32) -> Option<Country> {
        self.asn.get(asn)
    }

    /// Sizes of the table.
    pub fn stats(&self) -> TableStats {
        TableStats {
            v4_ranges: self.v4.len(),
            v6_ranges: match &self.v6 {
                V6::Ranges(t) => t.len(),
                #[cfg(feature = "embedded")]
                V6::Iptocc => 0,
            },
            asn_ranges: self.asn.len(),
            conflicts: self.conflicts,
        }
    }

    /// The table built from the `iptocc` crate's compiled-in RIR data, for
    /// use when no delegated file is given. See [`crate::embedded`] for how
    /// it is built and what it cannot do (no AS numbers).
    #[cfg(feature = "embedded")]
    pub fn embedded() -> RegistryTable {
        RegistryTable {
            v4: crate::embedded::sweep_v4(),
            v6: V6::Iptocc,
            asn: RangeTable::default(),
            conflicts: 0,
        }
    }
}

/// Merges consecutive reports of one country so a caller sees one call per
/// run, even where a zero-unit sliver of another country lay between.
#[derive(Default)]
struct Accumulator {
    pending: Option<(Country, u64)>,
    reported: u64,
}

impl Accumulator {
    fn add(&mut self, cc: Country, units: u64, f: &mut impl FnMut(Country, u64)) {
        if units == 0 {
            return;
        }
        self.reported += units;
        match &mut self.pending {
            Some((pcc, n)) if *pcc == cc => *n += units,
            _ => {
                if let Some((pcc, n)) = self.pending.replace((cc, units)) {
                    f(pcc, n);
                }
            }
        }
    }

    fn flush(&mut self, f: &mut impl FnMut(Country, u64)) {
        if let Some((cc, n)) = self.pending.take() {
            f(cc, n);
        }
    }
}

/// Counts units (blocks of `2^unit_bits` numbers) of `[lo, hi]` by country;
/// returns the total. A unit belongs to the range holding its first number.
fn split_ranges<K: Key>(
    table: &RangeTable<K>,
    lo: K,
    hi: K,
    unit_bits: u32,
    acc: &mut Accumulator,
    f: &mut impl FnMut(Country, u64),
) -> u64 {
    let span_units = (hi.wide() >> unit_bits) - (lo.wide() >> unit_bits) + 1;
    if hi.wide() - lo.wide() < (1u128 << unit_bits) - 1 {
        // Longer than the unit: one unit, for the country of its start.
        if let Some(cc) = table.get(lo) {
            acc.add(cc, 1, f);
        }
        return 1;
    }
    for (a, b, cc) in table.overlapping(lo, hi) {
        // Unit starts inside [a, b]: from ceil(a / unit) to floor(b / unit).
        let a = a.wide();
        let first = (a >> unit_bits) + u128::from(a & ((1u128 << unit_bits) - 1) != 0);
        let last = b.wide() >> unit_bits;
        if last >= first {
            acc.add(cc, saturate(last - first + 1), f);
        }
    }
    saturate(span_units)
}

fn saturate(n: u128) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// First and last IPv4 address of a prefix, as numbers.
fn v4_bounds(p: &Prefix) -> (u32, u32) {
    let mut octets = [0u8; 4];
    for (o, b) in octets.iter_mut().zip(p.addr_bytes()) {
        *o = *b;
    }
    let addr = u32::from_be_bytes(octets);
    let mask = match p.len() {
        0 => 0,
        l if l >= 32 => u32::MAX,
        l => u32::MAX << (32 - u32::from(l)),
    };
    (addr & mask, addr | !mask)
}

/// First and last IPv6 address of a prefix, as numbers.
fn v6_bounds(p: &Prefix) -> (u128, u128) {
    let mut octets = [0u8; 16];
    for (o, b) in octets.iter_mut().zip(p.addr_bytes()) {
        *o = *b;
    }
    let addr = u128::from_be_bytes(octets);
    let mask = mask_u128(p.len());
    (addr & mask, addr | !mask)
}

/// Collects delegated files (any number, any order) into one
/// [`RegistryTable`].
#[derive(Clone, Debug, Default)]
pub struct RegistryTableBuilder {
    v4: RangeBuilder<u32>,
    v6: RangeBuilder<u128>,
    asn: RangeBuilder<u32>,
}

impl RegistryTableBuilder {
    /// An empty builder.
    pub fn new() -> RegistryTableBuilder {
        RegistryTableBuilder::default()
    }

    /// Adds the delegations of one delegated-extended file read from
    /// `reader` (already decompressed). `source` names the file in row
    /// errors. Bad rows are reported and skipped; only an I/O error fails.
    pub fn add_delegated<R: BufRead>(
        &mut self,
        reader: R,
        source: Option<Arc<Path>>,
    ) -> io::Result<ParseReport> {
        delegated::read_records(reader, source, |record| {
            let cc = record.country;
            match record.resource {
                Resource::Ipv4 { start, count } => {
                    let start = u32::from(start);
                    // The parser guarantees count >= 1 and no overflow.
                    self.v4.add(start, start.saturating_add(count - 1), cc);
                }
                Resource::Ipv6 { start, len } => {
                    let start = u128::from(start);
                    self.v6.add(start, start | !mask_u128(len), cc);
                }
                Resource::Asn { first, count } => {
                    self.asn.add(first, first.saturating_add(count - 1), cc);
                }
            }
        })
    }

    /// Adds one delegated file given as text.
    pub fn add_delegated_str(&mut self, text: &str, source: Option<Arc<Path>>) -> ParseReport {
        // Reading from a byte slice cannot fail.
        self.add_delegated(text.as_bytes(), source)
            .unwrap_or_default()
    }

    /// Resolves overlaps and builds the table. Where delegations overlap
    /// (across files, or a sub-delegation inside a bigger one), an address
    /// belongs to the most specific one; identical delegations of
    /// different countries go to the file added last.
    pub fn build(self) -> RegistryTable {
        let (v4, c4) = self.v4.build();
        let (v6, c6) = self.v6.build();
        let (asn, ca) = self.asn.build();
        RegistryTable {
            v4,
            v6: V6::Ranges(v6),
            asn,
            conflicts: c4 + c6 + ca,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "\
2.3|test|20181014|6||20181012|+1000
test|*|ipv4|*|4|summary
test|KP|ipv4|175.45.176.0|1024|20091221|allocated|A9183010
test|CN|ipv4|175.45.180.0|768|20091221|allocated|X
test|CN|ipv4|175.45.183.0|128|20091221|assigned|X
test|JP|ipv4|175.45.183.128|128|20091221|assigned|X
test|ZZ|ipv4|175.45.184.0|1024||available|
test|KP|ipv6|2001:db8::|32|20091221|allocated|A9183010
test|CN|ipv6|2001:db8:1::|48|20091221|allocated|A9183010
test|KP|asn|131279|1|20091221|allocated|A9183010
";

    fn cc(s: &str) -> Country {
        s.parse().unwrap()
    }

    fn table() -> RegistryTable {
        let mut b = RegistryTableBuilder::new();
        let report = b.add_delegated_str(SMALL, None);
        assert_eq!((report.ipv4, report.ipv6, report.asn), (4, 2, 1));
        assert_eq!(report.skipped, 1);
        b.build()
    }

    fn split(t: &RegistryTable, p: &str) -> (Vec<(String, u64)>, SplitSummary) {
        let mut parts = Vec::new();
        let s = t.split(&p.parse().unwrap(), |c, n| parts.push((c.to_string(), n)));
        (parts, s)
    }

    #[test]
    fn prefix_lookup_is_longest_match() {
        let t = table();
        assert_eq!(
            t.lookup_prefix(&"175.45.176.0/22".parse().unwrap()),
            Some(cc("KP"))
        );
        assert_eq!(
            t.lookup_prefix(&"175.45.178.0/24".parse().unwrap()),
            Some(cc("KP"))
        );
        assert_eq!(t.lookup_prefix(&"175.45.176.0/21".parse().unwrap()), None);
        assert_eq!(
            t.lookup_prefix(&"2001:db8:1::/48".parse().unwrap()),
            Some(cc("CN"))
        );
        assert_eq!(
            t.lookup_prefix(&"2001:db8:2::/48".parse().unwrap()),
            Some(cc("KP"))
        );
        assert_eq!(t.lookup_prefix(&"2001:db8::/32".parse().unwrap()), None);
        assert_eq!(t.lookup_v4(Ipv4Addr::new(175, 45, 184, 1)), None);
        assert_eq!(t.asn_country(131279), Some(cc("KP")));
        assert_eq!(t.asn_country(131280), None);
    }

    #[test]
    fn split_counts_24s_per_country() {
        let t = table();
        let (parts, s) = split(&t, "175.45.176.0/20");
        assert_eq!(parts, [("KP".into(), 4), ("CN".into(), 4)]);
        assert_eq!(
            s,
            SplitSummary {
                total: 16,
                unallocated: 8
            }
        );
        // A /24 shared by CN and JP is CN's: its .0 is CN.
        let (parts, s) = split(&t, "175.45.183.0/24");
        assert_eq!(parts, [("CN".into(), 1)]);
        assert_eq!(s.total, 1);
        // Longer than /24: one /24 of the country holding it.
        let (parts, _) = split(&t, "175.45.183.128/25");
        assert_eq!(parts, [("JP".into(), 1)]);
        let (parts, s) = split(&t, "10.0.0.0/8");
        assert!(parts.is_empty());
        assert_eq!(
            s,
            SplitSummary {
                total: 65536,
                unallocated: 65536
            }
        );
    }

    #[test]
    fn split_counts_48s_in_ipv6() {
        let t = table();
        let (parts, s) = split(&t, "2001:db8::/32");
        assert_eq!(
            parts,
            [("KP".into(), 1), ("CN".into(), 1), ("KP".into(), 65534)]
        );
        assert_eq!(
            s,
            SplitSummary {
                total: 65536,
                unallocated: 0
            }
        );
        let (parts, s) = split(&t, "::/0");
        assert_eq!(s.total, 1 << 48);
        assert_eq!(parts.iter().map(|p| p.1).sum::<u64>(), 65536);
    }
}
