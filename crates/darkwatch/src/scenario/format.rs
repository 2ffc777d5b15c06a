//! The scenario file: TOML read with serde into the `Raw*` structs, which
//! mirror the file and refuse unknown keys, then checked and resolved into
//! a [`Scenario`], where peers and prefixes are indices, times are Unix
//! seconds and every route has its AS path. All checking happens here, so
//! the writer only meets scenarios that make sense, and every error can
//! still name the line it is about.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;
use toml::Spanned;
use wire::encode::PeerEntry;
use wire::{Afi, AsnWidth, Prefix};

/// Collector AS when the file names none: RouteViews'.
const DEFAULT_COLLECTOR_ASN: u32 = 6447;
/// Collector addresses when the file names none (documentation ranges).
const DEFAULT_COLLECTOR_V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 254);
const DEFAULT_COLLECTOR_V6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0xfe);
/// Update files per this many seconds when the file says nothing: RIS's
/// cadence, and darkwatch's bin, so one file feeds one bin.
const DEFAULT_INTERVAL: u32 = 300;
/// Seed of the background table when the file gives none.
const DEFAULT_SEED: u64 = 2014;

// ---------------------------------------------------------------------------
// The file as written.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    collector: RawCollector,
    start: Spanned<String>,
    end: Spanned<String>,
    update_interval: Option<Spanned<String>>,
    #[serde(default)]
    background: RawBackground,
    peers: Vec<Spanned<RawPeer>>,
    #[serde(default)]
    prefixes: Vec<Spanned<RawPrefix>>,
    #[serde(default)]
    events: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCollector {
    name: String,
    asn: Option<u32>,
    ipv4: Option<Ipv4Addr>,
    ipv6: Option<Ipv6Addr>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBackground {
    #[serde(default)]
    ipv4: u32,
    #[serde(default)]
    ipv6: u32,
    #[serde(default = "default_seed")]
    seed: u64,
}

impl Default for RawBackground {
    fn default() -> Self {
        RawBackground {
            ipv4: 0,
            ipv6: 0,
            seed: DEFAULT_SEED,
        }
    }
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeer {
    name: String,
    asn: u32,
    address: IpAddr,
    full_feed: Option<bool>,
    via: Option<Vec<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrefix {
    prefix: String,
    origin: u32,
    upstream: Option<u32>,
    peers: Option<Vec<String>>,
    paths: Option<BTreeMap<String, Vec<u32>>>,
    announced: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    at: String,
    kind: EventKind,
    prefixes: Option<Vec<String>>,
    peers: Option<Vec<String>>,
    path: Option<Vec<u32>>,
    period: Option<String>,
    down: Option<String>,
    count: Option<u32>,
    spread: Option<String>,
}

/// What an event does (the `kind` key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EventKind {
    /// Routes appear (again).
    Announce,
    /// Routes go away.
    Withdraw,
    /// Routes go away and come back, `count` times.
    Flap,
    /// Routes take a new AS path.
    PathChange,
    /// BGP sessions drop.
    PeerDown,
    /// BGP sessions come back and send their tables.
    PeerUp,
}

impl EventKind {
    fn name(self) -> &'static str {
        match self {
            EventKind::Announce => "announce",
            EventKind::Withdraw => "withdraw",
            EventKind::Flap => "flap",
            EventKind::PathChange => "path_change",
            EventKind::PeerDown => "peer_down",
            EventKind::PeerUp => "peer_up",
        }
    }

    /// Whether the event is about routes (else about sessions).
    fn is_route(self) -> bool {
        !matches!(self, EventKind::PeerDown | EventKind::PeerUp)
    }
}

// ---------------------------------------------------------------------------
// The scenario as the writer uses it.

/// A checked scenario: every name resolved, every time in range.
#[derive(Debug)]
pub struct Scenario {
    pub(crate) collector: Collector,
    /// First second covered (the RIB's time), Unix seconds.
    pub(crate) start: u32,
    /// First second no longer covered.
    pub(crate) end: u32,
    /// Seconds per update file.
    pub(crate) interval: u32,
    pub(crate) background: Background,
    pub(crate) peers: Vec<Peer>,
    pub(crate) prefixes: Vec<RoutePrefix>,
    pub(crate) events: Vec<Event>,
}

/// The collector that "recorded" the scenario.
#[derive(Debug)]
pub(crate) struct Collector {
    /// View name of the RIB's PEER_INDEX_TABLE.
    pub(crate) name: String,
    pub(crate) asn: u32,
    pub(crate) ipv4: Ipv4Addr,
    pub(crate) ipv6: Ipv6Addr,
}

impl Collector {
    /// The collector's end of a session with a peer at `peer`.
    pub(crate) fn address_for(&self, peer: IpAddr) -> IpAddr {
        match peer {
            IpAddr::V4(_) => IpAddr::V4(self.ipv4),
            IpAddr::V6(_) => IpAddr::V6(self.ipv6),
        }
    }
}

/// Size and seed of the background table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Background {
    pub(crate) ipv4: u32,
    pub(crate) ipv6: u32,
    pub(crate) seed: u64,
}

