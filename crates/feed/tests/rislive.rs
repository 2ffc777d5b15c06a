//! The RIS Live client against a WebSocket server written here, on
//! 127.0.0.1, that replays real routes: UPDATEs of a RIS archive decoded
//! with `wire` and written as RIS Live JSON at test time. What comes out
//! of the client, decoded by `wire` again, must be the archive's routes,
//! across a dropped connection marked by one gap, with bad messages
//! counted and skipped.

#[path = "support/data.rs"]
mod data;

use data::mrt_dir;

use std::net::IpAddr;

use std::time::{Duration, Instant};

use feed::rislive::{spawn, Filters, LiveMessage, PeerChange, RisLiveConfig, StatsSnapshot};
use feed::MrtReader;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message;
use wire::aspath::SegmentKind;
use wire::attr::{AttrContext, Attributes};
use wire::bgp::Message as Bgp;
use wire::changes::{walk, Change};
use wire::event::Timestamp;
use wire::mrt::Record;
use wire::{AsnWidth, Prefix, Reader};

/// UPDATEs taken from the archive.
const MESSAGES: usize = 300;
/// Longest any test waits for the client.
const PATIENCE: Duration = Duration::from_secs(30);

/// One route change as the test compares them: announce or withdraw,
/// prefix, and for announcements the next hop, path (in RIS Live's JSON
/// form) and communities.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Route {
    announce: bool,
    prefix: Prefix,
    next_hop: Option<IpAddr>,
    path: Value,
    communities: Vec<u32>,
}

/// The routes of one UPDATE with its attributes.
fn routes(update: &wire::bgp::Update<'_>, attrs: &Attributes<'_>) -> Vec<Route> {
    let mut out = Vec::new();
    let mut opaque = 0;
    let path = path_json(attrs);
    let communities: Vec<u32> = attrs.communities.iter().flat_map(|c| c.iter()).collect();
    walk(update, attrs, false, &mut opaque, |change| match change {
        Change::Withdraw(n) => out.push(Route {
            announce: false,
            prefix: n.prefix,
            next_hop: None,
            path: Value::Null,
            communities: Vec::new(),
        }),
        Change::Announce(n, next_hop) => out.push(Route {
            announce: true,
            prefix: n.prefix,
            next_hop,
            path: path.clone(),
            communities: communities.clone(),
        }),
        Change::EndOfRib { .. } => {}
    })
    .expect("routes readable");
    out
}

/// The AS path as RIS Live writes it: sequences flattened, sets nested.
fn path_json(attrs: &Attributes<'_>) -> Value {
    let Some(path) = attrs.path() else {
        return json!([]);
    };
    let mut out = Vec::new();
    for segment in path.segments() {
        match segment.kind {
            SegmentKind::Set => out.push(json!(segment.asns().collect::<Vec<_>>())),
            _ => out.extend(segment.asns().map(|a| json!(a))),
        }
    }
    Value::Array(out)
}

/// A replayed message: its RIS Live text and the routes it holds.
struct Replayed {
    text: String,
    routes: Vec<Route>,
}

