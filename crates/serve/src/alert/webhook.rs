//! One webhook sink: reads the outbox in order from where this sink
//! stopped, skips what its filters or the watch list leave out, POSTs
//! the rest one at a time, retrying with a doubling wait until the
//! receiver answers 2xx, and stores how far it got after each alert. A
//! restart therefore resumes after the last delivered alert: none is
//! lost and, short of a crash between the receiver's answer and that
//! write, none is sent twice (the `Idempotency-Key` header lets a
//! receiver drop even that one).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use store::Alert;

use store::watch_matches;

use super::config::WebhookConfig;
use super::{message, Timing};
use crate::error::ApiError;
use crate::AppState;

/// Alerts read from the outbox at a time.
const BATCH: usize = 100;

/// What a sink has done, for `/metrics`.
#[derive(Debug, Default)]
pub struct SinkStats {
    /// The sink's name.
    pub name: String,
    /// Alerts the receiver accepted.
    pub sent: AtomicU64,
    /// Failed attempts (each retry counts).
    pub failures: AtomicU64,
    /// The id of the last alert delivered or skipped.
    pub cursor: AtomicU64,
    /// The last failure, for the log and the sources page.
    pub last_error: Mutex<Option<String>>,
}

/// Runs the sink until the process ends.
pub async fn run(state: AppState, sink: WebhookConfig, timing: Timing, stats: Arc<SinkStats>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(sink.timeout_s))
        .user_agent(concat!("darkwatch/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => {
            eprintln!(
                "darkwatch serve: webhook `{}`: cannot build an HTTP client ({e}); its alerts stay in the outbox",
                sink.name
            );
            return;
        }
    };
    let name = sink.name.clone();
    let mut cursor = loop {
        let name = name.clone();
        match state.with_store(move |s| s.sink_cursor(&name)).await {
            Ok(cursor) => break cursor,
            Err(e) => wait_after_store_error(&sink, &e, timing).await,
        }
    };
    stats.cursor.store(cursor, Ordering::Relaxed);
    loop {
        let pending = state
            .with_store(move |s| {
                Ok::<_, store::StoreError>((s.alerts_after(cursor, BATCH)?, s.watch_list()?))
            })
            .await;
        let (alerts, watch) = match pending {
            Ok(found) => found,
            Err(e) => {
                wait_after_store_error(&sink, &e, timing).await;
                continue;
            }
        };
        if alerts.is_empty() {
            tokio::time::sleep(Duration::from_millis(timing.poll_ms)).await;
            continue;
        }
        for alert in alerts {
            let wanted = watch.iter().any(|p| watch_matches(p, &alert.entity))
                && sink.wants(&alert.entity, &alert.kind, &alert.worst_severity);
            if wanted {
                deliver(&state, &client, &sink, &alert, timing, &stats).await;
            }
            cursor = alert.id;
            let name = name.clone();
            // A lost cursor write would resend, so it is retried too.
            while let Err(e) = state
                .with_store({
                    let name = name.clone();
                    move |s| s.set_sink_cursor(&name, cursor)
                })
                .await
            {
                wait_after_store_error(&sink, &e, timing).await;
            }
            stats.cursor.store(cursor, Ordering::Relaxed);
        }
    }
}

async fn wait_after_store_error(sink: &WebhookConfig, e: &ApiError, timing: Timing) {
    eprintln!(
        "darkwatch serve: webhook `{}`: reading the outbox failed: {} (retrying in {} s)",
        sink.name, e.message, timing.retry_initial_s
    );
    tokio::time::sleep(Duration::from_secs(timing.retry_initial_s)).await;
}

/// POSTs `alert` until the receiver accepts it.
async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    sink: &WebhookConfig,
    alert: &Alert,
    timing: Timing,
    stats: &SinkStats,
) {
    let entity = alert.entity.clone();
    let info = state
        .with_store(move |s| s.entity(&entity))
        .await
        .ok()
        .flatten();
    let body = message::body(alert, info.as_ref(), state.bin_secs);
    let mut wait = timing.retry_initial_s;
    loop {
        let sent = client
            .post(&sink.url)
            .header("Idempotency-Key", format!("darkwatch-alert-{}", alert.id))
            .json(&body)
            .send()
            .await;
        let problem = match sent {
            Ok(response) if response.status().is_success() => {
                stats.sent.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok(response) => format!("the receiver answered {}", response.status()),
            Err(e) => format!("the POST failed: {e}"),
        };
        stats.failures.fetch_add(1, Ordering::Relaxed);
        eprintln!(
            "darkwatch serve: webhook `{}` ({}): alert {} ({} of {}): {problem}; retrying in {wait} s",
            sink.name, sink.url, alert.id, alert.transition, alert.entity
        );
        if let Ok(mut last) = stats.last_error.lock() {
            *last = Some(problem);
        }
        tokio::time::sleep(Duration::from_secs(wait)).await;
        wait = (wait * 2).min(timing.retry_max_s);
    }
}
