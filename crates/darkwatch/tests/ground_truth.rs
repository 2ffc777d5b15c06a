//! Ground truth for the detector: the five scenarios of `tests/scenarios`,
//! each synthesized as MRT, replayed through `darkwatch replay --db` (the
//! embedded registry places the blocks in their countries) and checked,
//! through `darkwatch signals --format json`, to give the series the
//! incident should. Times are UTC; a bin is named by its start and its
//! gauges are those at its end.
//!
//! What a correct detector must report (each TOML file says it at length):
//!
//! - `country-shutdown`: country/SY one outage from 08:00 ± 1 bin
//!   (critical, dark from 08:05) to 14:00 ± 1 bin, all 13 prefixes;
//!   as/29256, as/29386, as/24814 dark 08:00-14:00, as/48065 dark
//!   08:05-14:00, each withdrawn at origin; nothing else.
//! - `partial-shutdown`: country/IQ one outage from 03:00 ± 1 bin
//!   (warning, critical from 03:05, lowest ratio 0.1, never dark) to
//!   05:00 ± 1 bin; as/50710, as/50597, as/59588, as/58322 dark from
//!   03:00, 03:05, 03:10, 03:15 to 05:00; no event for as/21277.
//! - `peer-reset`: no event anywhere, neither outage nor instability.
//! - `short-and-long`: as/15399 one dark outage 14:00-20:00 ± 1 bin;
//!   as/36866 nothing longer than its one bin at 0 (09:30); no event for
//!   country/KE or as/33771.
//! - `upstream-loss`: no outage anywhere; at most a one-bin instability of
//!   as/44395 (and country/AM) at 11:05 and at 15:30.
//!
//! - `scenarios/kp-2014.toml` (bundled): country/KP and as/131279 one
//!   dark outage from 16:15 on 22 December 2014 to 01:45 on the 23rd,
//!   preceded by instability, withdrawn at origin, AS4837 the single
//!   upstream, no peer inside AS4837 seeing it.
//!
//! Instability elsewhere: at most in the bins of an incident's own
//! withdrawals and re-announcements, of the entities they touch.
//!
//! Every scenario has one route flapping at one peer every 5 minutes
//! (198.18.0.0/24, AS64496, no country), so that every bin holds updates
//! as a real collector's do. Each test then checks the events of
//! `darkwatch events --format json` against the list above.

mod common;

use std::path::PathBuf;

use common::*;

/// Synthesizes and replays `tests/scenarios/NAME`: the database, and the
/// temporary directory holding it (keep it while using the database).
fn replayed(name: &str) -> (PathBuf, tempfile::TempDir) {
    synth_and_replay(&scenario(name))
}

