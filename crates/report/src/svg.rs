//! The timeline chart as inline SVG: the entity's visible space as a step
//! line over time with its baseline dashed, the event's span shaded, and
//! churn as bars in a panel of its own underneath, on a UTC time axis.
//! Plain SVG with presentation attributes (no scripts, no external
//! fonts), so it also renders on its own.
//!
//! The chart is built to be checked by machine too: the root carries the
//! window (`data-from`, `data-to`) and the y of the zero line (`data-y0`),
//! the shaded span (`rect.event-span`) its times, and the step line is a
//! `polyline.signal` whose vertices are its change points.

use store::Point;

use crate::escape::html as esc;
use crate::series::{churn_bars, steps, Window};
use crate::words::{clock, number, short_date, thousands};

/// Width of the drawing, in user units.
pub const WIDTH: f64 = 960.0;
/// Height of the drawing.
pub const HEIGHT: f64 = 344.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 20.0;
/// Top of the signal panel.
const TOP: f64 = 30.0;
/// Height of the signal panel.
const PANEL: f64 = 190.0;
/// Top of the churn panel.
const CHURN_TOP: f64 = 250.0;
/// Height of the churn panel.
const CHURN: f64 = 56.0;

const SIGNAL_COLOUR: &str = "#1f4e99";
const SPAN_COLOUR: &str = "#d62728";
const INSTABILITY_COLOUR: &str = "#e8a33d";
const CHURN_COLOUR: &str = "#7a7a7a";
const GRID_COLOUR: &str = "#e2e2e2";
const TEXT_COLOUR: &str = "#444";
/// A white outline under text drawn over lines.
const HALO: &str =
    "paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\" stroke-linejoin=\"round\"";

/// What the chart shows.
#[derive(Clone, Debug)]
pub struct Chart<'a> {
    /// The time shown.
    pub window: Window,
    /// Seconds per series bin (the width of a churn bar).
    pub bin_secs: u64,
    /// The entity's stored points (one at or before the window's start
    /// gives the first value).
    pub points: &'a [Point],
    /// The gauge plotted: `visible_24s` or `visible_48s`.
    pub signal: &'a str,
    /// Its name on the chart: `visible /24s`.
    pub signal_label: &'a str,
    /// The baseline of the gauge, dashed (outages).
    pub baseline: Option<f64>,
    /// The churn alert level per bin, dashed in the churn panel
    /// (instabilities).
    pub alert: Option<f64>,
    /// The event, shaded: start and end (the window's end while open).
    pub span: (u64, u64),
    /// Written over the shading: `outage, 9 h 30 min`.
    pub span_label: &'a str,
    /// Start of the instability before the event, marked as a band.
    pub instability_since: Option<u64>,
    /// The accessible title.
    pub title: &'a str,
    /// The accessible description.
    pub description: &'a str,
}

fn f(x: f64) -> String {
    format!("{x:.1}")
}

