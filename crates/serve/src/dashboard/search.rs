//! `/search?q=`: entities by id, name or label. A query that names one
//! entity exactly (`country/KP`, `KP`, `North Korea`, `AS131279`,
//! `131279`, `175.45.176.0/24`) goes straight to its page; anything else
//! lists what contains it. Without a query, the countries to browse.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use report::countries;
use report::escape_html as esc;
use serde::Deserialize;
use store::{EntityInfo, Store, StoreError};

use super::{data_end, page, widgets, PageError};
use crate::error::ApiError;
use crate::AppState;

/// The most entities listed.
const LIMIT: usize = 200;
/// More than there are country codes.
const COUNTRIES: usize = 300;

/// The query of `/search`.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
}

/// What a search found.
enum Found {
    /// One entity named exactly: its id.
    Exact(String),
    /// Entities whose id, label or country name contains the query.
    List(Vec<EntityInfo>),
}

/// `GET /search?q=`.
pub async fn show(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Response, PageError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let q = params.q.unwrap_or_default().trim().to_owned();
    crate::query::search(&q)?;
    let bin_secs = state.bin_secs;
    let asked = q.clone();
    let (data_end, found) = state
        .with_store(move |s| Ok::<_, StoreError>((data_end(s, bin_secs)?, search(s, &asked)?)))
        .await?;
    match found {
        Found::Exact(id) => Ok(Redirect::to(&widgets::entity_href(&id)).into_response()),
        // A prefix with no series of its own: its routes.
        Found::List(list) if list.is_empty() && q.parse::<wire::Prefix>().is_ok() => {
            Ok(Redirect::to(&format!("/prefix/{q}")).into_response())
        }
        Found::List(list) => Ok(page("Search", data_end, &render(&q, &list)).into_response()),
    }
}

/// The ids that `q` would be if it named an entity exactly.
fn exact_ids(q: &str) -> Vec<String> {
    let mut ids = vec![q.to_owned()];
    if q.len() == 2 && q.bytes().all(|b| b.is_ascii_alphabetic()) {
        ids.push(format!("country/{}", q.to_ascii_uppercase()));
    }
    let digits = q
        .strip_prefix("AS")
        .or_else(|| q.strip_prefix("as"))
        .or_else(|| q.strip_prefix("As"))
        .unwrap_or(q)
        .trim();
    if let Ok(n) = digits.parse::<u32>() {
        ids.push(format!("as/{n}"));
    }
    if q.contains('/') && (q.contains('.') || q.contains(':')) {
        ids.push(format!("prefix/{}", q.to_ascii_lowercase()));
    }
    ids
}

/// A country's name as a query may write it: lower case, without a
/// leading "the".
fn plain_name(name: &str) -> String {
    let lower = name.to_lowercase();
    lower.strip_prefix("the ").unwrap_or(&lower).to_owned()
}

fn search(s: &mut Store, q: &str) -> Result<Found, StoreError> {
    let all_countries = s.search_entities("country/", COUNTRIES)?;
    if q.is_empty() {
        return Ok(Found::List(all_countries));
    }
    let wanted = plain_name(q);
    let named = |c: &EntityInfo| {
        let code = c.name.trim_start_matches("country/");
        countries::name(code).map(plain_name)
    };
    let mut exact: Vec<String> = Vec::new();
    for id in exact_ids(q) {
        if !exact.contains(&id) && s.entity(&id)?.is_some() {
            exact.push(id);
        }
    }
    for c in &all_countries {
        if named(c).as_deref() == Some(wanted.as_str()) && !exact.contains(&c.name) {
            exact.push(c.name.clone());
        }
    }
    if let [only] = exact.as_slice() {
        return Ok(Found::Exact(only.clone()));
    }
    let mut list: Vec<EntityInfo> = all_countries
        .into_iter()
        .filter(|c| named(c).is_some_and(|n| n.contains(&wanted)))
        .collect();
    for e in s.search_entities(q, LIMIT)? {
        if !list.iter().any(|l| l.name == e.name) {
            list.push(e);
        }
    }
    // Countries, then networks, then prefixes.
    list.sort_by_key(|e| (rank(&e.name), e.name.clone()));
    list.truncate(LIMIT);
    Ok(Found::List(list))
}

fn rank(id: &str) -> u8 {
    match id.split('/').next() {
        Some("world") => 0,
        Some("country") => 1,
        Some("as") => 2,
        _ => 3,
    }
}

fn kind(id: &str) -> &'static str {
    match id.split('/').next() {
        Some("country") => "country",
        Some("as") => "network",
        Some("prefix") => "prefix",
        _ => "everything",
    }
}

fn render(q: &str, list: &[EntityInfo]) -> String {
    let mut s = format!(
        "<h1>{}</h1>\n<form class=\"find\" action=\"/search\" method=\"get\" role=\"search\">\
         <input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"Country, AS or prefix\" \
         aria-label=\"Search countries, networks and prefixes\"><button type=\"submit\">Search</button></form>\n",
        if q.is_empty() { "Entities" } else { "Search" },
        esc(q)
    );
    s.push_str("<section class=\"card\" id=\"results\">\n");
    s.push_str(&if q.is_empty() {
        format!(
            "<p class=\"note\">Search by country name or code (North Korea, KP), network (AS131279) or \
             prefix (175.45.176.0/24). The {} countries stored:</p>\n",
            list.len()
        )
    } else if list.is_empty() {
        format!(
            "<p class=\"note\">Nothing matches “{}”. Try a country name or code, an AS number or a prefix.</p>\n",
            esc(q)
        )
    } else {
        let count = match list.len() {
            1 => "1 entity".to_owned(),
            n => format!("{} entities", widgets::count(n as u64)),
        };
        format!(
            "<p class=\"note\">{count} matching “{}”{}:</p>\n",
            esc(q),
            if list.len() >= LIMIT { " (the first ones)" } else { "" }
        )
    });
    if !list.is_empty() {
        s.push_str(
            "<div class=\"scroll\">\n<table class=\"results\">\n<thead><tr><th scope=\"col\">Entity</th>\
             <th scope=\"col\">Kind</th><th scope=\"col\">Id</th><th scope=\"col\" class=\"hide-sm\">Registered in</th></tr></thead>\n<tbody>\n",
        );
        for e in list {
            let country = e
                .country
                .as_deref()
                .map(|cc| countries::name(cc).unwrap_or(cc))
                .unwrap_or("");
            s.push_str(&format!(
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td><td class=\"mono\">{}</td><td class=\"hide-sm\">{}</td></tr>\n",
                esc(&widgets::entity_href(&e.name)),
                esc(&widgets::entity_title(&e.name, Some(e))),
                kind(&e.name),
                esc(&e.name),
                esc(country)
            ));
        }
        s.push_str("</tbody>\n</table>\n</div>\n");
    }
    s.push_str("</section>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_that_name_an_entity() {
        assert_eq!(exact_ids("kp"), ["kp", "country/KP"]);
        assert_eq!(exact_ids("AS131279"), ["AS131279", "as/131279"]);
        assert_eq!(exact_ids("131279"), ["131279", "as/131279"]);
        assert_eq!(
            exact_ids("175.45.176.0/24"),
            ["175.45.176.0/24", "prefix/175.45.176.0/24"]
        );
        assert_eq!(plain_name("the Netherlands"), "netherlands");
    }
}
