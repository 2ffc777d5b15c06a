//! Helpers shared by the binary's integration tests: where the real
//! archives are, and running `darkwatch` and `bgpdump` on them.

#![allow(dead_code)]

pub mod archive;
pub mod live;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/data` beside the project, or `$DARKWATCH_DATA`.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("DARKWATCH_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("mrt").is_dir(),
        "test data not found at {} (../shared beside the project, or set DARKWATCH_DATA)",
        dir.display()
    );
    dir
}

/// A file of `../shared/data/mrt`.
pub fn mrt(rel: &str) -> PathBuf {
    data_dir().join("mrt").join(rel)
}

/// The bundled scenario `scenarios/kp-2014.toml` of the repository.
pub fn kp_scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/kp-2014.toml")
}

/// Every MRT archive of `../shared/data/mrt` (READMEs and bgpdump's own
/// expected outputs left out), sorted.
pub fn all_archives() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = data_dir().join("mrt");
    for dir in std::fs::read_dir(&root).expect("read data dir") {
        let dir = dir.expect("dir entry").path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).expect("read data subdir") {
            let f = f.expect("file entry").path();
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("expect-") || name.ends_with(".md") {
                continue;
            }
            out.push(f);
        }
    }
    out.sort();
    assert!(
        out.len() >= 20,
        "expected the shared archives, found {}",
        out.len()
    );
    out
}

/// Runs the darkwatch binary.
pub fn darkwatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_darkwatch"))
        .args(args)
        .output()
        .expect("run darkwatch")
}

/// `sqlite3 DB SQL`'s output, trimmed; fails loudly without the
/// `sqlite3` tool (scripts/test installs it).
pub fn sqlite(db: &Path, sql: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg(sql)
        .output()
        .expect("the sqlite3 tool is needed to inspect databases (apt-get install sqlite3)");
    assert!(
        out.status.success(),
        "sqlite3 {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `darkwatch dump FILE` stdout, with the exit status and stderr.
pub fn dump(path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["dump"];
    args.extend_from_slice(extra);
    let p = path.to_str().expect("utf-8 path");
    args.push(p);
    darkwatch(&args)
}

/// Debian's `bgpdump -m FILE` stdout; fails loudly when bgpdump is missing
/// (`scripts/test` installs it).
pub fn bgpdump(path: &Path) -> Vec<u8> {
    let out = Command::new("bgpdump")
        .arg("-m")
        .arg(path)
        .output()
        .expect("bgpdump is not installed: run ./scripts/test, which installs it");
    out.stdout
}

/// Lines of a byte buffer.
pub fn lines(bytes: &[u8]) -> Vec<&str> {
    std::str::from_utf8(bytes)
        .expect("utf-8 output")
        .lines()
        .collect()
}

/// A scenario of `tests/scenarios` (the ground-truth scenarios).
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(name)
}

/// `darkwatch synth SCENARIO --out DIR/mrt`, then `darkwatch replay --db
/// DIR/replay.db DIR/mrt/*` with the embedded registry, in a new temporary
/// directory DIR. Returns the database and the directory (which deletes
/// itself when dropped, so keep it while using the database).
pub fn synth_and_replay(scenario: &Path) -> (PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let files = synth(scenario, dir.path());
    let db = dir.path().join("replay.db");
    replay_into_db(&db, &files);
    (db, dir)
}

