//! `/prefix/{prefix}`: what the route table says about one prefix, for a
//! person: who originates it, how many of the collectors' full-feed peers
//! see it, and every peer's AS path, with links to the origin's and the
//! path's networks and to the prefix's own series when it has one.

use axum::extract::State;
use axum::response::Html;
use report::escape_html as esc;
use store::StoreError;

use super::{data_end, page, widgets, PageError, PagePath};
use crate::routes::{self, PrefixRoutes};
use crate::AppState;

/// `GET /prefix/{prefix}`.
pub async fn show(
    State(state): State<AppState>,
    PagePath(text): PagePath<String>,
) -> Result<Html<String>, PageError> {
    let found = routes::lookup(&state, routes::parse_prefix(&text)?).await?;
    let entity = format!("prefix/{}", found.matched);
    let bin_secs = state.bin_secs;
    let (data_end, has_series) = state
        .with_store(move |s| {
            Ok::<_, StoreError>((data_end(s, bin_secs)?, s.entity(&entity)?.is_some()))
        })
        .await?;
    let title = found.asked.to_string();
    Ok(page(&title, data_end, &render(&found, has_series)))
}

/// An AS as a link to its page.
fn as_link(asn: u32) -> String {
    format!(
        "<a href=\"{}\">AS{asn}</a>",
        esc(&widgets::entity_href(&format!("as/{asn}")))
    )
}

fn render(found: &PrefixRoutes, has_series: bool) -> String {
    let matched = found.matched.to_string();
    let mut s = format!(
        "<p class=\"crumbs\"><a href=\"/\">Overview</a> › prefix</p>\n<h1>{}</h1>\n",
        esc(&found.asked.to_string())
    );
    if found.matched != found.asked.masked() {
        s.push_str(&format!(
            "<p class=\"status status-calm\">No peer has a route to {} itself: the routes below are those of {}, the longest prefix covering it.</p>\n",
            esc(&found.asked.to_string()),
            esc(&matched)
        ));
    }
    let origins = if found.origins.is_empty() {
        "–".to_owned()
    } else {
        found
            .origins
            .iter()
            .map(|&o| as_link(o))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let seeing = found.routes.len();
    s.push_str(&format!(
        "<div class=\"tiles\">\n{}{}{}{}</div>\n",
        // More than one origin is worth a look (a hijack, or anycast).
        widgets::tile(
            if found.origins.len() > 1 {
                "origin ASes"
            } else {
                "origin AS"
            },
            &origins,
            found.origins.len() > 1
        ),
        widgets::tile("peers with a route", &widgets::count(seeing as u64), false),
        widgets::tile(
            "full-feed peers of its family",
            &widgets::count(u64::from(found.full_feed_peers)),
            false
        ),
        widgets::tile(
            "visible (more than half the full-feed peers)",
            if found.visible { "yes" } else { "no" },
            !found.visible
        ),
    ));
    if has_series {
        s.push_str(&format!(
            "<p><a href=\"{}\">The series and events of {}</a></p>\n",
            esc(&widgets::entity_href(&format!("prefix/{matched}"))),
            esc(&matched)
        ));
    }
    s.push_str(&format!(
        "<section class=\"card\" id=\"routes\">\n<h2>Routes to {} at {}</h2>\n\
         <div class=\"scroll\">\n<table>\n<thead><tr><th scope=\"col\">Collector</th>\
         <th scope=\"col\">Peer</th><th scope=\"col\">AS path</th></tr></thead>\n<tbody>\n",
        esc(&matched),
        widgets::time(found.as_of)
    ));
    for route in &found.routes {
        let peer = route.peer.as_ref().map_or_else(
            || "–".to_owned(),
            |p| format!("{} {}", as_link(p.asn), esc(&p.address)),
        );
        let path: Vec<String> = route.path.iter().map(|&a| as_link(a)).collect();
        let id = route
            .path_id
            .map_or_else(String::new, |id| format!(" <small>(path id {id})</small>"));
        s.push_str(&format!(
            "<tr><td>{}</td><td>{peer}</td><td>{}{id}</td></tr>\n",
            esc(route.peer.as_ref().map_or("", |p| p.collector.as_str())),
            path.join(" ")
        ));
    }
    s.push_str("</tbody>\n</table>\n</div>\n</section>\n");
    s
}
