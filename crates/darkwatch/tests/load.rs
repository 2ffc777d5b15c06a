//! `scripts/load` at a small scale: `darkwatch serve` with one BMP
//! source, fed by `darkwatch loadgen bmp` (3 peers x 20,000 routes on one
//! router, one more peer flapping its session 50 times on another) while
//! a client thread asks the API in a loop. Every answer must be 200, and
//! nothing dropped: the BMP messages, route events (announcements,
//! End-of-RIBs, Peer Ups and Downs) and routes darkwatch counts are the
//! ones loadgen sent. Then one peer passes `max_prefixes_per_peer`: with
//! `on_prefix_limit = "drop"` it loses its routes until its session comes
//! up again, with `"ignore"` it keeps the routes up to the limit; either
//! way it is counted in /metrics and logged.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::live::Live;
use common::server::request;
use serde_json::Value;

/// What the client thread asks, in turn.
const PATHS: [&str; 7] = [
    "/api/v1/health",
    "/api/v1/entities?q=an&limit=20",
    "/api/v1/entities/world/signals",
    "/api/v1/events?limit=50",
    "/api/v1/peers",
    "/api/v1/sources",
    "/metrics",
];

/// Longest wait for what loadgen sent to be applied.
const PATIENCE: Duration = Duration::from_secs(40);

/// A running `darkwatch loadgen bmp --hold`, killed on drop (which closes
/// its connections).
struct Loadgen {
    child: Child,
    /// Its summary line.
    sent: Value,
}

impl Drop for Loadgen {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Loadgen {
    /// Starts `darkwatch loadgen bmp --to live's source load --hold ARGS`
    /// and waits for its summary (all bytes sent).
    fn run(live: &Live, args: &[&str]) -> Loadgen {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            .to_string();
        let to = live.listen_of("load").to_string();
        let mut child = Command::new(env!("CARGO_BIN_EXE_darkwatch"))
            .args(["loadgen", "bmp", "--to", &to, "--hold", "--time", &now])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start darkwatch loadgen");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let sent = serde_json::from_str(&line).unwrap_or_else(|e| {
            let mut printed = String::new();
            let _ = child.kill();
            let _ = child.stderr.take().unwrap().read_to_string(&mut printed);
            panic!("loadgen {args:?} printed no summary ({e}): {line:?}\n{printed}")
        });
        Loadgen { child, sent }
    }

    fn count(&self, key: &str) -> u64 {
        self.sent[key]
            .as_u64()
            .unwrap_or_else(|| panic!("no {key} in {}", self.sent))
    }

    /// The route events its messages hold: one per route announced or
    /// withdrawn, End-of-RIB, Peer Up and Peer Down.
    fn events(&self) -> u64 {
        [
            "announced",
            "withdrawn",
            "end_of_ribs",
            "peer_ups",
            "peer_downs",
        ]
        .iter()
        .map(|k| self.count(k))
        .sum()
    }
}

/// `darkwatch serve` with one BMP source named `load` and `limits`
/// (`max_prefixes_per_peer`, `on_prefix_limit`).
fn serve(limit: u64, action: &str) -> Live {
    let config = format!(
        "[live]\nbin_secs = 2\nmax_prefixes_per_peer = {limit}\non_prefix_limit = \"{action}\"\n\n\
         [[live.bmp]]\nname = \"load\"\nlisten = \"127.0.0.1:0\"\n"
    );
    Live::start(&config, &["load"])
}

fn metric(live: &Live, name: &str) -> u64 {
    live.metric(name)
        .unwrap_or_else(|| panic!("no {name} in /metrics:\n{}", live.metrics())) as u64
}

/// Waits until darkwatch has applied `events` route events.
fn wait_applied(live: &Live, events: u64) {
    live.wait(
        &format!("darkwatch_live_route_events_total = {events}"),
        PATIENCE,
        || (metric(live, "darkwatch_live_route_events_total") >= events).then_some(()),
    );
    // Nothing more may come.
    std::thread::sleep(Duration::from_millis(500));
}

