//! The judgement stage of the pipeline: per-entity series (and the route
//! changes behind them) to outage and instability events with their
//! severity, lifecycle and hints. Like the stages before it, it is driven
//! by event time and reads no clock: the same replay gives the same
//! events.
//!
//! - Outage: the entity's visible /24s (or /48s, for IPv6-only entities)
//!   under a share of their baseline, the weighted median of the past day
//!   outside earlier outages. Raised from the streaming view inside the
//!   bin, a debounce after the drop, so a live feed alerts within seconds;
//!   restored when back near the baseline for a while.
//! - Instability: churn (announcements, withdrawals, path changes) far
//!   above the entity's own median + k·MAD, judged per closed bin.
//! - Hints: withdrawn at origin or upstream loss, preceded by
//!   instability, upstream shares, vantage points, peer reset (a drop
//!   that only a collector peer's session loss caused raises nothing).

mod baseline;
mod config;
mod detector;
mod event;
mod evidence;
mod transition;

pub use config::DetectConfig;
pub use detector::Detector;
pub use event::{
    parse_time, rfc3339, AffectedPrefix, Event, EventKind, Hint, PeerView, Severity, StoredEvent,
    UpstreamShare,
};
pub use transition::{Transition, Transitions};
