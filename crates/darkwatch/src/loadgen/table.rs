//! The routes the load generator announces, as groups of routes that
//! share their path attributes (the way a router packs them into
//! UPDATEs): either `synth-table`'s synthetic full table (the same seed
//! gives the same prefixes, and paths come from the same model of
//! tier-1s, transits and origins, here from the generator's own peers) or
//! the routes of a TABLE_DUMP_V2 RIB file, each generator peer replaying
//! one of the file's peers.
//!
//! An attribute block here holds what the routes share apart from the
//! next hop: ORIGIN, AS_PATH and, from a RIB, whatever else the route
//! carried. The encoder adds the peer's NEXT_HOP (IPv4) or MP_REACH_NLRI
//! (IPv6), since every generator peer has its own next hop.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use anyhow::{bail, Context};
use feed::MrtReader;
use wire::aspath::SegmentKind;
use wire::attr::{code, Origin};
use wire::encode::{attr, PeerEntry};
use wire::entry::{visit, EntryKind, PeerTable};
use wire::{Afi, AsnWidth, Nlri, Prefix};

use super::Peer;
use crate::synth::{self, OriginAs, Params, Rng, Scratch, SynthPeer, World};

/// Keys of the generator's own random choices (apart from `synth`'s).
mod salt {
    /// A prefix's origin AS.
    pub const ORIGIN: u64 = 0x6c67_0001;
    /// A peer's tier-1 provider.
    pub const PROVIDER: u64 = 0x6c67_0002;
}

/// Where the routes come from.
pub(super) enum Routes {
    /// The synthetic table: every peer announces every prefix.
    Synthetic(Box<Synthetic>),
    /// A RIB file's routes.
    Rib(Rib),
}

