//! The judgement the detector hands out: an outage or instability event
//! of one entity, with its lifecycle, severity and the hints that explain
//! it. Its JSON form (one object per event) is a documented contract: the
//! store keeps it, `darkwatch events --format json` prints it, alerts will
//! post it, and reports read its hints back with these same types.

use serde::{Deserialize, Serialize};
use signal::Entity;

/// What kind of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The entity's visible space fell under a share of its baseline.
    Outage,
    /// Its routing churned far above its own baseline.
    Instability,
}

impl EventKind {
    /// `outage` or `instability`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Outage => "outage",
            EventKind::Instability => "instability",
        }
    }
}

/// How bad, in increasing order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Under the warning share of the baseline (0.8), or churn far above
    /// its baseline.
    Warning,
    /// Under the critical share (0.5).
    Critical,
    /// Nothing visible.
    Dark,
}

impl Severity {
    /// `warning`, `critical` or `dark`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Critical => "critical",
            Severity::Dark => "dark",
        }
    }
}

/// Share of the routes of an entity's prefixes that went through one
/// upstream (the AS next to the origin on the path).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpstreamShare {
    /// The upstream AS.
    pub asn: u32,
    /// Routes through it.
    pub routes: u32,
    /// Their share of all routes, 0 to 1.
    pub share: f64,
}

/// One collector peer's view, for the vantage hint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// A reason the data shows for an event, with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hint {
    /// Every peer lost each prefix within seconds of the others: the
    /// origin (or its only path out) withdrew them.
    WithdrawnAtOrigin {
        /// Peers that lost routes.
        peers: u32,
        /// Routes withdrawn.
        routes: u32,
        /// First withdrawal, Unix seconds.
        first: u64,
        /// Last withdrawal.
        last: u64,
        /// The most seconds between the peers' withdrawals of one prefix.
        spread_s: u64,
    },
    /// Routes through one transit AS went away while routes through
    /// others stayed.
    UpstreamLoss {
        /// The transit AS that stopped carrying the routes.
        upstream: u32,
        /// Routes through it before.
        routes_before: u32,
        /// Routes through other upstreams now.
        routes_elsewhere: u32,
    },
    /// The entity churned before the outage.
    PrecededByInstability {
        /// The instability event.
        event: u64,
        /// Its start, Unix seconds.
        since: u64,
        /// Visibility drops (flaps) during it.
        flaps: u64,
        /// Announcements, withdrawals and path changes during it.
        churn: u64,
    },
    /// One upstream carried (nearly) all routes: the shares of every
    /// upstream, largest first.
    SingleUpstream {
        /// Upstream shares.
        upstreams: Vec<UpstreamShare>,
    },
    /// Several upstreams: their shares, largest first.
    Upstreams {
        /// Upstream shares.
        upstreams: Vec<UpstreamShare>,
    },
    /// Which collector peers still see the affected prefixes and which do
    /// not, and whether the peers inside the upstream see them.
    Vantage {
        /// Peers that still have routes.
        seeing: Vec<PeerView>,
        /// Peers that lost them all.
        not_seeing: Vec<PeerView>,
        /// The main upstream, when its own peers are among the vantage
        /// points.
        upstream: Option<u32>,
        /// Those of its peers that still see the prefixes.
        upstream_peers_seeing: u32,
        /// Those of its peers that do not.
        upstream_peers_not_seeing: u32,
    },
    /// A collector peer's session went down: the routes it lost are its
    /// own view, not the entity's reachability.
    PeerReset {
        /// The peers, as `ASN address`.
        peers: Vec<String>,
        /// When the first of them went down, Unix seconds.
        at: u64,
    },
    /// The data stopped while the event was open (archives with a gap of
    /// a day or more): it was ended where the data stopped, and how it
    /// went on is unknown.
    DataGap {
        /// The end of the last data before the gap, Unix seconds.
        since: u64,
        /// Where the data resumed.
        until: u64,
    },
}

