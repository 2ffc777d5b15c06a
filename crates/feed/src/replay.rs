//! Replaying archives as route events in event-time order: table dumps
//! first, as the initial state, then the update files of every collector
//! merged by record time. This is where files become the one stream the
//! deterministic core consumes, so a set of archives replays the same
//! way whatever order it was given in.
//!
//! Update files of one collector follow each other in time (RouteViews and
//! RIS cut them every 5 or 15 minutes), so each collector is one stream
//! read file after file, and only one file per collector is open at once;
//! the streams are merged by the time of their next record.

use std::collections::{BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use wire::entry::{visit, PeerTable};
use wire::event::{EventKind, PeerKey, RouteEvent, Timestamp};
use wire::mrt::{mrt_type, Header, RawRecord};

use crate::archive::OpenError;
use crate::records::{Damage, DamageKind, MrtReader, RecordAt};

/// One archive to replay and the collector it comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayInput {
    /// The archive.
    pub path: PathBuf,
    /// The collector's name (see [`collector_of`]).
    pub collector: String,
}

impl ReplayInput {
    /// An input whose collector is guessed from its path.
    pub fn guess(path: &Path) -> ReplayInput {
        ReplayInput {
            path: path.to_owned(),
            collector: collector_of(path),
        }
    }
}

/// The collector of an archive, from the names the public archives use:
/// `rrcNN` for RIPE RIS, `route-views…` for RouteViews (the part before
/// `.ribs`/`.updates`/`.bview`), else the folder holding the file.
pub fn collector_of(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parts: Vec<&str> = name.split(['.', '_']).collect();
    if let Some(rrc) = parts.iter().find(|p| {
        p.len() == 5 && p.starts_with("rrc") && p[3..].bytes().all(|b| b.is_ascii_digit())
    }) {
        return (*rrc).to_owned();
    }
    if let Some(start) = parts.iter().position(|p| p.starts_with("route-views")) {
        let end = parts
            .iter()
            .position(|p| matches!(*p, "ribs" | "updates" | "bview" | "rib"))
            .unwrap_or(parts.len());
        if end > start {
            return parts[start..end].join(".");
        }
    }
    path.parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "local".to_owned())
}

/// What a replay read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Archives read.
    pub files: usize,
    /// Records read.
    pub records: u64,
    /// Events delivered, by kind: announce, withdraw, peer up, peer down,
    /// end of RIB.
    pub announces: u64,
    /// Withdraw events.
    pub withdraws: u64,
    /// Peer-up events.
    pub peer_ups: u64,
    /// Peer-down events.
    pub peer_downs: u64,
    /// End-of-RIB events.
    pub end_of_ribs: u64,
    /// Damaged records reported.
    pub damaged: u64,
    /// Distinct peers seen.
    pub peers: usize,
    /// Time of the first and last event.
    pub span: Option<(Timestamp, Timestamp)>,
    /// Collector names, indexed by [`PeerKey::collector`].
    pub collectors: Vec<String>,
}

/// How far a replay has got, for progress displays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Archives given.
    pub files: usize,
    /// Archives read to their end.
    pub files_done: usize,
    /// Size of all archives on disk (compressed).
    pub bytes_total: u64,
    /// Archive bytes consumed so far (compressed).
    pub bytes_read: u64,
    /// Records read so far.
    pub records: u64,
}

/// Records between two progress reports (a power of two).
const PROGRESS_EVERY: u64 = 1 << 13;

/// Replays `inputs` in event-time order, calling `on_event` for every
/// event and `on_damage` for every damaged place (reading goes on).
/// Fails only when an archive cannot be opened.
pub fn replay<E, D>(
    inputs: &[ReplayInput],
    on_event: E,
    on_damage: D,
) -> Result<ReplaySummary, OpenError>
where
    E: FnMut(&RouteEvent<'_, '_>),
    D: FnMut(&Damage),
{
    replay_with_progress(inputs, on_event, on_damage, |_| {})
}

