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

use hashbrown::HashMap;
use wire::event::{EventKind, PeerKey, RouteEvent};
use wire::{Afi, Prefix};

use crate::bitset::BitSet;
use crate::paths::{PathId, Paths};
use crate::prefixes::{PrefixEntry, PrefixTable, Slot, VISIBLE};

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

/// One route: 8 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Route {
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
    /// Each prefix with its routes, full-feed count and visibility.
    prefixes: PrefixTable,
    visible: usize,
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
            prefixes: PrefixTable::default(),
            visible: 0,
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
                let at = self.prefixes.find_or_insert(prefix.masked());
                let path = event.attrs.and_then(|a| a.path());
                let path = self.paths.intern(path, &mut self.scratch);
                let slot = self.path_id_slot(event.path_id);
                if event.from_table {
                    let id = self.prefixes.at(at).map_or(0, |e| e.id);
                    if let Some(state) = self.peers.get_mut(usize::from(peer.0)) {
                        state.refresh.get_or_insert_with(BitSet::default).insert(id);
                    }
                }
                self.set_up(peer, true);
                self.put(at, peer, slot, Some(path), out);
            }
            EventKind::Withdraw => {
                let Some(prefix) = event.prefix else { return };
                let Some(at) = self.prefixes.find(&prefix.masked()) else {
                    return;
                };
                let slot = self.path_id_slot(event.path_id);
                self.put(at, peer, slot, None, out);
            }
            EventKind::PeerUp => self.set_up(peer, true),
            EventKind::PeerDown => {
                // A peer whose session is down is no vantage point: it
                // leaves the full-feed set at once, before its routes go,
                // so that its loss never looks like the prefixes' loss.
                let i = usize::from(peer.0);
                let demoted = self.set_full_feed(i, 0, false) | self.set_full_feed(i, 1, false);
                if demoted {
                    self.judge_all(out);
                }
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
    ///
    /// Paths no route uses are swept here when they have piled up, so the
    /// [`PathId`]s in deltas handed out before this call may be reused
    /// after it.
    pub fn refresh_full_feed(&mut self, out: &mut Vec<Delta>) {
        if self.paths.sweep_due() {
            self.sweep_paths();
        }
        let mut changed = false;
        for fam in 0..2 {
            let largest = self.peers.iter().map(|p| p.counts[fam]).max().unwrap_or(0);
            let need = (f64::from(largest) * self.config.full_feed_share).ceil();
            for i in 0..self.peers.len() {
                let Some(state) = self.peers.get_mut(i) else {
                    continue;
                };
                let now = largest > 0 && state.up && f64::from(state.counts[fam]) >= need;
                changed |= self.set_full_feed(i, fam, now);
            }
        }
        if changed {
            self.judge_all(out);
        }
    }

    /// Makes a peer full-feed in a family or not, keeping the per-prefix
    /// counts in step; true when that changed its status.
    fn set_full_feed(&mut self, peer: usize, fam: usize, now: bool) -> bool {
        let Some(state) = self.peers.get_mut(peer) else {
            return false;
        };
        if now == state.full_feed[fam] {
            return false;
        }
        state.full_feed[fam] = now;
        for id in state.prefixes.iter() {
            let Some(entry) = self.prefixes.get_mut(id) else {
                continue;
            };
            if entry.family() == fam {
                entry.seen = if now {
                    entry.seen + 1
                } else {
                    entry.seen.saturating_sub(1)
                };
            }
        }
        let peers = &mut self.full_feed_peers[fam];
        *peers = if now {
            *peers + 1
        } else {
            peers.saturating_sub(1)
        };
        true
    }

    /// Judges every prefix again. Between changes of the full-feed set,
    /// visibility is kept up to date route by route; a change moves the
    /// threshold or the counts of many prefixes at once (a pass over the
    /// prefix entries, not over the routes).
    fn judge_all(&mut self, out: &mut Vec<Delta>) {
        let judge = self.judge_by();
        for entry in self.prefixes.entries_mut() {
            self.visible = judge.apply(entry, self.visible, out);
        }
    }

    /// Drops the interned paths no route uses (see [`Paths`]); after it
    /// [`Paths::len`] counts the paths in use exactly.
    pub fn sweep_paths(&mut self) {
        let mut in_use = BitSet::default();
        for entry in self.prefixes.entries() {
            for route in &entry.routes {
                in_use.insert(route.path.0);
            }
        }
        self.paths.sweep(|id| in_use.contains(id.0));
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
            let Some(at) = self.prefixes.slot(prefix.0) else {
                continue;
            };
            // One removal at a time: each changes the prefix's routes.
            while let Some(slot) = self
                .prefixes
                .at(at)
                .and_then(|e| e.routes.iter().find(|r| r.peer == peer.0))
                .map(|r| r.slot)
            {
                self.put(at, peer, slot, None, out);
            }
        }
    }

    /// Sets (or with `None` removes) the route of `peer` to the prefix at
    /// `at`.
    fn put(
        &mut self,
        at: Slot,
        peer: PeerId,
        slot: u16,
        path: Option<PathId>,
        out: &mut Vec<Delta>,
    ) {
        let Some(entry) = self.prefixes.at_mut(at) else {
            return;
        };
        let routes = &mut entry.routes;
        let i = routes
            .iter()
            .position(|r| r.peer == peer.0 && r.slot == slot);
        let before = i.and_then(|i| routes.get(i)).map(|r| r.path);
        match (i, path) {
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
        out.push(Delta::Route {
            prefix: PrefixId(entry.id),
            peer,
            before,
            after: path,
        });
        self.track_presence(at, peer, still_has, out);
    }

    /// Keeps the peer's prefix set, counts and the prefix's full-feed
    /// count in step with whether the peer has a route to it.
    fn track_presence(&mut self, at: Slot, peer: PeerId, present: bool, out: &mut Vec<Delta>) {
        let judge = self.judge_by();
        let (Some(entry), Some(state)) = (
            self.prefixes.at_mut(at),
            self.peers.get_mut(usize::from(peer.0)),
        ) else {
            return;
        };
        let changed = if present {
            state.prefixes.insert(entry.id)
        } else {
            state.prefixes.remove(entry.id)
        };
        if !changed {
            return;
        }
        let fam = entry.family();
        let count = &mut state.counts[fam];
        *count = if present {
            *count + 1
        } else {
            count.saturating_sub(1)
        };
        if state.full_feed[fam] {
            entry.seen = if present {
                entry.seen + 1
            } else {
                entry.seen.saturating_sub(1)
            };
            self.visible = judge.apply(entry, self.visible, out);
        }
    }

    /// The visibility rule at the current full-feed peer counts.
    fn judge_by(&self) -> Judge {
        Judge {
            full_feed_peers: self.full_feed_peers,
            share: self.config.visible_share,
        }
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
        self.prefixes.prefix(id.0)
    }

    /// The id of a prefix, if the table has ever seen it.
    pub fn prefix_id_of(&self, prefix: &Prefix) -> Option<PrefixId> {
        let at = self.prefixes.find(&prefix.masked())?;
        self.prefixes.at(at).map(|e| PrefixId(e.id))
    }

    /// Distinct prefixes ever seen.
    pub fn prefix_count(&self) -> usize {
        self.prefixes.len()
    }

    /// True when the prefix is visible (DESIGN.md).
    pub fn is_visible(&self, id: PrefixId) -> bool {
        self.prefixes
            .get(id.0)
            .is_some_and(|e| e.flags & VISIBLE != 0)
    }

    /// Visible prefixes.
    pub fn visible_count(&self) -> usize {
        self.visible
    }

    /// The routes to a prefix: peer, ADD-PATH id, path.
    pub fn routes(&self, id: PrefixId) -> impl Iterator<Item = (PeerId, Option<u32>, PathId)> + '_ {
        self.prefixes
            .get(id.0)
            .into_iter()
            .flat_map(|e| &e.routes)
            .map(|r| {
                let path_id = (r.slot != 0)
                    .then(|| self.path_id_values.get(usize::from(r.slot)).copied())
                    .flatten();
                (PeerId(r.peer), path_id, r.path)
            })
    }

    /// Stored routes.
    pub fn route_count(&self) -> usize {
        self.prefixes.entries().map(|e| e.routes.len()).sum()
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

    /// The id of the peer `key`, once it has been seen.
    pub fn peer_id_of(&self, key: &PeerKey) -> Option<PeerId> {
        self.peer_index.get(key).copied().map(PeerId)
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
        self.prefixes.heap_bytes()
            + self
                .peers
                .iter()
                .map(|p| p.prefixes.heap_bytes())
                .sum::<usize>()
            + self.paths.heap_bytes()
    }
}

/// The visibility rule (DESIGN.md) at the current full-feed peer counts.
#[derive(Clone, Copy)]
struct Judge {
    full_feed_peers: [u16; 2],
    share: f64,
}

impl Judge {
    /// Re-judges one prefix, reporting a change; returns the visible
    /// prefix count after it.
    fn apply(self, entry: &mut PrefixEntry, visible: usize, out: &mut Vec<Delta>) -> usize {
        let peers = self.full_feed_peers[entry.family()];
        let now = peers > 0 && f64::from(entry.seen) > self.share * f64::from(peers);
        if now == (entry.flags & VISIBLE != 0) {
            return visible;
        }
        entry.flags ^= VISIBLE;
        out.push(Delta::Visibility {
            prefix: PrefixId(entry.id),
            visible: now,
        });
        if now {
            visible + 1
        } else {
            visible.saturating_sub(1)
        }
    }
}
