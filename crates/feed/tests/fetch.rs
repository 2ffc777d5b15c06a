//! The archive source against a loopback server laid out like RouteViews
//! and RIPE RIS, filled with real archives under the names the layouts
//! give them: exact plans for both layouts, parallel downloads, resume
//! after a cut, retries, cache hits, 404s reported while the rest goes on,
//! and a length that changes detected. Nothing leaves 127.0.0.1.

#[path = "support/data.rs"]
mod data;

use data::mrt;

#[path = "support/archive_server.rs"]
mod archive_server;

use std::fs;
use std::path::Path;
use std::time::Duration;

use archive_server::{place, ArchiveServer};
use feed::fetch::{
    fetch, plan, Collector, FetchErrorKind, FetchOptions, FetchProgress, FileKind, FileResult,
    Kind, Outcome,
};

/// 2014-05-30 22:00 UTC, the time of the jinx RIB.
const JINX_RIB: u64 = 1_401_487_200;
/// 2014-05-30 23:45 UTC, the time of the first jinx update file.
const JINX_UPDATES: u64 = 1_401_493_500;

const RIB_PATH: &str = "/route-views.jinx/bgpdata/2014.05/RIBS/rib.20140530.2200.bz2";
const UPDATES_PATH: &str = "/route-views.jinx/bgpdata/2014.05/UPDATES/updates.20140530.2345.bz2";

/// A server whose folder holds the jinx RIB and update file where
/// RouteViews keeps them.
fn jinx_archive() -> (tempfile::TempDir, ArchiveServer) {
    let root = tempfile::tempdir().unwrap();
    place(
        &mrt("routeviews-jinx/routeviews.route-views.jinx.ribs.1401487200.bz2"),
        root.path(),
        &RIB_PATH[1..],
    );
    place(
        &mrt("routeviews-jinx/routeviews.route-views.jinx.updates.1401493500.bz2"),
        root.path(),
        &UPDATES_PATH[1..],
    );
    let server = ArchiveServer::start(root.path());
    (root, server)
}

fn jinx(server: &ArchiveServer) -> Collector {
    Collector::named("route-views.jinx")
        .unwrap()
        .with_base(&server.base)
}

fn quick() -> FetchOptions {
    FetchOptions {
        backoff: Duration::from_millis(10),
        timeout: Duration::from_secs(10),
        ..FetchOptions::default()
    }
}

fn urls(files: &[feed::fetch::RemoteFile]) -> Vec<&str> {
    files.iter().map(|f| f.url.as_str()).collect()
}

fn outcome_of<'a>(results: &'a [FileResult], path: &str) -> &'a FileResult {
    results
        .iter()
        .find(|r| r.file.url.ends_with(path))
        .unwrap_or_else(|| panic!("{path} not planned"))
}

#[test]
fn routeviews_plan_names_the_last_rib_and_every_quarter_hour() {
    let c = Collector::named("route-views.jinx")
        .unwrap()
        .with_base("http://h/");
    // 22:30 to 23:00: the 22:00 RIB holds the state at 22:30.
    let files = plan(&c, JINX_RIB + 1800, JINX_RIB + 3600, Kind::Both);
    assert_eq!(
        urls(&files),
        [
            "http://h/route-views.jinx/bgpdata/2014.05/RIBS/rib.20140530.2200.bz2",
            "http://h/route-views.jinx/bgpdata/2014.05/UPDATES/updates.20140530.2230.bz2",
            "http://h/route-views.jinx/bgpdata/2014.05/UPDATES/updates.20140530.2245.bz2",
            "http://h/route-views.jinx/bgpdata/2014.05/UPDATES/updates.20140530.2300.bz2",
        ]
    );
    assert_eq!(
        files[0].local_relative_path,
        Path::new("route-views.jinx/bgpdata/2014.05/RIBS/rib.20140530.2200.bz2")
    );
    assert_eq!((files[0].time, files[0].kind), (JINX_RIB, FileKind::Rib));
    // route-views2 lives at the archive's root; the month folder follows
    // the file's own time across a month's end.
    let rv2 = Collector::named("route-views2")
        .unwrap()
        .with_base("http://h");
    let files = plan(&rv2, 1_401_580_200, 1_401_582_000, Kind::Updates);
    assert_eq!(
        urls(&files),
        [
            "http://h/bgpdata/2014.05/UPDATES/updates.20140531.2345.bz2",
            "http://h/bgpdata/2014.06/UPDATES/updates.20140601.0000.bz2",
            "http://h/bgpdata/2014.06/UPDATES/updates.20140601.0015.bz2",
        ]
    );
    assert_eq!(
        files[0].local_relative_path,
        Path::new("route-views2/bgpdata/2014.05/UPDATES/updates.20140531.2345.bz2")
    );
    assert_eq!(
        urls(&plan(&rv2, JINX_RIB, JINX_RIB + 4 * 3600, Kind::Ribs)),
        [
            "http://h/bgpdata/2014.05/RIBS/rib.20140530.2200.bz2",
            "http://h/bgpdata/2014.05/RIBS/rib.20140531.0000.bz2",
            "http://h/bgpdata/2014.05/RIBS/rib.20140531.0200.bz2",
        ]
    );
    assert!(plan(&rv2, JINX_RIB + 1, JINX_RIB, Kind::Both).is_empty());
}

