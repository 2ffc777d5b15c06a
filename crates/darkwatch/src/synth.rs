//! `darkwatch synth-table`: a deterministic, full-size synthetic TABLE_DUMP_V2
//! RIB file (RFC 6396 §4.3), for benchmarks and memory measurements that
//! need a whole Internet table and must not depend on a download.
//!
//! The same seed and sizes always give the same bytes, so a benchmark can
//! name its input by its command line instead of shipping it. The table is
//! shaped after real collector dumps, because parser and RIB performance
//! depend on the shape: prefix lengths mostly /24 (IPv4) and /48 (IPv6),
//! most prefixes seen by most peers, AS paths of 1 to 12 hops (mean about
//! 4.5) with some prepending and rare AS_SETs, attributes shared by the
//! routes of one origin through one peer, communities from some peers, and
//! IPv6 next hops in the abbreviated MP_REACH_NLRI of RFC 6396 §4.3.4.
//!
//! Records are encoded with `wire::encode` one prefix at a time and
//! streamed to the file; only the prefix list is held in memory.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use wire::aspath::SegmentKind;
use wire::attr::{Aggregator, Origin};
use wire::encode::{self, attr, PeerEntry, RibEntry};
use wire::{AsnWidth, Prefix};

/// Arguments of `darkwatch synth-table`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// File to write: an uncompressed MRT file (replaced if it exists).
    #[arg(value_name = "FILE")]
    out: PathBuf,
    /// Seed of the generator: the same seed and sizes give the same bytes.
    #[arg(long, default_value_t = 2014)]
    seed: u64,
    /// Number of distinct IPv4 prefixes.
    #[arg(long, default_value_t = 1_000_000)]
    v4: u32,
    /// Number of distinct IPv6 prefixes.
    #[arg(long, default_value_t = 200_000)]
    v6: u32,
    /// Number of peers in the PEER_INDEX_TABLE.
    #[arg(long, default_value_t = 40)]
    peers: u16,
    /// Dump time in Unix seconds (default 2014-12-22 00:00:00 UTC).
    #[arg(long, default_value_t = 1_419_206_400)]
    time: u32,
}

/// Runs `synth-table`: writes the file and reports its size on stderr.
pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    let params = Params {
        seed: args.seed,
        v4: args.v4,
        v6: args.v6,
        peers: args.peers,
        time: args.time,
    };
    let path = &args.out;
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let stats =
        generate(&params, &mut out).with_context(|| format!("writing {}", path.display()))?;
    out.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!(
        "darkwatch synth-table: {}: {} records, {} RIB entries, {} bytes",
        path.display(),
        stats.records,
        stats.entries,
        stats.bytes
    );
    Ok(())
}

/// What to generate (the arguments without the file).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Params {
    pub(crate) seed: u64,
    pub(crate) v4: u32,
    pub(crate) v6: u32,
    pub(crate) peers: u16,
    pub(crate) time: u32,
}

/// What was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Stats {
    records: u64,
    entries: u64,
    bytes: u64,
}

// ---------------------------------------------------------------------------
// Randomness.

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast and good enough to
/// shape a table. Written out here so the output depends on nothing but
/// this file: a new version of a random-number crate must not silently
/// change a benchmark's input.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator for one keyed decision (a peer's path to an origin, a
    /// prefix's visibility): independent of the order things are
    /// generated in, and equal keys give equal choices, which is what
    /// makes routes of one origin through one peer share attributes.
    pub(crate) fn keyed(seed: u64, key: &[u64]) -> Rng {
        let state = key
            .iter()
            .fold(mix(seed), |s, &k| mix(s ^ k.wrapping_mul(GOLDEN)));
        Rng(state)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// A number in `0..n` (0 when `n` is 0), by multiply-and-shift.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(u64::from(hi - lo) + 1) as u32
    }

    /// A uniform number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An element of a non-empty slice (0 for an empty one).
    fn pick<T: Copy + Default>(&mut self, items: &[T]) -> T {
        let i = self.below(items.len() as u64) as usize;
        items.get(i).copied().unwrap_or_default()
    }

    /// A value drawn with the given weights.
    fn weighted(&mut self, table: &[(u8, u32)]) -> u8 {
        let total: u64 = table.iter().map(|&(_, w)| u64::from(w)).sum();
        let mut x = self.below(total);
        for &(value, w) in table {
            if x < u64::from(w) {
                return value;
            }
            x -= u64::from(w);
        }
        table.last().map_or(0, |&(v, _)| v)
    }
}

