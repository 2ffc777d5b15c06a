//! `/`: what the data shows now. The entities with an open event, the
//! most recent events with their headlines, and every country's visible
//! space over the last week of data as a sparkline, the deepest drop
//! first.

use std::cmp::Reverse;

use axum::extract::State;
use axum::response::Html;
use report::escape_html as esc;
use report::series::{gauge_per_bin, median, plotted_gauge};
use report::{words, Window};
use store::{EventQuery, Store, StoreError};

use super::events::{self, Listed};
use super::sparkline::sparkline;
use super::{data_end, data_start, page, points_in, widgets, PageError};
use crate::AppState;

const DAY: u64 = 86_400;
/// The time the countries' sparklines show, up to the end of the data.
const SPARK_SPAN: u64 = 7 * DAY;
/// How far back the recent events go.
const RECENT_SPAN: u64 = 30 * DAY;
/// How many recent events are listed.
const RECENT: usize = 12;
/// How many countries are listed before the rest, which are folded.
const TOP_COUNTRIES: usize = 15;

/// `GET /`.
pub async fn show(State(state): State<AppState>) -> Result<Html<String>, PageError> {
    let bin_secs = state.bin_secs;
    let overview = state
        .with_store(move |s| Overview::load(s, bin_secs))
        .await?;
    Ok(page("Overview", overview.data_end, &overview.render()))
}

/// A country's last week, bin by bin.
struct Country {
    id: String,
    signal: &'static str,
    bins: Vec<u64>,
    typical: u64,
    lowest: u64,
}

impl Country {
    /// How far it fell below its typical value (the median), 0 to 1.
    fn drop(&self) -> f64 {
        if self.typical == 0 {
            0.0
        } else {
            1.0 - (self.lowest as f64 / self.typical as f64).min(1.0)
        }
    }

    fn now(&self) -> u64 {
        self.bins.last().copied().unwrap_or(0)
    }
}

struct Overview {
    data_end: Option<u64>,
    open: Vec<Listed>,
    recent: Vec<Listed>,
    /// Events of the last 30 days, listed or not.
    recent_count: usize,
    countries: Vec<Country>,
}

impl Overview {
    fn load(s: &mut Store, bin_secs: u64) -> Result<Overview, StoreError> {
        let data_end = data_end(s, bin_secs)?;
        let open_texts = s.events(&EventQuery {
            active: true,
            ..EventQuery::default()
        })?;
        let mut open = events::load(s, &open_texts, bin_secs)?;
        open.sort_by_key(|e| (Reverse(severity_rank(&e.view.severity)), e.view.start));
        let mut texts = s.events(&EventQuery {
            from: data_end.map(|end| end.saturating_sub(RECENT_SPAN)),
            ..EventQuery::default()
        })?;
        let recent_count = texts.len();
        // By start, oldest first: keep the newest.
        let texts = texts.split_off(texts.len().saturating_sub(RECENT));
        let mut recent = events::load(s, &texts, bin_secs)?;
        recent.reverse();
        let countries = match data_end {
            Some(end) => countries(s, end, bin_secs)?,
            None => Vec::new(),
        };
        Ok(Overview {
            data_end,
            open,
            recent,
            recent_count,
            countries,
        })
    }

    fn render(&self) -> String {
        let Some(end) = self.data_end else {
            return "<h1>Overview</h1>\n<section class=\"card\">\n<p>No routing data is stored yet: \
                    replay archives into this database (<code>darkwatch replay --db FILE ARCHIVES</code>) \
                    and reload.</p>\n</section>\n"
                .to_owned();
        };
        let mut s = format!(
            "<h1>Overview</h1>\n<p class=\"lead\">What BGP routing data shows up to {}.</p>\n",
            esc(&words::when(end))
        );
        let dark = self
            .countries
            .iter()
            .filter(|c| c.typical > 0 && c.now() == 0)
            .count();
        let tile = widgets::tile;
        s.push_str(&format!(
            "<div class=\"tiles\">\n{}{}{}{}</div>\n",
            tile(
                "Open events",
                &self.open.len().to_string(),
                !self.open.is_empty()
            ),
            tile("Countries dark now", &dark.to_string(), dark > 0),
            tile(
                "Events in the last 30 days",
                &self.recent_count.to_string(),
                false
            ),
            tile("Countries seen", &self.countries.len().to_string(), false),
        ));
        s.push_str(&self.open_events(end));
        s.push_str("<section class=\"card\" id=\"recent\">\n<h2>Recent events</h2>\n");
        if self.recent.is_empty() {
            s.push_str("<p class=\"note\">No events in the last 30 days of data.</p>\n");
        } else {
            s.push_str(&events::table(&self.recent, true));
        }
        s.push_str("</section>\n");
        s.push_str(&self.countries_table());
        s
    }

