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
use wire::aspath::SegmentKind;
use wire::attr::{AttrContext, Attributes, Origin};
use wire::encode::attr;
use wire::event::{EventKind, RouteEvent, Timestamp};
use wire::{AsnWidth, Reader};

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
            attr::origin(&mut out, Origin::Igp);
            let path = [64_512 + i, 3356, 1299, 65_000 + i % 7];
            attr::as_path(&mut out, &[(SegmentKind::Sequence, &path)], AsnWidth::Four)
                .expect("encode path");
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
    let prefixes: Vec<_> = (0..table.prefix_count() as u32)
        .filter_map(|i| table.prefix(rib::PrefixId(i)))
        .collect();
    let peers: Vec<_> = table.peers().map(|(_, info)| info.key).collect();
    let updates = 5_000_000u64;
    let mut x = 0x2014_1222_u64;
    let start = Instant::now();
    for i in 0..updates {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let prefix = prefixes[(x % prefixes.len() as u64) as usize];
        let peer = peers[((x >> 32) % peers.len() as u64) as usize];
        let kind = if i % 4 == 3 {
            EventKind::Withdraw
        } else {
            EventKind::Announce
        };
        let event = RouteEvent {
            time: Timestamp::from_secs(1_419_206_400 + (i / 1000) as u32),
            peer,
            kind,
            prefix: Some(prefix),
            path_id: None,
            attrs: attrs.get((x >> 20) as usize % attrs.len()),
            next_hop: None,
            from_table: false,
        };
        table.apply(&event, &mut deltas);
        deltas.clear();
    }
    let update_rate = updates as f64 / start.elapsed().as_secs_f64();

    println!(
        "rib: {routes} routes, {} prefixes, {} interned paths",
        table.prefix_count(),
        table.paths().len()
    );
    println!("rib/bytes-per-route {:.1}", bytes as f64 / routes as f64);
    println!("rib/load-events-per-second {load_rate:.0}");
    println!("rib/update-events-per-second {update_rate:.0}");
    println!("rib/replay-decode-only-seconds {decode_only:.3}");
    println!("rib/replay-with-table-seconds {with_table:.3}");
}
