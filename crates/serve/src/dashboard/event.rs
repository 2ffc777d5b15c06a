//! `/event/{id}`: one event's incident report (the same HTML as
//! `darkwatch report` and the API's `/report`) inside the dashboard's
//! frame, with the way back to its entity and the report's other formats.
//! The report is a whole page with its own style, so it goes into a
//! frame of its own (`srcdoc`: no second request) that a line of script
//! sizes to its content.

use axum::extract::State;
use axum::response::Html;
use report::escape_html as esc;
use report::{words, EventView, Format};

use super::{data_end, page, widgets, PageError, PagePath};
use crate::error::ApiError;
use crate::AppState;

/// `GET /event/{id}`.
pub async fn show(
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
) -> Result<Html<String>, PageError> {
    let id: u64 = id.parse().map_err(|_| {
        ApiError::bad_request(format!("{id:?} is not an event id: event ids are numbers"))
    })?;
    let bin_secs = state.bin_secs;
    let (data_end, event, info, html) = state
        .with_store(move |s| {
            let missing = || ApiError::not_found(format!("No event {id} is stored."));
            let text = s.event(id)?.ok_or_else(missing)?;
            let event = serde_json::from_str(&text)
                .ok()
                .and_then(|json| EventView::from_json(&json).ok())
                .ok_or_else(|| {
                    ApiError::internal(format!("event {id} in the store is not of the contract"))
                })?;
            let (_, html) = report::render_stored(s, id, Format::Html, bin_secs)
                .map_err(|e| ApiError::internal(e.to_string()))?
                .ok_or_else(missing)?;
            let info = s.entity(&event.entity)?;
            Ok::<_, ApiError>((data_end(s, bin_secs)?, event, info, html))
        })
        .await?;
    let name = widgets::entity_title(&event.entity, info.as_ref());
    let title = format!(
        "{} of {}, {}",
        words::capitalize(&event.kind),
        name,
        words::date(event.start)
    );
    let api = format!("/api/v1/events/{id}");
    let body = format!(
        "<p class=\"crumbs\"><a href=\"/\">Overview</a> › <a href=\"{}\">{}</a> › event {id}</p>\n\
         <div class=\"event-head\">\n<p>{} {} from {} · {}</p>\n\
         <p class=\"formats\">Report as <a href=\"{api}/report?format=html\">HTML</a> · \
         <a href=\"{api}/report?format=md\">Markdown</a> · <a href=\"{api}/report?format=json\">JSON</a> · \
         <a href=\"{api}\">event JSON</a></p>\n</div>\n\
         <iframe class=\"report\" title=\"{}\" sandbox=\"allow-same-origin\" srcdoc=\"{}\" \
         onload=\"this.style.height=this.contentDocument.documentElement.scrollHeight+'px'\"></iframe>\n",
        esc(&widgets::entity_href(&event.entity)),
        esc(&name),
        widgets::kind(&event.kind),
        widgets::severity(&event.worst_severity),
        widgets::time(event.start),
        esc(&widgets::duration(&event)),
        esc(&title),
        esc(&html)
    );
    Ok(page(&title, data_end, &body))
}