/// Keys that separate the independent decisions drawn from one seed.
pub(crate) mod salt {
    pub const WORLD: u64 = 1;
    pub const V4_PREFIXES: u64 = 2;
    pub const V6_PREFIXES: u64 = 3;
    pub const PREFIX: u64 = 4;
    pub const PATH: u64 = 5;
    pub const ATTRS: u64 = 6;
    pub const SEEN: u64 = 7;
    pub const UPSTREAM: u64 = 8;
}

// ---------------------------------------------------------------------------
// The shape of the table.

/// IPv4 prefix lengths and their weights, after the counts of a full table
/// of the late 2010s (CIDR report): over half /24, then /22, /23, /21,
/// /20, /19, /16; nothing longer than /24, as in the default-free zone.
const V4_LENGTHS: &[(u8, u32)] = &[
    (8, 15),
    (9, 15),
    (10, 40),
    (11, 100),
    (12, 300),
    (13, 600),
    (14, 1_000),
    (15, 1_700),
    (16, 13_500),
    (17, 7_000),
    (18, 12_000),
    (19, 25_000),
    (20, 38_000),
    (21, 45_000),
    (22, 110_000),
    (23, 95_000),
    (24, 560_000),
];

/// IPv6 prefix lengths and their weights: half /48, then /32, /44, /40,
/// /29, /36 and the rest.
const V6_LENGTHS: &[(u8, u32)] = &[
    (19, 5),
    (20, 30),
    (22, 20),
    (24, 60),
    (28, 1_200),
    (29, 6_000),
    (30, 900),
    (31, 500),
    (32, 27_000),
    (33, 2_000),
    (34, 1_500),
    (35, 1_000),
    (36, 5_000),
    (37, 400),
    (38, 1_000),
    (39, 400),
    (40, 13_000),
    (41, 500),
    (42, 2_500),
    (43, 700),
    (44, 17_000),
    (45, 2_000),
    (46, 6_000),
    (47, 4_000),
    (48, 110_000),
];

/// First 16 bits of IPv6 prefixes: the RIRs' big allocations.
const V6_BLOCKS: &[u16] = &[
    0x2001, 0x2400, 0x2401, 0x2402, 0x2403, 0x2404, 0x2405, 0x2406, 0x2407, 0x2600, 0x2602, 0x2603,
    0x2604, 0x2605, 0x2606, 0x2607, 0x2620, 0x2800, 0x2801, 0x2803, 0x2804, 0x2a00, 0x2a01, 0x2a02,
    0x2a03, 0x2a04, 0x2a05, 0x2a06, 0x2a07, 0x2a0a, 0x2a0b, 0x2a0c, 0x2a0d, 0x2a0e, 0x2a10, 0x2c0f,
];

/// Hops between the peer and the origin's upstream, by weight: with the
/// peer, the upstream and the origin this gives paths of mean ~4.5 hops.
const MIDDLE_HOPS: &[(u8, u32)] = &[(0, 16), (1, 36), (2, 27), (3, 13), (4, 5), (5, 3)];

/// Longest path written, prepending included.
const MAX_HOPS: usize = 12;

/// How widely a prefix is seen: the probability that a full-feed peer
/// has it. Most prefixes are seen everywhere, some regionally, a few by
/// almost no one.
fn visibility(rng: &mut Rng) -> f64 {
    match rng.unit() {
        u if u < 0.88 => 0.995,
        u if u < 0.97 => 0.45,
        _ => 0.08,
    }
}

/// A 4-byte AS number from the ranges registries hand out.
fn asn4(rng: &mut Rng) -> u32 {
    rng.range(131_072, 400_000)
}

/// A 2-byte AS number, outside the private and reserved ranges.
fn asn2(rng: &mut Rng) -> u32 {
    rng.range(1, 64_000)
}

