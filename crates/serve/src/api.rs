//! The handlers of `/api/v1`: each checks its parameters (400 on bad
//! ones), reads the store on a blocking thread and answers JSON.

use axum::extract::State;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use signal::Values;
use store::{EventQuery, Point};

use crate::error::ApiError;
use crate::query::{self, Params, PathParam, MAX_SERIES_RANGE};
use crate::AppState;

/// The most events or entities one request returns.
const MAX_LIMIT: usize = 1000;

fn limit(asked: Option<usize>, default: usize) -> Result<usize, ApiError> {
    match asked {
        Some(0) => Err(ApiError::bad_request("limit must be at least 1")),
        Some(n) if n > MAX_LIMIT => Err(ApiError::bad_request(format!(
            "limit must be at most {MAX_LIMIT}"
        ))),
        Some(n) => Ok(n),
        None => Ok(default),
    }
}

/// `GET /api/v1/health`.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Any other path: a JSON error under `/api/`, a dashboard page
/// elsewhere (a person followed a link).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::not_found("no such route (the routes are in /api/v1/openapi.json)")
            .into_response()
    } else {
        crate::dashboard::PageError::from(ApiError::not_found(format!(
            "There is no page at {}.",
            uri.path()
        )))
        .into_response()
    }
}

/// A route that exists, asked with a method it does not take (axum keeps
/// the `Allow` header that lists the ones it does): a JSON error under
/// `/api/`, a dashboard page elsewhere.
pub async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    let error = ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        code: "method_not_allowed",
        message: format!(
            "{} does not take {method} (the Allow header lists the methods it takes; the routes are in /api/v1/openapi.json)",
            uri.path()
        ),
    };
    if uri.path().starts_with("/api/") {
        error.into_response()
    } else {
        crate::dashboard::PageError::from(error).into_response()
    }
}

/// Parameters of `/entities`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntitiesParams {
    q: Option<String>,
    limit: Option<usize>,
}

/// `GET /api/v1/entities?q=&limit=`: entities whose id or name contains
/// `q`.
pub async fn entities(
    State(state): State<AppState>,
    Params(p): Params<EntitiesParams>,
) -> Result<Json<Value>, ApiError> {
    let limit = limit(p.limit, 50)?;
    let q = p.q.unwrap_or_default();
    query::search(&q)?;
    let found = state
        .with_store(move |s| s.search_entities(&q, limit))
        .await?;
    let list: Vec<Value> = found
        .into_iter()
        .map(|e| json!({ "id": e.name, "label": e.label, "country": e.country }))
        .collect();
    Ok(Json(json!({ "entities": list })))
}

/// Parameters of `/entities/{id}/signals`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalsParams {
    from: Option<String>,
    to: Option<String>,
    signal: Option<String>,
}

/// `GET /api/v1/entities/{id}/signals?from&to&signal`: an entity's change
/// points in `[from, to)` (at most 31 days; 7 days before `to`, or the
/// last 7 days of data, when not given), with the values in force at
/// `from`.
pub async fn entity_path(
    State(state): State<AppState>,
    PathParam(path): PathParam<String>,
    Params(p): Params<SignalsParams>,
) -> Result<Json<Value>, ApiError> {
    let Some(entity) = path.strip_suffix("/signals") else {
        return Err(ApiError::not_found(format!(
            "no such route: /api/v1/entities/{path} (an entity's series is at /api/v1/entities/ID/signals)"
        )));
    };
    query::entity(entity)?;
    let columns: Vec<usize> = match p.signal.as_deref() {
        None => (0..Values::NAMES.len()).collect(),
        Some(name) => match Values::NAMES.iter().position(|n| *n == name) {
            Some(i) => vec![i],
            None => {
                return Err(ApiError::bad_request(format!(
                    "signal={name:?} is none of {}",
                    Values::NAMES.join(", ")
                )))
            }
        },
    };
    let from = query::opt_time("from", p.from.as_deref())?;
    let to = query::opt_time("to", p.to.as_deref())?;
    if let (Some(f), Some(t)) = (from, to) {
        query::range(Some(f), Some(t))?;
        if t - f > MAX_SERIES_RANGE {
            return Err(ApiError::bad_request(format!(
                "the range is longer than {} days: ask for it in parts",
                MAX_SERIES_RANGE / 86_400
            )));
        }
    }
    let id = entity.to_owned();
    let bin_secs = state.bin_secs;
    let (initial, points, from, to) = state
        .with_store(move |s| {
            if s.entity(&id)?.is_none() {
                return Err(ApiError::not_found(format!("no series for {id}")));
            }
            let week = 7 * 86_400;
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) => (f, t),
                (Some(f), None) => (f, f.saturating_add(week)),
                (None, Some(t)) => (t.saturating_sub(week), t),
                (None, None) => {
                    let last = s
                        .series(&id, 0, i64::MAX as u64)?
                        .last()
                        .map_or(0, |p| p.bin_start + bin_secs);
                    (last.saturating_sub(week), last)
                }
            };
            let initial = s
                .series(&id, from.saturating_sub(30 * 86_400), from)?
                .last()
                .copied();
            let points = s.series(&id, from, to)?;
            Ok((initial, points, from, to))
        })
        .await?;
    let point = |p: &Point| {
        let values = p.values.to_array();
        let mut obj = serde_json::Map::new();
        obj.insert("bin_start".into(), p.bin_start.into());
        for &i in &columns {
            if let (Some(name), Some(v)) = (Values::NAMES.get(i), values.get(i)) {
                obj.insert((*name).into(), (*v).into());
            }
        }
        Value::Object(obj)
    };
    Ok(Json(json!({
        "entity": entity,
        "from": from,
        "to": to,
        "bin_secs": bin_secs,
        "initial": initial.as_ref().map(point),
        "points": points.iter().map(point).collect::<Vec<_>>(),
    })))
}

