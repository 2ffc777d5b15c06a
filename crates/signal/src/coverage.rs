//! How many blocks (IPv4 /24s, IPv6 /48s) a set of prefixes covers, with
//! overlaps counted once: a step function over block indices that counts
//! the prefixes covering each point. Adding or removing a prefix reports
//! exactly the block ranges that became covered or uncovered, so the
//! series built on it change incrementally.

use std::collections::BTreeMap;

/// Counted coverage of block indices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Breakpoint → number of prefixes covering from it to the next one.
    steps: BTreeMap<u64, u32>,
    covered: u64,
}

impl Coverage {
    /// Blocks covered by at least one prefix.
    pub fn covered(&self) -> u64 {
        self.covered
    }

    /// Blocks of `[start, end)` covered by at least one prefix.
    pub fn covered_in(&self, start: u64, end: u64) -> u64 {
        let mut total = 0;
        let mut at = start;
        let mut count = self.count_at(start);
        for (&k, &c) in self.steps.range(start + 1..end) {
            if count > 0 {
                total += k - at;
            }
            at = k;
            count = c;
        }
        if count > 0 {
            total += end - at;
        }
        total
    }

    /// Counts `[start, end)` once more; `on_new` gets each range that was
    /// not covered before.
    pub fn add(&mut self, start: u64, end: u64, on_new: impl FnMut(u64, u64)) {
        self.shift(start, end, true, on_new);
    }

    /// Counts `[start, end)` once less; `on_gone` gets each range that is
    /// no longer covered.
    pub fn remove(&mut self, start: u64, end: u64, on_gone: impl FnMut(u64, u64)) {
        self.shift(start, end, false, on_gone);
    }

    fn count_at(&self, point: u64) -> u32 {
        self.steps
            .range(..=point)
            .next_back()
            .map_or(0, |(_, &c)| c)
    }

    fn shift(&mut self, start: u64, end: u64, up: bool, mut changed: impl FnMut(u64, u64)) {
        if start >= end {
            return;
        }
        // Breakpoints at both ends, so the range is whole steps.
        let at_end = self.count_at(end);
        self.steps.insert(end, at_end);
        let at_start = self.count_at(start);
        self.steps.insert(start, at_start);
        let keys: Vec<u64> = self.steps.range(start..end).map(|(&k, _)| k).collect();
        for (i, &k) in keys.iter().enumerate() {
            let next = keys.get(i + 1).copied().unwrap_or(end);
            let Some(c) = self.steps.get_mut(&k) else {
                continue;
            };
            let before = *c;
            *c = if up {
                before + 1
            } else {
                before.saturating_sub(1)
            };
            if up && before == 0 {
                self.covered += next - k;
                changed(k, next);
            } else if !up && before == 1 {
                self.covered -= next - k;
                changed(k, next);
            }
        }
        // Merge steps equal to the one before, so the map stays small.
        for k in keys.into_iter().chain([end]) {
            let prev = self.steps.range(..k).next_back().map_or(0, |(_, &c)| c);
            if self.steps.get(&k) == Some(&prev) {
                self.steps.remove(&k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlaps_count_once_and_changes_are_exact() {
        let mut c = Coverage::default();
        let mut new = Vec::new();
        c.add(0, 4, |a, b| new.push((a, b))); // a /22: four /24s
        c.add(1, 2, |a, b| new.push((a, b))); // one of its /24s
        assert_eq!(c.covered(), 4);
        assert_eq!(new, [(0, 4)]);
        let mut gone = Vec::new();
        c.remove(0, 4, |a, b| gone.push((a, b)));
        assert_eq!(c.covered(), 1);
        assert_eq!(gone, [(0, 1), (2, 4)]);
        assert_eq!(c.covered_in(0, 10), 1);
        c.remove(1, 2, |a, b| gone.push((a, b)));
        assert_eq!(c.covered(), 0);
        assert!(c.steps.is_empty(), "{:?}", c.steps);
    }

    #[test]
    fn covered_in_counts_part_of_a_range() {
        let mut c = Coverage::default();
        c.add(10, 20, |_, _| {});
        c.add(30, 40, |_, _| {});
        assert_eq!(c.covered_in(15, 35), 10);
        assert_eq!(c.covered_in(0, 100), 20);
        assert_eq!(c.covered_in(20, 30), 0);
    }
}