/// A public-looking IPv4 address.
fn public_v4(rng: &mut Rng) -> Ipv4Addr {
    let first = loop {
        let b = rng.range(1, 223) as u8;
        if b != 10 && b != 127 {
            break b;
        }
    };
    let [_, b, c, d] = (rng.next_u64() as u32).to_be_bytes();
    Ipv4Addr::new(first, b, c, d)
}

/// A peer of the synthetic collector.
#[derive(Clone, Debug)]
pub(crate) struct SynthPeer {
    pub(crate) entry: PeerEntry,
    /// Share of the table the peer sends: ~1 for full-feed peers.
    pub(crate) coverage: f64,
    /// The peer's own transit provider, a tier-1 (itself when it is one).
    pub(crate) provider: u32,
    /// Sends MULTI_EXIT_DISC.
    pub(crate) sends_med: bool,
    /// Tags routes with communities (standard for 2-byte ASNs, large for
    /// 4-byte ones, as operators do).
    pub(crate) tags: bool,
    /// When the session came up: the oldest a route's originated time is.
    pub(crate) session_up: u32,
    pub(crate) next_hop_v4: Ipv4Addr,
    /// Global IPv6 next hop, and a link-local one for some peers.
    pub(crate) next_hop_v6: Vec<u8>,
}

/// An AS that originates prefixes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OriginAs {
    asn: u32,
    origin: u8,
    /// Its transit providers (1 to 3; multihoming).
    upstreams: [u32; 3],
    upstream_count: u8,
    /// Announces aggregates whose path ends in an AS_SET.
    aggregates_with_set: bool,
    /// Sets AGGREGATOR on its routes.
    sets_aggregator: bool,
}

/// The ASes and peers every record is drawn from.
pub(crate) struct World {
    seed: u64,
    time: u32,
    peers: Vec<SynthPeer>,
    /// Peers carrying each family: those with an address of the family
    /// (all peers when none has one).
    v4_peers: Vec<u16>,
    v6_peers: Vec<u16>,
    pub(crate) tier1: Vec<u32>,
    transits: Vec<u32>,
    pub(crate) origins: Vec<OriginAs>,
}

impl World {
    pub(crate) fn new(p: &Params) -> anyhow::Result<World> {
        if p.peers == 0 {
            bail!("--peers must be at least 1");
        }
        let mut rng = Rng::keyed(p.seed, &[salt::WORLD]);
        // Tier-1 networks are old: 2-byte AS numbers.
        let tier1: Vec<u32> = (0..12).map(|_| asn2(&mut rng)).collect();
        let total = u64::from(p.v4) + u64::from(p.v6);
        let transit_count = (total / 150).clamp(20, 20_000);
        let transits: Vec<u32> = (0..transit_count)
            .map(|_| {
                if rng.chance(0.8) {
                    asn2(&mut rng)
                } else {
                    asn4(&mut rng)
                }
            })
            .collect();
        let origin_count = (total / 12).clamp(1, 200_000);
        let origins: Vec<OriginAs> = (0..origin_count)
            .map(|_| {
                let asn = if rng.chance(0.6) {
                    asn2(&mut rng)
                } else {
                    asn4(&mut rng)
                };
                let upstream_count = 1 + u8::from(rng.chance(0.4)) + u8::from(rng.chance(0.1));
                let mut upstreams = [0; 3];
                upstreams.iter_mut().for_each(|u| *u = rng.pick(&transits));
                OriginAs {
                    asn,
                    // IGP mostly, INCOMPLETE from redistribution, EGP rare.
                    origin: rng.weighted(&[(0, 85), (2, 12), (1, 3)]),
                    upstreams,
                    upstream_count,
                    aggregates_with_set: rng.chance(0.0005),
                    sets_aggregator: rng.chance(0.05),
                }
            })
            .collect();
        let peers: Vec<SynthPeer> = (0..p.peers)
            .map(|i| make_peer(&mut rng, i, p.time, &tier1))
            .collect();
        let family = |v6: bool| -> Vec<u16> {
            let of: Vec<u16> = (0..p.peers)
                .filter(|&i| {
                    peers
                        .get(usize::from(i))
                        .is_some_and(|peer| peer.entry.addr.is_ipv6() == v6)
                })
                .collect();
            if of.is_empty() {
                (0..p.peers).collect()
            } else {
                of
            }
        };
        Ok(World {
            seed: p.seed,
            time: p.time,
            v4_peers: family(false),
            v6_peers: family(true),
            peers,
            tier1,
            transits,
            origins,
        })
    }
}

