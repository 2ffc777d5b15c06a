//! `/entity/{id}`: one entity over a time range. Its visible space as a
//! timeline with the baseline and every event of the range shaded
//! (outages red, instabilities amber, each linking to its page), churn
//! underneath; what its latest outage showed of its routing; and its
//! events. The range comes from `?from=&to=` (see [`super::range`]).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Html;
use report::escape_html as esc;
use report::series::{gauge_per_bin, median, plotted_gauge};
use report::svg::{self, Span, SpanKind};
use report::{countries, words, Window};
use store::{EntityInfo, EventQuery, Point};

use super::events::{self, Listed};
use super::evidence::Evidence;
use super::range::{picker, Asked, RangeParams};
use super::{data_end, data_start, page, points_in, widgets, PageError, PagePath};
use crate::error::ApiError;
use crate::AppState;

/// `GET /entity/{id}?from=&to=`.
pub async fn show(
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
    params: Result<Query<RangeParams>, QueryRejection>,
) -> Result<Html<String>, PageError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let asked = Asked::parse(&params)?;
    let bin_secs = state.bin_secs;
    let view = state
        .with_store(move |s| {
            let Some(info) = s.entity(&id)? else {
                return Err(ApiError::not_found(format!(
                    "No entity {id} is stored: its id may be misspelt (country/KP, as/131279, \
                     prefix/175.45.176.0/24), or no route of it was ever seen."
                )));
            };
            let data_end = data_end(s, bin_secs)?;
            let mut window = asked.resolve(data_end)?;
            let data_from = data_start(s, window)?;
            // Unasked, the range is the last week of data: all of a
            // shorter history, without the empty time before it.
            if asked == Asked::default() && data_from < window.to {
                window.from = data_from;
            }
            let events = s.events(&EventQuery {
                entity: Some(id.clone()),
                from: Some(window.from),
                to: Some(window.to),
                active: false,
            })?;
            let country_page = match info.country.as_deref() {
                Some(cc) if !id.starts_with("country/") => {
                    let country = format!("country/{cc}");
                    s.entity(&country)?.map(|c| c.name)
                }
                _ => None,
            };
            Ok::<_, ApiError>(EntityView {
                data_from: data_from.max(window.from),
                points: points_in(s, &id, window)?,
                events: events::load(s, &events, bin_secs)?,
                evidence: Evidence::load(s, &id)?,
                country_page,
                info,
                data_end,
                window,
                bin_secs,
            })
        })
        .await?;
    let title = widgets::entity_title(&view.info.name, Some(&view.info));
    Ok(page(&title, view.data_end, &view.render(&title)))
}

struct EntityView {
    info: EntityInfo,
    data_end: Option<u64>,
    window: Window,
    /// When the data begins in the window (its start, or later).
    data_from: u64,
    bin_secs: u64,
    points: Vec<Point>,
    /// The events of the window, by start.
    events: Vec<Listed>,
    evidence: Option<Evidence>,
    /// The page of the country of an AS or prefix, when stored.
    country_page: Option<String>,
}

impl EntityView {
    fn render(&self, title: &str) -> String {
        let id = &self.info.name;
        let signal = plotted_gauge(&self.points);
        let bins = gauge_per_bin(&self.points, self.with_data(), signal, self.bin_secs);
        let baseline = self.baseline(&bins);
        let mut s = format!(
            "<p class=\"crumbs\"><a href=\"/\">Overview</a> › {}</p>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n",
            esc(id),
            esc(title),
            self.describe()
        );
        s.push_str(&self.status(signal, &bins, baseline));
        s.push_str(&format!(
            "<section class=\"card\" id=\"timeline\">\n<div class=\"card-head\">\n<h2>{}</h2>\n{}</div>\n\
             <div class=\"scroll chart\">\n{}\n</div>\n{}</section>\n",
            capitalize_label(signal),
            picker(&widgets::entity_href(id), self.window, self.data_end),
            self.chart(title, signal, baseline),
            legend(self.bin_secs)
        ));
        if let Some(evidence) = &self.evidence {
            s.push_str(&evidence.render());
        }
        s.push_str(&format!(
            "<section class=\"card\" id=\"events\">\n<h2>Events from {} to {}</h2>\n",
            esc(&words::when(self.window.from)),
            esc(&words::when(self.window.to))
        ));
        if self.events.is_empty() {
            s.push_str("<p class=\"note\">No events in this range.</p>\n");
        } else {
            s.push_str(&events::table(self.events.iter().rev(), false));
        }
        s.push_str("</section>\n");
        s
    }

    /// `country/KP` · a label · the registry country, linked.
    fn describe(&self) -> String {
        let mut parts = vec![esc(&self.info.name)];
        if let Some(label) = self.info.label.as_deref().filter(|l| !l.is_empty()) {
            parts.push(esc(label));
        }
        if let Some(cc) = self.info.country.as_deref() {
            if !self.info.name.starts_with("country/") {
                let name = countries::name(cc).unwrap_or(cc);
                parts.push(match &self.country_page {
                    Some(page) => format!(
                        "registered in <a href=\"{}\">{}</a>",
                        esc(&widgets::entity_href(page)),
                        esc(name)
                    ),
                    None => format!("registered in {}", esc(name)),
                });
            }
        }
        parts.join(" · ")
    }

