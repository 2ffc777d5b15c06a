//! The service edge of the pipeline: an HTTP API (JSON, under `/api/v1`)
//! over the store the replay (and, later, live feeds) write: entity
//! search, an entity's series over a time range, events, one event and
//! its incident report, the watch list, and the OpenAPI document of
//! these routes; `/metrics` for Prometheus; and the webhook alerts that
//! drain the store's outbox.
//! The store is synchronous (SQLite, or PostgreSQL's blocking client);
//! handlers reach it on tokio's blocking threads, one at a time. Reading
//! needs nothing; changing the watch list needs the configured bearer
//! token.

pub mod alert;
mod api;
mod dashboard;
mod error;
mod guard;
mod metrics;
mod openapi;
mod query;
mod routes;
mod sources;
mod watch;

use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use store::Store;

pub use alert::AlertConfig;
pub use error::ApiError;
pub use guard::Limits;
pub use openapi::{document, ROUTES};
pub use routes::{RouteTable, SharedRoutes};
pub use sources::{ConnectionStatus, Gauge, LiveStatus, LiveView, SourceStatus};

/// How the server is set up.
#[derive(Clone)]
pub struct Options {
    /// Seconds per series bin (300).
    pub bin_secs: u64,
    /// The bearer token that routes changing state require; without one
    /// the server is read-only.
    pub token: Option<String>,
    /// Limits on each request.
    pub limits: Limits,
    /// Webhook sinks and the initial watch list.
    pub alerts: AlertConfig,
}

/// The token is a secret: debug output (and so any log) never shows it.
impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("bin_secs", &self.bin_secs)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("limits", &self.limits)
            .field("alerts", &self.alerts)
            .finish()
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bin_secs: 300,
            token: None,
            limits: Limits::default(),
            alerts: AlertConfig::default(),
        }
    }
}

/// What the handlers and the alert senders share.
#[derive(Clone)]
pub struct AppState {
    store: Arc<Mutex<Store>>,
    requests: Arc<metrics::Requests>,
    sinks: Arc<[Arc<alert::SinkStats>]>,
    options: Arc<Options>,
    routes: SharedRoutes,
    /// The last answer of `/api/v1/peers`, given again while a live core
    /// holds the route table.
    last_peers: Arc<Mutex<Option<serde_json::Value>>>,
    /// The live feeds, when the server runs them.
    live: Option<LiveView>,
    /// Seconds per series bin (300).
    bin_secs: u64,
    limits: Limits,
}

/// What the server answers route and source questions from.
#[derive(Clone, Default)]
pub struct Tables {
    /// The route table (`/api/v1/prefixes`, `/api/v1/peers`): the one a
    /// replay ended with, or the live one the feeds keep changing.
    pub routes: SharedRoutes,
    /// The live feeds (`/api/v1/sources` and their `/metrics`).
    pub live: Option<LiveView>,
}

impl Tables {
    /// A route table that no longer changes, if any, and no live feeds.
    pub fn fixed(routes: Option<RouteTable>) -> Tables {
        Tables {
            routes: routes.map(|r| Arc::new(std::sync::RwLock::new(r))),
            live: None,
        }
    }
}

impl AppState {
    fn new(store: Store, options: Options, tables: Tables) -> AppState {
        let sinks = options
            .alerts
            .webhook
            .iter()
            .map(|sink| {
                Arc::new(alert::SinkStats {
                    name: sink.name.clone(),
                    ..alert::SinkStats::default()
                })
            })
            .collect();
        AppState {
            store: Arc::new(Mutex::new(store)),
            requests: Arc::default(),
            sinks,
            routes: tables.routes,
            last_peers: Arc::default(),
            live: tables.live,
            bin_secs: options.bin_secs,
            limits: options.limits,
            options: Arc::new(options),
        }
    }

    /// The live feeds now; nothing when the server runs none.
    fn live_status(&self) -> LiveStatus {
        self.live.as_ref().map(|view| view()).unwrap_or_default()
    }

    /// Runs `f` on the store, on a blocking thread.
    async fn with_store<T, E, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiError>,
        F: FnOnce(&mut Store) -> Result<T, E> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().map_err(|_| {
                ApiError::internal("the store is unusable after an earlier failure")
            })?;
            f(&mut guard).map_err(Into::into)
        })
        .await
        .map_err(|e| ApiError::internal(format!("the store task failed: {e}")))?
    }
}

/// The router over `store`, set up by `options`, and its shared state.
fn build(state: AppState) -> Router {
    Router::new()
        .route("/api/v1/health", get(api::health))
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/entities", get(api::entities))
        .route("/api/v1/entities/{*path}", get(api::entity_path))
        .route("/api/v1/events", get(api::events))
        .route("/api/v1/events/{id}", get(api::event))
        .route("/api/v1/events/{id}/report", get(api::event_report))
        .route("/api/v1/prefixes/{*prefix}", get(routes::prefix))
        .route("/api/v1/peers", get(routes::peers))
        .route("/api/v1/sources", get(sources::list))
        .route("/api/v1/watch", get(watch::list))
        .route(
            "/api/v1/watch/{*entity}",
            axum::routing::put(watch::add).delete(watch::remove),
        )
        .route("/metrics", get(metrics::serve))
        .merge(dashboard::routes())
        .method_not_allowed_fallback(api::method_not_allowed)
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(state.limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::size_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::time_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .with_state(state)
}

/// The router over `store` (and `routes`, when the server holds a route
/// table), set up by `options`; no alert senders: see [`serve`].
pub fn router(store: Store, options: Options, routes: Option<RouteTable>) -> Router {
    build(AppState::new(store, options, Tables::fixed(routes)))
}

/// Adds the configured watch list to the stored one, starts the alert
/// senders and serves the router (over `tables`) on `listener` until the
/// process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    options: Options,
    tables: Tables,
) -> Result<(), ApiError> {
    let state = AppState::new(store, options, tables);
    let watch = state.options.alerts.watch.clone();
    state
        .with_store(move |s| {
            for pattern in &watch {
                s.add_watch(pattern)?;
            }
            Ok::<_, store::StoreError>(())
        })
        .await?;
    alert::start(&state);
    axum::serve(listener, build(state))
        .await
        .map_err(|e| ApiError::internal(format!("serving failed: {e}")))
}
