//! The shared route table: one entry per prefix holding the routes of every
//! peer (8 bytes each: peer, add-path slot, interned path), per-prefix
//! counts of the full-feed peers that see it, and per-peer prefix sets.
//! Applying an event returns what changed as [`Delta`]s, so the signal
//! stage updates its series incrementally instead of rescanning the table.
//!
//! Deterministic and free of I/O and clocks: the same events give the same
//! deltas. Full-feed status (DESIGN.md: a peer holding at least 90% of the
//! prefixes of the largest table of its family) moves only when the caller
//! asks, with [`Rib::refresh_full_feed`] (the signal stage does at the end
//! of every bin), so that a table being loaded does not make peers flip on
//! every route.

use hashbrown::{HashMap, HashTable};
use wire::event::{EventKind, PeerKey, RouteEvent};
use wire::{Afi, Prefix};

use crate::bitset::BitSet;
use crate::paths::{PathId, Paths};

/// Index of a prefix in the table (stable for the table's life).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PrefixId(pub u32);

/// Index of a peer in the table (stable for the table's life).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub u16);

/// Thresholds of the definitions in DESIGN.md.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RibConfig {
    /// A peer is full-feed when its table holds at least this share of the
    /// largest table of its family (0.9).
    pub full_feed_share: f64,
    /// A prefix is visible when more than this share of the full-feed peers
    /// of its family see it (0.5).
    pub visible_share: f64,
}

impl Default for RibConfig {
    fn default() -> Self {
        RibConfig {
            full_feed_share: 0.9,
            visible_share: 0.5,
        }
    }
}

/// What applying an event changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delta {
    /// A peer's route to a prefix appeared (`before` none), changed path,
    /// or went away (`after` none). Re-announcing the same path gives
    /// `before == after`.
    Route {
        /// The prefix.
        prefix: PrefixId,
        /// The peer.
        peer: PeerId,
        /// The path before.
        before: Option<PathId>,
        /// The path after.
        after: Option<PathId>,
    },
    /// A prefix became visible or invisible.
    Visibility {
        /// The prefix.
        prefix: PrefixId,
        /// Visible now.
        visible: bool,
    },
}

/// A 64-bit key of a (masked) prefix. IPv4 prefixes and IPv6 prefixes up
/// to /56 (nearly all of them) fit exactly: family, address bits, length.
/// Longer IPv6 prefixes get a hash, and a match is confirmed on the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PrefixKey(u64);

impl PrefixKey {
    const V6: u64 = 1 << 63;
    const EXACT_V6: u64 = 1 << 62;

    fn of(prefix: &Prefix) -> PrefixKey {
        let len = u64::from(prefix.len());
        let bytes = prefix.addr_bytes();
        let mut top = [0u8; 8];
        for (t, b) in top.iter_mut().zip(bytes) {
            *t = *b;
        }
        let top = u64::from_be_bytes(top);
        match prefix.afi() {
            Afi::Ipv4 => PrefixKey((top >> 32) << 8 | len),
            Afi::Ipv6 if len <= 56 => PrefixKey(Self::V6 | Self::EXACT_V6 | (top >> 8) << 6 | len),
            Afi::Ipv6 => {
                use std::hash::{BuildHasher, Hash, Hasher};
                let mut h = hashbrown::DefaultHashBuilder::default().build_hasher();
                bytes.hash(&mut h);
                len.hash(&mut h);
                PrefixKey(Self::V6 | (h.finish() >> 2))
            }
        }
    }

    fn is_exact(self) -> bool {
        self.0 & Self::V6 == 0 || self.0 & Self::EXACT_V6 != 0
    }

    /// A multiplicative hash: keys are already well spread but for their
    /// low bits, which a multiply moves up.
    fn hash(self) -> u64 {
        let x = self.0 ^ (self.0 >> 29);
        x.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(32)
    }
}

/// An entry of the prefix index: key and id in 12 bytes.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct IndexEntry {
    key: [u32; 2],
    id: u32,
}

impl IndexEntry {
    fn new(key: PrefixKey, id: u32) -> IndexEntry {
        IndexEntry {
            key: [(key.0 >> 32) as u32, key.0 as u32],
            id,
        }
    }

