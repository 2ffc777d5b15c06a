//! `/metrics` in the Prometheus text format: the events in the store (by
//! kind, open or closed), the counters the last replay left (records,
//! route events, peers, full-feed peers, damaged records, series rows and
//! events written), and the requests this server answered and failed.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::alert::SinkStats;
use crate::error::ApiError;
use crate::AppState;

/// What the server counts itself.
#[derive(Debug, Default)]
pub struct Requests {
    answered: AtomicU64,
    failed: AtomicU64,
}

/// Counts every request and those answered with an error status.
pub async fn count(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    state.requests.answered.fetch_add(1, Ordering::Relaxed);
    if response.status().is_client_error() || response.status().is_server_error() {
        state.requests.failed.fetch_add(1, Ordering::Relaxed);
    }
    response
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(String, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in samples {
        let _ = writeln!(out, "{name}{labels} {value}");
    }
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (events, counters) = state
        .with_store(|s| Ok::<_, store::StoreError>((s.event_counts()?, s.counters()?)))
        .await?;
    let mut out = String::new();
    let open: u64 = events.iter().filter(|e| e.1).map(|e| e.2).sum();
    metric(
        &mut out,
        "darkwatch_open_events",
        "gauge",
        "Events not ended yet.",
        &[(String::new(), open)],
    );
    let by_kind: Vec<(String, u64)> = events
        .iter()
        .map(|(kind, is_open, n)| {
            let state = if *is_open { "open" } else { "ended" };
            (format!("{{kind=\"{kind}\",state=\"{state}\"}}"), *n)
        })
        .collect();
    metric(
        &mut out,
        "darkwatch_events",
        "gauge",
        "Events in the store by kind and state.",
        &by_kind,
    );
    for (name, value) in &counters {
        // Counter names are the replay summary's own: [a-z0-9_].
        let clean: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        metric(
            &mut out,
            &format!("darkwatch_{clean}"),
            "gauge",
            "From the summary of the last replay into this database.",
            &[(String::new(), *value)],
        );
    }
    let answered = state.requests.answered.load(Ordering::Relaxed);
    let failed = state.requests.failed.load(Ordering::Relaxed);
    metric(
        &mut out,
        "darkwatch_http_requests_total",
        "counter",
        "Requests answered.",
        &[(String::new(), answered)],
    );
    metric(
        &mut out,
        "darkwatch_http_errors_total",
        "counter",
        "Requests answered with a 4xx or 5xx status.",
        &[(String::new(), failed)],
    );
    let sinks = |pick: fn(&SinkStats) -> u64| -> Vec<(String, u64)> {
        state
            .sinks
            .iter()
            .map(|s| (format!("{{sink=\"{}\"}}", s.name), pick(s)))
            .collect()
    };
    metric(
        &mut out,
        "darkwatch_alerts_sent_total",
        "counter",
        "Alerts a webhook receiver accepted.",
        &sinks(|s| s.sent.load(Ordering::Relaxed)),
    );
    metric(
        &mut out,
        "darkwatch_alert_failures_total",
        "counter",
        "Failed webhook deliveries (each retry counts).",
        &sinks(|s| s.failures.load(Ordering::Relaxed)),
    );
    metric(
        &mut out,
        "darkwatch_alert_cursor",
        "gauge",
        "The last outbox alert each webhook delivered or skipped.",
        &sinks(|s| s.cursor.load(Ordering::Relaxed)),
    );
    for (name, kind, help, samples) in crate::sources::metrics(&state.live_status()) {
        metric(&mut out, name, kind, help, &samples);
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}
