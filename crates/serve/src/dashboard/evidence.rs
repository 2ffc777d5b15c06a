//! What an entity's latest outage showed about its routing, from the
//! event's hints: the share of routes through each upstream, and which
//! collector peers (vantage points) still saw the entity and which did
//! not, inside the main upstream too.

use std::collections::HashSet;

use report::escape_html as esc;
use report::words::{asn, percent, plural, thousands};
use report::EventView;
use store::{EventQuery, Store, StoreError};

use super::{events, widgets};
use detect::{Hint, PeerView, UpstreamShare};

/// The latest outage of an entity, and the upstreams of it that have
/// pages of their own.
pub struct Evidence {
    outage: EventView,
    upstream_pages: HashSet<u32>,
}

impl Evidence {
    /// Reads the latest outage of `entity` (`None` when it never had one).
    pub fn load(store: &mut Store, entity: &str) -> Result<Option<Evidence>, StoreError> {
        let texts = store.events(&EventQuery {
            entity: Some(entity.to_owned()),
            ..EventQuery::default()
        })?;
        let outage = texts.iter().rev().find_map(|t| {
            let json = serde_json::from_str(t).ok()?;
            EventView::from_json(&json)
                .ok()
                .filter(EventView::is_outage)
        });
        let Some(outage) = outage else {
            return Ok(None);
        };
        let mut upstream_pages = HashSet::new();
        for share in shares(&outage) {
            if store.entity(&format!("as/{}", share.asn))?.is_some() {
                upstream_pages.insert(share.asn);
            }
        }
        Ok(Some(Evidence {
            outage,
            upstream_pages,
        }))
    }

    /// The upstream and vantage tables, in a section; empty when the
    /// outage had neither hint.
    pub fn render(&self) -> String {
        let upstreams = self.upstreams();
        let vantage = self.outage.hints.iter().find_map(|h| match h {
            Hint::Vantage {
                seeing,
                not_seeing,
                upstream,
                upstream_peers_seeing,
                upstream_peers_not_seeing,
            } => Some(vantage(
                seeing,
                not_seeing,
                *upstream,
                (*upstream_peers_seeing, *upstream_peers_not_seeing),
            )),
            _ => None,
        });
        if upstreams.is_empty() && vantage.is_none() {
            return String::new();
        }
        let o = &self.outage;
        format!(
            "<section class=\"card\" id=\"routing\">\n<h2>Routing at the latest outage</h2>\n\
             <p class=\"note\">From the <a href=\"{}\">outage of {}</a> ({}, {}).</p>\n\
             <div class=\"pair\">\n{upstreams}{}</div>\n</section>\n",
            events::href(o.id),
            widgets::time(o.start),
            esc(&o.worst_severity),
            esc(&widgets::duration(o)),
            vantage.unwrap_or_default()
        )
    }

    fn upstreams(&self) -> String {
        let list = shares(&self.outage);
        if list.is_empty() {
            return String::new();
        }
        let mut s = String::from(
            "<div>\n<h3>Upstreams</h3>\n<table class=\"shares\">\n<thead><tr><th scope=\"col\">Upstream</th>\
             <th scope=\"col\" class=\"num\">Routes</th><th scope=\"col\">Share</th></tr></thead>\n<tbody>\n",
        );
        for u in list {
            let name = if self.upstream_pages.contains(&u.asn) {
                format!(
                    "<a href=\"{}\">{}</a>",
                    esc(&widgets::entity_href(&format!("as/{}", u.asn))),
                    asn(u.asn)
                )
            } else {
                asn(u.asn)
            };
            s.push_str(&format!(
                "<tr><td>{name}</td><td class=\"num\">{}</td><td class=\"share\">\
                 <span class=\"share-bar\" style=\"width:{:.0}%\"></span>{}</td></tr>\n",
                thousands(u64::from(u.routes)),
                (u.share * 100.0).clamp(0.0, 100.0),
                percent(u.share)
            ));
        }
        s.push_str("</tbody>\n</table>\n</div>\n");
        s
    }
}

/// The upstream shares of an outage's hints, largest first.
fn shares(outage: &EventView) -> &[UpstreamShare] {
    outage
        .hint(|h| match h {
            Hint::SingleUpstream { upstreams } | Hint::Upstreams { upstreams } => {
                Some(upstreams.as_slice())
            }
            _ => None,
        })
        .unwrap_or_default()
}

/// The vantage table, under a sentence counting who saw the entity.
fn vantage(
    seeing: &[PeerView],
    not_seeing: &[PeerView],
    upstream: Option<u32>,
    (inside_seeing, inside_not): (u32, u32),
) -> String {
    let total = (seeing.len() + not_seeing.len()) as u64;
    let mut summary = format!(
        "{} of {} saw it during the outage.",
        seeing.len(),
        plural(total, "collector peer")
    );
    if let Some(up) = upstream {
        summary.push_str(&format!(
            " Inside {}, the main upstream: {inside_seeing} of {}.",
            asn(up),
            inside_seeing + inside_not
        ));
    }
    let mut s = format!(
        "<div>\n<h3>Vantage points</h3>\n<p class=\"note\">{}</p>\n<div class=\"scroll\">\n<table class=\"vantage\">\n\
         <thead><tr><th scope=\"col\">Peer</th><th scope=\"col\">Address</th><th scope=\"col\" class=\"num\">Before</th>\
         <th scope=\"col\" class=\"num\">During</th><th scope=\"col\">Sees it</th></tr></thead>\n<tbody>\n",
        esc(&summary)
    );
    let rows = seeing
        .iter()
        .map(|p| (p, true))
        .chain(not_seeing.iter().map(|p| (p, false)));
    for (p, sees) in rows {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}</tr>\n",
            asn(p.asn),
            esc(&p.address),
            thousands(u64::from(p.routes_before)),
            thousands(u64::from(p.routes_now)),
            if sees {
                "<td class=\"yes\">yes</td>"
            } else {
                "<td class=\"no\">no</td>"
            }
        ));
    }
    s.push_str("</tbody>\n</table>\n</div>\n</div>\n");
    s
}
