//! The timeline chart as inline SVG: the entity's visible space as a step
//! line over time with its baseline dashed, events shaded (outages red,
//! instabilities amber), and churn as bars in a panel of its own
//! underneath, on a UTC time axis. Plain SVG with presentation attributes
//! (no scripts, no external fonts), so it also renders on its own. The
//! incident report draws one event; the dashboard draws every event of a
//! time range, each shaded span linking to its event.
//!
//! The chart is built to be checked by machine too: the root carries the
//! window (`data-from`, `data-to`) and the y of the zero line (`data-y0`),
//! each shaded span (`rect.event-span`) its times and kind, and the step
//! line is a `polyline.signal` whose vertices are its change points.

use store::Point;

use crate::escape::html as esc;
use crate::series::{churn_bars, churn_peaks, steps, Window};
use crate::words::{clock, compact, number, short_date};

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

/// The kind of event a shaded span is, which gives its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// Red.
    Outage,
    /// Amber.
    Instability,
}

impl SpanKind {
    fn colour(self) -> &'static str {
        match self {
            SpanKind::Outage => SPAN_COLOUR,
            SpanKind::Instability => INSTABILITY_COLOUR,
        }
    }

    fn label_colour(self) -> &'static str {
        match self {
            SpanKind::Outage => "#a31d1d",
            SpanKind::Instability => "#9a6510",
        }
    }

    fn name(self) -> &'static str {
        match self {
            SpanKind::Outage => "outage",
            SpanKind::Instability => "instability",
        }
    }
}

/// An event shaded over both panels.
#[derive(Clone, Copy, Debug)]
pub struct Span<'a> {
    /// Its start, Unix seconds.
    pub from: u64,
    /// Its end (the window's end while open).
    pub to: u64,
    /// Outage or instability.
    pub kind: SpanKind,
    /// Written over the shading where there is room, and shown on hover:
    /// `outage, 9 h 30 min`.
    pub label: &'a str,
    /// Where the shading links to (the event's page), if anywhere.
    pub href: Option<&'a str>,
}

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
    /// The events shaded, in any order (none is fine).
    pub spans: &'a [Span<'a>],
    /// Start of an instability before the first span, marked as a band
    /// above the panel (reports, whose window may start inside it).
    pub instability_since: Option<u64>,
    /// When the stored data begins, if after the window's start: the
    /// time before it is marked as without data, not drawn as zero.
    pub data_from: Option<u64>,
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

/// Roughly how wide a bold label of 12 px is, per character.
const LABEL_CHAR_W: f64 = 7.0;

