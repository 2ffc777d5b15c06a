//! The BMP station on 127.0.0.1, with routers played by TCP clients
//! sending messages built by `wire::encode::bmp`: two routers at once,
//! each stream handed on in order under its own collector index with the
//! ADD-PATH state of its Peer Up, so `wire::bmp::route_events` reads the
//! routes back; disconnects and garbage end one router and no other;
//! messages split into tiny writes are framed whole; a full channel slows
//! the reader without losing anything. Last, a real router: GoBGP sends
//! its routes to the station.

#[path = "support/gobgp.rs"]
mod gobgp;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use feed::bmp_station::{listen, DownReason, RouterStats, Station, StationConfig, StationMessage};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc::Receiver;
use tokio::time::{sleep, timeout};
use wire::aspath::SegmentKind;
use wire::attr::Origin;
use wire::bmp::{
    info_tlv, route_events, termination_tlv, AddPath, Message, PeerDownReason, PeerHeader,
    PeerType, Tlv,
};
use wire::encode::bmp as enc;
use wire::encode::{self, attr, Capability};
use wire::event::EventKind;
use wire::{AsnWidth, ErrorKind, Nlri, Prefix};

/// Longest any test waits for the station.
const PATIENCE: Duration = Duration::from_secs(30);

/// ADD-PATH send and receive for IPv4 unicast.
const ADD_PATH_V4: &[(u16, u8, u8)] = &[(1, 1, 3)];

fn peer(addr: Ipv4Addr, asn: u32) -> PeerHeader {
    PeerHeader {
        peer_type: PeerType::Global,
        flags: 0,
        distinguisher: 0,
        addr: IpAddr::V4(addr),
        asn,
        bgp_id: addr,
        seconds: 1_419_265_000,
        microseconds: 0,
    }
}

fn initiation(sys_name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let info = [Tlv {
        tlv_type: info_tlv::SYS_NAME,
        value: sys_name.as_bytes(),
    }];
    enc::initiation(&mut out, &info).unwrap();
    out
}

fn open(asn: u32, add_path: &[(u16, u8, u8)]) -> Vec<u8> {
    let caps = [
        Capability::Multiprotocol { afi: 1, safi: 1 },
        Capability::FourOctetAs(asn),
        Capability::AddPath(add_path),
    ];
    let mut out = Vec::new();
    encode::open(&mut out, asn, 90, Ipv4Addr::new(10, 0, 0, 1), &caps).unwrap();
    out
}

/// A Peer Up whose OPENs both offer ADD-PATH in both directions.
fn peer_up(peer: PeerHeader) -> Vec<u8> {
    let mut out = Vec::new();
    let up = enc::PeerUp {
        peer,
        local_addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
        local_port: 179,
        remote_port: 50179,
        sent_open: &open(4837, ADD_PATH_V4),
        received_open: &open(peer.asn, ADD_PATH_V4),
        information: &[],
    };
    enc::peer_up(&mut out, &up).unwrap();
    out
}

/// A Route Monitoring message announcing `routes` (with their path ids).
fn route_monitoring(peer: &PeerHeader, routes: &[Nlri]) -> Vec<u8> {
    let mut attrs = Vec::new();
    attr::origin(&mut attrs, Origin::Igp);
    let path = [4837, peer.asn];
    attr::as_path(
        &mut attrs,
        &[(SegmentKind::Sequence, &path)],
        AsnWidth::Four,
    )
    .unwrap();
    attr::next_hop(&mut attrs, Ipv4Addr::new(198, 51, 100, 2));
    let mut update = Vec::new();
    encode::update(&mut update, &[], &attrs, routes).unwrap();
    let mut out = Vec::new();
    enc::route_monitoring(&mut out, peer, &update).unwrap();
    out
}

fn peer_down(peer: &PeerHeader) -> Vec<u8> {
    let mut out = Vec::new();
    enc::peer_down(&mut out, peer, &PeerDownReason::RemoteNoData).unwrap();
    out
}

fn termination(reason: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let info = [Tlv {
        tlv_type: termination_tlv::REASON,
        value: &reason.to_be_bytes(),
    }];
    enc::termination(&mut out, &info).unwrap();
    out
}

/// Route number `i`: the /24 `10.x.y.0` it names, with path id `i`.
fn route(i: u32) -> Nlri {
    let [_, _, x, y] = i.to_be_bytes();
    Nlri {
        prefix: Prefix::v4(Ipv4Addr::new(10, x, y, 0), 24).unwrap(),
        path_id: Some(i),
    }
}

