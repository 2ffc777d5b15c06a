//! The event JSON of the contract (`detect::Event::to_json`, README
//! "Events") read back into types, so that every renderer works from the
//! same checked view. Unknown hint kinds are kept as [`Hint::Other`] and
//! left out of the text, so a newer detector does not break old reports.

use serde::Deserialize;

/// One upstream's share of the entity's routes.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UpstreamShare {
    /// The upstream AS.
    pub asn: u32,
    /// Routes through it.
    pub routes: u32,
    /// Their share of all routes, 0 to 1.
    pub share: f64,
}

/// One collector peer's view of the affected prefixes.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PeerView {
    /// The peer's AS.
    pub asn: u32,
    /// The peer's address.
    pub address: String,
    /// Routes it had to the affected prefixes before.
    pub routes_before: u32,
    /// Routes it has now.
    pub routes_now: u32,
}

/// A reason the data shows for the event, with its evidence (see
/// `detect::Hint` for the meaning of each field).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hint {
    /// Every peer lost each prefix within seconds of the others.
    WithdrawnAtOrigin {
        /// Peers that lost routes.
        peers: u32,
        /// Routes withdrawn.
        routes: u32,
        /// First withdrawal, Unix seconds.
        first: u64,
        /// Last withdrawal, Unix seconds.
        last: u64,
        /// The most seconds between the peers' withdrawals of one prefix.
        spread_s: u64,
    },
    /// Routes through one transit AS went away, others stayed.
    UpstreamLoss {
        /// The transit AS.
        upstream: u32,
        /// Routes through it before.
        routes_before: u32,
        /// Routes through other upstreams now.
        routes_elsewhere: u32,
    },
    /// The entity churned before the outage.
    PrecededByInstability {
        /// The instability event's id.
        event: u64,
        /// Its start, Unix seconds.
        since: u64,
        /// Visibility drops during it.
        flaps: u64,
        /// Announcements, withdrawals and path changes during it.
        churn: u64,
    },
    /// One upstream carried (nearly) all routes.
    SingleUpstream {
        /// Upstream shares, largest first.
        upstreams: Vec<UpstreamShare>,
    },
    /// Several upstreams.
    Upstreams {
        /// Upstream shares, largest first.
        upstreams: Vec<UpstreamShare>,
    },
    /// Which collector peers still see the affected prefixes.
    Vantage {
        /// Peers that still have routes.
        seeing: Vec<PeerView>,
        /// Peers that lost them all.
        not_seeing: Vec<PeerView>,
        /// The main upstream, when its own peers are vantage points.
        upstream: Option<u32>,
        /// Those of its peers that still see the prefixes.
        upstream_peers_seeing: u32,
        /// Those of its peers that do not.
        upstream_peers_not_seeing: u32,
    },
    /// Collector peers' sessions went down.
    PeerReset {
        /// The peers, as `ASN address`.
        peers: Vec<String>,
        /// When the first went down, Unix seconds.
        at: u64,
    },
    /// A kind this version does not know.
    #[serde(other)]
    Other,
}

/// An affected prefix.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AffectedPrefix {
    /// The prefix.
    pub prefix: String,
    /// Its origin AS, when known.
    pub origin: Option<u32>,
    /// The last AS path seen for it.
    #[serde(default)]
    pub last_path: Vec<u32>,
}

/// The event as stored, fields as in the contract.
#[derive(Clone, Debug, PartialEq, Deserialize)]
struct Raw {
    id: u64,
    entity: String,
    kind: String,
    severity: String,
    worst_severity: String,
    start: String,
    end: Option<String>,
    duration_s: u64,
    min_ratio: f64,
    baseline: f64,
    signal: String,
    #[serde(default)]
    short: bool,
    #[serde(default)]
    prefixes: Vec<AffectedPrefix>,
    #[serde(default)]
    hints: Vec<Hint>,
}

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
        let raw = Raw::deserialize(value).map_err(|e| e.to_string())?;
        let start = parse_time(&raw.start)?;
        let end = raw.end.as_deref().map(parse_time).transpose()?;
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

fn parse_time(text: &str) -> Result<u64, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .and_then(|t| u64::try_from(t.timestamp()).ok())
        .ok_or_else(|| format!("{text:?} is not an RFC 3339 time"))
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
        assert_eq!(e.hints[0], Hint::Other);
        assert!(matches!(e.hints[1], Hint::PeerReset { at: 5, .. }));
        assert!(EventView::from_json(&serde_json::json!({"id": 1})).is_err());
    }
}
