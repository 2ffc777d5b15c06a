//! An entity's recent history and the baselines judged against it: the
//! weighted median of its visible space over the past day of bins, and
//! the median and MAD of its churn, both leaving out the bins that were
//! already inside an event (an outage must not lower its own baseline).
//!
//! Series arrive as change points (a row only for a bin that changed), so
//! a gauge holds its value until the next point, and a bin without a
//! point had no churn.

use std::collections::VecDeque;

use signal::Values;

/// One stored change point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sample {
    /// Bin start, Unix seconds.
    pub bin: u64,
    /// Visible IPv4 /24s at the bin's end.
    pub v24: u64,
    /// Visible IPv6 /48s at the bin's end.
    pub v48: u64,
    /// Announcements, withdrawals and path changes in the bin.
    pub churn: u64,
}

impl Sample {
    pub(crate) fn of(bin: u64, v: &Values) -> Sample {
        Sample {
            bin,
            v24: v.visible_24s,
            v48: v.visible_48s,
            churn: v.announcements + v.withdrawals + v.path_changes,
        }
    }
}

/// Which gauge an entity is judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gauge {
    /// Visible IPv4 /24s.
    V24,
    /// Visible IPv6 /48s (an entity without IPv4 space).
    V48,
}

impl Gauge {
    pub(crate) fn of(self, s: &Sample) -> u64 {
        match self {
            Gauge::V24 => s.v24,
            Gauge::V48 => s.v48,
        }
    }

    pub(crate) fn value(self, v: &Values) -> u64 {
        match self {
            Gauge::V24 => v.visible_24s,
            Gauge::V48 => v.visible_48s,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Gauge::V24 => "visible_24s",
            Gauge::V48 => "visible_48s",
        }
    }
}

/// The history of one entity over the baseline window.
#[derive(Clone, Debug, Default)]
pub(crate) struct History {
    samples: VecDeque<Sample>,
    /// Spans `[start, end)` inside an outage (end `u64::MAX` while open).
    outages: VecDeque<(u64, u64)>,
    /// Spans inside an instability event.
    unstable: VecDeque<(u64, u64)>,
    /// The first bin seen.
    pub first_bin: Option<u64>,
}

impl History {
    /// Adds the change point of a closed bin and forgets what is older
    /// than `window` before it (keeping the point in force at the
    /// window's start).
    pub(crate) fn push(&mut self, sample: Sample, window: u64) {
        self.first_bin.get_or_insert(sample.bin);
        if self.samples.back().is_some_and(|s| s.bin == sample.bin) {
            self.samples.pop_back();
        }
        self.samples.push_back(sample);
        let horizon = sample.bin.saturating_sub(window);
        while self.samples.get(1).is_some_and(|s| s.bin <= horizon) {
            self.samples.pop_front();
        }
        for spans in [&mut self.outages, &mut self.unstable] {
            while spans.front().is_some_and(|&(_, end)| end <= horizon) {
                spans.pop_front();
            }
        }
    }

    /// Starts the history again at `bin` (after time nobody watched),
    /// keeping the point in force as its first value.
    pub(crate) fn restart(&mut self, bin: u64) {
        if let Some(last) = self.samples.back().copied() {
            self.samples.clear();
            self.samples.push_back(Sample { bin, ..last });
        }
        self.outages.clear();
        self.unstable.clear();
        self.first_bin = Some(bin);
    }

    /// The last change point.
    pub(crate) fn last(&self) -> Option<&Sample> {
        self.samples.back()
    }

    /// Marks `[start, end)` as inside an outage (`end` `u64::MAX` while
    /// open) or, with `unstable`, an instability event.
    pub(crate) fn mark(&mut self, unstable: bool, start: u64, end: u64) {
        let spans = if unstable {
            &mut self.unstable
        } else {
            &mut self.outages
        };
        match spans.back_mut() {
            Some(last) if last.0 == start => last.1 = end,
            _ => spans.push_back((start, end)),
        }
    }

    /// The gauge to judge the entity on: IPv4 unless it has only IPv6.
    pub(crate) fn gauge(&self) -> Gauge {
        if self.samples.iter().any(|s| s.v24 > 0) || !self.samples.iter().any(|s| s.v48 > 0) {
            Gauge::V24
        } else {
            Gauge::V48
        }
    }

    /// Seconds of history before `now` outside outages.
    pub(crate) fn known_secs(&self, now: u64, window: u64) -> u64 {
        let Some(first) = self.first_bin else {
            return 0;
        };
        let from = first.max(now.saturating_sub(window));
        let excluded: u64 = self
            .outages
            .iter()
            .map(|&(a, b)| b.min(now).saturating_sub(a.max(from)))
            .sum();
        now.saturating_sub(from).saturating_sub(excluded)
    }

    /// The weighted median of the gauge over `[now - window, now)`,
    /// outages left out; `None` without history.
    pub(crate) fn gauge_baseline(&self, gauge: Gauge, now: u64, window: u64) -> Option<f64> {
        let from = now.saturating_sub(window);
        let mut weighted: Vec<(u64, u64)> = Vec::new();
        for (i, s) in self.samples.iter().enumerate() {
            let start = s.bin.max(from);
            let end = self.samples.get(i + 1).map_or(now, |n| n.bin).min(now);
            if end <= start {
                continue;
            }
            let weight = (end - start) - overlap(&self.outages, start, end);
            if weight > 0 {
                weighted.push((gauge.of(s), weight));
            }
        }
        weighted_median(&mut weighted)
    }

