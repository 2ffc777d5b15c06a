//! The passive BGP collector on 127.0.0.1, with neighbors played by TCP
//! clients speaking BGP with messages built by `wire::encode`: a session
//! comes up with the negotiated capabilities, its UPDATEs come out and
//! decode to the announced prefixes, malformed UPDATEs are handled as RFC
//! 7606 says and counted while the session survives what it should, a
//! NOTIFICATION or a silent neighbor ends the session, and unconfigured
//! speakers are refused. Last, a real router: GoBGP peers with the
//! collector and its route comes out.

#[path = "support/daemon.rs"]
mod daemon;
#[path = "support/gobgp.rs"]
mod gobgp;

use daemon::Daemon;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::Command;
use std::time::{Duration, Instant};

use feed::bgp_collector::{
    listen, AddPathFamilies, Collector, CollectorConfig, CollectorMessage, DownReason,
    NeighborConfig, NeighborStats,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc::Receiver;
use tokio::time::timeout;
use wire::attr::{code, flag};
use wire::bgp::{capability, Message};
use wire::encode::{self, attr, Capability};
use wire::event::PeerKey;
use wire::{AsnWidth, Nlri, Prefix, Reader};

/// Longest any test waits for the collector.
const PATIENCE: Duration = Duration::from_secs(30);

/// The neighbor's AS.
const PEER_AS: u32 = 65001;

/// Our AS: above 65535, so our OPEN carries AS_TRANS.
const OUR_AS: u32 = 4_200_000_000;

/// A collector on 127.0.0.1 as `asn`, accepting `neighbor` only.
async fn start(asn: u32, neighbor: NeighborConfig) -> (Collector, Receiver<CollectorMessage>) {
    let config = CollectorConfig {
        listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        asn,
        router_id: Ipv4Addr::new(192, 0, 2, 1),
        hold_time: 90,
        channel_capacity: 16,
        neighbors: vec![neighbor],
    };
    listen(config).await.unwrap()
}

/// A collector as [`OUR_AS`] whose neighbor is a test client on 127.0.0.1.
async fn collector() -> (Collector, Receiver<CollectorMessage>) {
    let neighbor = NeighborConfig {
        addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
        asn: PEER_AS,
        collector: 9,
    };
    start(OUR_AS, neighbor).await
}

/// A connection to the collector from `from`.
async fn connect(collector: &Collector, from: Ipv4Addr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    socket.connect(collector.local_addr()).await.unwrap()
}

/// The next whole BGP message from the collector; `None` at the end.
async fn read_message(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut message = vec![0; 19];
    timeout(PATIENCE, stream.read_exact(&mut message))
        .await
        .unwrap()
        .ok()?;
    let len = usize::from(u16::from_be_bytes([message[16], message[17]]));
    message.resize(len, 0);
    stream.read_exact(&mut message[19..]).await.ok()?;
    Some(message)
}

/// The OPEN of a neighbor sending ADD-PATH in IPv4 unicast.
fn open(asn: u32, hold_time: u16) -> Vec<u8> {
    let mut out = Vec::new();
    let caps = [
        Capability::Multiprotocol { afi: 1, safi: 1 },
        Capability::Multiprotocol { afi: 2, safi: 1 },
        Capability::FourOctetAs(asn),
        Capability::AddPath(&[(1, 1, 3)]),
    ];
    encode::open(&mut out, asn, hold_time, Ipv4Addr::new(10, 0, 0, 1), &caps).unwrap();
    out
}

fn keepalive() -> Vec<u8> {
    let mut out = Vec::new();
    encode::keepalive(&mut out);
    out
}

async fn next(rx: &mut Receiver<CollectorMessage>) -> CollectorMessage {
    timeout(PATIENCE, rx.recv())
        .await
        .expect("the collector hands something on")
        .expect("the collector runs")
}

/// Brings a session up from 127.0.0.1 with hold time `hold_time`, checks
/// the collector's OPEN and returns the stream.
async fn establish(
    collector: &Collector,
    rx: &mut Receiver<CollectorMessage>,
    hold_time: u16,
) -> TcpStream {
    let mut stream = connect(collector, Ipv4Addr::LOCALHOST).await;
    stream.write_all(&open(PEER_AS, hold_time)).await.unwrap();
    let ours = read_message(&mut stream).await.unwrap();
    let Message::Open(o) = Message::read(&mut Reader::new(&ours)).unwrap() else {
        panic!("the collector opens")
    };
    assert_eq!((o.my_asn, o.asn(), o.hold_time), (23456, OUR_AS, 90));
    let codes: Vec<u8> = o.capabilities().map(|c| c.unwrap().code).collect();
    for c in [
        capability::MULTIPROTOCOL,
        capability::FOUR_OCTET_AS,
        capability::ADD_PATH,
        capability::ROUTE_REFRESH,
        capability::GRACEFUL_RESTART,
    ] {
        assert!(codes.contains(&c), "capability {c} in {codes:?}");
    }
    assert_eq!(read_message(&mut stream).await.unwrap(), keepalive());
    stream.write_all(&keepalive()).await.unwrap();
    let CollectorMessage::SessionUp {
        peer,
        add_path,
        four_octet,
    } = next(rx).await
    else {
        panic!("the session comes up")
    };
    assert_eq!((peer.collector, peer.asn), (9, PEER_AS));
    assert_eq!(peer.addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(
        add_path,
        AddPathFamilies {
            ipv4: true,
            ipv6: false
        }
    );
    assert!(four_octet);
    stream
}

fn v4(third: u8, path_id: u32) -> Nlri {
    Nlri {
        prefix: Prefix::v4(Ipv4Addr::new(175, 45, third, 0), 24).unwrap(),
        path_id: Some(path_id),
    }
}

fn v6() -> Nlri {
    Nlri {
        prefix: Prefix::v6(Ipv6Addr::new(0x2001, 0xdb8, 1, 0, 0, 0, 0, 0), 48).unwrap(),
        path_id: None,
    }
}

/// Mandatory attributes, then `extra` as given.
fn attributes(extra: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    attr::route(&mut out, &[PEER_AS, 131_279]).unwrap();
    attr::next_hop(&mut out, Ipv4Addr::new(198, 51, 100, 2));
    out.extend_from_slice(extra);
    out
}

fn update(withdrawn: &[Nlri], attrs: &[u8], announced: &[Nlri]) -> Vec<u8> {
    let mut out = Vec::new();
    encode::update(&mut out, withdrawn, attrs, announced).unwrap();
    out
}

/// What an UPDATE the collector handed on says: (withdrawn, announced),
/// both families, and whether it carries an AGGREGATOR.
fn routes(message: &CollectorMessage) -> (Vec<Nlri>, Vec<Nlri>, bool) {
    let CollectorMessage::Update {
        bytes,
        add_path,
        asn_width,
        ..
    } = message
    else {
        panic!("an UPDATE, not {message:?}")
    };
    let Message::Update(u) = Message::read(&mut Reader::new(bytes)).unwrap() else {
        panic!("an UPDATE")
    };
    let attrs = add_path.attributes(&u, *asn_width);
    assert_eq!(attrs.error, None, "what comes out is well formed");
    let mut withdrawn: Vec<Nlri> = u.withdrawn(add_path.ipv4).map(Result::unwrap).collect();
    withdrawn.extend(
        attrs
            .mp_unreach
            .iter()
            .flat_map(|m| m.nlri().map(Result::unwrap)),
    );
    let mut announced: Vec<Nlri> = u.announced(add_path.ipv4).map(Result::unwrap).collect();
    announced.extend(
        attrs
            .mp_reach
            .iter()
            .flat_map(|m| m.nlri().map(Result::unwrap)),
    );
    (withdrawn, announced, attrs.aggregator.is_some())
}

fn stats(collector: &Collector) -> NeighborStats {
    collector.neighbors().remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_come_out_and_malformed_ones_follow_rfc_7606() {
    let (collector, mut rx) = collector().await;
    let mut stream = establish(&collector, &mut rx, 30).await;

    // Both families, path ids in IPv4 only, as negotiated.
    let mut mp = Vec::new();
    let next_hop = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2).octets();
    attr::mp_reach(&mut mp, 2, 1, &next_hop, &[v6()]).unwrap();
    stream
        .write_all(&update(&[], &attributes(&mp), &[v4(176, 1)]))
        .await
        .unwrap();
    assert_eq!(
        routes(&next(&mut rx).await),
        (vec![], vec![v4(176, 1), v6()], false)
    );

    // A malformed AGGREGATOR: attribute discard (RFC 7606 §7.7).
    let mut bad = Vec::new();
    attr::raw(
        &mut bad,
        flag::OPTIONAL | flag::TRANSITIVE,
        code::AGGREGATOR,
        &[1, 2, 3],
    )
    .unwrap();
    stream
        .write_all(&update(&[], &attributes(&bad), &[v4(177, 1)]))
        .await
        .unwrap();
    assert_eq!(
        routes(&next(&mut rx).await),
        (vec![], vec![v4(177, 1)], false)
    );

    // An undefined ORIGIN: treat-as-withdraw (§7.1), the withdrawn route
    // and the announced ones all withdrawn.
    let mut bad = vec![flag::TRANSITIVE, code::ORIGIN, 1, 7];
    let rest = attributes(&[]);
    bad.extend_from_slice(&rest[4..]);
    stream
        .write_all(&update(&[v4(176, 2)], &bad, &[v4(178, 1)]))
        .await
        .unwrap();
    assert_eq!(
        routes(&next(&mut rx).await),
        (vec![v4(176, 2), v4(178, 1)], vec![], false)
    );

    // A malformed COMMUNITIES beside IPv6 routes: treat-as-withdraw (§7.8)
    // through MP_UNREACH_NLRI.
    let mut bad = mp.clone();
    attr::raw(
        &mut bad,
        flag::OPTIONAL | flag::TRANSITIVE,
        code::COMMUNITIES,
        &[1, 2, 3],
    )
    .unwrap();
    stream
        .write_all(&update(&[], &attributes(&bad), &[]))
        .await
        .unwrap();
    assert_eq!(routes(&next(&mut rx).await), (vec![v6()], vec![], false));

    // The session survived: a good UPDATE still comes out.
    let mut agg = Vec::new();
    let aggregator = wire::attr::Aggregator {
        asn: PEER_AS,
        addr: Ipv4Addr::new(10, 0, 0, 1),
    };
    attr::aggregator(&mut agg, aggregator, AsnWidth::Four).unwrap();
    stream
        .write_all(&update(&[], &attributes(&agg), &[v4(179, 1)]))
        .await
        .unwrap();
    assert_eq!(
        routes(&next(&mut rx).await),
        (vec![], vec![v4(179, 1)], true)
    );

    let s = stats(&collector);
    assert_eq!(
        (
            s.updates,
            s.attribute_discard,
            s.treat_as_withdraw,
            s.session_resets
        ),
        (5, 1, 2, 0)
    );
    assert!(s.established);

    // The neighbor leaves with a Cease.
    let mut notification = Vec::new();
    encode::notification(&mut notification, 6, 2, &[]).unwrap();
    stream.write_all(&notification).await.unwrap();
    let CollectorMessage::SessionDown { reason, .. } = next(&mut rx).await else {
        panic!("the session goes down")
    };
    assert_eq!(
        reason,
        DownReason::Received {
            code: 6,
            subcode: 2
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_update_resets_the_session() {
    let (collector, mut rx) = collector().await;
    let mut stream = establish(&collector, &mut rx, 30).await;
    // An MP_REACH_NLRI next hop of 5 bytes: its NLRI cannot be found
    // (RFC 7606 §7.11).
    let mut bad = Vec::new();
    attr::mp_reach(&mut bad, 2, 1, &[1, 2, 3, 4, 5], &[v6()]).unwrap();
    stream
        .write_all(&update(&[], &attributes(&bad), &[]))
        .await
        .unwrap();
    let CollectorMessage::SessionDown { reason, .. } = next(&mut rx).await else {
        panic!("the session goes down")
    };
    assert_eq!(
        reason,
        DownReason::Sent {
            code: 3,
            subcode: 9
        }
    );
    let notification = read_message(&mut stream).await.unwrap();
    assert_eq!(
        (notification[18], notification[19], notification[20]),
        (3, 3, 9)
    );
    assert_eq!(read_message(&mut stream).await, None);
    assert_eq!(stats(&collector).session_resets, 1);

    // The neighbor may come back.
    drop(stream);
    let _stream = establish(&collector, &mut rx, 30).await;
    assert_eq!(stats(&collector).sessions, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_are_refused() {
    let (collector, mut rx) = collector().await;
    // An address that is not a neighbor: Cease, Connection Rejected.
    let mut stranger = connect(&collector, Ipv4Addr::new(127, 0, 0, 3)).await;
    stranger.write_all(&open(PEER_AS, 30)).await.unwrap();
    let notification = read_message(&mut stranger).await.unwrap();
    assert_eq!(
        (notification[18], notification[19], notification[20]),
        (3, 6, 5)
    );
    assert_eq!(read_message(&mut stranger).await, None);
    assert_eq!(collector.refused(), 1);

    // The neighbor's address with another AS: Bad Peer AS.
    let mut imposter = connect(&collector, Ipv4Addr::LOCALHOST).await;
    imposter.write_all(&open(64999, 30)).await.unwrap();
    let ours = read_message(&mut imposter).await.unwrap();
    assert_eq!(ours[18], 1, "the collector's OPEN comes first");
    let notification = read_message(&mut imposter).await.unwrap();
    assert_eq!(
        (notification[18], notification[19], notification[20]),
        (3, 2, 2)
    );
    assert!(!stats(&collector).established);
    assert!(
        timeout(Duration::from_millis(200), rx.recv())
            .await
            .is_err(),
        "nothing was up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_neighbor_expires_its_hold_timer() {
    let (collector, mut rx) = collector().await;
    let mut stream = establish(&collector, &mut rx, 3).await;
    let started = Instant::now();
    let mut keepalives = 0;
    let notification = loop {
        let message = read_message(&mut stream).await.unwrap();
        if message != keepalive() {
            break message;
        }
        keepalives += 1;
    };
    // Keepalives every second (a third of the 3 s hold time), then Hold
    // Timer Expired.
    assert!(keepalives >= 2, "{keepalives} keepalives");
    assert_eq!(
        (notification[18], notification[19], notification[20]),
        (3, 4, 0)
    );
    assert!(started.elapsed() >= Duration::from_millis(2_500));
    let CollectorMessage::SessionDown { reason, .. } = next(&mut rx).await else {
        panic!("the session goes down")
    };
    assert_eq!(
        reason,
        DownReason::Sent {
            code: 4,
            subcode: 0
        }
    );
}

/// A port free a moment ago, for a daemon to take.
fn free_port() -> u16 {
    std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits for a daemon's session to come up (its first connection may wait
/// several seconds), then for an UPDATE announcing `prefix`; returns the
/// neighbor and the route's AS path and next hop.
async fn route_comes_out(
    rx: &mut Receiver<CollectorMessage>,
    prefix: &str,
) -> (PeerKey, Vec<u32>, Option<Ipv4Addr>) {
    let up = timeout(Duration::from_secs(40), rx.recv())
        .await
        .unwrap()
        .unwrap();
    let CollectorMessage::SessionUp {
        peer, four_octet, ..
    } = up
    else {
        panic!("the session comes up first, not {up:?}")
    };
    assert!(four_octet);
    let prefix: Prefix = prefix.parse().unwrap();
    loop {
        let message = next(rx).await;
        let CollectorMessage::Update {
            bytes,
            add_path,
            asn_width,
            ..
        } = &message
        else {
            panic!("the session stays up, not {message:?}")
        };
        let Message::Update(u) = Message::read(&mut Reader::new(bytes)).unwrap() else {
            panic!("an UPDATE")
        };
        if u.announced(add_path.ipv4)
            .any(|n| n.unwrap().prefix == prefix)
        {
            let attrs = add_path.attributes(&u, *asn_width);
            return (peer, attrs.path().unwrap().asns().collect(), attrs.next_hop);
        }
    }
}

/// Waits for `peer`'s session to end as a killed daemon's does.
async fn killed_session_goes_down(rx: &mut Receiver<CollectorMessage>, peer: PeerKey) {
    loop {
        match next(rx).await {
            CollectorMessage::SessionDown { peer: down, reason } => {
                assert_eq!(down, peer);
                assert!(
                    matches!(reason, DownReason::Closed | DownReason::Io(_)),
                    "{reason:?}"
                );
                return;
            }
            CollectorMessage::Update { .. } => {}
            other => panic!("the session goes down, not {other:?}"),
        }
    }
}

/// GoBGP (Debian `gobgpd` 3.10) as AS4837 on 127.0.0.2, peering with the
/// collector at `collector` and passing on its next hops unchanged; its
/// own listener off and its API on a free loopback port.
struct GoBgp {
    daemon: Daemon,
    api_port: u16,
}

impl GoBgp {
    fn start(collector: SocketAddr, collector_as: u32) -> GoBgp {
        let config = format!(
            r#"[global.config]
  as = 4837
  router-id = "10.0.0.2"
  port = -1
  local-address-list = ["127.0.0.2"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "{addr}"
    peer-as = {collector_as}
  [neighbors.transport.config]
    local-address = "127.0.0.2"
    remote-port = {port}
  [neighbors.timers.config]
    connect-retry = 5
  [neighbors.apply-policy.config]
    export-policy-list = ["next-hop-unchanged"]
    default-export-policy = "accept-route"

[[policy-definitions]]
  name = "next-hop-unchanged"
  [[policy-definitions.statements]]
    name = "unchanged"
    [policy-definitions.statements.actions]
      route-disposition = "accept-route"
      [policy-definitions.statements.actions.bgp-actions]
        set-next-hop = "unchanged"
"#,
            addr = collector.ip(),
            port = collector.port(),
        );
        let api_port = free_port();
        let daemon = Daemon::start("gobgpd", "gobgpd", &config, |dir| {
            vec![
                "-f".into(),
                dir.join("config").display().to_string(),
                "-t".into(),
                "toml".into(),
                "--api-hosts".into(),
                format!("127.0.0.1:{api_port}"),
            ]
        });
        GoBgp { daemon, api_port }
    }

    /// Announces `prefix` with the path `131279` from the CLI.
    async fn announce(&self, prefix: &str) {
        gobgp::announce(self.api_port, prefix, PATIENCE).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gobgp_peers_and_its_route_comes_out() {
    let neighbor = NeighborConfig {
        addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
        asn: 4837,
        collector: 3,
    };
    let (collector, mut rx) = start(64512, neighbor).await;
    let mut gobgp = GoBgp::start(collector.local_addr(), 64512);
    gobgp.announce("175.45.176.0/24").await;
    let (peer, path, next_hop) = route_comes_out(&mut rx, "175.45.176.0/24").await;
    assert_eq!(
        (peer.collector, peer.addr, peer.asn),
        (3, neighbor.addr, 4837)
    );
    assert_eq!(path, [4837, 131_279]);
    assert_eq!(next_hop, Some(Ipv4Addr::new(198, 51, 100, 2)));
    assert_eq!(collector.neighbors()[0].sessions, 1);

    gobgp.daemon.kill();
    killed_session_goes_down(&mut rx, peer).await;
}

/// BIRD (Debian `bird2` 2.0.12) as AS65004 on 127.0.0.4, its own port a
/// free high one, peering with the collector at `collector` and exporting
/// one static route. `scripts/test` installs it; without it the test
/// fails.
fn bird(collector: SocketAddr, collector_as: u32) -> Daemon {
    assert!(
        Command::new("bird").arg("--version").output().is_ok(),
        "BIRD is not installed: run ./scripts/test, which installs Debian's bird2"
    );
    let config = format!(
        r#"router id 10.0.0.4;
protocol device {{ }}
protocol static {{
  ipv4;
  route 175.45.176.0/24 blackhole;
}}
protocol bgp collector {{
  local 127.0.0.4 port {local_port} as 65004;
  neighbor {addr} port {port} as {collector_as};
  multihop;
  strict bind yes;
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 10;
  ipv4 {{ import none; export all; }};
}}
"#,
        local_port = free_port(),
        addr = collector.ip(),
        port = collector.port(),
    );
    Daemon::start("bird", "bird", &config, |dir| {
        vec![
            "-f".into(),
            "-c".into(),
            dir.join("config").display().to_string(),
            "-s".into(),
            dir.join("bird.ctl").display().to_string(),
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bird_peers_and_its_route_comes_out() {
    let neighbor = NeighborConfig {
        addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 4)),
        asn: 65004,
        collector: 4,
    };
    let (collector, mut rx) = start(64512, neighbor).await;
    let mut bird = bird(collector.local_addr(), 64512);
    let (peer, path, next_hop) = route_comes_out(&mut rx, "175.45.176.0/24").await;
    assert_eq!((peer.collector, peer.asn), (4, 65004));
    assert_eq!(path, [65004]);
    // On eBGP BIRD sends its own address as the next hop.
    assert_eq!(next_hop, Some(Ipv4Addr::new(127, 0, 0, 4)));

    bird.kill();
    killed_session_goes_down(&mut rx, peer).await;
}
