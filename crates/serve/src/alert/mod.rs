//! Alerts, the last stage of the pipeline: the store keeps an outbox of
//! event transitions (start, escalation, de-escalation, restore), written
//! in the same transaction as the events themselves; here each
//! configured webhook sink drains it in order (see [`webhook`]). The
//! watch list, stored beside the outbox, says which entities alert.

pub mod config;
mod message;
mod webhook;

use std::sync::Arc;

pub use config::{AlertConfig, WebhookConfig};
pub use webhook::SinkStats;

use crate::AppState;

/// How often the sinks look and how long they wait after failures.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// First wait after a failure, seconds.
    pub retry_initial_s: u64,
    /// Longest wait, seconds.
    pub retry_max_s: u64,
    /// Between looks at an empty outbox, milliseconds.
    pub poll_ms: u64,
}

/// Starts one task per configured sink, each counting into its entry of
/// the state's sink statistics.
pub fn start(state: &AppState) {
    let config = &state.options.alerts;
    let timing = Timing {
        retry_initial_s: config.retry_initial_s,
        retry_max_s: config.retry_max_s,
        poll_ms: config.poll_ms,
    };
    for (sink, stats) in config.webhook.iter().zip(state.sinks.iter()) {
        tokio::spawn(webhook::run(
            state.clone(),
            sink.clone(),
            timing,
            Arc::clone(stats),
        ));
    }
}