    fn key(&self) -> PrefixKey {
        PrefixKey(u64::from(self.key[0]) << 32 | u64::from(self.key[1]))
    }
}

/// One route: 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Route {
    peer: u16,
    /// Index of the ADD-PATH path id in [`Rib::path_id_values`]; 0 is none.
    slot: u16,
    path: PathId,
}

/// What the table knows of a peer.
#[derive(Clone, Debug)]
struct PeerState {
    key: PeerKey,
    up: bool,
    /// Prefixes the peer has at least one route for.
    prefixes: BitSet,
    /// How many of them per family (IPv4, IPv6).
    counts: [u32; 2],
    /// Full-feed per family, as of the last refresh.
    full_feed: [bool; 2],
    /// Prefixes listed by the table dump being read for this peer.
    refresh: Option<BitSet>,
}

/// A peer as the table reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerInfo {
    /// Collector, address and AS.
    pub key: PeerKey,
    /// Session up (no peer-down since its last route or peer-up).
    pub up: bool,
    /// Prefixes it has routes for: IPv4, IPv6.
    pub prefixes: [u32; 2],
    /// Full-feed as of the last refresh: IPv4, IPv6.
    pub full_feed: [bool; 2],
}

/// The shared route table of all peers.
pub struct Rib {
    config: RibConfig,
    peers: Vec<PeerState>,
    peer_index: HashMap<PeerKey, u16>,
    prefixes: Vec<Prefix>,
    /// Prefix ids by a 64-bit key of the prefix (see [`PrefixKey`]): 12
    /// bytes a prefix, and for all but long IPv6 prefixes no second look
    /// at `prefixes` to confirm a match.
    prefix_index: HashTable<IndexEntry>,
    routes: Vec<Vec<Route>>,
    /// Per prefix: full-feed peers with a route to it.
    seen_by_full_feed: Vec<u16>,
    visible: BitSet,
    /// Prefixes that are IPv6: the family without touching `prefixes`
    /// (a bit a prefix stays in cache where 18 bytes do not).
    is_v6: BitSet,
    /// Full-feed peers per family.
    full_feed_peers: [u16; 2],
    paths: Paths,
    path_id_values: Vec<u32>,
    path_id_slots: HashMap<u32, u16>,
    scratch: Vec<u32>,
}

impl Rib {
    /// An empty table.
    pub fn new(config: RibConfig) -> Rib {
        Rib {
            config,
            peers: Vec::new(),
            peer_index: HashMap::new(),
            prefixes: Vec::new(),
            prefix_index: HashTable::new(),
            routes: Vec::new(),
            seen_by_full_feed: Vec::new(),
            visible: BitSet::default(),
            is_v6: BitSet::default(),
            full_feed_peers: [0, 0],
            paths: Paths::default(),
            path_id_values: vec![0],
            path_id_slots: HashMap::new(),
            scratch: Vec::new(),
        }
    }

    /// Applies one event, appending what changed to `out`.
    pub fn apply(&mut self, event: &RouteEvent<'_, '_>, out: &mut Vec<Delta>) {
        let peer = self.peer_id(event.peer);
        match event.kind {
            EventKind::Announce => {
                let Some(prefix) = event.prefix else { return };
                let prefix = self.prefix_id(prefix);
                let path = event.attrs.and_then(|a| a.path());
                let path = self.paths.intern(path, &mut self.scratch);
                let slot = self.path_id_slot(event.path_id);
                if event.from_table {
                    if let Some(state) = self.peers.get_mut(usize::from(peer.0)) {
                        state
                            .refresh
                            .get_or_insert_with(BitSet::default)
                            .insert(prefix.0);
                    }
                }
                self.set_up(peer, true);
                self.put(prefix, peer, slot, Some(path), out);
            }
            EventKind::Withdraw => {
                let Some(prefix) = event.prefix else { return };
                let Some(id) = self.prefix_id_of(&prefix) else {
                    return;
                };
                let slot = self.path_id_slot(event.path_id);
                self.put(id, peer, slot, None, out);
            }
            EventKind::PeerUp => self.set_up(peer, true),
            EventKind::PeerDown => {
                self.remove_all(peer, |_| true, out);
                self.set_up(peer, false);
            }
            EventKind::EndOfRib => {
                let Some(state) = self.peers.get_mut(usize::from(peer.0)) else {
                    return;
                };
                // Only a table dump just read says which routes are gone.
                if let Some(listed) = state.refresh.take() {
                    self.remove_all(peer, |p| !listed.contains(p.0), out);
                }
            }
        }
    }