    /// Median and MAD of the churn per bin over `[now - window, now)`,
    /// bins of instability left out. `observed` is the number of bins in
    /// the window that held data at all (any entity's row): those without
    /// a point of this entity had no churn; bins without any data (a gap
    /// between archives) are not counted as quiet.
    pub(crate) fn churn_stats(
        &self,
        bin_secs: u64,
        now: u64,
        window: u64,
        observed: u64,
    ) -> (f64, f64) {
        let from = now
            .saturating_sub(window)
            .max(self.first_bin.unwrap_or(now));
        let mut values: Vec<u64> = self
            .samples
            .iter()
            .filter(|s| s.bin >= from && s.bin < now)
            .filter(|s| overlap(&self.unstable, s.bin, s.bin + bin_secs) == 0)
            .map(|s| s.churn)
            .collect();
        let excluded = overlap(&self.unstable, from, now) / bin_secs.max(1);
        let zeros = observed
            .saturating_sub(excluded)
            .saturating_sub(values.len() as u64);
        values.extend(std::iter::repeat_n(0, usize::try_from(zeros).unwrap_or(0)));
        let median = median(&mut values);
        let mut deviations: Vec<u64> = values
            .iter()
            .map(|&v| (v as f64 - median).abs().round() as u64)
            .collect();
        let mad = median_of(&mut deviations);
        (median, mad)
    }
}

/// Seconds of `[start, end)` covered by `spans`.
fn overlap(spans: &VecDeque<(u64, u64)>, start: u64, end: u64) -> u64 {
    spans
        .iter()
        .map(|&(a, b)| b.min(end).saturating_sub(a.max(start)))
        .sum()
}

/// The median of `(value, weight)` pairs.
fn weighted_median(pairs: &mut [(u64, u64)]) -> Option<f64> {
    let total: u64 = pairs.iter().map(|p| p.1).sum();
    if total == 0 {
        return None;
    }
    pairs.sort_unstable();
    let mut seen = 0;
    for &(value, weight) in pairs.iter() {
        seen += weight;
        if seen * 2 >= total {
            return Some(value as f64);
        }
    }
    pairs.last().map(|p| p.0 as f64)
}

fn median(values: &mut [u64]) -> f64 {
    median_of(values)
}

fn median_of(values: &mut [u64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    let hi = values.get(mid).copied().unwrap_or(0) as f64;
    if values.len() % 2 == 1 {
        hi
    } else {
        let lo = values.get(mid - 1).copied().unwrap_or(0) as f64;
        (lo + hi) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400;

    fn sample(bin: u64, v24: u64, churn: u64) -> Sample {
        Sample {
            bin,
            v24,
            v48: 0,
            churn,
        }
    }

    #[test]
    fn the_gauge_baseline_is_the_time_weighted_median_without_outages() {
        let mut h = History::default();
        h.push(sample(0, 4, 0), DAY);
        h.push(sample(10 * 3600, 0, 8), DAY);
        h.push(sample(12 * 3600, 4, 8), DAY);
        // 22 h at 4, 2 h at 0: the median is 4.
        assert_eq!(h.gauge_baseline(Gauge::V24, DAY, DAY), Some(4.0));
        // Mostly dark, but the dark hours are an outage: still 4.
        let mut h = History::default();
        h.push(sample(0, 4, 0), DAY);
        h.push(sample(3600, 0, 8), DAY);
        assert_eq!(h.gauge_baseline(Gauge::V24, DAY, DAY), Some(0.0));
        h.mark(false, 3600, u64::MAX);
        assert_eq!(h.gauge_baseline(Gauge::V24, DAY, DAY), Some(4.0));
        assert_eq!(h.known_secs(DAY, DAY), 3600);
    }

    #[test]
    fn churn_stats_count_the_quiet_bins_as_zero() {
        let mut h = History::default();
        h.push(sample(0, 4, 100), DAY);
        for i in 1..10 {
            h.push(sample(i * 300 * 20, 4, 10), DAY);
        }
        let (median, mad) = h.churn_stats(300, DAY, DAY, 288);
        assert_eq!((median, mad), (0.0, 0.0));
        let mut busy = History::default();
        for i in 0..288 {
            busy.push(sample(i * 300, 4, 10 + i % 3), DAY);
        }
        assert_eq!(busy.churn_stats(300, DAY, DAY, 288), (11.0, 1.0));
        // Bins without any data are no evidence of calm.
        let mut sparse = History::default();
        for i in 0..10 {
            sparse.push(sample(i * 300, 4, 10), DAY);
        }
        assert_eq!(sparse.churn_stats(300, DAY, DAY, 10), (10.0, 0.0));
    }

    #[test]
    fn old_points_leave_but_the_one_in_force_stays() {
        let mut h = History::default();
        h.push(sample(0, 7, 0), DAY);
        h.push(sample(3 * DAY, 7, 1), DAY);
        h.push(sample(3 * DAY + 300, 5, 1), DAY);
        // The first point is in force until 3 days: the day before is 7.
        assert_eq!(h.samples.len(), 3);
        assert_eq!(h.gauge_baseline(Gauge::V24, 3 * DAY + 600, DAY), Some(7.0));
        h.push(sample(5 * DAY, 5, 0), DAY);
        assert_eq!(h.samples.len(), 2);
        assert_eq!(h.gauge_baseline(Gauge::V24, 5 * DAY + 300, DAY), Some(5.0));
    }
}
