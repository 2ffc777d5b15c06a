//! Sorted, non-overlapping address (or AS number) ranges, each with its
//! country: the lookup structure behind every per-event question. A lookup
//! is one binary search over a flat `Vec` of starts, no allocation.

use core::fmt::Debug;

use crate::country::Country;

/// A number space the tables cover: `u32` for IPv4 and AS numbers, `u128`
/// for IPv6.
pub(crate) trait Key: Copy + Ord + Debug + Default {
    /// The first number of the space.
    const ZERO: Self;
    /// The next number, `None` past the end of the space.
    fn checked_inc(self) -> Option<Self>;
    /// The previous number, `None` before zero.
    fn checked_dec(self) -> Option<Self>;
    /// Widened for arithmetic that is the same in every space.
    fn wide(self) -> u128;
}

impl Key for u32 {
    const ZERO: u32 = 0;
    fn checked_inc(self) -> Option<u32> {
        self.checked_add(1)
    }
    fn checked_dec(self) -> Option<u32> {
        self.checked_sub(1)
    }
    fn wide(self) -> u128 {
        u128::from(self)
    }
}

impl Key for u128 {
    const ZERO: u128 = 0;
    fn checked_inc(self) -> Option<u128> {
        self.checked_add(1)
    }
    fn checked_dec(self) -> Option<u128> {
        self.checked_sub(1)
    }
    fn wide(self) -> u128 {
        self
    }
}

/// Non-overlapping inclusive ranges in ascending order. Adjacent ranges of
/// the same country are merged on insertion, so a prefix made of several
/// delegations of one country is found as one range.
#[derive(Clone, Debug, Default)]
pub(crate) struct RangeTable<K> {
    // Three parallel vectors rather than one of structs: the binary search
    // touches only `starts`, which keeps it dense in cache.
    starts: Vec<K>,
    ends: Vec<K>,
    countries: Vec<Country>,
}

impl<K: Key> RangeTable<K> {
    /// Number of ranges.
    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    /// Appends `[start, end]`; must not start before the last range ends.
    pub(crate) fn push(&mut self, start: K, end: K, country: Country) {
        if let (Some(last_end), Some(last_cc)) = (self.ends.last_mut(), self.countries.last()) {
            if *last_cc == country && last_end.checked_inc() == Some(start) {
                *last_end = end;
                return;
            }
        }
        self.starts.push(start);
        self.ends.push(end);
        self.countries.push(country);
    }

    /// Index of the first range that ends at or after `x`.
    fn first_ending_at_or_after(&self, x: K) -> usize {
        let i = self.starts.partition_point(|s| *s <= x);
        match i.checked_sub(1) {
            Some(prev) if self.ends.get(prev).is_some_and(|e| *e >= x) => prev,
            _ => i,
        }
    }

    fn range(&self, i: usize) -> Option<(K, K, Country)> {
        Some((
            *self.starts.get(i)?,
            *self.ends.get(i)?,
            *self.countries.get(i)?,
        ))
    }

    /// The country of the range holding `x`.
    #[inline]
    pub(crate) fn get(&self, x: K) -> Option<Country> {
        let i = self.starts.partition_point(|s| *s <= x).checked_sub(1)?;
        match self.range(i)? {
            (_, end, cc) if end >= x => Some(cc),
            _ => None,
        }
    }

    /// The country of the range holding all of `[lo, hi]`.
    #[inline]
    pub(crate) fn covering(&self, lo: K, hi: K) -> Option<Country> {
        let i = self.starts.partition_point(|s| *s <= lo).checked_sub(1)?;
        match self.range(i)? {
            (_, end, cc) if end >= hi => Some(cc),
            _ => None,
        }
    }

    /// The ranges overlapping `[lo, hi]`, clipped to it, in order.
    pub(crate) fn overlapping(&self, lo: K, hi: K) -> impl Iterator<Item = (K, K, Country)> + '_ {
        let first = self.first_ending_at_or_after(lo);
        (first..self.len())
            .map_while(move |i| self.range(i))
            .take_while(move |(start, _, _)| *start <= hi)
            .map(move |(start, end, cc)| (start.max(lo), end.min(hi), cc))
    }
}

/// One range as read from a file, before overlaps are resolved.
#[derive(Clone, Copy, Debug)]
struct Raw<K> {
    start: K,
    end: K,
    country: Country,
}

/// Collects ranges in any order, possibly overlapping, and resolves them
/// into a [`RangeTable`].
#[derive(Clone, Debug, Default)]
pub(crate) struct RangeBuilder<K> {
    raw: Vec<Raw<K>>,
}

impl<K: Key> RangeBuilder<K> {
    /// Adds `[start, end]` (ignored when `end < start`).
    pub(crate) fn add(&mut self, start: K, end: K, country: Country) {
        if start <= end {
            self.raw.push(Raw {
                start,
                end,
                country,
            });
        }
    }

