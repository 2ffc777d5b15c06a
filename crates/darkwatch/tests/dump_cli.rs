//! `darkwatch dump` as a user runs it: JSON output, filters, damaged and
//! truncated input, `--strict`, and the errors a user sees.

mod common;

use std::io::Write;

use common::*;

const JINX_RIB: &str = "routeviews-jinx/routeviews.route-views.jinx.ribs.1401487200.bz2";

#[test]
fn json_lines_carry_the_same_routes_as_bgpdump_lines() {
    let path = mrt("routeviews-jinx/routeviews.route-views.jinx.updates.1427846400.bz2");
    let text = dump(&path, &[]);
    let json = dump(&path, &["--format", "json"]);
    assert!(json.status.success());
    let (t, j) = (lines(&text.stdout), lines(&json.stdout));
    assert_eq!(t.len(), j.len());
    assert!(t.len() > 8000);
    for (line, obj) in t.iter().zip(&j) {
        let v: serde_json::Value = serde_json::from_str(obj).expect("valid JSON");
        let f: Vec<_> = line.split('|').collect();
        assert_eq!(v["timestamp"].as_u64().unwrap().to_string(), f[1]);
        assert_eq!(v["peer_asn"].as_u64().unwrap().to_string(), f[4]);
        match f[2] {
            "A" => {
                assert_eq!(v["type"], "announce");
                assert_eq!(v["prefix"], f[5]);
                assert_eq!(v["as_path"], f[6]);
                assert_eq!(v["origin"], f[7]);
                let last = f[6].rsplit(' ').next().unwrap();
                if !f[6].contains('{') {
                    assert_eq!(v["origin_asn"].as_u64().unwrap().to_string(), last);
                }
            }
            "W" => {
                assert_eq!(v["type"], "withdraw");
                assert_eq!(v["prefix"], f[5]);
                assert!(v["as_path"].is_null());
            }
            "STATE" => {
                assert_eq!(v["type"], "state");
                assert_eq!(v["old_state"].as_u64().unwrap().to_string(), f[5]);
            }
            other => panic!("unexpected line type {other}"),
        }
        // Every key is always present.
        assert_eq!(v.as_object().unwrap().len(), 22, "{obj}");
    }
}

#[test]
fn prefix_filter_finds_north_koreas_four_routes_behind_as4837() {
    let out = dump(
        &mrt(JINX_RIB),
        &[
            "--prefix",
            "175.45.176.0/22",
            "--prefix-match",
            "more-specific",
        ],
    );
    assert!(out.status.success());
    let got = lines(&out.stdout);
    let prefixes: Vec<_> = got.iter().map(|l| l.split('|').nth(5).unwrap()).collect();
    assert_eq!(
        prefixes,
        [
            "175.45.176.0/24",
            "175.45.177.0/24",
            "175.45.178.0/24",
            "175.45.179.0/24"
        ]
    );
    for l in &got {
        assert!(l.contains("|30844 3356 1239 4837 131279|"), "{l}");
        assert!(l.contains("|30844|"), "{l}");
    }
}

#[test]
fn prefix_filter_modes() {
    let rib = mrt(JINX_RIB);
    let exact = dump(&rib, &["--prefix", "175.45.177.0/24"]);
    assert_eq!(lines(&exact.stdout).len(), 1);
    // No route covers the /22 exactly, but the /24s are inside it.
    let none = dump(&rib, &["--prefix", "175.45.176.0/22"]);
    assert_eq!(lines(&none.stdout).len(), 0);
    // Routes covering one address of NK space: the default route and its /24.
    let covering = dump(
        &rib,
        &["--prefix", "175.45.178.9/32", "--prefix-match", "covering"],
    );
    let c = lines(&covering.stdout);
    assert_eq!(c.len(), 2, "{c:?}");
    assert!(c[0].contains("|0.0.0.0/0|"));
    assert!(c[1].contains("|175.45.178.0/24|"));
}