/// The first [`MESSAGES`] UPDATEs with routes of a RIS updates archive, as
/// RIS Live `ris_message`s. Messages with confederation segments or
/// attribute errors are left out: RIS Live writes neither.
fn replayed() -> Vec<Replayed> {
    let path = mrt_dir().join("ris-rrc06/ris.rrc06.updates.1401488100.gz");
    let mut reader = MrtReader::open(&path).expect("archive opens");
    let mut out = Vec::new();
    while let Some(item) = reader.next() {
        let Ok(at) = item else { continue };
        let Ok(Record::Message(msg)) = at.raw.decode() else {
            continue;
        };
        let Ok(Bgp::Update(update)) = msg.message() else {
            continue;
        };
        let attrs = update.attributes(msg.attr_context());
        let confed = attrs
            .path()
            .is_some_and(|p| p.segments().any(|s| s.kind.is_confed()));
        if msg.sent || confed || attrs.error.is_some() {
            continue;
        }
        let routes = routes(&update, &attrs);
        if routes.is_empty() {
            continue;
        }
        let link_local = attrs.mp_reach.and_then(|m| m.link_local());
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        let mut withdrawals = Vec::new();
        for r in &routes {
            if !r.announce {
                withdrawals.push(r.prefix.to_string());
                continue;
            }
            let mut hop = r.next_hop.expect("announcement has a next hop").to_string();
            if let (Some(ll), true) = (link_local, r.prefix.afi() == wire::Afi::Ipv6) {
                hop = format!("{hop},{ll}");
            }
            match groups.iter_mut().find(|(h, _)| *h == hop) {
                Some((_, prefixes)) => prefixes.push(r.prefix.to_string()),
                None => groups.push((hop, vec![r.prefix.to_string()])),
            }
        }
        let seconds = f64::from(at.raw.header.timestamp) + f64::from(at.raw.microseconds) / 1e6;
        let mut data = json!({
            "timestamp": seconds,
            "peer": msg.peer_ip.to_string(),
            "peer_asn": msg.peer_asn.to_string(),
            "id": format!("06-{}", out.len()),
            "host": "rrc06",
            "type": "UPDATE",
            "withdrawals": withdrawals,
        });
        if !groups.is_empty() {
            let announcements: Vec<Value> = groups
                .iter()
                .map(|(hop, prefixes)| json!({"next_hop": hop, "prefixes": prefixes}))
                .collect();
            data["announcements"] = json!(announcements);
            data["path"] = path_json(&attrs);
            let communities: Vec<Value> = attrs
                .communities
                .iter()
                .flat_map(|c| c.iter())
                .map(|c| json!([c >> 16, c & 0xffff]))
                .collect();
            data["community"] = json!(communities);
            if let Some(origin) = attrs.origin {
                data["origin"] = json!(origin.name());
            }
        }
        out.push(Replayed {
            text: json!({"type": "ris_message", "data": data}).to_string(),
            routes,
        });
        if out.len() == MESSAGES {
            break;
        }
    }
    assert_eq!(out.len(), MESSAGES, "archive too short");
    out
}

/// The routes of an UPDATE the client produced, decoded by `wire`.
fn decode(bytes: &[u8]) -> Vec<Route> {
    let mut reader = Reader::new(bytes);
    let Ok(Bgp::Update(update)) = Bgp::read(&mut reader) else {
        panic!("not an UPDATE")
    };
    assert!(reader.is_empty(), "bytes after the message");
    let ctx = AttrContext {
        asn_width: AsnWidth::Four,
        add_path: false,
        rib: false,
    };
    let attrs = update.attributes(ctx);
    assert_eq!(attrs.error, None);
    routes(&update, &attrs)
}

fn config(url: String) -> RisLiveConfig {
    RisLiveConfig {
        url,
        filters: Filters {
            host: Some("rrc06".into()),
            prefixes: vec!["0.0.0.0/0".into(), "::/0".into()],
            more_specific: true,
            ..Filters::default()
        },
        backoff_base_ms: 20,
        backoff_cap_ms: 200,
        idle_timeout_ms: 5_000,
        // Small, so the replay runs into the backpressure.
        channel_capacity: 4,
        ..RisLiveConfig::default()
    }
}

type ServerSocket = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Accepts one WebSocket client and checks its subscription.
async fn accept_subscriber(listener: &TcpListener) -> ServerSocket {
    let (tcp, _) = listener.accept().await.expect("accept");
    let mut ws = tokio_tungstenite::accept_async(tcp)
        .await
        .expect("handshake");
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type": "ris_subscribe", "data": {"host": "rrc06",
            "prefix": ["0.0.0.0/0", "::/0"], "moreSpecific": true}})
    );
    ws
}

fn now() -> Timestamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    Timestamp(d.as_micros() as u64)
}

/// Reads the client's output until `done` says it has enough.
async fn collect(
    feed: &mut feed::rislive::LiveFeed,
    mut done: impl FnMut(&[LiveMessage]) -> bool,
) -> Vec<LiveMessage> {
    let mut got = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while !done(&got) {
        let left = deadline.saturating_duration_since(Instant::now());
        let next = timeout(left, feed.messages.recv()).await;
        got.push(next.expect("client too slow").expect("client alive"));
    }
    got
}

