//! The route changes one BGP UPDATE carries, in the order a route table
//! must apply them: an End-of-RIB marker alone, or the withdrawn IPv4
//! routes, the MP_UNREACH routes, the announced IPv4 routes and the
//! MP_REACH routes. MRT records ([`crate::entry`]) and BMP Route
//! Monitoring ([`crate::bmp`]) both walk their UPDATEs through here.

use std::net::IpAddr;

use crate::attr::Attributes;
use crate::bgp::Update;
use crate::error::Result;
use crate::event::{EventKind, RouteEvent};
use crate::prefix::{Afi, Nlri};

/// One change of an UPDATE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// The End-of-RIB marker of a family (RFC 4724 §2).
    EndOfRib {
        /// Its AFI.
        afi: u16,
        /// Its SAFI.
        safi: u8,
    },
    /// A route withdrawn.
    Withdraw(Nlri),
    /// A route announced, with the next hop of its family.
    Announce(Nlri, Option<IpAddr>),
}

/// Hands the changes of `update` (whose attributes are `attrs`) to `f`,
/// in order; `ipv4_add_path` when its IPv4 NLRI carry path ids. MP
/// attributes of families the decoder does not read are counted in
/// `opaque`. Stops at the first malformed prefix; the changes before it
/// are delivered. An attribute error is returned after every route that
/// could be read.
// Never inlined: inlined into the record visitor it made the table-dump
// arms, the hot path of RIB decoding, slower (BENCHMARKS.md).
#[inline(never)]
pub fn walk(
    update: &Update<'_>,
    attrs: &Attributes<'_>,
    ipv4_add_path: bool,
    opaque: &mut u32,
    mut f: impl FnMut(Change),
) -> Result<()> {
    if let Some((afi, safi)) = end_of_rib(update, attrs) {
        f(Change::EndOfRib { afi, safi });
        return Ok(());
    }
    for nlri in update.withdrawn(ipv4_add_path) {
        f(Change::Withdraw(nlri?));
    }
    let is_opaque = |family: Option<Afi>| u32::from(family.is_none());
    *opaque += attrs.mp_unreach.map_or(0, |u| is_opaque(u.family()));
    *opaque += attrs.mp_reach.map_or(0, |r| is_opaque(r.family()));
    if let Some(unreach) = attrs.mp_unreach {
        for nlri in unreach.nlri() {
            f(Change::Withdraw(nlri?));
        }
    }
    let ipv4_next_hop = attrs.next_hop.map(IpAddr::V4);
    for nlri in update.announced(ipv4_add_path) {
        f(Change::Announce(nlri?, ipv4_next_hop));
    }
    if let Some(reach) = attrs.mp_reach {
        for nlri in reach.nlri() {
            f(Change::Announce(nlri?, reach.next_hop_addr()));
        }
    }
    attrs.error.map_or(Ok(()), Err)
}

/// Hands the changes of `update` to `emit` as route events of the peer,
/// time and collector of `base`: [`walk`] for live sources (BMP Route
/// Monitoring, BGP sessions, RIS Live), whose UPDATEs come without an MRT
/// record around them.
pub fn walk_events<F>(
    update: &Update<'_>,
    attrs: &Attributes<'_>,
    ipv4_add_path: bool,
    base: RouteEvent<'static, 'static>,
    opaque: &mut u32,
    emit: &mut F,
) -> Result<()>
where
    F: FnMut(&RouteEvent<'_, '_>),
{
    walk(update, attrs, ipv4_add_path, opaque, |change| {
        emit(&match change {
            Change::EndOfRib { .. } => RouteEvent {
                kind: EventKind::EndOfRib,
                ..base
            },
            Change::Withdraw(nlri) => RouteEvent {
                kind: EventKind::Withdraw,
                prefix: Some(nlri.prefix),
                path_id: nlri.path_id,
                ..base
            },
            Change::Announce(nlri, next_hop) => RouteEvent {
                kind: EventKind::Announce,
                prefix: Some(nlri.prefix),
                path_id: nlri.path_id,
                attrs: Some(attrs),
                next_hop,
                ..base
            },
        });
    })
}

/// The family an End-of-RIB marker closes, if `update` is one: an UPDATE
/// with nothing in it (IPv4 unicast), or whose only attribute is an
/// MP_UNREACH_NLRI without routes.
pub fn end_of_rib(update: &Update<'_>, attrs: &Attributes<'_>) -> Option<(u16, u8)> {
    if update.is_end_of_rib() {
        return Some((Afi::Ipv4.code(), 1));
    }
    // The cheap tests first, as every update passes through here.
    let unreach = attrs.mp_unreach.filter(|u| u.nlri_bytes().is_empty())?;
    let alone = update.withdrawn(false).is_empty()
        && update.announced(false).is_empty()
        && attrs.raw().count() == 1;
    alone.then_some((unreach.afi, unreach.safi))
}
