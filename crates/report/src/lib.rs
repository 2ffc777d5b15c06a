//! Incident reports of darkwatch's events: what an analyst would publish
//! about an outage or an instability, from the event the detector stored
//! (its JSON contract), the entity's series around it and what the store
//! knows of the entity.
//!
//! A report has a headline in plain words built from the event's hints
//! ([`headline()`]), the key facts, a timeline chart (inline SVG: the
//! visible space as a step line with its baseline, the event shaded,
//! churn underneath), every hint in plain words with its evidence
//! (upstream shares, vantage points), and the affected prefixes. It is
//! rendered as one self-contained HTML page, as Markdown, or as JSON.
//!
//! Everything here is a pure function of its inputs, no I/O, no clock,
//! but for [`render_stored`], which reads them from the store.

mod content;
pub mod countries;
mod escape;
mod event;
mod headline;
mod html;
mod markdown;
pub mod series;
mod stored;
pub mod svg;
pub mod wellformed;
pub mod words;

use std::fmt;

use signal::Values;
use store::{EntityInfo, Point};

pub use escape::{html as escape_html, markdown as escape_markdown};
pub use event::EventView;
pub use series::Window;
pub use stored::{render_stored, StoredError};

/// The formats of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One self-contained HTML page with the chart.
    Html,
    /// Markdown, without the chart.
    Markdown,
    /// A JSON object: the event, the series points used, the headline.
    Json,
}

/// The event given is not an event of the JSON contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportError(String);

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an event of darkwatch's JSON contract: {}", self.0)
    }
}

impl std::error::Error for ReportError {}

/// What a report is made of.
#[derive(Clone, Copy, Debug)]
pub struct Input<'a> {
    /// The event, as `Store::event` returns it (parsed).
    pub event: &'a serde_json::Value,
    /// What the store knows of the event's entity.
    pub entity: Option<&'a EntityInfo>,
    /// The entity's stored points over `window`, preceded by the last
    /// point before it (which gives the values at its start).
    pub points: &'a [Point],
    /// The time shown, normally [`window`] of the event.
    pub window: Window,
    /// Seconds per series bin (300 in darkwatch).
    pub bin_secs: u64,
}

fn parse(event: &serde_json::Value) -> Result<event::EventView, ReportError> {
    event::EventView::from_json(event).map_err(ReportError)
}

/// The time a report of `event` shows: from `max(24 h, 2 × duration)`
/// before its start (or from the start of the instability before it) to
/// `max(6 h, duration)` after its end, within 14 days before and 3 after,
/// on whole hours. The caller may shorten its end to the end of the data.
pub fn window(event: &serde_json::Value, bin_secs: u64) -> Result<Window, ReportError> {
    Ok(series::window(&parse(event)?, bin_secs))
}

/// The headline of `event`: one sentence in plain words.
pub fn headline(
    event: &serde_json::Value,
    entity: Option<&EntityInfo>,
    bin_secs: u64,
) -> Result<String, ReportError> {
    Ok(headline::headline(&parse(event)?, entity, bin_secs))
}

/// The report of `input` in `format`.
pub fn render(input: &Input<'_>, format: Format) -> Result<String, ReportError> {
    let event = parse(input.event)?;
    let bin_secs = input.bin_secs.max(1);
    let points = used_points(input.points, input.window);
    let plotted = series::plotted_signal(&event, &points);
    let doc = content::build(
        &event,
        input.entity,
        &points,
        input.window,
        bin_secs,
        plotted,
    );
    Ok(match format {
        Format::Html => html::render(&doc, &chart(&event, &doc, &points, input, plotted)),
        Format::Markdown => markdown::render(
            &doc,
            &format!("darkwatch report {} --format html", event.id),
        ),
        Format::Json => json(&doc, input, &points),
    })
}

/// The points in the window, after the last one before it.
fn used_points(points: &[Point], window: Window) -> Vec<Point> {
    let first = points
        .iter()
        .filter(|p| p.bin_start < window.from)
        .max_by_key(|p| p.bin_start);
    let mut inside: Vec<Point> = points
        .iter()
        .filter(|p| p.bin_start >= window.from && p.bin_start < window.to)
        .copied()
        .collect();
    inside.sort_by_key(|p| p.bin_start);
    first.copied().into_iter().chain(inside).collect()
}

fn chart(
    event: &event::EventView,
    doc: &content::Doc,
    points: &[Point],
    input: &Input<'_>,
    plotted: &str,
) -> String {
    let span_end = event.end.unwrap_or(input.window.to);
    let span_label = format!(
        "{}, {}{}",
        event.kind,
        words::duration(event.duration_s),
        if event.is_open() { " so far" } else { "" }
    );
    let signal_label = if plotted == "visible_48s" {
        "visible /48s"
    } else {
        "visible /24s"
    };
    svg::render(&svg::Chart {
        window: input.window,
        bin_secs: input.bin_secs.max(1),
        points,
        signal: plotted,
        signal_label,
        baseline: event.is_outage().then_some(event.baseline),
        alert: (!event.is_outage()).then_some(event.baseline),
        spans: &[svg::Span {
            from: event.start,
            to: span_end,
            kind: if event.is_outage() {
                svg::SpanKind::Outage
            } else {
                svg::SpanKind::Instability
            },
            label: &span_label,
            href: None,
        }],
        instability_since: event.hint(|h| match h {
            event::Hint::PrecededByInstability { since, .. } => Some(*since),
            _ => None,
        }),
        data_from: None,
        title: &format!("Timeline: {}", doc.title),
        description: &format!("{} {}", doc.chart_caption, doc.signal_summary),
    })
}

fn json(doc: &content::Doc, input: &Input<'_>, points: &[Point]) -> String {
    let entity = input
        .event
        .get("entity")
        .and_then(|e| e.as_str())
        .unwrap_or("");
    let columns = if entity == "world" {
        &Values::NAMES[..]
    } else {
        &Values::NAMES[..7]
    };
    let series: Vec<serde_json::Value> = points
        .iter()
        .map(|p| {
            let mut map = serde_json::Map::new();
            map.insert("bin_start".into(), p.bin_start.into());
            map.insert("bin".into(), words::rfc3339(p.bin_start).into());
            for (name, v) in columns.iter().zip(p.values.to_array()) {
                map.insert((*name).into(), v.into());
            }
            serde_json::Value::Object(map)
        })
        .collect();
    let findings: Vec<serde_json::Value> = doc
        .sections
        .iter()
        .filter(|s| s.id.starts_with("hint-"))
        .map(|s| {
            let text: Vec<&str> = s
                .blocks
                .iter()
                .filter_map(|b| match b {
                    content::Block::Para(t) => Some(t.as_str()),
                    content::Block::Table(_) => None,
                })
                .collect();
            serde_json::json!({ "kind": s.id.trim_start_matches("hint-").replace('-', "_"), "title": s.title, "text": text.join(" ") })
        })
        .collect();
    let value = serde_json::json!({
        "title": doc.title,
        "headline": doc.headline,
        "event": input.event,
        "entity": {
            "name": entity,
            "label": input.entity.and_then(|e| e.label.clone()),
            "country": input.entity.and_then(|e| e.country.clone()),
        },
        "findings": findings,
        "signal_summary": doc.signal_summary,
        "window": {
            "from": words::rfc3339(input.window.from),
            "to": words::rfc3339(input.window.to),
            "bin_secs": input.bin_secs,
        },
        "series": series,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
