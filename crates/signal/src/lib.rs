//! The signal stage of the pipeline: route-table deltas to time series per
//! entity (a country `country/KP`, an origin AS `as/131279`, a watched
//! prefix `prefix/175.45.176.0/24`), in 5-minute bins of event time.
//!
//! Gauges (visible IPv4 /24s, visible IPv6 /48s, visible prefixes) follow
//! DESIGN.md: a block counts when at least one visible prefix covers it,
//! overlaps once. Counters (announcements, withdrawals, path changes,
//! origin changes) count route deltas inside the bin. Everything is
//! updated incrementally from [`rib::Delta`]s; nothing rescans the table.

mod coverage;
mod series;
mod sessions;

pub use coverage::Coverage;
pub use series::{BinRow, Cause, Entity, Signals, Values, VisibilityChange};
pub use sessions::{Sessions, RESYNC_SECS};