/// A peer of the collector.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) name: String,
    pub(crate) asn: u32,
    pub(crate) address: IpAddr,
    pub(crate) full_feed: bool,
}

impl Peer {
    fn afi(&self) -> Afi {
        afi_of(self.address)
    }

    /// The peer's PEER_INDEX_TABLE entry. Its BGP identifier is its IPv4
    /// address, or the last four bytes of its IPv6 one; its AS number
    /// takes two bytes when it fits, as collectors write it.
    pub(crate) fn index_entry(&self) -> PeerEntry {
        let bgp_id = match self.address {
            IpAddr::V4(a) => a,
            IpAddr::V6(a) => {
                let [.., a, b, c, d] = a.octets();
                Ipv4Addr::new(a, b, c, d)
            }
        };
        let asn_width = if self.asn > 0xffff {
            AsnWidth::Four
        } else {
            AsnWidth::Two
        };
        PeerEntry {
            bgp_id,
            addr: self.address,
            asn: self.asn,
            asn_width,
        }
    }
}

/// A scenario prefix and its route from each peer that has one at start.
#[derive(Debug)]
pub(crate) struct RoutePrefix {
    pub(crate) prefix: Prefix,
    /// Per peer (by index): the AS path this peer uses for the prefix
    /// unless an event says otherwise; `None` for peers of the other
    /// address family.
    pub(crate) paths: Vec<Option<Vec<u32>>>,
    /// The peers that carry the prefix (its `peers`, else every peer of
    /// its family): they hold it at start, and events about it default
    /// to them.
    pub(crate) carriers: Vec<usize>,
    /// Whether the carriers hold it at start (else only an `announce`
    /// brings it up).
    pub(crate) announced: bool,
}

/// One event, resolved.
#[derive(Debug)]
pub(crate) struct Event {
    /// When it happens (Unix seconds).
    pub(crate) at: u32,
    /// Its line in the file, for errors found later.
    pub(crate) line: usize,
    pub(crate) kind: EventKind,
    /// Affected (prefix, peer) routes, for route events, in prefix then
    /// peer order; empty for session events.
    pub(crate) routes: Vec<(usize, usize)>,
    /// Affected peers, for session events.
    pub(crate) peers: Vec<usize>,
    /// The AS path an `announce` or `path_change` gives, as written
    /// (see [`Event::path_for`]).
    pub(crate) path: Option<Vec<u32>>,
    /// Seconds between a flap's withdrawals.
    pub(crate) period: u32,
    /// Seconds a flap's route stays withdrawn.
    pub(crate) down: u32,
    /// Withdraw/re-announce cycles of a flap (1 for other events).
    pub(crate) count: u32,
    /// Peers see the event up to this many seconds late (each its own
    /// deterministic delay), as routes spread through the Internet.
    pub(crate) spread: u32,
}

