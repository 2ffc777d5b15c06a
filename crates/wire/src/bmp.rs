//! BMP, the BGP Monitoring Protocol (RFC 7854; Adj-RIB-Out from RFC 8671,
//! Loc-RIB from RFC 9069): the live edge of the pipeline, where a router
//! streams its peers' sessions and routes over TCP.
//!
//! This module frames a byte stream ([`message_len`]), decodes one message
//! at a time from a borrowed buffer ([`Message::decode`]) and turns
//! messages into the [`RouteEvent`](crate::event::RouteEvent)s every source
//! produces ([`route_events`]). Like the MRT decoder it does no I/O,
//! allocates nothing and never panics. The BMP listener owns the socket
//! and the one piece of per-session state decoding needs: the [`AddPath`]
//! each Peer Up negotiated, kept under the peer's [`SessionKey`].
//!
//! The BGP messages inside (OPEN, UPDATE, NOTIFICATION) are decoded by
//! [`crate::bgp`] and [`crate::attr`], with the AS number width the
//! per-peer header's A flag gives.

mod events;
mod peer;
mod session;
mod tlv;

pub use events::route_events;
pub use peer::{peer_flag, AddPath, PeerHeader, PeerType, RibView, SessionKey};
pub use session::{PeerDown, PeerDownReason, PeerUp};
pub use tlv::{
    Initiation, RouteMirroring, Stat, StatValue, StatisticsReport, Termination, Tlv, TlvIter, Tlvs,
};

use crate::bgp::{self, Update};
use crate::error::{ErrorKind, Result, WireError};
use crate::reader::Reader;

/// The BMP version this crate reads (RFC 7854 §4.1).
pub const VERSION: u8 = 3;
/// Length of the common header: version, message length, message type.
pub const COMMON_HEADER_LEN: usize = 6;
/// Length of the per-peer header (RFC 7854 §4.2).
pub const PER_PEER_HEADER_LEN: usize = 42;
/// Longest BMP message accepted. RFC 7854 sets no limit, but the largest
/// message holds one BGP message of at most 65535 bytes (RFC 8654) or a
/// few TLVs: 1 MiB leaves room for any real message and catches a stream
/// out of step before it asks for gigabytes.
pub const MAX_MESSAGE_LEN: usize = 1 << 20;

/// BMP message types (RFC 7854 §4.1).
pub mod msg_type {
    /// Route Monitoring: a per-peer header and one BGP UPDATE.
    pub const ROUTE_MONITORING: u8 = 0;
    /// Statistics Report.
    pub const STATISTICS_REPORT: u8 = 1;
    /// Peer Down Notification.
    pub const PEER_DOWN: u8 = 2;
    /// Peer Up Notification.
    pub const PEER_UP: u8 = 3;
    /// Initiation: the first message of a connection.
    pub const INITIATION: u8 = 4;
    /// Termination: the last message of a connection.
    pub const TERMINATION: u8 = 5;
    /// Route Mirroring.
    pub const ROUTE_MIRRORING: u8 = 6;
}

/// Information TLV types of Initiation (RFC 7854 §4.4) and of Peer Up and
/// Peer Down (RFC 7854 §4.10, RFC 9069 §5.2.1).
pub mod info_tlv {
    /// A free-form UTF-8 string.
    pub const STRING: u16 = 0;
    /// sysDescr (Initiation).
    pub const SYS_DESCR: u16 = 1;
    /// sysName (Initiation).
    pub const SYS_NAME: u16 = 2;
    /// VRF or table name (Peer Up, Peer Down reason 6; RFC 9069).
    pub const VRF_TABLE_NAME: u16 = 3;
}

/// Termination TLV types (RFC 7854 §4.5).
pub mod termination_tlv {
    /// A free-form UTF-8 string.
    pub const STRING: u16 = 0;
    /// Reason: 2 bytes, 0 closed by administrator, 1 unspecified, 2 out of
    /// resources, 3 redundant connection, 4 permanently closed.
    pub const REASON: u16 = 1;
}