#[test]
fn ris_plan_names_the_eight_hour_bview_and_every_five_minutes() {
    let c = Collector::named("rrc06").unwrap().with_base("http://h");
    // 22:15 to 22:25: the bview of 16:00 is the last before.
    let files = plan(&c, 1_401_488_100, 1_401_488_700, Kind::Both);
    assert_eq!(
        urls(&files),
        [
            "http://h/rrc06/2014.05/bview.20140530.1600.gz",
            "http://h/rrc06/2014.05/updates.20140530.2215.gz",
            "http://h/rrc06/2014.05/updates.20140530.2220.gz",
            "http://h/rrc06/2014.05/updates.20140530.2225.gz",
        ]
    );
    assert_eq!(
        files[1].local_relative_path,
        Path::new("rrc06/2014.05/updates.20140530.2215.gz")
    );
    let public = Collector::named("rrc06").unwrap();
    assert_eq!(
        plan(&public, 1_401_488_100, 1_401_488_100, Kind::Updates)[0].url,
        "https://data.ris.ripe.net/rrc06/2014.05/updates.20140530.2215.gz"
    );
    let public = Collector::named("route-views.linx").unwrap();
    assert_eq!(
        plan(&public, JINX_RIB, JINX_RIB, Kind::Ribs)[0].url,
        "https://archive.routeviews.org/route-views.linx/bgpdata/2014.05/RIBS/rib.20140530.2200.bz2"
    );
}

#[test]
fn an_unknown_collector_is_refused_with_the_known_ones() {
    let e = Collector::named("route-views.nowhere")
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"route-views.nowhere\""), "{e}");
    for known in [
        "route-views2",
        "route-views.jinx",
        "route-views6",
        "rrc00",
        "rrc26",
    ] {
        assert!(e.contains(known), "{known} not listed: {e}");
    }
}

#[test]
fn downloads_run_in_parallel_report_404s_and_hit_the_cache() {
    let (_root, server) = jinx_archive();
    server.delay(Duration::from_millis(150));
    let dest = tempfile::tempdir().unwrap();
    // 22:00 to 23:45: one RIB and eight update files, seven not archived.
    let files = plan(&jinx(&server), JINX_RIB, JINX_UPDATES, Kind::Both);
    assert_eq!(files.len(), 9);
    let mut seen = Vec::new();
    let results = fetch(&files, dest.path(), &quick(), |p| seen.push(*p));
    assert!(
        server.peak() >= 2,
        "requests never overlapped: {}",
        server.peak()
    );
    let rib = outcome_of(&results, RIB_PATH);
    let rib_size = fs::metadata(&rib.path).unwrap().len();
    assert_eq!(
        rib.outcome.as_ref().unwrap(),
        &Outcome::Fetched { bytes: rib_size }
    );
    assert_eq!(
        fs::read(&rib.path).unwrap(),
        fs::read(mrt(
            "routeviews-jinx/routeviews.route-views.jinx.ribs.1401487200.bz2"
        ))
        .unwrap()
    );
    let updates = outcome_of(&results, UPDATES_PATH);
    assert!(matches!(updates.outcome, Ok(Outcome::Fetched { .. })));
    let missing = results
        .iter()
        .filter(|r| matches!(r.outcome, Ok(Outcome::Missing)))
        .count();
    assert_eq!(missing, 7);
    let updates_size = fs::metadata(&updates.path).unwrap().len();
    assert_eq!(
        seen.last(),
        Some(&FetchProgress {
            files: 9,
            files_done: 9,
            bytes: rib_size + updates_size
        })
    );

    // Again: what is present is not asked for again, only the missing.
    let before = server.requests().len();
    let again = fetch(&files, dest.path(), &quick(), |_| {});
    assert!(matches!(
        outcome_of(&again, RIB_PATH).outcome,
        Ok(Outcome::Cached)
    ));
    assert!(matches!(
        outcome_of(&again, UPDATES_PATH).outcome,
        Ok(Outcome::Cached)
    ));
    let asked: Vec<String> = server.requests().split_off(before);
    assert_eq!(asked.len(), 7, "{asked:?}");
    assert!(!asked
        .iter()
        .any(|r| r.starts_with(RIB_PATH) || r.starts_with(UPDATES_PATH)));
}

