//! Encoding of BMP messages (RFC 7854, 8671, 9069): the mirror image of
//! [`crate::bmp`], for its tests, the live-feed tests and load generators
//! that play a router. Like the rest of [`crate::encode`] it appends to a
//! caller's buffer, leaves it as it was on error, and writes what it is
//! told (build the BGP messages inside with [`super::open`] and
//! [`super::update`]).

use std::net::IpAddr;

use super::{count, notification, patch, placeholder, undo_on_error, written_since, EncodeError};
use crate::bmp::{
    msg_type, peer_flag, PeerDownReason, PeerHeader, PeerType, Stat, StatValue, Tlv,
    MAX_MESSAGE_LEN, VERSION,
};

/// Appends a BMP message: common header with the length patched after
/// `body` has written the rest.
fn message(
    out: &mut Vec<u8>,
    msg_type: u8,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    undo_on_error(out, |out| {
        let start = out.len();
        out.push(VERSION);
        let len_at = placeholder(out, 4);
        out.push(msg_type);
        body(out)?;
        let len = out.len().saturating_sub(start);
        // The decoder refuses longer messages: never write one.
        if len > MAX_MESSAGE_LEN {
            return Err(EncodeError::TooLong {
                field: "BMP message",
                len,
                max: MAX_MESSAGE_LEN,
            });
        }
        patch(out, len_at, 4, len, "BMP message")
    })
}

/// Appends a 16-byte address field: IPv6, or IPv4 after 12 zero bytes.
fn address(out: &mut Vec<u8>, addr: IpAddr) {
    match addr {
        IpAddr::V4(a) => {
            out.extend_from_slice(&[0; 12]);
            out.extend_from_slice(&a.octets());
        }
        IpAddr::V6(a) => out.extend_from_slice(&a.octets()),
    }
}

/// Fails unless `addr` is of the family the header's V flag names (peer
/// types other than Loc-RIB, whose address is zero-filled).
fn check_family(peer: &PeerHeader, addr: IpAddr) -> Result<(), EncodeError> {
    let v6 = peer.flags & peer_flag::IPV6 != 0;
    if peer.peer_type != PeerType::LocRib && addr.is_ipv6() != v6 {
        return Err(EncodeError::WrongFamily);
    }
    Ok(())
}

/// Appends a per-peer header (RFC 7854 §4.2). The flags are written as
/// given; the address must be of the family the V flag names.
fn peer_header(out: &mut Vec<u8>, peer: &PeerHeader) -> Result<(), EncodeError> {
    check_family(peer, peer.addr)?;
    out.push(peer.peer_type.code());
    out.push(peer.flags);
    out.extend_from_slice(&peer.distinguisher.to_be_bytes());
    address(out, peer.addr);
    out.extend_from_slice(&peer.asn.to_be_bytes());
    out.extend_from_slice(&peer.bgp_id.octets());
    out.extend_from_slice(&peer.seconds.to_be_bytes());
    out.extend_from_slice(&peer.microseconds.to_be_bytes());
    Ok(())
}