#[test]
fn country_shutdown_syria_dark_as_by_as_from_08_00_back_at_14_00() {
    let (db, _dir) = replayed("country-shutdown.toml");
    let from = utc("2024-06-02T00:05:00Z");
    let (first, dark) = (utc("2024-06-03T08:00:00Z"), utc("2024-06-03T08:05:00Z"));
    let (back, end) = (utc("2024-06-03T14:00:00Z"), utc("2024-06-03T20:00:00Z"));

    let sy = signals(&db, "country/SY");
    sy.assert_constant("visible_24s", 286, from, first);
    sy.assert_constant("visible_prefixes", 13, from, first);
    // Three ASes gone in the 08:00 bin, the last in the 08:05 bin.
    assert_eq!(sy.gauge("visible_24s", first), 96);
    sy.assert_constant("visible_24s", 0, dark, back);
    sy.assert_constant("visible_prefixes", 0, dark, back);
    assert_eq!(sy.bins_at("visible_24s", 0, from, end).len(), 71);
    sy.assert_constant("visible_24s", 286, back, end);
    // Every route from every peer: 11 prefixes, then 2, times 8 peers.
    assert_eq!(sy.counter("withdrawals", first), 11 * 8);
    assert_eq!(sy.counter("withdrawals", dark), 2 * 8);
    assert_eq!(sy.counter("announcements", back), 13 * 8);

    for (asn, blocks, gone) in [
        (29256, 84, first),
        (29386, 81, first),
        (24814, 25, first),
        (48065, 96, dark),
    ] {
        let s = signals(&db, &format!("as/{asn}"));
        s.assert_constant("visible_24s", blocks, from, gone);
        s.assert_constant("visible_24s", 0, gone, back);
        s.assert_constant("visible_24s", blocks, back, end);
    }
    // The 82.137.200.0/24 inside 82.137.192.0/19 counts once.
    assert_eq!(signals(&db, "as/29256").gauge("visible_prefixes", from), 5);

    let all = events(&db);
    let outages: Vec<&serde_json::Value> = all.iter().filter(|e| e["kind"] == "outage").collect();
    let sy = events_of(&all, "country/SY", "outage");
    assert_eq!(sy.len(), 1, "{all:#?}");
    assert_eq!(sy[0]["worst_severity"], "dark");
    assert_eq!(sy[0]["short"], false);
    assert_eq!(sy[0]["prefixes"].as_array().map(Vec::len), Some(13));
    assert_near(&sy[0]["start"], "2024-06-03T08:00:00Z", "SY start");
    assert_near(&sy[0]["end"], "2024-06-03T14:00:00Z", "SY end");
    assert!(hint_kinds(sy[0]).contains(&"withdrawn_at_origin".to_string()));
    for (asn, gone) in [
        (29256, "2024-06-03T08:00:00Z"),
        (29386, "2024-06-03T08:00:00Z"),
        (24814, "2024-06-03T08:00:00Z"),
        (48065, "2024-06-03T08:05:00Z"),
    ] {
        let entity = format!("as/{asn}");
        let e = events_of(&all, &entity, "outage");
        assert_eq!(e.len(), 1, "{entity}");
        assert_eq!(e[0]["worst_severity"], "dark", "{entity}");
        assert_near(&e[0]["start"], gone, &entity);
        assert_near(&e[0]["end"], "2024-06-03T14:00:00Z", &entity);
        let hints = hint_kinds(e[0]);
        assert!(
            hints.contains(&"withdrawn_at_origin".to_string()),
            "{entity}: {hints:?}"
        );
        assert!(
            hints.contains(&"single_upstream".to_string()),
            "{entity}: {hints:?}"
        );
    }
    assert_eq!(outages.len(), 5, "nothing else: {outages:#?}");

    // The world loses exactly Syria; its full-feed peers stay.
    let world = signals(&db, "world");
    world.assert_constant("full_feed_v4", 8, from, end);
    let before = world.gauge("visible_24s", from);
    world.assert_constant("visible_24s", before, from, first);
    world.assert_constant("visible_24s", before - 286, dark, back);
    world.assert_constant("visible_24s", before, back, end);
}

