//! BMP messages as route events: what a router's stream means to the
//! route table. Route Monitoring gives an announce or withdraw per prefix
//! (or an End-of-RIB), Peer Up and Peer Down the session's events; the
//! other messages mean nothing to the routing state.

use super::{AddPath, Message, PeerHeader, RouteMonitoring};
use crate::attr::{AttrContext, Attributes};
use crate::changes;
use crate::entry::Visit;
use crate::error::Result;
use crate::event::{EventKind, PeerKey, RouteEvent};
use crate::prefix::Afi;

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
    let key = PeerKey {
        collector,
        addr: peer.addr,
        asn: peer.asn,
    };
    RouteEvent::session(key, kind, peer.time())
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
    let ipv4_add_path = add_path.applies(&rm.peer, Afi::Ipv4.code(), 1);
    changes::walk_events(&rm.update, &attrs, ipv4_add_path, base, opaque, emit)
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
        changes::end_of_rib(&self.update, &self.attributes(AddPath::NONE))
    }
}
