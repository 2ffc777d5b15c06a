//! `darkwatch replay --db` on a full disk (a small tmpfs the test mounts,
//! so it runs as root): the replay stops with exit status 1 and one line
//! that names the database, says the disk is full and what to do, never a
//! panic; the database left behind passes SQLite's integrity check and
//! holds only whole transactions; the WAL checkpoint that fails when the
//! connection closes loses nothing; and once space is freed the same
//! replay succeeds on the same disk, so the disk was the cause.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::archive::{RIB, UPDATES};
use common::*;

/// Series rows of the jinx table dump and update file: all written in one
/// transaction, as they are fewer than a replay's default batch.
const JINX_ROWS: u64 = 47_436;

/// A tmpfs of a fixed size on a new temporary directory, unmounted when
/// dropped, so a failing test leaves no mount behind.
struct Tmpfs {
    dir: tempfile::TempDir,
    kib: u64,
}

impl Tmpfs {
    fn mount(kib: u64) -> Tmpfs {
        let dir = tempfile::tempdir().expect("temporary directory");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a tmpfs on {} failed: these tests run as root",
            dir.path().display()
        );
        Tmpfs { dir, kib }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Eats all the space but `free_kib` with a file, whose removal is
    /// what freeing space on a real disk looks like.
    fn fill(&self, free_kib: u64) -> PathBuf {
        let filler = self.path("filler");
        let len = (self.kib - free_kib) * 1024;
        std::fs::write(&filler, vec![0u8; len as usize]).expect("write the filler");
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Runs while a failed test unwinds too: report, never panic.
        match Command::new("umount").arg(self.dir.path()).status() {
            Ok(s) if s.success() => {}
            other => eprintln!("umount {}: {other:?}", self.dir.path().display()),
        }
    }
}

/// The route-views jinx table dump and an update file: half a million
/// routes, a store of about 3 MB.
fn jinx() -> Vec<String> {
    [RIB, UPDATES]
        .map(|f| mrt(f).display().to_string())
        .to_vec()
}

/// `darkwatch replay --quiet --db DB` of the jinx archives, which is
/// expected to fail.
fn replay_jinx(db: &Path) -> Output {
    let mut args = vec![
        "replay",
        "--quiet",
        "--db",
        db.to_str().expect("utf-8 path"),
    ];
    let files = jinx();
    args.extend(files.iter().map(String::as_str));
    darkwatch(&args)
}

/// The replay failed the way a full disk must fail it: status 1, no
/// panic, and one line naming the database, the full disk and the way out.
fn assert_disk_full_error(out: &Output, db: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // One line: the cause is not repeated by the error's source chain.
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    for words in [
        format!("darkwatch: error: {}: ", db.display()),
        "the disk holding it is full".to_owned(),
        "free space there, or choose another --db".to_owned(),
    ] {
        assert!(stderr.contains(&words), "no {words:?} in: {stderr}");
    }
}

/// The database passes SQLite's integrity check (by the `sqlite3` tool,
/// a reader independent of darkwatch), and darkwatch reads its events;
/// returns its series rows.
fn assert_sound(db: &Path) -> u64 {
    assert_eq!(
        sqlite(db, "PRAGMA integrity_check"),
        "ok",
        "{}",
        db.display()
    );
    events(db);
    sqlite(db, "SELECT count(*) FROM series")
        .parse()
        .expect("a row count")
}

#[test]
fn a_full_disk_stops_the_replay_clearly_and_freeing_space_lets_it_finish() {
    // 2 MiB free: the schema (tens of KiB, and the 32 KiB `-shm` file)
    // fits, the one transaction of the series (3 MiB of WAL) does not.
    let disk = Tmpfs::mount(16 * 1024);
    let filler = disk.fill(2 * 1024);
    let db = disk.path("dw.sqlite");
    assert_disk_full_error(&replay_jinx(&db), &db);
    // The transaction that met the full disk is rolled back whole: with
    // every row in one transaction, not one row is left.
    assert_eq!(assert_sound(&db), 0);

    // The failed database stays: the space it holds is part of the test.
    std::fs::remove_file(filler).expect("remove the filler");
    let again = disk.path("dw-again.sqlite");
    replay_into_db(&again, &jinx());
    assert_eq!(assert_sound(&again), JINX_ROWS);
    assert!(!signals(&again, "country/US").points.is_empty());
}

#[test]
fn a_checkpoint_the_disk_cannot_hold_loses_nothing_and_does_not_panic() {
    // 4 MiB: the WAL of the whole replay (3 MiB) fits, but not the copy
    // of its pages into the main file that SQLite's checkpoint makes when
    // the replay's connection closes. That failure, inside the drop of
    // the connection, must be no panic; the connection that writes the
    // summary next finds the disk full and says so.
    let disk = Tmpfs::mount(4 * 1024);
    let db = disk.path("dw.sqlite");
    assert_disk_full_error(&replay_jinx(&db), &db);
    // SQLite deletes the WAL at the last close once it is checkpointed:
    // it is still there, so the checkpoint did fail.
    assert!(disk.path("dw.sqlite-wal").exists());
    // What was committed is in the WAL, read through it.
    assert_eq!(assert_sound(&db), JINX_ROWS);
    assert!(!signals(&db, "country/US").points.is_empty());
}

#[test]
fn no_room_for_the_database_files_is_the_same_clear_error() {
    // No space at all: SQLite cannot write the new file's header. 16 KiB:
    // the header fits but the `-shm` file beside it cannot grow to 32 KiB,
    // which SQLite reports as an I/O error, not as a full disk.
    for free_kib in [0, 16] {
        let disk = Tmpfs::mount(1024);
        disk.fill(free_kib);
        let db = disk.path("dw.sqlite");
        assert_disk_full_error(&replay_jinx(&db), &db);
    }
}
