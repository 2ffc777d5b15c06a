//! `darkwatch serve` pulling a public archive periodically, against a
//! loopback server laid out like RouteViews and filled with the real jinx
//! archives: the table dump before `from` fills the live route table, the
//! update files after it follow, the files the archive never had are
//! skipped, and past `to` the source says it is done. Nothing leaves
//! 127.0.0.1.

mod common;

use std::time::Duration;

use common::archive::jinx_archive;
use common::live::Live;

#[test]
fn an_archive_source_replays_the_dump_then_the_updates_into_the_live_table() {
    let (_root, server) = jinx_archive();
    let cache = tempfile::tempdir().unwrap();
    let config = format!(
        "[live]\nbin_secs = 2\n[[live.archive]]\nname = \"jinx\"\ncollector = \"route-views.jinx\"\nbase = \"{}\"\n\
         cache = \"{}\"\nevery_s = 1\nfrom = \"2014-05-30T22:10:00Z\"\nto = \"2014-05-30T23:59:59Z\"\n",
        server.base,
        cache.path().display()
    );
    let live = Live::start(&config, &[]);
    let source = live.wait(
        "the jinx archive source to finish",
        Duration::from_secs(120),
        || {
            let s = live.source("jinx");
            let done = s["connections"][0]["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("done"));
            done.then_some(s)
        },
    );
    assert_eq!(source["kind"], "archive");
    assert_eq!(
        source["messages"], 2,
        "the dump and the one update file: {source}"
    );
    assert_eq!(source["errors"], 0, "{source}");
    // The core replays the files after the source has handed them on.
    live.wait(
        "the jinx dump's routes in the live table",
        Duration::from_secs(120),
        || {
            live.metric("darkwatch_live_routes")
                .filter(|&n| n > 400_000.0)
        },
    );
    // Full-feed peers are judged at the end of a bin.
    let peers = live.wait("a full-feed jinx peer", Duration::from_secs(30), || {
        let peers = live.json("/api/v1/peers");
        (peers["full_feed_peers"]["v4"] == 1).then_some(peers)
    });
    let all = peers["peers"].as_array().unwrap();
    assert!(
        all.iter().all(|p| p["collector"] == "route-views.jinx"),
        "{peers}"
    );
    let prefix = live
        .prefix("8.8.8.0/24")
        .expect("8.8.8.0/24 in the jinx table");
    assert_eq!(prefix["origins"][0], 15169, "{prefix}");
    // Both files came from the cache folder, laid out as the archive.
    assert!(cache
        .path()
        .join("route-views.jinx/bgpdata/2014.05/UPDATES/updates.20140530.2345.bz2")
        .is_file());
}
