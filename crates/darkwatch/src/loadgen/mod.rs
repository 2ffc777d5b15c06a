//! `darkwatch loadgen bmp`: a load generator that plays BMP routers
//! (RFC 7854) for benchmarks and soak tests of the live BMP source. It
//! connects to a station, then sends what a router sends on startup:
//! Initiation, a Peer Up per monitored peer, every peer's full table in
//! Route Monitoring messages, an End-of-RIB per peer and family, and on
//! request a withdrawal of every route and a Termination. On request one
//! more peer, on a router of its own, flaps its session while the others
//! send their tables (`--flap N`): Peer Down, Peer Up and its (small)
//! table again, N times.
//!
//! Every byte is encoded (with `wire::encode`) before the clock starts,
//! then written as fast as the sockets take them, one thread per
//! connection; the run ends with one JSON line on stdout. The same
//! arguments always give the same bytes. The routes are `synth-table`'s
//! synthetic table ([`table::Synthetic`]) or a RIB file's
//! ([`table::Rib`]); [`stream`] lays out each router's stream.

mod stream;
mod table;

use std::io::{ErrorKind, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use wire::bmp::{PeerHeader, PeerType};

use stream::{Counts, Ending, Stream};
use table::{Rib, Routes, Synthetic};

/// Arguments of `darkwatch loadgen`.
#[derive(Args, Debug)]
pub struct LoadgenArgs {
    #[command(subcommand)]
    protocol: Protocol,
}

/// The protocols the generator speaks.
#[derive(Subcommand, Debug)]
enum Protocol {
    /// Play BMP routers: Initiation, Peer Ups, every peer's full table,
    /// End-of-RIBs; optionally one more peer flapping its session.
    Bmp(BmpArgs),
}

/// Arguments of `darkwatch loadgen bmp`.
#[derive(Args, Debug)]
struct BmpArgs {
    /// The BMP station to connect to, as HOST:PORT.
    #[arg(long, value_name = "ADDR")]
    to: String,
    /// Monitored peers, each announcing the whole table (distinct
    /// addresses in 100.64.0.0/10 and 4-byte AS numbers from 400001).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=65_535))]
    peers: u32,
    /// Synthetic prefixes per peer, five IPv4 to one IPv6 (the default is
    /// synth-table's full table, 1,000,000 + 200,000).
    #[arg(long, default_value_t = 1_200_000, conflicts_with = "rib")]
    prefixes: u32,
    /// Announce the routes of this TABLE_DUMP_V2 RIB instead (any
    /// compression): peer N replays the file's Nth largest peer table.
    #[arg(long, value_name = "FILE")]
    rib: Option<PathBuf>,
    /// BMP connections (routers); the peers are dealt out among them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    connections: u32,
    /// After the End-of-RIBs, withdraw every route again.
    #[arg(long)]
    withdraw: bool,
    /// End each connection with a Termination message (the station then
    /// drops the router's routes).
    #[arg(long)]
    terminate: bool,
    /// Keep the connections open after sending, until interrupted, so the
    /// station keeps the routes (closing them takes the routes down).
    #[arg(long)]
    hold: bool,
    /// Seed of the synthetic table (the same as synth-table's).
    #[arg(long, default_value_t = 2014)]
    seed: u64,
    /// Time in the per-peer headers, in Unix seconds (default 2014-12-22
    /// 00:00:00 UTC, synth-table's).
    #[arg(long, default_value_t = 1_419_206_400)]
    time: u32,
    /// Add one more peer, numbered after the others and on a BMP
    /// connection of its own (a router named darkwatch-loadgen-flap),
    /// whose session flaps N times while the others send their tables:
    /// after its Peer Up and table, N times a Peer Down (the router
    /// closed the session: NOTIFICATION Hold Timer Expired), a Peer Up
    /// and its whole table again with its End-of-RIBs. Its table is
    /// synthetic (--flap-prefixes), also with --rib.
    #[arg(long, default_value_t = 0, value_name = "N")]
    flap: u32,
    /// Prefixes of the flapping peer's table: a synthetic table of its own
    /// (the same seed, five IPv4 to one IPv6), small so that each flap is
    /// cheap.
    #[arg(long, default_value_t = 1_000, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    flap_prefixes: u32,
    /// Milliseconds the flapping peer stays up with its table before
    /// each flap, and again down before coming back (0: back to back), to
    /// spread the flaps over the other peers' tables; the bytes are the
    /// same either way.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    flap_every: u64,
}

/// Runs `loadgen`.
pub fn run(args: &LoadgenArgs) -> anyhow::Result<()> {
    match &args.protocol {
        Protocol::Bmp(bmp) => run_bmp(bmp),
    }
}

/// A monitored peer the generator plays.
#[derive(Clone, Copy, Debug)]
struct Peer {
    /// Its number, from 0.
    index: usize,
    /// Its per-peer header: IPv4 address, BGP id, 4-byte AS.
    header: PeerHeader,
    /// Its IPv6 next hop (IPv4 routes have its address).
    next_hop_v6: Ipv6Addr,
}

impl Peer {
    /// Peer number `index` at `time`: 100.64.0.1 and AS400001 for the
    /// first, counting up.
    fn new(index: u32, time: u32) -> Peer {
        let addr = Ipv4Addr::from(u32::from(Ipv4Addr::new(100, 64, 0, 0)) + index + 1);
        Peer {
            index: index as usize,
            header: PeerHeader {
                peer_type: PeerType::Global,
                // IPv4 address, pre-policy Adj-RIB-In, 4-byte AS numbers.
                flags: 0,
                distinguisher: 0,
                addr: IpAddr::V4(addr),
                asn: 400_001 + index,
                bgp_id: addr,
                seconds: time,
                microseconds: 0,
            },
            next_hop_v6: Ipv6Addr::from(
                u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0)) + u128::from(index) + 1,
            ),
        }
    }

    /// The IPv4 next hop: the peer's address.
    fn next_hop_v4(&self) -> Ipv4Addr {
        match self.header.addr {
            IpAddr::V4(a) => a,
            IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
        }
    }
}

