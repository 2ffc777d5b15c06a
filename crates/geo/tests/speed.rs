//! Lookup speed on the merged real files (a measurement, not a check of
//! numbers): run with
//! `cargo test --release -p darkwatch-geo --test speed -- --ignored --nocapture`.

mod common;

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::time::Instant;

use geo::load_delegated_files;
use wire::prefix::Prefix;

#[test]
#[ignore = "timing; run in release"]
fn lookup_and_split_speed() {
    let started = Instant::now();
    let (t, _) = load_delegated_files(&common::all_registry_files()).unwrap();
    eprintln!("loaded 5 files in {:?}", started.elapsed());

    // A fixed xorshift sequence of /24 prefixes: deterministic, spread
    // over the whole space.
    let mut x: u32 = 0x9e37_79b9;
    let prefixes: Vec<Prefix> = (0..1_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            Prefix::v4(Ipv4Addr::from(x & 0xffff_ff00), 24).unwrap()
        })
        .collect();

    let started = Instant::now();
    let mut found = 0u64;
    for p in &prefixes {
        found += u64::from(t.lookup_prefix(black_box(p)).is_some());
    }
    let ns = started.elapsed().as_nanos() as f64 / prefixes.len() as f64;
    eprintln!(
        "lookup_prefix /24: {ns:.1} ns each ({found} of {} found)",
        prefixes.len()
    );

    let started = Instant::now();
    let mut units = 0u64;
    for p in &prefixes {
        t.split(black_box(p), |_, n| units += n);
    }
    let ns = started.elapsed().as_nanos() as f64 / prefixes.len() as f64;
    eprintln!("split /24: {ns:.1} ns each ({units} units)");
    // A /24 shared by sub-/24 delegations has no one covering country but
    // still counts, for the country at its .0: so units >= found.
    assert!(found > 800_000 && units >= found && units - found < 100);
}
