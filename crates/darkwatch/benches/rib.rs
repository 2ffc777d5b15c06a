//! The route table on the full-size synthetic table (1,000,000 IPv4 and
//! 200,000 IPv6 prefixes, 40 peers; `darkwatch synth-table`): memory per
//! stored route, counted by a global allocator that tracks live bytes, and
//! events per second, for loading the table and for a stream of updates on
//! the loaded table. One measurement, not a sampling harness: the table
//! takes seconds to load. `scripts/bench` runs it and writes the numbers
//! into BENCHMARKS.md; alone: `cargo bench -p darkwatch --bench rib`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rib::{Delta, Rib, RibConfig};
use wire::attr::{AttrContext, Attributes};
use wire::encode::attr;
use wire::event::{EventKind, RouteEvent, Timestamp};
use wire::{AsnWidth, Prefix, Reader};

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counter only observes sizes.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn synthetic() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let out = dir.join("synth-1m.mrt");
    if !out.exists() {
        let ok = Command::new(env!("CARGO_BIN_EXE_darkwatch"))
            .arg("synth-table")
            .arg(&out)
            .status()
            .expect("run darkwatch synth-table")
            .success();
        assert!(ok, "synth-table failed");
    }
    out
}

/// Replays the file, handing each event to `f`; returns the event count.
fn replay(path: &Path, mut f: impl FnMut(&RouteEvent<'_, '_>)) -> u64 {
    let mut n = 0u64;
    feed::replay(
        &[feed::ReplayInput::guess(path)],
        |e| {
            n += 1;
            f(e);
        },
        |d| panic!("damaged synthetic table: {d}"),
    )
    .expect("replay");
    n
}

fn main() {
    // `cargo test --benches` runs benches with --bench absent: do nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let path = synthetic();

    let start = Instant::now();
    let events = replay(&path, |e| {
        std::hint::black_box(e.prefix);
    });
    let decode_only = start.elapsed().as_secs_f64();

    let before = LIVE.load(Ordering::Relaxed);
    let mut table = Rib::new(RibConfig::default());
    let mut deltas: Vec<Delta> = Vec::new();
    let start = Instant::now();
    replay(&path, |e| {
        table.apply(e, &mut deltas);
        deltas.clear();
    });
    let with_table = start.elapsed().as_secs_f64();
    table.refresh_full_feed(&mut deltas);
    deltas = Vec::new();
    let bytes = LIVE.load(Ordering::Relaxed) - before;
    let routes = table.route_count();
    let load_rate = events as f64 / (with_table - decode_only).max(1e-9);

    // Updates on the loaded table: path changes, withdrawals and
    // re-announcements spread over every prefix and peer.
    let blobs: Vec<Vec<u8>> = (0..64u32)
        .map(|i| {
            let mut out = Vec::new();
            let path = [64_512 + i, 3356, 1299, 65_000 + i % 7];
            attr::route(&mut out, &path).expect("encode path");
            out
        })
        .collect();
    let ctx = AttrContext {
        asn_width: AsnWidth::Four,
        add_path: false,
        rib: false,
    };
    let attrs: Vec<Attributes<'_>> = blobs
        .iter()
        .map(|b| Attributes::decode(Reader::new(b), ctx))
        .collect();
    let peers: Vec<_> = table.peers().map(|(_, info)| info.key).collect();
    let attrs = &attrs;
    let run = |table: &mut Rib, plan: &[Update], deltas: &mut Vec<Delta>| {
        let start = Instant::now();
        for (i, u) in plan.iter().enumerate() {
            let event = RouteEvent {
                prefix: Some(u.prefix),
                attrs: attrs.get(usize::from(u.attrs)),
                ..RouteEvent::session(
                    peers[usize::from(u.peer)],
                    u.kind,
                    Timestamp::from_secs(1_419_206_400 + (i / 1000) as u32),
                )
            };
            table.apply(&event, deltas);
            deltas.clear();
        }
        plan.len() as f64 / start.elapsed().as_secs_f64()
    };
    let churn = churn_plan(&table, 5_000_000, attrs.len());
    let churn_rate = run(&mut table, &churn, &mut deltas);
    let uniform = uniform_plan(&table, 5_000_000, attrs.len());
    let uniform_rate = run(&mut table, &uniform, &mut deltas);

    println!(
        "rib: {routes} routes, {} prefixes, {} interned paths",
        table.prefix_count(),
        table.paths().len()
    );
    println!("rib/bytes-per-route {:.1}", bytes as f64 / routes as f64);
    println!("rib/load-events-per-second {load_rate:.0}");
    println!("rib/churn-events-per-second {churn_rate:.0}");
    println!("rib/uniform-events-per-second {uniform_rate:.0}");
    println!("rib/replay-decode-only-seconds {decode_only:.3}");
    println!("rib/replay-with-table-seconds {with_table:.3}");
}

/// One planned update: the prefix (carried whole, as a decoded message
/// would, so the timed loop reads it sequentially), and indexes into the
/// table's peers and the prepared attribute sets.
struct Update {
    prefix: Prefix,
    peer: u16,
    attrs: u8,
    kind: EventKind,
}

/// A small deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Steady churn on the loaded table, the shape of a real update stream:
/// each update picks a random route of the table as loaded (a random
/// prefix, then one of its routes); a route that is there changes path
/// (3 in 4) or is withdrawn (1 in 4), one withdrawn earlier is announced
/// again. The table keeps its size, as a collector's does.
fn churn_plan(table: &Rib, n: usize, attr_sets: usize) -> Vec<Update> {
    let mut rng = Rng(0x2014_1222);
    let mut withdrawn = std::collections::HashSet::new();
    let count = table.prefix_count();
    let mut plan = Vec::with_capacity(n);
    while plan.len() < n {
        let prefix = rng.below(count) as u32;
        let routes: Vec<_> = table.routes(rib::PrefixId(prefix)).collect();
        if routes.is_empty() {
            continue;
        }
        let (peer, _, _) = routes[rng.below(routes.len())];
        let kind = if withdrawn.remove(&(prefix, peer.0)) || rng.below(4) != 3 {
            EventKind::Announce
        } else {
            withdrawn.insert((prefix, peer.0));
            EventKind::Withdraw
        };
        plan.push(Update {
            prefix: table
                .prefix(rib::PrefixId(prefix))
                .expect("prefix of the table"),
            peer: peer.0,
            attrs: rng.below(attr_sets) as u8,
            kind,
        });
    }
    plan
}

/// The worst case for caches and the allocator: uniformly random (prefix,
/// peer) pairs, announced (3 in 4) or withdrawn (1 in 4) whether or not
/// the peer had a route, so the table grows as it goes.
fn uniform_plan(table: &Rib, n: usize, attr_sets: usize) -> Vec<Update> {
    let mut rng = Rng(0x2014_1222);
    let (prefixes, peers) = (table.prefix_count(), table.peers().count());
    (0..n)
        .map(|i| Update {
            prefix: table
                .prefix(rib::PrefixId(rng.below(prefixes) as u32))
                .expect("prefix of the table"),
            peer: rng.below(peers) as u16,
            attrs: rng.below(attr_sets) as u8,
            kind: if i % 4 == 3 {
                EventKind::Withdraw
            } else {
                EventKind::Announce
            },
        })
        .collect()
}