#[test]
fn asn_and_peer_filters() {
    let rib = mrt(JINX_RIB);
    // AS131279 originates the four NK /24s and is a transit on one more path.
    let nk = dump(&rib, &["--asn", "131279"]);
    let nk = lines(&nk.stdout);
    assert_eq!(nk.len(), 5);
    assert!(nk[4].contains("|194.71.107.0/24|30844 39138 22351 131279 51040|"));
    let updates = mrt("routeviews-jinx/routeviews.route-views.jinx.updates.1427846400.bz2");
    let all = dump(&updates, &[]);
    let first_peer = lines(&all.stdout)[0].split('|').nth(3).unwrap().to_string();
    let want = lines(&all.stdout)
        .iter()
        .filter(|l| l.split('|').nth(3) == Some(first_peer.as_str()))
        .count();
    let by_peer = dump(&updates, &["--peer", &first_peer]);
    assert_eq!(lines(&by_peer.stdout).len(), want);
    assert!(want > 0);
}

#[test]
fn strict_stops_at_the_first_damage_with_exit_code_2() {
    let path = mrt("bgpkit-parser/rrc00_2000.03_updates.20000325.0345.gz");
    let out = dump(&path, &["--strict"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("byte 188"), "{stderr}");
    assert!(stderr.contains("rrc00_2000.03_updates"), "{stderr}");
    assert!(stderr.contains("--strict"), "{stderr}");
    // What came before the damage was printed.
    assert_eq!(lines(&out.stdout).len(), 4);
}

#[test]
fn damaged_records_are_reported_with_file_offset_and_type() {
    let path = mrt("bgpkit-parser/rrc01_2000.11_updates.20001104.0124.gz");
    let out = dump(&path, &[]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The Zebra OPEN records without addresses and the shortened state
    // changes of this file are read, not reported.
    assert!(stderr.is_empty(), "{stderr}");
    let expected = bgpdump(&path);
    assert!(out.stdout == expected);
}

/// Writes `bytes` to a new temporary file and returns its path.
fn temp_file(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("write temp file");
    path
}

#[test]
fn truncated_archive_keeps_what_came_before_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(mrt("ris-rrc06/ris.rrc06.updates.1401488100.gz")).unwrap();
    let cut = temp_file(&dir, "cut.gz", &full[..full.len() / 2]);
    let whole = dump(&mrt("ris-rrc06/ris.rrc06.updates.1401488100.gz"), &[]);
    let out = dump(&cut, &[]);
    assert!(out.status.success());
    let (w, c) = (lines(&whole.stdout), lines(&out.stdout));
    assert!(
        c.len() > w.len() / 4 && c.len() < w.len(),
        "{} of {}",
        c.len(),
        w.len()
    );
    assert_eq!(&w[..c.len()], &c[..]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cut.gz"), "{stderr}");
    assert!(
        stderr.contains("gzip stream broken") || stderr.contains("file ends inside"),
        "{stderr}"
    );
}

#[test]
fn bad_paths_and_empty_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dump(&dir.path().join("nope.mrt"), &[]);
    assert_eq!(missing.status.code(), Some(1));
    let e = String::from_utf8_lossy(&missing.stderr);
    assert!(
        e.contains("nope.mrt") && e.contains("check the path"),
        "{e}"
    );

    let as_dir = dump(dir.path(), &[]);
    assert_eq!(as_dir.status.code(), Some(1));
    let e = String::from_utf8_lossy(&as_dir.stderr);
    assert!(e.contains("directory"), "{e}");

    let empty = temp_file(&dir, "empty.mrt", b"");
    let out = dump(&empty, &["--strict"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());

    let garbage = temp_file(&dir, "garbage.mrt", &[0xab; 100]);
    let out = dump(&garbage, &[]);
    assert!(out.status.success());
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("garbage.mrt: byte 0"), "{e}");
    let strict = dump(&garbage, &["--strict"]);
    assert_eq!(strict.status.code(), Some(2));
}

#[test]
fn usage_errors_exit_64() {
    let out = darkwatch(&["dump"]);
    assert_eq!(out.status.code(), Some(64));
    let out = darkwatch(&["dump", "--prefix", "not-a-prefix", "x"]);
    assert_eq!(out.status.code(), Some(64));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains("ADDRESS/LENGTH"), "{e}");
}
