//! Differential test: `darkwatch dump` against Debian's `bgpdump -m` 1.6.2
//! on every real archive of `../shared/data/mrt`, byte for byte. Where
//! bgpdump is provably wrong, the deviation has a test named after it that
//! says what bgpdump prints, why it is wrong, and what darkwatch prints.

mod common;

use common::*;

/// Archives on which bgpdump is wrong, with the test that pins each.
const DEVIATIONS: &[(&str, &str)] = &[
    (
        "rrc00_1999.09_updates.19990903.1041.gz",
        "legacy_bgp_records_meet_two_bgpdump_bugs",
    ),
    (
        "rrc00_1999.12_updates.19991214.1621.gz",
        "legacy_bgp_records_meet_two_bgpdump_bugs",
    ),
    (
        "rrc00_2000.01_updates.20000102.2014.gz",
        "legacy_bgp_records_meet_two_bgpdump_bugs",
    ),
    (
        "rrc00_2000.03_updates.20000325.0345.gz",
        "broken_record_boundary_makes_bgpdump_print_garbage_withdrawals",
    ),
    (
        "rrc00_2000.01_bview.20000111.0032.gz",
        "table_dump_lengths_four_bytes_short_stop_bgpdump_after_one_entry",
    ),
];

fn deviation(path: &std::path::Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    DEVIATIONS.iter().find(|(f, _)| *f == name).map(|(_, t)| *t)
}

#[test]
fn every_archive_matches_bgpdump_byte_for_byte() {
    let mut compared = 0;
    for path in all_archives() {
        if deviation(&path).is_some() {
            continue;
        }
        let ours = dump(&path, &["--quiet"]);
        assert!(ours.status.success(), "{}: {:?}", path.display(), ours);
        let theirs = bgpdump(&path);
        if ours.stdout != theirs {
            let (a, b) = (lines(&ours.stdout), lines(&theirs));
            let first = a.iter().zip(&b).position(|(x, y)| x != y);
            panic!(
                "{}: output differs from bgpdump -m ({} vs {} lines); first difference at line {:?}:\n ours:     {:?}\n bgpdump:  {:?}",
                path.display(),
                a.len(),
                b.len(),
                first.map(|i| i + 1),
                first.and_then(|i| a.get(i)),
                first.and_then(|i| b.get(i)),
            );
        }
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} archives compared");
}

#[test]
fn bview_matches_bgpdumps_own_expected_output() {
    use std::io::Read;
    let expect = mrt("ripe-bgpdump/expect-bview.20020722.2337.gz.bgp.gz");
    let mut want = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(expect).unwrap())
        .read_to_end(&mut want)
        .unwrap();
    let ours = dump(&mrt("ripe-bgpdump/bview.20020722.2337.gz"), &[]);
    assert!(ours.status.success());
    assert_eq!(lines(&ours.stdout).len(), 115_521);
    assert!(
        ours.stdout == want,
        "differs from bgpdump's expected output"
    );
}

