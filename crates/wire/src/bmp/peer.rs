//! The BMP per-peer header (RFC 7854 §4.2, RFC 8671 §4, RFC 9069 §4):
//! which monitored session a message speaks of, which of its RIBs, and how
//! its BGP messages are encoded. With the session's OPENs it also gives
//! the ADD-PATH state ([`AddPath`]) a BMP reader keeps per session.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::bgp::Open;
use crate::error::Result;
use crate::event::Timestamp;
use crate::reader::{AsnWidth, Reader};

/// Per-peer header flags. Peer types 0 to 2 have V, L, A and O
/// (RFC 7854 §4.2, RFC 8671 §4); the Loc-RIB type has only F, in V's place
/// (RFC 9069 §4.2).
pub mod peer_flag {
    /// V: the peer address is IPv6.
    pub const IPV6: u8 = 0x80;
    /// L: the routes are post-policy.
    pub const POST_POLICY: u8 = 0x40;
    /// A: AS_PATH holds 2-byte AS numbers (the peer is not 4-octet capable
    /// and the router passes its AS_PATH on as received).
    pub const TWO_BYTE_AS: u8 = 0x20;
    /// O: the routes are the Adj-RIB-Out, sent to the peer.
    pub const ADJ_RIB_OUT: u8 = 0x10;
    /// F (Loc-RIB only): the Loc-RIB sent is filtered.
    pub const FILTERED: u8 = 0x80;
}

/// BMP peer types (IANA "BMP Peer Types").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PeerType {
    /// 0: a peer of the global instance.
    Global,
    /// 1: a peer of a VRF, named by its route distinguisher.
    RdInstance,
    /// 2: a peer of another local instance.
    LocalInstance,
    /// 3: the router's own Loc-RIB (RFC 9069).
    LocRib,
    /// A type this crate does not know; its flags are read as types 0-2's.
    Other(u8),
}

impl PeerType {
    /// The type for a code.
    pub fn from_code(code: u8) -> PeerType {
        match code {
            0 => PeerType::Global,
            1 => PeerType::RdInstance,
            2 => PeerType::LocalInstance,
            3 => PeerType::LocRib,
            other => PeerType::Other(other),
        }
    }

    /// The code.
    pub fn code(self) -> u8 {
        match self {
            PeerType::Global => 0,
            PeerType::RdInstance => 1,
            PeerType::LocalInstance => 2,
            PeerType::LocRib => 3,
            PeerType::Other(code) => code,
        }
    }
}

/// Which RIB of a session a message shows. Views of one session share a
/// [`PeerKey`](crate::event::PeerKey): a reader feeds the route table one
/// of them, by default the Adj-RIB-In before policy, the peer's own view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RibView {
    /// What the peer sent, before the router's import policy.
    #[default]
    AdjRibInPre,
    /// What the router kept after its import policy.
    AdjRibInPost,
    /// What the router would send the peer, before its export policy.
    AdjRibOutPre,
    /// What the router sends the peer.
    AdjRibOutPost,
    /// The router's selected routes.
    LocRib,
}

/// The per-peer header (42 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PeerHeader {
    /// Peer type.
    pub peer_type: PeerType,
    /// Flags as found (see [`peer_flag`]).
    pub flags: u8,
    /// Route distinguisher or instance id (0 for the global instance).
    pub distinguisher: u64,
    /// Peer address; IPv4 when the V flag is clear (the last 4 of the 16
    /// bytes), and 0.0.0.0 for Loc-RIB.
    pub addr: IpAddr,
    /// Peer AS (the router's own for Loc-RIB).
    pub asn: u32,
    /// Peer BGP identifier (the instance's for Loc-RIB).
    pub bgp_id: Ipv4Addr,
    /// Seconds since the Unix epoch: when the routes were received, or the
    /// session changed; 0 when unknown.
    pub seconds: u32,
    /// Microseconds.
    pub microseconds: u32,
}

/// Reads a 16-byte address field: IPv6, or IPv4 in its last 4 bytes.
pub(super) fn read_addr(r: &mut Reader<'_>, v6: bool) -> Result<IpAddr> {
    let bytes = r.array::<16>()?;
    Ok(if v6 {
        IpAddr::V6(Ipv6Addr::from(bytes))
    } else {
        let [.., a, b, c, d] = bytes;
        IpAddr::V4(Ipv4Addr::new(a, b, c, d))
    })
}

impl PeerHeader {
    /// Reads the 42 header bytes.
    pub fn read(r: &mut Reader<'_>) -> Result<PeerHeader> {
        let peer_type = PeerType::from_code(r.u8()?);
        let flags = r.u8()?;
        let distinguisher = r.u64()?;
        // Loc-RIB has no V flag: its address is zero-filled.
        let v6 = peer_type != PeerType::LocRib && flags & peer_flag::IPV6 != 0;
        Ok(PeerHeader {
            peer_type,
            flags,
            distinguisher,
            addr: read_addr(r, v6)?,
            asn: r.u32()?,
            bgp_id: Ipv4Addr::from(r.array::<4>()?),
            seconds: r.u32()?,
            microseconds: r.u32()?,
        })
    }

    /// True for the Loc-RIB peer type.
    pub fn is_loc_rib(&self) -> bool {
        self.peer_type == PeerType::LocRib
    }

