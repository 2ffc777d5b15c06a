//! The passive BGP collector: the live source at the edge of the pipeline
//! that routers peer with over BGP (RFC 4271) and that never announces a
//! route. It accepts sessions only from configured neighbors, negotiates
//! what a listener needs (`open`), frames each stream into messages
//! (`framer`), keeps the hold and keepalive timers (`session`), applies
//! RFC 7606 to every UPDATE (`rfc7606`) and hands the UPDATEs, in order
//! per neighbor, to a bounded channel; the consumer decodes them with
//! `wire::bgp` and [`AddPathFamilies::attributes`]. A lost session is a
//! [`CollectorMessage::SessionDown`]: every route of that neighbor is gone.
//! [`stats`] holds what `/api/v1/sources` shows of each neighbor, [`config`]
//! the settings.

pub mod config;
mod framer;
mod notify;
mod open;
mod rfc7606;
mod session;
pub mod stats;

pub use config::{CollectorConfig, NeighborConfig};
pub use open::AddPathFamilies;
pub use stats::NeighborStats;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use wire::event::PeerKey;
use wire::AsnWidth;

use crate::accept::{self, Accepting};
use notify::Notify;
use stats::Registry;

/// What the collector hands on, in order for each neighbor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CollectorMessage {
    /// A neighbor's session reached Established; its UPDATEs follow.
    SessionUp {
        /// The neighbor.
        peer: PeerKey,
        /// The families its NLRI carry path ids in.
        add_path: AddPathFamilies,
        /// Both sides speak 4-octet AS numbers (RFC 6793).
        four_octet: bool,
    },
    /// One whole UPDATE, header included, for `wire::bgp::Message::read`
    /// and [`AddPathFamilies::attributes`]. A malformed UPDATE arrives as
    /// RFC 7606 has it: without discarded attributes, or as withdrawals.
    Update {
        /// The neighbor.
        peer: PeerKey,
        /// The message.
        bytes: Vec<u8>,
        /// The families its NLRI carry path ids in.
        add_path: AddPathFamilies,
        /// The width of its AS numbers.
        asn_width: AsnWidth,
    },
    /// A neighbor's session ended: all its routes are gone.
    SessionDown {
        /// The neighbor.
        peer: PeerKey,
        /// Why it ended.
        reason: DownReason,
    },
}

/// Why a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// The neighbor sent a NOTIFICATION.
    Received {
        /// Its error code.
        code: u8,
        /// Its error subcode.
        subcode: u8,
    },
    /// The collector sent a NOTIFICATION (a malformed message, an expired
    /// hold timer, an unacceptable OPEN) and closed the connection.
    Sent {
        /// Its error code (4 for Hold Timer Expired).
        code: u8,
        /// Its error subcode.
        subcode: u8,
    },
    /// The neighbor closed the connection without a NOTIFICATION.
    Closed,
    /// Reading or writing the socket failed.
    Io(io::ErrorKind),
}

impl DownReason {
    /// True when the session ended on a problem on our side of the
    /// connection rather than as the neighbor chose.
    pub fn is_error(&self) -> bool {
        matches!(self, DownReason::Sent { .. } | DownReason::Io(_))
    }

    fn sent(notify: &Notify) -> DownReason {
        DownReason::Sent {
            code: notify.code,
            subcode: notify.subcode,
        }
    }
}

impl fmt::Display for DownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownReason::Received { code, subcode } => {
                write!(f, "NOTIFICATION {code}/{subcode} received")
            }
            DownReason::Sent { code, subcode } => write!(f, "NOTIFICATION {code}/{subcode} sent"),
            DownReason::Closed => f.write_str("closed by the neighbor"),
            DownReason::Io(kind) => write!(f, "socket failed: {kind}"),
        }
    }
}

/// A running collector. Dropping it stops the collector: the listener and
/// every session are closed; so does dropping its receiver.
#[derive(Debug)]
pub struct Collector {
    local_addr: SocketAddr,
    registry: Arc<Registry>,
    _accepting: Accepting,
}

impl Collector {
    /// The address the collector listens on (with the port the system
    /// chose when the configured one was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Every configured neighbor's statistics, in configuration order.
    pub fn neighbors(&self) -> Vec<NeighborStats> {
        self.registry.snapshot()
    }

    /// Connections refused: from unconfigured addresses, or a second one
    /// from a neighbor already connected.
    pub fn refused(&self) -> u64 {
        self.registry.refused_count()
    }
}

/// Starts a collector on the current tokio runtime: binds the configured
/// address and serves neighbors until the collector or the receiver is
/// dropped. Fails when the address cannot be bound or the configuration
/// is invalid (a hold time of 1 or 2 s, RFC 4271 §4.2).
pub async fn listen(
    config: CollectorConfig,
) -> io::Result<(Collector, mpsc::Receiver<CollectorMessage>)> {
    if matches!(config.hold_time, 1 | 2) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "hold time must be 0 or at least 3 seconds",
        ));
    }
    let listener = TcpListener::bind(config.listen).await?;
    let local_addr = listener.local_addr()?;
    let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
    let registry = Arc::new(Registry::new(config.neighbors.iter().map(peer_key)));
    let tallies = Arc::clone(&registry);
    let accepting = accept::spawn(listener, tx, move |stream, addr, tx| {
        // An IPv4 neighbor on a dual-stack socket shows as an IPv4-mapped
        // IPv6 address.
        let ip = addr.ip().to_canonical();
        let claimed = config
            .neighbors
            .iter()
            .enumerate()
            .find(|(_, n)| n.addr == ip)
            .and_then(|(i, n)| Some((*n, tallies.claim(i)?)));
        Some(match claimed {
            Some((neighbor, tally)) => {
                let local = session::Local::of(&config);
                Box::pin(session::serve(stream, neighbor, local, tally, tx.clone()))
                    as accept::Serve
            }
            None => {
                tallies.refused();
                Box::pin(refuse(stream))
            }
        })
    });
    let collector = Collector {
        local_addr,
        registry,
        _accepting: accepting,
    };
    Ok((collector, rx))
}

/// How route events name a neighbor.
fn peer_key(neighbor: &NeighborConfig) -> PeerKey {
    PeerKey {
        collector: neighbor.collector,
        addr: neighbor.addr,
        asn: neighbor.asn,
    }
}

/// How long a refused connection may take to receive its NOTIFICATION.
const REFUSE_TIMEOUT: Duration = Duration::from_secs(5);

/// Tells a speaker the collector does not accept that it is refused, and
/// closes the connection.
async fn refuse(mut stream: TcpStream) {
    // The speaker may be gone or never read: nothing more to do then.
    let _ = timeout(REFUSE_TIMEOUT, async {
        stream.write_all(&Notify::rejected().encode()).await?;
        stream.shutdown().await
    })
    .await;
}