impl Routes {
    /// Calls `f` with each group of routes `peer` announces: its family,
    /// the shared attribute block and the routes, IPv4 groups first.
    pub(super) fn for_each_group(
        &mut self,
        peer: &Peer,
        mut f: impl FnMut(Afi, &[u8], &[Nlri]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        match self {
            Routes::Synthetic(s) => s.for_each_group(peer, f),
            Routes::Rib(rib) => {
                // Peers beyond the file's replay its tables again, under
                // their own addresses.
                let Some(table) = rib.peers.get(peer.index % rib.peers.len().max(1)) else {
                    return Ok(());
                };
                for (afi, groups) in [(Afi::Ipv4, &table.v4), (Afi::Ipv6, &table.v6)] {
                    for g in groups {
                        f(afi, &g.attrs, &g.nlri)?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// Routes sharing one attribute block.
struct Group {
    attrs: Vec<u8>,
    nlri: Vec<Nlri>,
}

/// The synthetic full table.
pub(super) struct Synthetic {
    seed: u64,
    time: u32,
    world: World,
    /// Per family, each origin's prefixes (address order), origins that
    /// have none left out.
    v4: Vec<(OriginAs, Vec<Nlri>)>,
    v6: Vec<(OriginAs, Vec<Nlri>)>,
    scratch: Scratch,
    attrs: Vec<u8>,
}

impl Synthetic {
    /// Draws `prefixes` distinct prefixes, five IPv4 to one IPv6 (the
    /// default 1,200,000 are `synth-table`'s 1,000,000 and 200,000, with
    /// the same seed the same ones), each from an origin of the model.
    pub(super) fn new(seed: u64, prefixes: u32, time: u32) -> anyhow::Result<Synthetic> {
        let v6 = prefixes / 6;
        let v4 = prefixes - v6;
        // The generator's own peers are not used: one is cheapest.
        let params = Params {
            seed,
            v4,
            v6,
            peers: 1,
            time,
        };
        let world = World::new(&params)?;
        let mut rng = Rng::keyed(seed, &[synth::salt::V4_PREFIXES]);
        let v4 = synth::distinct(v4, &mut rng, "IPv4", synth::draw_v4)?
            .into_iter()
            .map(|(addr, len)| Prefix::v4(Ipv4Addr::from(addr), len));
        let mut rng = Rng::keyed(seed, &[synth::salt::V6_PREFIXES]);
        let v6 = synth::distinct(v6, &mut rng, "IPv6", synth::draw_v6)?
            .into_iter()
            .map(|(addr, len)| Prefix::v6(Ipv6Addr::from(addr), len));
        let v4 = by_origin(&world, seed, Afi::Ipv4, v4)?;
        let v6 = by_origin(&world, seed, Afi::Ipv6, v6)?;
        Ok(Synthetic {
            seed,
            time,
            world,
            v4,
            v6,
            scratch: Scratch::default(),
            attrs: Vec::new(),
        })
    }

    fn for_each_group(
        &mut self,
        peer: &Peer,
        mut f: impl FnMut(Afi, &[u8], &[Nlri]) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let carrier = self.stand_in(peer);
        for (afi, groups) in [(Afi::Ipv4, &self.v4), (Afi::Ipv6, &self.v6)] {
            for (origin, nlri) in groups {
                self.world.path(&carrier, origin, 0, &mut self.scratch);
                self.attrs.clear();
                let (path, set) = (&self.scratch.path, &self.scratch.set);
                if set.is_empty() {
                    attr::route(&mut self.attrs, path)?;
                } else {
                    attr::origin(&mut self.attrs, Origin::Igp);
                    let segments = [(SegmentKind::Sequence, &path[..]), (SegmentKind::Set, set)];
                    attr::as_path(&mut self.attrs, &segments, AsnWidth::Four)?;
                }
                f(afi, &self.attrs, nlri)?;
            }
        }
        Ok(())
    }

    /// `peer` as the model sees peers: only its AS and its tier-1
    /// provider shape paths; the rest is filled in truthfully.
    fn stand_in(&self, peer: &Peer) -> SynthPeer {
        let mut pick = Rng::keyed(self.seed, &[salt::PROVIDER, peer.index as u64]);
        let tier1 = &self.world.tier1;
        let provider = tier1
            .get(pick.below(tier1.len() as u64) as usize)
            .copied()
            .unwrap_or(peer.header.asn);
        let next_hop_v4 = match peer.header.addr {
            IpAddr::V4(a) => a,
            IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
        };
        SynthPeer {
            entry: PeerEntry {
                bgp_id: peer.header.bgp_id,
                addr: peer.header.addr,
                asn: peer.header.asn,
                asn_width: AsnWidth::Four,
            },
            coverage: 1.0,
            provider,
            sends_med: false,
            tags: false,
            session_up: self.time,
            next_hop_v4,
            next_hop_v6: peer.next_hop_v6.octets().to_vec(),
        }
    }
}

/// Gives each prefix an origin of `world` and groups the prefixes by it.
fn by_origin(
    world: &World,
    seed: u64,
    afi: Afi,
    prefixes: impl Iterator<Item = Option<Prefix>>,
) -> anyhow::Result<Vec<(OriginAs, Vec<Nlri>)>> {
    let mut groups: Vec<(OriginAs, Vec<Nlri>)> = world
        .origins
        .iter()
        .map(|&origin| (origin, Vec::new()))
        .collect();
    let family = u64::from(afi.code());
    for (i, prefix) in prefixes.enumerate() {
        let prefix = prefix.context("synthetic prefix length")?;
        let mut pick = Rng::keyed(seed, &[salt::ORIGIN, family, i as u64]);
        let index = pick.below(groups.len() as u64) as usize;
        if let Some((_, nlri)) = groups.get_mut(index) {
            nlri.push(Nlri {
                prefix,
                path_id: None,
            });
        }
    }
    groups.retain(|(_, nlri)| !nlri.is_empty());
    Ok(groups)
}

/// A RIB file's routes, by the file's peers.
pub(super) struct Rib {
    /// The peers that have routes, most routes first.
    peers: Vec<RibPeer>,
}

/// One peer's table from a RIB file.
#[derive(Default)]
struct RibPeer {
    routes: u64,
    v4: Vec<Group>,
    v6: Vec<Group>,
    /// Index in `v4` or `v6` of each attribute block, while reading.
    index: HashMap<(Afi, Vec<u8>), usize>,
}

impl Rib {
    /// Reads every route of the TABLE_DUMP_V2 RIB at `path` (any
    /// compression `feed` reads).
    pub(super) fn read(path: &Path) -> anyhow::Result<Rib> {
        let shown = path.display();
        let mut reader = MrtReader::open(path).with_context(|| format!("opening {shown}"))?;
        let mut table = PeerTable::default();
        let mut by_peer: HashMap<(Option<IpAddr>, u32), usize> = HashMap::new();
        let mut peers: Vec<RibPeer> = Vec::new();
        let mut attrs = Vec::new();
        while let Some(record) = reader.next() {
            let record = record.with_context(|| {
                format!("reading {shown}: the file is damaged; give an intact RIB dump")
            })?;
            let mut failed = None;
            let visited = visit(&record.raw, &mut table, |e| {
                let (EntryKind::Rib, Some(prefix), Some(a)) = (e.kind, e.prefix, e.attrs) else {
                    return;
                };
                let next = peers.len();
                let at = *by_peer.entry((e.peer_ip, e.peer_asn)).or_insert(next);
                if at == next {
                    peers.push(RibPeer::default());
                }
                attrs.clear();
                // The next hop and the abbreviated MP_REACH_NLRI of RIB
                // entries are the collector's; the encoder writes the
                // generator peer's.
                let shared = a.raw().filter_map(Result::ok).filter(|r| {
                    ![code::NEXT_HOP, code::MP_REACH_NLRI, code::MP_UNREACH_NLRI]
                        .contains(&r.type_code)
                });
                for r in shared {
                    if let Err(err) = attr::raw(&mut attrs, r.flags, r.type_code, r.value) {
                        failed.get_or_insert(err);
                    }
                }
                if let Some(peer) = peers.get_mut(at) {
                    peer.add(prefix, &attrs);
                }
            });
            if let Some(err) = failed {
                bail!("{shown}: re-encoding a route's attributes: {err}");
            }
            if let Some(err) = visited.error {
                bail!(
                    "{shown}: record at offset {}: {err}; give an intact RIB dump",
                    record.offset
                );
            }
        }
        peers.iter_mut().for_each(|p| p.index = HashMap::new());
        // Stable: peers with equal counts keep the file's order.
        peers.sort_by_key(|p| std::cmp::Reverse(p.routes));
        if peers.is_empty() {
            bail!(
                "{shown} holds no TABLE_DUMP_V2 RIB entries; give a RIB dump \
                 (RouteViews *.ribs.*, RIS bview.*), not an updates file"
            );
        }
        Ok(Rib { peers })
    }
}

impl RibPeer {
    fn add(&mut self, prefix: Prefix, attrs: &[u8]) {
        let afi = prefix.afi();
        let groups = match afi {
            Afi::Ipv4 => &mut self.v4,
            Afi::Ipv6 => &mut self.v6,
        };
        let next = groups.len();
        let at = *self.index.entry((afi, attrs.to_vec())).or_insert(next);
        if at == next {
            groups.push(Group {
                attrs: attrs.to_vec(),
                nlri: Vec::new(),
            });
        }
        if let Some(g) = groups.get_mut(at) {
            g.nlri.push(Nlri {
                prefix,
                path_id: None,
            });
            self.routes += 1;
        }
    }
}