fn make_peer(rng: &mut Rng, index: u16, time: u32, tier1: &[u32]) -> SynthPeer {
    let is_tier1 = rng.chance(0.25);
    let asn = if is_tier1 {
        rng.pick(tier1)
    } else if rng.chance(0.7) {
        asn2(rng)
    } else {
        asn4(rng)
    };
    // Collectors differ: some flag every peer AS4, some only the wide
    // ones; a 4-byte AS always needs the flag.
    let asn_width = if asn > 0xffff || rng.chance(0.5) {
        AsnWidth::Four
    } else {
        AsnWidth::Two
    };
    let v4 = public_v4(rng);
    // About one peer in four has an IPv6 session (peer 1 always, so small
    // runs have both families).
    let v6_session = index == 1 || (index != 0 && rng.chance(0.25));
    let [_, _, _, _, a, b, c, d] = rng.next_u64().to_be_bytes();
    let global = Ipv6Addr::new(
        0x2001,
        0x07f8,
        u16::from(a),
        0,
        0,
        u16::from_be_bytes([b, c]),
        u16::from(d),
        1,
    );
    let mut next_hop_v6 = global.octets().to_vec();
    if rng.chance(0.3) {
        let ll = Ipv6Addr::new(0xfe80, 0, 0, 0, u16::from(a), 0xff, 0xfe00, u16::from(d));
        next_hop_v6.extend_from_slice(&ll.octets());
    }
    let addr = if v6_session {
        IpAddr::V6(global)
    } else {
        IpAddr::V4(v4)
    };
    let full_feed = rng.chance(0.8);
    SynthPeer {
        entry: PeerEntry {
            bgp_id: public_v4(rng),
            addr,
            asn,
            asn_width,
        },
        coverage: if full_feed {
            1.0
        } else {
            0.02 + 0.3 * rng.unit()
        },
        provider: if is_tier1 { asn } else { rng.pick(tier1) },
        sends_med: rng.chance(0.3),
        tags: rng.chance(0.5),
        session_up: time.saturating_sub(3_600 + rng.range(0, 60 * 86_400)),
        next_hop_v4: v4,
        next_hop_v6,
    }
}

// ---------------------------------------------------------------------------
// Prefixes.

/// Draws `count` distinct prefixes of the lengths in `lengths`, with
/// `draw` making the address of one; returns them sorted, as dumps are.
pub(crate) fn distinct<T: Copy + Ord + std::hash::Hash>(
    count: u32,
    rng: &mut Rng,
    family: &str,
    mut draw: impl FnMut(&mut Rng) -> T,
) -> anyhow::Result<Vec<T>> {
    let count = count as usize;
    let mut seen = HashSet::with_capacity(count);
    let mut list = Vec::with_capacity(count);
    // Duplicates are rare at real table sizes; the bound only stops a
    // request for more prefixes than the length mix can hold.
    let attempts = count.saturating_mul(8).saturating_add(1_000);
    for _ in 0..attempts {
        if list.len() == count {
            break;
        }
        let p = draw(rng);
        if seen.insert(p) {
            list.push(p);
        }
    }
    if list.len() < count {
        bail!("could not draw {count} distinct {family} prefixes; ask for fewer");
    }
    list.sort_unstable();
    Ok(list)
}

/// An IPv4 prefix as (address, length), address masked.
pub(crate) fn draw_v4(rng: &mut Rng) -> (u32, u8) {
    let len = rng.weighted(V4_LENGTHS);
    let addr = u32::from(public_v4(rng));
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    (addr & mask, len)
}

/// An IPv6 prefix as (address, length), address masked.
pub(crate) fn draw_v6(rng: &mut Rng) -> (u128, u8) {
    let len = rng.weighted(V6_LENGTHS);
    let high = u128::from(rng.pick(V6_BLOCKS)) << 112;
    let low = (u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())) >> 16;
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    ((high | low) & mask, len)
}

