//! The dashboard, at the service edge of the pipeline beside the API:
//! server-rendered pages over the same store, for people rather than
//! programs. `/` tells what is out now and what happened lately, with a
//! sparkline per country; `/entity/{id}` draws an entity's timeline with
//! every event shaded, its upstreams and vantage points; `/event/{id}`
//! holds the incident report; `/prefix/{prefix}` shows the routes to a
//! prefix in the server's route table; `/search` finds entities.
//!
//! Pages are HTML with inline SVG and one embedded style sheet; nothing is
//! fetched from elsewhere, and a few lines of script only size the report
//! frame. The data's "now" is the end of the latest stored bin, never the
//! wall clock, so replayed history reads as if it were live.

mod entity;
mod event;
mod events;
mod evidence;
mod overview;
mod prefix;
mod range;
mod search;
mod shell;
mod sparkline;
mod widgets;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use report::Window;
use serde::de::DeserializeOwned;
use store::{Point, Store, StoreError};

use crate::error::ApiError;
use crate::AppState;

pub use shell::page;

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::show))
        .route("/entity/{*id}", get(entity::show))
        .route("/event/{id}", get(event::show))
        .route("/prefix/{*prefix}", get(prefix::show))
        .route("/search", get(search::show))
}

/// The end of the latest stored bin: the time up to which the data goes.
pub fn data_end(store: &mut Store, bin_secs: u64) -> Result<Option<u64>, StoreError> {
    Ok(store.latest_bin()?.map(|bin| bin + bin_secs))
}

/// How far before a window to look first for the point that gives the
/// gauges at its start: a busy entity has one there; only a quiet one
/// needs the longer search, and a quiet one has few rows to read.
const LOOK_BACK: u64 = 86_400;

/// The stored points of `entity` in `window`, after the last point before
/// it (which gives the gauges at its start), as the charts take them.
pub fn points_in(
    store: &mut Store,
    entity: &str,
    window: Window,
) -> Result<Vec<Point>, StoreError> {
    let mut points = store.series(entity, window.from.saturating_sub(LOOK_BACK), window.to)?;
    let inside = points.partition_point(|p| p.bin_start < window.from);
    if inside == 0 {
        let before = store.series(entity, 0, window.from)?.last().copied();
        points.splice(0..0, before);
        return Ok(points);
    }
    Ok(points.split_off(inside - 1))
}

/// When the stored data begins inside `window`: its start, unless the
/// history (the world's series, which every bin with data touches)
/// begins later; the end of the window when it holds no data.
pub fn data_start(store: &mut Store, window: Window) -> Result<u64, StoreError> {
    let before = store.series(
        "world",
        window.from.saturating_sub(LOOK_BACK),
        window.from + 1,
    )?;
    if !before.is_empty() {
        return Ok(window.from);
    }
    let inside = store.series("world", window.from, window.to)?;
    Ok(inside.first().map_or(window.to, |p| p.bin_start))
}

/// Path parameters whose rejection (a segment that is not UTF-8 once
/// percent-decoded) is a 400 page like the dashboard's other errors.
pub struct PagePath<T>(pub T);

impl<T, S> FromRequestParts<S> for PagePath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(t)| PagePath(t))
            .map_err(|e| PageError(crate::query::path_error(&e)))
    }
}

/// A page that could not be shown: the API's error (its status and
/// message) answered as an HTML page of the dashboard.
#[derive(Debug)]
pub struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let ApiError {
            status, message, ..
        } = self.0;
        let title = match status {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::BAD_REQUEST => "Bad request",
            _ => status.canonical_reason().unwrap_or("Error"),
        };
        let body = format!(
            "<section class=\"card problem\">\n<h1>{}</h1>\n<p>{}</p>\n\
             <p><a href=\"/\">Back to the overview</a> or search for a country, AS or prefix above.</p>\n</section>\n",
            report::escape_html(title),
            report::escape_html(&message)
        );
        (status, page(title, None, &body)).into_response()
    }
}
