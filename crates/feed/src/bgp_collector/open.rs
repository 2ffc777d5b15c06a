//! The OPEN exchange of a collector session (RFC 4271 §4.2, §6.2): the
//! OPEN the collector sends, the checks on the neighbor's, and what the two
//! negotiate (hold time, AS number width, ADD-PATH families). Everything
//! later in the session, and the consumer's decoding, follows from it.

use std::net::Ipv4Addr;

use wire::attr::{AttrContext, Attributes};
use wire::bgp::{capability, Open, Update};
use wire::encode::{self, Capability};
use wire::{Afi, AsnWidth};

use super::notify::{code, Notify};

/// OPEN Message Error subcodes (RFC 4271 §4.5).
mod subcode {
    /// Not version 4.
    pub const UNSUPPORTED_VERSION: u8 = 1;
    /// Not the AS the neighbor is configured with.
    pub const BAD_PEER_AS: u8 = 2;
    /// A BGP identifier of zero.
    pub const BAD_BGP_ID: u8 = 3;
    /// A hold time of 1 or 2 seconds.
    pub const UNACCEPTABLE_HOLD_TIME: u8 = 6;
}

/// ADD-PATH Send/Receive values (RFC 7911 §4).
const RECEIVE: u8 = 1;
const SEND: u8 = 2;

/// The families the collector takes routes of: IPv4 and IPv6 unicast.
const FAMILIES: [(u16, u8); 2] = [(1, 1), (2, 1)];

/// The unicast families whose NLRI carry path ids (RFC 7911) in the
/// UPDATEs a neighbor sends, as the two OPENs negotiated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AddPathFamilies {
    /// IPv4 unicast NLRI carry path ids.
    pub ipv4: bool,
    /// IPv6 unicast NLRI carry path ids.
    pub ipv6: bool,
}

impl AddPathFamilies {
    /// True when NLRI of `afi`/`safi` carry path ids.
    pub fn applies(&self, afi: u16, safi: u8) -> bool {
        match (afi, safi) {
            (1, 1) => self.ipv4,
            (2, 1) => self.ipv6,
            _ => false,
        }
    }

    /// The path attributes of an UPDATE of this session, its MP_REACH_NLRI
    /// and MP_UNREACH_NLRI each read with the ADD-PATH state of its own
    /// family (one [`AttrContext`] holds one flag: the attributes are read
    /// again in the rare UPDATE whose families differ).
    pub fn attributes<'a>(&self, update: &Update<'a>, asn_width: AsnWidth) -> Attributes<'a> {
        let context = |add_path| AttrContext {
            asn_width,
            add_path,
            rib: false,
        };
        let mut plain = update.attributes(context(false));
        let reach = plain.mp_reach.is_some_and(|r| self.applies(r.afi, r.safi));
        let unreach = plain
            .mp_unreach
            .is_some_and(|u| self.applies(u.afi, u.safi));
        if !reach && !unreach {
            return plain;
        }
        let mut with_ids = update.attributes(context(true));
        if reach {
            if !unreach {
                with_ids.mp_unreach = plain.mp_unreach;
            }
            with_ids
        } else {
            plain.mp_unreach = with_ids.mp_unreach;
            plain
        }
    }
}

/// What the two OPENs agreed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Negotiated {
    /// Hold time in seconds: the smaller of the two, 0 for none.
    pub(super) hold_time: u16,
    /// Both sides advertised 4-octet AS numbers (RFC 6793).
    pub(super) four_octet: bool,
    /// Families the neighbor sends path ids in.
    pub(super) add_path: AddPathFamilies,
}

impl Negotiated {
    /// The width of AS numbers in the neighbor's UPDATEs.
    pub(super) fn asn_width(&self) -> AsnWidth {
        if self.four_octet {
            AsnWidth::Four
        } else {
            AsnWidth::Two
        }
    }
}

/// The collector's OPEN: our AS and identifier, `hold_time`, and the
/// capabilities of a passive speaker that only listens: both unicast
/// families (RFC 4760), 4-octet AS (RFC 6793), ADD-PATH receive for both
/// families (RFC 7911: path ids then flow in exactly the families the
/// neighbor offers to send), route refresh (RFC 2918; we never need to
/// send one) and graceful restart (RFC 4724 §3) with no restart state and
/// no families, i.e. receiver only.
pub(super) fn ours(asn: u32, router_id: Ipv4Addr, hold_time: u16) -> Vec<u8> {
    let add_path = FAMILIES.map(|(afi, safi)| (afi, safi, RECEIVE));
    let mut capabilities: Vec<Capability<'_>> = FAMILIES
        .iter()
        .map(|&(afi, safi)| Capability::Multiprotocol { afi, safi })
        .collect();
    capabilities.extend([
        Capability::FourOctetAs(asn),
        Capability::AddPath(&add_path),
        Capability::RouteRefresh,
        Capability::Other {
            code: capability::GRACEFUL_RESTART,
            value: &[0, 0],
        },
    ]);
    let mut out = Vec::new();
    // Our capabilities are fixed and short: this cannot fail, and an empty
    // OPEN would be refused by the neighbor rather than go unnoticed.
    let _ = encode::open(&mut out, asn, hold_time, router_id, &capabilities);
    out
}

