//! The events a dashboard page lists: read from the store with what
//! explains them (the entity's name, the report's one-sentence headline)
//! and drawn as a table whose rows link to the events' pages.

use std::collections::HashMap;

use report::escape_html as esc;
use report::EventView;
use store::{EntityInfo, Store, StoreError};

use super::widgets;

/// An event as a page lists it.
pub struct Listed {
    /// The event.
    pub view: EventView,
    /// What the store knows of its entity.
    pub info: Option<EntityInfo>,
    /// The report's headline: one sentence in plain words.
    pub headline: String,
}

/// Reads the events of `texts` (their JSON, as the store keeps it) with
/// their entities and headlines, in the order given. An event that is not
/// of the JSON contract is left out, as the API leaves it out.
pub fn load(store: &mut Store, texts: &[String], bin_secs: u64) -> Result<Vec<Listed>, StoreError> {
    let mut infos: HashMap<String, Option<EntityInfo>> = HashMap::new();
    let mut out = Vec::with_capacity(texts.len());
    for text in texts {
        let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
            continue;
        };
        let Ok(view) = EventView::from_json(&json) else {
            continue;
        };
        let info = match infos.get(&view.entity) {
            Some(info) => info.clone(),
            None => {
                let info = store.entity(&view.entity)?;
                infos.insert(view.entity.clone(), info.clone());
                info
            }
        };
        let headline = report::headline(&json, info.as_ref(), bin_secs)
            .unwrap_or_else(|_| format!("{} of {}", view.kind, view.entity));
        out.push(Listed {
            view,
            info,
            headline,
        });
    }
    Ok(out)
}

/// The path of an event's page.
pub fn href(id: u64) -> String {
    format!("/event/{id}")
}

/// A table of `events`, with a column naming the entity when
/// `with_entity` (pages of one entity leave it out).
pub fn table<'a>(events: impl IntoIterator<Item = &'a Listed>, with_entity: bool) -> String {
    let mut s = String::from("<table class=\"events stack\">\n<thead><tr>");
    if with_entity {
        s.push_str("<th scope=\"col\">Entity</th>");
    }
    s.push_str(
        "<th scope=\"col\">Event</th><th scope=\"col\">Worst</th><th scope=\"col\">Start</th>\
         <th scope=\"col\" class=\"num\">Duration</th><th scope=\"col\">What happened</th></tr></thead>\n<tbody>\n",
    );
    for e in events {
        let v = &e.view;
        s.push_str(&format!(
            "<tr data-event=\"{}\" data-kind=\"{}\">",
            v.id,
            esc(&v.kind)
        ));
        if with_entity {
            s.push_str(&format!(
                "<td class=\"who\">{}</td>",
                widgets::entity_link(&v.entity, e.info.as_ref())
            ));
        }
        s.push_str(&format!(
            "<td>{}</td><td>{}</td><td class=\"nowrap\"><a href=\"{}\">{}</a></td><td class=\"num\">{}</td>\
             <td class=\"wide\"><a class=\"headline\" href=\"{}\">{}</a></td></tr>\n",
            widgets::kind(&v.kind),
            widgets::severity(&v.worst_severity),
            href(v.id),
            widgets::time(v.start),
            esc(&widgets::duration(v)),
            href(v.id),
            esc(&e.headline)
        ));
    }
    s.push_str("</tbody>\n</table>\n");
    s
}