#[test]
fn partial_shutdown_iraq_falls_to_a_tenth_in_four_waves_kurdistan_stays() {
    let (db, _dir) = replayed("partial-shutdown.toml");
    let from = utc("2023-06-10T18:05:00Z");
    let wave = |m: u64| utc("2023-06-12T03:00:00Z") + m * 60;
    let (back, end) = (utc("2023-06-12T05:00:00Z"), utc("2023-06-12T10:00:00Z"));

    let iq = signals(&db, "country/IQ");
    iq.assert_constant("visible_24s", 240, from, wave(0));
    // 0.73 of the baseline (warning), 0.47 (critical), 0.3, then 0.1:
    // the Kurdistan ISP's tenth.
    assert_eq!(iq.gauge("visible_24s", wave(0)), 176);
    assert_eq!(iq.gauge("visible_24s", wave(5)), 112);
    assert_eq!(iq.gauge("visible_24s", wave(10)), 72);
    iq.assert_constant("visible_24s", 24, wave(15), back);
    iq.assert_constant("visible_24s", 240, back, end);
    assert!(
        iq.bins_at("visible_24s", 0, from, end).is_empty(),
        "never dark"
    );
    for (m, routes) in [(0, 2 * 8), (5, 3 * 8), (10, 2 * 8), (15, 2 * 8)] {
        assert_eq!(iq.counter("withdrawals", wave(m)), routes, "wave +{m}m");
    }

    for (asn, blocks, gone) in [
        (50710, 64, wave(0)),
        (50597, 64, wave(5)),
        (59588, 40, wave(10)),
        (58322, 48, wave(15)),
    ] {
        let s = signals(&db, &format!("as/{asn}"));
        s.assert_constant("visible_24s", blocks, from, gone);
        s.assert_constant("visible_24s", 0, gone, back);
        s.assert_constant("visible_24s", blocks, back, end);
    }
    let newroz = signals(&db, "as/21277");
    newroz.assert_constant("visible_24s", 24, from, end);
    newroz.assert_constant("withdrawals", 0, from, end);

    signals(&db, "world").assert_constant("full_feed_v4", 8, from, end);

    let all = events(&db);
    let iq = events_of(&all, "country/IQ", "outage");
    assert_eq!(iq.len(), 1, "{all:#?}");
    assert_eq!(iq[0]["worst_severity"], "critical");
    assert_eq!(iq[0]["min_ratio"], 0.1);
    assert_near(&iq[0]["start"], "2023-06-12T03:00:00Z", "IQ start");
    assert_near(&iq[0]["end"], "2023-06-12T05:00:00Z", "IQ end");
    for (asn, gone) in [(50710, 0), (50597, 5), (59588, 10), (58322, 15)] {
        let entity = format!("as/{asn}");
        let e = events_of(&all, &entity, "outage");
        assert_eq!(e.len(), 1, "{entity}");
        assert_eq!(e[0]["worst_severity"], "dark", "{entity}");
        assert_near(&e[0]["start"], &when(wave(gone)), &entity);
    }
    let survivor: Vec<_> = all.iter().filter(|e| e["entity"] == "as/21277").collect();
    assert!(
        survivor.is_empty(),
        "nothing for the survivor: {survivor:#?}"
    );
    let outages = all.iter().filter(|e| e["kind"] == "outage").count();
    assert_eq!(outages, 5, "{all:#?}");
}

#[test]
fn peer_reset_moves_only_the_full_feed_count_and_raises_nothing() {
    let (db, _dir) = replayed("peer-reset.toml");
    let from = utc("2024-09-15T00:05:00Z");
    // NTT down at 10:02:30, up at 10:42:30.
    let (down, up) = (utc("2024-09-16T10:00:00Z"), utc("2024-09-16T10:40:00Z"));
    let end = utc("2024-09-16T16:00:00Z");

    // The regional /20 of AS15399 (5 of 8 full-feed peers, NTT among
    // them) stays visible: NTT leaves the full-feed set the moment its
    // session goes, so the /20 is seen by 4 of 7.
    for (entity, blocks) in [
        ("country/KE", 208),
        ("as/15399", 16),
        ("as/33771", 192),
        ("country/AM", 128),
        ("as/12297", 128),
        ("country/SY", 64),
        ("as/29256", 64),
    ] {
        let s = signals(&db, entity);
        s.assert_constant("visible_24s", blocks, from, end);
        s.assert_constant("path_changes", 0, from, end);
        // The lost session is no routing activity.
        s.assert_constant("withdrawals", 0, from, end);
        s.assert_constant("announcements", 0, from, end);
    }

    let world = signals(&db, "world");
    let all = world.gauge("visible_24s", from);
    world.assert_constant("visible_24s", all, from, end);
    // One full-feed peer fewer while NTT is away: from the peer-down at
    // once, back at the end of the bin of the peer-up (its table is
    // judged at bin ends).
    world.assert_constant("full_feed_v4", 8, from, down);
    world.assert_constant("full_feed_v4", 7, down, up);
    world.assert_constant("full_feed_v4", 8, up, end);
    world.assert_constant("path_changes", 0, from, end);

    assert_eq!(
        events(&db),
        Vec::<serde_json::Value>::new(),
        "no event at all"
    );
}

