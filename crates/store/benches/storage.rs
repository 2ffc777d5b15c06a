//! The store's size on disk for a month of series: 20,000 origin ASes and
//! 250 countries, 5-minute bins, written as change points (a row per entity
//! per bin in which it changed) the way `darkwatch replay --db` writes them:
//! bins in time order, about 10,000 rows per `write_rows` call.
//!
//! The workload is synthetic but shaped like a full feed (deterministic,
//! xorshift): the first bin holds every entity (the table dump); most ASes
//! are quiet, with about two short update bursts a day and an outage (some
//! or all of their prefixes withdrawn for minutes to hours) about once a
//! week; 3% are busy and change in most bins; countries aggregate many ASes
//! and change in most bins. Sizes are measured after a WAL checkpoint (main
//! file plus any -wal and -shm), then again after `VACUUM`; a second
//! database holds the quiet ASes alone for their cost per entity-day.
//! `scripts/bench` runs it and writes the numbers into BENCHMARKS.md;
//! alone: `cargo bench -p darkwatch-store --bench storage`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rusqlite::Connection;
use signal::{BinRow, Entity, Values};
use store::Store;

const BIN_SECS: u64 = 300;
const BINS_PER_DAY: u64 = 86_400 / BIN_SECS;
const DAYS: u64 = 30;
/// 2025-01-01 00:00 UTC.
const START: u64 = 1_735_689_600;
const ASES: u32 = 20_000;
const COUNTRIES: u32 = 250;
/// One AS in this many is busy.
const BUSY_ONE_IN: u64 = 33;
/// Rows per `write_rows` call, as in the replay.
const BATCH: usize = 100_000;

/// xorshift64*, seeded through splitmix64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[lo, hi]`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi.saturating_sub(lo) + 1)
    }

    /// Log-uniform in `[lo, hi]`: sizes spread over orders of magnitude.
    fn log(&mut self, lo: f64, hi: f64) -> u64 {
        (lo * (hi / lo).powf(self.unit())).round() as u64
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Quiet,
    Busy,
    Country,
}

/// One entity's series being generated.
struct Sim {
    entity: Entity,
    class: Class,
    rng: Rng,
    values: Values,
    /// Bins left in the current update burst.
    burst: u64,
    /// An outage: bins left, and the withdrawn /24s, /48s and prefixes.
    outage: Option<(u64, u64, u64, u64)>,
    /// Chance of a change in a bin (busy ASes and countries).
    activity: f64,
    /// Upper bound of a bin's announcements (busy ASes and countries).
    churn: f64,
}

impl Sim {
    fn new(entity: Entity, class: Class, seed: u64) -> Sim {
        let mut rng = Rng::new(seed);
        let (values, activity, churn) = match class {
            Class::Quiet => {
                let prefixes = rng.log(1.0, 64.0);
                let v6 = if rng.chance(0.4) {
                    65_536 * rng.range(1, 2)
                } else {
                    0
                };
                let values = Values {
                    visible_24s: prefixes * rng.log(1.0, 64.0),
                    visible_48s: v6,
                    visible_prefixes: prefixes + u64::from(v6 > 0),
                    ..Default::default()
                };
                (values, 0.0, 0.0)
            }
            Class::Busy => {
                let prefixes = rng.log(50.0, 5_000.0);
                let values = Values {
                    visible_24s: prefixes * rng.log(2.0, 64.0),
                    visible_48s: 65_536 * rng.range(1, 64),
                    visible_prefixes: prefixes,
                    ..Default::default()
                };
                (values, 0.4 + 0.5 * rng.unit(), 5_000.0)
            }
            Class::Country => {
                let size = rng.unit();
                let values = Values {
                    visible_24s: (10f64 * 600_000f64.powf(size)) as u64,
                    visible_48s: (1_000f64 * 100_000_000f64.powf(size)) as u64,
                    visible_prefixes: (5f64 * 40_000f64.powf(size)) as u64,
                    ..Default::default()
                };
                (values, 0.6 + 0.39 * size, 10f64 * 2_000f64.powf(size))
            }
        };
        Sim {
            entity,
            class,
            rng,
            values,
            burst: 0,
            outage: None,
            activity,
            churn,
        }
    }

