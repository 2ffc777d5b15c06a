//! Route events: the one type between the sources (MRT archives, and
//! later BMP, BGP sessions, RIS Live) and the routing state. Every source
//! turns what it reads into these, in event time, and the deterministic
//! core (rib, signal, detect) consumes nothing else.
//!
//! An event borrows the decoded attributes of the record it came from, so
//! turning a record into events allocates nothing; a consumer that keeps
//! anything (the rib interns paths) copies what it needs.

use std::net::IpAddr;

use crate::attr::Attributes;
use crate::entry::{Entry, EntryKind};
use crate::mrt::STATE_ESTABLISHED;
use crate::prefix::Prefix;

/// Event time: microseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// A time in whole seconds.
    pub fn from_secs(seconds: u32) -> Timestamp {
        Timestamp(u64::from(seconds) * 1_000_000)
    }

    /// A time in seconds and microseconds.
    pub fn from_parts(seconds: u32, microseconds: u32) -> Timestamp {
        Timestamp(u64::from(seconds) * 1_000_000 + u64::from(microseconds.min(999_999)))
    }

    /// Whole seconds since the epoch.
    pub fn secs(self) -> u64 {
        self.0 / 1_000_000
    }
}

/// Which peer of which collector: peers of different collectors are
/// different vantage points even when they share an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerKey {
    /// Index of the collector in the source's collector list.
    pub collector: u16,
    /// Peer address.
    pub addr: IpAddr,
    /// Peer AS.
    pub asn: u32,
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The peer has a route to the prefix (from an UPDATE or a table dump).
    Announce,
    /// The peer no longer has a route to the prefix.
    Withdraw,
    /// The peer's session reached Established.
    PeerUp,
    /// The peer's session left Established: an implicit withdraw of all its
    /// routes, and never by itself an outage of anything but that peer.
    PeerDown,
    /// The peer finished sending (or a table dump finished listing) its
    /// routes of one family: routes it had before and did not repeat are
    /// gone.
    EndOfRib,
}

/// One route event.
#[derive(Clone, Copy, Debug)]
pub struct RouteEvent<'r, 'a> {
    /// When it happened (record time).
    pub time: Timestamp,
    /// Whose view it is.
    pub peer: PeerKey,
    /// What happened.
    pub kind: EventKind,
    /// The prefix (announce and withdraw).
    pub prefix: Option<Prefix>,
    /// ADD-PATH path id (RFC 7911, RFC 8050).
    pub path_id: Option<u32>,
    /// The route's attributes (announce).
    pub attrs: Option<&'r Attributes<'a>>,
    /// The route's next hop (announce).
    pub next_hop: Option<IpAddr>,
    /// True for routes from a table dump (the initial state), false for
    /// live updates.
    pub from_table: bool,
}

impl RouteEvent<'static, 'static> {
    /// An event of `kind` about `peer` at `time` and nothing else: a
    /// session's (peer up, peer down, End-of-RIB), or the base a route's
    /// event fills in.
    pub fn session(peer: PeerKey, kind: EventKind, time: Timestamp) -> Self {
        RouteEvent {
            time,
            peer,
            kind,
            prefix: None,
            path_id: None,
            attrs: None,
            next_hop: None,
            from_table: false,
        }
    }
}

impl<'r, 'a> RouteEvent<'r, 'a> {
    /// The event an MRT entry means, if any: state changes other than
    /// reaching or leaving Established mean nothing to the routing state,
    /// and messages the collector sent are not the peer's view.
    pub fn from_entry(entry: &Entry<'r, 'a>, collector: u16) -> Option<RouteEvent<'r, 'a>> {
        if entry.sent {
            return None;
        }
        let kind = match entry.kind {
            EntryKind::Rib | EntryKind::Announce => EventKind::Announce,
            EntryKind::Withdraw => EventKind::Withdraw,
            EntryKind::EndOfRib { .. } => EventKind::EndOfRib,
            EntryKind::State { old, new } => {
                if new == STATE_ESTABLISHED && old != STATE_ESTABLISHED {
                    EventKind::PeerUp
                } else if old == STATE_ESTABLISHED && new != STATE_ESTABLISHED {
                    EventKind::PeerDown
                } else {
                    return None;
                }
            }
        };
        let time = match entry.microseconds {
            Some(us) => Timestamp::from_parts(entry.timestamp, us),
            None => Timestamp::from_secs(entry.timestamp),
        };
        Some(RouteEvent {
            time,
            peer: PeerKey {
                collector,
                addr: entry.peer_ip?,
                asn: entry.peer_asn,
            },
            kind,
            prefix: entry.prefix,
            path_id: entry.path_id,
            attrs: entry.attrs,
            next_hop: entry.next_hop,
            from_table: entry.kind == EntryKind::Rib,
        })
    }
}