    fn open_events(&self, end: u64) -> String {
        let mut s = String::from("<section class=\"card\" id=\"open\">\n<h2>Out now</h2>\n");
        if self.open.is_empty() {
            s.push_str(&format!(
                "<p class=\"calm\">No open events: nothing is out at {}.</p>\n",
                esc(&words::when(end))
            ));
        } else {
            s.push_str("<div class=\"chips\">\n");
            for e in &self.open {
                let v = &e.view;
                s.push_str(&format!(
                    "<a class=\"chip chip-{} chip-{}\" href=\"{}\" data-event=\"{}\">\
                     <strong>{}</strong><span>{} {} since {} ({})</span></a>\n",
                    severity_class(&v.severity),
                    if v.is_outage() {
                        "outage"
                    } else {
                        "instability"
                    },
                    events::href(v.id),
                    v.id,
                    esc(&widgets::entity_title(&v.entity, e.info.as_ref())),
                    widgets::kind(&v.kind),
                    widgets::severity(&v.severity),
                    widgets::time(v.start),
                    esc(&words::duration(v.duration_s)),
                ));
            }
            s.push_str("</div>\n");
        }
        s.push_str("</section>\n");
        s
    }

    fn countries_table(&self) -> String {
        let mut s = String::from(
            "<section class=\"card\" id=\"countries\">\n<h2>Countries</h2>\n\
             <p class=\"note\">Visible address space over the last 7 days of data, the deepest drop below \
             the typical value (the week's median) first.</p>\n",
        );
        if self.countries.is_empty() {
            s.push_str("<p class=\"note\">No country series are stored.</p>\n</section>\n");
            return s;
        }
        let (top, rest) = self
            .countries
            .split_at(TOP_COUNTRIES.min(self.countries.len()));
        s.push_str(&countries_table(top));
        if !rest.is_empty() {
            s.push_str(&format!(
                "<details>\n<summary>The other {} countries</summary>\n{}</details>\n",
                rest.len(),
                countries_table(rest)
            ));
        }
        s.push_str("</section>\n");
        s
    }
}

/// A table of countries with their sparklines.
fn countries_table(countries: &[Country]) -> String {
    let mut s = String::from(
        "<div class=\"scroll\">\n<table class=\"countries\">\n<thead><tr><th scope=\"col\">Country</th>\
         <th scope=\"col\">Last 7 days</th><th scope=\"col\" class=\"num\">Now</th>\
         <th scope=\"col\" class=\"num hide-sm\">Typical</th><th scope=\"col\" class=\"num hide-sm\">Lowest</th>\
         <th scope=\"col\" class=\"num\">Drop</th></tr></thead>\n<tbody>\n",
    );
    for c in countries {
        let drop = c.drop();
        let class = match drop {
            d if d >= 0.999 => "dark",
            d if d >= 0.5 => "critical",
            d if d >= 0.2 => "warning",
            _ => "",
        };
        let label = format!(
            "{} of {}, last 7 days",
            widgets::gauge_label(c.signal),
            widgets::entity_title(&c.id, None)
        );
        s.push_str(&format!(
                "<tr data-entity=\"{}\"><td class=\"who\">{}</td><td class=\"spark\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num hide-sm\">{}</td><td class=\"num hide-sm\">{}</td>\
                 <td class=\"num drop {class}\">{}</td></tr>\n",
                esc(&c.id),
                widgets::entity_link(&c.id, None),
                sparkline(&c.bins, class, &label),
                widgets::count(c.now()),
                widgets::count(c.typical),
                widgets::count(c.lowest),
                if drop > 0.0 {
                    format!("−{}", words::percent(drop))
                } else {
                    "–".to_owned()
                }
            ));
    }
    s.push_str("</tbody>\n</table>\n</div>\n");
    s
}

/// Every stored country over the last week of data up to `end`, the
/// deepest drop first, then the lowest now against typical, then by code.
fn countries(s: &mut Store, end: u64, bin_secs: u64) -> Result<Vec<Country>, StoreError> {
    let week = Window {
        from: end.saturating_sub(SPARK_SPAN),
        to: end,
    };
    // A shorter history is shown whole, not padded with zeros.
    let window = Window {
        from: data_start(s, week)?,
        ..week
    };
    let mut out = Vec::new();
    for id in s.entities()? {
        if !id.starts_with("country/") {
            continue;
        }
        let points = points_in(s, &id, window)?;
        let signal = plotted_gauge(&points);
        let bins = gauge_per_bin(&points, window, signal, bin_secs);
        out.push(Country {
            typical: median(&bins).unwrap_or(0),
            lowest: bins.iter().copied().min().unwrap_or(0),
            id,
            signal,
            bins,
        });
    }
    let now_share = |c: &Country| c.now() as f64 / c.typical.max(1) as f64;
    out.sort_by(|a, b| {
        b.drop()
            .total_cmp(&a.drop())
            .then(now_share(a).total_cmp(&now_share(b)))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(out)
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "dark" => 3,
        "critical" => 2,
        "warning" => 1,
        _ => 0,
    }
}

fn severity_class(severity: &str) -> &'static str {
    match severity {
        "dark" => "dark",
        "critical" => "critical",
        _ => "warning",
    }
}