    /// Advances one bin; true when the entity changed in it (a row).
    fn step(&mut self, first: bool) -> bool {
        let rng = &mut self.rng;
        let v = &mut self.values;
        v.announcements = 0;
        v.withdrawals = 0;
        v.path_changes = 0;
        v.origin_changes = 0;
        if first {
            // The table dump: every route of every prefix, 40 peers.
            v.announcements = v.visible_prefixes * 40;
            return true;
        }
        match self.class {
            Class::Quiet => {
                let mut changed = false;
                if self.burst == 0 && rng.chance(2.0 / BINS_PER_DAY as f64) {
                    self.burst = rng.range(1, 3);
                }
                if self.burst > 0 {
                    self.burst -= 1;
                    let ann = rng.range(1, 2 * v.visible_prefixes + 2);
                    v.announcements += ann;
                    v.path_changes += rng.range(0, ann);
                    if rng.chance(0.3) {
                        v.withdrawals += rng.range(1, v.visible_prefixes.max(1));
                    }
                    v.origin_changes += u64::from(rng.chance(0.02));
                    changed = true;
                }
                match &mut self.outage {
                    None if v.visible_prefixes > 0
                        && rng.chance(1.0 / (7 * BINS_PER_DAY) as f64) =>
                    {
                        let all = rng.chance(0.3);
                        let prefixes = if all {
                            v.visible_prefixes
                        } else {
                            rng.range(1, v.visible_prefixes)
                        };
                        let share = |n: u64| n * prefixes / v.visible_prefixes;
                        let (s24, s48) = if all {
                            (v.visible_24s, v.visible_48s)
                        } else {
                            (share(v.visible_24s), share(v.visible_48s))
                        };
                        v.visible_24s -= s24;
                        v.visible_48s -= s48;
                        v.visible_prefixes -= prefixes;
                        v.withdrawals += prefixes * 40;
                        self.outage = Some((rng.range(1, 36), s24, s48, prefixes));
                        changed = true;
                    }
                    Some((left, s24, s48, prefixes)) => {
                        *left -= 1;
                        if *left == 0 {
                            v.visible_24s += *s24;
                            v.visible_48s += *s48;
                            v.visible_prefixes += *prefixes;
                            v.announcements += *prefixes * 40;
                            self.outage = None;
                            changed = true;
                        }
                    }
                    None => {}
                }
                changed
            }
            Class::Busy | Class::Country => {
                if !rng.chance(self.activity) {
                    return false;
                }
                let ann = rng.log(1.0, self.churn);
                v.announcements = ann;
                v.withdrawals = rng.range(0, ann / 4);
                v.path_changes = rng.range(0, ann);
                v.origin_changes = if rng.chance(0.05) {
                    rng.range(1, 10)
                } else {
                    0
                };
                if rng.chance(0.3) {
                    // Prefixes come and go: gauges move a little.
                    let d = rng.range(1, 4);
                    let d24 = d * rng.range(1, 16);
                    if rng.chance(0.5) {
                        v.visible_prefixes += d;
                        v.visible_24s += d24;
                    } else {
                        v.visible_prefixes = v.visible_prefixes.saturating_sub(d);
                        v.visible_24s = v.visible_24s.saturating_sub(d24);
                    }
                }
                if rng.chance(0.05) {
                    v.visible_48s = v.visible_48s.saturating_add_signed(if rng.chance(0.5) {
                        65_536
                    } else {
                        -65_536
                    });
                }
                true
            }
        }
    }
}

/// The entities: countries (AA, AB, ... in the order the signals emit
/// them), then ASes by number, 16-bit and 32-bit.
fn entities(quiet_only: bool) -> Vec<Sim> {
    let mut sims = Vec::new();
    if !quiet_only {
        for i in 0..COUNTRIES {
            let code = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8];
            let country = std::str::from_utf8(&code)
                .expect("ascii")
                .parse()
                .expect("country code");
            sims.push(Sim::new(
                Entity::Country(country),
                Class::Country,
                u64::from(i),
            ));
        }
    }
    for i in 0..ASES {
        let asn = if i < 12_000 {
            1 + i * 5
        } else {
            131_072 + (i - 12_000) * 37
        };
        let seed = 1_000_000 + u64::from(i);
        let class = if Rng::new(seed ^ 0xB05E).chance(1.0 / BUSY_ONE_IN as f64) {
            Class::Busy
        } else {
            Class::Quiet
        };
        if quiet_only && class != Class::Quiet {
            continue;
        }
        sims.push(Sim::new(Entity::As(asn), class, seed));
    }
    sims
}

/// Bytes this process has handed to `write` and the like so far (Linux).
fn written() -> Option<u64> {
    let io = std::fs::read_to_string("/proc/self/io").ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("wchar: "))?
        .trim()
        .parse()
        .ok()
}

/// Writes `days` of bins of `sims`; returns the rows, seconds and bytes
/// handed to the file system (database, WAL and checkpoints), when known.
fn write(path: &Path, sims: &mut [Sim], days: u64) -> (u64, f64, Option<u64>) {
    let mut store = Store::open(path).expect("open store");
    let mut pending: Vec<BinRow> = Vec::with_capacity(BATCH + sims.len());
    let mut rows = 0u64;
    let before = written();
    let start = Instant::now();
    for bin in 0..days * BINS_PER_DAY {
        let bin_start = START + bin * BIN_SECS;
        for sim in sims.iter_mut() {
            if sim.step(bin == 0) {
                pending.push(BinRow {
                    bin_start,
                    entity: sim.entity,
                    values: sim.values,
                });
            }
        }
        if pending.len() >= BATCH {
            store.write_rows(&pending).expect("write rows");
            rows += pending.len() as u64;
            pending.clear();
        }
    }
    store.write_rows(&pending).expect("write rows");
    rows += pending.len() as u64;
    drop(store);
    let secs = start.elapsed().as_secs_f64();
    let io = written().zip(before).map(|(after, before)| after - before);
    (rows, secs, io)
}

