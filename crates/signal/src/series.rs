//! Per-entity series: gauges kept current from visibility deltas, counters
//! summed per bin, and one [`BinRow`] per entity that changed in a bin
//! (a series is stored as its change points: a bin without a row has the
//! previous gauges and no activity).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use geo::{Country, RegistryTable};
use rib::{Delta, PathId, PrefixId, Rib};
use wire::event::Timestamp;
use wire::{Afi, Prefix};

use crate::coverage::Coverage;

/// What a series is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    /// Everything the collectors see: all prefixes, and the full-feed
    /// peers that judge visibility (a drop here is the view shrinking,
    /// not an outage of anyone).
    World,
    /// A country, by the registry file of the address blocks.
    Country(Country),
    /// An origin AS.
    As(u32),
    /// A prefix a user watches.
    Prefix(Prefix),
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entity::World => f.write_str("world"),
            Entity::Country(c) => write!(f, "country/{c}"),
            Entity::As(asn) => write!(f, "as/{asn}"),
            Entity::Prefix(p) => write!(f, "prefix/{p}"),
        }
    }
}

impl std::str::FromStr for Entity {
    type Err = String;

    /// An entity by the name [`fmt::Display`] gives it: `world`,
    /// `country/KP`, `as/131279`, `prefix/175.45.176.0/24`.
    fn from_str(name: &str) -> Result<Entity, String> {
        let bad = || format!("`{name}` is not an entity (world, country/CC, as/N or prefix/P)");
        if name == "world" {
            return Ok(Entity::World);
        }
        let (kind, id) = name.split_once('/').ok_or_else(bad)?;
        match kind {
            "country" => id.parse().map(Entity::Country).map_err(|_| bad()),
            "as" => id.parse().map(Entity::As).map_err(|_| bad()),
            "prefix" => id.parse().map(Entity::Prefix).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

/// The values of one entity in one bin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Values {
    /// IPv4 /24 blocks covered by a visible prefix (at the bin's end).
    pub visible_24s: u64,
    /// IPv6 /48 blocks covered by a visible prefix (at the bin's end).
    pub visible_48s: u64,
    /// Visible prefixes (at the bin's end).
    pub visible_prefixes: u64,
    /// Routes announced in the bin (new, changed or repeated).
    pub announcements: u64,
    /// Routes withdrawn in the bin.
    pub withdrawals: u64,
    /// Routes whose AS path changed in the bin.
    pub path_changes: u64,
    /// Routes whose origin AS changed in the bin.
    pub origin_changes: u64,
    /// IPv4 full-feed peers at the bin's end ([`Entity::World`] only).
    pub full_feed_v4: u64,
    /// IPv6 full-feed peers at the bin's end ([`Entity::World`] only).
    pub full_feed_v6: u64,
}

impl Values {
    /// Names of the values, in the order of [`Values::to_array`]: the
    /// column names of the store and of every output.
    pub const NAMES: [&'static str; 9] = [
        "visible_24s",
        "visible_48s",
        "visible_prefixes",
        "announcements",
        "withdrawals",
        "path_changes",
        "origin_changes",
        "full_feed_v4",
        "full_feed_v6",
    ];

    /// The values in the order of [`Values::NAMES`].
    pub fn to_array(&self) -> [u64; 9] {
        [
            self.visible_24s,
            self.visible_48s,
            self.visible_prefixes,
            self.announcements,
            self.withdrawals,
            self.path_changes,
            self.origin_changes,
            self.full_feed_v4,
            self.full_feed_v6,
        ]
    }

    /// Values from an array in the order of [`Values::NAMES`].
    pub fn from_array(a: [u64; 9]) -> Values {
        let [visible_24s, visible_48s, visible_prefixes, announcements, withdrawals, path_changes, origin_changes, full_feed_v4, full_feed_v6] =
            a;
        Values {
            visible_24s,
            visible_48s,
            visible_prefixes,
            announcements,
            withdrawals,
            path_changes,
            origin_changes,
            full_feed_v4,
            full_feed_v6,
        }
    }

    fn clear_counters(&mut self) {
        self.announcements = 0;
        self.withdrawals = 0;
        self.path_changes = 0;
        self.origin_changes = 0;
    }
}

/// One entity's values in one bin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BinRow {
    /// Start of the bin, Unix seconds (aligned to the bin length).
    pub bin_start: u64,
    /// The entity.
    pub entity: Entity,
    /// Its values.
    pub values: Values,
}

/// Blocks of a prefix: IPv4 /24 or IPv6 /48 indices, `[start, end)`; a
/// longer prefix counts as the one block that holds it.
fn blocks(prefix: &Prefix) -> (u64, u64) {
    match prefix.addr() {
        std::net::IpAddr::V4(a) => {
            let start = u64::from(u32::from(a) >> 8);
            let len = 1u64 << 24u8.saturating_sub(prefix.len());
            (start, start + len)
        }
        std::net::IpAddr::V6(a) => {
            let start = u64::try_from(u128::from(a) >> 80).unwrap_or(0);
            let len = 1u64 << 48u8.saturating_sub(prefix.len());
            (start, start + len)
        }
    }
}

/// The aligned prefixes that make up blocks `[start, end)` of a family.
fn block_prefixes(afi: Afi, start: u64, end: u64, mut f: impl FnMut(Prefix)) {
    let bits = match afi {
        Afi::Ipv4 => 24u32,
        Afi::Ipv6 => 48,
    };
    let mut at = start;
    while at < end {
        let align = if at == 0 { 63 } else { at.trailing_zeros() };
        let fit = 63 - (end - at).leading_zeros();
        let size_log = align.min(fit).min(bits);
        let len = u8::try_from(bits - size_log).unwrap_or(0);
        let prefix = match afi {
            Afi::Ipv4 => Prefix::v4(Ipv4Addr::from(u32::try_from(at << 8).unwrap_or(0)), len),
            Afi::Ipv6 => Prefix::v6(Ipv6Addr::from(u128::from(at) << 80), len),
        };
        if let Some(p) = prefix {
            f(p);
        }
        at += 1 << size_log;
    }
}

fn fam(afi: Afi) -> usize {
    match afi {
        Afi::Ipv4 => 0,
        Afi::Ipv6 => 1,
    }
}

/// Why the table changed: a BGP message, or a session event (a peer
/// down, the end of a table dump, a table loaded or re-sent after a
/// session came up). Session changes move the gauges but are not routing
/// activity: they count in no counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// An UPDATE: an announcement or withdrawal sent by the peer.
    Message,
    /// A session event or a table (re)load.
    Session,
}