impl Event {
    /// The path a peer of AS `peer_asn` takes after this event, if the
    /// event sets one: a path not starting with the peer's AS gets it
    /// prepended, as the peer's eBGP session would.
    pub(crate) fn path_for(&self, peer_asn: u32) -> Option<Vec<u32>> {
        self.path.as_deref().map(|p| from_peer(peer_asn, p))
    }

    /// The last second this event writes anything at.
    fn last_second(&self) -> u64 {
        let cycles = u64::from(self.count.saturating_sub(1)) * u64::from(self.period);
        let tail = if self.kind == EventKind::Flap {
            u64::from(self.down)
        } else {
            0
        };
        u64::from(self.at) + cycles + tail + u64::from(self.spread)
    }
}

/// The family of an address.
pub(crate) fn afi_of(addr: IpAddr) -> Afi {
    match addr {
        IpAddr::V4(_) => Afi::Ipv4,
        IpAddr::V6(_) => Afi::Ipv6,
    }
}

fn family_name(afi: Afi) -> &'static str {
    match afi {
        Afi::Ipv4 => "IPv4",
        Afi::Ipv6 => "IPv6",
    }
}

/// `path` as received from a peer of AS `peer_asn`.
fn from_peer(peer_asn: u32, path: &[u32]) -> Vec<u32> {
    let mut out = Vec::with_capacity(path.len() + 1);
    if path.first() != Some(&peer_asn) {
        out.push(peer_asn);
    }
    out.extend_from_slice(path);
    out
}

/// Appends `asn` unless the path already ends with it: joins the pieces
/// of a path template without turning a shared AS into prepending.
fn push_hop(path: &mut Vec<u32>, asn: u32) {
    if path.last() != Some(&asn) {
        path.push(asn);
    }
}

// ---------------------------------------------------------------------------
// Reading and checking.

/// Where errors point: the file's name and its text, for line numbers.
struct Source<'a> {
    name: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let upto = self.text.get(..offset).unwrap_or(self.text);
        upto.bytes().filter(|&b| b == b'\n').count() + 1
    }

    /// An error about what starts at byte `offset`.
    fn at(&self, offset: usize, message: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}:{}: {message}", self.name, self.line_of(offset))
    }
}

/// Parses and checks a scenario; `name` is how errors call the file.
pub fn parse(name: &str, text: &str) -> anyhow::Result<Scenario> {
    let src = Source { name, text };
    // toml's message carries the line, column and a picture of the spot.
    let raw: RawScenario =
        toml::from_str(text).map_err(|e| anyhow!("{name}: {e}").context("reading the scenario"))?;
    resolve(&src, raw)
}

