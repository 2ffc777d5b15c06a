//! The background table: the many ordinary routes that every full-feed
//! peer holds beside a scenario's own prefixes. Without it every peer's
//! table would be a handful of prefixes, and full-feed inference (a peer
//! holding at least 90% of the largest table) could not tell a full-feed
//! peer from a partial one.
//!
//! It is drawn by `synth-table`'s generator, not a second one: the same
//! seed gives the same prefixes as `darkwatch synth-table --seed`, and the
//! paths come from the same model of tier-1s, transits and origins, here
//! from the scenario's own peers.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::Context;
use wire::Prefix;

use super::format::{afi_of, Peer, Scenario};
use super::salt;
use crate::synth::{self, OriginAs, Params, Rng, Scratch, SynthPeer, World};

/// The background routes, with paths computed when asked for.
pub(crate) struct BackgroundTable {
    world: World,
    /// Per scenario peer, in index order: its stand-in for the generator
    /// when it is a full-feed peer (the only ones carrying the table).
    carriers: Vec<Option<SynthPeer>>,
    /// The prefixes in address order, IPv4 first, each with its origin.
    prefixes: Vec<(Prefix, OriginAs)>,
    scratch: Scratch,
}

impl BackgroundTable {
    /// Draws the table of `s`, leaving out any prefix the scenario lists
    /// itself (the scenario's route wins).
    pub(crate) fn new(s: &Scenario) -> anyhow::Result<BackgroundTable> {
        let bg = s.background;
        let params = Params {
            seed: bg.seed,
            v4: bg.ipv4,
            v6: bg.ipv6,
            // The generator's own random peers are not used: it must have
            // one, and one is cheapest.
            peers: 1,
            time: s.start,
        };
        let world = World::new(&params)?;
        let mut rng = Rng::keyed(bg.seed, &[synth::salt::V4_PREFIXES]);
        let v4 = synth::distinct(bg.ipv4, &mut rng, "IPv4", synth::draw_v4)?;
        let mut rng = Rng::keyed(bg.seed, &[synth::salt::V6_PREFIXES]);
        let v6 = synth::distinct(bg.ipv6, &mut rng, "IPv6", synth::draw_v6)?;
        let v4 = v4
            .into_iter()
            .map(|(addr, len)| Prefix::v4(Ipv4Addr::from(addr), len));
        let v6 = v6
            .into_iter()
            .map(|(addr, len)| Prefix::v6(Ipv6Addr::from(addr), len));
        let mut prefixes = Vec::with_capacity(v4.len() + v6.len());
        for (i, prefix) in v4.chain(v6).enumerate() {
            let prefix = prefix.context("background prefix length")?;
            if s.prefixes.iter().any(|p| p.prefix == prefix) {
                continue;
            }
            let family = u64::from(prefix.afi().code());
            let mut pick = Rng::keyed(bg.seed, &[salt::ORIGIN, family, i as u64]);
            let index = pick.below(world.origins.len() as u64) as usize;
            let origin = world.origins.get(index).copied().unwrap_or_default();
            prefixes.push((prefix, origin));
        }
        let carriers = s
            .peers
            .iter()
            .enumerate()
            .map(|(i, peer)| {
                peer.full_feed.then(|| {
                    let mut pick = Rng::keyed(bg.seed, &[salt::PROVIDER, i as u64]);
                    let tier1 = &world.tier1;
                    let provider = tier1
                        .get(pick.below(tier1.len() as u64) as usize)
                        .copied()
                        .unwrap_or(peer.asn);
                    stand_in(peer, provider, s.start)
                })
            })
            .collect();
        Ok(BackgroundTable {
            world,
            carriers,
            prefixes,
            scratch: Scratch::default(),
        })
    }

    /// Number of background prefixes.
    pub(crate) fn len(&self) -> usize {
        self.prefixes.len()
    }

    /// The `i`th prefix (address order, IPv4 first).
    pub(crate) fn prefix(&self, i: usize) -> Option<Prefix> {
        self.prefixes.get(i).map(|&(p, _)| p)
    }

    /// Whether `peer` carries the `i`th prefix: full-feed peers of its
    /// family do.
    pub(crate) fn carries(&self, peer: usize, i: usize) -> bool {
        match (self.carriers.get(peer), self.prefixes.get(i)) {
            (Some(Some(c)), Some((p, _))) => afi_of(c.entry.addr) == p.afi(),
            _ => false,
        }
    }

    /// The AS path of the `i`th prefix from `peer`: a sequence and an
    /// AS_SET (usually empty) after it; `None` when the peer does not
    /// carry the prefix.
    pub(crate) fn path(&mut self, peer: usize, i: usize) -> Option<(&[u32], &[u32])> {
        if !self.carries(peer, i) {
            return None;
        }
        let carrier = self.carriers.get(peer)?.as_ref()?;
        let (_, origin) = self.prefixes.get(i)?;
        self.world.path(carrier, origin, 0, &mut self.scratch);
        Some((&self.scratch.path, &self.scratch.set))
    }
}

/// A scenario peer as the generator models peers; only its AS and
/// provider shape paths, the rest is filled in truthfully.
fn stand_in(peer: &Peer, provider: u32, start: u32) -> SynthPeer {
    let (v4, v6) = match peer.address {
        IpAddr::V4(a) => (a, Ipv6Addr::UNSPECIFIED),
        IpAddr::V6(a) => (Ipv4Addr::UNSPECIFIED, a),
    };
    SynthPeer {
        entry: peer.index_entry(),
        coverage: 1.0,
        provider: if provider == 0 { peer.asn } else { provider },
        sends_med: false,
        tags: false,
        session_up: start,
        next_hop_v4: v4,
        next_hop_v6: v6.octets().to_vec(),
    }
}