// ---------------------------------------------------------------------------
// Routes.

/// Scratch space reused for every route, so generation allocates nothing
/// per route.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) path: Vec<u32>,
    pub(crate) set: Vec<u32>,
    communities: Vec<u32>,
    large: Vec<(u32, u32, u32)>,
}

impl World {
    /// The AS path from `peer` to `origin`; `variant` picks among the
    /// origin's upstreams (multihoming seen differently by different
    /// peers). Fills `s.path` (a sequence) and `s.set` (an AS_SET that
    /// follows it, usually empty).
    pub(crate) fn path(&self, peer: &SynthPeer, o: &OriginAs, variant: u64, s: &mut Scratch) {
        s.path.clear();
        s.set.clear();
        let mut rng = Rng::keyed(
            self.seed,
            &[
                salt::PATH,
                u64::from(peer.entry.asn),
                u64::from(o.asn),
                variant,
            ],
        );
        let push = |path: &mut Vec<u32>, asn: u32| {
            if !path.contains(&asn) {
                path.push(asn);
            }
        };
        push(&mut s.path, peer.entry.asn);
        if rng.chance(0.002) {
            // The peer announces the prefix itself (anycast, or a
            // multi-origin prefix): a one-hop path.
            return;
        }
        // A few origins are the peer's direct customers: two hops.
        let direct = rng.chance(0.03);
        let upstream = o
            .upstreams
            .get(rng.below(u64::from(o.upstream_count)) as usize)
            .copied()
            .unwrap_or(o.asn);
        if !direct {
            let middle = rng.weighted(MIDDLE_HOPS);
            if middle > 0 {
                push(&mut s.path, peer.provider);
            }
            // Intermediate transits chosen by (peer, upstream), so routes
            // through one upstream share the middle of their paths.
            let mut mid = Rng::keyed(
                self.seed,
                &[
                    salt::UPSTREAM,
                    u64::from(peer.entry.asn),
                    u64::from(upstream),
                ],
            );
            for hop in 1..middle {
                // Peer's tier-1, then the upstream's own tier-1 (often a
                // different one), then regional transits.
                let asn = if hop == 1 {
                    mid.pick(&self.tier1)
                } else {
                    mid.pick(&self.transits)
                };
                push(&mut s.path, asn);
            }
            push(&mut s.path, upstream);
            if rng.chance(0.02) {
                // An upstream prepending itself for traffic engineering.
                for _ in 0..rng.range(1, 2) {
                    s.path.push(upstream);
                }
            }
        }
        if o.aggregates_with_set {
            // An aggregate: the origin and the ASes of the routes it
            // covers, in an AS_SET after the aggregating AS.
            s.set.push(o.asn);
            for _ in 0..rng.range(1, 3) {
                let other = rng.pick(&self.origins).asn;
                if !s.set.contains(&other) {
                    s.set.push(other);
                }
            }
        } else {
            push(&mut s.path, o.asn);
            if rng.chance(0.07) {
                // Origin prepending, the commonest kind.
                for _ in 0..rng.range(1, 3) {
                    s.path.push(o.asn);
                }
            }
        }
        let budget = MAX_HOPS - usize::from(!s.set.is_empty());
        if s.path.len() > budget {
            // Drop hops from the middle, keeping the peer and the origin.
            let excess = s.path.len() - budget;
            s.path.drain(1..1 + excess);
        }
    }

