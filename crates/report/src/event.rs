//! The event JSON of the contract (`detect::Event::to_json`, README
//! "Events") read back into types, so that every renderer works from the
//! same checked view. The hints are the detector's own types; hints of
//! kinds this version does not know are left out, so a newer detector does
//! not break old reports.

use detect::StoredEvent;
pub use detect::{AffectedPrefix, Hint, PeerView, UpstreamShare};

/// An event, with its times as Unix seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct EventView {
    /// Its id in the store.
    pub id: u64,
    /// `country/KP`, `as/131279`, `prefix/...`, `world`.
    pub entity: String,
    /// `outage` or `instability`.
    pub kind: String,
    /// Severity at the end (now, while open).
    pub severity: String,
    /// The worst severity reached: `warning`, `critical`, `dark`.
    pub worst_severity: String,
    /// Start, Unix seconds.
    pub start: u64,
    /// End, Unix seconds; `None` while open.
    pub end: Option<u64>,
    /// Seconds from start to end (to the time it was stored, while open).
    pub duration_s: u64,
    /// Outage: the lowest value over the baseline; instability: the
    /// highest churn over its threshold.
    pub min_ratio: f64,
    /// The baseline of the signal, or the churn threshold per bin.
    pub baseline: f64,
    /// `visible_24s`, `visible_48s` or `churn`.
    pub signal: String,
    /// Shorter than the configured short duration.
    pub short: bool,
    /// The affected prefixes.
    pub prefixes: Vec<AffectedPrefix>,
    /// The hints, in the detector's order.
    pub hints: Vec<Hint>,
}

impl EventView {
    /// Reads an event of the contract.
    pub fn from_json(value: &serde_json::Value) -> Result<EventView, String> {
        let raw = StoredEvent::read(value)?;
        let (start, end) = raw.times()?;
        Ok(EventView {
            id: raw.id,
            entity: raw.entity,
            kind: raw.kind,
            severity: raw.severity,
            worst_severity: raw.worst_severity,
            start,
            end,
            duration_s: raw.duration_s,
            min_ratio: raw.min_ratio,
            baseline: raw.baseline,
            signal: raw.signal,
            short: raw.short,
            prefixes: raw.prefixes,
            hints: raw.hints,
        })
    }

    /// Whether it is still going on.
    pub fn is_open(&self) -> bool {
        self.end.is_none()
    }

    /// Whether it is an outage (else an instability).
    pub fn is_outage(&self) -> bool {
        self.kind == "outage"
    }

    /// The end, or the time it was last stored while open.
    pub fn end_or_now(&self) -> u64 {
        self.end
            .unwrap_or_else(|| self.start.saturating_add(self.duration_s))
    }

    /// The first hint matching `pick`.
    pub fn hint<'a, T>(&'a self, pick: impl Fn(&'a Hint) -> Option<T>) -> Option<T> {
        self.hints.iter().find_map(pick)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_contract_and_tolerates_new_hint_kinds() {
        let v = serde_json::json!({
            "id": 3, "entity": "country/KP", "kind": "outage", "severity": "dark",
            "worst_severity": "dark", "start": "2014-12-22T16:15:08Z", "end": null,
            "duration_s": 60, "min_ratio": 0.0, "baseline": 4.0, "signal": "visible_24s",
            "short": false, "prefixes": [],
            "hints": [{"kind": "brand_new", "x": 1}, {"kind": "peer_reset", "peers": ["1 192.0.2.1"], "at": 5}]
        });
        let e = EventView::from_json(&v).unwrap();
        assert_eq!(e.start, 1_419_264_908);
        assert!(e.is_open());
        assert_eq!(e.end_or_now(), 1_419_264_968);
        // The unknown kind is left out, the known one kept.
        assert_eq!(e.hints.len(), 1);
        assert!(matches!(e.hints[0], Hint::PeerReset { at: 5, .. }));
        assert!(EventView::from_json(&serde_json::json!({"id": 1})).is_err());
    }
}
