//! The live feeds' messages as route events for the core: BMP messages,
//! BGP UPDATEs and RIS Live messages decoded by `wire`, stamped with the
//! time they arrived, their connections given collector indexes and
//! names, per-peer prefix limits enforced, and a router or session lost
//! turned into a peer-down for each of its peers. No I/O and no clock: the
//! caller gives the time, so a test replays inputs exactly.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use feed::bgp_collector::{AddPathFamilies, CollectorMessage};
use feed::bmp_station::StationMessage;
use feed::rislive::LiveMessage;
use serve::RouteTable;
use signal::BinRow;
use wire::bmp::RibView;
use wire::event::{EventKind, PeerKey, RouteEvent, Timestamp};
use wire::{AsnWidth, Reader};

use super::config::{AdjRibIn, PrefixLimitAction};
use crate::pipeline::Core;

/// One message of one source, in the order the source read it.
#[derive(Debug)]
pub enum Input {
    /// From the BMP listener numbered `source`.
    Bmp {
        /// The source's number.
        source: usize,
        /// The message.
        msg: StationMessage,
    },
    /// From the BGP listener numbered `source`.
    Bgp {
        /// The source's number.
        source: usize,
        /// The message.
        msg: CollectorMessage,
    },
    /// From the RIS Live subscription numbered `source`.
    Ris {
        /// The source's number.
        source: usize,
        /// The message.
        msg: LiveMessage,
    },
    /// An archive file the archive source numbered `source` fetched.
    Archive {
        /// The source's number.
        source: usize,
        /// The file, in the cache.
        path: std::path::PathBuf,
        /// Its collector's name.
        collector: String,
    },
}

/// A connection of a source, before it has a collector index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Origin {
    BmpRouter(usize, u16),
    BgpNeighbor(usize, u16),
    RisCollector(usize, String),
    ArchiveCollector(usize),
}

/// What the ingest counts, shared with `/metrics` and `/api/v1/sources`.
#[derive(Debug)]
pub struct Counters {
    /// Route events applied.
    pub route_events: AtomicU64,
    /// Routes in the table after the latest batch (one per peer and
    /// prefix; ADD-PATH's further paths are not counted).
    pub routes: AtomicU64,
    /// Announcements ignored or peers dropped past their prefix limit.
    pub over_limit: AtomicU64,
    /// RIS Live interruptions (routes kept, their state unknown).
    pub gaps: AtomicU64,
    /// Messages of each source the core could not decode (in part or
    /// whole), by source number, but for BMP routers' (below).
    pub errors: Vec<AtomicU64>,
    /// The latest of those problems, by source number.
    pub last_error: Vec<Mutex<Option<String>>>,
    /// Of those, the ones of each BMP router connection: source number,
    /// router.
    pub router_errors: Mutex<HashMap<(usize, u16), u64>>,
}

impl Counters {
    /// Counters for `sources` sources.
    pub fn new(sources: usize) -> Counters {
        Counters {
            route_events: AtomicU64::new(0),
            routes: AtomicU64::new(0),
            over_limit: AtomicU64::new(0),
            gaps: AtomicU64::new(0),
            errors: (0..sources).map(|_| AtomicU64::new(0)).collect(),
            last_error: (0..sources).map(|_| Mutex::new(None)).collect(),
            router_errors: Mutex::new(HashMap::new()),
        }
    }

    /// A problem of BMP router `router` of `source`.
    fn router_problem(&self, source: usize, router: u16, text: String) {
        if let Ok(mut errors) = self.router_errors.lock() {
            *errors.entry((source, router)).or_default() += 1;
        }
        self.last(source, format!("router {router}: {text}"));
    }

    fn problem(&self, source: usize, text: String) {
        if let Some(n) = self.errors.get(source) {
            n.fetch_add(1, Ordering::Relaxed);
        }
        self.last(source, text);
    }

    fn last(&self, source: usize, text: String) {
        if let Some(mut last) = self.last_error.get(source).and_then(|m| m.lock().ok()) {
            *last = Some(text);
        }
    }
}

/// How sources are told apart and limited.
pub struct Setup {
    /// Names of the sources, by source number.
    pub names: Vec<String>,
    /// For each BMP source number, the Adj-RIB-In view taken.
    pub bmp_views: HashMap<usize, AdjRibIn>,
    /// Routes one peer may hold (0: no limit).
    pub max_prefixes_per_peer: u64,
    /// What a peer past its limit gets.
    pub on_prefix_limit: PrefixLimitAction,
}

