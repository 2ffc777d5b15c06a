//! The service edge of the pipeline: a read-only HTTP API (JSON, under
//! `/api/v1`) over the store the replay (and, later, live feeds) write:
//! entity search, an entity's series over a time range, events, one event
//! and its incident report, and the OpenAPI document of these routes; and
//! `/metrics` for Prometheus.
//! The store is synchronous (SQLite, or PostgreSQL's blocking client);
//! handlers reach it on tokio's blocking threads, one at a time.

mod api;
mod error;
mod metrics;
mod openapi;
mod query;

use std::sync::{Arc, Mutex};

use axum::routing::get;
use axum::Router;
use store::Store;

pub use error::ApiError;
pub use openapi::{document, ROUTES};

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
    requests: Arc<metrics::Requests>,
    /// Seconds per series bin (300).
    bin_secs: u64,
}

/// The API's router over `store`, whose series are in bins of `bin_secs`.
pub fn router(store: Store, bin_secs: u64) -> Router {
    let state = AppState {
        store: Arc::new(Mutex::new(store)),
        requests: Arc::default(),
        bin_secs,
    };
    Router::new()
        .route("/api/v1/health", get(api::health))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/entities", get(api::entities))
        .route("/api/v1/entities/{*path}", get(api::entity_path))
        .route("/api/v1/events", get(api::events))
        .route("/api/v1/events/{id}", get(api::event))
        .route("/api/v1/events/{id}/report", get(api::event_report))
        .route("/metrics", get(metrics::serve))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .with_state(state)
}

/// Serves `router` on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(listener, router).await
}