/// Bytes on disk after a checkpoint: the file and any -wal and -shm.
fn disk_bytes(path: &Path) -> u64 {
    {
        let conn = Connection::open(path).expect("open for checkpoint");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(PathBuf::from(p)).map_or(0, |m| m.len())
        })
        .sum()
}

/// Per b-tree (`series`, `entities`, its name index): bytes of pages,
/// payload and unused space, from SQLite's dbstat table.
fn btrees(path: &Path) -> Vec<(String, u64, u64, u64)> {
    let conn = Connection::open(path).expect("open for dbstat");
    let mut stmt = conn
        .prepare(
            "SELECT name, sum(pgsize), sum(payload), sum(unused) FROM dbstat
             GROUP BY name ORDER BY sum(pgsize) DESC",
        )
        .expect("dbstat");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("dbstat")
        .collect::<Result<_, _>>()
        .expect("dbstat")
}

fn main() {
    // `cargo test --benches` runs benches with --bench absent: do nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let dir = tempfile::tempdir().expect("temporary directory");

    let mut sims = entities(false);
    let count = |c: Class| sims.iter().filter(|s| s.class == c).count();
    let (quiet, busy, countries) = (
        count(Class::Quiet),
        count(Class::Busy),
        count(Class::Country),
    );
    let n = sims.len() as u64;
    let path = dir.path().join("all.db");
    let (rows, secs, io) = write(&path, &mut sims, DAYS);
    let bytes = disk_bytes(&path);
    let trees = btrees(&path);
    let page_size: u64 = Connection::open(&path)
        .expect("open")
        .pragma_query_value(None, "page_size", |r| r.get(0))
        .expect("page size");

    let mut quiet_sims = entities(true);
    let quiet_path = dir.path().join("quiet.db");
    let (quiet_rows, _, _) = write(&quiet_path, &mut quiet_sims, DAYS);
    let quiet_bytes = disk_bytes(&quiet_path);

    Connection::open(&path)
        .expect("open")
        .execute_batch("VACUUM")
        .expect("vacuum");
    let vacuumed = disk_bytes(&path);

    let entity_days = (n * DAYS) as f64;
    let per_row = bytes as f64 / rows as f64;
    let every_bin_rows = n * DAYS * BINS_PER_DAY;
    println!(
        "storage: {n} entities ({quiet} quiet ASes, {busy} busy ASes, {countries} countries), \
         {DAYS} days of 5-minute bins, {rows} rows, {page_size}-byte pages"
    );
    println!("storage/entities {n}");
    println!("storage/days {DAYS}");
    println!("storage/rows {rows}");
    println!(
        "storage/rows-per-entity-day {:.2}",
        rows as f64 / entity_days
    );
    println!("storage/bytes {bytes}");
    println!(
        "storage/bytes-per-entity-day {:.1}",
        bytes as f64 / entity_days
    );
    println!("storage/bytes-per-row {per_row:.2}");
    println!(
        "storage/bytes-per-quiet-entity-day {:.1}",
        quiet_bytes as f64 / (quiet as u64 * DAYS) as f64
    );
    println!(
        "storage/quiet-rows-per-entity-day {:.2}",
        quiet_rows as f64 / (quiet as u64 * DAYS) as f64
    );
    println!(
        "storage/bytes-per-quiet-row {:.2}",
        quiet_bytes as f64 / quiet_rows as f64
    );
    println!("storage/every-bin-rows {every_bin_rows}");
    println!(
        "storage/every-bin-bytes-per-entity-day {:.1}",
        per_row * every_bin_rows as f64 / entity_days
    );
    println!("storage/bytes-after-vacuum {vacuumed}");
    println!(
        "storage/bytes-per-entity-day-after-vacuum {:.1}",
        vacuumed as f64 / entity_days
    );
    for (name, pages, payload, unused) in &trees {
        println!("storage/btree/{name}/bytes {pages}");
        println!("storage/btree/{name}/payload-bytes {payload}");
        println!("storage/btree/{name}/unused-bytes {unused}");
    }
    println!("storage/write-rows-per-second {:.0}", rows as f64 / secs);
    if let Some(io) = io {
        println!(
            "storage/written-bytes-per-row {:.0}",
            io as f64 / rows as f64
        );
    }
}
