//! Peer Up and Peer Down (RFC 7854 §4.9-4.10, RFC 9069 §5.2-5.3): a
//! monitored session reaching and leaving Established. Peer Up carries the
//! two OPENs the BMP reader keeps the session's ADD-PATH state from; Peer
//! Down is an implicit withdraw of every route of the session.

use std::net::IpAddr;

use super::{no_trailing, peer, peer_down_reason, read_bgp, AddPath, PeerHeader, Tlvs};
use crate::bgp::{self, Notification, Open};
use crate::error::Result;
use crate::reader::Reader;

/// Peer Up Notification (RFC 7854 §4.10; RFC 9069 §5.2 for Loc-RIB):
/// a session reached Established, with both OPEN messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerUp<'a> {
    /// The session.
    pub peer: PeerHeader,
    /// The router's address of the session (zero for Loc-RIB).
    pub local_addr: IpAddr,
    /// The router's TCP port.
    pub local_port: u16,
    /// The peer's TCP port.
    pub remote_port: u16,
    /// The OPEN the router sent.
    pub sent_open: Open<'a>,
    /// The OPEN the router received from the peer.
    pub received_open: Open<'a>,
    /// Information TLVs (see [`info_tlv`](super::info_tlv)).
    pub information: Tlvs<'a>,
}

impl<'a> PeerUp<'a> {
    pub(super) fn read(r: &mut Reader<'a>) -> Result<PeerUp<'a>> {
        let peer = PeerHeader::read(r)?;
        let open = |m| match m {
            bgp::Message::Open(o) => Some(o),
            _ => None,
        };
        Ok(PeerUp {
            local_addr: peer::read_addr(r, peer.addr.is_ipv6())?,
            local_port: r.u16()?,
            remote_port: r.u16()?,
            sent_open: read_bgp(r, bgp::msg_type::OPEN, open)?,
            received_open: read_bgp(r, bgp::msg_type::OPEN, open)?,
            information: Tlvs::read(r, None)?,
            peer,
        })
    }

    /// The ADD-PATH state the two OPENs negotiated: keep it under
    /// [`PeerHeader::session`] and pass it to
    /// [`route_events`](super::route_events) for this session's Route
    /// Monitoring messages.
    pub fn add_path(&self) -> AddPath {
        AddPath::negotiated(&self.sent_open, &self.received_open, &self.peer)
    }

    /// True when both sides advertised 4-octet AS numbers (RFC 6793): the
    /// session's own UPDATEs carry 4-byte AS_PATHs. (What a Route
    /// Monitoring message carries is what its A flag says.)
    pub fn four_octet_as(&self) -> bool {
        self.sent_open.four_octet_asn().is_some() && self.received_open.four_octet_asn().is_some()
    }
}

/// Peer Down Notification (RFC 7854 §4.9): the session left Established,
/// an implicit withdraw of all its routes. The reason's data is decoded on
/// demand ([`PeerDown::reason`]), so a malformed one never hides that the
/// session went down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerDown<'a> {
    /// The session.
    pub peer: PeerHeader,
    /// Reason code (see [`peer_down_reason`](super::peer_down_reason)).
    pub reason_code: u8,
    data: Reader<'a>,
}

/// Why a session went down, with its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerDownReason<'a> {
    /// 1: the router closed the session with this NOTIFICATION.
    LocalNotification(Notification<'a>),
    /// 2: the router closed the session without a NOTIFICATION, on this
    /// FSM event (RFC 4271 §8.1).
    LocalNoNotification(u16),
    /// 3: the peer closed the session with this NOTIFICATION.
    RemoteNotification(Notification<'a>),
    /// 4: the peer closed the session without a NOTIFICATION.
    RemoteNoData,
    /// 5: the peer was de-configured.
    Deconfigured,
    /// 6: the router closed a Loc-RIB session; information TLVs follow
    /// (RFC 9069 §5.3).
    LocalTlvs(Tlvs<'a>),
    /// A reason code this crate does not know, with its data as found.
    Other {
        /// Reason code.
        code: u8,
        /// Data.
        data: &'a [u8],
    },
}

impl<'a> PeerDown<'a> {
    pub(super) fn read(r: &mut Reader<'a>) -> Result<PeerDown<'a>> {
        Ok(PeerDown {
            peer: PeerHeader::read(r)?,
            reason_code: r.u8()?,
            data: r.sub(r.remaining())?,
        })
    }

    /// The data after the reason code, as found.
    pub fn data(&self) -> &'a [u8] {
        self.data.rest()
    }

    /// The reason and its data, decoded.
    pub fn reason(&self) -> Result<PeerDownReason<'a>> {
        use peer_down_reason::*;
        let mut r = self.data;
        let notification = |r: &mut Reader<'a>| {
            read_bgp(r, bgp::msg_type::NOTIFICATION, |m| match m {
                bgp::Message::Notification(n) => Some(n),
                _ => None,
            })
        };
        let reason = match self.reason_code {
            LOCAL_NOTIFICATION => PeerDownReason::LocalNotification(notification(&mut r)?),
            LOCAL_NO_NOTIFICATION => PeerDownReason::LocalNoNotification(r.u16()?),
            REMOTE_NOTIFICATION => PeerDownReason::RemoteNotification(notification(&mut r)?),
            REMOTE_NO_DATA => PeerDownReason::RemoteNoData,
            DECONFIGURED => PeerDownReason::Deconfigured,
            LOCAL_TLVS => PeerDownReason::LocalTlvs(Tlvs::read(&mut r, None)?),
            code => PeerDownReason::Other {
                code,
                data: r.take_rest(),
            },
        };
        no_trailing(&r)?;
        Ok(reason)
    }
}

impl PeerDownReason<'_> {
    /// The reason code.
    pub fn code(&self) -> u8 {
        use peer_down_reason::*;
        match *self {
            PeerDownReason::LocalNotification(_) => LOCAL_NOTIFICATION,
            PeerDownReason::LocalNoNotification(_) => LOCAL_NO_NOTIFICATION,
            PeerDownReason::RemoteNotification(_) => REMOTE_NOTIFICATION,
            PeerDownReason::RemoteNoData => REMOTE_NO_DATA,
            PeerDownReason::Deconfigured => DECONFIGURED,
            PeerDownReason::LocalTlvs(_) => LOCAL_TLVS,
            PeerDownReason::Other { code, .. } => code,
        }
    }
}