#[test]
fn short_and_long_one_bin_dark_for_as36866_72_bins_for_as15399() {
    let (db, _dir) = replayed("short-and-long.toml");
    let from = utc("2024-03-10T00:05:00Z");
    let blip = utc("2024-03-11T09:30:00Z");
    let (long, back) = (utc("2024-03-11T14:00:00Z"), utc("2024-03-11T20:00:00Z"));
    let end = utc("2024-03-11T23:00:00Z");

    // Three minutes across the 09:35 boundary: one bin ends at 0.
    let jamii = signals(&db, "as/36866");
    assert_eq!(jamii.bins_at("visible_24s", 0, from, end), vec![blip]);
    jamii.assert_constant("visible_24s", 8, from, blip);
    jamii.assert_constant("visible_24s", 8, blip + BIN, end);

    // Six hours: 72 bins at 0, 14:00 through 19:55.
    let wananchi = signals(&db, "as/15399");
    let zero = wananchi.bins_at("visible_24s", 0, from, end);
    assert_eq!(zero.len(), 72);
    assert_eq!(zero, (long..back).step_by(BIN as usize).collect::<Vec<_>>());
    wananchi.assert_constant("visible_24s", 16, from, long);
    wananchi.assert_constant("visible_24s", 16, back, end);
    assert_eq!(wananchi.counter("withdrawals", long), 2 * 8);
    assert_eq!(wananchi.counter("announcements", back), 2 * 8);

    // Kenya dips by 2% and by 4%, nothing more.
    let ke = signals(&db, "country/KE");
    ke.assert_constant("visible_24s", 408, from, blip);
    assert_eq!(ke.gauge("visible_24s", blip), 400);
    ke.assert_constant("visible_24s", 408, blip + BIN, long);
    ke.assert_constant("visible_24s", 392, long, back);
    ke.assert_constant("visible_24s", 408, back, end);
    signals(&db, "as/33771").assert_constant("visible_24s", 384, from, end);
    signals(&db, "world").assert_constant("full_feed_v4", 8, from, end);

    let all = events(&db);
    let short = events_of(&all, "as/36866", "outage");
    assert_eq!(short.len(), 1, "{all:#?}");
    assert_eq!(short[0]["short"], true);
    assert!(short[0]["duration_s"].as_u64().unwrap() < 600);
    let long = events_of(&all, "as/15399", "outage");
    assert_eq!(long.len(), 1, "{all:#?}");
    assert_eq!(long[0]["short"], false);
    assert_eq!(long[0]["worst_severity"], "dark");
    assert_near(&long[0]["start"], "2024-03-11T14:00:00Z", "start");
    assert_near(&long[0]["end"], "2024-03-11T20:00:00Z", "end");
    for quiet in ["country/KE", "as/33771"] {
        assert!(events_of(&all, quiet, "outage").is_empty(), "{quiet}");
    }
    // Kenya's churn in the bins of its ASes' withdrawals and returns is
    // its own: at most short instability there, nothing else.
    for e in events_of(&all, "country/KE", "instability") {
        assert!(e["duration_s"].as_u64().unwrap() <= 2 * BIN, "{e}");
    }
}