fn run_bmp(args: &BmpArgs) -> anyhow::Result<()> {
    if args.connections > args.peers {
        bail!(
            "--connections {} is more than --peers {}: every connection needs a peer",
            args.connections,
            args.peers
        );
    }
    let to = resolve(&args.to)?;
    let encoding = Instant::now();
    let mut routes = match &args.rib {
        Some(path) => Routes::Rib(Rib::read(path)?),
        None => Routes::Synthetic(Box::new(Synthetic::new(
            args.seed,
            args.prefixes,
            args.time,
        )?)),
    };
    let peers: Vec<Peer> = (0..args.peers).map(|i| Peer::new(i, args.time)).collect();
    let ending = Ending {
        withdraw: args.withdraw,
        terminate: args.terminate,
    };
    let mut streams = (0..args.connections as usize)
        .map(|c| {
            let mine: Vec<Peer> = peers
                .iter()
                .skip(c)
                .step_by(args.connections as usize)
                .copied()
                .collect();
            Stream::encode(
                &format!("darkwatch-loadgen-{c}"),
                &mine,
                &mut routes,
                ending,
            )
        })
        .collect::<anyhow::Result<Vec<Stream>>>()
        .context("encoding the BMP streams")?;
    drop(routes);
    let flapper = (args.flap > 0).then(|| Peer::new(args.peers, args.time));
    if let Some(peer) = &flapper {
        let mut small = Routes::Synthetic(Box::new(Synthetic::new(
            args.seed,
            args.flap_prefixes,
            args.time,
        )?));
        let stream = Stream::flapping(
            "darkwatch-loadgen-flap",
            peer,
            &mut small,
            args.flap,
            ending,
        )
        .context("encoding the flapping peer's BMP stream")?;
        streams.push(stream);
    }
    let counts = streams
        .iter()
        .fold(Counts::default(), |a, s| a.add(s.counts));
    let bytes: u64 = streams.iter().map(|s| s.bytes.len() as u64).sum();
    eprintln!(
        "darkwatch loadgen: {} routes of {} peers in {} messages ({bytes} bytes) encoded in {:.1} s; sending to {to}",
        counts.announced + counts.withdrawn,
        args.peers + u32::from(flapper.is_some()),
        counts.messages,
        encoding.elapsed().as_secs_f64()
    );

    let sent = send(to, &streams, Duration::from_millis(args.flap_every))?;
    let routes = counts.announced + counts.withdrawn;
    let seconds = sent.seconds;
    let summary = serde_json::json!({
        "peers": args.peers,
        "connections": streams.len(),
        "routes": routes,
        "announced": counts.announced,
        "withdrawn": counts.withdrawn,
        "messages": counts.messages,
        "peer_ups": counts.peer_ups,
        "peer_downs": counts.peer_downs,
        "end_of_ribs": counts.end_of_ribs,
        "flaps": args.flap,
        "flap_peer": flapper.map(|p| p.header.addr.to_string()),
        "flap_prefixes": flapper.map(|_| args.flap_prefixes),
        "bytes": bytes,
        "seconds": seconds,
        "routes_per_sec": routes as f64 / seconds.max(1e-9),
        "started": sent.started,
    });
    println!("{summary}");
    std::io::stdout().flush().context("writing the summary")?;
    if args.hold {
        eprintln!("darkwatch loadgen: holding the connections open; interrupt to close them");
        // The connections close when the process ends.
        let _open = sent.connections;
        loop {
            thread::park();
        }
    }
    Ok(())
}

