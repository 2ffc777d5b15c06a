//! Route entries: the flat view of a decoded MRT record that dumps,
//! filters and (later) route events are built from. One entry is one route
//! of one peer (a RIB line, an announcement or a withdrawal) or one peer
//! state change, in the order the record holds them.

use std::net::{IpAddr, Ipv4Addr};

use crate::attr::Attributes;
use crate::bgp::Message;
use crate::changes::{self, Change};
use crate::error::{ErrorKind, Result, WireError};
use crate::mrt::{mrt_type, Peer, PeerIndexTable, RawRecord, Record, RibFamily};
use crate::prefix::Prefix;

/// The peers of the last PEER_INDEX_TABLE of a file, owned so that RIB
/// records after it can name them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerTable {
    /// Collector BGP identifier.
    pub collector_id: Option<Ipv4Addr>,
    /// Peers in index order.
    pub peers: Vec<Peer>,
}

impl PeerTable {
    /// Copies the peers out of a PEER_INDEX_TABLE record.
    pub fn from_record(table: &PeerIndexTable<'_>) -> Result<PeerTable> {
        Ok(PeerTable {
            collector_id: Some(table.collector_id),
            peers: table.peers().collect::<Result<Vec<_>>>()?,
        })
    }

    /// The peer at `index`.
    pub fn get(&self, index: u16) -> Option<&Peer> {
        self.peers.get(usize::from(index))
    }
}

/// Which record format an entry came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// TABLE_DUMP (12).
    TableDump,
    /// TABLE_DUMP_V2 (13).
    TableDumpV2,
    /// BGP4MP (16).
    Bgp4mp,
    /// BGP4MP_ET (17).
    Bgp4mpEt,
    /// Deprecated BGP (5).
    LegacyBgp,
}

/// What an entry says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A route in a table dump.
    Rib,
    /// A route announced in an UPDATE.
    Announce,
    /// A route withdrawn in an UPDATE.
    Withdraw,
    /// A peer's session changed state.
    State {
        /// FSM state before.
        old: u16,
        /// FSM state after.
        new: u16,
    },
    /// The peer finished sending its table of one family (RFC 4724 §2:
    /// an UPDATE with nothing in it, or only an empty MP_UNREACH_NLRI).
    EndOfRib {
        /// AFI code.
        afi: u16,
        /// SAFI code.
        safi: u8,
    },
}

/// One route of one peer, or one state change.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'r, 'a> {
    /// Record format.
    pub source: Source,
    /// Record timestamp (seconds).
    pub timestamp: u32,
    /// Microseconds, for BGP4MP_ET.
    pub microseconds: Option<u32>,
    /// What the entry says.
    pub kind: EntryKind,
    /// Peer address (`None` for state changes recorded without one).
    pub peer_ip: Option<IpAddr>,
    /// Peer AS.
    pub peer_asn: u32,
    /// The route's prefix (none for state changes).
    pub prefix: Option<Prefix>,
    /// ADD-PATH path id.
    pub path_id: Option<u32>,
    /// True for records whose format carries path ids (RFC 8050 subtypes).
    pub add_path: bool,
    /// True for messages the collector sent (BGP4MP *_LOCAL).
    pub sent: bool,
    /// Path attributes (RIB entries and announcements).
    pub attrs: Option<&'r Attributes<'a>>,
    /// Next hop for this route's family: the MP_REACH next hop for MP
    /// routes and RIB entries that carry one, else NEXT_HOP.
    pub next_hop: Option<IpAddr>,
    /// When the route was received (table dumps).
    pub originated: Option<u32>,
}

/// Problems met while visiting a record: entries before a problem are
/// still delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Visit {
    /// Entries delivered.
    pub entries: u32,
    /// Routes of address families kept opaque (MP_REACH/MP_UNREACH or
    /// RIB_GENERIC of other than IPv4/IPv6 unicast and multicast): counted,
    /// not delivered.
    pub opaque: u32,
    /// The first problem, if any.
    pub error: Option<WireError>,
}