fn resolve(src: &Source<'_>, raw: RawScenario) -> anyhow::Result<Scenario> {
    let start = time(src, &raw.start)?;
    let end = time(src, &raw.end)?;
    if end <= start {
        return Err(src.at(
            raw.end.span().start,
            "`end` must be after `start`; the scenario covers [start, end)",
        ));
    }
    let interval = match &raw.update_interval {
        Some(s) => {
            let secs = duration(s.get_ref()).map_err(|e| src.at(s.span().start, e))?;
            if !(60..=86_400).contains(&secs) || 86_400 % secs != 0 {
                return Err(src.at(
                    s.span().start,
                    "`update_interval` must divide a day and be at least a minute, e.g. \"5m\" (RIS) or \"15m\" (RouteViews)",
                ));
            }
            secs
        }
        None => DEFAULT_INTERVAL,
    };
    let collector = Collector {
        name: raw.collector.name,
        asn: raw.collector.asn.unwrap_or(DEFAULT_COLLECTOR_ASN),
        ipv4: raw.collector.ipv4.unwrap_or(DEFAULT_COLLECTOR_V4),
        ipv6: raw.collector.ipv6.unwrap_or(DEFAULT_COLLECTOR_V6),
    };
    let (peers, peer_vias) = peers(src, raw.peers)?;
    let background = Background {
        ipv4: raw.background.ipv4,
        ipv6: raw.background.ipv6,
        seed: raw.background.seed,
    };
    for (count, afi) in [(background.ipv4, Afi::Ipv4), (background.ipv6, Afi::Ipv6)] {
        if count > 0 && !peers.iter().any(|p| p.full_feed && p.afi() == afi) {
            bail!(
                "{}: [background] asks for {count} {fam} prefixes, but no full-feed {fam} peer would carry them; add one or set the count to 0",
                src.name,
                fam = family_name(afi)
            );
        }
    }
    let names: HashMap<&str, usize> = peers
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.as_str(), i))
        .collect();
    let mut prefixes = Vec::with_capacity(raw.prefixes.len());
    for p in raw.prefixes {
        let offset = p.span().start;
        let resolved = route_prefix(&peers, &peer_vias, &names, p.into_inner())
            .map_err(|e| src.at(offset, format!("in [[prefixes]]: {e:#}")))?;
        if prefixes
            .iter()
            .any(|q: &RoutePrefix| q.prefix == resolved.prefix)
        {
            return Err(src.at(
                offset,
                format!("prefix {} is listed twice", resolved.prefix),
            ));
        }
        prefixes.push(resolved);
    }
    let ctx = EventContext {
        start,
        end,
        peers: &peers,
        names: &names,
        prefixes: &prefixes,
    };
    let mut events = Vec::with_capacity(raw.events.len());
    for e in raw.events {
        let offset = e.span().start;
        let line = src.line_of(offset);
        let resolved = ctx
            .event(e.into_inner(), line)
            .map_err(|err| src.at(offset, format!("in [[events]]: {err:#}")))?;
        events.push(resolved);
    }
    check_sessions(src, &peers, &events)?;
    Ok(Scenario {
        collector,
        start,
        end,
        interval,
        background,
        peers,
        prefixes,
        events,
    })
}

/// Sessions go down only when up and come up only when down, taking the
/// events in the order they are played: by time, then file order.
fn check_sessions(src: &Source<'_>, peers: &[Peer], events: &[Event]) -> anyhow::Result<()> {
    let mut order: Vec<&Event> = events.iter().filter(|e| !e.kind.is_route()).collect();
    order.sort_by_key(|e| (e.at, e.line));
    let mut up = vec![true; peers.len()];
    for e in order {
        let going_up = e.kind == EventKind::PeerUp;
        for &p in &e.peers {
            let (Some(state), Some(peer)) = (up.get_mut(p), peers.get(p)) else {
                continue;
            };
            if *state == going_up {
                bail!(
                    "{}:{}: in [[events]]: peer `{}` is already {} at {}; every peer starts up, and a session goes down only when up and comes up only when down",
                    src.name,
                    e.line,
                    peer.name,
                    if going_up { "up" } else { "down" },
                    show_time(u64::from(e.at))
                );
            }
            *state = going_up;
        }
    }
    Ok(())
}

fn time(src: &Source<'_>, s: &Spanned<String>) -> anyhow::Result<u32> {
    rfc3339(s.get_ref()).map_err(|e| src.at(s.span().start, e))
}

/// Unix seconds of an RFC 3339 time in the range MRT timestamps hold.
fn rfc3339(s: &str) -> anyhow::Result<u32> {
    let t = chrono::DateTime::parse_from_rfc3339(s).map_err(|e| {
        anyhow!("`{s}` is not an RFC 3339 time ({e}); write e.g. \"2014-12-22T16:15:00Z\"")
    })?;
    if t.timestamp_subsec_nanos() != 0 {
        bail!("`{s}` has fractions of a second; MRT BGP4MP records hold whole seconds");
    }
    u32::try_from(t.timestamp())
        .map_err(|_| anyhow!("`{s}` is outside 1970..2106, which MRT timestamps cannot hold"))
}