/// The announced routes of a handed-on message, read as the consumer
/// reads them; every event must carry the router as its collector.
fn announced(router: u16, bytes: &[u8], add_path: AddPath) -> Vec<Nlri> {
    let msg = Message::decode(bytes).unwrap();
    let mut out = Vec::new();
    let visit = route_events(&msg, router, add_path, |e| {
        assert_eq!(e.peer.collector, router);
        if e.kind == EventKind::Announce {
            out.push(Nlri {
                prefix: e.prefix.unwrap(),
                path_id: e.path_id,
            });
        }
    });
    assert_eq!(visit.error, None);
    out
}

/// A station on a free loopback port with a channel of `capacity`.
async fn station(capacity: usize) -> (Station, Receiver<StationMessage>) {
    let config = StationConfig {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        channel_capacity: capacity,
        ..StationConfig::default()
    };
    listen(config).await.unwrap()
}

async fn connect(station: &Station) -> TcpStream {
    let stream = TcpStream::connect(station.local_addr()).await.unwrap();
    stream.set_nodelay(true).unwrap();
    stream
}

async fn next(rx: &mut Receiver<StationMessage>) -> StationMessage {
    timeout(PATIENCE, rx.recv())
        .await
        .expect("the station hands something on in time")
        .expect("the station is running")
}

/// What the station hands on until `routers` routers are down, per router.
async fn until_down(
    rx: &mut Receiver<StationMessage>,
    routers: usize,
) -> HashMap<u16, Vec<StationMessage>> {
    let mut out: HashMap<u16, Vec<StationMessage>> = HashMap::new();
    let mut down = 0;
    while down < routers {
        let m = next(rx).await;
        let router = match &m {
            StationMessage::RouterUp { router, .. } | StationMessage::Message { router, .. } => {
                *router
            }
            StationMessage::RouterDown { router, .. } => {
                down += 1;
                *router
            }
        };
        out.entry(router).or_default().push(m);
    }
    out
}

/// The collector index the station gave the client at `client`.
fn index_of(by_router: &HashMap<u16, Vec<StationMessage>>, client: SocketAddr) -> u16 {
    by_router
        .iter()
        .find_map(|(&router, ms)| match ms.first() {
            Some(&StationMessage::RouterUp { addr, .. }) if addr == client => Some(router),
            _ => None,
        })
        .expect("the client's router is up")
}