/// The live feeds in front of the core.
pub struct Ingest<'g> {
    core: Core<'g>,
    setup: Setup,
    collectors: HashMap<Origin, u16>,
    /// Peers dropped past their prefix limit, until their session comes
    /// up again.
    dropped: HashSet<PeerKey>,
    /// Peers at their prefix limit whose new prefixes are ignored, said
    /// once per session.
    limited: HashSet<PeerKey>,
    counters: Arc<Counters>,
}

impl<'g> Ingest<'g> {
    /// An ingest in front of `core`.
    pub fn new(core: Core<'g>, setup: Setup, counters: Arc<Counters>) -> Ingest<'g> {
        Ingest {
            core,
            setup,
            collectors: HashMap::new(),
            dropped: HashSet::new(),
            limited: HashSet::new(),
            counters,
        }
    }

    /// Applies one input that arrived at `now` to `table`.
    pub fn handle(&mut self, table: &mut RouteTable, input: Input, now: Timestamp) {
        match input {
            Input::Bmp { source, msg } => self.bmp(table, source, msg, now),
            Input::Bgp { source, msg } => self.bgp(table, source, msg, now),
            Input::Ris { source, msg } => self.ris(table, source, msg, now),
            Input::Archive {
                source,
                path,
                collector,
            } => self.archive(table, source, path, collector, now),
        }
        table.as_of = table.as_of.max(now.secs());
    }

    /// Lets time pass to `now` with no input.
    pub fn tick(&mut self, table: &mut RouteTable, now: Timestamp) {
        self.core.tick(&mut table.rib, now);
        // Summed over peers, not prefixes: this runs after every batch.
        let routes: u64 = table
            .rib
            .peers()
            .map(|(_, p)| u64::from(p.prefixes[0]) + u64::from(p.prefixes[1]))
            .sum();
        self.counters.routes.store(routes, Ordering::Relaxed);
    }

    /// Hands the core's rows and events to `f`, as [`Core::take`].
    pub fn take(&mut self, f: impl FnMut(&[BinRow], &[detect::Event], u64)) {
        self.core.take(f);
    }

    fn bmp(&mut self, table: &mut RouteTable, source: usize, msg: StationMessage, now: Timestamp) {
        match msg {
            StationMessage::RouterUp { router, addr } => {
                let origin = Origin::BmpRouter(source, router);
                self.collector(table, source, origin, |s| format!("{s}/{addr}"));
            }
            StationMessage::Message {
                router,
                bytes,
                add_path,
            } => {
                let origin = Origin::BmpRouter(source, router);
                let name = |s: &str| format!("{s}/router-{router}");
                let Some(collector) = self.collector(table, source, origin, name) else {
                    return;
                };
                let msg = match wire::bmp::Message::decode(&bytes) {
                    Ok(msg) => msg,
                    Err(e) => {
                        return self.counters.router_problem(
                            source,
                            router,
                            format!("BMP message not decoded: {e}"),
                        )
                    }
                };
                if let wire::bmp::Message::RouteMonitoring(rm) = &msg {
                    let wanted = match self
                        .setup
                        .bmp_views
                        .get(&source)
                        .copied()
                        .unwrap_or_default()
                    {
                        AdjRibIn::PrePolicy => RibView::AdjRibInPre,
                        AdjRibIn::PostPolicy => RibView::AdjRibInPost,
                    };
                    let view = rm.peer.view();
                    if view != wanted && view != RibView::LocRib {
                        return;
                    }
                }
                let visit = wire::bmp::route_events(&msg, collector, add_path, |event| {
                    self.apply(
                        table,
                        &RouteEvent {
                            time: now,
                            ..*event
                        },
                    );
                });
                if let Some(e) = visit.error {
                    self.counters.router_problem(
                        source,
                        router,
                        format!("routes after a malformed part were lost: {e}"),
                    );
                }
            }
            StationMessage::RouterDown { router, .. } => {
                if let Some(&collector) = self.collectors.get(&Origin::BmpRouter(source, router)) {
                    self.collector_down(table, collector, now);
                }
            }
        }
    }

    fn bgp(
        &mut self,
        table: &mut RouteTable,
        source: usize,
        msg: CollectorMessage,
        now: Timestamp,
    ) {
        match msg {
            CollectorMessage::SessionUp { peer, .. } => {
                if let Some(peer) = self.bgp_peer(table, source, peer) {
                    self.apply(table, &RouteEvent::session(peer, EventKind::PeerUp, now));
                }
            }
            CollectorMessage::Update {
                peer,
                bytes,
                add_path,
                asn_width,
            } => {
                if let Some(peer) = self.bgp_peer(table, source, peer) {
                    self.update(table, source, peer, &bytes, add_path, asn_width, now);
                }
            }
            CollectorMessage::SessionDown { peer, .. } => {
                if let Some(peer) = self.bgp_peer(table, source, peer) {
                    self.apply(table, &RouteEvent::session(peer, EventKind::PeerDown, now));
                }
            }
        }
    }

    fn ris(&mut self, table: &mut RouteTable, source: usize, msg: LiveMessage, now: Timestamp) {
        match msg {
            LiveMessage::Update {
                collector,
                peer,
                bytes,
                ..
            } => {
                if let Some(peer) = self.ris_peer(table, source, collector, peer) {
                    let plain = AddPathFamilies::default();
                    self.update(table, source, peer, &bytes, plain, AsnWidth::Four, now);
                }
            }
            LiveMessage::PeerState {
                collector,
                peer,
                change,
                ..
            } => {
                if let Some(peer) = self.ris_peer(table, source, collector, peer) {
                    self.apply(table, &RouteEvent::session(peer, change.event_kind(), now));
                }
            }
            // The routes of the time between are unknown, not withdrawn:
            // they stay until the peers say otherwise.
            LiveMessage::Gap { .. } => {
                self.counters.gaps.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Replays an archive file, its records all arriving `now`.
    fn archive(
        &mut self,
        table: &mut RouteTable,
        source: usize,
        path: std::path::PathBuf,
        name: String,
        now: Timestamp,
    ) {
        let origin = Origin::ArchiveCollector(source);
        let label = name.clone();
        let Some(collector) = self.collector(table, source, origin, |_| label) else {
            return;
        };
        let input = feed::ReplayInput {
            path: path.clone(),
            collector: name,
        };
        let mut damages = Vec::new();
        let replayed = feed::replay(
            std::slice::from_ref(&input),
            |event| {
                let peer = PeerKey {
                    collector,
                    ..event.peer
                };
                self.apply(
                    table,
                    &RouteEvent {
                        time: now,
                        peer,
                        ..*event
                    },
                );
            },
            |damage| damages.push(damage.to_string()),
        );
        for damage in damages {
            self.counters.problem(source, damage);
        }
        if let Err(e) = replayed {
            self.counters
                .problem(source, format!("{}: {e}", path.display()));
        }
    }

    /// Applies the routes of one BGP UPDATE (with its header) from `peer`.
    #[allow(clippy::too_many_arguments)]
    fn update(
        &mut self,
        table: &mut RouteTable,
        source: usize,
        peer: PeerKey,
        bytes: &[u8],
        add_path: AddPathFamilies,
        asn_width: AsnWidth,
        now: Timestamp,
    ) {
        let mut reader = Reader::new(bytes);
        let update = match wire::bgp::Message::read(&mut reader) {
            Ok(wire::bgp::Message::Update(update)) => update,
            Ok(_) => return,
            Err(e) => {
                return self.counters.problem(
                    source,
                    format!("peer {} AS{}: UPDATE not decoded: {e}", peer.addr, peer.asn),
                )
            }
        };
        let attrs = add_path.attributes(&update, asn_width);
        let base = RouteEvent::session(peer, EventKind::Announce, now);
        let mut opaque = 0;
        let walked = wire::changes::walk_events(
            &update,
            &attrs,
            add_path.ipv4,
            base,
            &mut opaque,
            &mut |event| self.apply(table, event),
        );
        if let Err(e) = walked {
            self.counters.problem(
                source,
                format!(
                    "peer {} AS{}: routes after a malformed part were lost: {e}",
                    peer.addr, peer.asn
                ),
            );
        }
    }

    /// Applies one route event, within the peer's prefix limit.
    fn apply(&mut self, table: &mut RouteTable, event: &RouteEvent<'_, '_>) {
        match event.kind {
            EventKind::PeerUp => {
                self.dropped.remove(&event.peer);
                self.limited.remove(&event.peer);
            }
            EventKind::Announce | EventKind::Withdraw | EventKind::EndOfRib
                if self.dropped.contains(&event.peer) =>
            {
                return;
            }
            EventKind::Announce if self.over_limit(table, event) => {
                self.counters.over_limit.fetch_add(1, Ordering::Relaxed);
                if self.setup.on_prefix_limit == PrefixLimitAction::Ignore {
                    if self.limited.insert(event.peer) {
                        eprintln!(
                            "darkwatch serve: peer {} AS{} of {} reached its limit of {} prefixes: announcements of further prefixes are ignored until its session comes up again, its routes are kept ([live] on_prefix_limit = \"ignore\")",
                            event.peer.addr,
                            event.peer.asn,
                            collector_name(table, event.peer.collector),
                            self.setup.max_prefixes_per_peer
                        );
                    }
                    return;
                }
                self.dropped.insert(event.peer);
                eprintln!(
                    "darkwatch serve: peer {} AS{} of {} passed its limit of {} prefixes: its routes are removed until its session comes up again ([live] on_prefix_limit = \"drop\")",
                    event.peer.addr,
                    event.peer.asn,
                    collector_name(table, event.peer.collector),
                    self.setup.max_prefixes_per_peer
                );
                let down = RouteEvent::session(event.peer, EventKind::PeerDown, event.time);
                self.core.apply(&mut table.rib, &down);
                return;
            }
            _ => {}
        }
        self.core.apply(&mut table.rib, event);
        self.counters.route_events.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether `announce` would take its peer past its prefix limit: the
    /// peer holds as many prefixes as it may, and this is not one of them
    /// (a new path for a held prefix is no excess).
    fn over_limit(&self, table: &RouteTable, announce: &RouteEvent<'_, '_>) -> bool {
        let max = self.setup.max_prefixes_per_peer;
        if max == 0 {
            return false;
        }
        let Some(peer) = table.rib.peer_id_of(&announce.peer) else {
            return false;
        };
        let full = table
            .rib
            .peer(peer)
            .is_some_and(|info| u64::from(info.prefixes[0]) + u64::from(info.prefixes[1]) >= max);
        let held = || {
            announce
                .prefix
                .and_then(|p| table.rib.prefix_id_of(&p))
                .is_some_and(|id| table.rib.routes(id).any(|(who, _, _)| who == peer))
        };
        full && !held()
    }

    /// Every peer seen through `collector` goes down.
    fn collector_down(&mut self, table: &mut RouteTable, collector: u16, now: Timestamp) {
        let peers: Vec<PeerKey> = table
            .rib
            .peers()
            .filter(|(_, info)| info.key.collector == collector && info.up)
            .map(|(_, info)| info.key)
            .collect();
        for peer in peers {
            self.apply(table, &RouteEvent::session(peer, EventKind::PeerDown, now));
        }
    }

    fn bgp_peer(
        &mut self,
        table: &mut RouteTable,
        source: usize,
        peer: PeerKey,
    ) -> Option<PeerKey> {
        let origin = Origin::BgpNeighbor(source, peer.collector);
        let collector = self.collector(table, source, origin, |s| format!("{s}/{}", peer.addr))?;
        Some(PeerKey { collector, ..peer })
    }

    fn ris_peer(
        &mut self,
        table: &mut RouteTable,
        source: usize,
        name: String,
        peer: feed::rislive::LivePeer,
    ) -> Option<PeerKey> {
        let origin = Origin::RisCollector(source, name.clone());
        let collector = self.collector(table, source, origin, |_| name)?;
        Some(PeerKey {
            collector,
            addr: peer.addr,
            asn: peer.asn,
        })
    }

    /// The collector index of `origin`, given the first time with the
    /// name `name` makes of the source's name (only then: this runs for
    /// every message).
    fn collector(
        &mut self,
        table: &mut RouteTable,
        source: usize,
        origin: Origin,
        name: impl FnOnce(&str) -> String,
    ) -> Option<u16> {
        if let Some(&index) = self.collectors.get(&origin) {
            return Some(index);
        }
        let name = name(self.source_name(source));
        let Ok(index) = u16::try_from(table.collectors.len()) else {
            self.counters.problem(
                source,
                format!("{name}: more than 65,536 connections since the start: restart darkwatch serve to count again"),
            );
            return None;
        };
        table.collectors.push(name);
        self.collectors.insert(origin, index);
        Some(index)
    }

    fn source_name(&self, source: usize) -> &str {
        self.setup.names.get(source).map_or("?", String::as_str)
    }
}

fn collector_name(table: &RouteTable, collector: u16) -> &str {
    table
        .collectors
        .get(usize::from(collector))
        .map_or("?", String::as_str)
}