/// [`replay`], also calling `on_progress` every few thousand records and
/// once at the end.
pub fn replay_with_progress<E, D, P>(
    inputs: &[ReplayInput],
    on_event: E,
    on_damage: D,
    on_progress: P,
) -> Result<ReplaySummary, OpenError>
where
    E: FnMut(&RouteEvent<'_, '_>),
    D: FnMut(&Damage),
    P: FnMut(&Progress),
{
    let mut sink = Sink {
        summary: ReplaySummary::default(),
        peers: BTreeSet::new(),
        on_event,
        on_damage,
        progress: Progress {
            files: inputs.len(),
            bytes_total: inputs
                .iter()
                .filter_map(|i| std::fs::metadata(&i.path).ok())
                .map(|m| m.len())
                .sum(),
            ..Progress::default()
        },
        bytes_done: 0,
        on_progress,
    };
    let (tables, updates) = classify(inputs, &mut sink.summary)?;
    for (_, collector, path) in tables {
        sink.replay_table(&path, collector)?;
    }
    let mut streams: Vec<Stream> = updates.into_iter().map(Stream::new).collect();
    for stream in &mut streams {
        stream.advance(&mut sink)?;
    }
    // The stream whose next record is earliest goes first; on a tie, the
    // collector given first.
    while let Some(next) = streams
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.pending.as_ref().map(|p| (p.time, i)))
        .min()
        .map(|(_, i)| i)
    {
        let Some(stream) = streams.get_mut(next) else {
            break;
        };
        stream.deliver(&mut sink);
        stream.advance(&mut sink)?;
        if sink.summary.records & (PROGRESS_EVERY - 1) == 0 {
            let open = streams.iter().map(Stream::open_bytes).sum();
            sink.report(open);
        }
    }
    sink.report(0);
    sink.summary.peers = sink.peers.len();
    Ok(sink.summary)
}

/// Table files (sorted by time) and, per collector, update files (sorted
/// by time).
type Classified = (
    Vec<(Timestamp, u16, PathBuf)>,
    Vec<(u16, VecDeque<PathBuf>)>,
);

/// Sorts the inputs into table dumps and update files by their first
/// record.
fn classify(inputs: &[ReplayInput], summary: &mut ReplaySummary) -> Result<Classified, OpenError> {
    let mut tables = Vec::new();
    let mut updates: Vec<(u16, Vec<(Timestamp, PathBuf)>)> = Vec::new();
    for input in inputs {
        let collector = collector_index(&mut summary.collectors, &input.collector);
        summary.files += 1;
        let first = first_header(&input.path)?;
        let time = first.map_or(Timestamp(0), |h| Timestamp::from_secs(h.timestamp));
        // A file with nothing readable goes with the tables, where its
        // damage is reported when it is read.
        if first.is_none_or(|h| is_table(&h)) {
            tables.push((time, collector, input.path.clone()));
            continue;
        }
        match updates.iter_mut().find(|(c, _)| *c == collector) {
            Some((_, files)) => files.push((time, input.path.clone())),
            None => updates.push((collector, vec![(time, input.path.clone())])),
        }
    }
    tables.sort();
    let updates = updates
        .into_iter()
        .map(|(c, mut files)| {
            files.sort();
            (c, files.into_iter().map(|(_, p)| p).collect())
        })
        .collect();
    Ok((tables, updates))
}

/// The header of the first readable record of an archive.
fn first_header(path: &Path) -> Result<Option<Header>, OpenError> {
    let mut reader = MrtReader::open(path)?;
    loop {
        match reader.next() {
            Some(Ok(r)) => return Ok(Some(r.raw.header)),
            Some(Err(d)) if d.is_final() => return Ok(None),
            Some(Err(_)) => {}
            None => return Ok(None),
        }
    }
}

fn is_table(header: &Header) -> bool {
    matches!(
        header.mrt_type,
        mrt_type::TABLE_DUMP | mrt_type::TABLE_DUMP_V2
    )
}