fn stats_of(station: &Station, router: u16) -> RouterStats {
    station
        .routers()
        .into_iter()
        .find(|s| s.router == router)
        .expect("the router is listed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_routers_stream_in_order_with_their_add_path_state() {
    let (station, mut rx) = station(8).await;
    let streams: Vec<(&str, PeerHeader, Vec<Vec<u8>>)> = [("rtr-a", 64_500), ("rtr-b", 64_501)]
        .into_iter()
        .map(|(name, asn)| {
            let p = peer(Ipv4Addr::new(192, 0, 2, (asn % 256) as u8), asn);
            let routes: Vec<Nlri> = (1..=3).map(|i| route(asn * 10 + i)).collect();
            let messages = vec![
                initiation(name),
                peer_up(p),
                route_monitoring(&p, &routes),
                peer_down(&p),
                termination(0),
            ];
            (name, p, messages)
        })
        .collect();
    let mut clients = Vec::new();
    for (_, _, messages) in &streams {
        let mut stream = connect(&station).await;
        clients.push(stream.local_addr().unwrap());
        let bytes = messages.concat();
        tokio::spawn(async move { stream.write_all(&bytes).await.unwrap() });
    }
    let got = until_down(&mut rx, 2).await;
    let mut indexes = Vec::new();
    for ((name, p, messages), client) in streams.iter().zip(clients) {
        let router = index_of(&got, client);
        indexes.push(router);
        let Message::PeerUp(up) = Message::decode(&messages[1]).unwrap() else {
            panic!("not a peer up")
        };
        let add_path = up.add_path();
        assert_ne!(add_path, AddPath::NONE);
        let want_add_path = [AddPath::NONE, add_path, add_path, add_path, AddPath::NONE];
        let mut want = vec![StationMessage::RouterUp {
            router,
            addr: client,
        }];
        for (bytes, add_path) in messages.iter().zip(want_add_path) {
            want.push(StationMessage::Message {
                router,
                bytes: bytes.clone(),
                add_path,
            });
        }
        want.push(StationMessage::RouterDown {
            router,
            reason: DownReason::Terminated(Some(0)),
        });
        assert_eq!(got[&router], want, "{name}");

        let routes: Vec<Nlri> = (1..=3).map(|i| route(p.asn * 10 + i)).collect();
        assert_eq!(announced(router, &messages[2], add_path), routes);

        let stats = stats_of(&station, router);
        assert_eq!(stats.sys_name.as_deref(), Some(*name));
        assert_eq!(stats.addr, client);
        assert!(!stats.connected);
        assert_eq!(stats.messages, 5);
        assert_eq!(stats.bytes, messages.concat().len() as u64);
        assert_eq!((stats.errors, stats.unknown), (0, 0));
        assert!(stats.last_message.is_some());
    }
    indexes.sort_unstable();
    assert_eq!(indexes, [0, 1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_that_disconnects_is_down() {
    let (station, mut rx) = station(8).await;
    let mut stream = connect(&station).await;
    stream.write_all(&initiation("rtr")).await.unwrap();
    drop(stream);
    let got = until_down(&mut rx, 1).await;
    assert_eq!(
        got[&0].last(),
        Some(&StationMessage::RouterDown {
            router: 0,
            reason: DownReason::Closed,
        })
    );
    assert_eq!(got[&0].len(), 3, "up, initiation, down");
    assert_eq!(stats_of(&station, 0).errors, 0);

    // Half a message, then gone: the next index, and an error.
    let mut stream = connect(&station).await;
    stream.write_all(&initiation("rtr")[..7]).await.unwrap();
    drop(stream);
    let got = until_down(&mut rx, 1).await;
    assert_eq!(
        got[&1].last(),
        Some(&StationMessage::RouterDown {
            router: 1,
            reason: DownReason::Truncated(7),
        })
    );
    let stats = stats_of(&station, 1);
    assert_eq!((stats.errors, stats.connected), (1, false));
    assert!(stats.last_error.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_drops_its_router_and_no_other() {
    let (station, mut rx) = station(8).await;
    let p = peer(Ipv4Addr::new(192, 0, 2, 2), 64_500);
    let mut good = connect(&station).await;
    good.write_all(&[initiation("good"), peer_up(p)].concat())
        .await
        .unwrap();
    // Router 0 is up once its first messages are out.
    for _ in 0..3 {
        next(&mut rx).await;
    }

    let garbage: [&[u8]; 2] = [
        &[1, 0, 0, 0, 6, 4],
        &[3, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3],
    ];
    let mut bad = Vec::new();
    for bytes in garbage {
        let mut stream = connect(&station).await;
        stream.write_all(bytes).await.unwrap();
        // Kept open: the station, not the client, ends the connection.
        bad.push(stream);
    }
    // The good router keeps streaming meanwhile, with a message of an
    // unknown type, skipped, and a Route Monitoring message too short for
    // a per-peer header, counted and handed on: both are framed, so the
    // stream is still in step.
    let unknown = [3, 0, 0, 0, 9, 42, 1, 2, 3];
    let short = vec![3, 0, 0, 0, 10, 0, 1, 2, 3, 4];
    good.write_all(&short).await.unwrap();
    let mut sent = vec![short];
    for i in 0..100 {
        let rm = route_monitoring(&p, &[route(i)]);
        good.write_all(&rm).await.unwrap();
        if i == 50 {
            good.write_all(&unknown).await.unwrap();
        }
        sent.push(rm);
    }
    good.write_all(&termination(1)).await.unwrap();

    let got = until_down(&mut rx, 3).await;
    let mut malformed = Vec::new();
    for router in [1, 2] {
        let [StationMessage::RouterUp { .. }, StationMessage::RouterDown { reason, .. }] =
            got[&router].as_slice()
        else {
            panic!("router {router}: {:?}", got[&router])
        };
        let DownReason::Malformed(e) = reason else {
            panic!("router {router}: {reason:?}")
        };
        malformed.push(e.kind);
        let stats = stats_of(&station, router);
        assert_eq!((stats.errors, stats.connected), (1, false));
    }
    malformed.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(
        malformed,
        [
            ErrorKind::BadBmpLength(u32::MAX),
            ErrorKind::BadBmpVersion(1)
        ]
    );

    let good_got = &got[&0];
    let rms: Vec<&Vec<u8>> = good_got
        .iter()
        .filter_map(|m| match m {
            StationMessage::Message { bytes, .. } if bytes[5] == 0 => Some(bytes),
            _ => None,
        })
        .collect();
    assert_eq!(rms, sent.iter().collect::<Vec<_>>());
    assert_eq!(
        good_got.last(),
        Some(&StationMessage::RouterDown {
            router: 0,
            reason: DownReason::Terminated(Some(1)),
        })
    );
    let stats = stats_of(&station, 0);
    assert_eq!((stats.errors, stats.unknown, stats.messages), (1, 1, 105));
    assert_eq!(stats.down, Some(DownReason::Terminated(Some(1))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_in_tiny_writes_is_framed_whole() {
    let (station, mut rx) = station(8).await;
    let p = peer(Ipv4Addr::new(192, 0, 2, 2), 64_500);
    let messages = [
        peer_up(p),
        route_monitoring(&p, &[route(7), route(8)]),
        termination(0),
    ];
    let mut stream = connect(&station).await;
    for piece in messages.concat().chunks(3) {
        stream.write_all(piece).await.unwrap();
        sleep(Duration::from_millis(1)).await;
    }
    let got = until_down(&mut rx, 1).await;
    let handed: Vec<&Vec<u8>> = got[&0]
        .iter()
        .filter_map(|m| match m {
            StationMessage::Message { bytes, .. } => Some(bytes),
            _ => None,
        })
        .collect();
    assert_eq!(handed, messages.iter().collect::<Vec<_>>());
    let StationMessage::Message {
        bytes, add_path, ..
    } = &got[&0][2]
    else {
        panic!("not a message")
    };
    assert_eq!(announced(0, bytes, *add_path), [route(7), route(8)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_channel_slows_the_reader_and_loses_nothing() {
    const CAPACITY: usize = 4;
    const MESSAGES: u32 = 10_000;
    let (station, mut rx) = station(CAPACITY).await;
    let p = peer(Ipv4Addr::new(192, 0, 2, 2), 64_500);
    let mut stream = connect(&station).await;
    let writer = tokio::spawn(async move {
        stream.write_all(&peer_up(p)).await.unwrap();
        for i in 0..MESSAGES {
            stream
                .write_all(&route_monitoring(&p, &[route(i)]))
                .await
                .unwrap();
        }
        stream.write_all(&termination(0)).await.unwrap();
    });

    // Nobody reads: the station stops at what the channel holds and the
    // one message waiting to go in.
    sleep(Duration::from_millis(300)).await;
    let framed = stats_of(&station, 0).messages;
    assert!(framed <= CAPACITY as u64 + 1, "{framed} messages framed");

    let got = until_down(&mut rx, 1).await;
    writer.await.unwrap();
    let mut routes = Vec::new();
    for m in &got[&0] {
        if let StationMessage::Message {
            bytes, add_path, ..
        } = m
        {
            routes.extend(announced(0, bytes, *add_path));
        }
    }
    assert_eq!(routes, (0..MESSAGES).map(route).collect::<Vec<_>>());
    assert_eq!(stats_of(&station, 0).messages, u64::from(MESSAGES) + 2);
}

/// A GoBGP daemon (Debian `gobgpd` 3.10) sending BMP to the station, with
/// no BGP listener and its API on a free loopback port; killed on drop.
struct GoBgp {
    daemon: Child,
    api_port: u16,
    _dir: tempfile::TempDir,
}

impl GoBgp {
    /// Starts GoBGP as AS4837 sending its Loc-RIB to `station`.
    fn start(station: SocketAddr) -> GoBgp {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("gobgpd.toml");
        let toml = format!(
            "[global.config]\n  as = 4837\n  router-id = \"10.0.0.1\"\n  port = -1\n\
             [[bmp-servers]]\n  [bmp-servers.config]\n    address = \"{}\"\n    port = {}\n    \
             route-monitoring-policy = \"local-rib\"\n",
            station.ip(),
            station.port()
        );
        std::fs::write(&config, toml).unwrap();
        // A port free a moment ago: GoBGP takes it for its API.
        let api_port = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let daemon = Command::new("gobgpd")
            .arg("-f")
            .arg(&config)
            .arg("--api-hosts")
            .arg(format!("127.0.0.1:{api_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gobgpd runs (Debian package gobgpd)");
        GoBgp {
            daemon,
            api_port,
            _dir: dir,
        }
    }

    /// Announces `prefix` with the path `131279` from the CLI.
    async fn announce(&self, prefix: &str) {
        gobgp::announce(self.api_port, prefix, PATIENCE).await;
    }
}

impl Drop for GoBgp {
    fn drop(&mut self) {
        // Already gone is fine: the test may have stopped it.
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gobgp_streams_its_routes_to_the_station() {
    let (station, mut rx) = station(64).await;
    let mut gobgp = GoBgp::start(station.local_addr());
    let StationMessage::RouterUp { router, .. } = next(&mut rx).await else {
        panic!("GoBGP's connection comes first")
    };
    gobgp.announce("175.45.176.0/24").await;
    let prefix: Prefix = "175.45.176.0/24".parse().unwrap();
    loop {
        let StationMessage::Message {
            router: from,
            bytes,
            add_path,
        } = next(&mut rx).await
        else {
            panic!("GoBGP's connection stays up")
        };
        assert_eq!(from, router);
        let routes = announced(router, &bytes, add_path);
        if routes.iter().any(|r| r.prefix == prefix) {
            break;
        }
    }
    assert_eq!(
        stats_of(&station, router).sys_name.as_deref(),
        Some("GoBGP")
    );

    gobgp.daemon.kill().unwrap();
    let got = until_down(&mut rx, 1).await;
    let Some(StationMessage::RouterDown { reason, .. }) = got[&router].last() else {
        panic!("GoBGP's router goes down")
    };
    assert!(
        matches!(reason, DownReason::Closed | DownReason::Io(_)),
        "{reason:?}"
    );
}