impl Hint {
    /// The hint's `kind` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Hint::WithdrawnAtOrigin { .. } => "withdrawn_at_origin",
            Hint::UpstreamLoss { .. } => "upstream_loss",
            Hint::PrecededByInstability { .. } => "preceded_by_instability",
            Hint::SingleUpstream { .. } => "single_upstream",
            Hint::Upstreams { .. } => "upstreams",
            Hint::Vantage { .. } => "vantage",
            Hint::PeerReset { .. } => "peer_reset",
            Hint::DataGap { .. } => "data_gap",
        }
    }
}

/// An affected prefix, with what routed it last.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedPrefix {
    /// The prefix.
    pub prefix: String,
    /// Its origin AS, when known.
    pub origin: Option<u32>,
    /// The last AS path seen for it, when known.
    #[serde(default)]
    pub last_path: Vec<u32>,
}

/// An event of one entity.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Unique in a store, increasing with start.
    pub id: u64,
    /// The entity.
    pub entity: Entity,
    /// Outage or instability.
    pub kind: EventKind,
    /// Severity now (at the end, for a closed event).
    pub severity: Severity,
    /// The worst severity reached.
    pub worst_severity: Severity,
    /// Start, Unix seconds.
    pub start: u64,
    /// End (restore), Unix seconds; `None` while open.
    pub end: Option<u64>,
    /// The last change of severity or end, Unix seconds.
    pub last_change: u64,
    /// Outage: the lowest value over the baseline; instability: the
    /// highest churn over its threshold.
    pub min_ratio: f64,
    /// Outage: the baseline of the signal (visible /24s, or /48s for an
    /// IPv6-only entity); instability: the churn threshold per bin.
    pub baseline: f64,
    /// The signal the ratio is of: `visible_24s`, `visible_48s`, `churn`.
    pub signal: &'static str,
    /// Shorter than the configured short duration (outages only).
    pub short: bool,
    /// The prefixes affected, with origin and last path.
    pub prefixes: Vec<AffectedPrefix>,
    /// Reasons, with their evidence.
    pub hints: Vec<Hint>,
}

impl Event {
    /// An event just raised at `start`: at its first severity, open, with
    /// no ratio, baseline, prefixes or hints yet (the detector fills in
    /// what it knows).
    pub fn raised(
        id: u64,
        entity: Entity,
        kind: EventKind,
        severity: Severity,
        start: u64,
        signal: &'static str,
    ) -> Event {
        Event {
            id,
            entity,
            kind,
            severity,
            worst_severity: severity,
            start,
            end: None,
            last_change: start,
            min_ratio: 0.0,
            baseline: 0.0,
            signal,
            short: false,
            prefixes: Vec::new(),
            hints: Vec::new(),
        }
    }

    /// Seconds from start to end (or to `now` while open).
    pub fn duration_s(&self, now: u64) -> u64 {
        self.end.unwrap_or(now).saturating_sub(self.start)
    }

    /// The JSON object of the contract (README, "Events"); `now` gives
    /// the duration of an open event.
    pub fn to_json(&self, now: u64) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "entity": self.entity.to_string(),
            "kind": self.kind,
            "severity": self.severity,
            "worst_severity": self.worst_severity,
            "start": rfc3339(self.start),
            "end": self.end.map(rfc3339),
            "duration_s": self.duration_s(now),
            "min_ratio": round3(self.min_ratio),
            "baseline": round3(self.baseline),
            "signal": self.signal,
            "short": self.short,
            "prefixes": self.prefixes,
            "hints": self.hints,
        })
    }
}

/// The hints of a stored event, those of kinds this version does not
/// know left out (a newer detector does not break older readers).
fn known_hints<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Hint>, D::Error> {
    let values = Vec::<serde_json::Value>::deserialize(d)?;
    Ok(values
        .into_iter()
        .filter_map(|v| Hint::deserialize(v).ok())
        .collect())
}

