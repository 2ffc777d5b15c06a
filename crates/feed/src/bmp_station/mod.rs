//! The BMP station: the live source at the edge of the pipeline where
//! routers connect over TCP and stream their peers' sessions and routes
//! (RFC 7854). It accepts many routers at once, numbers each connection
//! with the collector index its route events will carry, frames each
//! stream into messages and hands them, in order per router, to a bounded
//! channel; the consumer decodes them with `wire::bmp::route_events`.
//!
//! The station decodes only what it needs to hand messages on: the common
//! header (`framer`), and in `connection` the Initiation's sysName, each
//! Peer Up's ADD-PATH state (kept per session, since a Route Monitoring
//! message cannot be read without it) and Termination. [`stats`] holds
//! what `/api/v1/sources` shows of each router, [`config`] the settings.

pub mod config;
mod connection;
mod framer;
pub mod stats;

pub use config::StationConfig;
pub use stats::RouterStats;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use wire::bmp::AddPath;
use wire::WireError;

use crate::accept::{self, Accepting};
use stats::Registry;

/// What the station hands on, in order for each router.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StationMessage {
    /// A router connected; its messages follow.
    RouterUp {
        /// The collector index of this connection.
        router: u16,
        /// The router's address and port.
        addr: SocketAddr,
    },
    /// One whole BMP message of a known type, common header included, for
    /// `wire::bmp::Message::decode` and then `wire::bmp::route_events` with
    /// `router` as the collector and this `add_path`.
    Message {
        /// The collector index of the connection it came on.
        router: u16,
        /// The message.
        bytes: Vec<u8>,
        /// The ADD-PATH state of the message's session, as its Peer Up
        /// negotiated ([`AddPath::NONE`] before any Peer Up and for
        /// messages without a session).
        add_path: AddPath,
    },
    /// A router's connection ended: every peer of that router is down, and
    /// all their routes with them.
    RouterDown {
        /// The collector index of the connection.
        router: u16,
        /// Why it ended.
        reason: DownReason,
    },
}

/// Why a router's connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownReason {
    /// The router sent a Termination, with its reason code if it gave one
    /// (`wire::bmp::termination_tlv::REASON`).
    Terminated(Option<u16>),
    /// The router closed the connection between two messages.
    Closed,
    /// The router closed the connection in the middle of a message, of
    /// which this many bytes had arrived.
    Truncated(usize),
    /// The stream could not be framed (a version other than 3, a length
    /// out of range): nothing after it can be read.
    Malformed(WireError),
    /// Reading the socket failed.
    Io(io::ErrorKind),
}

impl DownReason {
    /// True when the connection ended on a problem rather than as the
    /// router chose.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            DownReason::Truncated(_) | DownReason::Malformed(_) | DownReason::Io(_)
        )
    }
}

impl fmt::Display for DownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DownReason::Terminated(Some(code)) => write!(f, "terminated (reason {code})"),
            DownReason::Terminated(None) => f.write_str("terminated"),
            DownReason::Closed => f.write_str("closed by the router"),
            DownReason::Truncated(n) => {
                write!(f, "closed by the router {n} bytes into a message")
            }
            DownReason::Malformed(e) => write!(f, "malformed stream: {e}"),
            DownReason::Io(kind) => write!(f, "read failed: {kind}"),
        }
    }
}

/// A running station. Dropping it stops the station: the listener and
/// every router connection are closed; so does dropping its receiver.
#[derive(Debug)]
pub struct Station {
    local_addr: SocketAddr,
    registry: Arc<Registry>,
    _accepting: Accepting,
}

impl Station {
    /// The address the station listens on (with the port the system chose
    /// when the configured one was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Every connected router and the most recently disconnected ones
    /// ([`StationConfig::retain_closed`]), by collector index.
    pub fn routers(&self) -> Vec<RouterStats> {
        self.registry.snapshot()
    }
}

/// Starts a station on the current tokio runtime: binds the configured
/// address and accepts routers until the station or the receiver is
/// dropped. Fails only when the address cannot be bound. Indexes count
/// up from `first_router` and are never reused; once they run out, new
/// connections are closed at once.
pub async fn listen(
    config: StationConfig,
) -> io::Result<(Station, mpsc::Receiver<StationMessage>)> {
    let listener = TcpListener::bind(config.listen).await?;
    let local_addr = listener.local_addr()?;
    let (tx, rx) = mpsc::channel(config.channel_capacity.max(1));
    let registry = Arc::new(Registry::new(config.retain_closed));
    let mut next = Some(config.first_router);
    let tallies = Arc::clone(&registry);
    let accepting = accept::spawn(listener, tx, move |stream, addr, tx| {
        let router = next?;
        next = router.checked_add(1);
        let tally = tallies.add(router, addr);
        Some(Box::pin(connection::serve(stream, router, addr, tally, tx.clone())) as accept::Serve)
    });
    let station = Station {
        local_addr,
        registry,
        _accepting: accepting,
    };
    Ok((station, rx))
}
