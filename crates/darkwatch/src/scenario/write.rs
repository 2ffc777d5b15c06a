//! From a checked scenario to MRT records: the RIB at the start, then the
//! timeline played in time order against a model of what each peer holds,
//! each change written as the BGP4MP record a collector would have logged.
//!
//! The model is what makes the timeline's records consistent: a flap
//! re-announces a route with the path it last had, a withdrawal of a route
//! the peer does not hold sends nothing, and a peer that comes back after
//! a session loss sends its whole table again, without what was withdrawn
//! while it was down. Where the files go is a [`Sink`]'s business, so the
//! same code fills gzip files and, in tests, memory.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use flate2::write::GzEncoder;
use wire::aspath::SegmentKind;
use wire::attr::Origin;
use wire::encode::{self, attr, Direction, RibEntry, Session, Time};
use wire::{Afi, AsnWidth, Nlri, Prefix};

use super::background::BackgroundTable;
use super::format::{EventKind, Peer, Scenario};
use super::salt;
use crate::synth::Rng;

/// BGP FSM states (RFC 4271 §8.2.2) as BGP4MP state changes number them.
mod state {
    pub const IDLE: u16 = 1;
    pub const CONNECT: u16 = 2;
    pub const OPEN_SENT: u16 = 4;
    pub const OPEN_CONFIRM: u16 = 5;
    pub const ESTABLISHED: u16 = 6;
}

/// The transitions a collector logs when a session comes up.
const COMING_UP: [(u16, u16); 4] = [
    (state::IDLE, state::CONNECT),
    (state::CONNECT, state::OPEN_SENT),
    (state::OPEN_SENT, state::OPEN_CONFIRM),
    (state::OPEN_CONFIRM, state::ESTABLISHED),
];

/// Largest BGP message of a session without extended messages (RFC 4271).
const MAX_MESSAGE: usize = 4_096;
/// Room for the message header, the two length fields and the fixed part
/// of MP_REACH_NLRI / MP_UNREACH_NLRI, with a margin.
const MESSAGE_OVERHEAD: usize = 64;

/// Where the files go, one at a time, in the order they are begun.
pub(crate) trait Sink {
    /// Ends the file being written, if any, and starts `name`.
    fn begin(&mut self, name: &str) -> anyhow::Result<()>;
    /// Appends to the current file.
    fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()>;
    /// Ends the last file.
    fn end(&mut self) -> anyhow::Result<()>;
}

/// What was written, for the summary and for tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// RIB records (the PEER_INDEX_TABLE not counted).
    pub(crate) rib_records: u64,
    /// Routes in them.
    pub(crate) rib_entries: u64,
    /// Update files, empty ones included.
    pub(crate) update_files: u64,
    /// BGP4MP_MESSAGE_AS4 records (one UPDATE each).
    pub(crate) messages: u64,
    /// Prefixes announced in them.
    pub(crate) announced: u64,
    /// Prefixes withdrawn in them.
    pub(crate) withdrawn: u64,
    /// BGP4MP_STATE_CHANGE_AS4 records.
    pub(crate) state_changes: u64,
}

/// Writes all of `s` to `sink`: the RIB file, then every update file.
pub(crate) fn render(s: &Scenario, sink: &mut impl Sink) -> anyhow::Result<Counts> {
    let background = BackgroundTable::new(s)?;
    let mut play = Player::new(s, background, sink);
    play.rib()?;
    for batch in batches(&actions(s)?) {
        play.batch(batch)?;
    }
    play.counts.update_files = play.files.finish()?;
    Ok(play.counts)
}

/// `rib.YYYYMMDD.HHMM.gz` / `updates.YYYYMMDD.HHMM.gz`, the names
/// RouteViews and RIS give their files.
pub(crate) fn file_name(kind: &str, time: u32) -> String {
    match chrono::DateTime::from_timestamp(i64::from(time), 0) {
        Some(t) => format!("{kind}.{}.gz", t.format("%Y%m%d.%H%M")),
        // Every u32 is a valid timestamp; this only keeps the code total.
        None => format!("{kind}.{time}.gz"),
    }
}

// ---------------------------------------------------------------------------
// The timeline as single actions.