    /// Appends the attribute block of the route of `peer` to `o` (RIB
    /// entries use 4-byte AS numbers, RFC 6396 §4.3.4).
    fn attributes(
        &self,
        out: &mut Vec<u8>,
        peer: &SynthPeer,
        o: &OriginAs,
        variant: u64,
        v6: bool,
        s: &mut Scratch,
    ) -> anyhow::Result<()> {
        self.path(peer, o, variant, s);
        let mut rng = Rng::keyed(
            self.seed,
            &[
                salt::ATTRS,
                u64::from(peer.entry.asn),
                u64::from(o.asn),
                variant,
            ],
        );
        attr::origin(out, Origin::from_code(o.origin));
        let sequence = (SegmentKind::Sequence, s.path.as_slice());
        let set = (SegmentKind::Set, s.set.as_slice());
        if s.set.is_empty() {
            attr::as_path(out, &[sequence], AsnWidth::Four)?;
        } else {
            attr::as_path(out, &[sequence, set], AsnWidth::Four)?;
        }
        if !v6 {
            attr::next_hop(out, peer.next_hop_v4);
        }
        if peer.sends_med {
            attr::med(out, rng.range(0, 20) * 10);
        }
        if !s.set.is_empty() {
            attr::atomic_aggregate(out);
        }
        if o.sets_aggregator || !s.set.is_empty() {
            let agg = Aggregator {
                asn: s.path.last().copied().unwrap_or(o.asn),
                addr: Ipv4Addr::from(mix(u64::from(o.asn)) as u32),
            };
            attr::aggregator(out, agg, AsnWidth::Four)?;
        }
        if peer.tags {
            self.tag(peer, &mut rng, s);
            if !s.communities.is_empty() {
                attr::communities(out, &s.communities)?;
            }
        }
        if v6 {
            attr::mp_reach_next_hop(out, &peer.next_hop_v6)?;
        }
        if peer.tags && !s.large.is_empty() {
            attr::large_communities(out, &s.large)?;
        }
        Ok(())
    }