/// Two bgpdump 1.6 bugs in lines of the deprecated BGP type (5):
///
/// - withdrawals print the prefix with a second `inet_ntoa()` in the same
///   `printf` as the peer address; both share one static buffer, so the
///   prefix comes out as the peer's address (`193.0.0.56/24`);
/// - announcements with communities lose the `|` between MED and the
///   communities (`|0|08918:60 8918:1000|NAG|`), while those without any
///   lose the communities column entirely (`|0|0|NAG|`, kept as is).
///
/// darkwatch prints the withdrawn prefix and a separate communities field;
/// every other line is identical.
#[test]
fn legacy_bgp_records_meet_two_bgpdump_bugs() {
    let (mut withdrawals, mut communities) = (0, 0);
    for (name, _) in DEVIATIONS.iter().take(3) {
        let path = mrt(&format!("bgpkit-parser/{name}"));
        let ours = dump(&path, &[]);
        let theirs = bgpdump(&path);
        let (a, b) = (lines(&ours.stdout), lines(&theirs));
        assert_eq!(a.len(), b.len(), "{name}");
        for (x, y) in a.iter().zip(&b).filter(|(x, y)| x != y) {
            let xs: Vec<_> = x.split('|').collect();
            let ys: Vec<_> = y.split('|').collect();
            assert_eq!(xs[..5], ys[..5], "{name}: {x}");
            match xs[2] {
                "W" => {
                    withdrawals += 1;
                    let (peer, bgpdump_prefix) = (ys[3], ys[5]);
                    assert_eq!(bgpdump_prefix.split('/').next(), Some(peer), "{y}");
                    assert_eq!(xs[5].split('/').nth(1), bgpdump_prefix.split('/').nth(1));
                }
                "A" => {
                    communities += 1;
                    let glued = format!("{}{}", xs[10], xs[11]);
                    let mut expected: Vec<&str> = xs.clone();
                    expected.splice(10..12, [glued.as_str()]);
                    assert_eq!(expected.join("|"), *y, "{name}");
                }
                other => panic!("{name}: unexpected difference in a {other} line: {x}"),
            }
        }
    }
    assert!(
        withdrawals > 2000 && communities > 0,
        "{withdrawals} {communities}"
    );
    // One withdrawal checked against the bytes of the archive.
    let ours = dump(
        &mrt("bgpkit-parser/rrc00_1999.09_updates.19990903.1041.gz"),
        &[],
    );
    assert_eq!(
        lines(&ours.stdout)[64007],
        "BGP|936348242|W|193.0.0.56|3333|157.100.47.0/24"
    );
}

/// In the RIS rrc00 updates of 2000-03-25 03:45 a record header is cut
/// after 10 bytes. bgpdump takes the next record's timestamp as the length
/// (14556), swallows 2,500 records and prints 2,042 withdrawals of a peer
/// `0.5.0.3` that does not exist. darkwatch reports the 10 broken bytes,
/// finds the next record, and reads the rest of the file.
#[test]
fn broken_record_boundary_makes_bgpdump_print_garbage_withdrawals() {
    let path = mrt("bgpkit-parser/rrc00_2000.03_updates.20000325.0345.gz");
    let ours = dump(&path, &[]);
    assert!(ours.status.success());
    let theirs = bgpdump(&path);
    let (a, b) = (lines(&ours.stdout), lines(&theirs));
    let garbage = b.iter().filter(|l| l.contains("|0.5.0.3|")).count();
    assert_eq!(garbage, 2042);
    assert!(a.iter().all(|l| !l.contains("|0.5.0.3|")));
    assert_eq!(a.len(), 5685);
    // Before the damage both read the same two updates (modulo bgpdump's
    // legacy-withdrawal bug).
    assert_eq!(a[2..4], b[2..4]);
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert!(stderr.contains("byte 188"), "{stderr}");
    assert!(
        stderr.contains("10 bytes from stream byte 188 belong to no record"),
        "{stderr}"
    );
    assert!(stderr.contains("byte 4532"), "{stderr}");
}

/// The RIS rrc00 bview of 2000-01-11 was written by MRTd: each TABLE_DUMP
/// record holds many entries after one view and sequence, and declares a
/// length 4 bytes short of its real size. bgpdump reads the first entry,
/// loses the framing and stops. darkwatch repairs each record's length
/// (reporting each) and reads all 452,018 routes of its 2,490 records.
#[test]
fn table_dump_lengths_four_bytes_short_stop_bgpdump_after_one_entry() {
    let path = mrt("bgpkit-parser/rrc00_2000.01_bview.20000111.0032.gz");
    let ours = dump(&path, &["--quiet"]);
    assert!(ours.status.success());
    let theirs = bgpdump(&path);
    let (a, b) = (lines(&ours.stdout), lines(&theirs));
    assert_eq!(b.len(), 1);
    assert_eq!(a[0], b[0]);
    assert_eq!(a.len(), 452_018);
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert!(
        stderr.contains("2490 records, 452018 entries, 2490 damaged records"),
        "{stderr}"
    );
    // Every route is a well-formed TABLE_DUMP line of a known peer.
    assert!(a
        .iter()
        .all(|l| l.starts_with("TABLE_DUMP|94755") && l.ends_with('|')));
}