    /// Re-judges which peers are full-feed from their current tables, and
    /// the visibility of the prefixes that changes. Call it at bin ends.
    pub fn refresh_full_feed(&mut self, out: &mut Vec<Delta>) {
        let mut changed = false;
        for fam in 0..2 {
            let largest = self.peers.iter().map(|p| p.counts[fam]).max().unwrap_or(0);
            let need = (f64::from(largest) * self.config.full_feed_share).ceil();
            for i in 0..self.peers.len() {
                let Some(state) = self.peers.get_mut(i) else {
                    continue;
                };
                let now = largest > 0 && state.up && f64::from(state.counts[fam]) >= need;
                if now == state.full_feed[fam] {
                    continue;
                }
                state.full_feed[fam] = now;
                changed = true;
                for id in state.prefixes.iter() {
                    if usize::from(self.is_v6.contains(id)) != fam {
                        continue;
                    }
                    if let Some(n) = self.seen_by_full_feed.get_mut(id as usize) {
                        *n = if now { *n + 1 } else { n.saturating_sub(1) };
                    }
                }
                let peers = &mut self.full_feed_peers[fam];
                *peers = if now {
                    *peers + 1
                } else {
                    peers.saturating_sub(1)
                };
            }
        }
        // Between changes of the full-feed set, visibility is kept up to
        // date route by route; a change moves the threshold or the counts
        // of many prefixes at once, so every prefix is judged again (a pass
        // over two small arrays, not over the routes).
        if changed {
            for id in 0..self.prefixes.len() {
                self.judge(PrefixId(u32::try_from(id).unwrap_or(u32::MAX)), out);
            }
        }
    }

    fn set_up(&mut self, peer: PeerId, up: bool) {
        if let Some(state) = self.peers.get_mut(usize::from(peer.0)) {
            state.up = up;
        }
    }

    /// Removes every route of `peer` whose prefix `doomed` selects.
    fn remove_all(
        &mut self,
        peer: PeerId,
        doomed: impl Fn(PrefixId) -> bool,
        out: &mut Vec<Delta>,
    ) {
        let Some(state) = self.peers.get(usize::from(peer.0)) else {
            return;
        };
        let ids: Vec<PrefixId> = state
            .prefixes
            .iter()
            .map(PrefixId)
            .filter(|p| doomed(*p))
            .collect();
        for prefix in ids {
            // One removal at a time: each changes the prefix's routes.
            while let Some(slot) = self
                .routes
                .get(prefix.0 as usize)
                .and_then(|rs| rs.iter().find(|r| r.peer == peer.0))
                .map(|r| r.slot)
            {
                self.put(prefix, peer, slot, None, out);
            }
        }
    }

    /// Sets (or with `None` removes) the route of `peer` to `prefix`.
    fn put(
        &mut self,
        prefix: PrefixId,
        peer: PeerId,
        slot: u16,
        path: Option<PathId>,
        out: &mut Vec<Delta>,
    ) {
        let Some(routes) = self.routes.get_mut(prefix.0 as usize) else {
            return;
        };
        let at = routes
            .iter()
            .position(|r| r.peer == peer.0 && r.slot == slot);
        let before = at.and_then(|i| routes.get(i)).map(|r| r.path);
        match (at, path) {
            (Some(i), Some(p)) => {
                if let Some(r) = routes.get_mut(i) {
                    r.path = p;
                }
            }
            (Some(i), None) => {
                routes.swap_remove(i);
            }
            (None, Some(p)) => {
                // Grow by a quarter, not double: most prefixes are seen by
                // a few dozen peers at most, and slack costs memory.
                if routes.len() == routes.capacity() {
                    routes.reserve_exact((routes.len() / 4).max(1));
                }
                routes.push(Route {
                    peer: peer.0,
                    slot,
                    path: p,
                });
            }
            (None, None) => return,
        }
        let still_has = routes.iter().any(|r| r.peer == peer.0);
        if let Some(old) = before {
            self.paths.release(old);
        }
        out.push(Delta::Route {
            prefix,
            peer,
            before,
            after: path,
        });
        self.track_presence(prefix, peer, still_has, out);
    }