/// Drops the client's output and waits for its task to end, as it must.
async fn stop(feed: feed::rislive::LiveFeed) {
    drop(feed.messages);
    timeout(PATIENCE, feed.task)
        .await
        .expect("client stops once its output is dropped")
        .expect("client task");
}

/// The next message of `ws`, which must be JSON text.
async fn next_json(ws: &mut ServerSocket) -> Value {
    let next = timeout(PATIENCE, ws.next())
        .await
        .expect("a message in time");
    let text = next
        .expect("open")
        .expect("readable")
        .into_text()
        .expect("text");
    serde_json::from_str(&text).expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_routes_come_through_a_reconnect_with_one_gap() {
    let replay = replayed();
    let expected: Vec<Route> = replay.iter().flat_map(|r| r.routes.clone()).collect();
    let texts: Vec<String> = replay.iter().map(|r| r.text.clone()).collect();
    // The replay holds both families and both kinds of change.
    assert!(expected
        .iter()
        .any(|r| r.announce && r.prefix.afi() == wire::Afi::Ipv6));
    assert!(expected.iter().any(|r| !r.announce));
    assert!(expected.iter().any(|r| !r.communities.is_empty()));
    let half = texts.len() / 2;
    let first_half_routes: usize = replay[..half].iter().map(|r| r.routes.len()).sum();

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}", listener.local_addr().expect("address"));
    let start = now();
    let server = tokio::spawn(async move {
        let mut ws = accept_subscriber(&listener).await;
        let odd = [
            "{not json",
            r#"{"type":"ris_rrc_list","data":["rrc06"]}"#,
            r#"{"type":"ris_message","data":{"timestamp":1,"peer":"192.0.2.1","peer_asn":"64496","host":"rrc06","type":"UPDATE","withdrawals":["10.0.0.0/40"]}}"#,
            r#"{"type":"ris_message","data":{"timestamp":1401488100.5,"peer":"192.0.2.1","peer_asn":"64496","host":"rrc06","type":"RIS_PEER_STATE","state":"connected"}}"#,
        ];
        for (i, text) in texts[..half].iter().enumerate() {
            ws.send(Message::text(text.clone())).await.expect("send");
            if i == 10 {
                for o in odd {
                    ws.send(Message::text(o)).await.expect("send");
                }
                ws.send(Message::Ping(b"hi"[..].into()))
                    .await
                    .expect("ping");
                let pong = timeout(PATIENCE, ws.next()).await.expect("pong in time");
                assert_eq!(
                    pong.expect("open").expect("readable"),
                    Message::Pong(b"hi"[..].into())
                );
            }
        }
        ws.flush().await.expect("flush");
        // Drop the TCP connection without a close handshake, as a network
        // failure would.
        drop(ws);
        let mut ws = accept_subscriber(&listener).await;
        for text in &texts[half..] {
            ws.send(Message::text(text.clone())).await.expect("send");
        }
        // Hold the connection until the client goes away.
        while let Some(Ok(_)) = ws.next().await {}
    });

    let mut feed = spawn(config(url)).expect("client");
    let total = expected.len();
    let mut seen = 0;
    let got = collect(&mut feed, |got| {
        if let Some(LiveMessage::Update { bytes, .. }) = got.last() {
            seen += decode(bytes).len();
        }
        seen >= total
    })
    .await;

    let mut routes = Vec::new();
    let mut gaps = Vec::new();
    let mut peer_states = Vec::new();
    for m in &got {
        match m {
            LiveMessage::Update {
                collector,
                peer,
                time,
                bytes,
            } => {
                assert_eq!(collector, "rrc06");
                assert!(peer.asn > 0);
                assert!(time.secs() >= 1_401_488_100 && time.secs() < 1_401_488_100 + 3_600);
                routes.extend(decode(bytes));
            }
            LiveMessage::Gap { since, until } => gaps.push((routes.len(), *since, *until)),
            LiveMessage::PeerState { change, peer, .. } => {
                peer_states.push((*change, peer.addr, peer.asn));
            }
        }
    }
    assert_eq!(routes.len(), expected.len());
    for (i, (got, want)) in routes.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "route {i}");
    }
    assert_eq!(
        peer_states,
        [(
            PeerChange::Up,
            "192.0.2.1".parse::<IpAddr>().unwrap(),
            64496
        )]
    );
    let [(at, since, until)] = gaps[..] else {
        panic!("one gap expected: {gaps:?}")
    };
    assert_eq!(at, first_half_routes, "the gap sits where the drop was");
    assert!(start <= since && since <= until && until <= now());
    assert!(
        until.0 - since.0 >= 20_000,
        "the gap holds the backoff: {since:?}..{until:?}"
    );
    let stats = feed.stats.snapshot();
    let want = StatsSnapshot {
        messages: MESSAGES as u64 + 4,
        updates: got
            .iter()
            .filter(|m| matches!(m, LiveMessage::Update { .. }))
            .count() as u64,
        peer_states: 1,
        malformed: 2,
        unknown: 1,
        server_errors: 0,
        connections: 2,
        gaps: 1,
        last_problem: stats.last_problem.clone(),
    };
    assert_eq!(stats, want);
    stop(feed).await;
    server.await.expect("server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_attempts_back_off_up_to_the_cap_and_make_one_gap() {
    const FAILED: usize = 6;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        drop(accept_subscriber(&listener).await);
        // Refuse the handshake of the next attempts: accept and hang up.
        let mut attempts = Vec::new();
        for _ in 0..FAILED {
            let (tcp, _) = listener.accept().await.expect("accept");
            attempts.push(Instant::now());
            drop(tcp);
        }
        let mut ws = accept_subscriber(&listener).await;
        attempts.push(Instant::now());
        while let Some(Ok(_)) = ws.next().await {}
        attempts
    });
    let mut cfg = config(url);
    cfg.backoff_base_ms = 30;
    cfg.backoff_cap_ms = 120;
    let mut feed = spawn(cfg).expect("client");
    let got = collect(&mut feed, |got| !got.is_empty()).await;
    assert!(matches!(got[..], [LiveMessage::Gap { .. }]), "{got:?}");
    let stats = feed.stats.snapshot();
    stop(feed).await;
    let attempts = server.await.expect("server");
    // The waits before attempts 2, 3, …: 60, 120 (the cap), 120, …
    let waits: Vec<Duration> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    let ms = Duration::from_millis;
    for (i, wait) in waits.iter().enumerate() {
        let want = ms(30 << (i + 1).min(2));
        // Some slack below: the server may notice one accept later than
        // the next.
        assert!(*wait >= want - ms(15), "wait {i}: {wait:?} < {want:?}");
        assert!(*wait < want + ms(500), "wait {i}: {wait:?} not capped");
    }
    assert_eq!((stats.connections, stats.gaps), (2, 1));
    assert!(stats.last_problem.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_stream_is_pinged_and_a_silent_one_dropped() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        let mut ws = accept_subscriber(&listener).await;
        let ping = json!({"type": "ping"});
        assert_eq!(next_json(&mut ws).await, ping);
        // The answer keeps the connection; silence after the next ping
        // ends it.
        let pong = json!({"type": "pong", "data": null}).to_string();
        ws.send(Message::text(pong)).await.expect("pong");
        assert_eq!(next_json(&mut ws).await, ping);
        // Hold the silent connection open until the client drops it.
        let _held = ws;
        let mut ws = accept_subscriber(&listener).await;
        while let Some(Ok(_)) = ws.next().await {}
    });
    let mut cfg = config(url);
    cfg.idle_timeout_ms = 300;
    let mut feed = spawn(cfg).expect("client");
    let got = collect(&mut feed, |got| !got.is_empty()).await;
    assert!(matches!(got[..], [LiveMessage::Gap { .. }]), "{got:?}");
    let stats = feed.stats.snapshot();
    assert_eq!((stats.connections, stats.gaps, stats.unknown), (2, 1, 0));
    stop(feed).await;
    server.await.expect("server");
}
