//! `darkwatch loadgen bmp` against a BMP station started in the test
//! (`feed::bmp_station::listen` on 127.0.0.1:0): every message it sends is
//! decoded with `wire::bmp::Message::decode` and `wire::bmp::route_events`,
//! and the routes, End-of-RIBs and peers are counted against what was
//! asked for and against the summary line the generator prints.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::process::{Command, Output, Stdio};

use feed::bmp_station::{listen, DownReason, StationConfig, StationMessage};
use serde_json::Value;
use wire::bmp::{route_events, Message};
use wire::event::EventKind;
use wire::{Afi, Prefix};

/// What one peer sent, as decoded.
#[derive(Debug, Default)]
struct PeerSeen {
    asn: u32,
    /// The router (connection) it came on.
    router: u16,
    peer_ups: u32,
    announced_v4: u64,
    announced_v6: u64,
    /// Distinct prefixes announced.
    prefixes: HashSet<Prefix>,
    withdrawn: u64,
    /// End-of-RIBs, by AFI, in arrival order.
    end_of_ribs: Vec<u16>,
    /// Routes of a family announced after its End-of-RIB.
    late: u64,
}

/// Everything the station handed on for one run.
#[derive(Debug, Default)]
struct Run {
    peers: BTreeMap<IpAddr, PeerSeen>,
    messages: u64,
    bytes: u64,
    /// Per router: Initiations, Terminations and how it went down.
    initiations: BTreeMap<u16, u32>,
    downs: BTreeMap<u16, DownReason>,
    /// Each router's messages back to back.
    streams: BTreeMap<u16, Vec<u8>>,
    /// The generator's summary line.
    summary: Value,
}

/// Runs `darkwatch loadgen bmp --to STATION ARGS` with `connections`
/// routers and decodes all they send until every one is down.
fn run(args: &[&str], connections: usize) -> Run {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let config = StationConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            ..StationConfig::default()
        };
        let (station, mut rx) = listen(config).await.expect("bind the station");
        let to = station.local_addr().to_string();
        let child = Command::new(env!("CARGO_BIN_EXE_darkwatch"))
            .args(["loadgen", "bmp", "--to", &to])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start darkwatch loadgen");
        let mut seen = Run::default();
        while seen.downs.len() < connections {
            let Some(message) = rx.recv().await else {
                break;
            };
            seen.take(message);
        }
        let output = child.wait_with_output().expect("darkwatch loadgen runs");
        seen.summary = summary(&output);
        seen
    })
}