#[test]
fn a_cut_download_resumes_and_a_503_is_retried() {
    let (_root, server) = jinx_archive();
    server.cut_first(RIB_PATH);
    server.fail_first(UPDATES_PATH);
    let dest = tempfile::tempdir().unwrap();
    let files: Vec<_> = plan(&jinx(&server), JINX_RIB, JINX_UPDATES, Kind::Both)
        .into_iter()
        .filter(|f| f.url.ends_with(RIB_PATH) || f.url.ends_with(UPDATES_PATH))
        .collect();
    let results = fetch(&files, dest.path(), &quick(), |_| {});
    let source = fs::read(mrt(
        "routeviews-jinx/routeviews.route-views.jinx.ribs.1401487200.bz2",
    ))
    .unwrap();
    let rib = outcome_of(&results, RIB_PATH);
    assert!(
        matches!(rib.outcome, Ok(Outcome::Fetched { .. })),
        "{:?}",
        rib.outcome
    );
    assert_eq!(fs::read(&rib.path).unwrap(), source, "resumed file differs");
    let half = source.len() / 2;
    let requests = server.requests();
    assert!(
        requests.contains(&format!("{RIB_PATH} bytes={half}-")),
        "no resume from byte {half}: {requests:?}"
    );
    assert!(!rib
        .path
        .with_file_name("rib.20140530.2200.bz2.part")
        .exists());
    let updates = outcome_of(&results, UPDATES_PATH);
    assert!(
        matches!(updates.outcome, Ok(Outcome::Fetched { .. })),
        "{:?}",
        updates.outcome
    );
    assert_eq!(
        requests.iter().filter(|r| *r == UPDATES_PATH).count(),
        2,
        "the 503 was not retried: {requests:?}"
    );
}

#[test]
fn a_length_that_changes_on_resume_is_an_error_naming_the_url() {
    let (_root, server) = jinx_archive();
    server.cut_first(UPDATES_PATH);
    server.grow_on_resume(UPDATES_PATH);
    let dest = tempfile::tempdir().unwrap();
    let files: Vec<_> = plan(&jinx(&server), JINX_UPDATES, JINX_UPDATES, Kind::Updates);
    let results = fetch(&files, dest.path(), &quick(), |_| {});
    let e = results[0].outcome.as_ref().unwrap_err();
    let size = fs::metadata(mrt(
        "routeviews-jinx/routeviews.route-views.jinx.updates.1401493500.bz2",
    ))
    .unwrap()
    .len();
    assert!(
        matches!(e.kind, FetchErrorKind::LengthChanged { before, now } if before == size && now == size + 10),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(
        text.contains(&format!("{}{UPDATES_PATH}", server.base)),
        "{text}"
    );
    assert!(text.contains("run again"), "{text}");
    assert!(!results[0].path.exists());
    assert!(!results[0]
        .path
        .with_file_name("updates.20140530.2345.bz2.part")
        .exists());
}

#[test]
fn ris_files_are_fetched_from_their_layout() {
    let root = tempfile::tempdir().unwrap();
    place(
        &mrt("ris-rrc06/ris.rrc06.updates.1401488100.gz"),
        root.path(),
        "rrc06/2014.05/updates.20140530.2215.gz",
    );
    let server = ArchiveServer::start(root.path());
    let rrc06 = Collector::named("rrc06").unwrap().with_base(&server.base);
    let dest = tempfile::tempdir().unwrap();
    let files = plan(&rrc06, 1_401_488_100, 1_401_488_100, Kind::Both);
    let results = fetch(&files, dest.path(), &quick(), |_| {});
    assert!(
        matches!(results[0].outcome, Ok(Outcome::Missing)),
        "the 16:00 bview"
    );
    assert!(matches!(results[1].outcome, Ok(Outcome::Fetched { .. })));
    assert_eq!(
        fs::read(dest.path().join("rrc06/2014.05/updates.20140530.2215.gz")).unwrap(),
        fs::read(mrt("ris-rrc06/ris.rrc06.updates.1401488100.gz")).unwrap()
    );
}