#[test]
fn upstream_loss_changes_paths_and_nothing_goes_dark() {
    let (db, _dir) = replayed("upstream-loss.toml");
    let from = utc("2024-10-06T00:05:00Z");
    let (lost, restored) = (utc("2024-10-07T11:05:00Z"), utc("2024-10-07T15:30:00Z"));
    let end = utc("2024-10-07T20:00:00Z");

    let ucom = signals(&db, "as/44395");
    ucom.assert_constant("visible_24s", 144, from, end);
    ucom.assert_constant("visible_prefixes", 4, from, end);
    ucom.assert_constant("withdrawals", 0, from, end);
    // 4 prefixes from 4 peers, Cogent's twice (the stale path first).
    let changes: Vec<(u64, u64)> = ucom
        .bins("path_changes", from, end)
        .into_iter()
        .filter(|&(_, n)| n > 0)
        .collect();
    assert_eq!(changes, vec![(lost, 4 * 5), (restored, 4 * 4)]);
    assert_eq!(ucom.counter("origin_changes", lost), 0);

    let am = signals(&db, "country/AM");
    am.assert_constant("visible_24s", 272, from, end);
    am.assert_constant("withdrawals", 0, from, end);
    assert_eq!(am.counter("path_changes", lost), 20);

    let armentel = signals(&db, "as/12297");
    armentel.assert_constant("visible_24s", 128, from, end);
    armentel.assert_constant("path_changes", 0, from, end);
    signals(&db, "world").assert_constant("full_feed_v4", 8, from, end);

    let all = events(&db);
    assert!(
        all.iter().all(|e| e["kind"] == "instability"),
        "no outage: {all:#?}"
    );
    let ucom = events_of(&all, "as/44395", "instability");
    assert!(!ucom.is_empty(), "{all:#?}");
    assert_near(&ucom[0]["start"], "2024-10-07T11:05:00Z", "instability");
    let loss = ucom[0]["hints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "upstream_loss")
        .unwrap_or_else(|| panic!("upstream_loss: {}", ucom[0]));
    assert_eq!(loss["upstream"], 12389, "Rostelecom stopped carrying it");
    for e in &all {
        assert!(e["duration_s"].as_u64().unwrap() <= 2 * BIN, "{e}");
    }
}

/// North Korea, 22 December 2014 (the bundled scenario): a day and a half
/// of instability, then every route withdrawn at 16:15 UTC, back about
/// 9.5 hours later.
#[test]
fn kp_2014_one_dark_outage_at_16_15_with_its_reasons() {
    let kp = kp_scenario();
    let (db, _dir) = synth_and_replay(&kp);
    let all = events(&db);
    for entity in ["country/KP", "as/131279"] {
        let outages = events_of(&all, entity, "outage");
        let on_22nd: Vec<_> = outages
            .iter()
            .filter(|e| e["start"].as_str().unwrap().starts_with("2014-12-22"))
            .collect();
        assert_eq!(on_22nd.len(), 1, "{entity}: {outages:#?}");
        let e = on_22nd[0];
        assert_eq!(e["worst_severity"], "dark", "{entity}");
        assert_eq!(e["short"], false);
        assert_near(&e["start"], "2014-12-22T16:15:00Z", entity);
        assert_near(&e["end"], "2014-12-23T01:45:00Z", entity);
        let hints = e["hints"].as_array().unwrap();
        let hint = |kind: &str| {
            hints
                .iter()
                .find(|h| h["kind"] == kind)
                .unwrap_or_else(|| panic!("{entity}: no {kind} in {hints:#?}"))
        };
        // Unstable since the flaps of the 20th.
        let before = hint("preceded_by_instability");
        assert!(before["since"].as_u64().unwrap() < utc("2014-12-21T00:00:00Z"));
        assert!(before["flaps"].as_u64().unwrap() > 10);
        let origin = hint("withdrawn_at_origin");
        assert_eq!(origin["peers"], 8);
        assert!(origin["spread_s"].as_u64().unwrap() <= 15);
        let upstream = &hint("single_upstream")["upstreams"][0];
        assert_eq!(
            (upstream["asn"].as_u64(), upstream["share"].as_f64()),
            (Some(4837), Some(1.0))
        );
        let vantage = hint("vantage");
        assert_eq!(vantage["upstream"], 4837);
        assert_eq!(vantage["upstream_peers_seeing"], 0);
        assert_eq!(vantage["upstream_peers_not_seeing"], 2);
        assert_eq!(vantage["seeing"].as_array().map(Vec::len), Some(0));
        let prefixes: Vec<&str> = e["prefixes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["prefix"].as_str().unwrap())
            .collect();
        assert_eq!(
            prefixes,
            [
                "175.45.176.0/24",
                "175.45.177.0/24",
                "175.45.178.0/24",
                "175.45.179.0/24"
            ]
        );
    }
    // The instability of the 20th and 21st is reported as such.
    let unstable = events_of(&all, "country/KP", "instability");
    assert!(unstable.len() >= 3, "{unstable:#?}");
    assert!(unstable
        .iter()
        .all(|e| e["start"].as_str().unwrap() < "2014-12-22"));
    // The Telia session reset of the 21st raises nothing.
    assert!(all.iter().all(|e| {
        let start = e["start"].as_str().unwrap();
        !("2014-12-21T09:10".."2014-12-21T09:40").contains(&start)
    }));
}
