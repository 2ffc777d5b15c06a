//! Bad input through the real binary (`dump`, `replay --db`, `serve
//! --config`): every case gets a message saying what is wrong, where (the
//! file and its byte offset or line) and what to do; a fatal one exits
//! with its documented code (1 error, 2 `dump --strict` stopped at damage,
//! 64 usage); none panics; and a `replay --db` stopped by its input leaves
//! no half-written database behind. Damage inside an archive is never
//! fatal: the records around it still count.
//!
//! Cases already covered elsewhere: a missing file, a directory and an
//! empty file given to `dump`, a truncated gzip archive and usage errors
//! (exit code 64), in `dump_cli.rs`.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// The jinx update file, 34 KB of bzip2 holding 2,000+ records.
const UPDATES: &str = "routeviews-jinx/routeviews.route-views.jinx.updates.1427846400.bz2";

/// Fails on a panic, which is never a way to report bad input.
fn no_panic(out: Output, what: &str) -> Output {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.code() != Some(101) && !stderr.contains("panicked"),
        "{what} panicked: {stderr}"
    );
    out
}

/// `darkwatch ARGS`, which must not panic.
fn run(args: &[&str]) -> Output {
    no_panic(darkwatch(args), &format!("{args:?}"))
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn text(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `darkwatch replay --db DIR/replay.sqlite --format json EXTRA FILES`;
/// returns the output and the database path.
fn replay_db(dir: &Path, extra: &[&str], files: &[&Path]) -> (Output, PathBuf) {
    let db = dir.join("replay.sqlite");
    let mut args = vec![
        "replay",
        "--no-progress",
        "--format",
        "json",
        "--db",
        text(&db),
    ];
    args.extend_from_slice(extra);
    args.extend(files.iter().map(|f| text(f)));
    (run(&args), db)
}

/// The JSON summary `replay --format json` printed.
fn summary(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A replay stopped by its input wrote nothing: no database, or a sound
/// one without series.
fn assert_no_partial_write(db: &Path) {
    if !db.exists() {
        return;
    }
    assert_eq!(
        common::sqlite(db, "PRAGMA integrity_check"),
        "ok",
        "{}",
        db.display()
    );
    assert_eq!(
        common::sqlite(db, "SELECT count(*) FROM series"),
        "0",
        "{}",
        db.display()
    );
}

/// A fatal error: exit code 1 and a message naming `path`, the reason and
/// what to do.
fn assert_fatal(out: &Output, path: &Path, reason: &str, hint: &str) {
    let e = stderr_of(out);
    assert_eq!(out.status.code(), Some(1), "{e}");
    let expected = format!(
        "darkwatch: error: {}: cannot open: {reason}",
        path.display()
    );
    assert!(e.contains(&expected) && e.contains(hint), "{e}");
    // The system's reason once, not again as the error's cause.
    assert_eq!(e.matches(reason).count(), 1, "{e}");
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.mrt");
    let (out, db) = replay_db(dir.path(), &[], &[&missing]);
    assert_fatal(
        &out,
        &missing,
        "No such file or directory",
        "(check the path)",
    );
    assert_no_partial_write(&db);
}

#[test]
fn directory_given_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let folder = mrt("ris-rrc06");
    let (out, db) = replay_db(dir.path(), &[], &[&folder]);
    assert_fatal(
        &out,
        &folder,
        "is a directory",
        "(give a file, not a directory)",
    );
    assert_no_partial_write(&db);
}

/// Root reads any file whatever its mode, so the binary runs as `nobody`
/// (with `setpriv`) on a file only root may read.
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // `nobody` may enter the folder and create the database in it.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let secret = dir.path().join("secret.bz2");
    std::fs::copy(mrt(UPDATES), &secret).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let as_nobody = |args: &[&str]| {
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_darkwatch"))
            .args(args)
            .output()
            .expect("setpriv (util-linux) is needed to run darkwatch as nobody");
        no_panic(out, &format!("{args:?} as nobody"))
    };
    let reason = "Permission denied";
    let hint = "(check the file's permissions)";
    let dump = as_nobody(&["dump", text(&secret)]);
    assert_fatal(&dump, &secret, reason, hint);
    let db = dir.path().join("replay.sqlite");
    let replay = as_nobody(&["replay", "--no-progress", "--db", text(&db), text(&secret)]);
    assert_fatal(&replay, &secret, reason, hint);
    assert_no_partial_write(&db);
}

/// An empty file holds no records, which is no error (collectors publish
/// empty update files for quiet intervals): the replay says 0 records.
#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.mrt");
    std::fs::write(&empty, b"").unwrap();
    let (out, db) = replay_db(dir.path(), &[], &[&empty]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let s = summary(&out);
    assert_eq!(
        (s["files"].as_u64(), s["records"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    assert_no_partial_write(&db);
}

/// The jinx update file decompressed.
fn plain_updates() -> Vec<u8> {
    let mut out = Vec::new();
    bzip2::read::MultiBzDecoder::new(std::fs::File::open(mrt(UPDATES)).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// `plain` compressed as `format`, with the integrity checks the format
/// has (zstd's checksum is optional: asked for, so damage is detected).
fn compress(format: &str, plain: &[u8]) -> Vec<u8> {
    match format {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(plain).unwrap();
            e.finish().unwrap()
        }
        "bzip2" => {
            let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
            e.write_all(plain).unwrap();
            e.finish().unwrap()
        }
        "xz" => {
            let mut e = xz2::write::XzEncoder::new(Vec::new(), 1);
            e.write_all(plain).unwrap();
            e.finish().unwrap()
        }
        "zstd" => {
            let mut e = zstd::stream::write::Encoder::new(Vec::new(), 1).unwrap();
            e.include_checksum(true).unwrap();
            e.write_all(plain).unwrap();
            e.finish().unwrap()
        }
        other => panic!("no compression {other}"),
    }
}

/// How an archive is damaged.
enum Break {
    /// Cut at three quarters of its compressed bytes.
    Truncated,
    /// 16 bytes inverted at three quarters of its compressed bytes (in
    /// the second of the two 100 kB blocks of bzip2 -1: a block is
    /// bzip2's unit of integrity, lost whole when damaged).
    Corrupt,
}

/// A compressed real update file damaged as `how`: `dump` prints the
/// records before the damage as the whole file does and reports the
/// damage with the file and the (decompressed) byte offset; `--strict`
/// exits 2 there; `replay --db` counts the damage and stores the rest.
fn damaged_archive(format: &str, how: Break) {
    let dir = tempfile::tempdir().unwrap();
    let plain = plain_updates();
    let mut packed = compress(format, &plain);
    let name = match how {
        Break::Truncated => {
            packed.truncate(packed.len() * 3 / 4);
            format!("cut.{format}")
        }
        Break::Corrupt => {
            let at = packed.len() * 3 / 4;
            for b in &mut packed[at..at + 16] {
                *b = !*b;
            }
            format!("corrupt.{format}")
        }
    };
    let path = dir.path().join(&name);
    std::fs::write(&path, &packed).unwrap();

    let whole = dump(&mrt(UPDATES), &[]);
    let out = no_panic(dump(&path, &[]), &name);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let (w, d) = (lines(&whole.stdout), lines(&out.stdout));
    let kept = w.iter().zip(&d).take_while(|(a, b)| a == b).count();
    assert!(
        kept > w.len() / 4 && kept < w.len(),
        "{format}: {kept} of {} lines kept",
        w.len()
    );
    let e = stderr_of(&out);
    let at = format!("darkwatch dump: warning: {}: byte ", path.display());
    let offset: u64 = e
        .split(&at)
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{format}: no file and offset in {e}"));
    assert!(offset > 0 && offset < plain.len() as u64, "{e}");
    assert!(e.contains("damaged records reported above"), "{e}");

    let strict = no_panic(dump(&path, &["--strict"]), &name);
    assert_eq!(strict.status.code(), Some(2), "{}", stderr_of(&strict));
    assert!(stderr_of(&strict).contains("(stopping: --strict)"));

    let (out, db) = replay_db(dir.path(), &["--quiet"], &[&path]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let s = summary(&out);
    assert!(s["damaged_records"].as_u64() >= Some(1), "{s}");
    assert!(s["series_rows_written"].as_u64() > Some(0), "{s}");
    assert_eq!(common::sqlite(&db, "PRAGMA integrity_check"), "ok");
}

#[test]
fn truncated_bzip2() {
    damaged_archive("bzip2", Break::Truncated);
}

#[test]
fn truncated_xz() {
    damaged_archive("xz", Break::Truncated);
}

#[test]
fn truncated_zstd() {
    damaged_archive("zstd", Break::Truncated);
}

#[test]
fn corrupt_gzip() {
    damaged_archive("gzip", Break::Corrupt);
}

#[test]
fn corrupt_bzip2() {
    damaged_archive("bzip2", Break::Corrupt);
}

#[test]
fn corrupt_xz() {
    damaged_archive("xz", Break::Corrupt);
}

#[test]
fn corrupt_zstd() {
    damaged_archive("zstd", Break::Corrupt);
}

/// Hand-made MRT: BGP4MP MESSAGE_AS4 records (RFC 6396 §4.4.3) of one
/// IPv4 peer holding BGP UPDATEs (RFC 4271 §4.3), each part written out
/// so that any of them can be made wrong.
mod craft {
    /// Record time: 2014-05-30T22:15:00Z.
    pub const TIME: u32 = 1_401_488_100;
    /// ORIGIN, AS_PATH, NEXT_HOP, MP_REACH_NLRI type codes.
    pub const ORIGIN: u8 = 1;
    pub const AS_PATH: u8 = 2;
    pub const NEXT_HOP: u8 = 3;
    pub const MP_REACH: u8 = 14;
    /// Flags of a well-known transitive and an optional attribute.
    pub const WELL_KNOWN: u8 = 0x40;
    pub const OPTIONAL: u8 = 0x80;

    /// MRT header and BGP4MP MESSAGE_AS4 around an UPDATE body: peer
    /// AS65001 at 192.0.2.1, collector AS65000 at 192.0.2.254.
    pub fn record(time: u32, update: &[u8]) -> Vec<u8> {
        let mut msg = vec![0xff; 16];
        msg.extend(u16::try_from(19 + update.len()).unwrap().to_be_bytes());
        msg.push(2);
        msg.extend(update);
        let mut body = Vec::new();
        body.extend(65001u32.to_be_bytes());
        body.extend(65000u32.to_be_bytes());
        body.extend(0u16.to_be_bytes()); // interface index
        body.extend(1u16.to_be_bytes()); // AFI IPv4
        body.extend([192, 0, 2, 1, 192, 0, 2, 254]);
        body.extend(msg);
        let mut out = Vec::new();
        out.extend(time.to_be_bytes());
        out.extend(16u16.to_be_bytes()); // BGP4MP
        out.extend(4u16.to_be_bytes()); // MESSAGE_AS4
        out.extend(u32::try_from(body.len()).unwrap().to_be_bytes());
        out.extend(body);
        out
    }

    /// An UPDATE body: no withdrawn routes, `attrs`, then `nlri`.
    pub fn update(attrs: &[u8], nlri: &[u8]) -> Vec<u8> {
        let mut out = vec![0, 0];
        out.extend(u16::try_from(attrs.len()).unwrap().to_be_bytes());
        out.extend(attrs);
        out.extend(nlri);
        out
    }

    /// One attribute with a one-byte length, which may lie.
    pub fn attr_claiming(flags: u8, code: u8, len: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![flags, code, len];
        out.extend(value);
        out
    }

    /// One attribute.
    pub fn attr(flags: u8, code: u8, value: &[u8]) -> Vec<u8> {
        attr_claiming(flags, code, u8::try_from(value.len()).unwrap(), value)
    }

    /// An AS_SEQUENCE of 4-byte AS numbers.
    pub fn as_path(asns: &[u32]) -> Vec<u8> {
        let mut value = vec![2, u8::try_from(asns.len()).unwrap()];
        for asn in asns {
            value.extend(asn.to_be_bytes());
        }
        attr(WELL_KNOWN, AS_PATH, &value)
    }

    /// ORIGIN IGP and NEXT_HOP 192.0.2.1, the attributes every route has
    /// besides its AS_PATH.
    pub fn origin_and_next_hop() -> Vec<u8> {
        let mut out = attr(WELL_KNOWN, ORIGIN, &[0]);
        out.extend(attr(WELL_KNOWN, NEXT_HOP, &[192, 0, 2, 1]));
        out
    }

    /// A sound announcement of the /24 `a.b.c.0` from AS65001 AS`origin`.
    pub fn announce(time: u32, [a, b, c]: [u8; 3], origin: u32) -> Vec<u8> {
        let mut attrs = origin_and_next_hop();
        attrs.extend(as_path(&[65001, origin]));
        record(time, &update(&attrs, &[24, a, b, c]))
    }
}

/// Where and how big a record of a crafted file is.
struct Placed {
    offset: usize,
    length: usize,
}

/// A file of a good announcement of 198.51.100.0/24, the `bad` record
/// and a good announcement of 203.0.113.0/24, a second apart; returns
/// the path and the bad record's place.
fn sandwich(dir: &Path, bad: &[u8]) -> (PathBuf, Placed) {
    let mut file = craft::announce(craft::TIME, [198, 51, 100], 64500);
    let bad_at = Placed {
        offset: file.len(),
        length: bad.len() - 12,
    };
    file.extend(bad);
    file.extend(craft::announce(craft::TIME + 2, [203, 0, 113], 64501));
    let path = dir.join("crafted.mrt");
    std::fs::write(&path, file).unwrap();
    (path, bad_at)
}

/// `dump` and `replay --db` on a sandwich around `bad`: the good routes
/// on both sides are printed and stored, the bad record is reported with
/// the file, its offset and `what`, `--strict` stops there with exit
/// code 2. Returns the dump's lines of the bad record (for the cases
/// where RFC 7606 keeps some of it).
fn damaged_update(bad_update: &[u8], what: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let bad = craft::record(craft::TIME + 1, bad_update);
    let (path, at) = sandwich(dir.path(), &bad);
    let out = run(&["dump", text(&path)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let printed = lines(&out.stdout);
    let first = "|A|192.0.2.1|65001|198.51.100.0/24|65001 64500|IGP|192.0.2.1|0|0||NAG||";
    let last = "|A|192.0.2.1|65001|203.0.113.0/24|65001 64501|IGP|192.0.2.1|0|0||NAG||";
    assert!(
        printed.first().is_some_and(|l| l.ends_with(first)),
        "{printed:?}"
    );
    assert!(
        printed.last().is_some_and(|l| l.ends_with(last)),
        "{printed:?}"
    );
    let e = stderr_of(&out);
    let place = format!(
        "darkwatch dump: warning: {}: byte {}, record type 16 subtype 4 length {}: {what}",
        path.display(),
        at.offset,
        at.length
    );
    assert!(e.contains(&place), "expected {place}\nin {e}");
    assert!(e.contains("1 damaged records reported above"), "{e}");

    let strict = run(&["dump", "--strict", text(&path)]);
    assert_eq!(strict.status.code(), Some(2), "{}", stderr_of(&strict));
    assert!(!String::from_utf8_lossy(&strict.stdout).contains("203.0.113.0/24"));

    let (replay, db) = replay_db(dir.path(), &[], &[&path]);
    assert!(replay.status.success(), "{}", stderr_of(&replay));
    let s = summary(&replay);
    assert_eq!(s["damaged_records"].as_u64(), Some(1), "{s}");
    assert_eq!(
        s["announcements"].as_u64(),
        Some(printed.len() as u64),
        "{s}"
    );
    let warned = format!(
        "darkwatch replay: warning: {}: byte {}",
        path.display(),
        at.offset
    );
    assert!(
        stderr_of(&replay).contains(&warned),
        "{}",
        stderr_of(&replay)
    );
    assert_eq!(common::sqlite(&db, "PRAGMA integrity_check"), "ok");
    assert_ne!(common::sqlite(&db, "SELECT count(*) FROM series"), "0");
    printed[1..printed.len() - 1]
        .iter()
        .map(|l| (*l).to_owned())
        .collect()
}

#[test]
fn attribute_length_past_the_end_of_the_message() {
    let mut attrs = craft::origin_and_next_hop();
    attrs.extend(craft::as_path(&[65001, 64502]));
    // COMMUNITIES claiming 200 bytes where the message has 4 left.
    attrs.extend(craft::attr_claiming(0xc0, 8, 200, &[0xfd, 0xe8, 0, 1]));
    damaged_update(
        &craft::update(&attrs, &[]),
        "declared length 200 exceeds the 4 bytes available",
    );
}

#[test]
fn as_path_segment_count_overruns_the_attribute() {
    let mut attrs = craft::origin_and_next_hop();
    // A segment of 5 AS numbers holding 2.
    let mut value = vec![2, 5];
    value.extend(65001u32.to_be_bytes());
    value.extend(64502u32.to_be_bytes());
    attrs.extend(craft::attr(craft::WELL_KNOWN, craft::AS_PATH, &value));
    damaged_update(
        &craft::update(&attrs, &[24, 192, 0, 2]),
        "AS_PATH segments overrun the attribute",
    );
}

#[test]
fn ipv4_prefix_length_33() {
    let mut attrs = craft::origin_and_next_hop();
    attrs.extend(craft::as_path(&[65001, 64502]));
    // A good /24, then a /33, then a /24 never reached.
    let nlri = [24, 192, 0, 2, 33, 10, 0, 0, 0, 0, 24, 10, 1, 2];
    let kept = damaged_update(
        &craft::update(&attrs, &nlri),
        "prefix length /33 is longer than /32",
    );
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].contains("|192.0.2.0/24|"), "{kept:?}");
}

#[test]
fn ipv6_mp_reach_prefix_length_129() {
    let mut attrs = craft::origin_and_next_hop();
    attrs.extend(craft::as_path(&[65001, 64502]));
    let mut reach = vec![0, 2, 1, 16]; // IPv6 unicast, 16-byte next hop
    reach.extend([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    reach.push(0); // reserved
    reach.extend([129]);
    reach.extend([0x20; 17]);
    attrs.extend(craft::attr(craft::OPTIONAL, craft::MP_REACH, &reach));
    damaged_update(
        &craft::update(&attrs, &[]),
        "prefix length /129 is longer than /128",
    );
}

#[test]
fn nlri_past_the_end_of_the_message() {
    let mut attrs = craft::origin_and_next_hop();
    attrs.extend(craft::as_path(&[65001, 64502]));
    // A /24 needs three address bytes; the message ends after two.
    let kept = damaged_update(
        &craft::update(&attrs, &[24, 192, 0, 2, 24, 10, 1]),
        "data ends early: field needs 3 bytes, 2 left",
    );
    assert_eq!(kept.len(), 1, "{kept:?}");
}

/// RFC 7606 §3 (g): of an attribute other than MP_REACH_NLRI and
/// MP_UNREACH_NLRI that appears twice, the first is kept and the others
/// discarded, and the UPDATE is processed. darkwatch does so
/// (`wire::attr::Attributes::error`) and reports the duplicate.
#[test]
fn duplicate_attributes() {
    let mut attrs = craft::origin_and_next_hop();
    attrs.extend(craft::as_path(&[65001, 64502]));
    attrs.extend(craft::as_path(&[65001, 64666, 64503]));
    let kept = damaged_update(
        &craft::update(&attrs, &[24, 192, 0, 2]),
        "attribute 2 appears twice",
    );
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0].contains("|192.0.2.0/24|65001 64502|IGP|"),
        "{kept:?}"
    );
}

/// A record header claiming 0xFFFFFFFF bytes is not believed: the reader
/// looks for the next record and says how much it skipped from where, or,
/// when no record follows, that the rest cannot be read.
#[test]
fn record_length_of_4_gib() {
    let dir = tempfile::tempdir().unwrap();
    let mut bogus = Vec::new();
    bogus.extend(craft::TIME.to_be_bytes());
    bogus.extend([0, 16, 0, 4, 0xff, 0xff, 0xff, 0xff]);
    bogus.extend([0xee; 20]);
    let (path, at) = sandwich(dir.path(), &bogus);
    let out = run(&["dump", text(&path)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(lines(&out.stdout).len(), 2);
    let e = stderr_of(&out);
    // Found while framing the record before it, and reported with that
    // record: the debris starts where it ends.
    let place = format!(
        "{}: byte 0, record type 16 subtype 4 length {}: 32 bytes from stream byte {} belong to no record",
        path.display(),
        at.offset - 12,
        at.offset
    );
    assert!(e.contains(&place), "expected {place}\nin {e}");

    // Last in the file: nothing to resynchronise on.
    let mut file = craft::announce(craft::TIME, [198, 51, 100], 64500);
    let offset = file.len();
    file.extend(&bogus);
    std::fs::write(&path, file).unwrap();
    let out = run(&["dump", text(&path)]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(lines(&out.stdout).len(), 1);
    let e = stderr_of(&out);
    let place = format!(
        "{}: byte {offset}, record type 16 subtype 4 length 4294967295: record header is implausible",
        path.display()
    );
    assert!(e.contains(&place) && e.contains("cannot be read"), "{e}");
    let (replay, db) = replay_db(dir.path(), &[], &[&path]);
    assert!(replay.status.success(), "{}", stderr_of(&replay));
    let s = summary(&replay);
    assert_eq!(
        (s["announcements"].as_u64(), s["damaged_records"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );
    assert_eq!(common::sqlite(&db, "PRAGMA integrity_check"), "ok");
}

/// Bad rows of a delegated-extended file are skipped with a warning that
/// names the file and line; the good rows still place their blocks.
#[test]
fn registry_with_broken_rows() {
    let dir = tempfile::tempdir().unwrap();
    let registry = dir.path().join("delegated-test.txt");
    std::fs::write(
        &registry,
        "2|ripencc|20140530|3|19830705|20140530|+0100\n\
         ripencc|NL|ipv4|198.51.100.0|256|20100101|allocated\n\
         ripencc|NL|ipv4|198.51.100|256|20100101|allocated\n\
         ripencc|NL\n\
         ripencc|NL|ipv4|203.0.113.0|256|20100101|stolen\n",
    )
    .unwrap();
    let (mrt_file, _) = sandwich(
        dir.path(),
        &craft::announce(craft::TIME + 1, [192, 0, 2], 64502),
    );
    let (out, db) = replay_db(dir.path(), &["--registry", text(&registry)], &[&mrt_file]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let e = stderr_of(&out);
    let r = registry.display();
    for (line, why) in [
        (3, "start is not a valid address or number"),
        (4, "expected at least 7 '|'-separated fields, found 2"),
        (
            5,
            "status is not allocated, assigned, available or reserved",
        ),
    ] {
        let warning = format!("darkwatch: warning: registry row skipped: {r}:{line}: {why}");
        assert!(e.contains(&warning), "expected {warning}\nin {e}");
    }
    assert_eq!(e.matches("registry row skipped").count(), 3, "{e}");
    let nl = run(&[
        "signals",
        "country/NL",
        "--db",
        text(&db),
        "--format",
        "json",
    ]);
    assert!(nl.status.success(), "{}", stderr_of(&nl));
    assert!(!nl.stdout.is_empty());
}

/// `darkwatch serve --config FILE --db DB --listen 127.0.0.1:0`, which
/// must end by itself (before listening) within 20 seconds.
fn serve_with_config(dir: &Path, config: &str) -> (Output, PathBuf) {
    let path = dir.join("darkwatch.toml");
    std::fs::write(&path, config).unwrap();
    // An existing database, so that only the configuration can stop it.
    let db = dir.join("empty.sqlite");
    std::fs::write(&db, b"").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_darkwatch"))
        .args(["serve", "--config", text(&path), "--db", text(&db)])
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start darkwatch serve");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "serve kept running with a bad configuration: {}",
                stderr_of(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = no_panic(child.wait_with_output().unwrap(), "serve --config");
    assert!(
        !stderr_of(&out).contains("listening on"),
        "{}",
        stderr_of(&out)
    );
    (out, path)
}

#[test]
fn config_with_an_unknown_key() {
    let dir = tempfile::tempdir().unwrap();
    let (out, path) = serve_with_config(dir.path(), "[server]\nlisen = \"127.0.0.1:0\"\n");
    assert_eq!(out.status.code(), Some(1));
    let e = stderr_of(&out);
    let place = format!(
        "darkwatch: error: {}: TOML parse error at line 2, column 1",
        path.display()
    );
    assert!(e.contains(&place), "expected {place}\nin {e}");
    assert!(
        e.contains("unknown field `lisen`, expected `listen` or `token`"),
        "{e}"
    );
    assert!(
        e.contains("every key is described in darkwatch.example.toml"),
        "{e}"
    );
}

#[test]
fn config_with_a_wrong_type() {
    let dir = tempfile::tempdir().unwrap();
    let (out, path) = serve_with_config(dir.path(), "[server]\nlisten = 8080\n");
    assert_eq!(out.status.code(), Some(1));
    let e = stderr_of(&out);
    let place = format!(
        "darkwatch: error: {}: TOML parse error at line 2, column 10",
        path.display()
    );
    assert!(e.contains(&place), "expected {place}\nin {e}");
    assert!(e.contains("listen = 8080"), "{e}");
    assert!(
        e.contains("invalid type: integer `8080`, expected socket address"),
        "{e}"
    );
    assert!(
        e.contains("every key is described in darkwatch.example.toml"),
        "{e}"
    );
}

/// The detector settings are read before the database is touched.
#[test]
fn detect_settings_with_an_unknown_field() {
    let dir = tempfile::tempdir().unwrap();
    let detect = dir.path().join("detect.toml");
    std::fs::write(&detect, "warmup_s = 600\nwarmup_seconds = 600\n").unwrap();
    let (mrt_file, _) = sandwich(
        dir.path(),
        &craft::announce(craft::TIME + 1, [192, 0, 2], 64502),
    );
    let (out, db) = replay_db(dir.path(), &["--detect", text(&detect)], &[&mrt_file]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr_of(&out);
    let place = format!(
        "darkwatch: error: {}: TOML parse error at line 2, column 1",
        detect.display()
    );
    assert!(e.contains(&place), "expected {place}\nin {e}");
    assert!(
        e.contains("unknown field `warmup_seconds`, expected one of"),
        "{e}"
    );
    assert!(e.contains("README's \"Detector settings\""), "{e}");
    assert!(!db.exists(), "{} was created", db.display());
}