/// An entity's visible space grew or shrank because a prefix became
/// visible or invisible: the route-level trail the detector explains
/// events with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisibilityChange {
    /// When.
    pub time: Timestamp,
    /// The entity.
    pub entity: Entity,
    /// The prefix.
    pub prefix: PrefixId,
    /// Visible now.
    pub visible: bool,
    /// What changed the table.
    pub cause: Cause,
}

/// Series of every entity, fed with the deltas of each route event.
pub struct Signals<'g> {
    geo: &'g RegistryTable,
    bin_secs: u64,
    bin: Option<u64>,
    values: BTreeMap<Entity, Values>,
    touched: BTreeSet<Entity>,
    /// Blocks covered by visible prefixes, all origins: IPv4, IPv6.
    all: [Coverage; 2],
    /// The same per origin AS.
    per_as: HashMap<u32, [Coverage; 2]>,
    /// The origin each visible prefix was counted under.
    counted_origin: HashMap<PrefixId, Option<u32>>,
    watched: Vec<Prefix>,
    /// The event being observed: its time and cause.
    now: Timestamp,
    cause: Cause,
    /// Visibility changes kept for [`Signals::drain_changes`], when asked.
    changes: Option<Vec<VisibilityChange>>,
}

impl<'g> Signals<'g> {
    /// Series over bins of `bin_secs` seconds, countries from `geo`, and
    /// series for the `watched` prefixes.
    pub fn new(geo: &'g RegistryTable, bin_secs: u64, watched: &[Prefix]) -> Signals<'g> {
        Signals {
            geo,
            bin_secs: bin_secs.max(1),
            bin: None,
            values: BTreeMap::new(),
            touched: BTreeSet::new(),
            all: [Coverage::default(), Coverage::default()],
            per_as: HashMap::new(),
            counted_origin: HashMap::new(),
            watched: watched.iter().map(Prefix::masked).collect(),
            now: Timestamp(0),
            cause: Cause::Message,
            changes: None,
        }
    }

    /// Keeps every [`VisibilityChange`] until [`Signals::drain_changes`]
    /// takes them (the detector does; nobody else needs to pay for it).
    pub fn keep_changes(&mut self) {
        self.changes.get_or_insert_with(Vec::new);
    }

    /// The visibility changes since the last call.
    pub fn drain_changes(&mut self) -> Vec<VisibilityChange> {
        self.changes
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Closes the bins before `time` (appending their rows to `out`) and
    /// takes in the deltas of one event applied to `rib` at `time`, for
    /// the given cause.
    pub fn observe(
        &mut self,
        time: Timestamp,
        rib: &Rib,
        deltas: &[Delta],
        cause: Cause,
        out: &mut Vec<BinRow>,
    ) {
        self.now = time;
        self.cause = cause;
        let bin = time.secs() - time.secs() % self.bin_secs;
        match self.bin {
            Some(current) if bin > current => {
                self.close(out);
                self.bin = Some(bin);
            }
            None => self.bin = Some(bin),
            Some(_) => {}
        }
        self.full_feed(rib);
        for delta in deltas {
            match *delta {
                Delta::Route {
                    prefix,
                    before,
                    after,
                    ..
                } => self.route(rib, prefix, before, after),
                Delta::Visibility { prefix, visible } => {
                    if visible {
                        self.became_visible(rib, prefix);
                    } else {
                        self.became_invisible(rib, prefix);
                    }
                }
            }
        }
    }

    /// Closes the current bin, appending its rows to `out`.
    pub fn close(&mut self, out: &mut Vec<BinRow>) {
        let Some(bin_start) = self.bin else { return };
        for entity in std::mem::take(&mut self.touched) {
            if let Some(values) = self.values.get_mut(&entity) {
                out.push(BinRow {
                    bin_start,
                    entity,
                    values: *values,
                });
                values.clear_counters();
            }
        }
    }

    /// Follows the table's full-feed peer counts in the world series.
    fn full_feed(&mut self, rib: &Rib) {
        let now = [
            u64::from(rib.full_feed_peers(Afi::Ipv4)),
            u64::from(rib.full_feed_peers(Afi::Ipv6)),
        ];
        let world = self.values.get(&Entity::World).copied().unwrap_or_default();
        if [world.full_feed_v4, world.full_feed_v6] != now {
            let v = self.touch(Entity::World);
            [v.full_feed_v4, v.full_feed_v6] = now;
        }
    }

    /// An entity's values now (gauges current, counters of the open bin).
    pub fn current(&self, entity: &Entity) -> Values {
        self.values.get(entity).copied().unwrap_or_default()
    }

    fn touch(&mut self, entity: Entity) -> &mut Values {
        self.touched.insert(entity);
        self.values.entry(entity).or_default()
    }

    /// The country of a prefix: of its whole space when one country holds
    /// it, else of its first address.
    fn country_of(&self, prefix: &Prefix) -> Option<Country> {
        self.geo
            .lookup_prefix(prefix)
            .or_else(|| self.geo.lookup_addr(prefix.addr()))
    }

    fn watchers(&self, prefix: &Prefix) -> Vec<Prefix> {
        self.watched
            .iter()
            .filter(|w| w.covers(prefix) || prefix.covers(w))
            .copied()
            .collect()
    }

    fn route(&mut self, rib: &Rib, id: PrefixId, before: Option<PathId>, after: Option<PathId>) {
        let Some(prefix) = rib.prefix(id).filter(counted) else {
            return;
        };
        let paths = rib.paths();
        let origin = after.or(before).and_then(|p| paths.origin(p));
        let mut entities: Vec<Entity> = self
            .watchers(&prefix)
            .into_iter()
            .map(Entity::Prefix)
            .collect();
        entities.push(Entity::World);
        entities.extend(self.country_of(&prefix).map(Entity::Country));
        entities.extend(origin.map(Entity::As));
        let path_changed = matches!((before, after), (Some(b), Some(a)) if a != b);
        let origin_changed = path_changed
            && before.and_then(|p| paths.origin(p)) != after.and_then(|p| paths.origin(p));
        let counts = self.cause == Cause::Message;
        for entity in entities {
            let v = self.touch(entity);
            if !counts {
                continue;
            }
            if after.is_some() {
                v.announcements += 1;
            } else if before.is_some() {
                v.withdrawals += 1;
            }
            v.path_changes += u64::from(path_changed);
            v.origin_changes += u64::from(origin_changed);
        }
        // A visible prefix whose main origin changed moves to its new AS.
        if let Some(&counted) = self.counted_origin.get(&id) {
            if origin_changed && main_origin(rib, id) != counted {
                self.became_invisible(rib, id);
                self.became_visible(rib, id);
            }
        }
    }

    fn became_visible(&mut self, rib: &Rib, id: PrefixId) {
        let Some(prefix) = rib.prefix(id).filter(counted) else {
            return;
        };
        let origin = main_origin(rib, id);
        self.counted_origin.insert(id, origin);
        self.count(id, &prefix, origin, true);
    }

    fn became_invisible(&mut self, rib: &Rib, id: PrefixId) {
        let Some(prefix) = rib.prefix(id) else { return };
        let Some(origin) = self.counted_origin.remove(&id) else {
            return;
        };
        self.count(id, &prefix, origin, false);
    }

    /// Adds (or takes away) a visible prefix's blocks and count.
    fn count(&mut self, id: PrefixId, prefix: &Prefix, origin: Option<u32>, up: bool) {
        let afi = prefix.afi();
        let f = fam(afi);
        let (start, end) = blocks(prefix);
        let mut changed = Vec::new();
        let record = |a: u64, b: u64| changed.push((a, b));
        match self.all.get_mut(f) {
            Some(c) if up => c.add(start, end, record),
            Some(c) => c.remove(start, end, record),
            None => {}
        }
        let world = self.touch(Entity::World);
        add_blocks(world, afi, changed.iter().map(|(a, b)| b - a).sum(), up);
        add_prefix(world, up);
        // Countries: the blocks that changed, split by registry.
        let geo = self.geo;
        let mut by_country: BTreeMap<Country, u64> = BTreeMap::new();
        for (a, b) in changed {
            block_prefixes(afi, a, b, |p| {
                geo.split(&p, |cc, n| *by_country.entry(cc).or_default() += n);
            });
        }
        let mut trail: Vec<Entity> = Vec::new();
        for (cc, n) in by_country {
            add_blocks(self.touch(Entity::Country(cc)), afi, n, up);
            trail.push(Entity::Country(cc));
        }
        if let Some(cc) = self.country_of(prefix) {
            add_prefix(self.touch(Entity::Country(cc)), up);
            if !trail.contains(&Entity::Country(cc)) {
                trail.push(Entity::Country(cc));
            }
        }
        // The origin AS: its own blocks, overlaps of its prefixes once.
        if let Some(asn) = origin {
            let mut n = 0;
            let cov = self.per_as.entry(asn).or_default();
            match cov.get_mut(f) {
                Some(c) if up => c.add(start, end, |a, b| n += b - a),
                Some(c) => c.remove(start, end, |a, b| n += b - a),
                None => {}
            }
            let v = self.touch(Entity::As(asn));
            add_blocks(v, afi, n, up);
            add_prefix(v, up);
            trail.push(Entity::As(asn));
        }
        // Watched prefixes: their blocks covered by any visible prefix.
        for w in self.watchers(prefix) {
            let (ws, we) = blocks(&w);
            let covered = self.all.get(f).map_or(0, |c| c.covered_in(ws, we));
            let inside = w.covers(prefix);
            let v = self.touch(Entity::Prefix(w));
            match afi {
                Afi::Ipv4 => v.visible_24s = covered,
                Afi::Ipv6 => v.visible_48s = covered,
            }
            if inside {
                add_prefix(v, up);
            }
            trail.push(Entity::Prefix(w));
        }
        if let Some(changes) = self.changes.as_mut() {
            changes.extend(trail.into_iter().map(|entity| VisibilityChange {
                time: self.now,
                entity,
                prefix: id,
                visible: up,
                cause: self.cause,
            }));
        }
    }
}

/// True for the prefixes the series count: IPv4 /8 to /24, IPv6 /16 to
/// /48. A default route or another very short prefix would make a whole
/// region look reachable, and could hide every outage under it; longer
/// prefixes are filtered by most networks, so their visibility says
/// little about reachability (IODA counts the same range for IPv4).
fn counted(prefix: &Prefix) -> bool {
    let range = match prefix.afi() {
        Afi::Ipv4 => 8..=24,
        Afi::Ipv6 => 16..=48,
    };
    range.contains(&prefix.len())
}

fn add_blocks(v: &mut Values, afi: Afi, n: u64, up: bool) {
    let gauge = match afi {
        Afi::Ipv4 => &mut v.visible_24s,
        Afi::Ipv6 => &mut v.visible_48s,
    };
    *gauge = if up {
        *gauge + n
    } else {
        gauge.saturating_sub(n)
    };
}

fn add_prefix(v: &mut Values, up: bool) {
    v.visible_prefixes = if up {
        v.visible_prefixes + 1
    } else {
        v.visible_prefixes.saturating_sub(1)
    };
}

/// The origin most routes to the prefix name (the smallest AS on a tie).
fn main_origin(rib: &Rib, id: PrefixId) -> Option<u32> {
    let mut counts: Vec<(u32, u32)> = Vec::new();
    for (_, _, path) in rib.routes(id) {
        if let Some(o) = rib.paths().origin(path) {
            match counts.iter_mut().find(|(asn, _)| *asn == o) {
                Some((_, n)) => *n += 1,
                None => counts.push((o, 1)),
            }
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(asn, _)| asn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ranges_split_into_aligned_prefixes() {
        let mut got = Vec::new();
        block_prefixes(Afi::Ipv4, 1, 6, |p| got.push(p.to_string()));
        assert_eq!(got, ["0.0.1.0/24", "0.0.2.0/23", "0.0.4.0/23"]);
        let p: Prefix = "175.45.176.0/22".parse().unwrap();
        assert_eq!(blocks(&p).1 - blocks(&p).0, 4);
        let p: Prefix = "10.0.0.0/30".parse().unwrap();
        assert_eq!(blocks(&p).1 - blocks(&p).0, 1);
        let p: Prefix = "2001:db8::/32".parse().unwrap();
        assert_eq!(blocks(&p).1 - blocks(&p).0, 1 << 16);
    }
}