    /// The communities a tagging peer puts on a route: where it learned
    /// it (a region and a peering-type tag), sometimes a third,
    /// informational one, rarely NO_EXPORT. 2-byte peers use standard communities, 4-byte
    /// peers large ones (RFC 8092), since theirs cannot hold their AS.
    fn tag(&self, peer: &SynthPeer, rng: &mut Rng, s: &mut Scratch) {
        s.communities.clear();
        s.large.clear();
        let asn = peer.entry.asn;
        let region = rng.range(1, 9);
        let kind = rng.range(1, 4);
        let extra = rng.chance(0.3).then(|| rng.range(100, 999));
        if asn <= 0xffff {
            s.communities.push(asn << 16 | (1_000 + region));
            s.communities.push(asn << 16 | (2_000 + kind));
            if let Some(x) = extra {
                s.communities.push(asn << 16 | x);
            }
            if rng.chance(0.05) {
                s.communities.push(wire::attr::NO_EXPORT);
            }
        } else {
            s.large.push((asn, 1, region));
            s.large.push((asn, 2, kind));
            if let Some(x) = extra {
                s.large.push((asn, 3, x));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The file.

/// One prefix to write: the wire prefix and the key its choices hang on.
struct Target {
    prefix: Prefix,
    key: u64,
    v6: bool,
}

/// Writes the whole file to `w`: the PEER_INDEX_TABLE, then one RIB record
/// per prefix, IPv4 then IPv6, each in address order.
fn generate(p: &Params, w: &mut impl Write) -> anyhow::Result<Stats> {
    let world = World::new(p)?;
    let mut stats = Stats::default();
    let mut buf = Vec::with_capacity(1 << 16);
    let table: Vec<PeerEntry> = world.peers.iter().map(|peer| peer.entry).collect();
    // route-views2's collector id, so the file looks like the RIBs it
    // stands in for.
    let collector = Ipv4Addr::new(128, 223, 51, 102);
    encode::peer_index_table(&mut buf, p.time, collector, b"darkwatch-synth", &table)?;
    emit(w, &mut buf, &mut stats)?;

    let mut rng = Rng::keyed(p.seed, &[salt::V4_PREFIXES]);
    let v4 = distinct(p.v4, &mut rng, "IPv4", draw_v4)?;
    let mut rng = Rng::keyed(p.seed, &[salt::V6_PREFIXES]);
    let v6 = distinct(p.v6, &mut rng, "IPv6", draw_v6)?;

    let mut rib = RibWriter::default();
    let mut sequence = 0u32;
    for &(addr, len) in &v4 {
        let prefix = Prefix::v4(Ipv4Addr::from(addr), len).context("IPv4 prefix length")?;
        let key = u64::from(addr) << 8 | u64::from(len);
        let target = Target {
            prefix,
            key,
            v6: false,
        };
        rib.write(&world, &target, sequence, &mut buf)?;
        stats.entries += rib.entries;
        emit(w, &mut buf, &mut stats)?;
        sequence = sequence.wrapping_add(1);
    }
    for &(addr, len) in &v6 {
        let prefix = Prefix::v6(Ipv6Addr::from(addr), len).context("IPv6 prefix length")?;
        // Fold the address into the key: only the choices hang on it.
        let key = mix((addr >> 64) as u64 ^ mix(addr as u64)) ^ u64::from(len);
        let target = Target {
            prefix,
            key,
            v6: true,
        };
        rib.write(&world, &target, sequence, &mut buf)?;
        stats.entries += rib.entries;
        emit(w, &mut buf, &mut stats)?;
        sequence = sequence.wrapping_add(1);
    }
    Ok(stats)
}

fn emit(w: &mut impl Write, buf: &mut Vec<u8>, stats: &mut Stats) -> anyhow::Result<()> {
    w.write_all(buf)?;
    stats.records += 1;
    stats.bytes += buf.len() as u64;
    buf.clear();
    Ok(())
}

/// Builds RIB records, its buffers reused from one prefix to the next.
#[derive(Default)]
struct RibWriter {
    /// Attribute blocks of the current record, back to back.
    arena: Vec<u8>,
    /// Per entry: peer index, originated time, span in `arena`.
    spans: Vec<(u16, u32, usize, usize)>,
    scratch: Scratch,
    /// Entries in the last record written.
    entries: u64,
}

impl RibWriter {
    fn write(
        &mut self,
        world: &World,
        t: &Target,
        sequence: u32,
        out: &mut Vec<u8>,
    ) -> anyhow::Result<()> {
        let family = u64::from(t.v6);
        let mut rng = Rng::keyed(world.seed, &[salt::PREFIX, family, t.key]);
        // Skewed: a few origins announce thousands of prefixes, most a few.
        let u = rng.unit();
        let origin_index = (u * u * world.origins.len() as f64) as usize;
        let origin = world.origins.get(origin_index).copied().unwrap_or_default();
        let visibility = visibility(&mut rng);
        let carriers = if t.v6 {
            &world.v6_peers
        } else {
            &world.v4_peers
        };
        self.arena.clear();
        self.spans.clear();
        for &index in carriers {
            let Some(peer) = world.peers.get(usize::from(index)) else {
                continue;
            };
            let mut seen = Rng::keyed(world.seed, &[salt::SEEN, family, t.key, u64::from(index)]);
            if !seen.chance(visibility * peer.coverage) {
                continue;
            }
            self.push_entry(world, t, index, peer, &origin, &mut seen)?;
        }
        if self.spans.is_empty() {
            // Every prefix in a dump is there because some peer has it.
            let index = rng.pick(carriers);
            if let Some(peer) = world.peers.get(usize::from(index)) {
                self.push_entry(world, t, index, peer, &origin, &mut rng)?;
            }
        }
        let entries: Vec<RibEntry<'_>> = self
            .spans
            .iter()
            .map(|&(peer_index, originated, start, end)| RibEntry {
                peer_index,
                originated,
                path_id: None,
                attributes: self.arena.get(start..end).unwrap_or_default(),
            })
            .collect();
        self.entries = entries.len() as u64;
        encode::rib(out, world.time, sequence, &t.prefix, false, &entries)?;
        Ok(())
    }

    fn push_entry(
        &mut self,
        world: &World,
        t: &Target,
        index: u16,
        peer: &SynthPeer,
        origin: &OriginAs,
        rng: &mut Rng,
    ) -> anyhow::Result<()> {
        // One route in ten takes another of the origin's upstreams than
        // the origin's other prefixes do (traffic engineering).
        let variant = u64::from(rng.chance(0.1));
        let start = self.arena.len();
        world.attributes(
            &mut self.arena,
            peer,
            origin,
            variant,
            t.v6,
            &mut self.scratch,
        )?;
        // Half the routes date from the session start, the others from
        // some later update.
        let since = world.time.saturating_sub(peer.session_up);
        let originated = if rng.chance(0.5) {
            peer.session_up
        } else {
            peer.session_up + rng.range(0, since)
        };
        self.spans
            .push((index, originated, start, self.arena.len()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::entry::{visit, PeerTable};
    use wire::mrt::{Header, RawRecord, Record, HEADER_LEN};

    fn small() -> Params {
        Params {
            seed: 2014,
            v4: 2_000,
            v6: 500,
            peers: 40,
            time: 1_419_206_400,
        }
    }

    /// Decodes every record of `bytes` and checks the shape of the table.
    #[test]
    fn small_table_decodes_and_has_the_asked_shape() {
        let mut bytes = Vec::new();
        let stats = generate(&small(), &mut bytes).unwrap();
        assert_eq!(stats.bytes as usize, bytes.len());
        assert_eq!(stats.records, 1 + 2_000 + 500);

        let mut peers = PeerTable::default();
        let mut rest = &bytes[..];
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        let (mut entries, mut hops, mut sets, mut prepends) = (0u64, 0u64, 0u64, 0u64);
        while !rest.is_empty() {
            let header = Header::parse(rest[..HEADER_LEN].try_into().unwrap());
            let end = HEADER_LEN + header.length as usize;
            let raw = RawRecord::new(header, &rest[HEADER_LEN..end]).unwrap();
            rest = &rest[end..];
            assert_eq!(raw.check(), Ok(()));
            if let Record::Rib(rib) = raw.decode().unwrap() {
                let prefix = rib.prefix.unwrap();
                match prefix.afi() {
                    wire::Afi::Ipv4 => v4.push(prefix),
                    wire::Afi::Ipv6 => v6.push(prefix),
                }
                assert!(rib.entry_count >= 1);
            }
            let visited = visit(&raw, &mut peers, |e| {
                let attrs = e.attrs.unwrap();
                let path = attrs.path().unwrap();
                let asns: Vec<u32> = path.asns().collect();
                hops += path.hops() as u64;
                assert!((1..=MAX_HOPS).contains(&path.hops()));
                sets += u64::from(path.origin_asn().is_none());
                prepends += u64::from(asns.windows(2).any(|w| w[0] == w[1]));
                assert_eq!(asns.first().copied(), Some(e.peer_asn));
                assert!(e.next_hop.is_some());
                if e.prefix.unwrap().afi() == wire::Afi::Ipv6 {
                    assert!(attrs.mp_reach.unwrap().is_abbreviated());
                }
            });
            assert_eq!(visited.error, None);
            entries += u64::from(visited.entries);
        }
        assert_eq!(peers.peers.len(), 40);
        assert!(peers.peers.iter().any(|p| p.addr.is_ipv6()));
        assert!(peers.peers.iter().any(|p| p.asn > 0xffff));
        assert_eq!(entries, stats.entries);
        // Distinct, sorted, and the lengths real tables have most.
        for list in [&v4, &v6] {
            let keys: Vec<(&[u8], u8)> = list.iter().map(|p| (p.addr_bytes(), p.len())).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]));
        }
        assert_eq!((v4.len(), v6.len()), (2_000, 500));
        let share = |list: &[Prefix], len: u8| {
            list.iter().filter(|p| p.len() == len).count() as f64 / list.len() as f64
        };
        assert!(share(&v4, 24) > 0.5);
        assert!(share(&v6, 48) > 0.4);
        let mean = hops as f64 / entries as f64;
        assert!((3.5..=5.5).contains(&mean), "mean path length {mean}");
        // Prepending is common enough to show in a small table; AS_SETs
        // are rare, and only bounded.
        assert!(prepends > 0);
        assert!(sets * 100 < entries);
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let p = Params {
            v4: 300,
            v6: 100,
            ..small()
        };
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        generate(&p, &mut a).unwrap();
        generate(&p, &mut b).unwrap();
        generate(&Params { seed: 7, ..p }, &mut c).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn impossible_requests_fail_cleanly() {
        let zero_peers = Params {
            peers: 0,
            ..small()
        };
        assert!(generate(&zero_peers, &mut Vec::new()).is_err());
    }
}