/// Seconds of a duration written as a number and a unit: `90s`, `15m`,
/// `2h`, `1d`. A unit is required, so `period = "15"` cannot be misread.
fn duration(s: &str) -> anyhow::Result<u32> {
    let what = || anyhow!("`{s}` is not a duration; write a number and a unit: 30s, 15m, 2h or 1d");
    let unit_at = s.find(|c: char| !c.is_ascii_digit()).ok_or_else(what)?;
    let (number, unit) = s.split_at(unit_at);
    let n: u32 = number.parse().map_err(|_| what())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(what()),
    };
    n.checked_mul(scale).ok_or_else(what)
}

/// Peers, and the `via` hops of each, in file order.
fn peers(
    src: &Source<'_>,
    raw: Vec<Spanned<RawPeer>>,
) -> anyhow::Result<(Vec<Peer>, Vec<Vec<u32>>)> {
    if raw.is_empty() {
        bail!(
            "{}: a scenario needs at least one [[peers]] table",
            src.name
        );
    }
    if raw.len() > usize::from(u16::MAX) {
        bail!("{}: at most 65535 peers fit a PEER_INDEX_TABLE", src.name);
    }
    let mut peers: Vec<Peer> = Vec::with_capacity(raw.len());
    let mut vias = Vec::with_capacity(raw.len());
    for p in raw {
        let offset = p.span().start;
        let p = p.into_inner();
        if p.asn == 0 {
            return Err(src.at(
                offset,
                format!("peer `{}` has AS 0, which no BGP speaker uses", p.name),
            ));
        }
        if let Some(other) = peers
            .iter()
            .find(|q| q.name == p.name || q.address == p.address)
        {
            return Err(src.at(
                offset,
                format!(
                    "peer `{}` ({}) repeats the name or address of peer `{}`; each session needs its own",
                    p.name, p.address, other.name
                ),
            ));
        }
        vias.push(p.via.unwrap_or_default());
        peers.push(Peer {
            name: p.name,
            asn: p.asn,
            address: p.address,
            full_feed: p.full_feed.unwrap_or(true),
        });
    }
    Ok((peers, vias))
}

/// Looks a peer name up, saying which names exist when it is unknown.
fn peer_index(names: &HashMap<&str, usize>, name: &str) -> anyhow::Result<usize> {
    names.get(name).copied().ok_or_else(|| {
        let mut known: Vec<&str> = names.keys().copied().collect();
        known.sort_unstable();
        anyhow!(
            "no peer is named `{name}`; the peers are {}",
            known.join(", ")
        )
    })
}

fn parse_prefix(s: &str) -> anyhow::Result<Prefix> {
    let p: Prefix = s
        .parse()
        .map_err(|e| anyhow!("`{s}` is not a prefix: {e}"))?;
    if p.masked() != p {
        bail!(
            "`{s}` has address bits after its length; write {}",
            p.masked()
        );
    }
    Ok(p)
}

fn route_prefix(
    peers: &[Peer],
    vias: &[Vec<u32>],
    names: &HashMap<&str, usize>,
    raw: RawPrefix,
) -> anyhow::Result<RoutePrefix> {
    let prefix = parse_prefix(&raw.prefix)?;
    let afi = prefix.afi();
    // Every peer of the family gets a path, so an event may announce the
    // prefix from a peer that did not carry it at start.
    let mut paths: Vec<Option<Vec<u32>>> = peers
        .iter()
        .zip(vias)
        .map(|(peer, via)| {
            (peer.afi() == afi).then(|| {
                let mut path = vec![peer.asn];
                for &asn in via.iter().chain(&raw.upstream).chain([&raw.origin]) {
                    push_hop(&mut path, asn);
                }
                path
            })
        })
        .collect();
    for (name, path) in raw.paths.iter().flatten() {
        let i = peer_index(names, name)?;
        let (peer, slot) = peers.get(i).zip(paths.get_mut(i)).context("peer index")?;
        if path.last() != Some(&raw.origin) {
            bail!(
                "paths.{name} = {path:?} does not end with the origin AS{}",
                raw.origin
            );
        }
        let Some(slot) = slot else {
            bail!(
                "peer `{name}` has an {} session and cannot carry {prefix}",
                family_name(peer.afi())
            );
        };
        *slot = from_peer(peer.asn, path);
    }
    let carriers: Vec<usize> = match &raw.peers {
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for name in list {
                let i = peer_index(names, name)?;
                if paths.get(i).and_then(Option::as_ref).is_none() {
                    bail!(
                        "peer `{name}` is not an {} peer and cannot carry {prefix}",
                        family_name(afi)
                    );
                }
                out.push(i);
            }
            out.sort_unstable();
            out.dedup();
            out
        }
        None => (0..peers.len())
            .filter(|&i| paths.get(i).is_some_and(Option::is_some))
            .collect(),
    };
    if carriers.is_empty() {
        bail!(
            "no {} peer could carry {prefix}; add a peer of that family",
            family_name(afi)
        );
    }
    Ok(RoutePrefix {
        prefix,
        paths,
        carriers,
        announced: raw.announced.unwrap_or(true),
    })
}