/// A round step for about `target` intervals over `max`: 1, 2 or 5 times
/// a power of ten, at least 1.
fn nice_step(max: f64, target: f64) -> f64 {
    let raw = (max / target).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// Seconds between time ticks: the finest of a fixed ladder that gives
/// at most nine ticks.
fn time_step(span: u64) -> u64 {
    const H: u64 = 3600;
    [
        900,
        1800,
        H,
        2 * H,
        3 * H,
        6 * H,
        12 * H,
        24 * H,
        48 * H,
        7 * 24 * H,
        14 * 24 * H,
        28 * 24 * H,
    ]
    .into_iter()
    .find(|s| span / s <= 9)
    .unwrap_or(28 * 24 * H)
}

/// The chart as an `<svg>` element.
pub fn render(chart: &Chart<'_>) -> String {
    let Window { from, to } = chart.window;
    let to = to.max(from + 1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |t: u64| LEFT + (t.clamp(from, to) - from) as f64 / (to - from) as f64 * plot_w;

    let line = steps(chart.points, chart.window, chart.signal);
    let bars = churn_bars(chart.points, chart.window);
    let top_value = line.iter().map(|&(_, v)| v as f64).fold(0.0, f64::max);
    let raw_max = top_value.max(chart.baseline.unwrap_or(0.0)).max(1.0);
    let step = nice_step(raw_max, 4.0);
    let y_max = ((raw_max * 1.05) / step).ceil() * step;
    let y = |v: f64| TOP + PANEL - v / y_max * PANEL;
    let y0 = y(0.0);
    let churn_max = bars
        .iter()
        .map(|&(_, c)| c as f64)
        .fold(0.0, f64::max)
        .max(chart.alert.unwrap_or(0.0))
        .max(1.0);
    let yc = |c: f64| CHURN_TOP + CHURN - c / churn_max * CHURN;

    let mut s = String::new();
    s.push_str(&format!(
        "<svg class=\"timeline\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" \
         aria-labelledby=\"chart-title chart-desc\" font-family=\"system-ui, -apple-system, 'Segoe UI', \
         Roboto, sans-serif\" font-size=\"12\" data-from=\"{from}\" data-to=\"{to}\" data-y0=\"{y0}\">\n",
        w = WIDTH,
        h = HEIGHT,
        y0 = f(y0)
    ));
    s.push_str(&format!(
        "<title id=\"chart-title\">{}</title>\n<desc id=\"chart-desc\">{}</desc>\n",
        esc(chart.title),
        esc(chart.description)
    ));

    // Panels.
    s.push_str(&format!(
        "<rect class=\"panel\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fcfcfc\" stroke=\"{GRID_COLOUR}\"/>\n",
        f(LEFT), f(TOP), f(plot_w), f(PANEL)
    ));
    s.push_str(&format!(
        "<rect class=\"panel\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fcfcfc\" stroke=\"{GRID_COLOUR}\"/>\n",
        f(LEFT), f(CHURN_TOP), f(plot_w), f(CHURN)
    ));

    // Time grid.
    let tick_step = time_step(to - from);
    let axis_y = CHURN_TOP + CHURN;
    let ticks: Vec<u64> = (from.div_ceil(tick_step)..=to / tick_step)
        .map(|k| k * tick_step)
        .collect();
    s.push_str(&format!("<g class=\"x-grid\" stroke=\"{GRID_COLOUR}\">\n"));
    for &t in &ticks {
        s.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
            f(x(t)),
            f(TOP),
            f(x(t)),
            f(axis_y + 4.0)
        ));
    }
    s.push_str("</g>\n");

    // Value grid and labels.
    s.push_str(&format!("<g class=\"y-axis\" stroke=\"{GRID_COLOUR}\">\n"));
    let mut v = step;
    while v <= y_max + 1e-9 {
        s.push_str(&format!(
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n",
            f(LEFT),
            f(y(v)),
            f(LEFT + plot_w),
            f(y(v))
        ));
        v += step;
    }
    s.push_str("</g>\n");
    s.push_str(&format!(
        "<g class=\"y-labels\" fill=\"{TEXT_COLOUR}\" text-anchor=\"end\">\n"
    ));
    let mut v = 0.0;
    while v <= y_max + 1e-9 {
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\">{}</text>\n",
            f(LEFT - 6.0),
            f(y(v) + 4.0),
            thousands(v as u64)
        ));
        v += step;
    }
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\">{}</text>\n",
        f(LEFT - 6.0),
        f(CHURN_TOP + 10.0),
        thousands(churn_max as u64)
    ));
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\">0</text>\n",
        f(LEFT - 6.0),
        f(CHURN_TOP + CHURN + 4.0)
    ));
    s.push_str("</g>\n");

    // The instability before, as a band over the top of the panel.
    if let Some(since) = chart.instability_since {
        if since < chart.span.0 {
            let (x1, x2) = (x(since), x(chart.span.0));
            s.push_str(&format!(
                "<rect class=\"instability\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"6\" fill=\"{INSTABILITY_COLOUR}\" \
                 data-from=\"{since}\" data-to=\"{}\"/>\n",
                f(x1),
                f(TOP - 8.0),
                f((x2 - x1).max(1.0)),
                chart.span.0
            ));
            let label = if since < from {
                format!("instability since {} {}", short_date(since), clock(since))
            } else {
                "instability".to_owned()
            };
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" fill=\"#9a6510\">{}</text>\n",
                f(x1 + 2.0),
                f(TOP - 12.0),
                esc(&label)
            ));
        }
    }

    // The event.
    let (sx1, sx2) = (x(chart.span.0), x(chart.span.1));
    let span_w = (sx2 - sx1).max(3.0);
    s.push_str(&format!(
        "<rect class=\"event-span\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{SPAN_COLOUR}\" \
         fill-opacity=\"0.13\" data-from=\"{}\" data-to=\"{}\"/>\n",
        f(sx1),
        f(TOP),
        f(span_w),
        f(PANEL),
        chart.span.0,
        chart.span.1
    ));
    s.push_str(&format!(
        "<rect class=\"event-span-churn\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{SPAN_COLOUR}\" fill-opacity=\"0.10\"/>\n",
        f(sx1),
        f(CHURN_TOP),
        f(span_w),
        f(CHURN)
    ));
    let label_x = ((sx1 + sx2) / 2.0).clamp(LEFT + 70.0, WIDTH - RIGHT - 70.0);
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" fill=\"#a31d1d\" text-anchor=\"middle\" font-weight=\"bold\" {HALO}>{}</text>\n",
        f(label_x),
        f(TOP + 16.0),
        esc(chart.span_label)
    ));

    // Baseline and zero line.
    if let Some(b) = chart.baseline {
        s.push_str(&format!(
            "<line class=\"baseline\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{SIGNAL_COLOUR}\" \
             stroke-opacity=\"0.6\" stroke-dasharray=\"6 4\" data-value=\"{}\"/>\n",
            f(LEFT),
            f(y(b)),
            f(LEFT + plot_w),
            f(y(b)),
            number(b)
        ));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"{SIGNAL_COLOUR}\" text-anchor=\"end\" {HALO}>baseline {}</text>\n",
            f(LEFT + plot_w - 4.0),
            f(y(b) - 5.0),
            number(b)
        ));
    }
    s.push_str(&format!(
        "<line class=\"zero\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>\n",
        f(LEFT),
        f(y0),
        f(LEFT + plot_w),
        f(y0)
    ));

    // The step line.
    let mut vertices: Vec<(f64, f64)> = Vec::new();
    let mut last: Option<u64> = None;
    for &(t, v) in &line {
        if let Some(prev) = last {
            vertices.push((x(t), y(prev as f64)));
        }
        vertices.push((x(t), y(v as f64)));
        last = Some(v);
    }
    if let Some(v) = last {
        vertices.push((x(to), y(v as f64)));
    }
    let pts: Vec<String> = vertices
        .iter()
        .map(|&(a, b)| format!("{},{}", f(a), f(b)))
        .collect();
    s.push_str(&format!(
        "<polyline class=\"signal\" fill=\"none\" stroke=\"{SIGNAL_COLOUR}\" stroke-width=\"2\" \
         stroke-linejoin=\"round\" points=\"{}\"/>\n",
        pts.join(" ")
    ));
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" fill=\"{SIGNAL_COLOUR}\">{}</text>\n",
        f(LEFT + 4.0),
        f(TOP + 14.0),
        esc(chart.signal_label)
    ));

    // Churn.
    let bar_w = (x(from + chart.bin_secs.max(1)) - x(from)).max(1.0);
    s.push_str(&format!("<g class=\"churn\" fill=\"{CHURN_COLOUR}\">\n"));
    for &(t, c) in &bars {
        let top = yc(c as f64);
        s.push_str(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" data-bin=\"{t}\" data-churn=\"{c}\"/>\n",
            f(x(t)),
            f(top),
            f(bar_w),
            f(CHURN_TOP + CHURN - top)
        ));
    }
    s.push_str("</g>\n");
    if let Some(a) = chart.alert {
        s.push_str(&format!(
            "<line class=\"alert-level\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{SPAN_COLOUR}\" \
             stroke-dasharray=\"6 4\" data-value=\"{}\"/>\n",
            f(LEFT),
            f(yc(a)),
            f(LEFT + plot_w),
            f(yc(a)),
            number(a)
        ));
    }
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" fill=\"{TEXT_COLOUR}\">churn per {} min: announcements + withdrawals + path changes{}</text>\n",
        f(LEFT + 4.0),
        f(CHURN_TOP - 6.0),
        chart.bin_secs / 60,
        if chart.alert.is_some() { " (dashed: alert level)" } else { "" }
    ));

    // Time axis labels (the grid lines are drawn under everything).
    s.push_str(&format!(
        "<g class=\"x-axis\" fill=\"{TEXT_COLOUR}\" text-anchor=\"middle\">\n"
    ));
    for (i, &t) in ticks.iter().enumerate() {
        let first = i == 0;
        let xt = x(t);
        let daily = tick_step.is_multiple_of(86_400);
        let (upper, lower) = if daily {
            (short_date(t), String::new())
        } else if t.is_multiple_of(86_400) || first {
            (clock(t), short_date(t))
        } else {
            (clock(t), String::new())
        };
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\">{}</text>\n",
            f(xt),
            f(axis_y + 17.0),
            esc(&upper)
        ));
        if !lower.is_empty() {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n",
                f(xt),
                f(axis_y + 31.0),
                esc(&lower)
            ));
        }
    }
    s.push_str("</g>\n");
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" fill=\"{TEXT_COLOUR}\" text-anchor=\"end\">UTC</text>\n",
        f(WIDTH - RIGHT),
        f(HEIGHT - 4.0)
    ));
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::tests::point;

    fn kp_like() -> String {
        let points = [
            point(900, 4, 0),
            point(7_200, 4, 12),
            point(9_000, 0, 32),
            point(40_200, 4, 32),
        ];
        render(&Chart {
            window: Window {
                from: 3_600,
                to: 86_400,
            },
            bin_secs: 300,
            points: &points,
            signal: "visible_24s",
            signal_label: "visible /24s",
            baseline: Some(4.0),
            alert: None,
            span: (9_008, 40_227),
            span_label: "outage <9 h> & more",
            instability_since: Some(1_000),
            title: "A \"title\"",
            description: "x < y",
        })
    }

    #[test]
    fn chart_is_well_formed_and_escaped() {
        let svg = kp_like();
        crate::wellformed::check(&svg).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("outage &lt;9 h&gt; &amp; more"));
        assert!(svg.contains("A &quot;title&quot;"));
        assert!(!svg.contains("http"));
    }

    #[test]
    fn the_step_line_drops_to_zero_inside_the_span() {
        let svg = kp_like();
        let attr = |tag: &str, name: &str| -> String {
            let start = svg.find(tag).unwrap();
            let from = svg[start..].find(&format!(" {name}=\"")).unwrap() + start + name.len() + 3;
            let len = svg[from..].find('"').unwrap();
            svg[from..from + len].to_owned()
        };
        let y0: f64 = attr("<svg", "data-y0").parse().unwrap();
        let x1: f64 = attr("class=\"event-span\"", "x").parse().unwrap();
        let w: f64 = attr("class=\"event-span\"", "width").parse().unwrap();
        let points = attr("class=\"signal\"", "points");
        let zero_inside = points.split(' ').any(|p| {
            let (x, y) = p.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            (y - y0).abs() < 0.05 && x >= x1 && x <= x1 + w
        });
        assert!(zero_inside, "{points} y0 {y0} span {x1}+{w}");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(4.0, 4.0), 1.0);
        assert_eq!(nice_step(240.0, 4.0), 100.0);
        assert_eq!(time_step(83 * 3600), 12 * 3600);
        assert_eq!(time_step(30 * 3600), 6 * 3600);
    }
}