/// An event's JSON form ([`Event::to_json`]) read back, fields as the
/// contract has them (README, "Events"): what the store keeps, for the
/// reports and the dashboard ([`StoredEvent::read`]) and for a restarted
/// server's detector ([`Event::from_json`]).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct StoredEvent {
    /// Its id in the store.
    pub id: u64,
    /// `country/KP`, `as/131279`, `prefix/...`, `world`.
    pub entity: String,
    /// `outage` or `instability`.
    pub kind: String,
    /// Severity at the end (now, while open).
    pub severity: String,
    /// The worst severity reached.
    pub worst_severity: String,
    /// Start, RFC 3339.
    pub start: String,
    /// End, RFC 3339; `None` while open.
    pub end: Option<String>,
    /// Seconds from start to end (to the time it was stored, while open).
    pub duration_s: u64,
    /// See [`Event::min_ratio`].
    pub min_ratio: f64,
    /// See [`Event::baseline`].
    pub baseline: f64,
    /// `visible_24s`, `visible_48s` or `churn`.
    pub signal: String,
    /// Shorter than the configured short duration.
    #[serde(default)]
    pub short: bool,
    /// The affected prefixes.
    #[serde(default)]
    pub prefixes: Vec<AffectedPrefix>,
    /// The hints of kinds this version knows, in the detector's order.
    #[serde(default, deserialize_with = "known_hints")]
    pub hints: Vec<Hint>,
}

impl StoredEvent {
    /// Reads an event of the contract.
    pub fn read(value: &serde_json::Value) -> Result<StoredEvent, String> {
        StoredEvent::deserialize(value).map_err(|e| e.to_string())
    }

    /// Its start and end, Unix seconds.
    pub fn times(&self) -> Result<(u64, Option<u64>), String> {
        let start = parse_time(&self.start)?;
        let end = self.end.as_deref().map(parse_time).transpose()?;
        Ok((start, end))
    }
}

/// The signals an event can be of (its `signal` field).
const SIGNALS: [&str; 3] = ["visible_24s", "visible_48s", "churn"];

/// A field of the contract that names one of `T`'s values.
fn named<T: serde::de::DeserializeOwned>(id: u64, text: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::from(text))
        .map_err(|e| format!("event {id}: `{text}`: {e}"))
}

impl Event {
    /// An event from its JSON form ([`Event::to_json`]), as the store
    /// keeps it: how a restarted server carries on the events it had
    /// open. Ratios come back rounded as the JSON has them, and the last
    /// change is taken to be the end (or the start, while open).
    pub fn from_json(text: &str) -> Result<Event, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("a stored event: {e}"))?;
        let s = StoredEvent::read(&value).map_err(|e| format!("a stored event: {e}"))?;
        let signal = SIGNALS
            .into_iter()
            .find(|&name| name == s.signal)
            .ok_or_else(|| format!("event {}: unknown signal `{}`", s.id, s.signal))?;
        let (start, end) = s.times()?;
        Ok(Event {
            id: s.id,
            entity: s.entity.parse()?,
            kind: named(s.id, &s.kind)?,
            severity: named(s.id, &s.severity)?,
            worst_severity: named(s.id, &s.worst_severity)?,
            start,
            end,
            last_change: end.unwrap_or(start),
            min_ratio: s.min_ratio,
            baseline: s.baseline,
            signal,
            short: s.short,
            prefixes: s.prefixes,
            hints: s.hints,
        })
    }
}

/// A time as users write it: Unix seconds or RFC 3339
/// (`2014-12-22T16:15:00Z`, any offset); the error says what is accepted.
pub fn parse_time(text: &str) -> Result<u64, String> {
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(secs);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .and_then(|t| u64::try_from(t.timestamp()).ok())
        .ok_or_else(|| {
            format!(
                "{text:?} is neither Unix seconds nor an RFC 3339 time like 2014-12-22T16:15:00Z"
            )
        })
}

/// `2014-12-22T16:15:00Z`.
pub fn rfc3339(secs: u64) -> String {
    let t = i64::try_from(secs).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| secs.to_string())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