/// `darkwatch synth SCENARIO --out DIR/mrt`: the MRT files, sorted.
pub fn synth(scenario: &Path, dir: &Path) -> Vec<String> {
    let mrt = dir.join("mrt");
    let out = darkwatch(&[
        "synth",
        scenario.to_str().expect("utf-8 path"),
        "--out",
        mrt.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.status.success(),
        "synth {}: {}",
        scenario.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut files: Vec<String> = std::fs::read_dir(&mrt)
        .expect("read the synth output")
        .map(|e| e.expect("dir entry").path().display().to_string())
        .collect();
    files.sort();
    files
}

/// `darkwatch replay --quiet --db DB FILES`, which must read every
/// record undamaged.
pub fn replay_into_db(db: &Path, files: &[String]) {
    let mut args = vec![
        "replay",
        "--quiet",
        "--db",
        db.to_str().expect("utf-8 path"),
    ];
    args.extend(files.iter().map(String::as_str));
    let out = darkwatch(&args);
    assert!(
        out.status.success(),
        "replay into {}: {}",
        db.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("damaged_records      0\n"),
        "replay into {}: {summary}",
        db.display()
    );
}

/// Unix seconds of an RFC 3339 time (`"2024-06-03T08:00:00Z"`).
pub fn utc(text: &str) -> u64 {
    let t = chrono::DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .timestamp();
    u64::try_from(t).expect("a time after 1970")
}

/// RFC 3339 of Unix seconds, for messages.
pub fn when(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(|| secs.to_string(), |t| t.to_rfc3339())
}

/// Seconds per bin of the stored series.
pub const BIN: u64 = 300;

/// One entity's stored series as `darkwatch signals ENTITY --format json`
/// prints it: its change points, in time order.
pub struct Series {
    /// `world`, `country/SY`, `as/29256`, ...
    pub entity: String,
    /// The printed objects.
    pub points: Vec<serde_json::Value>,
}

impl Series {
    fn value(&self, p: &serde_json::Value, name: &str) -> u64 {
        p[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{}: no {name} in {p}", self.entity))
    }

    fn start(&self, p: &serde_json::Value) -> u64 {
        self.value(p, "bin_start")
    }

    /// A gauge (`visible_24s`, `full_feed_v4`, ...) at the end of the bin
    /// starting at `bin`: the last change point at or before it (0 before
    /// the first).
    pub fn gauge(&self, name: &str, bin: u64) -> u64 {
        self.points
            .iter()
            .rev()
            .find(|p| self.start(p) <= bin)
            .map_or(0, |p| self.value(p, name))
    }

    /// A counter (`withdrawals`, `path_changes`, ...) of the bin starting
    /// at `bin`: 0 when the bin has no change point.
    pub fn counter(&self, name: &str, bin: u64) -> u64 {
        self.points
            .iter()
            .find(|p| self.start(p) == bin)
            .map_or(0, |p| self.value(p, name))
    }

    /// `name` in every bin from `from` to `to` (excluded), as (bin start,
    /// value): gauges carried forward, counters 0 where no point is.
    pub fn bins(&self, name: &str, from: u64, to: u64) -> Vec<(u64, u64)> {
        let gauge = !matches!(
            name,
            "announcements" | "withdrawals" | "path_changes" | "origin_changes"
        );
        (from..to)
            .step_by(BIN as usize)
            .map(|b| {
                let v = if gauge {
                    self.gauge(name, b)
                } else {
                    self.counter(name, b)
                };
                (b, v)
            })
            .collect()
    }

    /// Bins from `from` to `to` (excluded) in which `name` is `value`.
    pub fn bins_at(&self, name: &str, value: u64, from: u64, to: u64) -> Vec<u64> {
        self.bins(name, from, to)
            .into_iter()
            .filter(|&(_, v)| v == value)
            .map(|(b, _)| b)
            .collect()
    }

    /// Asserts that `name` is `value` in every bin from `from` to `to`
    /// (excluded).
    pub fn assert_constant(&self, name: &str, value: u64, from: u64, to: u64) {
        for (b, v) in self.bins(name, from, to) {
            assert_eq!(
                v,
                value,
                "{} {name} in the bin of {} (expected {value} from {} to {})",
                self.entity,
                when(b),
                when(from),
                when(to)
            );
        }
    }
}

/// `darkwatch signals ENTITY --db DB --format json`, parsed.
pub fn signals(db: &Path, entity: &str) -> Series {
    let db = db.to_str().expect("utf-8 path");
    Series {
        entity: entity.to_string(),
        points: json_lines(&["signals", entity, "--db", db, "--format", "json"]),
    }
}

/// `darkwatch events --db DB --format json`, parsed: every event.
pub fn events(db: &Path) -> Vec<serde_json::Value> {
    let db = db.to_str().expect("utf-8 path");
    json_lines(&["events", "--db", db, "--format", "json"])
}

/// Runs darkwatch with `args`, which must succeed, and parses each line
/// of its output as JSON.
fn json_lines(args: &[&str]) -> Vec<serde_json::Value> {
    let out = darkwatch(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines(&out.stdout)
        .into_iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

/// The events of `kind` for `entity`.
pub fn events_of<'a>(
    all: &'a [serde_json::Value],
    entity: &str,
    kind: &str,
) -> Vec<&'a serde_json::Value> {
    all.iter()
        .filter(|e| e["entity"] == entity && e["kind"] == kind)
        .collect()
}

/// The `kind`s of an event's hints.
pub fn hint_kinds(event: &serde_json::Value) -> Vec<String> {
    event["hints"]
        .as_array()
        .map(|hs| {
            hs.iter()
                .filter_map(|h| h["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts `time` (RFC 3339) is within one bin of `expected`.
pub fn assert_near(time: &serde_json::Value, expected: &str, what: &str) {
    let t = utc(time.as_str().unwrap_or_else(|| panic!("{what}: {time}")));
    let e = utc(expected);
    assert!(
        t + BIN >= e && t <= e + BIN,
        "{what}: {} is not within a bin of {expected}",
        when(t)
    );
}