    /// The state at the end of the range: the gauge against its
    /// baseline, and what is open.
    fn status(&self, signal: &str, bins: &[u64], baseline: Option<u64>) -> String {
        let now = bins.last().copied().unwrap_or(0);
        let open: Vec<&Listed> = self.events.iter().filter(|e| e.view.is_open()).collect();
        let state = match open.iter().max_by_key(|e| e.view.is_outage()) {
            Some(e) => {
                format!(
                "<p class=\"status status-{}\"><a href=\"{}\">{} {}</a> since {} ({} so far)</p>\n",
                if e.view.is_outage() { "out" } else { "unstable" },
                events::href(e.view.id),
                widgets::kind(&e.view.kind),
                widgets::severity(&e.view.severity),
                widgets::time(e.view.start),
                esc(&words::duration(e.view.duration_s))
            )
            }
            None => "<p class=\"status status-calm\">No open event at the end of this range.</p>\n"
                .to_owned(),
        };
        let outages = self.events.iter().filter(|e| e.view.is_outage()).count();
        let tile = |label: &str, value: String| widgets::tile(label, &value, false);
        format!(
            "{state}<div class=\"tiles\">\n{}{}{}{}</div>\n",
            tile(
                &format!("{} at the end", widgets::gauge_label(signal)),
                widgets::count(now)
            ),
            tile(
                "baseline (median outside outages)",
                baseline.map_or_else(|| "–".to_owned(), widgets::count)
            ),
            tile(
                "lowest in range",
                widgets::count(bins.iter().copied().min().unwrap_or(0))
            ),
            tile(
                "events in range",
                format!(
                    "{} <small>({})</small>",
                    self.events.len(),
                    words::plural(outages as u64, "outage")
                )
            ),
        )
    }

    /// The part of the window with data.
    fn with_data(&self) -> Window {
        Window {
            from: self.data_from,
            ..self.window
        }
    }

    /// The median of the bins outside outages, when something is visible.
    fn baseline(&self, bins: &[u64]) -> Option<u64> {
        let outages: Vec<(u64, u64)> = self
            .events
            .iter()
            .filter(|e| e.view.is_outage())
            .map(|e| (e.view.start, e.view.end_or_now()))
            .collect();
        let step = usize::try_from(self.bin_secs.max(1)).unwrap_or(usize::MAX);
        let quiet: Vec<u64> = (self.data_from..)
            .step_by(step)
            .zip(bins)
            .filter(|&(t, _)| !outages.iter().any(|&(a, b)| t + self.bin_secs > a && t < b))
            .map(|(_, &v)| v)
            .collect();
        median(&quiet).filter(|&m| m > 0)
    }

    fn chart(&self, title: &str, signal: &str, baseline: Option<u64>) -> String {
        let labels: Vec<(String, String)> = self
            .events
            .iter()
            .map(|e| {
                (
                    format!("{}, {}", e.view.kind, widgets::duration(&e.view)),
                    events::href(e.view.id),
                )
            })
            .collect();
        let spans: Vec<Span<'_>> = self
            .events
            .iter()
            .zip(&labels)
            .map(|(e, (label, href))| Span {
                from: e.view.start,
                to: e.view.end_or_now(),
                kind: if e.view.is_outage() {
                    SpanKind::Outage
                } else {
                    SpanKind::Instability
                },
                label,
                href: Some(href),
            })
            .collect();
        let signal_label = widgets::gauge_label(signal);
        svg::render(&svg::Chart {
            window: self.window,
            bin_secs: self.bin_secs,
            points: &self.points,
            signal,
            signal_label,
            baseline: baseline.map(|b| b as f64),
            alert: None,
            spans: &spans,
            instability_since: None,
            data_from: Some(self.data_from),
            title: &format!("{title}: {signal_label}"),
            description: &format!(
                "{} of {} from {} to {}, with {} shaded (outages red, instabilities amber) and churn per bin below.",
                capitalize_label(signal),
                title,
                words::when(self.window.from),
                words::when(self.window.to),
                words::plural(self.events.len() as u64, "event")
            ),
        })
    }
}

fn capitalize_label(signal: &str) -> String {
    words::capitalize(widgets::gauge_label(signal))
}

fn legend(bin_secs: u64) -> String {
    format!(
        "<p class=\"legend\"><span class=\"key key-outage\"></span>outage \
         <span class=\"key key-instability\"></span>instability \
         <span class=\"key key-baseline\"></span>baseline \
         <span class=\"key key-churn\"></span>churn per {} min (announcements, withdrawals, path changes). \
         Click a shaded event for its report.</p>\n",
        bin_secs / 60
    )
}