/// What happens to one route or session at one second.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Withdraw,
    Announce,
    /// A new path, sent only if the route is up.
    Repath,
    Down,
    Up,
}

/// One action, in the order it sorts: by time, then as the file lists
/// the events, so equal times keep the file's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Action {
    time: u32,
    event: usize,
    cycle: u32,
    step: Step,
    peer: usize,
    /// Scenario prefix (0 for session actions).
    prefix: usize,
}

impl Action {
    /// Actions alike in all but the prefix go in one UPDATE, as a router
    /// sends the routes of one change together.
    fn batch_key(&self) -> (u32, usize, u32, Step, usize) {
        (self.time, self.event, self.cycle, self.step, self.peer)
    }
}

/// Every event broken into per-peer actions, sorted.
fn actions(s: &Scenario) -> anyhow::Result<Vec<Action>> {
    let mut out = Vec::new();
    for (ei, e) in s.events.iter().enumerate() {
        // The delay with which `peer` sees cycle `cycle` of the event.
        let delay = |cycle: u32, peer: usize| -> u64 {
            let key = [salt::SPREAD, ei as u64, u64::from(cycle), peer as u64];
            Rng::keyed(s.background.seed, &key).below(u64::from(e.spread) + 1)
        };
        let mut push = |at: u64, cycle: u32, step: Step, peer: usize, prefix: usize| {
            // Checked when the file was read: nothing runs past `end`.
            let time = u32::try_from(at).context("event time")?;
            out.push(Action {
                time,
                event: ei,
                cycle,
                step,
                peer,
                prefix,
            });
            anyhow::Ok(())
        };
        let at = u64::from(e.at);
        match e.kind {
            EventKind::Announce | EventKind::Withdraw | EventKind::PathChange => {
                let step = match e.kind {
                    EventKind::Announce => Step::Announce,
                    EventKind::Withdraw => Step::Withdraw,
                    _ => Step::Repath,
                };
                for &(prefix, peer) in &e.routes {
                    push(at + delay(0, peer), 0, step, peer, prefix)?;
                }
            }
            EventKind::Flap => {
                for cycle in 0..e.count {
                    let base = at + u64::from(cycle) * u64::from(e.period);
                    for &(prefix, peer) in &e.routes {
                        let t = base + delay(cycle, peer);
                        push(t, cycle, Step::Withdraw, peer, prefix)?;
                        push(t + u64::from(e.down), cycle, Step::Announce, peer, prefix)?;
                    }
                }
            }
            EventKind::PeerDown | EventKind::PeerUp => {
                let step = if e.kind == EventKind::PeerDown {
                    Step::Down
                } else {
                    Step::Up
                };
                for &peer in &e.peers {
                    push(at, 0, step, peer, 0)?;
                }
            }
        }
    }
    out.sort_unstable();
    Ok(out)
}

/// Runs of actions with one batch key.
fn batches(actions: &[Action]) -> impl Iterator<Item = &[Action]> {
    actions.chunk_by(|a, b| a.batch_key() == b.batch_key())
}

// ---------------------------------------------------------------------------
// Playing the timeline.

/// An AS path: a sequence and an AS_SET after it (usually empty).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct AsPath {
    sequence: Vec<u32>,
    set: Vec<u32>,
}

impl AsPath {
    fn sequence(sequence: Vec<u32>) -> AsPath {
        AsPath {
            sequence,
            set: Vec::new(),
        }
    }
}

/// A peer's route for a scenario prefix.
#[derive(Clone, Debug)]
struct Route {
    path: Vec<u32>,
    /// Announced (else withdrawn, the path kept for when it comes back).
    announced: bool,
}

struct Player<'a, S: Sink> {
    s: &'a Scenario,
    background: BackgroundTable,
    files: UpdateFiles<'a, S>,
    /// Per scenario prefix, per peer.
    routes: Vec<Vec<Option<Route>>>,
    /// Per peer: the session is established.
    established: Vec<bool>,
    counts: Counts,
    /// The record being built, the UPDATE inside it, and its attributes.
    record: Vec<u8>,
    message: Vec<u8>,
    attrs: Vec<u8>,
}