/// Delivers the entries of `raw` to `f` in record order. A
/// PEER_INDEX_TABLE replaces `peers`. Entries before a decoding problem
/// are delivered; the problem is returned in [`Visit::error`].
pub fn visit<F>(raw: &RawRecord<'_>, peers: &mut PeerTable, mut f: F) -> Visit
where
    F: FnMut(&Entry<'_, '_>),
{
    let mut visit = Visit {
        entries: 0,
        opaque: 0,
        error: None,
    };
    let mut emit = |e: &Entry<'_, '_>| {
        visit.entries += 1;
        f(e);
    };
    let result = match raw.decode() {
        Ok(record) => visit_record(raw, &record, peers, &mut visit.opaque, &mut emit),
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        visit.error = Some(e);
    }
    visit
}

fn source_of(raw: &RawRecord<'_>) -> Source {
    match raw.header.mrt_type {
        mrt_type::TABLE_DUMP => Source::TableDump,
        mrt_type::TABLE_DUMP_V2 => Source::TableDumpV2,
        mrt_type::BGP4MP_ET => Source::Bgp4mpEt,
        mrt_type::BGP => Source::LegacyBgp,
        _ => Source::Bgp4mp,
    }
}

fn visit_record<F>(
    raw: &RawRecord<'_>,
    record: &Record<'_>,
    peers: &mut PeerTable,
    opaque: &mut u32,
    emit: &mut F,
) -> Result<()>
where
    F: FnMut(&Entry<'_, '_>),
{
    let base = Entry {
        source: source_of(raw),
        timestamp: raw.header.timestamp,
        microseconds: raw.header.is_extended().then_some(raw.microseconds),
        kind: EntryKind::Rib,
        peer_ip: None,
        peer_asn: 0,
        prefix: None,
        path_id: None,
        add_path: false,
        sent: false,
        attrs: None,
        next_hop: None,
        originated: None,
    };
    match record {
        Record::PeerIndexTable(table) => {
            *peers = PeerTable::from_record(table)?;
            Ok(())
        }
        Record::TableDump(table) => {
            let mut first_error = None;
            for td in table.entries() {
                let td = td?;
                let attrs = td.attributes();
                emit(&Entry {
                    peer_ip: Some(td.peer_ip),
                    peer_asn: td.peer_asn,
                    prefix: Some(td.prefix),
                    next_hop: rib_next_hop(&attrs),
                    attrs: Some(&attrs),
                    originated: Some(td.originated),
                    ..base
                });
                first_error = first_error.or(attrs.error);
            }
            first_error.map_or(Ok(()), Err)
        }
        Record::Rib(rib) => {
            let mut first_error = None;
            for entry in rib.entries() {
                let entry = entry?;
                let peer = peers.get(entry.peer_index).copied().ok_or_else(|| {
                    let kind = if peers.peers.is_empty() {
                        ErrorKind::MissingPeerIndexTable
                    } else {
                        ErrorKind::UnknownPeerIndex(entry.peer_index)
                    };
                    WireError::new(kind, entry.offset)
                })?;
                let attrs = entry.attributes();
                if let (None, Some(e)) = (first_error, attrs.error) {
                    first_error = Some(e);
                }
                if let RibFamily::Other { .. } = rib.family {
                    *opaque += 1;
                } else {
                    emit(&Entry {
                        peer_ip: Some(peer.addr),
                        peer_asn: peer.asn,
                        prefix: rib.prefix,
                        path_id: entry.path_id,
                        add_path: rib.add_path,
                        next_hop: rib_next_hop(&attrs),
                        attrs: Some(&attrs),
                        originated: Some(entry.originated),
                        ..base
                    });
                }
            }
            first_error.map_or(Ok(()), Err)
        }
        Record::StateChange(sc) => {
            emit(&Entry {
                kind: EntryKind::State {
                    old: sc.old_state,
                    new: sc.new_state,
                },
                peer_ip: sc.peer_ip,
                peer_asn: sc.peer_asn,
                ..base
            });
            Ok(())
        }
        Record::Message(msg) => {
            let Message::Update(update) = msg.message()? else {
                return Ok(());
            };
            let entry = Entry {
                peer_ip: Some(msg.peer_ip),
                peer_asn: msg.peer_asn,
                add_path: msg.add_path,
                sent: msg.sent,
                ..base
            };
            let attrs = update.attributes(msg.attr_context());
            changes::walk(&update, &attrs, msg.add_path, opaque, |change| {
                emit(&match change {
                    Change::EndOfRib { afi, safi } => Entry {
                        kind: EntryKind::EndOfRib { afi, safi },
                        ..entry
                    },
                    Change::Withdraw(nlri) => Entry {
                        kind: EntryKind::Withdraw,
                        prefix: Some(nlri.prefix),
                        path_id: nlri.path_id,
                        ..entry
                    },
                    Change::Announce(nlri, next_hop) => Entry {
                        kind: EntryKind::Announce,
                        prefix: Some(nlri.prefix),
                        path_id: nlri.path_id,
                        attrs: Some(&attrs),
                        next_hop,
                        ..entry
                    },
                });
            })?;
            // A message cut short by its record loses the routes that were
            // in the missing bytes: say so even when the cut fell between
            // two routes.
            msg.cut_short()
        }
        Record::Other => Ok(()),
    }
}

/// Next hop of a table-dump route: MP_REACH's when present (IPv6 routes,
/// and IPv4 routes from collectors that store it), else NEXT_HOP.
fn rib_next_hop(attrs: &Attributes<'_>) -> Option<IpAddr> {
    attrs
        .mp_reach
        .and_then(|m| m.next_hop_addr())
        .or(attrs.next_hop.map(IpAddr::V4))
}
