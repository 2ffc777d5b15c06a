//! `darkwatch serve` on live feeds, end to end, with real routers on
//! loopback: North Korea's four prefixes (AS131279 behind AS4837) and a
//! few of other countries are announced, then the four are withdrawn, and
//! a `dark` outage of as/131279 and country/KP must show in
//! /api/v1/events and reach a webhook within 10 s; announced again, the
//! outage ends. The routes come over BMP from GoBGP, and over BGP
//! sessions with BIRD 2 and with GoBGP. Losing peers (a hold timer that
//! expires, a killed router) is never an outage. Malformed BMP and BGP
//! from test clients is counted, handled as RFC 7606 says, and harms no
//! other connection.
//!
//! Each test runs its own darkwatch and routers on its own addresses of
//! 127.0.0.0/8, so they may run in parallel. GoBGP and BIRD are required
//! (`./scripts/test` installs them); without them the tests fail.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::live::{
    bird_bgp, bird_static, connect_from, free_port, gobgp_global, gobgp_neighbor, Bird, GoBgp,
    Hook, Live,
};
use serde_json::Value;
use wire::attr::{code, flag, Origin};
use wire::bmp::{info_tlv, PeerHeader, PeerType, Tlv};
use wire::encode::bmp as enc;
use wire::encode::{self, attr, Capability};
use wire::{Nlri, Prefix};

/// North Korea's four prefixes.
const KP: [&str; 4] = [
    "175.45.176.0/24",
    "175.45.177.0/24",
    "175.45.178.0/24",
    "175.45.179.0/24",
];

/// Other countries' prefixes, with the path behind the announcing AS:
/// 26 /24s, so that losing KP's 4 leaves the world above the warning
/// share.
const BACKGROUND: [(&str, &[u32]); 4] = [
    ("193.0.0.0/21", &[3333]),
    ("200.160.0.0/20", &[22548]),
    ("8.8.8.0/24", &[15169]),
    ("1.1.1.0/24", &[13335]),
];

/// The path behind AS4837 to North Korea.
const KP_PATH: &[u32] = &[131_279];

/// Announces North Korea's four prefixes and the background through
/// `gobgp`.
fn announce_all(gobgp: &GoBgp) {
    for p in KP {
        gobgp.announce(p, KP_PATH);
    }
    for (p, path) in BACKGROUND {
        gobgp.announce(p, path);
    }
}

/// The entities that must go dark.
const DARK: [&str; 2] = ["as/131279", "country/KP"];

/// The most an outage may take to show, from the withdrawal.
const LATENCY: Duration = Duration::from_secs(10);

/// Longest wait for a BGP session or a BMP feed to bring the routes.
const SESSION: Duration = Duration::from_secs(90);

/// Time for the detector's warm-up once the routes are in (3 closed
/// 2-s bins, and some).
const WARMUP: Duration = Duration::from_secs(8);

/// `[live]` with 2-s bins, then `sources`, then `[detect]` for seconds
/// not hours, then `[alerts]` posting outages of [`DARK`] to `hook`.
fn config(sources: &str, hook: &Hook) -> String {
    format!(
        "[live]\nbin_secs = 2\nqueue = 4096\nmax_prefixes_per_peer = 0\non_prefix_limit = \"drop\"\n\n\
         {sources}\n\
         [detect]\nwarmup_s = 4\nbaseline_window_s = 120\ndebounce_s = 0\nrestore_after_s = 2\n\n\
         [alerts]\nwatch = [\"country/KP\", \"as/131279\"]\npoll_ms = 100\nretry_initial_s = 1\nretry_max_s = 2\n\n\
         [[alerts.webhook]]\nname = \"hook\"\nurl = \"{url}\"\nkinds = [\"outage\"]\n",
        url = hook.url
    )
}

/// `[[live.bgp]] name = "peers"` on a free port of 127.0.0.1 as AS64512,
/// accepting `neighbors` (address, AS).
fn bgp_source(hold_time: u16, neighbors: &[(Ipv4Addr, u32)]) -> String {
    let list: Vec<String> = neighbors
        .iter()
        .map(|(addr, asn)| format!("{{ addr = \"{addr}\", asn = {asn} }}"))
        .collect();
    format!(
        "[[live.bgp]]\nname = \"peers\"\nlisten = \"127.0.0.1:0\"\nasn = 64512\nrouter_id = \"127.0.0.1\"\nhold_time = {hold_time}\nneighbors = [{}]\n\n",
        list.join(", ")
    )
}

/// `[[live.bmp]] name = "routers"` on a free port of 127.0.0.1.
const BMP_SOURCE: &str = "[[live.bmp]]\nname = \"routers\"\nlisten = \"127.0.0.1:0\"\n\n";

