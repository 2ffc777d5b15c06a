//! `/api/v1/watch`: the entities that raise alerts. Anyone may read the
//! list; adding and removing need the configured bearer token.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::{json, Value};

use crate::alert::config::check_pattern;
use crate::error::ApiError;
use crate::guard::authorize;
use crate::query::PathParam;
use crate::AppState;

/// `GET /api/v1/watch`.
pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let watch = state.with_store(|s| s.watch_list()).await?;
    Ok(Json(json!({ "watch": watch })))
}

fn checked(headers: &HeaderMap, state: &AppState, entity: &str) -> Result<String, ApiError> {
    authorize(headers, state.options.token.as_deref())?;
    check_pattern(entity).map_err(ApiError::bad_request)?;
    Ok(entity.to_owned())
}

/// `PUT /api/v1/watch/{entity}`: alerts for `entity` (or a family such
/// as `country/*`) from now on.
pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(entity): PathParam<String>,
) -> Result<Json<Value>, ApiError> {
    let entity = checked(&headers, &state, &entity)?;
    let added = state
        .with_store({
            let entity = entity.clone();
            move |s| s.add_watch(&entity)
        })
        .await?;
    Ok(Json(json!({ "entity": entity, "added": added })))
}

/// `DELETE /api/v1/watch/{entity}`.
pub async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(entity): PathParam<String>,
) -> Result<Json<Value>, ApiError> {
    let entity = checked(&headers, &state, &entity)?;
    let removed = state
        .with_store({
            let entity = entity.clone();
            move |s| s.remove_watch(&entity)
        })
        .await?;
    if !removed {
        return Err(ApiError::not_found(format!(
            "`{entity}` is not on the watch list (GET /api/v1/watch lists it)"
        )));
    }
    Ok(Json(json!({ "entity": entity, "removed": true })))
}
