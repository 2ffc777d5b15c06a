//! `darkwatch fetch` and `darkwatch replay --from --to` against a loopback
//! server laid out like RouteViews and filled with the real jinx archives:
//! what is fetched, cached and missing is listed, and a replay of what it
//! fetched reads the same records as a replay of the files themselves.
//! Nothing leaves 127.0.0.1.

mod common;

use common::archive::{jinx_archive, RIB, UPDATES};
use common::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn fetch_lists_fetched_missing_then_cached_files() {
    let (_root, server) = jinx_archive();
    let dest = tempfile::tempdir().unwrap();
    let args = [
        "fetch",
        "--collector",
        "route-views.jinx",
        "--from",
        "2014-05-30T23:30:00Z",
        "--to",
        "1401493500",
        "--dest",
        dest.path().to_str().unwrap(),
        "--base",
        &server.base,
    ];
    let out = darkwatch(&args);
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    let updates = dest
        .path()
        .join("route-views.jinx/bgpdata/2014.05/UPDATES/updates.20140530.2345.bz2");
    assert!(
        stdout.contains(&format!("fetched  {}  6996 bytes", updates.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "missing  {}/route-views.jinx/bgpdata/2014.05/UPDATES/updates.20140530.2330.bz2  not in the archive",
            server.base
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 files: 2 fetched, 0 cached, 1 missing, 0 failed"),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read(&updates).unwrap(),
        std::fs::read(mrt(UPDATES)).unwrap()
    );

    let again = darkwatch(&args);
    assert!(again.status.success(), "{again:?}");
    let stdout = text(&again.stdout);
    assert!(
        stdout.contains(&format!("cached   {}", updates.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("3 files: 0 fetched, 2 cached, 1 missing, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn an_unknown_collector_is_an_error_listing_the_known_ones() {
    let dest = tempfile::tempdir().unwrap();
    let out = darkwatch(&[
        "fetch",
        "--collector",
        "route-views.atlantis",
        "--from",
        "0",
        "--to",
        "1",
        "--dest",
        dest.path().to_str().unwrap(),
        "--base",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unknown collector \"route-views.atlantis\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("route-views.jinx") && stderr.contains("rrc06"),
        "{stderr}"
    );
}

#[test]
fn replay_fetches_its_range_and_reads_what_the_files_hold() {
    let (_root, server) = jinx_archive();
    let cache = tempfile::tempdir().unwrap();
    let fetched = darkwatch(&[
        "replay",
        "--collector",
        "route-views.jinx",
        "--from",
        "2014-05-30T22:10:00Z",
        "--to",
        "2014-05-30T23:50:00Z",
        "--base",
        &server.base,
        "--cache",
        cache.path().to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]);
    assert!(fetched.status.success(), "{fetched:?}");
    let stderr = text(&fetched.stderr);
    assert!(
        stderr.contains("updates.20140530.2200.bz2: not in the archive"),
        "{stderr}"
    );
    let direct = darkwatch(&[
        "replay",
        "--collector",
        "route-views.jinx",
        "--format",
        "json",
        "--quiet",
        mrt(RIB).to_str().unwrap(),
        mrt(UPDATES).to_str().unwrap(),
    ]);
    assert!(direct.status.success(), "{direct:?}");
    let got: serde_json::Value = serde_json::from_slice(&fetched.stdout).unwrap();
    let want: serde_json::Value = serde_json::from_slice(&direct.stdout).unwrap();
    assert_eq!(got["files"], 2);
    assert!(got["records"].as_u64().unwrap() > 100_000, "{got}");
    assert_eq!(got["records"], want["records"]);
    assert_eq!(got, want);
}

#[test]
fn replay_of_a_range_with_nothing_archived_says_so() {
    let (_root, server) = jinx_archive();
    let cache = tempfile::tempdir().unwrap();
    let out = darkwatch(&[
        "replay",
        "--collector",
        "route-views.jinx",
        "--from",
        "2014-06-02T00:00:00Z",
        "--to",
        "2014-06-02T00:10:00Z",
        "--base",
        &server.base,
        "--cache",
        cache.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "no file of route-views.jinx between 2014-06-02T00:00:00Z and 2014-06-02T00:10:00Z"
        ),
        "{stderr}"
    );
}