fn collector_index(collectors: &mut Vec<String>, name: &str) -> u16 {
    let i = match collectors.iter().position(|c| c == name) {
        Some(i) => i,
        None => {
            collectors.push(name.to_owned());
            collectors.len() - 1
        }
    };
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// Where events, damage and progress go, with the counts kept on the way.
struct Sink<E, D, P> {
    summary: ReplaySummary,
    peers: BTreeSet<PeerKey>,
    on_event: E,
    on_damage: D,
    progress: Progress,
    /// Bytes of the archives read to their end.
    bytes_done: u64,
    on_progress: P,
}

impl<E, D, P> Sink<E, D, P>
where
    E: FnMut(&RouteEvent<'_, '_>),
    D: FnMut(&Damage),
    P: FnMut(&Progress),
{
    /// Reports progress, `open` being the bytes consumed of the archives
    /// being read.
    fn report(&mut self, open: u64) {
        self.progress.records = self.summary.records;
        self.progress.bytes_read = self.bytes_done + open;
        (self.on_progress)(&self.progress);
    }

    /// Counts an archive read to its end.
    fn file_done(&mut self, reader: &MrtReader) {
        self.bytes_done += reader.compressed_offset();
        self.progress.files_done += 1;
    }

    fn event(&mut self, event: &RouteEvent<'_, '_>) {
        let s = &mut self.summary;
        match event.kind {
            EventKind::Announce => s.announces += 1,
            EventKind::Withdraw => s.withdraws += 1,
            EventKind::PeerUp => s.peer_ups += 1,
            EventKind::PeerDown => s.peer_downs += 1,
            EventKind::EndOfRib => s.end_of_ribs += 1,
        }
        s.span = Some(match s.span {
            Some((first, last)) => (first.min(event.time), last.max(event.time)),
            None => (event.time, event.time),
        });
        self.peers.insert(event.peer);
        (self.on_event)(event);
    }

    fn damage(&mut self, damage: &Damage) {
        self.summary.damaged += 1;
        (self.on_damage)(damage);
    }

    /// Reports the repair a record's framing needed, if any.
    fn framing(&mut self, path: &Path, record: &RecordAt<'_>) {
        if let Some(kind) = record.framing.clone() {
            self.damage(&Damage::in_record(
                path,
                record.offset,
                record.raw.header,
                kind,
            ));
        }
    }

    /// Delivers the events of one record; `listed` collects the peers seen.
    fn record(
        &mut self,
        at: (&Path, u64),
        raw: &RawRecord<'_>,
        collector: u16,
        peers: &mut PeerTable,
        mut listed: Option<&mut BTreeSet<PeerKey>>,
    ) {
        self.summary.records += 1;
        let visited = visit(raw, peers, |entry| {
            if let Some(event) = RouteEvent::from_entry(entry, collector) {
                if let Some(listed) = listed.as_deref_mut() {
                    listed.insert(event.peer);
                }
                self.event(&event);
            }
        });
        if let Some(error) = visited.error {
            self.damage(&Damage::in_record(
                at.0,
                at.1,
                raw.header,
                DamageKind::Decode(error),
            ));
        }
    }

    /// Replays one table dump, then an End-of-RIB for every peer it
    /// listed: whatever a peer had before and the dump does not hold is
    /// gone.
    fn replay_table(&mut self, path: &Path, collector: u16) -> Result<(), OpenError> {
        let mut reader = MrtReader::open(path)?;
        let mut peers = PeerTable::default();
        let mut listed = BTreeSet::new();
        let mut last = Timestamp(0);
        while let Some(item) = reader.next() {
            match item {
                Ok(record) => {
                    self.framing(path, &record);
                    last = last.max(Timestamp::from_secs(record.raw.header.timestamp));
                    let at = (path, record.offset);
                    self.record(at, &record.raw, collector, &mut peers, Some(&mut listed));
                }
                Err(d) => self.damage(&d),
            }
            if self.summary.records & (PROGRESS_EVERY - 1) == 0 {
                self.report(reader.compressed_offset());
            }
        }
        self.file_done(&reader);
        for peer in listed {
            self.event(&RouteEvent {
                time: last,
                peer,
                kind: EventKind::EndOfRib,
                prefix: None,
                path_id: None,
                attrs: None,
                next_hop: None,
                from_table: true,
            });
        }
        Ok(())
    }
}

/// A record waiting in a stream, copied out of its reader's buffer so that
/// several streams can wait at once.
struct Pending {
    time: Timestamp,
    header: Header,
    /// The record after its header (microseconds included for BGP4MP_ET).
    payload: Vec<u8>,
    offset: u64,
}

/// The update files of one collector, read one after the other.
struct Stream {
    collector: u16,
    files: VecDeque<PathBuf>,
    current: Option<(PathBuf, MrtReader)>,
    peers: PeerTable,
    pending: Option<Pending>,
    /// The last payload buffer, reused for the next record.
    spare: Vec<u8>,
}

impl Stream {
    /// Bytes consumed of the archive being read.
    fn open_bytes(&self) -> u64 {
        self.current
            .as_ref()
            .map_or(0, |(_, r)| r.compressed_offset())
    }

    fn new((collector, files): (u16, VecDeque<PathBuf>)) -> Stream {
        Stream {
            collector,
            files,
            current: None,
            peers: PeerTable::default(),
            pending: None,
            spare: Vec::new(),
        }
    }

    /// Reads the next record into `pending` (which stays empty at the end).
    fn advance<E, D, P>(&mut self, sink: &mut Sink<E, D, P>) -> Result<(), OpenError>
    where
        E: FnMut(&RouteEvent<'_, '_>),
        D: FnMut(&Damage),
        P: FnMut(&Progress),
    {
        loop {
            if self.current.is_none() {
                let Some(path) = self.files.pop_front() else {
                    return Ok(());
                };
                let reader = MrtReader::open(&path)?;
                self.current = Some((path, reader));
            }
            let Some((path, reader)) = self.current.as_mut() else {
                return Ok(());
            };
            match reader.next() {
                Some(Ok(record)) => {
                    sink.framing(path, &record);
                    let raw = record.raw;
                    let mut payload = std::mem::take(&mut self.spare);
                    payload.clear();
                    if raw.header.is_extended() {
                        payload.extend_from_slice(&raw.microseconds.to_be_bytes());
                    }
                    payload.extend_from_slice(raw.body);
                    self.pending = Some(Pending {
                        time: Timestamp::from_parts(raw.header.timestamp, raw.microseconds),
                        header: raw.header,
                        payload,
                        offset: record.offset,
                    });
                    return Ok(());
                }
                Some(Err(d)) => sink.damage(&d),
                None => {
                    sink.file_done(reader);
                    self.current = None;
                }
            }
        }
    }

    /// Delivers the events of the pending record.
    fn deliver<E, D, P>(&mut self, sink: &mut Sink<E, D, P>)
    where
        E: FnMut(&RouteEvent<'_, '_>),
        D: FnMut(&Damage),
        P: FnMut(&Progress),
    {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let path = self
            .current
            .as_ref()
            .map_or(Path::new(""), |(p, _)| p.as_path());
        let header = Header {
            length: u32::try_from(pending.payload.len()).unwrap_or(u32::MAX),
            ..pending.header
        };
        match RawRecord::new(header, &pending.payload) {
            Ok(raw) => {
                let at = (path, pending.offset);
                sink.record(at, &raw, self.collector, &mut self.peers, None);
            }
            Err(e) => sink.damage(&Damage::in_record(
                path,
                pending.offset,
                pending.header,
                DamageKind::Decode(e),
            )),
        }
        self.spare = pending.payload;
    }
}