/// Peer Down reason codes (RFC 7854 §4.9, RFC 9069 §5.3).
pub mod peer_down_reason {
    /// The router closed the session and sent this NOTIFICATION.
    pub const LOCAL_NOTIFICATION: u8 = 1;
    /// The router closed the session without a NOTIFICATION; an FSM event
    /// code follows.
    pub const LOCAL_NO_NOTIFICATION: u8 = 2;
    /// The peer closed the session with this NOTIFICATION.
    pub const REMOTE_NOTIFICATION: u8 = 3;
    /// The peer closed the session without a NOTIFICATION.
    pub const REMOTE_NO_DATA: u8 = 4;
    /// The peer was de-configured; no data.
    pub const DECONFIGURED: u8 = 5;
    /// The router closed the session; information TLVs follow (Loc-RIB).
    pub const LOCAL_TLVS: u8 = 6;
}

/// The common header (RFC 7854 §4.1), version checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommonHeader {
    /// Length of the whole message, this header included.
    pub length: u32,
    /// Message type (see [`msg_type`]).
    pub msg_type: u8,
}

impl CommonHeader {
    /// Reads the six header bytes, failing on a version other than 3 or a
    /// length outside 6 to [`MAX_MESSAGE_LEN`] as soon as the byte that
    /// shows it has been read.
    pub fn read(r: &mut Reader<'_>) -> Result<CommonHeader> {
        let at = r.offset();
        let version = r.u8()?;
        if version != VERSION {
            return Err(WireError::new(ErrorKind::BadBmpVersion(version), at));
        }
        let length = r.u32()?;
        let len = usize::try_from(length).unwrap_or(usize::MAX);
        if !(COMMON_HEADER_LEN..=MAX_MESSAGE_LEN).contains(&len) {
            return Err(WireError::new(ErrorKind::BadBmpLength(length), at + 1));
        }
        let msg_type = r.u8()?;
        Ok(CommonHeader { length, msg_type })
    }

    /// Length of the whole message in bytes.
    pub fn total_len(&self) -> usize {
        usize::try_from(self.length).unwrap_or(usize::MAX)
    }

    /// Bytes after the common header.
    pub fn body_len(&self) -> usize {
        self.total_len().saturating_sub(COMMON_HEADER_LEN)
    }
}