    /// A flag of peer types other than Loc-RIB.
    fn flag(&self, bit: u8) -> bool {
        !self.is_loc_rib() && self.flags & bit != 0
    }

    /// True for routes after the router's policy (L flag).
    pub fn is_post_policy(&self) -> bool {
        self.flag(peer_flag::POST_POLICY)
    }

    /// True for the routes the router sends the peer (O flag).
    pub fn is_adj_rib_out(&self) -> bool {
        self.flag(peer_flag::ADJ_RIB_OUT)
    }

    /// True for a filtered Loc-RIB (F flag).
    pub fn is_filtered(&self) -> bool {
        self.is_loc_rib() && self.flags & peer_flag::FILTERED != 0
    }

    /// Width of AS numbers in the UPDATEs: two with the A flag, else four
    /// (always four for Loc-RIB, RFC 9069 §5.4.1).
    pub fn asn_width(&self) -> AsnWidth {
        if self.flag(peer_flag::TWO_BYTE_AS) {
            AsnWidth::Two
        } else {
            AsnWidth::Four
        }
    }

    /// Which RIB the message shows.
    pub fn view(&self) -> RibView {
        match (
            self.is_loc_rib(),
            self.is_adj_rib_out(),
            self.is_post_policy(),
        ) {
            (true, _, _) => RibView::LocRib,
            (false, false, false) => RibView::AdjRibInPre,
            (false, false, true) => RibView::AdjRibInPost,
            (false, true, false) => RibView::AdjRibOutPre,
            (false, true, true) => RibView::AdjRibOutPost,
        }
    }

    /// The header's time (zero when the router did not know it).
    pub fn time(&self) -> Timestamp {
        Timestamp::from_parts(self.seconds, self.microseconds)
    }

    /// The session the message belongs to, to keep per-session state
    /// (the [`AddPath`] of its Peer Up) under.
    pub fn session(&self) -> SessionKey {
        SessionKey {
            peer_type: self.peer_type.code(),
            distinguisher: self.distinguisher,
            addr: self.addr,
            // Loc-RIB instances all have address zero: RFC 9069 §6.1.1
            // tells them apart by BGP ID. A peer's BGP ID may change from
            // one session to the next; its address may not.
            bgp_id: if self.is_loc_rib() {
                self.bgp_id
            } else {
                Ipv4Addr::UNSPECIFIED
            },
        }
    }
}

/// Names a monitored session within one BMP connection: peer type,
/// distinguisher and address (RFC 7854 §4.2), and for Loc-RIB the BGP ID.
/// All views of a session (pre- and post-policy, Adj-RIB-In and -Out)
/// share it, as they share its OPENs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey {
    peer_type: u8,
    distinguisher: u64,
    addr: IpAddr,
    bgp_id: Ipv4Addr,
}

/// The address families whose NLRI carry ADD-PATH path ids (RFC 7911) in
/// the Route Monitoring messages of one session, for each direction, as
/// its Peer Up's OPENs negotiated. Only the families whose NLRI this crate
/// decodes (IPv4 and IPv6, unicast and multicast) are tracked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AddPath {
    /// Families of the routes the peer sends (Adj-RIB-In).
    received: u8,
    /// Families of the routes the router sends (Adj-RIB-Out).
    sent: u8,
}

/// ADD-PATH Send/Receive bits (RFC 7911 §4).
const RECEIVE: u8 = 1;
const SEND: u8 = 2;

/// A bit per decoded family.
fn family_bit(afi: u16, safi: u8) -> u8 {
    match (afi, safi) {
        (1, 1) => 1,
        (1, 2) => 2,
        (2, 1) => 4,
        (2, 2) => 8,
        _ => 0,
    }
}

/// The families `open` advertises ADD-PATH for with any of `direction`.
fn advertised(open: &Open<'_>, direction: u8) -> u8 {
    open.add_path()
        .filter(|&(_, _, d)| d & direction != 0)
        .fold(0, |set, (afi, safi, _)| set | family_bit(afi, safi))
}

impl AddPath {
    /// No path ids anywhere: sessions without ADD-PATH, and messages
    /// without routes.
    pub const NONE: AddPath = AddPath {
        received: 0,
        sent: 0,
    };

    /// What the router's OPEN (`sent`) and the peer's (`received`)
    /// negotiated: path ids flow to whoever advertised receive from
    /// whoever advertised send. A Loc-RIB Peer Up repeats one made-up
    /// OPEN, where the capability's presence alone means path ids
    /// (RFC 9069 §5.2).
    pub fn negotiated(sent: &Open<'_>, received: &Open<'_>, peer: &PeerHeader) -> AddPath {
        if peer.is_loc_rib() {
            let any = advertised(sent, SEND | RECEIVE);
            return AddPath {
                received: any,
                sent: any,
            };
        }
        AddPath {
            received: advertised(received, SEND) & advertised(sent, RECEIVE),
            sent: advertised(sent, SEND) & advertised(received, RECEIVE),
        }
    }

    /// True when NLRI of `afi`/`safi` carry path ids in the messages of
    /// `peer`'s view (Adj-RIB-Out or not).
    pub fn applies(&self, peer: &PeerHeader, afi: u16, safi: u8) -> bool {
        let set = if peer.is_adj_rib_out() {
            self.sent
        } else {
            self.received
        };
        set & family_bit(afi, safi) != 0
    }
}