fn all_prefixes() -> Vec<&'static str> {
    KP.iter()
        .copied()
        .chain(BACKGROUND.iter().map(|(p, _)| *p))
        .collect()
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn time_of(event: &Value, field: &str) -> u64 {
    let text = event[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {event}"));
    common::utc(text)
}

/// Outage events of entities other than [`DARK`] (watched prefixes
/// aside).
fn other_outages(live: &Live) -> Vec<Value> {
    live.events(None)
        .into_iter()
        .filter(|e| {
            let entity = e["entity"].as_str().unwrap_or_default();
            e["kind"] == "outage" && !DARK.contains(&entity) && !entity.starts_with("prefix/")
        })
        .collect()
}

/// The `state: up` connections of a source.
fn connected(live: &Live, source: &str) -> u64 {
    live.source(source)["connected"].as_u64().unwrap_or(0)
}

/// The first alert for `entity` whose event is `dark`.
fn dark_alert(hook: &Hook, entity: &str) -> Option<common::live::Received> {
    hook.received()
        .into_iter()
        .find(|r| r.entity() == entity && r.body["event"]["severity"] == "dark")
}

/// Whether alert transitions go start, escalations, de-escalations,
/// restore (routes that leave or come back one UPDATE after another make
/// the outage worse or better on the way).
fn well_ordered(transitions: &[&str]) -> bool {
    let rank = |t: &str| match t {
        "start" => Some(0),
        "escalation" => Some(1),
        "deescalation" => Some(2),
        "restore" => Some(3),
        _ => None,
    };
    let ranks: Option<Vec<u8>> = transitions.iter().map(|t| rank(t)).collect();
    ranks.is_some_and(|r| {
        r.first() == Some(&0)
            && r.last() == Some(&3)
            && r.windows(2).all(|w| w[0] <= w[1])
            && r.iter().filter(|&&x| x == 0 || x == 3).count() == 2
    })
}

/// The whole cycle once the routers are configured: every prefix
/// visible as seen by `peers`, a warm-up, `withdraw` of [`KP`], the dark
/// outages in the API and at the webhook within [`LATENCY`] (printed),
/// then `announce` again and the restore. `what` names the feed in
/// messages. What can be checked after a failure is, and every failure
/// is reported at the end.
fn outage_cycle(
    what: &str,
    live: &Live,
    hook: &Hook,
    peers: &[&str],
    withdraw: impl FnOnce(),
    announce: impl FnOnce(),
) {
    let mut problems: Vec<String> = Vec::new();
    let prefixes = all_prefixes();
    live.wait_visible(&prefixes, peers, SESSION);
    for p in KP {
        let routes = live.prefix(p).unwrap();
        assert_eq!(routes["origins"], serde_json::json!([131_279]), "{p}");
        for r in routes["routes"].as_array().unwrap() {
            let path: Vec<u64> = r["path"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_u64)
                .collect();
            assert_eq!(path.last(), Some(&131_279), "{p}: {r}");
            assert!(path.len() >= 2, "{p} behind an upstream: {r}");
        }
    }
    std::thread::sleep(WARMUP);
    assert_eq!(
        live.events(None)
            .iter()
            .filter(|e| e["kind"] == "outage")
            .count(),
        0,
        "{what}: no outage while everything is announced: {:?}",
        live.events(None)
    );

    // Withdrawn.
    let withdrawn_at = unix_now();
    let t0 = Instant::now();
    withdraw();
    let mut api: [Option<Duration>; 2] = [None; 2];
    let mut alert: [Option<Duration>; 2] = [None; 2];
    live.wait(
        &format!("{what}: dark outages of {DARK:?} in /api/v1/events and at the webhook"),
        Duration::from_secs(40),
        || {
            for (i, entity) in DARK.iter().enumerate() {
                if api[i].is_none()
                    && live
                        .outages(entity)
                        .iter()
                        .any(|e| e["severity"] == "dark" && e["end"].is_null())
                {
                    api[i] = Some(t0.elapsed());
                }
                if alert[i].is_none() {
                    alert[i] = dark_alert(hook, entity).map(|r| r.at - t0);
                }
            }
            (api.iter().chain(&alert).all(Option::is_some)).then_some(())
        },
    );
    for (i, entity) in DARK.iter().enumerate() {
        let (a, w) = (api[i].unwrap(), alert[i].unwrap());
        println!(
            "{what}: {entity} dark in /api/v1/events {:.1} s and at the webhook {:.1} s after the withdrawal began",
            a.as_secs_f64(),
            w.as_secs_f64()
        );
        assert!(
            a <= LATENCY && w <= LATENCY,
            "{what}: {entity} took {a:?} (API) and {w:?} (webhook), more than {LATENCY:?}"
        );
    }
    live.wait_gone(&KP, Duration::from_secs(5));
    // The core may still be taking the last withdrawals: a moment for the
    // event to settle.
    std::thread::sleep(Duration::from_secs(3));
    for entity in DARK {
        let events = live.outages(entity);
        assert_eq!(
            events.len(),
            1,
            "{what}: one outage of {entity}: {events:?}"
        );
        let e = &events[0];
        if (&e["severity"], &e["worst_severity"], &e["end"])
            != (&"dark".into(), &"dark".into(), &Value::Null)
        {
            problems.push(format!("{entity} is not an open dark outage: {e}"));
        }
        let start = time_of(e, "start");
        if start + 5 < withdrawn_at || start > withdrawn_at + 10 {
            problems.push(format!(
                "{entity} starts at {} but the routes went at {}: {e}",
                common::when(start),
                common::when(withdrawn_at)
            ));
        }
        let first = hook.received().into_iter().find(|r| r.entity() == entity);
        match first {
            Some(r) if r.transition() == "start" && r.body["event"]["id"] == e["id"] => {}
            other => problems.push(format!(
                "the first alert of {entity} is not the start of event {}: {:?}",
                e["id"],
                other.map(|r| r.body)
            )),
        }
        let mut affected: Vec<(String, Value)> = e["prefixes"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        (
                            p["prefix"].as_str().unwrap_or_default().to_owned(),
                            p["origin"].clone(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        affected.sort_by(|a, b| a.0.cmp(&b.0));
        let want: Vec<(String, Value)> = KP
            .iter()
            .map(|&p| (p.to_owned(), Value::from(131_279)))
            .collect();
        if affected != want {
            problems.push(format!(
                "the dark outage of {entity} lists as its prefixes {affected:?}, not all four of KP: {e}"
            ));
        }
    }

    // Back.
    let t1 = Instant::now();
    announce();
    live.wait_visible(&prefixes, peers, Duration::from_secs(30));
    let mut restored: [Option<Duration>; 2] = [None; 2];
    live.wait(
        &format!("{what}: the outages of {DARK:?} ended and their restore alerts"),
        Duration::from_secs(40),
        || {
            for (i, entity) in DARK.iter().enumerate() {
                let ended = live.outages(entity).iter().all(|e| e["end"].is_string());
                if restored[i].is_none() && ended {
                    if let Some(r) = hook.find(entity, "restore") {
                        restored[i] = Some(r.at - t1);
                    }
                }
            }
            restored.iter().all(Option::is_some).then_some(())
        },
    );
    for (i, entity) in DARK.iter().enumerate() {
        println!(
            "{what}: {entity} restore alert {:.1} s after the announcement began",
            restored[i].unwrap().as_secs_f64()
        );
        let r = hook.find(entity, "restore").unwrap();
        assert!(r.body["event"]["end"].is_string(), "{what}: {}", r.body);
        let e = &live.outages(entity)[0];
        assert!(time_of(e, "end") >= time_of(e, "start"), "{what}: {e}");
    }
    let others = other_outages(live);
    if !others.is_empty() {
        problems.push(format!("outages of other entities: {others:?}"));
    }
    for r in hook.received() {
        println!(
            "{what}: alert {} {} at {} (+{:.1} s from the withdrawal): severity {}, end {}",
            r.entity(),
            r.transition(),
            r.body["alert"]["at"],
            (r.at - t0).as_secs_f64(),
            r.body["event"]["severity"],
            r.body["event"]["end"]
        );
    }
    for entity in DARK {
        let got = hook.received();
        let of: Vec<&str> = got
            .iter()
            .filter(|r| r.entity() == entity)
            .map(|r| r.transition())
            .collect();
        if !well_ordered(&of) {
            problems.push(format!("alerts of {entity}: {of:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The metrics of a source that fed the whole cycle, and the live table.
fn assert_source_metrics(live: &Live, source: &str, kind: &str, routes: u64) {
    let labels = format!("{{source=\"{source}\",kind=\"{kind}\"}}");
    let api = live.source(source);
    assert_eq!(api["kind"], kind, "{api}");
    assert_eq!(
        live.metric(&format!("darkwatch_source_connected{labels}")),
        Some(api["connected"].as_u64().unwrap() as f64),
        "{api}"
    );
    let messages = live
        .metric(&format!("darkwatch_source_messages_total{labels}"))
        .unwrap_or_else(|| panic!("darkwatch_source_messages_total{labels} in /metrics"));
    assert!(messages > 0.0, "{api}");
    assert!(api["last_message"].is_string(), "{api}");
    assert_eq!(
        live.metric(&format!("darkwatch_source_errors_total{labels}")),
        Some(0.0),
        "{api}"
    );
    assert_eq!(
        live.metric("darkwatch_live_routes"),
        Some(routes as f64),
        "routes in the live table"
    );
}

/// A GoBGP router, AS64500 on 127.0.0.11, that sends darkwatch's BMP
/// `station` the routes it receives from its neighbor (pre-policy), and
/// that neighbor, AS4837 on 127.0.0.10, which originates them: every
/// prefix announced. Returns the router and the neighbor.
fn gobgp_over_bmp(station: SocketAddr) -> (GoBgp, GoBgp) {
    let (router_ip, upstream_ip) = (Ipv4Addr::new(127, 0, 0, 11), Ipv4Addr::new(127, 0, 0, 10));
    let router_port = free_port(router_ip);
    let router = GoBgp::start(
        "gobgp router (BMP)",
        &format!(
            "{}{}[[bmp-servers]]\n  [bmp-servers.config]\n    address = \"{}\"\n    port = {}\n    route-monitoring-policy = \"pre-policy\"\n",
            gobgp_global(64_500, router_ip, i32::from(router_port)),
            gobgp_neighbor(SocketAddr::from((upstream_ip, 179)), 4837, router_ip, true),
            station.ip(),
            station.port()
        ),
    );
    let upstream = GoBgp::start(
        "gobgp upstream",
        &format!(
            "{}{}",
            gobgp_global(4837, upstream_ip, -1),
            gobgp_neighbor(
                SocketAddr::from((router_ip, router_port)),
                64_500,
                upstream_ip,
                false
            )
        ),
    );
    announce_all(&upstream);
    (router, upstream)
}

#[test]
fn bmp_from_gobgp_dark_outage_and_restore() {
    let hook = Hook::start();
    let live = Live::start(&config(BMP_SOURCE, &hook), &["routers"]);
    let (router, upstream) = gobgp_over_bmp(live.listen_of("routers"));
    live.wait("GoBGP's BMP connection", SESSION, || {
        (connected(&live, "routers") == 1).then_some(())
    });
    outage_cycle(
        "BMP from GoBGP",
        &live,
        &hook,
        &["127.0.0.10"],
        || KP.iter().for_each(|p| upstream.withdraw(p)),
        || KP.iter().for_each(|p| upstream.announce(p, KP_PATH)),
    );
    assert_source_metrics(&live, "routers", "bmp", 8);

    // The router goes: its peers' routes go with it, and that is no
    // outage.
    let mut router = router;
    router.daemon.kill();
    live.wait("the BMP router down", Duration::from_secs(20), || {
        (connected(&live, "routers") == 0).then_some(())
    });
    live.wait_gone(&all_prefixes(), Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(6));
    let open: Vec<Value> = live
        .events(None)
        .into_iter()
        .filter(|e| e["kind"] == "outage" && e["end"].is_null())
        .collect();
    assert!(
        open.is_empty(),
        "losing the BMP router is no outage: {open:?}"
    );
}

#[test]
fn bgp_from_bird_dark_outage_and_restore() {
    let hook = Hook::start();
    let bird_ip = Ipv4Addr::new(127, 0, 0, 20);
    let live = Live::start(
        &config(&bgp_source(9, &[(bird_ip, 4837)]), &hook),
        &["peers"],
    );
    let listen = live.listen_of("peers");
    let kp: Vec<(&str, &[u32])> = KP.iter().map(|&p| (p, KP_PATH)).collect();
    let bird = Bird::start(
        "bird",
        &format!(
            "router id {bird_ip};\nprotocol device {{ }}\n{}{}{}",
            bird_static("kp", &kp),
            bird_static("background", &BACKGROUND),
            bird_bgp(bird_ip, 4837, listen, 64_512, 9)
        ),
    );
    live.wait("BIRD's session", SESSION, || {
        live.is_up("peers", bird_ip).then_some(())
    });
    outage_cycle(
        "BGP from BIRD",
        &live,
        &hook,
        &["127.0.0.20"],
        || {
            bird.cli(&["disable", "kp"]);
        },
        || {
            bird.cli(&["enable", "kp"]);
        },
    );
    assert_source_metrics(&live, "peers", "bgp", 8);
}

#[test]
fn bgp_from_gobgp_dark_outage_and_restore() {
    let hook = Hook::start();
    let gobgp_ip = Ipv4Addr::new(127, 0, 0, 30);
    let live = Live::start(
        &config(&bgp_source(9, &[(gobgp_ip, 4837)]), &hook),
        &["peers"],
    );
    let listen = live.listen_of("peers");
    let gobgp = GoBgp::start(
        "gobgp",
        &format!(
            "{}{}",
            gobgp_global(4837, gobgp_ip, -1),
            gobgp_neighbor(listen, 64_512, gobgp_ip, false)
        ),
    );
    announce_all(&gobgp);
    live.wait("GoBGP's session", SESSION, || {
        live.is_up("peers", gobgp_ip).then_some(())
    });
    outage_cycle(
        "BGP from GoBGP",
        &live,
        &hook,
        &["127.0.0.30"],
        || KP.iter().for_each(|p| gobgp.withdraw(p)),
        || KP.iter().for_each(|p| gobgp.announce(p, KP_PATH)),
    );
    assert_source_metrics(&live, "peers", "bgp", 8);
}

/// `kill -9` of `serve` while North Korea is dark, then a restart on the
/// same store and the same BMP address, to which GoBGP connects again
/// and sends its table, North Korea's prefixes back in it:
/// the outages are carried on under their ids and end when the routes
/// come back. No event is duplicated, no alert is lost or sent twice,
/// and the store passes SQLite's integrity check after the kill.
#[test]
fn a_server_killed_during_an_outage_carries_it_on_after_a_restart() {
    let hook = Hook::start();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("darkwatch.db");
    let db_url = db.to_str().unwrap();
    let port = free_port(Ipv4Addr::LOCALHOST);
    let source = format!("[[live.bmp]]\nname = \"routers\"\nlisten = \"127.0.0.1:{port}\"\n\n");
    let config = config(&source, &hook);
    let live = Live::start_on(db_url, &config, &["routers"]);
    let (_router, upstream) = gobgp_over_bmp(live.listen_of("routers"));
    live.wait_visible(&all_prefixes(), &["127.0.0.10"], SESSION);
    std::thread::sleep(WARMUP);
    KP.iter().for_each(|p| upstream.withdraw(p));
    let mut ids = Vec::new();
    for entity in DARK {
        live.wait(&format!("the dark alert of {entity}"), 2 * LATENCY, || {
            dark_alert(&hook, entity)
        });
        let outages = live.outages(entity);
        assert_eq!(outages.len(), 1, "{entity}: {outages:?}");
        ids.push(outages[0]["id"].clone());
    }
    // The webhook's place in the outbox is stored after each delivery.
    std::thread::sleep(Duration::from_secs(1));
    drop(live);
    assert_eq!(common::sqlite(&db, "PRAGMA integrity_check"), "ok");

    let live = Live::start_on(db_url, &config, &["routers"]);
    live.wait("the open events carried on", LATENCY, || {
        live.printed()
            .contains("carrying on with 2 open events")
            .then_some(())
    });
    // GoBGP finds its BMP connection gone when it next writes to it: the
    // routes coming back make it connect again and send its table.
    KP.iter().for_each(|p| upstream.announce(p, KP_PATH));
    live.wait("GoBGP's BMP connection again", SESSION, || {
        (connected(&live, "routers") == 1).then_some(())
    });
    for (entity, id) in DARK.iter().zip(&ids) {
        live.wait(&format!("the restore of {entity}"), 2 * LATENCY, || {
            hook.find(entity, "restore")
        });
        let outages = live.outages(entity);
        assert_eq!(outages.len(), 1, "no second event: {outages:?}");
        assert_eq!(&outages[0]["id"], id, "carried on under its id");
        assert!(!outages[0]["end"].is_null(), "{outages:?}");
        let transitions: Vec<String> = hook
            .received()
            .iter()
            .filter(|r| r.entity() == *entity)
            .map(|r| r.transition().to_owned())
            .collect();
        let transitions: Vec<&str> = transitions.iter().map(String::as_str).collect();
        assert!(well_ordered(&transitions), "{entity}: {transitions:?}");
    }
    assert!(
        other_outages(&live).is_empty(),
        "{:?}",
        other_outages(&live)
    );
    let mut delivered: Vec<u64> = hook
        .received()
        .iter()
        .filter_map(|r| r.body["alert"]["id"].as_u64())
        .collect();
    let all = delivered.len();
    delivered.sort_unstable();
    delivered.dedup();
    assert_eq!(delivered.len(), all, "an alert was sent twice");
}

/// Asserts that no outage has been raised for any country, for
/// as/131279, or at all.
fn assert_no_outage(live: &Live, when: &str) {
    let outages: Vec<Value> = live
        .events(None)
        .into_iter()
        .filter(|e| e["kind"] == "outage")
        .collect();
    assert!(
        outages.is_empty(),
        "{when}: losing peers is no outage, yet: {outages:?}"
    );
    for entity in ["country/KP", "as/131279"] {
        assert!(live.outages(entity).is_empty(), "{when}: {entity}");
    }
}

#[test]
fn losing_peers_is_not_an_outage() {
    let hook = Hook::start();
    let (gobgp_ip, bird_ip) = (Ipv4Addr::new(127, 0, 0, 40), Ipv4Addr::new(127, 0, 0, 41));
    // The shortest hold time, so a stopped router is noticed in 3 s.
    let live = Live::start(
        &config(&bgp_source(3, &[(gobgp_ip, 4837), (bird_ip, 4837)]), &hook),
        &["peers"],
    );
    let listen = live.listen_of("peers");
    let mut gobgp = GoBgp::start(
        "gobgp",
        &format!(
            "{}{}",
            gobgp_global(4837, gobgp_ip, -1),
            gobgp_neighbor(listen, 64_512, gobgp_ip, false)
        ),
    );
    announce_all(&gobgp);
    let kp: Vec<(&str, &[u32])> = KP.iter().map(|&p| (p, KP_PATH)).collect();
    let mut bird = Bird::start(
        "bird",
        &format!(
            "router id {bird_ip};\nprotocol device {{ }}\n{}{}{}",
            bird_static("kp", &kp),
            bird_static("background", &BACKGROUND),
            bird_bgp(bird_ip, 4837, listen, 64_512, 3)
        ),
    );
    let both = ["127.0.0.40", "127.0.0.41"];
    live.wait_visible(&all_prefixes(), &both, SESSION);
    std::thread::sleep(WARMUP);
    assert_no_outage(&live, "both peers up");

    // GoBGP stops answering: darkwatch's hold timer ends its session
    // (NOTIFICATION 4/0) and its routes go; BIRD still sees everything.
    let t = Instant::now();
    gobgp.daemon.signal("STOP");
    live.wait(
        "GoBGP's session down (hold timer)",
        Duration::from_secs(20),
        || live.is_down("peers", gobgp_ip).then_some(()),
    );
    println!(
        "hold timer: GoBGP's session down {:.1} s after SIGSTOP: {:?}",
        t.elapsed().as_secs_f64(),
        live.connections("peers", gobgp_ip)
    );
    assert!(
        t.elapsed() >= Duration::from_secs(2),
        "the session ended by the hold timer (3 s), not at once"
    );
    let down = live.connections("peers", gobgp_ip);
    assert!(
        down.iter()
            .any(|c| c["last_error"].as_str().is_some_and(|e| e.contains("4/0"))),
        "the session ended with Hold Timer Expired (4/0): {down:?}"
    );
    assert_eq!(
        live.metric("darkwatch_source_connected{source=\"peers\",kind=\"bgp\"}"),
        Some(1.0)
    );
    live.wait_visible(&all_prefixes(), &["127.0.0.41"], Duration::from_secs(10));
    assert!(live.is_up("peers", bird_ip));
    std::thread::sleep(Duration::from_secs(6));
    assert_no_outage(&live, "GoBGP's hold timer expired");

    // GoBGP comes back and peers again.
    gobgp.daemon.signal("CONT");
    live.wait_visible(&all_prefixes(), &both, SESSION);
    std::thread::sleep(Duration::from_secs(4));
    assert_no_outage(&live, "GoBGP back");

    // BIRD is killed: its connection closes at once.
    let t = Instant::now();
    bird.daemon.kill();
    live.wait(
        "BIRD's session down (killed)",
        Duration::from_secs(20),
        || live.is_down("peers", bird_ip).then_some(()),
    );
    println!(
        "kill: BIRD's session down {:.1} s after SIGKILL: {:?}",
        t.elapsed().as_secs_f64(),
        live.connections("peers", bird_ip)
    );
    live.wait_visible(&all_prefixes(), &["127.0.0.40"], Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(6));
    assert_no_outage(&live, "BIRD killed");

    // The last peer is killed too: darkwatch sees nothing at all, which
    // is a gap in its data, not the world going dark.
    gobgp.daemon.kill();
    live.wait(
        "GoBGP's session down (killed)",
        Duration::from_secs(20),
        || live.is_down("peers", gobgp_ip).then_some(()),
    );
    assert_eq!(connected(&live, "peers"), 0);
    assert_eq!(
        live.metric("darkwatch_source_connected{source=\"peers\",kind=\"bgp\"}"),
        Some(0.0)
    );
    live.wait_gone(&KP, Duration::from_secs(10));
    std::thread::sleep(Duration::from_secs(8));
    assert_no_outage(&live, "every peer lost");
    let starts: Vec<String> = hook
        .received()
        .iter()
        .map(|r| format!("{} {}", r.entity(), r.transition()))
        .collect();
    assert!(
        hook.received()
            .iter()
            .all(|r| r.body["event"]["kind"] != "outage"),
        "no outage alert: {starts:?}"
    );
}

// ---------------------------------------------------------------------
// Malformed input from test clients.

/// A BGP speaker played by the test over a blocking socket: OPEN and
/// KEEPALIVE exchanged, then KEEPALIVEs every second from a thread of its
/// own until told to stop.
struct Speaker {
    writer: Arc<Mutex<TcpStream>>,
    reader: TcpStream,
    stop: Arc<AtomicBool>,
    asn: u32,
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn keepalive() -> Vec<u8> {
    let mut out = Vec::new();
    encode::keepalive(&mut out);
    out
}

/// Reads one whole BGP message; `None` at the end of the stream.
fn read_message(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut message = vec![0; 19];
    stream.read_exact(&mut message).ok()?;
    let len = usize::from(u16::from_be_bytes([message[16], message[17]]));
    message.resize(len.max(19), 0);
    stream.read_exact(&mut message[19..]).ok()?;
    Some(message)
}

impl Speaker {
    /// A session with `to` from `from` as AS `asn`.
    fn establish(from: Ipv4Addr, asn: u32, to: SocketAddr) -> Speaker {
        let mut stream = connect_from(from, to);
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut open = Vec::new();
        let caps = [
            Capability::Multiprotocol { afi: 1, safi: 1 },
            Capability::FourOctetAs(asn),
        ];
        encode::open(&mut open, asn, 30, from, &caps).unwrap();
        stream.write_all(&open).unwrap();
        let theirs = read_message(&mut stream).expect("darkwatch's OPEN");
        assert_eq!(
            theirs[18], 1,
            "darkwatch answers {from} with an OPEN: {theirs:?}"
        );
        let next = read_message(&mut stream).expect("darkwatch's KEEPALIVE");
        assert_eq!(next, keepalive(), "then a KEEPALIVE");
        stream.write_all(&keepalive()).unwrap();
        let writer = Arc::new(Mutex::new(stream.try_clone().unwrap()));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (writer, stop) = (Arc::clone(&writer), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_secs(1));
                    if stop.load(Ordering::SeqCst)
                        || writer.lock().unwrap().write_all(&keepalive()).is_err()
                    {
                        break;
                    }
                }
            });
        }
        Speaker {
            writer,
            reader: stream,
            stop,
            asn,
        }
    }

    fn send(&self, bytes: &[u8]) {
        self.writer.lock().unwrap().write_all(bytes).unwrap();
    }

    /// Announces `prefixes` with the path `[own AS] + path`, then an
    /// End-of-RIB.
    fn announce(&self, prefixes: &[&str], path: &[u32]) {
        let mut full = vec![self.asn];
        full.extend_from_slice(path);
        let mut attrs = Vec::new();
        attr::route(&mut attrs, &full).unwrap();
        attr::next_hop(&mut attrs, Ipv4Addr::new(198, 51, 100, 2));
        self.send(&update(&[], &attrs, &nlri(prefixes)));
        self.send(&update(&[], &[], &[]));
    }

    /// Stops the KEEPALIVEs, sends `bytes`, and reads what darkwatch
    /// answers up to the end of the stream: its NOTIFICATION (code,
    /// subcode, data), if one came.
    fn send_fatal(mut self, bytes: &[u8]) -> Option<(u8, u8, Vec<u8>)> {
        self.stop.store(true, Ordering::SeqCst);
        // The keepalive thread holds the lock while writing: once we hold
        // it, no keepalive is half written.
        let mut writer = self.writer.lock().unwrap();
        writer.write_all(bytes).unwrap();
        drop(writer);
        let mut notification = None;
        while let Some(m) = read_message(&mut self.reader) {
            if m[18] == 3 && notification.is_none() {
                notification = Some((m[19], m[20], m[21..].to_vec()));
            }
        }
        notification
    }

    /// Whether darkwatch closed the session or sent anything but
    /// KEEPALIVEs within `wait`.
    fn still_up_after(&mut self, wait: Duration) -> bool {
        self.reader.set_read_timeout(Some(wait)).unwrap();
        let start = Instant::now();
        let up = loop {
            match read_message(&mut self.reader) {
                Some(m) if m == keepalive() => {
                    if start.elapsed() >= wait {
                        break true;
                    }
                }
                Some(m) => panic!("darkwatch sent {m:?}"),
                // A timeout or the end: only a timeout keeps the session.
                None => break start.elapsed() >= wait.saturating_sub(Duration::from_millis(50)),
            }
        };
        self.reader
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        up
    }
}

fn nlri(prefixes: &[&str]) -> Vec<Nlri> {
    prefixes
        .iter()
        .map(|p| Nlri {
            prefix: p.parse::<Prefix>().unwrap(),
            path_id: None,
        })
        .collect()
}

fn update(withdrawn: &[Nlri], attrs: &[u8], announced: &[Nlri]) -> Vec<u8> {
    let mut out = Vec::new();
    encode::update(&mut out, withdrawn, attrs, announced).unwrap();
    out
}

/// A BGP message header of `length` and `msg_type`, then `body`.
fn raw_message(length: u16, msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![0xff; 16];
    out.extend_from_slice(&length.to_be_bytes());
    out.push(msg_type);
    out.extend_from_slice(body);
    out
}

/// The problems `/api/v1/sources` counts for a source, and the same in
/// `/metrics`, which must agree.
fn errors_of(live: &Live, source: &str, kind: &str) -> u64 {
    let api = live.source(source)["errors"].as_u64().unwrap();
    let metric = live.metric(&format!(
        "darkwatch_source_errors_total{{source=\"{source}\",kind=\"{kind}\"}}"
    ));
    assert_eq!(
        metric,
        Some(api as f64),
        "/metrics agrees with /api/v1/sources"
    );
    api
}

/// The errors counted for the connections of `source` from `ip`.
fn connection_errors(live: &Live, source: &str, ip: Ipv4Addr) -> u64 {
    live.connections(source, ip)
        .iter()
        .filter_map(|c| c["errors"].as_u64())
        .sum()
}

/// A BMP router played by the test: its per-peer header for peer
/// `peer_ip` of AS `asn`.
fn bmp_peer(peer_ip: Ipv4Addr, asn: u32) -> PeerHeader {
    PeerHeader {
        peer_type: PeerType::Global,
        flags: 0,
        distinguisher: 0,
        addr: peer_ip.into(),
        asn,
        bgp_id: peer_ip,
        seconds: 0,
        microseconds: 0,
    }
}

fn bmp_initiation(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let info = [
        Tlv {
            tlv_type: info_tlv::SYS_DESCR,
            value: b"darkwatch test router",
        },
        Tlv {
            tlv_type: info_tlv::SYS_NAME,
            value: name.as_bytes(),
        },
    ];
    enc::initiation(&mut out, &info).unwrap();
    out
}

fn bmp_peer_up(peer: PeerHeader) -> Vec<u8> {
    let open = |asn: u32| {
        let mut out = Vec::new();
        let caps = [
            Capability::Multiprotocol { afi: 1, safi: 1 },
            Capability::FourOctetAs(asn),
        ];
        encode::open(&mut out, asn, 90, Ipv4Addr::new(10, 0, 0, 1), &caps).unwrap();
        out
    };
    let up = enc::PeerUp {
        peer,
        local_addr: Ipv4Addr::new(192, 0, 2, 1).into(),
        local_port: 179,
        remote_port: 50_179,
        sent_open: &open(64_500),
        received_open: &open(peer.asn),
        information: &[],
    };
    let mut out = Vec::new();
    enc::peer_up(&mut out, &up).unwrap();
    out
}

/// A Route Monitoring message of `peer` holding `update`.
fn bmp_route_monitoring(peer: &PeerHeader, update: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    enc::route_monitoring(&mut out, peer, update).unwrap();
    out
}

/// An UPDATE announcing `prefixes` from `peer` with `[peer AS] + path`.
fn announcement(peer: &PeerHeader, prefixes: &[&str], path: &[u32]) -> Vec<u8> {
    let mut full = vec![peer.asn];
    full.extend_from_slice(path);
    let mut attrs = Vec::new();
    attr::route(&mut attrs, &full).unwrap();
    attr::next_hop(&mut attrs, Ipv4Addr::new(198, 51, 100, 2));
    update(&[], &attrs, &nlri(prefixes))
}

/// Waits until darkwatch closes `stream`.
fn closed_by_darkwatch(stream: &mut TcpStream, what: &str) {
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut buf = [0; 64];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("{what}: darkwatch did not close the connection in 15 s: {e}"),
        }
    }
}

#[test]
fn malformed_bmp_is_counted_and_harms_no_one_else() {
    let hook = Hook::start();
    let neighbor_ip = Ipv4Addr::new(127, 0, 0, 66);
    let live = Live::start(
        &config(
            &format!("{BMP_SOURCE}{}", bgp_source(9, &[(neighbor_ip, 65_066)])),
            &hook,
        ),
        &["routers", "peers"],
    );
    let station = live.listen_of("routers");
    // A good BGP neighbor on the other source, up throughout.
    let neighbor = Speaker::establish(neighbor_ip, 65_066, live.listen_of("peers"));
    neighbor.announce(&["193.0.0.0/21"], &[3333]);
    live.wait_seen_by(&["193.0.0.0/21"], "127.0.0.66", SESSION);

    // A good router, on 127.0.0.61.
    let good_ip = Ipv4Addr::new(127, 0, 0, 61);
    let peer = bmp_peer(Ipv4Addr::new(192, 0, 2, 61), 4837);
    let mut good = connect_from(good_ip, station);
    good.write_all(&bmp_initiation("good")).unwrap();
    good.write_all(&bmp_peer_up(peer)).unwrap();
    good.write_all(&bmp_route_monitoring(
        &peer,
        &announcement(&peer, &["1.1.1.0/24"], &[13_335]),
    ))
    .unwrap();
    live.wait_seen_by(&["1.1.1.0/24"], "192.0.2.61", SESSION);
    assert_eq!(errors_of(&live, "routers", "bmp"), 0);

    // Bad version, bad length: darkwatch drops each of those routers.
    let cases: [(Ipv4Addr, &str, &[u8]); 2] = [
        (
            Ipv4Addr::new(127, 0, 0, 62),
            "version 1",
            &[1, 0, 0, 0, 6, 4],
        ),
        (
            Ipv4Addr::new(127, 0, 0, 63),
            "length 2^32-1",
            &[3, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3],
        ),
    ];
    for (ip, what, bytes) in cases {
        let mut stream = connect_from(ip, station);
        stream.write_all(bytes).unwrap();
        closed_by_darkwatch(&mut stream, what);
        live.wait(
            &format!("the router that sent {what} down with an error"),
            Duration::from_secs(10),
            || {
                (live.is_down("routers", ip) && connection_errors(&live, "routers", ip) >= 1)
                    .then_some(())
            },
        );
        println!("BMP {what}: {:?}", live.connections("routers", ip));
    }

    // Half a message, then gone.
    let truncated_ip = Ipv4Addr::new(127, 0, 0, 64);
    let mut stream = connect_from(truncated_ip, station);
    stream.write_all(&bmp_initiation("truncated")[..7]).unwrap();
    drop(stream);
    live.wait(
        "the router that sent half a message down with an error",
        Duration::from_secs(10),
        || {
            (live.is_down("routers", truncated_ip)
                && connection_errors(&live, "routers", truncated_ip) >= 1)
                .then_some(())
        },
    );
    println!(
        "BMP truncated: {:?}",
        live.connections("routers", truncated_ip)
    );

    // The good router sends a message of an unknown type (skipped) and a
    // Route Monitoring message whose UPDATE's attribute length overruns
    // it (counted); it stays up and in step: its next route comes in.
    let errors_before = errors_of(&live, "routers", "bmp");
    good.write_all(&[3, 0, 0, 0, 9, 42, 1, 2, 3]).unwrap();
    let mut broken = announcement(&peer, &["8.8.8.0/24"], &[15_169]);
    broken[21] = 0xff;
    broken[22] = 0xf0;
    good.write_all(&bmp_route_monitoring(&peer, &broken))
        .unwrap();
    good.write_all(&bmp_route_monitoring(
        &peer,
        &announcement(&peer, &["175.45.176.0/24"], &[131_279]),
    ))
    .unwrap();
    live.wait_seen_by(&["175.45.176.0/24"], "192.0.2.61", Duration::from_secs(10));
    assert!(
        live.prefix("8.8.8.0/24").is_none(),
        "the broken UPDATE added nothing"
    );
    assert!(
        live.is_up("routers", good_ip),
        "{:?}",
        live.connections("routers", good_ip)
    );
    let errors = errors_of(&live, "routers", "bmp");
    println!(
        "BMP broken UPDATE: source errors {errors_before} -> {errors}: {}",
        live.source("routers")
    );
    assert!(
        errors > errors_before,
        "the broken UPDATE is counted: {}",
        live.source("routers")
    );

    // The process serves on; the other source and its neighbor are
    // untouched; everything is counted.
    let mut live = live;
    assert!(live.alive(), "darkwatch still runs");
    assert_eq!(live.get("/api/v1/health").0, 200);
    assert!(live.is_up("peers", neighbor_ip));
    live.wait_seen_by(&["193.0.0.0/21"], "127.0.0.66", Duration::ZERO);
    live.wait_seen_by(&["1.1.1.0/24"], "192.0.2.61", Duration::ZERO);
    let errors = errors_of(&live, "routers", "bmp");
    assert!(
        errors >= 4,
        "4 bad messages counted: {}",
        live.source("routers")
    );
    assert_eq!(errors_of(&live, "peers", "bgp"), 0);
    assert_eq!(connected(&live, "routers"), 1);
    drop(neighbor);
}

#[test]
fn malformed_bgp_follows_rfc_7606_and_harms_no_one_else() {
    let hook = Hook::start();
    let (bad_ip, good_ip, router_ip) = (
        Ipv4Addr::new(127, 0, 0, 71),
        Ipv4Addr::new(127, 0, 0, 72),
        Ipv4Addr::new(127, 0, 0, 73),
    );
    let live = Live::start(
        &config(
            &format!(
                "{BMP_SOURCE}{}",
                bgp_source(9, &[(bad_ip, 65_071), (good_ip, 65_072)])
            ),
            &hook,
        ),
        &["routers", "peers"],
    );
    let listen = live.listen_of("peers");
    // A good neighbor and a good BMP router, up throughout.
    let good = Speaker::establish(good_ip, 65_072, listen);
    good.announce(&["193.0.0.0/21"], &[3333]);
    let peer = bmp_peer(Ipv4Addr::new(192, 0, 2, 73), 4837);
    let mut router = connect_from(router_ip, live.listen_of("routers"));
    router.write_all(&bmp_initiation("good")).unwrap();
    router.write_all(&bmp_peer_up(peer)).unwrap();
    router
        .write_all(&bmp_route_monitoring(
            &peer,
            &announcement(&peer, &["8.8.8.0/24"], &[15_169]),
        ))
        .unwrap();
    live.wait_seen_by(&["193.0.0.0/21"], "127.0.0.72", SESSION);
    live.wait_seen_by(&["8.8.8.0/24"], "192.0.2.73", SESSION);

    let mut bad = Speaker::establish(bad_ip, 65_071, listen);
    bad.announce(&["175.45.176.0/24"], &[131_279]);
    live.wait_seen_by(&["175.45.176.0/24"], "127.0.0.71", SESSION);
    assert_eq!(errors_of(&live, "peers", "bgp"), 0);

    // ORIGIN flagged optional: its flags conflict with the attribute's,
    // so treat-as-withdraw (RFC 7606 §3 c): the route goes, the session
    // stays.
    let mut attrs = Vec::new();
    attr::raw(
        &mut attrs,
        flag::OPTIONAL | flag::TRANSITIVE,
        code::ORIGIN,
        &[Origin::Igp.code()],
    )
    .unwrap();
    let mut rest = Vec::new();
    attr::route(&mut rest, &[65_071, 131_279]).unwrap();
    // `route` wrote ORIGIN (4 bytes) then AS_PATH: keep the AS_PATH.
    attrs.extend_from_slice(&rest[4..]);
    attr::next_hop(&mut attrs, Ipv4Addr::new(198, 51, 100, 2));
    bad.send(&update(&[], &attrs, &nlri(&["175.45.176.0/24"])));
    live.wait_gone(&["175.45.176.0/24"], Duration::from_secs(10));
    assert!(
        bad.still_up_after(Duration::from_secs(2)),
        "treat-as-withdraw keeps the session"
    );
    assert!(live.is_up("peers", bad_ip));

    // A malformed AGGREGATOR: attribute discard (§7.7): the route stays.
    let mut attrs = Vec::new();
    attr::route(&mut attrs, &[65_071, 131_279]).unwrap();
    attr::next_hop(&mut attrs, Ipv4Addr::new(198, 51, 100, 2));
    attr::raw(
        &mut attrs,
        flag::OPTIONAL | flag::TRANSITIVE,
        code::AGGREGATOR,
        &[1, 2, 3],
    )
    .unwrap();
    bad.send(&update(&[], &attrs, &nlri(&["175.45.177.0/24"])));
    live.wait_seen_by(&["175.45.177.0/24"], "127.0.0.71", Duration::from_secs(10));
    assert!(
        bad.still_up_after(Duration::from_secs(1)),
        "attribute discard keeps the session"
    );
    let after_7606 = connection_errors(&live, "peers", bad_ip);
    println!(
        "BGP after treat-as-withdraw and attribute discard: {:?}",
        live.connections("peers", bad_ip)
    );
    assert!(
        after_7606 >= 2,
        "both malformed UPDATEs are counted: {:?}",
        live.connections("peers", bad_ip)
    );

    // NLRI cut short (a /24 with 2 bytes of address): the routes cannot be
    // found, so session reset with UPDATE Message Error / Invalid Network
    // Field (3/10; RFC 7606 §5.3); the neighbor's routes go with it.
    let mut attrs = Vec::new();
    attr::route(&mut attrs, &[65_071, 131_279]).unwrap();
    attr::next_hop(&mut attrs, Ipv4Addr::new(198, 51, 100, 2));
    let mut body = vec![0, 0];
    body.extend_from_slice(&u16::try_from(attrs.len()).unwrap().to_be_bytes());
    body.extend_from_slice(&attrs);
    body.extend_from_slice(&[24, 175, 45]);
    let truncated = raw_message(u16::try_from(19 + body.len()).unwrap(), 2, &body);
    let notification = bad.send_fatal(&truncated);
    assert_eq!(
        notification.as_ref().map(|n| (n.0, n.1)),
        Some((3, 10)),
        "truncated NLRI: {notification:?}"
    );
    live.wait(
        "the bad neighbor down after the reset",
        Duration::from_secs(10),
        || live.is_down("peers", bad_ip).then_some(()),
    );
    live.wait_gone(&["175.45.177.0/24"], Duration::from_secs(10));
    println!(
        "BGP after truncated NLRI: {:?}",
        live.connections("peers", bad_ip)
    );

    // A message longer than 4096 bytes: Message Header Error / Bad
    // Message Length (1/2) with the length as data.
    let bad = Speaker::establish(bad_ip, 65_071, listen);
    let notification = bad.send_fatal(&raw_message(5000, 2, &[0; 8]));
    assert_eq!(
        notification,
        Some((1, 2, 5000u16.to_be_bytes().to_vec())),
        "bad message length"
    );
    live.wait(
        "the bad neighbor down after the bad length",
        Duration::from_secs(10),
        || live.is_down("peers", bad_ip).then_some(()),
    );

    // A message of type 9: Message Header Error / Bad Message Type (1/3)
    // with the type as data.
    let bad = Speaker::establish(bad_ip, 65_071, listen);
    let notification = bad.send_fatal(&raw_message(19, 9, &[]));
    assert_eq!(notification, Some((1, 3, vec![9])), "unknown message type");
    live.wait(
        "the bad neighbor down after the bad type",
        Duration::from_secs(10),
        || live.is_down("peers", bad_ip).then_some(()),
    );

    // A speaker that is no neighbor: Cease / Connection Rejected (6/5),
    // counted against the source.
    let before = errors_of(&live, "peers", "bgp");
    let mut stranger = connect_from(Ipv4Addr::new(127, 0, 0, 79), listen);
    stranger
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut open = Vec::new();
    let caps = [
        Capability::Multiprotocol { afi: 1, safi: 1 },
        Capability::FourOctetAs(65_079),
    ];
    encode::open(&mut open, 65_079, 30, Ipv4Addr::new(127, 0, 0, 79), &caps).unwrap();
    stranger.write_all(&open).unwrap();
    let mut notification = None;
    while let Some(m) = read_message(&mut stranger) {
        if m[18] == 3 {
            notification = Some((m[19], m[20]));
        }
    }
    assert_eq!(notification, Some((6, 5)), "a stranger is refused");
    live.wait(
        "the refused stranger counted",
        Duration::from_secs(10),
        || (errors_of(&live, "peers", "bgp") > before).then_some(()),
    );

    // It may come back, and its routes are taken again.
    let bad = Speaker::establish(bad_ip, 65_071, listen);
    bad.announce(&["175.45.178.0/24"], &[131_279]);
    live.wait_seen_by(&["175.45.178.0/24"], "127.0.0.71", Duration::from_secs(10));

    // Nobody else noticed; everything is counted.
    let mut live = live;
    assert!(live.alive(), "darkwatch still runs");
    assert_eq!(live.get("/api/v1/health").0, 200);
    assert!(
        live.is_up("peers", good_ip),
        "{:?}",
        live.connections("peers", good_ip)
    );
    assert_eq!(connection_errors(&live, "peers", good_ip), 0);
    assert!(live.is_up("routers", router_ip));
    assert_eq!(errors_of(&live, "routers", "bmp"), 0);
    live.wait_seen_by(&["193.0.0.0/21"], "127.0.0.72", Duration::ZERO);
    live.wait_seen_by(&["8.8.8.0/24"], "192.0.2.73", Duration::ZERO);
    println!("BGP source after everything: {}", live.source("peers"));
    let bad_errors = connection_errors(&live, "peers", bad_ip);
    let errors = errors_of(&live, "peers", "bgp");
    assert!(
        bad_errors >= 5 && errors >= 6,
        "the bad neighbor's 2 malformed UPDATEs and 3 messages that reset its session \
         ({bad_errors} counted), and the stranger ({errors} counted in all): {}",
        live.source("peers")
    );
    drop((good, bad, router));
}
