//! BMP messages as route events: what a router's stream means to the
//! route table. Route Monitoring gives an announce or withdraw per prefix
//! (or an End-of-RIB), Peer Up and Peer Down the session's events; the
//! other messages mean nothing to the routing state.

use std::net::IpAddr;

use super::{AddPath, Message, PeerHeader, RouteMonitoring};
use crate::attr::{AttrContext, Attributes};
use crate::bgp::Update;
use crate::entry::Visit;
use crate::error::Result;
use crate::event::{EventKind, PeerKey, RouteEvent};
use crate::prefix::{Afi, Nlri};

/// Delivers the route events of `msg` to `out`, in message order, and
/// returns what was delivered and the first problem met (events before it
/// are delivered), as [`crate::entry::visit`] does for MRT records.
///
/// `collector` numbers the router connection: peers of two routers are
/// different vantage points even when they share an address. `add_path`
/// is what the session's Peer Up negotiated ([`super::PeerUp::add_path`]),
/// [`AddPath::NONE`] for messages without routes. Every view of a session
/// gives events under the same [`PeerKey`]: feed the route table one view
/// ([`PeerHeader::view`]), by default the pre-policy Adj-RIB-In. Event
/// time is the per-peer header's, zero when the router did not know it;
/// routes are never marked `from_table`: a reader that tracks each peer's
/// initial dump up to its End-of-RIB marks them.
pub fn route_events<F>(msg: &Message<'_>, collector: u16, add_path: AddPath, mut out: F) -> Visit
where
    F: FnMut(&RouteEvent<'_, '_>),
{
    let mut entries = 0;
    let mut opaque = 0;
    let mut emit = |e: &RouteEvent<'_, '_>| {
        entries += 1;
        out(e);
    };
    let error = match msg {
        Message::PeerUp(up) => {
            emit(&session_event(&up.peer, collector, EventKind::PeerUp));
            None
        }
        Message::PeerDown(down) => {
            emit(&session_event(&down.peer, collector, EventKind::PeerDown));
            None
        }
        Message::RouteMonitoring(rm) => {
            let base = session_event(&rm.peer, collector, EventKind::Announce);
            update_events(rm, base, add_path, &mut opaque, &mut emit).err()
        }
        Message::StatisticsReport(_)
        | Message::Initiation(_)
        | Message::Termination(_)
        | Message::RouteMirroring(_) => None,
    };
    Visit {
        entries,
        opaque,
        error,
    }
}

/// An event of `kind` about `peer`'s session, with nothing else in it.
fn session_event(
    peer: &PeerHeader,
    collector: u16,
    kind: EventKind,
) -> RouteEvent<'static, 'static> {
    RouteEvent {
        time: peer.time(),
        peer: PeerKey {
            collector,
            addr: peer.addr,
            asn: peer.asn,
        },
        kind,
        prefix: None,
        path_id: None,
        attrs: None,
        next_hop: None,
        from_table: false,
    }
}

/// The routes of one UPDATE, in its order: withdrawn IPv4, MP_UNREACH,
/// announced IPv4, MP_REACH.
fn update_events<F>(
    rm: &RouteMonitoring<'_>,
    base: RouteEvent<'static, 'static>,
    add_path: AddPath,
    opaque: &mut u32,
    emit: &mut F,
) -> Result<()>
where
    F: FnMut(&RouteEvent<'_, '_>),
{
    let attrs = rm.attributes(add_path);
    if end_of_rib(&rm.update, &attrs).is_some() {
        emit(&RouteEvent {
            kind: EventKind::EndOfRib,
            ..base
        });
        return Ok(());
    }
    let ipv4_add_path = add_path.applies(&rm.peer, Afi::Ipv4.code(), 1);
    let withdraw = |nlri: Nlri| RouteEvent {
        kind: EventKind::Withdraw,
        prefix: Some(nlri.prefix),
        path_id: nlri.path_id,
        ..base
    };
    for nlri in rm.update.withdrawn(ipv4_add_path) {
        emit(&withdraw(nlri?));
    }
    let is_opaque = |family: Option<Afi>| u32::from(family.is_none());
    *opaque += attrs.mp_unreach.map_or(0, |u| is_opaque(u.family()));
    *opaque += attrs.mp_reach.map_or(0, |r| is_opaque(r.family()));
    if let Some(unreach) = attrs.mp_unreach {
        for nlri in unreach.nlri() {
            emit(&withdraw(nlri?));
        }
    }
    let announce = |nlri: Nlri, next_hop: Option<IpAddr>| RouteEvent {
        kind: EventKind::Announce,
        prefix: Some(nlri.prefix),
        path_id: nlri.path_id,
        attrs: Some(&attrs),
        next_hop,
        ..base
    };
    let ipv4_next_hop = attrs.next_hop.map(IpAddr::V4);
    for nlri in rm.update.announced(ipv4_add_path) {
        emit(&announce(nlri?, ipv4_next_hop));
    }
    if let Some(reach) = attrs.mp_reach {
        for nlri in reach.nlri() {
            emit(&announce(nlri?, reach.next_hop_addr()));
        }
    }
    attrs.error.map_or(Ok(()), Err)
}

/// The family an End-of-RIB marker closes (RFC 4724 §2), if `update` is
/// one: an UPDATE with nothing in it (IPv4 unicast), or whose only
/// attribute is an MP_UNREACH_NLRI without routes.
fn end_of_rib(update: &Update<'_>, attrs: &Attributes<'_>) -> Option<(u16, u8)> {
    if update.is_end_of_rib() {
        return Some((Afi::Ipv4.code(), 1));
    }
    let unreach = attrs.mp_unreach.filter(|u| u.nlri_bytes().is_empty())?;
    let alone = update.withdrawn(false).is_empty()
        && update.announced(false).is_empty()
        && attrs.raw().count() == 1;
    alone.then_some((unreach.afi, unreach.safi))
}

impl<'a> RouteMonitoring<'a> {
    /// The path attributes, with the AS number width of the per-peer
    /// header and, for each MP attribute, the ADD-PATH state of its family.
    pub fn attributes(&self, add_path: AddPath) -> Attributes<'a> {
        let context = |add_path| AttrContext {
            asn_width: self.peer.asn_width(),
            add_path,
            rib: false,
        };
        let wants = |afi, safi| add_path.applies(&self.peer, afi, safi);
        // One context holds one ADD-PATH flag for both MP attributes:
        // decode again in the rare UPDATE where they, or they and the
        // IPv4 routes, differ.
        let ipv4 = wants(Afi::Ipv4.code(), 1);
        let mut attrs = self.update.attributes(context(ipv4));
        if let Some(reach) = attrs.mp_reach {
            if wants(reach.afi, reach.safi) != ipv4 {
                attrs = self.update.attributes(context(!ipv4));
            }
        }
        let used = attrs.context().add_path;
        if let Some(unreach) = attrs.mp_unreach {
            if wants(unreach.afi, unreach.safi) != used {
                attrs.mp_unreach = self.update.attributes(context(!used)).mp_unreach;
            }
        }
        attrs
    }

    /// The family (AFI, SAFI) whose initial routes the peer has now all
    /// sent, when the UPDATE is an End-of-RIB marker (RFC 4724 §2).
    pub fn end_of_rib(&self) -> Option<(u16, u8)> {
        end_of_rib(&self.update, &self.attributes(AddPath::NONE))
    }
}