    /// Keeps the peer's prefix set, counts and the prefix's full-feed
    /// count in step with whether the peer has a route to it.
    fn track_presence(
        &mut self,
        prefix: PrefixId,
        peer: PeerId,
        present: bool,
        out: &mut Vec<Delta>,
    ) {
        let fam = self.family_of(prefix);
        let Some(state) = self.peers.get_mut(usize::from(peer.0)) else {
            return;
        };
        let changed = if present {
            state.prefixes.insert(prefix.0)
        } else {
            state.prefixes.remove(prefix.0)
        };
        if !changed {
            return;
        }
        let count = &mut state.counts[fam];
        *count = if present {
            *count + 1
        } else {
            count.saturating_sub(1)
        };
        if state.full_feed[fam] {
            if let Some(n) = self.seen_by_full_feed.get_mut(prefix.0 as usize) {
                *n = if present { *n + 1 } else { n.saturating_sub(1) };
            }
            self.judge(prefix, out);
        }
    }

    /// Re-judges one prefix's visibility, reporting a change.
    fn judge(&mut self, prefix: PrefixId, out: &mut Vec<Delta>) {
        let fam = self.family_of(prefix);
        let seen = self
            .seen_by_full_feed
            .get(prefix.0 as usize)
            .copied()
            .unwrap_or(0);
        let peers = self.full_feed_peers[fam];
        let now = peers > 0 && f64::from(seen) > self.config.visible_share * f64::from(peers);
        if now != self.visible.contains(prefix.0) {
            if now {
                self.visible.insert(prefix.0);
            } else {
                self.visible.remove(prefix.0);
            }
            out.push(Delta::Visibility {
                prefix,
                visible: now,
            });
        }
    }

    /// 0 for IPv4, 1 for IPv6.
    fn family_of(&self, prefix: PrefixId) -> usize {
        usize::from(self.is_v6.contains(prefix.0))
    }

    fn peer_id(&mut self, key: PeerKey) -> PeerId {
        if let Some(&id) = self.peer_index.get(&key) {
            return PeerId(id);
        }
        let id = u16::try_from(self.peers.len()).unwrap_or(u16::MAX);
        self.peer_index.insert(key, id);
        self.peers.push(PeerState {
            key,
            up: true,
            prefixes: BitSet::default(),
            counts: [0, 0],
            full_feed: [false, false],
            refresh: None,
        });
        PeerId(id)
    }

    fn prefix_id(&mut self, prefix: Prefix) -> PrefixId {
        let prefix = prefix.masked();
        if let Some(id) = self.prefix_id_of(&prefix) {
            return id;
        }
        let id = u32::try_from(self.prefixes.len()).unwrap_or(u32::MAX);
        let key = PrefixKey::of(&prefix);
        self.prefix_index
            .insert_unique(key.hash(), IndexEntry::new(key, id), |e| e.key().hash());
        if prefix.afi() == Afi::Ipv6 {
            self.is_v6.insert(id);
        }
        self.prefixes.push(prefix);
        self.routes.push(Vec::new());
        self.seen_by_full_feed.push(0);
        PrefixId(id)
    }

    fn path_id_slot(&mut self, path_id: Option<u32>) -> u16 {
        let Some(id) = path_id else { return 0 };
        if let Some(&slot) = self.path_id_slots.get(&id) {
            return slot;
        }
        let slot = u16::try_from(self.path_id_values.len()).unwrap_or(u16::MAX);
        self.path_id_values.push(id);
        self.path_id_slots.insert(id, slot);
        slot
    }

    /// The prefix of an id.
    pub fn prefix(&self, id: PrefixId) -> Option<Prefix> {
        self.prefixes.get(id.0 as usize).copied()
    }