    /// Resolves overlaps and returns the table and how many ranges
    /// overlapped an earlier one of another country.
    ///
    /// Where ranges overlap, an address belongs to the range that starts
    /// last among those holding it, and among ranges with the same start to
    /// the shorter one; equal ranges go to the one added last. For nested
    /// blocks (a registry's sub-delegation inside a bigger one) this is
    /// longest-prefix match.
    pub(crate) fn build(mut self) -> (RangeTable<K>, usize) {
        // Stable sort: equal ranges keep insertion order, so the later file
        // wins a tie.
        self.raw
            .sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut out = RangeTable::default();
        let mut open: Vec<Raw<K>> = Vec::new();
        let mut cursor = Some(K::ZERO);
        let mut conflicts = 0;
        for r in self.raw {
            emit_until(&mut open, &mut cursor, Some(r.start), &mut out);
            if open
                .last()
                .is_some_and(|top| top.end >= r.start && top.country != r.country)
            {
                conflicts += 1;
            }
            open.push(r);
        }
        emit_until(&mut open, &mut cursor, None, &mut out);
        (out, conflicts)
    }
}

/// Emits the owners of all numbers from `cursor` up to (not including)
/// `limit`, or to the end of the space. `open` holds the ranges that
/// started so far in start order; the owner of a number is the last open
/// range that still holds it. Ranges that ended are dropped lazily when
/// they reach the top.
fn emit_until<K: Key>(
    open: &mut Vec<Raw<K>>,
    cursor: &mut Option<K>,
    limit: Option<K>,
    out: &mut RangeTable<K>,
) {
    loop {
        let Some(cur) = *cursor else {
            // Past the end of the space: nothing more to emit.
            open.clear();
            return;
        };
        if limit.is_some_and(|l| cur >= l) {
            return;
        }
        let Some(top) = open.last().copied() else {
            // A gap: no range owns it. Jump to the next start.
            if limit.is_some() {
                *cursor = limit;
            }
            return;
        };
        if top.end < cur {
            open.pop();
            continue;
        }
        let seg_end = match limit.and_then(K::checked_dec) {
            Some(before_limit) if before_limit < top.end => before_limit,
            _ => top.end,
        };
        out.push(cur, seg_end, top.country);
        *cursor = seg_end.checked_inc();
        if seg_end == top.end {
            open.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(s: &str) -> Country {
        Country::new(s.as_bytes()).unwrap()
    }

    fn ranges(t: &RangeTable<u32>) -> Vec<(u32, u32, String)> {
        t.overlapping(0, u32::MAX)
            .map(|(a, b, c)| (a, b, c.to_string()))
            .collect()
    }

    #[test]
    fn nested_ranges_resolve_to_the_most_specific() {
        let mut b = RangeBuilder::default();
        b.add(0u32, 99, cc("US"));
        b.add(10, 19, cc("CA"));
        b.add(15, 16, cc("MX"));
        b.add(200, 299, cc("US"));
        let (t, conflicts) = b.build();
        assert_eq!(conflicts, 2);
        assert_eq!(
            ranges(&t),
            [
                (0, 9, "US".into()),
                (10, 14, "CA".into()),
                (15, 16, "MX".into()),
                (17, 19, "CA".into()),
                (20, 99, "US".into()),
                (200, 299, "US".into())
            ]
        );
        assert_eq!(t.get(15), Some(cc("MX")));
        assert_eq!(t.get(150), None);
        assert_eq!(t.covering(20, 99), Some(cc("US")));
        assert_eq!(t.covering(0, 99), None);
    }

    #[test]
    fn adjacent_same_country_merges_and_crossing_ranges_resolve() {
        let mut b = RangeBuilder::default();
        b.add(0u32, 9, cc("DE"));
        b.add(10, 19, cc("DE"));
        b.add(15, 30, cc("FR"));
        b.add(u32::MAX - 1, u32::MAX, cc("JP"));
        let (t, conflicts) = b.build();
        assert_eq!(conflicts, 1);
        assert_eq!(
            ranges(&t),
            [
                (0, 14, "DE".into()),
                (15, 30, "FR".into()),
                (u32::MAX - 1, u32::MAX, "JP".into())
            ]
        );
        assert_eq!(t.get(u32::MAX), Some(cc("JP")));
    }

    #[test]
    fn duplicates_go_to_the_last_added() {
        let mut b = RangeBuilder::default();
        b.add(5u128, 9, cc("AA"));
        b.add(5, 9, cc("BB"));
        let (t, _) = b.build();
        assert_eq!(t.get(7), Some(cc("BB")));
        assert_eq!(t.len(), 1);
    }
}