/// Appends TLVs (2-byte type, 2-byte length, value): information,
/// statistics and mirroring TLVs all take this form.
pub fn tlvs(out: &mut Vec<u8>, items: &[Tlv<'_>]) -> Result<(), EncodeError> {
    undo_on_error(out, |out| {
        for tlv in items {
            out.extend_from_slice(&tlv.tlv_type.to_be_bytes());
            let len = count(tlv.value.len(), "TLV", u16::MAX)?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(tlv.value);
        }
        Ok(())
    })
}

/// Appends an Initiation message (RFC 7854 §4.3); a router sends at least
/// sysDescr and sysName ([`crate::bmp::info_tlv`]).
pub fn initiation(out: &mut Vec<u8>, information: &[Tlv<'_>]) -> Result<(), EncodeError> {
    message(out, msg_type::INITIATION, |out| tlvs(out, information))
}

/// Appends a Termination message (RFC 7854 §4.5).
pub fn termination(out: &mut Vec<u8>, information: &[Tlv<'_>]) -> Result<(), EncodeError> {
    message(out, msg_type::TERMINATION, |out| tlvs(out, information))
}

/// The fields of a Peer Up Notification (RFC 7854 §4.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerUp<'a> {
    /// The session.
    pub peer: PeerHeader,
    /// The router's address, of the family the V flag names.
    pub local_addr: IpAddr,
    /// The router's TCP port.
    pub local_port: u16,
    /// The peer's TCP port.
    pub remote_port: u16,
    /// The whole OPEN message the router sent ([`super::open`]).
    pub sent_open: &'a [u8],
    /// The whole OPEN message the peer sent.
    pub received_open: &'a [u8],
    /// Information TLVs.
    pub information: &'a [Tlv<'a>],
}

/// Appends a Peer Up Notification.
pub fn peer_up(out: &mut Vec<u8>, up: &PeerUp<'_>) -> Result<(), EncodeError> {
    message(out, msg_type::PEER_UP, |out| {
        peer_header(out, &up.peer)?;
        check_family(&up.peer, up.local_addr)?;
        address(out, up.local_addr);
        out.extend_from_slice(&up.local_port.to_be_bytes());
        out.extend_from_slice(&up.remote_port.to_be_bytes());
        out.extend_from_slice(up.sent_open);
        out.extend_from_slice(up.received_open);
        tlvs(out, up.information)
    })
}

/// Appends a Peer Down Notification (RFC 7854 §4.9) with `reason`'s code
/// and data.
pub fn peer_down(
    out: &mut Vec<u8>,
    peer: &PeerHeader,
    reason: &PeerDownReason<'_>,
) -> Result<(), EncodeError> {
    message(out, msg_type::PEER_DOWN, |out| {
        peer_header(out, peer)?;
        out.push(reason.code());
        match *reason {
            PeerDownReason::LocalNotification(n) | PeerDownReason::RemoteNotification(n) => {
                notification(out, n.code, n.subcode, n.data)?;
            }
            PeerDownReason::LocalNoNotification(event) => {
                out.extend_from_slice(&event.to_be_bytes());
            }
            PeerDownReason::RemoteNoData | PeerDownReason::Deconfigured => {}
            PeerDownReason::LocalTlvs(t) => out.extend_from_slice(t.bytes()),
            PeerDownReason::Other { data, .. } => out.extend_from_slice(data),
        }
        Ok(())
    })
}

/// Appends a Route Monitoring message (RFC 7854 §4.6) holding `update`, a
/// whole BGP UPDATE message ([`super::update`]) with AS numbers of the
/// width the A flag names.
pub fn route_monitoring(
    out: &mut Vec<u8>,
    peer: &PeerHeader,
    update: &[u8],
) -> Result<(), EncodeError> {
    message(out, msg_type::ROUTE_MONITORING, |out| {
        peer_header(out, peer)?;
        out.extend_from_slice(update);
        Ok(())
    })
}

/// Appends a Statistics Report (RFC 7854 §4.8): the count, then each
/// statistic with a value as long as its kind.
pub fn statistics_report(
    out: &mut Vec<u8>,
    peer: &PeerHeader,
    stats: &[Stat<'_>],
) -> Result<(), EncodeError> {
    message(out, msg_type::STATISTICS_REPORT, |out| {
        peer_header(out, peer)?;
        // More statistics than a u32 counts would not fit a message
        // anyway: `message` refuses it.
        let n = u32::try_from(stats.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&n.to_be_bytes());
        for stat in stats {
            out.extend_from_slice(&stat.stat_type.to_be_bytes());
            let at = placeholder(out, 2);
            match stat.value {
                StatValue::Counter(c) => out.extend_from_slice(&c.to_be_bytes()),
                StatValue::Gauge(g) => out.extend_from_slice(&g.to_be_bytes()),
                StatValue::FamilyGauge { afi, safi, value } => {
                    out.extend_from_slice(&afi.to_be_bytes());
                    out.push(safi);
                    out.extend_from_slice(&value.to_be_bytes());
                }
                StatValue::Other(bytes) => out.extend_from_slice(bytes),
            }
            let len = written_since(out, at, 2);
            patch(out, at, 2, len, "statistic")?;
        }
        Ok(())
    })
}

/// Appends a Route Mirroring message (RFC 7854 §4.7) holding `information`
/// (type 0 a whole BGP message, type 1 a 2-byte information code).
pub fn route_mirroring(
    out: &mut Vec<u8>,
    peer: &PeerHeader,
    information: &[Tlv<'_>],
) -> Result<(), EncodeError> {
    message(out, msg_type::ROUTE_MIRRORING, |out| {
        peer_header(out, peer)?;
        tlvs(out, information)
    })
}