/// Checks the neighbor's OPEN against its configured AS (RFC 4271 §6.2)
/// and negotiates with our `hold_time`; an error is the NOTIFICATION to
/// end the session with.
pub(super) fn negotiate(
    open: &Open<'_>,
    peer_asn: u32,
    hold_time: u16,
) -> Result<Negotiated, Notify> {
    if open.version != 4 {
        // The data is the largest version we support (RFC 4271 §6.2).
        return Err(Notify::with_data(
            code::OPEN,
            subcode::UNSUPPORTED_VERSION,
            &[0, 4],
        ));
    }
    if open.asn() != peer_asn {
        return Err(Notify::new(code::OPEN, subcode::BAD_PEER_AS));
    }
    if open.bgp_id.is_unspecified() {
        return Err(Notify::new(code::OPEN, subcode::BAD_BGP_ID));
    }
    if matches!(open.hold_time, 1 | 2) {
        return Err(Notify::new(code::OPEN, subcode::UNACCEPTABLE_HOLD_TIME));
    }
    let sends = |afi: Afi| {
        open.add_path()
            .any(|(a, safi, dir)| a == afi.code() && safi == 1 && dir & SEND != 0)
    };
    Ok(Negotiated {
        hold_time: hold_time.min(open.hold_time),
        four_octet: open.four_octet_asn().is_some(),
        add_path: AddPathFamilies {
            ipv4: sends(Afi::Ipv4),
            ipv6: sends(Afi::Ipv6),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::bgp::Message;
    use wire::Reader;

    fn open_of(bytes: &[u8]) -> Open<'_> {
        match Message::read(&mut Reader::new(bytes)).unwrap() {
            Message::Open(open) => open,
            other => panic!("not an OPEN: {other:?}"),
        }
    }

    #[test]
    fn our_open_carries_as_trans_and_every_capability() {
        let bytes = ours(4_200_000_000, Ipv4Addr::new(192, 0, 2, 1), 90);
        let open = open_of(&bytes);
        assert_eq!(open.my_asn, 23456);
        assert_eq!(open.asn(), 4_200_000_000);
        assert_eq!(open.hold_time, 90);
        let codes: Vec<u8> = open.capabilities().map(|c| c.unwrap().code).collect();
        assert_eq!(codes, [1, 1, 65, 69, 2, 64]);
        assert_eq!(open.add_path().collect::<Vec<_>>(), [(1, 1, 1), (2, 1, 1)]);
    }

    #[test]
    fn negotiation_takes_the_smaller_hold_time_and_the_offered_families() {
        let tuples = [(2, 1, 3), (1, 1, 1)];
        let mut bytes = Vec::new();
        let caps = [Capability::FourOctetAs(65001), Capability::AddPath(&tuples)];
        encode::open(&mut bytes, 65001, 30, Ipv4Addr::new(10, 0, 0, 1), &caps).unwrap();
        let n = negotiate(&open_of(&bytes), 65001, 90).unwrap();
        assert_eq!(n.hold_time, 30);
        assert!(n.four_octet);
        assert_eq!(
            n.add_path,
            AddPathFamilies {
                ipv4: false,
                ipv6: true
            }
        );
        assert_eq!(
            negotiate(&open_of(&bytes), 65002, 90),
            Err(Notify::new(2, 2))
        );
    }

    #[test]
    fn bad_opens_get_their_notification() {
        let open = |asn, hold, id| {
            let mut bytes = Vec::new();
            encode::open(&mut bytes, asn, hold, id, &[]).unwrap();
            bytes
        };
        let id = Ipv4Addr::new(10, 0, 0, 1);
        let short_hold = open(65001, 2, id);
        assert_eq!(
            negotiate(&open_of(&short_hold), 65001, 90),
            Err(Notify::new(2, 6))
        );
        let no_id = open(65001, 90, Ipv4Addr::UNSPECIFIED);
        assert_eq!(
            negotiate(&open_of(&no_id), 65001, 90),
            Err(Notify::new(2, 3))
        );
        let no_hold = open(65001, 0, id);
        let n = negotiate(&open_of(&no_hold), 65001, 90).unwrap();
        assert_eq!((n.hold_time, n.four_octet), (0, false));
    }
}