/// The peers of /api/v1/peers with address `addr`.
fn peers_at(live: &Live, addr: &str) -> Vec<Value> {
    live.json("/api/v1/peers")["peers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["address"] == addr)
        .cloned()
        .collect()
}

fn routes_of(peer: &Value) -> u64 {
    peer["prefixes_v4"].as_u64().unwrap() + peer["prefixes_v6"].as_u64().unwrap()
}

#[test]
fn full_tables_and_a_flapping_peer_under_api_queries_lose_nothing() {
    const PEERS: u64 = 3;
    const ROUTES: u64 = 20_000;
    const FLAPS: u64 = 50;
    const FLAP_ROUTES: u64 = 500;
    const WARM: u64 = 100;
    let live = serve(ROUTES + ROUTES / 4, "drop");
    // A first bin with routes makes the world series, so that every path
    // the client asks answers 200 from the start.
    let warm = Loadgen::run(&live, &["--peers", "1", "--prefixes", &WARM.to_string()]);
    live.wait("the world series", PATIENCE, || {
        (live.get("/api/v1/entities/world/signals").0 == 200).then_some(())
    });

    let stop = Arc::new(AtomicBool::new(false));
    let client = {
        let (addr, stop) = (live.addr.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut answers = Vec::new();
            for path in PATHS.iter().cycle() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (status, body) = request(&addr, "GET", path, &[], "");
                answers.push((*path, status, body));
            }
            answers
        })
    };
    let gen = Loadgen::run(
        &live,
        &[
            "--peers",
            &PEERS.to_string(),
            "--prefixes",
            &ROUTES.to_string(),
            "--flap",
            &FLAPS.to_string(),
            "--flap-prefixes",
            &FLAP_ROUTES.to_string(),
            "--flap-every",
            "2",
        ],
    );
    assert_eq!(gen.count("peer_downs"), FLAPS, "{}", gen.sent);
    assert_eq!(gen.count("peer_ups"), PEERS + 1 + FLAPS, "{}", gen.sent);
    let events = gen.events() + warm.events();
    wait_applied(&live, events);
    stop.store(true, Ordering::Relaxed);
    let answers = client.join().expect("the client thread");

    assert!(answers.len() >= PATHS.len(), "{} answers", answers.len());
    let failed: Vec<_> = answers.iter().filter(|a| a.1 != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {} API answers were not 200, first: {:?}",
        failed.len(),
        answers.len(),
        failed.first()
    );
    assert_eq!(
        metric(&live, "darkwatch_live_route_events_total"),
        events,
        "every route event loadgen sent was applied"
    );
    let source = live.source("load");
    assert_eq!(
        source["messages"].as_u64(),
        Some(gen.count("messages") + warm.count("messages")),
        "every BMP message was received: {source}"
    );
    assert_eq!(source["errors"], 0, "no decode errors: {source}");
    assert_eq!(
        metric(&live, "darkwatch_live_routes"),
        PEERS * ROUTES + FLAP_ROUTES + WARM
    );
    assert_eq!(metric(&live, "darkwatch_live_prefix_limit_total"), 0);
    let flapper = peers_at(&live, &format!("100.64.0.{}", PEERS + 1));
    assert_eq!(flapper.len(), 1, "{flapper:?}");
    assert_eq!(flapper[0]["up"], true, "{flapper:?}");
    assert_eq!(routes_of(&flapper[0]), FLAP_ROUTES, "{flapper:?}");
    for i in 1..=PEERS {
        let full: Vec<Value> = peers_at(&live, &format!("100.64.0.{i}"))
            .into_iter()
            .filter(|p| routes_of(p) == ROUTES && p["up"] == true)
            .collect();
        assert_eq!(full.len(), 1, "peer 100.64.0.{i} up with its table");
    }
}

/// One peer sends 1,200 prefixes over a limit of 1,000, another (flapping
/// twice) stays within it, with `on_prefix_limit = action`: the route
/// events applied, the over-limit peer's and the other's state in
/// /api/v1/peers, the counter, and the log line, are checked by `after`.
fn past_the_limit(action: &str) -> (Live, Loadgen, Value, Value, u64) {
    let live = serve(1_000, action);
    let gen = Loadgen::run(
        &live,
        &[
            "--peers",
            "1",
            "--prefixes",
            "1200",
            "--flap",
            "2",
            "--flap-prefixes",
            "100",
        ],
    );
    let over = 200;
    // drop: the announcement past the limit and the rest of the peer's
    // table, its End-of-RIBs too, are not applied. ignore: the
    // announcements past the limit are not.
    let expected = gen.events() - if action == "drop" { over + 2 } else { over };
    wait_applied(&live, expected);
    assert_eq!(metric(&live, "darkwatch_live_route_events_total"), expected);
    let big = peers_at(&live, "100.64.0.1").remove(0);
    let other = peers_at(&live, "100.64.0.2").remove(0);
    assert_eq!(other["up"], true, "{other}");
    assert_eq!(routes_of(&other), 100, "the peer within its limit: {other}");
    let hits = metric(&live, "darkwatch_live_prefix_limit_total");
    (live, gen, big, other, hits)
}

/// The line darkwatch logged about 100.64.0.1 and its limit.
fn limit_line(live: &Live) -> Option<String> {
    live.printed()
        .lines()
        .find(|l| l.contains("100.64.0.1") && l.contains("limit"))
        .map(str::to_owned)
}

#[test]
fn a_peer_past_its_prefix_limit_is_dropped_with_drop() {
    let (live, _gen, big, _, hits) = past_the_limit("drop");
    assert_eq!(big["up"], false, "dropped: {big}");
    assert_eq!(routes_of(&big), 0, "its routes are removed: {big}");
    assert_eq!(hits, 1, "one drop counted");
    let line = limit_line(&live).expect("the drop is logged");
    assert!(
        line.contains("AS400001") && line.contains("1000") && line.contains("drop"),
        "{line}"
    );
}

#[test]
fn a_peer_past_its_prefix_limit_keeps_the_limit_with_ignore() {
    let (live, _gen, big, _, hits) = past_the_limit("ignore");
    assert_eq!(big["up"], true, "still up: {big}");
    assert_eq!(routes_of(&big), 1_000, "routes up to the limit: {big}");
    assert_eq!(hits, 200, "each ignored announcement counted");
    let line = limit_line(&live);
    assert!(
        line.is_some(),
        "the ignored announcements are logged (darkwatch.example.toml: \"Either way it is logged\"); darkwatch printed:\n{}",
        live.printed()
    );
}