/// The first address `to` names.
fn resolve(to: &str) -> anyhow::Result<SocketAddr> {
    to.to_socket_addrs()
        .with_context(|| format!("--to {to}: give the station as HOST:PORT, e.g. 127.0.0.1:11019"))?
        .next()
        .with_context(|| format!("--to {to}: the name has no address"))
}

/// What sending took.
struct Sent {
    /// When the first byte was sent, in Unix seconds.
    started: f64,
    /// From the first byte to the last one taken by the sockets.
    seconds: f64,
    connections: Vec<TcpStream>,
}

/// Connects one socket per stream, then writes all streams at once, one
/// thread each, pausing `pause` at each of a stream's pauses.
fn send(to: SocketAddr, streams: &[Stream], pause: Duration) -> anyhow::Result<Sent> {
    let sockets = streams
        .iter()
        .map(|_| {
            TcpStream::connect(to).with_context(|| {
                format!("connecting to {to}: is a BMP station listening there (darkwatch serve with a [[live.bmp]] source)?")
            })
        })
        .collect::<anyhow::Result<Vec<TcpStream>>>()?;
    let start = Barrier::new(streams.len() + 1);
    thread::scope(|scope| {
        let writers: Vec<_> = sockets
            .into_iter()
            .zip(streams)
            .enumerate()
            .map(|(i, (mut socket, stream))| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let mut from = 0;
                    for &at in stream.pauses.iter().chain([&stream.bytes.len()]) {
                        if from > 0 && !pause.is_zero() {
                            thread::sleep(pause);
                        }
                        write_all(&mut socket, &stream.bytes[from..at])
                            .with_context(|| format!("sending to {to} on connection {i}"))?;
                        from = at;
                    }
                    Ok(socket)
                })
            })
            .collect();
        start.wait();
        let started = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let clock = Instant::now();
        let connections = writers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| bail!("a sending thread panicked"))
            })
            .collect::<anyhow::Result<Vec<TcpStream>>>()?;
        Ok(Sent {
            started,
            seconds: clock.elapsed().as_secs_f64(),
            connections,
        })
    })
}

/// Writes all of `bytes`, saying how far it got when the station hangs up.
fn write_all(socket: &mut TcpStream, bytes: &[u8]) -> anyhow::Result<()> {
    let mut sent = 0;
    while let Some(rest) = bytes.get(sent..).filter(|r| !r.is_empty()) {
        match socket.write(rest) {
            Ok(0) => bail!(
                "the station stopped taking bytes after {sent} of {}",
                bytes.len()
            ),
            Ok(n) => sent += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => bail!(
                "{e} after {sent} of {} bytes: the station closed the connection; see its log",
                bytes.len()
            ),
        }
    }
    Ok(())
}