impl<'a, S: Sink> Player<'a, S> {
    fn new(s: &'a Scenario, background: BackgroundTable, sink: &'a mut S) -> Self {
        let routes = s
            .prefixes
            .iter()
            .map(|p| {
                (0..s.peers.len())
                    .map(|peer| {
                        let path = p.paths.get(peer).cloned().flatten()?;
                        Some(Route {
                            path,
                            announced: p.announced && p.carriers.contains(&peer),
                        })
                    })
                    .collect()
            })
            .collect();
        Player {
            s,
            background,
            files: UpdateFiles::new(s, sink),
            routes,
            established: vec![true; s.peers.len()],
            counts: Counts::default(),
            record: Vec::with_capacity(MAX_MESSAGE + 64),
            message: Vec::with_capacity(MAX_MESSAGE),
            attrs: Vec::with_capacity(256),
        }
    }

    fn peer(&self, i: usize) -> anyhow::Result<&'a Peer> {
        self.s.peers.get(i).context("peer index")
    }

    /// When `peer`'s session came up: the received time of its routes in
    /// the RIB, 1 to 30 days before the start, as long-lived sessions are.
    fn session_since(&self, peer: usize) -> u32 {
        let mut rng = Rng::keyed(self.s.background.seed, &[salt::SESSION, peer as u64]);
        let age = 86_400 + rng.below(29 * 86_400) as u32;
        self.s.start.saturating_sub(age)
    }

    /// The RIB file: PEER_INDEX_TABLE, then one record per prefix held by
    /// any peer, background and scenario prefixes together in address
    /// order (IPv4 first), as dumps are sorted.
    fn rib(&mut self) -> anyhow::Result<()> {
        let s = self.s;
        let since: Vec<u32> = (0..s.peers.len()).map(|i| self.session_since(i)).collect();
        let files = &mut self.files;
        files.sink.begin(&file_name("rib", s.start))?;
        let table: Vec<_> = s.peers.iter().map(Peer::index_entry).collect();
        let mut out = Vec::with_capacity(1 << 16);
        encode::peer_index_table(
            &mut out,
            s.start,
            s.collector.ipv4,
            s.collector.name.as_bytes(),
            &table,
        )?;
        files.sink.write(&out)?;

        /// A RIB prefix: background (by index) or scenario (by index).
        #[derive(Clone, Copy)]
        enum Of {
            Background(usize),
            Scenario(usize),
        }
        let mut order: Vec<(Prefix, Of)> = (0..self.background.len())
            .filter_map(|i| Some((self.background.prefix(i)?, Of::Background(i))))
            .chain(
                s.prefixes
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.prefix, Of::Scenario(i))),
            )
            .collect();
        order.sort_by(|(a, _), (b, _)| {
            (a.afi(), a.addr_bytes(), a.len()).cmp(&(b.afi(), b.addr_bytes(), b.len()))
        });
        // Attribute blocks of one record back to back, and each entry's
        // peer and span in them.
        let mut arena = Vec::new();
        let mut spans: Vec<(u16, usize, usize)> = Vec::new();
        let mut sequence = 0u32;
        for &(prefix, of) in &order {
            arena.clear();
            spans.clear();
            for (peer_index, peer) in s.peers.iter().enumerate() {
                let start = arena.len();
                match of {
                    Of::Background(i) => match self.background.path(peer_index, i) {
                        Some((sequence, set)) => path_attrs(&mut arena, sequence, set)?,
                        None => continue,
                    },
                    Of::Scenario(i) => match self.routes.get(i).and_then(|r| r.get(peer_index)) {
                        Some(Some(Route {
                            path,
                            announced: true,
                        })) => path_attrs(&mut arena, path, &[])?,
                        _ => continue,
                    },
                }
                match peer.address {
                    std::net::IpAddr::V4(a) => attr::next_hop(&mut arena, a),
                    std::net::IpAddr::V6(a) => attr::mp_reach_next_hop(&mut arena, &a.octets())?,
                }
                let index = u16::try_from(peer_index).context("peer index")?;
                spans.push((index, start, arena.len()));
            }
            if spans.is_empty() {
                continue;
            }
            let entries: Vec<RibEntry<'_>> = spans
                .iter()
                .map(|&(peer_index, start, end)| RibEntry {
                    peer_index,
                    originated: since
                        .get(usize::from(peer_index))
                        .copied()
                        .unwrap_or(s.start),
                    path_id: None,
                    attributes: arena.get(start..end).unwrap_or_default(),
                })
                .collect();
            out.clear();
            encode::rib(&mut out, s.start, sequence, &prefix, false, &entries)?;
            files.sink.write(&out)?;
            self.counts.rib_records += 1;
            self.counts.rib_entries += entries.len() as u64;
            sequence = sequence.wrapping_add(1);
        }
        Ok(())
    }

    /// Plays one batch: actions that differ only in their prefix.
    fn batch(&mut self, batch: &[Action]) -> anyhow::Result<()> {
        let Some(&first) = batch.first() else {
            return Ok(());
        };
        let peer_index = first.peer;
        let peer = self.peer(peer_index)?;
        let event = self.s.events.get(first.event).context("event index")?;
        let up = self.established.get(peer_index).copied().unwrap_or(false);
        match first.step {
            Step::Down | Step::Up => {
                let going_up = first.step == Step::Up;
                if up == going_up {
                    bail!(
                        "line {}: peer `{}` is already {} at {}; a session can only go down when up and come up when down",
                        event.line,
                        peer.name,
                        if up { "up" } else { "down" },
                        super::format::show_time(u64::from(first.time))
                    );
                }
                if let Some(u) = self.established.get_mut(peer_index) {
                    *u = going_up;
                }
                if going_up {
                    for (old, new) in COMING_UP {
                        self.state_change(first.time, peer, old, new)?;
                    }
                    self.resend_table(first.time, peer_index)?;
                } else {
                    // A lost session is an implicit withdrawal of all its
                    // routes: the collector logs the state change alone.
                    self.state_change(first.time, peer, state::ESTABLISHED, state::IDLE)?;
                }
            }
            Step::Withdraw => {
                let mut gone = Vec::new();
                for a in batch {
                    let route = self.route_mut(a.prefix, peer_index)?;
                    if let Some(r) = route.as_mut().filter(|r| r.announced) {
                        r.announced = false;
                        gone.push(self.prefix(a.prefix)?);
                    }
                }
                if up {
                    self.withdraw(first.time, peer, &gone)?;
                }
            }
            Step::Announce | Step::Repath => {
                let new_path = event.path_for(peer.asn);
                let mut sent: BTreeMap<AsPath, Vec<Prefix>> = BTreeMap::new();
                for a in batch {
                    let prefix = self.prefix(a.prefix)?;
                    let route = self.route_mut(a.prefix, peer_index)?;
                    let Some(r) = route.as_mut() else {
                        // Checked when read: the peer is of the prefix's family.
                        continue;
                    };
                    if let Some(p) = &new_path {
                        r.path.clone_from(p);
                    }
                    if first.step == Step::Announce {
                        r.announced = true;
                    }
                    if r.announced {
                        sent.entry(AsPath::sequence(r.path.clone()))
                            .or_default()
                            .push(prefix);
                    }
                }
                if up {
                    for (path, prefixes) in &sent {
                        self.announce(first.time, peer, path, prefixes)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn prefix(&self, i: usize) -> anyhow::Result<Prefix> {
        self.s
            .prefixes
            .get(i)
            .map(|p| p.prefix)
            .context("prefix index")
    }

    fn route_mut(&mut self, prefix: usize, peer: usize) -> anyhow::Result<&mut Option<Route>> {
        self.routes
            .get_mut(prefix)
            .and_then(|r| r.get_mut(peer))
            .context("route index")
    }

    /// A session that came back sends everything the peer holds.
    fn resend_table(&mut self, time: u32, peer_index: usize) -> anyhow::Result<()> {
        let peer = self.peer(peer_index)?;
        let mut table: BTreeMap<AsPath, Vec<Prefix>> = BTreeMap::new();
        for i in 0..self.background.len() {
            let Some(prefix) = self.background.prefix(i) else {
                continue;
            };
            if let Some((sequence, set)) = self.background.path(peer_index, i) {
                let path = AsPath {
                    sequence: sequence.to_vec(),
                    set: set.to_vec(),
                };
                table.entry(path).or_default().push(prefix);
            }
        }
        for (rp, routes) in self.s.prefixes.iter().zip(&self.routes) {
            if let Some(Some(
                r @ Route {
                    announced: true, ..
                },
            )) = routes.get(peer_index)
            {
                table
                    .entry(AsPath::sequence(r.path.clone()))
                    .or_default()
                    .push(rp.prefix);
            }
        }
        for (path, prefixes) in &table {
            self.announce(time, peer, path, prefixes)?;
        }
        Ok(())
    }

    fn session(&self, peer: &Peer) -> Session {
        Session {
            peer_asn: peer.asn,
            local_asn: self.s.collector.asn,
            ifindex: 0,
            peer_ip: peer.address,
            local_ip: self.s.collector.address_for(peer.address),
            asn_width: AsnWidth::Four,
            add_path: false,
        }
    }

    fn state_change(&mut self, time: u32, peer: &Peer, old: u16, new: u16) -> anyhow::Result<()> {
        self.record.clear();
        let session = self.session(peer);
        encode::bgp4mp_state_change(&mut self.record, Time::seconds(time), &session, old, new)?;
        self.files.write(time, &self.record)?;
        self.counts.state_changes += 1;
        Ok(())
    }

    /// Wraps `self.message` in a BGP4MP_MESSAGE_AS4 record and writes it.
    fn send(&mut self, time: u32, peer: &Peer) -> anyhow::Result<()> {
        self.record.clear();
        let session = self.session(peer);
        encode::bgp4mp_message(
            &mut self.record,
            Time::seconds(time),
            &session,
            Direction::Received,
            &self.message,
        )?;
        self.files.write(time, &self.record)?;
        self.counts.messages += 1;
        Ok(())
    }

    /// UPDATEs withdrawing `prefixes` (all of the peer's family): IPv4 in
    /// the withdrawn-routes field, IPv6 in MP_UNREACH_NLRI.
    fn withdraw(&mut self, time: u32, peer: &Peer, prefixes: &[Prefix]) -> anyhow::Result<()> {
        for chunk in chunks(prefixes, MAX_MESSAGE - MESSAGE_OVERHEAD) {
            self.message.clear();
            self.attrs.clear();
            match afi_of_list(&chunk) {
                Afi::Ipv4 => encode::update(&mut self.message, &chunk, &[], &[])?,
                Afi::Ipv6 => {
                    attr::mp_unreach(&mut self.attrs, Afi::Ipv6.code(), 1, &chunk)?;
                    encode::update(&mut self.message, &[], &self.attrs, &[])?;
                }
            }
            self.send(time, peer)?;
            self.counts.withdrawn += chunk.len() as u64;
        }
        Ok(())
    }

    /// UPDATEs announcing `prefixes` with `path`: IPv4 with NEXT_HOP and
    /// the NLRI field, IPv6 in MP_REACH_NLRI; the next hop is the peer.
    fn announce(
        &mut self,
        time: u32,
        peer: &Peer,
        path: &AsPath,
        prefixes: &[Prefix],
    ) -> anyhow::Result<()> {
        let mut head = Vec::with_capacity(64);
        path_attrs(&mut head, &path.sequence, &path.set)?;
        for chunk in chunks(prefixes, MAX_MESSAGE - MESSAGE_OVERHEAD - head.len()) {
            self.message.clear();
            self.attrs.clear();
            self.attrs.extend_from_slice(&head);
            match peer.address {
                std::net::IpAddr::V4(a) => {
                    attr::next_hop(&mut self.attrs, a);
                    encode::update(&mut self.message, &[], &self.attrs, &chunk)?;
                }
                std::net::IpAddr::V6(a) => {
                    attr::mp_reach(&mut self.attrs, Afi::Ipv6.code(), 1, &a.octets(), &chunk)?;
                    encode::update(&mut self.message, &[], &self.attrs, &[])?;
                }
            }
            self.send(time, peer)?;
            self.counts.announced += chunk.len() as u64;
        }
        Ok(())
    }
}

/// ORIGIN and AS_PATH (4-byte AS numbers: TABLE_DUMP_V2 and the AS4
/// message subtypes both use them).
fn path_attrs(out: &mut Vec<u8>, sequence: &[u32], set: &[u32]) -> anyhow::Result<()> {
    attr::origin(out, Origin::Igp);
    let seq = (SegmentKind::Sequence, sequence);
    if set.is_empty() {
        attr::as_path(out, &[seq], AsnWidth::Four)?;
    } else {
        attr::as_path(out, &[seq, (SegmentKind::Set, set)], AsnWidth::Four)?;
    }
    Ok(())
}

/// The family of a list of one family's prefixes (IPv4 when empty).
fn afi_of_list(list: &[Nlri]) -> Afi {
    list.first().map_or(Afi::Ipv4, |n| n.prefix.afi())
}

/// `prefixes` as NLRI lists of at most `budget` bytes each, so that
/// every UPDATE fits a BGP message.
fn chunks(prefixes: &[Prefix], budget: usize) -> Vec<Vec<Nlri>> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut used = 0;
    for &prefix in prefixes {
        let size = 1 + usize::from(prefix.len()).div_ceil(8);
        if used + size > budget && !current.is_empty() {
            out.push(std::mem::take(&mut current));
            used = 0;
        }
        current.push(Nlri {
            prefix,
            path_id: None,
        });
        used += size;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

// ---------------------------------------------------------------------------
// Update files.

/// Spreads update records over files of `interval` seconds aligned to
/// UTC, and writes a file for every interval of the scenario, empty ones
/// too: a missing file would read as the collector not recording, which
/// is not what a quiet scenario means.
struct UpdateFiles<'a, S: Sink> {
    sink: &'a mut S,
    interval: u64,
    end: u64,
    /// Start of the next file to open.
    next: u64,
    counts_files: u64,
}

impl<'a, S: Sink> UpdateFiles<'a, S> {
    fn new(s: &Scenario, sink: &'a mut S) -> Self {
        let interval = u64::from(s.interval);
        UpdateFiles {
            sink,
            interval,
            end: u64::from(s.end),
            next: u64::from(s.start) / interval * interval,
            counts_files: 0,
        }
    }

    /// Opens the next file.
    fn open_next(&mut self) -> anyhow::Result<()> {
        let start = u32::try_from(self.next).context("update file time")?;
        self.sink.begin(&file_name("updates", start))?;
        self.next += self.interval;
        self.counts_files += 1;
        Ok(())
    }

    /// Writes a record of `time`: records come in time order.
    fn write(&mut self, time: u32, record: &[u8]) -> anyhow::Result<()> {
        while u64::from(time) >= self.next {
            self.open_next()?;
        }
        self.sink.write(record)
    }

    /// Opens the files of the quiet rest of the scenario, and ends.
    fn finish(&mut self) -> anyhow::Result<u64> {
        while self.next < self.end {
            self.open_next()?;
        }
        self.sink.end()?;
        Ok(self.counts_files)
    }
}

// ---------------------------------------------------------------------------
// Sinks.

/// Gzip files in a directory, compressed at the default level with a
/// header without name or time, so equal input gives equal bytes.
pub(crate) struct GzDir {
    dir: PathBuf,
    current: Option<(PathBuf, GzEncoder<BufWriter<File>>)>,
    /// Every file written, with its size.
    pub(crate) written: Vec<(PathBuf, u64)>,
}

impl GzDir {
    /// Files go to `dir`, which must exist.
    pub(crate) fn new(dir: &Path) -> GzDir {
        GzDir {
            dir: dir.to_path_buf(),
            current: None,
            written: Vec::new(),
        }
    }

    fn close(&mut self) -> anyhow::Result<()> {
        if let Some((path, gz)) = self.current.take() {
            let what = || format!("writing {}", path.display());
            let mut file = gz.finish().with_context(what)?;
            file.flush().with_context(what)?;
            let size = file.get_ref().metadata().with_context(what)?.len();
            self.written.push((path, size));
        }
        Ok(())
    }
}

impl Sink for GzDir {
    fn begin(&mut self, name: &str) -> anyhow::Result<()> {
        self.close()?;
        let path = self.dir.join(name);
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let gz = flate2::GzBuilder::new().write(
            BufWriter::with_capacity(1 << 16, file),
            flate2::Compression::default(),
        );
        self.current = Some((path, gz));
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        let Some((path, gz)) = self.current.as_mut() else {
            bail!("internal error: a record before any file was begun");
        };
        gz.write_all(bytes)
            .with_context(|| format!("writing {}", path.display()))
    }

    fn end(&mut self) -> anyhow::Result<()> {
        self.close()
    }
}