/// What resolving an event needs to know.
struct EventContext<'a> {
    start: u32,
    end: u32,
    peers: &'a [Peer],
    names: &'a HashMap<&'a str, usize>,
    prefixes: &'a [RoutePrefix],
}

impl EventContext<'_> {
    fn event(&self, raw: RawEvent, line: usize) -> anyhow::Result<Event> {
        let kind = raw.kind;
        let at = rfc3339(&raw.at)?;
        if !(self.start..self.end).contains(&at) {
            bail!(
                "`at = \"{}\"` is outside the scenario's [start, end)",
                raw.at
            );
        }
        // Keys that mean nothing for this kind are refused rather than
        // ignored: a misplaced `period` is a misunderstanding to report.
        let allowed: &[&str] = match kind {
            EventKind::Announce => &["prefixes", "peers", "path", "spread"],
            EventKind::Withdraw => &["prefixes", "peers", "spread"],
            EventKind::Flap => &["prefixes", "peers", "period", "down", "count", "spread"],
            EventKind::PathChange => &["prefixes", "peers", "path", "spread"],
            EventKind::PeerDown | EventKind::PeerUp => &["peers"],
        };
        let given = [
            ("prefixes", raw.prefixes.is_some()),
            ("peers", raw.peers.is_some()),
            ("path", raw.path.is_some()),
            ("period", raw.period.is_some()),
            ("down", raw.down.is_some()),
            ("count", raw.count.is_some()),
            ("spread", raw.spread.is_some()),
        ];
        for (key, present) in given {
            if present && !allowed.contains(&key) {
                bail!(
                    "`{key}` means nothing for kind = \"{}\" (it takes: {}); remove it",
                    kind.name(),
                    allowed.join(", ")
                );
            }
        }
        let spread = raw
            .spread
            .as_deref()
            .map(duration)
            .transpose()?
            .unwrap_or(0);
        let (mut period, mut down, mut count) = (0, 0, 1);
        if kind == EventKind::Flap {
            let need = |key: &str| anyhow!("kind = \"flap\" needs `{key}`");
            period = duration(raw.period.as_deref().ok_or_else(|| need("period"))?)?;
            count = raw.count.ok_or_else(|| need("count"))?;
            down = match raw.down.as_deref() {
                Some(d) => duration(d)?,
                None => period / 2,
            };
            if count == 0 || down == 0 || down >= period {
                bail!("a flap needs count >= 1 and 0 < down < period (each route comes back before the next withdrawal)");
            }
            if spread >= down || spread >= period - down {
                bail!("a flap's `spread` must be shorter than `down` and than `period` minus `down`, or a peer's late withdrawal could cross its own re-announcement");
            }
        }
        if kind == EventKind::PathChange && raw.path.is_none() {
            bail!("kind = \"path_change\" needs `path`");
        }
        if let Some(path) = &raw.path {
            if path.is_empty() || path.len() > 255 {
                bail!("`path` must hold 1 to 255 AS numbers");
            }
        }
        let mut event = Event {
            at,
            line,
            kind,
            routes: Vec::new(),
            peers: Vec::new(),
            path: raw.path,
            period,
            down,
            count,
            spread,
        };
        let peers = raw
            .peers
            .as_deref()
            .map(|names| {
                names
                    .iter()
                    .map(|n| peer_index(self.names, n))
                    .collect::<anyhow::Result<Vec<usize>>>()
            })
            .transpose()?;
        if kind.is_route() {
            event.routes = self.routes(raw.prefixes.as_deref(), peers.as_deref(), &event)?;
        } else {
            event.peers = peers.ok_or_else(|| {
                anyhow!(
                    "kind = \"{}\" needs `peers`, the sessions it is about",
                    kind.name()
                )
            })?;
        }
        if event.last_second() >= u64::from(self.end) {
            bail!(
                "this event runs to {}, past the scenario's end; move it or end later",
                show_time(event.last_second())
            );
        }
        Ok(event)
    }

    /// The (prefix, peer) routes a route event touches: the named
    /// prefixes (all scenario prefixes when none are named), from the
    /// named peers (the prefix's carriers when none are).
    fn routes(
        &self,
        prefixes: Option<&[String]>,
        peers: Option<&[usize]>,
        event: &Event,
    ) -> anyhow::Result<Vec<(usize, usize)>> {
        let chosen: Vec<usize> = match prefixes {
            Some(list) => list
                .iter()
                .map(|s| {
                    let p = parse_prefix(s)?;
                    self.prefixes
                        .iter()
                        .position(|q| q.prefix == p)
                        .ok_or_else(|| {
                            anyhow!("{p} is not one of the [[prefixes]]; add it there first")
                        })
                })
                .collect::<anyhow::Result<_>>()?,
            None => (0..self.prefixes.len()).collect(),
        };
        if chosen.is_empty() {
            bail!("the event touches no prefix; name some in `prefixes` or add [[prefixes]]");
        }
        let mut routes = Vec::new();
        for &pi in &chosen {
            let rp = self.prefixes.get(pi).context("prefix index")?;
            let from: Vec<usize> = match peers {
                Some(list) => list.to_vec(),
                None => rp.carriers.clone(),
            };
            for peer in from {
                if rp.paths.get(peer).and_then(Option::as_ref).is_none() {
                    let name = self.peers.get(peer).map_or("?", |p| p.name.as_str());
                    bail!(
                        "peer `{name}` cannot carry {} (other address family)",
                        rp.prefix
                    );
                }
                if let (Some(path), Some(p)) = (&event.path, self.peers.get(peer)) {
                    // The path must lead to the prefix's origin, as the
                    // template's does.
                    let template = rp.paths.get(peer).cloned().flatten().unwrap_or_default();
                    if path.last() != template.last() {
                        bail!(
                            "`path` {path:?} for {} from `{}` does not end with the origin AS{}",
                            rp.prefix,
                            p.name,
                            template.last().copied().unwrap_or_default()
                        );
                    }
                }
                routes.push((pi, peer));
            }
        }
        routes.sort_unstable();
        routes.dedup();
        Ok(routes)
    }
}