/// Parameters of `/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsParams {
    entity: Option<String>,
    from: Option<String>,
    to: Option<String>,
    active: Option<bool>,
    limit: Option<usize>,
    after: Option<u64>,
}

/// `GET /api/v1/events?entity&from&to&active&limit&after`: events by id,
/// a page at a time (`next` is the `after` of the next page).
pub async fn events(
    State(state): State<AppState>,
    Params(p): Params<EventsParams>,
) -> Result<Json<Value>, ApiError> {
    if let Some(e) = &p.entity {
        query::entity(e)?;
    }
    let from = query::opt_time("from", p.from.as_deref())?;
    let to = query::opt_time("to", p.to.as_deref())?;
    query::range(from, to)?;
    let limit = limit(p.limit, 100)?;
    let after = p.after.unwrap_or(0);
    let q = EventQuery {
        entity: p.entity,
        from,
        to,
        active: p.active.unwrap_or(false),
    };
    // One more than a page says whether another page follows.
    let texts = state
        .with_store(move |s| s.events_page(&q, after, limit + 1))
        .await?;
    let mut events: Vec<Value> = texts
        .iter()
        .filter_map(|t| serde_json::from_str::<Value>(t).ok())
        .collect();
    let next = (events.len() > limit)
        .then(|| events.get(limit - 1).and_then(|e| e["id"].as_u64()))
        .flatten();
    events.truncate(limit);
    Ok(Json(json!({ "events": events, "next": next })))
}

fn event_id(text: &str) -> Result<u64, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad_request(format!("{text:?} is not an event id (a number)")))
}

/// `GET /api/v1/events/{id}`.
pub async fn event(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
) -> Result<Json<Value>, ApiError> {
    let id = event_id(&id)?;
    let text = state.with_store(move |s| s.event(id)).await?;
    let text = text.ok_or_else(|| ApiError::not_found(format!("no event {id}")))?;
    serde_json::from_str(&text)
        .map(Json)
        .map_err(|e| ApiError::internal(format!("event {id} in the store: {e}")))
}

/// Parameters of `/events/{id}/report`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    format: Option<String>,
}

/// `GET /api/v1/events/{id}/report?format=html|md|json`.
pub async fn event_report(
    State(state): State<AppState>,
    PathParam(id): PathParam<String>,
    Params(p): Params<ReportParams>,
) -> Result<Response, ApiError> {
    let id = event_id(&id)?;
    let (format, content_type) = match p.format.as_deref().unwrap_or("html") {
        "html" => (report::Format::Html, "text/html; charset=utf-8"),
        "md" => (report::Format::Markdown, "text/markdown; charset=utf-8"),
        "json" => (report::Format::Json, "application/json"),
        other => {
            return Err(ApiError::bad_request(format!(
                "format={other:?} is none of html, md, json"
            )))
        }
    };
    let bin_secs = state.bin_secs;
    let rendered = state
        .with_store(move |s| {
            report::render_stored(s, id, format, bin_secs)
                .map_err(|e| ApiError::internal(e.to_string()))
        })
        .await?;
    let (_, body) = rendered.ok_or_else(|| ApiError::not_found(format!("no event {id}")))?;
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}