/// The JSON line `loadgen` printed, after checking it succeeded.
fn summary(output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "loadgen failed: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "one line on stdout: {stdout}");
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

impl Run {
    fn take(&mut self, message: StationMessage) {
        match message {
            StationMessage::RouterUp { .. } => {}
            StationMessage::RouterDown { router, reason } => {
                self.downs.insert(router, reason);
            }
            StationMessage::Message {
                router,
                bytes,
                add_path,
            } => {
                self.messages += 1;
                self.bytes += bytes.len() as u64;
                self.streams.entry(router).or_default().extend(&bytes);
                let msg = Message::decode(&bytes).expect("every message decodes");
                match &msg {
                    Message::Initiation(_) => {
                        *self.initiations.entry(router).or_default() += 1;
                    }
                    Message::RouteMonitoring(rm) => {
                        if let Some((afi, safi)) = rm.end_of_rib() {
                            assert_eq!(safi, 1);
                            let peer = self.peers.entry(rm.peer.addr).or_default();
                            peer.end_of_ribs.push(afi);
                        }
                    }
                    _ => {}
                }
                let visit = route_events(&msg, router, add_path, |e| {
                    let peer = self.peers.entry(e.peer.addr).or_default();
                    peer.asn = e.peer.asn;
                    peer.router = router;
                    match (e.kind, e.prefix) {
                        (EventKind::PeerUp, _) => peer.peer_ups += 1,
                        (EventKind::Announce, Some(p)) => {
                            let afi = p.afi().code();
                            peer.late += u64::from(peer.end_of_ribs.contains(&afi));
                            match p.afi() {
                                Afi::Ipv4 => peer.announced_v4 += 1,
                                Afi::Ipv6 => peer.announced_v6 += 1,
                            }
                            peer.prefixes.insert(p);
                        }
                        (EventKind::Withdraw, Some(_)) => peer.withdrawn += 1,
                        _ => {}
                    }
                });
                assert_eq!(visit.error, None, "router {router}: {visit:?}");
            }
        }
    }

    fn announced(&self) -> u64 {
        self.peers
            .values()
            .map(|p| p.announced_v4 + p.announced_v6)
            .sum()
    }
}

/// The summary's `key` as a number.
fn field(summary: &Value, key: &str) -> u64 {
    summary[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {summary}"))
}

/// 3 peers on 2 routers, 20,000 synthetic prefixes each (16,667 IPv4 and
/// 3,333 IPv6), withdrawn again, each router ending with a Termination.
#[test]
fn every_peer_sends_the_whole_table_then_end_of_ribs() {
    let args = [
        "--peers",
        "3",
        "--prefixes",
        "20000",
        "--connections",
        "2",
        "--withdraw",
        "--terminate",
    ];
    let run = run(&args, 2);

    assert_eq!(run.peers.len(), 3, "{:?}", run.peers.keys());
    let asns: HashSet<u32> = run.peers.values().map(|p| p.asn).collect();
    assert_eq!(asns.len(), 3, "distinct AS numbers: {asns:?}");
    let mut first: Option<&HashSet<Prefix>> = None;
    for (addr, peer) in &run.peers {
        assert!(peer.asn > 0xffff, "{addr}: AS{} is a 4-byte AS", peer.asn);
        assert_eq!(peer.peer_ups, 1, "{addr}");
        assert_eq!(
            (peer.announced_v4, peer.announced_v6),
            (16_667, 3_333),
            "{addr}"
        );
        assert_eq!(peer.prefixes.len(), 20_000, "{addr}: distinct prefixes");
        // Every peer carries the same table.
        assert!(first.is_none_or(|f| *f == peer.prefixes), "{addr}");
        first = Some(&peer.prefixes);
        assert_eq!(peer.end_of_ribs, [1, 2], "{addr}: IPv4 then IPv6");
        assert_eq!(peer.late, 0, "{addr}: no route after its End-of-RIB");
        assert_eq!(peer.withdrawn, 20_000, "{addr}");
    }
    // Peers are dealt out: two on the first router, one on the second.
    let routers: Vec<u16> = run.peers.values().map(|p| p.router).collect();
    assert_eq!(routers.iter().filter(|&&r| r == routers[0]).count(), 2);
    assert_eq!(run.initiations.values().collect::<Vec<_>>(), [&1, &1]);
    for reason in run.downs.values() {
        assert_eq!(*reason, DownReason::Terminated(Some(0)));
    }

    let s = &run.summary;
    assert_eq!(field(s, "peers"), 3);
    assert_eq!(field(s, "announced"), 60_000);
    assert_eq!(field(s, "withdrawn"), 60_000);
    assert_eq!(field(s, "routes"), 120_000);
    assert_eq!(field(s, "messages"), run.messages);
    assert_eq!(field(s, "bytes"), run.bytes);
    assert!(s["seconds"].as_f64().unwrap() > 0.0);
    assert!(s["routes_per_sec"].as_f64().unwrap() > 0.0);
    // Packed: many routes per UPDATE, none over 4096 bytes (the decoder
    // would have refused it).
    assert!(run.messages < 60_000 / 3, "{} messages", run.messages);
}

/// The same arguments give the same bytes; another seed other ones.
#[test]
fn same_arguments_same_bytes() {
    let args = ["--peers", "2", "--prefixes", "3000"];
    let a = run(&args, 1);
    let b = run(&args, 1);
    let c = run(&[&args[..], &["--seed", "7"]].concat(), 1);
    assert_eq!(a.announced(), 6_000);
    assert_eq!(a.streams, b.streams);
    assert_ne!(a.streams, c.streams);
    // Without --terminate the router just hangs up.
    assert_eq!(a.downs.values().collect::<Vec<_>>(), [&DownReason::Closed]);
}

/// `--rib`: peer N replays the Nth largest peer table of a RIB file (here
/// a small synthetic one), counted against `darkwatch dump` of the file.
#[test]
fn rib_routes_are_replayed_by_the_largest_peers() {
    let dir = tempfile::tempdir().unwrap();
    let rib = dir.path().join("rib.mrt");
    let rib = rib.to_str().unwrap();
    let bin = env!("CARGO_BIN_EXE_darkwatch");
    let made = Command::new(bin)
        .args([
            "synth-table",
            rib,
            "--v4",
            "3000",
            "--v6",
            "600",
            "--peers",
            "8",
        ])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    let dump = Command::new(bin).args(["dump", rib]).output().unwrap();
    assert!(dump.status.success(), "{dump:?}");
    // `TABLE_DUMP2|time|B|peer|peer AS|prefix|...`: routes per peer.
    let mut per_peer: BTreeMap<(String, String), u64> = BTreeMap::new();
    for line in String::from_utf8(dump.stdout).unwrap().lines() {
        let f: Vec<&str> = line.split('|').collect();
        *per_peer.entry((f[3].into(), f[4].into())).or_default() += 1;
    }
    let mut expected: Vec<u64> = per_peer.into_values().collect();
    expected.sort_unstable_by(|a, b| b.cmp(a));
    expected.truncate(3);

    let run = run(&["--rib", rib, "--peers", "3"], 1);
    let mut got: Vec<u64> = run
        .peers
        .values()
        .map(|p| {
            assert_eq!(p.end_of_ribs, [1, 2]);
            p.announced_v4 + p.announced_v6
        })
        .collect();
    got.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(got, expected);
    assert_eq!(
        field(&run.summary, "announced"),
        expected.iter().sum::<u64>()
    );
}

/// Mistakes are reported with what to do.
#[test]
fn errors_say_what_to_do() {
    let bin = env!("CARGO_BIN_EXE_darkwatch");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let to = closed.local_addr().unwrap().to_string();
    drop(closed);
    let out = Command::new(bin)
        .args(["loadgen", "bmp", "--to", &to, "--prefixes", "600"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&format!("connecting to {to}")), "{stderr}");
    assert!(stderr.contains("BMP station listening"), "{stderr}");

    let out = Command::new(bin)
        .args([
            "loadgen",
            "bmp",
            "--to",
            &to,
            "--peers",
            "2",
            "--connections",
            "3",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("every connection needs a peer"), "{stderr}");
}