/// Where the spans' labels go (their centres), one row over the top of
/// the panel: outages first, then the longest spans, each near its span
/// and clear of the labels already placed; a span without room is left
/// to its hover title. A lone span is always labelled.
fn span_labels<'s, 'a>(spans: &[&'s Span<'a>], x: impl Fn(u64) -> f64) -> Vec<(f64, &'s Span<'a>)> {
    let mut order: Vec<&Span<'_>> = spans.to_vec();
    order.sort_by_key(|sp| {
        (
            sp.kind != SpanKind::Outage,
            std::cmp::Reverse(sp.to.saturating_sub(sp.from)),
        )
    });
    let mut placed: Vec<(f64, f64, &Span<'_>)> = Vec::new();
    for sp in order {
        let half = sp.label.chars().count() as f64 * LABEL_CHAR_W / 2.0 + 4.0;
        let (x1, x2) = (x(sp.from), x(sp.to));
        // Clear of the signal's name in the top left corner.
        let lowest = LEFT + 90.0 + half;
        let highest = (WIDTH - RIGHT - half).max(lowest);
        let centre = ((x1 + x2) / 2.0).clamp(lowest, highest);
        let near = centre - half <= x2 && centre + half >= x1;
        let free = placed
            .iter()
            .all(|&(a, b, _)| centre + half < a || centre - half > b);
        if spans.len() == 1 || (near && free) {
            placed.push((centre - half, centre + half, sp));
        }
    }
    placed
        .into_iter()
        .map(|(a, b, sp)| ((a + b) / 2.0, sp))
        .collect()
}

/// The chart as an `<svg>` element.
pub fn render(chart: &Chart<'_>) -> String {
    let Window { from, to } = chart.window;
    let to = to.max(from + 1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |t: u64| LEFT + (t.clamp(from, to) - from) as f64 / (to - from) as f64 * plot_w;

    let data_from = chart.data_from.filter(|&t| t > from).map(|t| t.min(to));
    let drawn = Window {
        from: data_from.unwrap_or(from),
        to,
    };
    let line = steps(chart.points, drawn, chart.signal);
    // Bars thinner than a pixel are merged into wider ones showing the
    // peak bin, so a month stays a few hundred bars and spikes stay visible.
    let bin_secs = chart.bin_secs.max(1);
    let bin_px = bin_secs as f64 / (to - from) as f64 * plot_w;
    let bar_secs = bin_secs * ((1.0 / bin_px).floor().max(1.0) as u64);
    let bars = if bar_secs == bin_secs {
        churn_bars(chart.points, chart.window)
    } else {
        churn_peaks(chart.points, chart.window, bar_secs)
    };
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
            compact(v as u64)
        ));
        v += step;
    }
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\">{}</text>\n",
        f(LEFT - 6.0),
        f(CHURN_TOP + 10.0),
        compact(churn_max as u64)
    ));
    s.push_str(&format!(
        "<text x=\"{}\" y=\"{}\">0</text>\n",
        f(LEFT - 6.0),
        f(CHURN_TOP + CHURN + 4.0)
    ));
    s.push_str("</g>\n");

    // The time without data, greyed.
    if let Some(t) = data_from {
        s.push_str(&format!(
            "<rect class=\"no-data\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ececea\" data-to=\"{t}\"/>\n",
            f(LEFT),
            f(TOP),
            f(x(t) - LEFT),
            f(CHURN_TOP + CHURN - TOP)
        ));
        if x(t) - LEFT > 60.0 {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" fill=\"{TEXT_COLOUR}\" text-anchor=\"middle\">no data</text>\n",
                f((LEFT + x(t)) / 2.0),
                f(TOP + PANEL / 2.0)
            ));
        }
    }

    // The instability before, as a band over the top of the panel.
    let first_span = chart.spans.iter().map(|sp| sp.from).min();
    if let (Some(since), Some(first)) = (chart.instability_since, first_span) {
        if since < first {
            let (x1, x2) = (x(since), x(first));
            s.push_str(&format!(
                "<rect class=\"instability\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"6\" fill=\"{INSTABILITY_COLOUR}\" \
                 data-from=\"{since}\" data-to=\"{first}\"/>\n",
                f(x1),
                f(TOP - 8.0),
                f((x2 - x1).max(1.0)),
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

    // The events: instabilities under outages, so that an outage inside
    // an instability stays red.
    let mut spans: Vec<&Span<'_>> = chart.spans.iter().collect();
    spans.sort_by_key(|sp| (sp.kind == SpanKind::Outage, sp.from));
    for sp in &spans {
        let (sx1, sx2) = (x(sp.from), x(sp.to));
        let span_w = (sx2 - sx1).max(3.0);
        let colour = sp.kind.colour();
        let opacity = match sp.kind {
            SpanKind::Outage => ("0.13", "0.10"),
            SpanKind::Instability => ("0.3", "0.2"),
        };
        if let Some(href) = sp.href {
            s.push_str(&format!("<a href=\"{}\">\n", esc(href)));
        }
        s.push_str(&format!(
            "<rect class=\"event-span\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\" \
             fill-opacity=\"{}\" data-from=\"{}\" data-to=\"{}\" data-kind=\"{}\"><title>{}</title></rect>\n",
            f(sx1),
            f(TOP),
            f(span_w),
            f(PANEL),
            opacity.0,
            sp.from,
            sp.to,
            sp.kind.name(),
            esc(sp.label)
        ));
        s.push_str(&format!(
            "<rect class=\"event-span-churn\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\" fill-opacity=\"{}\"/>\n",
            f(sx1),
            f(CHURN_TOP),
            f(span_w),
            f(CHURN),
            opacity.1
        ));
        if sp.href.is_some() {
            s.push_str("</a>\n");
        }
    }
    for (centre, sp) in span_labels(&spans, x) {
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" fill=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" {HALO}>{}</text>\n",
            f(centre),
            f(TOP + 16.0),
            sp.kind.label_colour(),
            esc(sp.label)
        ));
    }

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
    let bar_w = (x(from + bar_secs) - x(from)).max(1.0);
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
            baseline: Some(4.0),
            spans: &[Span {
                from: 9_008,
                to: 40_227,
                kind: SpanKind::Outage,
                label: "outage <9 h> & more",
                href: None,
            }],
            instability_since: Some(1_000),
            title: "A \"title\"",
            description: "x < y",
            ..plain(&points, 3_600, 86_400)
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
    fn every_span_is_shaded_in_its_colour_and_labels_do_not_collide() {
        let points = [point(0, 4, 3), point(86_400, 0, 40), point(90_000, 4, 0)];
        let span = |from, to, kind, label| Span {
            from,
            to,
            kind,
            label,
            href: Some("/event/7?a&b"),
        };
        let svg = render(&Chart {
            baseline: Some(4.0),
            spans: &[
                span(86_400, 90_000, SpanKind::Outage, "outage, 1 h"),
                span(
                    80_000,
                    95_000,
                    SpanKind::Instability,
                    "instability, 4 h 10 min",
                ),
                span(300_000, 300_600, SpanKind::Outage, "outage, 10 min"),
            ],
            ..plain(&points, 0, 7 * 86_400)
        });
        crate::wellformed::check(&svg).unwrap();
        assert_eq!(svg.matches("class=\"event-span\"").count(), 3);
        assert_eq!(svg.matches("data-kind=\"outage\"").count(), 2);
        assert!(svg.contains(&format!("fill=\"{INSTABILITY_COLOUR}\"")));
        assert_eq!(svg.matches("<a href=\"/event/7?a&amp;b\">").count(), 3);
        // The instability is drawn first, under the outage inside it.
        assert!(svg.find("data-kind=\"instability\"") < svg.find("data-kind=\"outage\""));
        // Both outages are labelled; the instability around the first has
        // no room left and keeps its hover title.
        let labels: Vec<&str> = svg
            .split("font-weight=\"bold\" ")
            .skip(1)
            .filter_map(|t| t.split('>').nth(1)?.split('<').next())
            .collect();
        assert!(labels.contains(&"outage, 1 h"), "{labels:?}");
        assert!(labels.contains(&"outage, 10 min"), "{labels:?}");
        assert!(!labels.contains(&"instability, 4 h 10 min"), "{labels:?}");
        assert!(svg.contains("<title>instability, 4 h 10 min</title>"));
    }

    /// A chart of `points` over `[from, to)` with nothing else on it.
    fn plain(points: &[Point], from: u64, to: u64) -> Chart<'_> {
        Chart {
            window: Window { from, to },
            bin_secs: 300,
            points,
            signal: "visible_24s",
            signal_label: "visible /24s",
            baseline: None,
            alert: None,
            spans: &[],
            instability_since: None,
            data_from: None,
            title: "t",
            description: "d",
        }
    }

    #[test]
    fn bars_thinner_than_a_pixel_are_merged_keeping_the_peak() {
        let points: Vec<Point> = (0..8_640u64)
            .map(|i| point(i * 300, 4, 1 + i % 7))
            .collect();
        let svg = render(&plain(&points, 0, 30 * 86_400));
        let bars = svg.matches("data-churn=").count();
        assert!((800..=1000).contains(&bars), "{bars} bars");
        assert!(!svg.contains("data-churn=\"1\""));
        assert!(svg.contains("data-churn=\"7\""));
    }

    #[test]
    fn time_before_the_data_is_marked_not_drawn_as_zero() {
        let points = [point(43_200, 4, 0)];
        let svg = render(&Chart {
            data_from: Some(43_200),
            ..plain(&points, 0, 86_400)
        });
        crate::wellformed::check(&svg).unwrap();
        assert!(svg.contains("class=\"no-data\"") && svg.contains(">no data<"));
        let start = svg.find("class=\"signal\"").unwrap();
        let points = &svg[start..];
        let first = &points[points.find("points=\"").unwrap() + 8..];
        // The line starts halfway, at the data's start, at 4.
        assert!(
            first.starts_with(&format!("{},", f(LEFT + (WIDTH - LEFT - RIGHT) / 2.0))),
            "{first}"
        );
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_step(4.0, 4.0), 1.0);
        assert_eq!(nice_step(240.0, 4.0), 100.0);
        assert_eq!(time_step(83 * 3600), 12 * 3600);
        assert_eq!(time_step(30 * 3600), 6 * 3600);
    }
}
