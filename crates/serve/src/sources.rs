//! `/api/v1/sources` and the sources' lines of `/metrics`: the state of
//! every live feed `serve` runs (BMP listeners, BGP neighbors, RIS Live):
//! whether it is connected, how much it sent, when it last spoke and what
//! went wrong. The feeds themselves run beside the server; it only asks
//! them how they are, through [`SourcesView`].

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use crate::AppState;

/// One live source at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceStatus {
    /// The name the configuration gave it.
    pub name: String,
    /// `bmp`, `bgp`, `ris` or `archive`.
    pub kind: &'static str,
    /// The address it listens on, or the URL it reads.
    pub listen: String,
    /// Its connections (routers, neighbors, the RIS Live socket).
    pub connections: Vec<ConnectionStatus>,
    /// Problems of the source as a whole (refused connections, messages
    /// its connections' counts do not include).
    pub errors: u64,
    /// The latest problem of the source as a whole.
    pub last_error: Option<String>,
}

/// One connection of a source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectionStatus {
    /// Who is at the other end (`127.0.0.2:179`, `AS65002 127.0.0.2`).
    pub remote: String,
    /// Up now.
    pub up: bool,
    /// Messages received.
    pub messages: u64,
    /// Problems: malformed messages, errors that ended it.
    pub errors: u64,
    /// When the latest message arrived, Unix seconds.
    pub last_message: Option<u64>,
    /// The latest problem, or why it ended.
    pub last_error: Option<String>,
}

impl SourceStatus {
    /// Connections up now.
    pub fn connected(&self) -> u64 {
        self.connections.iter().filter(|c| c.up).count() as u64
    }

    /// Messages over all connections.
    pub fn messages(&self) -> u64 {
        self.connections.iter().map(|c| c.messages).sum()
    }

    /// Problems over the source and all its connections.
    pub fn errors(&self) -> u64 {
        self.errors + self.connections.iter().map(|c| c.errors).sum::<u64>()
    }

    /// The latest message over all connections.
    pub fn last_message(&self) -> Option<u64> {
        self.connections.iter().filter_map(|c| c.last_message).max()
    }
}

/// A number the live pipeline keeps (routes in the table, route events
/// applied, messages it could not decode), for `/metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gauge {
    /// The metric's name (`darkwatch_live_routes`).
    pub name: &'static str,
    /// `gauge` or `counter`.
    pub kind: &'static str,
    /// What it counts.
    pub help: &'static str,
    /// Its value now.
    pub value: u64,
}

/// The live feeds and the pipeline behind them at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiveStatus {
    /// Every configured source.
    pub sources: Vec<SourceStatus>,
    /// The pipeline's numbers.
    pub gauges: Vec<Gauge>,
}

/// How the server asks the live feeds how they are, at each request.
pub type LiveView = Arc<dyn Fn() -> LiveStatus + Send + Sync>;

fn time(t: Option<u64>) -> Value {
    t.map_or(Value::Null, |t| json!(detect::rfc3339(t)))
}

/// `GET /api/v1/sources`.
pub async fn list(State(state): State<AppState>) -> Json<Value> {
    let sources: Vec<Value> = state
        .live_status()
        .sources
        .iter()
        .map(|s| {
            let connections: Vec<Value> = s
                .connections
                .iter()
                .map(|c| {
                    json!({
                        "remote": c.remote,
                        "state": if c.up { "up" } else { "down" },
                        "messages": c.messages,
                        "errors": c.errors,
                        "last_message": time(c.last_message),
                        "last_error": c.last_error,
                    })
                })
                .collect();
            json!({
                "name": s.name,
                "kind": s.kind,
                "listen": s.listen,
                "connected": s.connected(),
                "messages": s.messages(),
                "errors": s.errors(),
                "last_message": time(s.last_message()),
                "last_error": s.last_error,
                "connections": connections,
            })
        })
        .collect();
    Json(json!({ "sources": sources }))
}

/// A metric of `/metrics`: name, type, help and its samples (labels,
/// value).
pub type Metric = (&'static str, &'static str, &'static str, Vec<(String, u64)>);

/// The live feeds' metrics: one sample per source of each, then the
/// pipeline's gauges.
pub fn metrics(status: &LiveStatus) -> Vec<Metric> {
    let per = |pick: fn(&SourceStatus) -> u64| -> Vec<(String, u64)> {
        status
            .sources
            .iter()
            .map(|s| {
                (
                    format!("{{source=\"{}\",kind=\"{}\"}}", s.name, s.kind),
                    pick(s),
                )
            })
            .collect()
    };
    let mut out = vec![
        (
            "darkwatch_source_connected",
            "gauge",
            "Connections of a live source up now (routers, neighbors, the RIS Live socket).",
            per(SourceStatus::connected),
        ),
        (
            "darkwatch_source_messages_total",
            "counter",
            "Messages a live source received.",
            per(SourceStatus::messages),
        ),
        (
            "darkwatch_source_errors_total",
            "counter",
            "Malformed messages, refused or failed connections of a live source.",
            per(SourceStatus::errors),
        ),
        (
            "darkwatch_source_last_message_seconds",
            "gauge",
            "When a live source last received a message, Unix seconds (0: never).",
            per(|s| s.last_message().unwrap_or(0)),
        ),
    ];
    out.extend(
        status
            .gauges
            .iter()
            .map(|g| (g.name, g.kind, g.help, vec![(String::new(), g.value)])),
    );
    out
}