/// A Unix time as RFC 3339, for messages.
pub(crate) fn show_time(t: u64) -> String {
    let mut s = String::new();
    match i64::try_from(t)
        .ok()
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
    {
        Some(d) => {
            let _ = write!(s, "{}", d.format("%Y-%m-%dT%H:%M:%SZ"));
        }
        None => {
            let _ = write!(s, "{t} (Unix seconds)");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
start = "2014-12-22T00:00:00Z"
end = "2014-12-22T02:00:00Z"

[collector]
name = "test"

[[peers]]
name = "a"
asn = 4837
address = "192.0.2.1"

[[peers]]
name = "b"
asn = 3356
address = "198.51.100.1"
via = [174]

[[peers]]
name = "c"
asn = 6939
address = "2001:db8::1"

[[prefixes]]
prefix = "175.45.176.0/24"
origin = 131279
upstream = 4837

[[prefixes]]
prefix = "2001:db8:100::/48"
origin = 65551
paths = { c = [1299, 65551] }

[[events]]
at = "2014-12-22T01:00:00Z"
kind = "withdraw"
"#;

    #[test]
    fn paths_follow_the_template_and_overrides() {
        let s = parse("small.toml", SMALL).unwrap();
        let kp = &s.prefixes[0];
        assert_eq!(kp.paths[0].as_deref(), Some(&[4837, 131279][..]));
        assert_eq!(kp.paths[1].as_deref(), Some(&[3356, 174, 4837, 131279][..]));
        assert_eq!(kp.paths[2], None, "an IPv6 peer carries no IPv4 route");
        assert_eq!(kp.carriers, [0, 1]);
        let v6 = &s.prefixes[1];
        assert_eq!(v6.paths[2].as_deref(), Some(&[6939, 1299, 65551][..]));
        assert_eq!(v6.carriers, [2]);
        // An event without prefixes or peers touches every route.
        assert_eq!(s.events[0].routes, [(0, 0), (0, 1), (1, 2)]);
        assert_eq!(s.events[0].line, 34);
        assert_eq!(s.interval, 300);
        assert_eq!(s.collector.asn, DEFAULT_COLLECTOR_ASN);
    }

    fn error_of(text: &str) -> String {
        format!("{:#}", parse("bad.toml", text).unwrap_err())
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let text = SMALL.replace("via = [174]", "via = [174]\ncolour = \"red\"");
        let e = error_of(&text);
        assert!(e.contains("colour"), "{e}");
        assert!(e.contains("line 18"), "{e}");
    }

    #[test]
    fn misplaced_or_missing_keys_say_what_to_do() {
        let e = error_of(&format!("{SMALL}period = \"10m\"\n"));
        assert!(
            e.starts_with("bad.toml:34: in [[events]]: `period` means nothing"),
            "{e}"
        );
        let e = error_of(&SMALL.replace("\"withdraw\"", "\"flap\""));
        assert!(e.contains("needs `period`"), "{e}");
        let e = error_of(&SMALL.replace("\"withdraw\"", "\"peer_down\""));
        assert!(e.contains("needs `peers`"), "{e}");
        let e = error_of(&SMALL.replace("2014-12-22T01:00:00Z", "2014-12-23T01:00:00Z"));
        assert!(e.contains("outside the scenario"), "{e}");
        let e = error_of(&SMALL.replace("c = [1299", "d = [1299"));
        assert!(
            e.contains("no peer is named `d`; the peers are a, b, c"),
            "{e}"
        );
        let e = error_of(&SMALL.replace("175.45.176.0/24", "175.45.176.1/24"));
        assert!(e.contains("write 175.45.176.0/24"), "{e}");
        let e = error_of(&SMALL.replace("kind = \"withdraw\"", "kind = \"vanish\""));
        assert!(e.contains("vanish") && e.contains("line 36"), "{e}");
    }

    #[test]
    fn durations_need_units() {
        assert_eq!(duration("90s").unwrap(), 90);
        assert_eq!(duration("15m").unwrap(), 900);
        assert_eq!(duration("2h").unwrap(), 7_200);
        assert_eq!(duration("1d").unwrap(), 86_400);
        for bad in ["15", "m", "1.5h", "-1m", "10 m", ""] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_are_rfc3339_whole_seconds() {
        assert_eq!(rfc3339("2014-12-22T16:15:00Z").unwrap(), 1_419_264_900);
        assert_eq!(rfc3339("2014-12-23T00:15:00+08:00").unwrap(), 1_419_264_900);
        assert!(rfc3339("2014-12-22 16:15").is_err());
        assert!(rfc3339("2014-12-22T16:15:00.5Z").is_err());
        assert!(rfc3339("1969-12-31T23:59:59Z").is_err());
        assert_eq!(show_time(1_419_264_900), "2014-12-22T16:15:00Z");
    }
}