/// Frames a BMP byte stream: the length of the message `buf` starts with,
/// once its common header is complete (`Ok(None)` before), so a reader
/// knows how many bytes to wait for. Messages of unknown types are framed
/// too, so they can be skipped. An error (a version other than 3, a length
/// out of range) means the stream cannot be read further: close it.
pub fn message_len(buf: &[u8]) -> Result<Option<usize>> {
    match CommonHeader::read(&mut Reader::new(buf)) {
        Ok(header) => Ok(Some(header.total_len())),
        Err(WireError {
            kind: ErrorKind::Truncated { .. },
            ..
        }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A decoded BMP message, borrowing the buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// Route Monitoring (type 0).
    RouteMonitoring(RouteMonitoring<'a>),
    /// Statistics Report (type 1).
    StatisticsReport(StatisticsReport<'a>),
    /// Peer Down Notification (type 2).
    PeerDown(PeerDown<'a>),
    /// Peer Up Notification (type 3).
    PeerUp(PeerUp<'a>),
    /// Initiation (type 4).
    Initiation(Initiation<'a>),
    /// Termination (type 5).
    Termination(Termination<'a>),
    /// Route Mirroring (type 6).
    RouteMirroring(RouteMirroring<'a>),
}

impl<'a> Message<'a> {
    /// Decodes the message `buf` starts with; `buf` must hold all of it
    /// (see [`message_len`]), and bytes after it are not read. Error
    /// offsets count from the start of `buf`. An unknown message type is
    /// an [`ErrorKind::UnsupportedBmpType`] error: skip the message.
    pub fn decode(buf: &'a [u8]) -> Result<Message<'a>> {
        let mut r = Reader::new(buf);
        let header = CommonHeader::read(&mut r)?;
        let mut body = r.sub(header.body_len())?;
        let r = &mut body;
        let message = match header.msg_type {
            msg_type::ROUTE_MONITORING => Message::RouteMonitoring(RouteMonitoring {
                peer: PeerHeader::read(r)?,
                update: read_bgp(r, bgp::msg_type::UPDATE, |m| match m {
                    bgp::Message::Update(u) => Some(u),
                    _ => None,
                })?,
            }),
            msg_type::STATISTICS_REPORT => {
                let peer = PeerHeader::read(r)?;
                let count = r.u32()?;
                Message::StatisticsReport(StatisticsReport {
                    peer,
                    stats: Tlvs::read(r, Some(count))?,
                })
            }
            msg_type::PEER_DOWN => Message::PeerDown(PeerDown::read(r)?),
            msg_type::PEER_UP => Message::PeerUp(PeerUp::read(r)?),
            msg_type::INITIATION => Message::Initiation(Initiation {
                information: Tlvs::read(r, None)?,
            }),
            msg_type::TERMINATION => Message::Termination(Termination {
                information: Tlvs::read(r, None)?,
            }),
            msg_type::ROUTE_MIRRORING => Message::RouteMirroring(RouteMirroring {
                peer: PeerHeader::read(r)?,
                information: Tlvs::read(r, None)?,
            }),
            other => {
                return Err(WireError::new(
                    ErrorKind::UnsupportedBmpType(other),
                    COMMON_HEADER_LEN - 1,
                ))
            }
        };
        no_trailing(r)?;
        Ok(message)
    }

    /// The message type code.
    pub fn msg_type(&self) -> u8 {
        match self {
            Message::RouteMonitoring(_) => msg_type::ROUTE_MONITORING,
            Message::StatisticsReport(_) => msg_type::STATISTICS_REPORT,
            Message::PeerDown(_) => msg_type::PEER_DOWN,
            Message::PeerUp(_) => msg_type::PEER_UP,
            Message::Initiation(_) => msg_type::INITIATION,
            Message::Termination(_) => msg_type::TERMINATION,
            Message::RouteMirroring(_) => msg_type::ROUTE_MIRRORING,
        }
    }

    /// The per-peer header: every message but Initiation and Termination
    /// has one.
    pub fn peer(&self) -> Option<&PeerHeader> {
        match self {
            Message::RouteMonitoring(m) => Some(&m.peer),
            Message::StatisticsReport(m) => Some(&m.peer),
            Message::PeerDown(m) => Some(&m.peer),
            Message::PeerUp(m) => Some(&m.peer),
            Message::RouteMirroring(m) => Some(&m.peer),
            Message::Initiation(_) | Message::Termination(_) => None,
        }
    }
}

/// Reads one whole BGP message that must be of type `expected`; `pick`
/// takes it out of [`bgp::Message`].
fn read_bgp<'a, T>(
    r: &mut Reader<'a>,
    expected: u8,
    pick: impl FnOnce(bgp::Message<'a>) -> Option<T>,
) -> Result<T> {
    let type_at = r.offset() + bgp::HEADER_LEN - 1;
    let found = r.rest().get(bgp::HEADER_LEN - 1).copied().unwrap_or(0);
    let message = bgp::Message::read(r)?;
    pick(message)
        .ok_or_else(|| WireError::new(ErrorKind::UnexpectedBgpMessage { expected, found }, type_at))
}

/// Fails with [`ErrorKind::TrailingBytes`] when `r` has bytes left: a
/// length field that claims more than its parts hold.
fn no_trailing(r: &Reader<'_>) -> Result<()> {
    match r.remaining() {
        0 => Ok(()),
        n => Err(r.error(ErrorKind::TrailingBytes(
            u32::try_from(n).unwrap_or(u32::MAX),
        ))),
    }
}

/// Route Monitoring (RFC 7854 §4.6): one BGP UPDATE of one RIB of one
/// session, as the per-peer header says. See [`route_events`] for its
/// routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteMonitoring<'a> {
    /// Whose routes, from which RIB.
    pub peer: PeerHeader,
    /// The UPDATE, split; its NLRI and attributes are decoded on demand
    /// ([`RouteMonitoring::attributes`], [`route_events`]).
    pub update: Update<'a>,
}
