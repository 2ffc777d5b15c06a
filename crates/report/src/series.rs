//! The slice of an entity's series a chart shows: the window around a
//! report's event, and the step line and churn bars drawn from the stored
//! change points (a bin without a point keeps the previous gauges and has
//! no churn); for the dashboard also the gauge bin by bin and its median.

use store::Point;

use crate::event::{EventView, Hint};

const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;
/// At most this much history before the event.
const MAX_BEFORE: u64 = 14 * DAY;
/// At most this much after its end.
const MAX_AFTER: u64 = 3 * DAY;

/// The span of time a report shows, `[from, to)`, Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First second shown.
    pub from: u64,
    /// End (excluded).
    pub to: u64,
}

/// The window for `event`: from `max(24 h, 2 × duration)` before its
/// start (back to the start of the instability before it, if any, and at
/// most 14 days) to `max(6 h, duration)` after its end (at most 3 days;
/// one bin after the last update for an open event), on whole hours.
pub fn window(event: &EventView, bin_secs: u64) -> Window {
    let start = event.start;
    let end = event.end_or_now().max(start);
    let length = end - start;
    let mut before = (2 * length).max(DAY);
    if let Some(since) = event.hint(|h| match h {
        Hint::PrecededByInstability { since, .. } => Some(*since),
        _ => None,
    }) {
        before = before.max(start.saturating_sub(since) + 3 * HOUR);
    }
    let before = before.min(MAX_BEFORE);
    let after = if event.is_open() {
        bin_secs.max(1)
    } else {
        length.clamp(6 * HOUR, MAX_AFTER)
    };
    let from = start.saturating_sub(before);
    let to = end.saturating_add(after);
    Window {
        from: from - from % HOUR,
        to: to.div_ceil(HOUR).saturating_mul(HOUR),
    }
}

/// The gauge a report plots for `signal` (`visible_48s` for that signal,
/// else `visible_24s`).
pub fn gauge(point: &Point, signal: &str) -> u64 {
    if signal == "visible_48s" {
        point.values.visible_48s
    } else {
        point.values.visible_24s
    }
}

/// Announcements, withdrawals and path changes of a point's bin.
pub fn churn(point: &Point) -> u64 {
    let v = &point.values;
    v.announcements + v.withdrawals + v.path_changes
}

/// The step line of `signal` over `window`: `(time, value)` from which
/// the value holds, the first at `window.from` (the last point at or
/// before it, or 0), then one per change inside the window.
pub fn steps(points: &[Point], window: Window, signal: &str) -> Vec<(u64, u64)> {
    let first = points
        .iter()
        .rev()
        .find(|p| p.bin_start <= window.from)
        .map_or(0, |p| gauge(p, signal));
    let mut out = vec![(window.from, first)];
    for p in points
        .iter()
        .filter(|p| p.bin_start > window.from && p.bin_start < window.to)
    {
        let v = gauge(p, signal);
        if out.last().map(|&(_, last)| last) != Some(v) {
            out.push((p.bin_start, v));
        }
    }
    out
}

/// Bins of `window` with churn: `(bin start, churn)`.
pub fn churn_bars(points: &[Point], window: Window) -> Vec<(u64, u64)> {
    points
        .iter()
        .filter(|p| p.bin_start >= window.from && p.bin_start < window.to)
        .map(|p| (p.bin_start, churn(p)))
        .filter(|&(_, c)| c > 0)
        .collect()
}

/// The peak churn of each `bucket_secs` from `window.from` that has
/// churn: `(bucket start, most churn in one bin of it)`, for charts whose
/// bins are narrower than what can be drawn.
pub fn churn_peaks(points: &[Point], window: Window, bucket_secs: u64) -> Vec<(u64, u64)> {
    let bucket_secs = bucket_secs.max(1);
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (t, c) in churn_bars(points, window) {
        let start = window.from + (t - window.from) / bucket_secs * bucket_secs;
        match out.last_mut() {
            Some((last, peak)) if *last == start => *peak = (*peak).max(c),
            _ => out.push((start, c)),
        }
    }
    out
}

/// The plotted signal for `event`: its own, or for an instability that
/// of [`plotted_gauge`].
pub fn plotted_signal(event: &EventView, points: &[Point]) -> &'static str {
    match event.signal.as_str() {
        "visible_48s" => "visible_48s",
        "visible_24s" => "visible_24s",
        _ => plotted_gauge(points),
    }
}

/// The gauge that shows an entity: its IPv4 /24s (`visible_24s`) unless
/// only IPv6 /48s (`visible_48s`) are ever visible in `points`.
pub fn plotted_gauge(points: &[Point]) -> &'static str {
    let v4 = points.iter().any(|p| p.values.visible_24s > 0);
    let v6 = points.iter().any(|p| p.values.visible_48s > 0);
    if v6 && !v4 {
        "visible_48s"
    } else {
        "visible_24s"
    }
}

/// The gauge `signal` in force in each bin of `window`, the first bin
/// starting at `window.from`.
pub fn gauge_per_bin(points: &[Point], window: Window, signal: &str, bin_secs: u64) -> Vec<u64> {
    let line = steps(points, window, signal);
    let mut changes = line.iter().peekable();
    let mut value = 0;
    (window.from..window.to)
        .step_by(usize::try_from(bin_secs.max(1)).unwrap_or(usize::MAX))
        .map(|t| {
            while let Some(&(_, v)) = changes.next_if(|&&(at, _)| at <= t) {
                value = v;
            }
            value
        })
        .collect()
}

/// The median of `values` (the lower one of an even count), `None` when
/// there are none.
pub fn median(values: &[u64]) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len().saturating_sub(1) / 2).copied()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use signal::Values;

    /// A point with `v24` visible /24s and `churn` withdrawals.
    pub fn point(bin_start: u64, v24: u64, churn: u64) -> Point {
        Point {
            bin_start,
            values: Values {
                visible_24s: v24,
                visible_prefixes: v24,
                withdrawals: churn,
                ..Values::default()
            },
        }
    }

    #[test]
    fn steps_carry_the_gauge_and_skip_counter_only_points() {
        let w = Window {
            from: 1000,
            to: 5000,
        };
        let points = [
            point(400, 4, 0),
            point(1300, 4, 9),
            point(1600, 0, 32),
            point(4000, 4, 32),
            point(5000, 3, 0),
        ];
        assert_eq!(
            steps(&points, w, "visible_24s"),
            vec![(1000, 4), (1600, 0), (4000, 4)]
        );
        assert_eq!(
            churn_bars(&points, w),
            vec![(1300, 9), (1600, 32), (4000, 32)]
        );
        assert_eq!(steps(&[], w, "visible_24s"), vec![(1000, 0)]);
        assert_eq!(churn_peaks(&points, w, 1200), vec![(1000, 32), (3400, 32)]);
    }

    #[test]
    fn the_gauge_bin_by_bin_and_its_median() {
        let w = Window {
            from: 1200,
            to: 4800,
        };
        let points = [point(300, 4, 0), point(1800, 0, 9), point(3600, 4, 0)];
        let bins = gauge_per_bin(&points, w, "visible_24s", 600);
        assert_eq!(bins, [4, 0, 0, 0, 4, 4]);
        assert_eq!(median(&bins), Some(0));
        assert_eq!(median(&[4, 1, 3]), Some(3));
        assert_eq!(median(&[]), None);
        assert_eq!(plotted_gauge(&points), "visible_24s");
    }
}
