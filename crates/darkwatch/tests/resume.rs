//! `kill -9` in the middle of `replay --db`, twice, then `replay --resume`:
//! the store passes SQLite's integrity check after each kill, a plain
//! replay into it refuses (it would number events twice), and the resumed
//! replay ends with exactly the store an uninterrupted run writes: the
//! same series rows, the same events with the same ids and the same
//! alerts, none lost and none twice.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Small batches, so that the replay of North Korea's 2014 scenario (two
/// days of 5-minute update files, 24 events) commits hundreds of times.
const BATCH_ROWS: &str = "50";

fn text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

fn replay_args(db: &Path, files: &[String], resume: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "replay",
        "--no-progress",
        "--quiet",
        "--batch-rows",
        BATCH_ROWS,
    ]
    .map(String::from)
    .into();
    if resume {
        args.push("--resume".into());
    }
    args.extend(["--db".into(), text(db).into()]);
    args.extend_from_slice(files);
    args
}

/// Runs `darkwatch ARGS` to its end.
fn run(args: &[String]) -> std::process::Output {
    common::darkwatch(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn spawn_replay(db: &Path, files: &[String], resume: bool) -> Child {
    Command::new(env!("CARGO_BIN_EXE_darkwatch"))
        .args(replay_args(db, files, resume))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start darkwatch replay")
}

/// A store whose watch list takes every entity, so that alerts are
/// written too: the schema comes from a replay of an empty file.
fn watched_store(dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(name);
    let empty = dir.join("empty.mrt");
    std::fs::write(&empty, b"").expect("write an empty archive");
    let out = common::darkwatch(&["replay", "--no-progress", "--db", text(&db), text(&empty)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::sqlite(
        &db,
        "INSERT INTO watch (entity) VALUES ('country/*'), ('as/*'), ('world')",
    );
    db
}

/// Outputs the replay has committed; 0 while the store is being created
/// or is busy.
fn committed(db: &Path) -> u64 {
    Command::new("sqlite3")
        .arg(db)
        .arg("SELECT outputs FROM replay_progress WHERE done = 0")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(0)
}

/// Kills the replay with SIGKILL once it has committed at least
/// `outputs`; returns what it had committed.
fn kill_after(mut child: Child, db: &Path, outputs: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(120);
    while committed(db) < outputs {
        if let Some(status) = child.try_wait().expect("poll the replay") {
            panic!("the replay ended ({status}) before it could be killed after {outputs} outputs");
        }
        assert!(Instant::now() < deadline, "no progress in two minutes");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill -9 the replay");
    child.wait().expect("reap the replay");
    assert_eq!(common::sqlite(db, "PRAGMA integrity_check"), "ok");
    let left = common::sqlite(db, "SELECT outputs, done FROM replay_progress");
    let (done_outputs, done) = left.split_once('|').expect("a progress row");
    assert_eq!(done, "0", "the replay had already ended");
    done_outputs.parse().expect("a count")
}

/// The tables of [`contents`].
const TABLES: [&str; 5] = ["series", "events", "alerts", "entities", "replay_progress"];

/// Everything the replay decides, in a stable order.
fn contents(db: &Path) -> Vec<String> {
    [
        "SELECT e.name, s.bin_start, s.visible_24s, s.visible_48s, s.visible_prefixes,
             s.announcements, s.withdrawals, s.path_changes, s.origin_changes,
             s.full_feed_v4, s.full_feed_v6
         FROM series s JOIN entities e ON e.id = s.entity ORDER BY e.name, s.bin_start",
        r#"SELECT id, entity, kind, severity, start, "end", json FROM events ORDER BY id"#,
        "SELECT id, event_id, transition, entity, kind, worst_severity, at, event_json
         FROM alerts ORDER BY id",
        "SELECT name, label, country FROM entities ORDER BY name",
        "SELECT outputs, done FROM replay_progress",
    ]
    .iter()
    .map(|sql| common::sqlite(db, sql))
    .collect()
}

#[test]
fn a_replay_killed_twice_and_resumed_stores_what_an_uninterrupted_one_does() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let files = common::synth(&common::kp_scenario(), dir.path());

    let whole = watched_store(dir.path(), "whole.db");
    let out = run(&replay_args(&whole, &files, false));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = contents(&whole);
    assert_ne!(expected[1], "", "the scenario's replay detects events");
    assert_ne!(expected[2], "", "and alerts for watched entities");
    let total: u64 = common::sqlite(&whole, "SELECT outputs FROM replay_progress")
        .parse()
        .expect("a count");

    let db = watched_store(dir.path(), "killed.db");
    let first = kill_after(spawn_replay(&db, &files, false), &db, 200);

    // A plain replay into an interrupted store would number its events
    // again from the stored ones: refused, saying what to do.
    let refused = run(&replay_args(&db, &files, false));
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains("interrupted") && message.contains("--resume"),
        "{message}"
    );

    let second = kill_after(spawn_replay(&db, &files, true), &db, first + 300);
    assert!(second < total, "killed after {second} of {total} outputs");

    let resumed = run(&replay_args(&db, &files, true));
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    for ((table, got), want) in TABLES.iter().zip(contents(&db)).zip(&expected) {
        // Whole tables of JSON are too long to print: where they part.
        let parted = got.lines().zip(want.lines()).position(|(g, w)| g != w);
        assert!(
            &got == want,
            "{table}: {} rows against {} uninterrupted, first different row {parted:?}",
            got.lines().count(),
            want.lines().count()
        );
    }

    // Nothing is left to resume.
    let again = run(&replay_args(&db, &files, true));
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to resume"));
}

#[test]
fn resume_refuses_other_files() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let files = common::synth(&common::kp_scenario(), dir.path());
    let db = watched_store(dir.path(), "other.db");
    kill_after(spawn_replay(&db, &files, false), &db, 100);
    let out = run(&replay_args(&db, &files[1..], true));
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("other files or settings"), "{message}");
}