    /// The id of a prefix, if the table has ever seen it.
    pub fn prefix_id_of(&self, prefix: &Prefix) -> Option<PrefixId> {
        let prefix = prefix.masked();
        let key = PrefixKey::of(&prefix);
        let prefixes = &self.prefixes;
        self.prefix_index
            .find(key.hash(), |e| {
                e.key() == key && (key.is_exact() || prefixes.get(e.id as usize) == Some(&prefix))
            })
            .map(|e| PrefixId(e.id))
    }

    /// Distinct prefixes ever seen.
    pub fn prefix_count(&self) -> usize {
        self.prefixes.len()
    }

    /// True when the prefix is visible (DESIGN.md).
    pub fn is_visible(&self, id: PrefixId) -> bool {
        self.visible.contains(id.0)
    }

    /// Visible prefixes.
    pub fn visible_count(&self) -> usize {
        self.visible.len()
    }

    /// The routes to a prefix: peer, ADD-PATH id, path.
    pub fn routes(&self, id: PrefixId) -> impl Iterator<Item = (PeerId, Option<u32>, PathId)> + '_ {
        self.routes
            .get(id.0 as usize)
            .into_iter()
            .flatten()
            .map(|r| {
                let path_id = (r.slot != 0)
                    .then(|| self.path_id_values.get(usize::from(r.slot)).copied())
                    .flatten();
                (PeerId(r.peer), path_id, r.path)
            })
    }

    /// Stored routes.
    pub fn route_count(&self) -> usize {
        self.routes.iter().map(Vec::len).sum()
    }

    /// The interned paths.
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// A peer's state.
    pub fn peer(&self, id: PeerId) -> Option<PeerInfo> {
        self.peers.get(usize::from(id.0)).map(|s| PeerInfo {
            key: s.key,
            up: s.up,
            prefixes: s.counts,
            full_feed: s.full_feed,
        })
    }

    /// All peers.
    pub fn peers(&self) -> impl Iterator<Item = (PeerId, PeerInfo)> + '_ {
        (0..self.peers.len()).filter_map(|i| {
            let id = PeerId(u16::try_from(i).ok()?);
            Some((id, self.peer(id)?))
        })
    }

    /// Full-feed peers of a family, as of the last refresh.
    pub fn full_feed_peers(&self, afi: Afi) -> u16 {
        match afi {
            Afi::Ipv4 => self.full_feed_peers[0],
            Afi::Ipv6 => self.full_feed_peers[1],
        }
    }

    /// Heap bytes held by the table, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        let routes: usize = self
            .routes
            .iter()
            .map(|v| v.capacity() * std::mem::size_of::<Route>())
            .sum();
        routes
            + self.routes.capacity() * std::mem::size_of::<Vec<Route>>()
            + self.prefixes.capacity() * std::mem::size_of::<Prefix>()
            + self.prefix_index.capacity() * (std::mem::size_of::<IndexEntry>() + 1)
            + self.seen_by_full_feed.capacity() * 2
            + self.visible.heap_bytes()
            + self.is_v6.heap_bytes()
            + self
                .peers
                .iter()
                .map(|p| p.prefixes.heap_bytes())
                .sum::<usize>()
            + self.paths.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_keys_are_exact_for_ipv4_and_short_ipv6() {
        let prefixes: Vec<Prefix> = [
            "0.0.0.0/0",
            "10.0.0.0/8",
            "10.0.0.0/9",
            "175.45.176.0/24",
            "255.255.255.255/32",
            "::/0",
            "2001:db8::/32",
            "2001:db8::/48",
            "2001:db8:0:ff00::/56",
            "2001:db8::/64",
            "2001:db8::1/128",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let keys: Vec<PrefixKey> = prefixes.iter().map(PrefixKey::of).collect();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        let exact: Vec<bool> = keys.iter().map(|k| k.is_exact()).collect();
        assert_eq!(
            exact,
            [true, true, true, true, true, true, true, true, true, false, false]
        );
        let entry = IndexEntry::new(keys[3], 7);
        assert_eq!(entry.key(), keys[3]);
    }
}
