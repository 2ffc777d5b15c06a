//! Route-level evidence for the hints: a short log of the routes that
//! changed or went away (which peer, which path before, when, and whether
//! a message or a session did it), from which the routes of some prefixes
//! as they stood before an event are rebuilt and compared with the table
//! now: upstream shares, vantage points, how fast the withdrawals came.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use rib::{Delta, PeerId, PrefixId, Rib};
use signal::Cause;

use crate::event::{AffectedPrefix, Hint, PeerView, UpstreamShare};

/// A route that changed path or went away.
#[derive(Clone, Debug)]
struct RouteChange {
    time: u64,
    prefix: PrefixId,
    peer: PeerId,
    /// The AS path before.
    before: Box<[u32]>,
    /// Gone (not replaced by another path).
    removed: bool,
    cause: Cause,
}

/// The recent route changes.
#[derive(Debug, Default)]
pub(crate) struct RouteLog {
    changes: VecDeque<RouteChange>,
}

/// Routes of some prefixes: (prefix, peer, AS path).
type Routes = Vec<(PrefixId, PeerId, Vec<u32>)>;

/// The routes of some prefixes before a moment and now, and the removals
/// since.
pub(crate) struct Views {
    before: Routes,
    now: Routes,
    /// Removals since the moment: time, prefix, peer, cause.
    removals: Vec<(u64, PrefixId, PeerId, Cause)>,
}

impl RouteLog {
    /// Logs the route changes among `deltas`.
    pub(crate) fn record(&mut self, time: u64, rib: &Rib, deltas: &[Delta], cause: Cause) {
        for delta in deltas {
            let Delta::Route {
                prefix,
                peer,
                before: Some(before),
                after,
            } = *delta
            else {
                continue;
            };
            if after == Some(before) {
                continue;
            }
            self.changes.push_back(RouteChange {
                time,
                prefix,
                peer,
                before: rib.paths().asns(before).into(),
                removed: after.is_none(),
                cause,
            });
        }
    }

    /// Forgets changes before `horizon`.
    pub(crate) fn prune(&mut self, horizon: u64) {
        while self.changes.front().is_some_and(|c| c.time < horizon) {
            self.changes.pop_front();
        }
    }

    /// Prefixes whose routes changed since `since` and whose path before
    /// ended with `origin`.
    pub(crate) fn prefixes_of_origin(&self, origin: u32, since: u64) -> Vec<PrefixId> {
        let set: HashSet<PrefixId> = self
            .changes
            .iter()
            .filter(|c| c.time >= since && c.before.last() == Some(&origin))
            .map(|c| c.prefix)
            .collect();
        let mut out: Vec<PrefixId> = set.into_iter().collect();
        out.sort();
        out
    }

    /// The routes of `prefixes` as they stood at `since`, and now.
    pub(crate) fn views(&self, rib: &Rib, prefixes: &[PrefixId], since: u64) -> Views {
        let wanted: HashSet<PrefixId> = prefixes.iter().copied().collect();
        let mut now: Routes = Vec::new();
        for &p in prefixes {
            for (peer, _, path) in rib.routes(p) {
                now.push((p, peer, rib.paths().asns(path).to_vec()));
            }
        }
        // Undo the changes since `since`, newest first: a peer's route is
        // what it had before its earliest change.
        let mut earliest: BTreeMap<(PrefixId, PeerId), &RouteChange> = BTreeMap::new();
        let mut removals = Vec::new();
        for c in self.changes.iter().filter(|c| c.time >= since) {
            if !wanted.contains(&c.prefix) {
                continue;
            }
            earliest.entry((c.prefix, c.peer)).or_insert(c);
            if c.removed {
                removals.push((c.time, c.prefix, c.peer, c.cause));
            }
        }
        let mut before: Routes = now
            .iter()
            .filter(|(p, peer, _)| !earliest.contains_key(&(*p, *peer)))
            .cloned()
            .collect();
        before.extend(
            earliest
                .iter()
                .map(|(&(p, peer), c)| (p, peer, c.before.to_vec())),
        );
        before.sort();
        Views {
            before,
            now,
            removals,
        }
    }
}

/// The AS next to the origin on a path (prepending collapsed), or none
/// for a path of the origin alone.
fn upstream(path: &[u32]) -> Option<u32> {
    let mut distinct = path.iter().rev().copied();
    let origin = distinct.next()?;
    distinct.find(|&asn| asn != origin)
}

/// Routes per upstream, largest first.
fn upstream_shares(routes: &Routes) -> Vec<UpstreamShare> {
    let mut counts: HashMap<u32, u32> = HashMap::new();
    for (_, _, path) in routes {
        if let Some(up) = upstream(path) {
            *counts.entry(up).or_default() += 1;
        }
    }
    let total: u32 = counts.values().sum();
    let mut shares: Vec<UpstreamShare> = counts
        .into_iter()
        .map(|(asn, routes)| UpstreamShare {
            asn,
            routes,
            share: f64::from(routes) / f64::from(total.max(1)),
        })
        .collect();
    shares.sort_by(|a, b| b.routes.cmp(&a.routes).then(a.asn.cmp(&b.asn)));
    shares
}

/// Thresholds of the hints.
pub(crate) struct HintRules {
    /// Withdrawals at most this far apart come from the origin.
    pub origin_spread_s: u64,
    /// One upstream with at least this share is the single upstream.
    pub single_upstream_share: f64,
}

