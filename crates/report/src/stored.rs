//! A stored event's report: the one place that reads what a report needs
//! from the store (the event, the entity's points around it, what the
//! store knows of the entity), for the CLI and the HTTP API alike.

use std::fmt;

use store::{Point, Store, StoreError};

use crate::{render, window, Format, Input, ReportError, Window};

/// How far back to look first for the point that gives the series' values
/// at the start of the window (the whole series is read only when none is
/// that recent).
const LOOK_BACK: u64 = 30 * 86_400;

/// Reading or rendering a stored event failed.
#[derive(Debug)]
pub enum StoredError {
    /// The store could not be read.
    Store(StoreError),
    /// The stored event is not of the contract.
    Report(ReportError),
}

impl fmt::Display for StoredError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoredError::Store(e) => e.fmt(f),
            StoredError::Report(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StoredError {}

impl From<StoreError> for StoredError {
    fn from(e: StoreError) -> Self {
        StoredError::Store(e)
    }
}

impl From<ReportError> for StoredError {
    fn from(e: ReportError) -> Self {
        StoredError::Report(e)
    }
}

/// The report of event `id` in `format`, with its entity; `None` when the
/// store has no such event.
pub fn render_stored(
    store: &mut Store,
    id: u64,
    format: Format,
    bin_secs: u64,
) -> Result<Option<(String, String)>, StoredError> {
    let Some(text) = store.event(id)? else {
        return Ok(None);
    };
    let event: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ReportError(format!("event {id} in the store: {e}")))?;
    let entity = event
        .get("entity")
        .and_then(|e| e.as_str())
        .ok_or_else(|| ReportError(format!("event {id} in the store has no entity")))?
        .to_owned();
    let window = window(&event, bin_secs)?;
    let info = store.entity(&entity)?;
    let points = points(store, &entity, window)?;
    let text = render(
        &Input {
            event: &event,
            entity: info.as_ref(),
            points: &points,
            window,
            bin_secs,
        },
        format,
    )?;
    Ok(Some((entity, text)))
}

/// The entity's points in `window`, after the last point before it (which
/// holds the gauges at the window's start).
fn points(store: &mut Store, entity: &str, window: Window) -> Result<Vec<Point>, StoreError> {
    let recent = store.series(entity, window.from.saturating_sub(LOOK_BACK), window.from)?;
    let before = match recent.last() {
        Some(p) => Some(*p),
        None => store.series(entity, 0, window.from)?.last().copied(),
    };
    let inside = store.series(entity, window.from, window.to)?;
    Ok(before.into_iter().chain(inside).collect())
}