impl Views {
    /// The hints of an outage of these prefixes, and the prefixes with
    /// their last routes.
    pub(crate) fn outage_hints(
        &self,
        rib: &Rib,
        rules: &HintRules,
    ) -> (Vec<Hint>, Vec<AffectedPrefix>) {
        let mut hints = Vec::new();
        let withdrawn: Vec<&(u64, PrefixId, PeerId, Cause)> = self
            .removals
            .iter()
            .filter(|r| r.3 == Cause::Message)
            .collect();
        let peers_before: HashSet<PeerId> = self.before.iter().map(|r| r.1).collect();
        let peers_now: HashSet<PeerId> = self.now.iter().map(|r| r.1).collect();
        // Each prefix gone from every peer within seconds (prefixes may
        // go minutes apart: an origin withdrawing network by network).
        let mut per_prefix: BTreeMap<PrefixId, (u64, u64)> = BTreeMap::new();
        for r in &withdrawn {
            let span = per_prefix.entry(r.1).or_insert((r.0, r.0));
            *span = (span.0.min(r.0), span.1.max(r.0));
        }
        let spread = per_prefix.values().map(|(a, b)| b - a).max();
        if let (Some(spread), Some(first), Some(last)) = (
            spread,
            withdrawn.iter().map(|r| r.0).min(),
            withdrawn.iter().map(|r| r.0).max(),
        ) {
            let peers: HashSet<PeerId> = withdrawn.iter().map(|r| r.2).collect();
            if spread <= rules.origin_spread_s && peers_now.is_empty() {
                hints.push(Hint::WithdrawnAtOrigin {
                    peers: peers.len() as u32,
                    routes: withdrawn.len() as u32,
                    first,
                    last,
                    spread_s: spread,
                });
            }
        }
        let resets: Vec<&(u64, PrefixId, PeerId, Cause)> = self
            .removals
            .iter()
            .filter(|r| r.3 == Cause::Session)
            .collect();
        if let Some(at) = resets.iter().map(|r| r.0).min() {
            let mut peers: Vec<String> = resets
                .iter()
                .map(|r| r.2)
                .collect::<HashSet<_>>()
                .into_iter()
                .filter_map(|p| rib.peer(p))
                .map(|info| format!("AS{} {}", info.key.asn, info.key.addr))
                .collect();
            peers.sort();
            hints.push(Hint::PeerReset { peers, at });
        }
        let shares = upstream_shares(&self.before);
        let main = shares.first().map(|s| s.asn);
        if let Some(top) = shares.first() {
            if top.share >= rules.single_upstream_share {
                hints.push(Hint::SingleUpstream { upstreams: shares });
            } else {
                hints.push(Hint::Upstreams { upstreams: shares });
            }
        }
        if !peers_before.is_empty() {
            hints.push(self.vantage(rib, main));
        }
        (hints, self.affected(rib))
    }

    /// The upstream whose routes all went while routes through others
    /// stayed, if one did.
    pub(crate) fn upstream_loss(&self) -> Option<Hint> {
        let before = upstream_shares(&self.before);
        let now = upstream_shares(&self.now);
        let elsewhere: u32 = now.iter().map(|s| s.routes).sum();
        before
            .iter()
            .find(|b| !now.iter().any(|n| n.asn == b.asn) && elsewhere > 0)
            .map(|lost| Hint::UpstreamLoss {
                upstream: lost.asn,
                routes_before: lost.routes,
                routes_elsewhere: elsewhere,
            })
    }

    fn vantage(&self, rib: &Rib, upstream: Option<u32>) -> Hint {
        let mut per_peer: BTreeMap<PeerId, (u32, u32)> = BTreeMap::new();
        for r in &self.before {
            per_peer.entry(r.1).or_default().0 += 1;
        }
        for r in &self.now {
            per_peer.entry(r.1).or_default().1 += 1;
        }
        let (mut seeing, mut not_seeing) = (Vec::new(), Vec::new());
        let (mut up_seeing, mut up_not) = (0, 0);
        for (peer, (before, now)) in per_peer {
            let Some(info) = rib.peer(peer) else { continue };
            let view = PeerView {
                asn: info.key.asn,
                address: info.key.addr.to_string(),
                routes_before: before,
                routes_now: now,
            };
            let inside = upstream == Some(info.key.asn);
            if now > 0 {
                up_seeing += u32::from(inside);
                seeing.push(view);
            } else {
                up_not += u32::from(inside);
                not_seeing.push(view);
            }
        }
        let upstream = upstream.filter(|_| up_seeing + up_not > 0);
        Hint::Vantage {
            seeing,
            not_seeing,
            upstream,
            upstream_peers_seeing: up_seeing,
            upstream_peers_not_seeing: up_not,
        }
    }

    /// Each prefix with its origin and the path most peers had.
    fn affected(&self, rib: &Rib) -> Vec<AffectedPrefix> {
        let mut paths: BTreeMap<PrefixId, HashMap<&[u32], u32>> = BTreeMap::new();
        for (p, _, path) in &self.before {
            *paths
                .entry(*p)
                .or_default()
                .entry(path.as_slice())
                .or_default() += 1;
        }
        paths
            .into_iter()
            .map(|(p, counts)| {
                let path = counts
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                    .map(|(path, _)| path.to_vec())
                    .unwrap_or_default();
                AffectedPrefix {
                    prefix: rib.prefix(p).map(|x| x.to_string()).unwrap_or_default(),
                    origin: path.last().copied(),
                    last_path: path,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upstream_is_the_as_next_to_the_origin_prepends_collapsed() {
        assert_eq!(upstream(&[3356, 4837, 131_279]), Some(4837));
        assert_eq!(upstream(&[3356, 4837, 131_279, 131_279]), Some(4837));
        assert_eq!(upstream(&[131_279]), None);
        assert_eq!(upstream(&[]), None);
    }
}
