//! The RIS Live client: keeps a WebSocket subscription open, turns what
//! it reads into [`LiveMessage`]s and hands them to a bounded channel. The
//! last step of the RIS Live source; the consumer decodes the UPDATE bytes
//! with `wire` like any other source's.
//!
//! The channel is bounded and the socket is read only when the previous
//! message has been taken, so a slow consumer slows the server (TCP
//! backpressure) instead of filling memory. After a drop the client
//! reconnects with exponential backoff and, once subscribed again, sends a
//! [`LiveMessage::Gap`]: what changed meanwhile is unknown, which is not
//! the same as withdrawn. Bad messages are counted in [`ClientStats`] and
//! skipped; nothing the server sends ends the stream.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};
use wire::event::Timestamp;

use super::protocol::{parse, ping, subscribe, Filters, ParseError, RisMessage, ServerMessage};
use super::to_update::{convert, Converted, PeerChange};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How to reach RIS Live and what to ask it for.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RisLiveConfig {
    /// The WebSocket address (`wss://` for the real service).
    #[serde(default = "default_url")]
    pub url: String,
    /// The subscription's filters.
    #[serde(default)]
    pub filters: Filters,
    /// Ask for each message's original bytes, used in preference to the
    /// JSON (they carry every attribute).
    #[serde(default)]
    pub include_raw: bool,
    /// First wait before reconnecting, in milliseconds; doubled at each
    /// failed attempt.
    #[serde(default = "default_backoff_base_ms")]
    pub backoff_base_ms: u64,
    /// Longest wait before reconnecting, in milliseconds.
    #[serde(default = "default_backoff_cap_ms")]
    pub backoff_cap_ms: u64,
    /// A connection silent this long (milliseconds), even to the `ping`
    /// sent halfway, is taken as dropped, and so is a connection attempt
    /// that takes longer.
    #[serde(default = "default_idle_timeout_ms")]
    pub idle_timeout_ms: u64,
    /// Messages the channel holds before the socket stops being read.
    #[serde(default = "default_channel_capacity")]
    pub channel_capacity: usize,
}

fn default_url() -> String {
    "wss://ris-live.ripe.net/v1/ws/?client=darkwatch".to_owned()
}

fn default_backoff_base_ms() -> u64 {
    1_000
}

fn default_backoff_cap_ms() -> u64 {
    60_000
}

fn default_idle_timeout_ms() -> u64 {
    60_000
}

fn default_channel_capacity() -> usize {
    1_024
}

impl Default for RisLiveConfig {
    fn default() -> RisLiveConfig {
        RisLiveConfig {
            url: default_url(),
            filters: Filters::default(),
            include_raw: false,
            backoff_base_ms: default_backoff_base_ms(),
            backoff_cap_ms: default_backoff_cap_ms(),
            idle_timeout_ms: default_idle_timeout_ms(),
            channel_capacity: default_channel_capacity(),
        }
    }
}

/// A peer of a RIS collector. With the collector's name it is the vantage
/// point; the consumer maps names to its `PeerKey` collector indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LivePeer {
    /// Peer address.
    pub addr: IpAddr,
    /// Peer AS.
    pub asn: u32,
}

/// What the client hands on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveMessage {
    /// A BGP UPDATE a collector received, as bytes (header included, 4-byte
    /// AS numbers, no ADD-PATH) for `wire::bgp::Message::read`.
    Update {
        /// The collector (`rrc00`, …).
        collector: String,
        /// Who sent it.
        peer: LivePeer,
        /// When the collector received it.
        time: Timestamp,
        /// The message.
        bytes: Vec<u8>,
    },
    /// A collector's session with a peer went up or down.
    PeerState {
        /// The collector.
        collector: String,
        /// The peer.
        peer: LivePeer,
        /// When.
        time: Timestamp,
        /// Up or down.
        change: PeerChange,
    },
    /// The stream was interrupted from `since` (the drop) to `until` (the
    /// new subscription), wall-clock times: routes may have changed
    /// meanwhile and their state is unknown, not withdrawn.
    Gap {
        /// When the connection was lost.
        since: Timestamp,
        /// When the new subscription was in place.
        until: Timestamp,
    },
}

/// Exponential backoff between connection attempts: `base`, doubled after
/// each failure, never above `cap`. No jitter: one client per collector
/// set does not make a thundering herd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
}

impl Backoff {
    /// A backoff starting at `base` and capped at `cap`.
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            base,
            cap,
            failures: 0,
        }
    }

    /// The wait before the next attempt; each call doubles the next one.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 2u32.saturating_pow(self.failures);
        self.failures = self.failures.saturating_add(1);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// Starts again from `base` (after a successful connection).
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// Counters of what the client read, shared with whoever watches it.
#[derive(Debug, Default)]
pub struct ClientStats {
    messages: AtomicU64,
    updates: AtomicU64,
    peer_states: AtomicU64,
    malformed: AtomicU64,
    unknown: AtomicU64,
    server_errors: AtomicU64,
    connections: AtomicU64,
    gaps: AtomicU64,
    last_problem: Mutex<Option<String>>,
}

/// The counters of [`ClientStats`] at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Text messages read.
    pub messages: u64,
    /// UPDATE messages handed on.
    pub updates: u64,
    /// Peer state changes handed on.
    pub peer_states: u64,
    /// Messages skipped because they could not be read or converted.
    pub malformed: u64,
    /// Messages of unknown types, skipped.
    pub unknown: u64,
    /// `ris_error` messages.
    pub server_errors: u64,
    /// Subscriptions made (the first one and every reconnect).
    pub connections: u64,
    /// Gap markers sent.
    pub gaps: u64,
    /// The latest problem: a skipped message, a server error, a drop.
    pub last_problem: Option<String>,
}

impl ClientStats {
    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            messages: get(&self.messages),
            updates: get(&self.updates),
            peer_states: get(&self.peer_states),
            malformed: get(&self.malformed),
            unknown: get(&self.unknown),
            server_errors: get(&self.server_errors),
            connections: get(&self.connections),
            gaps: get(&self.gaps),
            last_problem: self.last_problem.lock().ok().and_then(|p| p.clone()),
        }
    }

    fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn problem(&self, counter: Option<&AtomicU64>, text: String) {
        if let Some(c) = counter {
            Self::count(c);
        }
        if let Ok(mut last) = self.last_problem.lock() {
            *last = Some(text);
        }
    }
}

/// A running client: its output, its counters and its task.
#[derive(Debug)]
pub struct LiveFeed {
    /// The messages, in the order read.
    pub messages: mpsc::Receiver<LiveMessage>,
    /// The client's counters.
    pub stats: Arc<ClientStats>,
    /// The client's task; it ends once `messages` is dropped.
    pub task: JoinHandle<()>,
}

/// Starts a client on the current tokio runtime. Fails only when TLS
/// cannot be set up.
pub fn spawn(config: RisLiveConfig) -> Result<LiveFeed, rustls::Error> {
    let tls = tls_config()?;
    let (tx, messages) = mpsc::channel(config.channel_capacity.max(1));
    let stats = Arc::new(ClientStats::default());
    let task = tokio::spawn(run_with(config, tls, tx, Arc::clone(&stats)));
    Ok(LiveFeed {
        messages,
        stats,
        task,
    })
}

/// Runs a client until `tx`'s receiver is dropped, reconnecting as long
/// as it takes. Fails only when TLS cannot be set up.
pub async fn run(
    config: RisLiveConfig,
    tx: mpsc::Sender<LiveMessage>,
    stats: Arc<ClientStats>,
) -> Result<(), rustls::Error> {
    run_with(config, tls_config()?, tx, stats).await;
    Ok(())
}

/// TLS with the webpki roots and the ring provider named here, so nothing
/// depends on a process-wide default provider being installed.
fn tls_config() -> Result<Arc<rustls::ClientConfig>, rustls::Error> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// How a connection ended.
enum Ended {
    /// The consumer is gone: stop.
    ConsumerGone,
    /// The connection was lost, for this reason: reconnect.
    Dropped(String),
}

async fn run_with(
    config: RisLiveConfig,
    tls: Arc<rustls::ClientConfig>,
    tx: mpsc::Sender<LiveMessage>,
    stats: Arc<ClientStats>,
) {
    let idle = Duration::from_millis(config.idle_timeout_ms);
    let mut backoff = Backoff::new(
        Duration::from_millis(config.backoff_base_ms),
        Duration::from_millis(config.backoff_cap_ms),
    );
    // Set when a connection is lost, taken when the next one is made.
    let mut dropped_at = None;
    loop {
        match connect(&config, &tls, idle).await {
            Ok(socket) => {
                ClientStats::count(&stats.connections);
                backoff.reset();
                if let Some(since) = dropped_at.take() {
                    ClientStats::count(&stats.gaps);
                    let gap = LiveMessage::Gap {
                        since,
                        until: now(),
                    };
                    if tx.send(gap).await.is_err() {
                        return;
                    }
                }
                match read(socket, idle, &tx, &stats).await {
                    Ended::ConsumerGone => return,
                    Ended::Dropped(reason) => {
                        stats.problem(None, format!("connection lost: {reason}"));
                        dropped_at = Some(now());
                    }
                }
            }
            Err(reason) => stats.problem(None, format!("cannot connect: {reason}")),
        }
        tokio::select! {
            () = tx.closed() => return,
            () = sleep(backoff.next_delay()) => {}
        }
    }
}

/// Opens the WebSocket and sends the subscription, within `limit`.
async fn connect(
    config: &RisLiveConfig,
    tls: &Arc<rustls::ClientConfig>,
    limit: Duration,
) -> Result<Socket, String> {
    let attempt = async {
        let connector = Some(Connector::Rustls(Arc::clone(tls)));
        let (mut socket, _) = tokio_tungstenite::connect_async_tls_with_config(
            config.url.as_str(),
            None,
            false,
            connector,
        )
        .await
        .map_err(|e| e.to_string())?;
        let request = subscribe(&config.filters, config.include_raw);
        socket
            .send(Message::text(request))
            .await
            .map_err(|e| e.to_string())?;
        Ok(socket)
    };
    timeout(limit, attempt)
        .await
        .unwrap_or_else(|_| Err(format!("no answer in {limit:?}")))
}

/// Reads `socket` until it ends or the consumer goes away. Each message is
/// handed on before the next is read: the backpressure.
async fn read(
    mut socket: Socket,
    idle: Duration,
    tx: &mpsc::Sender<LiveMessage>,
    stats: &ClientStats,
) -> Ended {
    // A narrow subscription can be quiet for hours: after half the idle
    // time a `ping` asks the server for a sign of life, and only a second
    // silent half ends the connection.
    let mut pinged = false;
    loop {
        // Waiting on the consumer too, so a quiet stream still notices
        // that nobody listens any more.
        let next = tokio::select! {
            () = tx.closed() => return Ended::ConsumerGone,
            next = timeout(idle / 2, socket.next()) => next,
        };
        let message = match next {
            Err(_) if !pinged => {
                pinged = true;
                if let Err(e) = socket.send(Message::text(ping())).await {
                    return Ended::Dropped(e.to_string());
                }
                continue;
            }
            Err(_) => return Ended::Dropped(format!("silent for {idle:?}")),
            Ok(None) => return Ended::Dropped("closed".to_owned()),
            Ok(Some(Err(e))) => return Ended::Dropped(e.to_string()),
            Ok(Some(Ok(message))) => message,
        };
        pinged = false;
        match message {
            Message::Text(text) => {
                for out in interpret(text.as_str(), stats) {
                    if tx.send(out).await.is_err() {
                        return Ended::ConsumerGone;
                    }
                }
            }
            // The library queues the pong; flushing sends it now rather
            // than with the next write, which a client may never make.
            Message::Ping(_) => {
                if let Err(e) = socket.flush().await {
                    return Ended::Dropped(e.to_string());
                }
            }
            Message::Close(_) => return Ended::Dropped("closed by the server".to_owned()),
            Message::Binary(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}

/// What one text message means, counted in `stats`.
fn interpret(text: &str, stats: &ClientStats) -> Vec<LiveMessage> {
    ClientStats::count(&stats.messages);
    let message = match parse(text) {
        Ok(ServerMessage::Message(message)) => message,
        Ok(ServerMessage::Error(reason)) => {
            stats.problem(Some(&stats.server_errors), format!("ris_error: {reason}"));
            return Vec::new();
        }
        Ok(ServerMessage::Unknown(kind)) => {
            stats.problem(
                Some(&stats.unknown),
                format!("unknown message type `{kind}`"),
            );
            return Vec::new();
        }
        Ok(ServerMessage::SubscribeOk | ServerMessage::Pong) => return Vec::new(),
        Err(e) => {
            stats.problem(Some(&stats.malformed), e.to_string());
            return Vec::new();
        }
    };
    match convert(&message) {
        Ok(Converted::Updates(updates)) => updates
            .into_iter()
            .map(|bytes| {
                ClientStats::count(&stats.updates);
                let (collector, peer, time) = origin_of(&message);
                LiveMessage::Update {
                    collector,
                    peer,
                    time,
                    bytes,
                }
            })
            .collect(),
        Ok(Converted::Peer(change)) => {
            ClientStats::count(&stats.peer_states);
            let (collector, peer, time) = origin_of(&message);
            vec![LiveMessage::PeerState {
                collector,
                peer,
                time,
                change,
            }]
        }
        Ok(Converted::Nothing) => Vec::new(),
        Err(e) => {
            let error = ParseError::new(e.to_string(), text);
            stats.problem(Some(&stats.malformed), error.to_string());
            Vec::new()
        }
    }
}

/// Collector, peer and time of a message.
fn origin_of(message: &RisMessage) -> (String, LivePeer, Timestamp) {
    let peer = LivePeer {
        addr: message.peer,
        asn: message.peer_asn,
    };
    (message.host.clone(), peer, seconds(message.timestamp))
}

/// Fractional seconds as a [`Timestamp`]; negative and NaN times are 0
/// (the float-to-integer cast saturates).
fn seconds(value: f64) -> Timestamp {
    Timestamp((value.max(0.0) * 1e6).round() as u64)
}

fn now() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(u64::try_from(since_epoch.as_micros()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_resets() {
        let ms = Duration::from_millis;
        let mut b = Backoff::new(ms(100), ms(1_000));
        let delays: Vec<_> = (0..6).map(|_| b.next_delay()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1_000, 1_000].map(ms));
        for _ in 0..100 {
            assert_eq!(b.next_delay(), ms(1_000));
        }
        b.reset();
        assert_eq!(b.next_delay(), ms(100));
    }

    #[test]
    fn times_keep_their_microseconds() {
        assert_eq!(seconds(1_700_000_000.25), Timestamp(1_700_000_000_250_000));
        assert_eq!(seconds(-3.0), Timestamp(0));
        assert_eq!(seconds(f64::NAN), Timestamp(0));
    }

    #[test]
    fn config_rejects_unknown_fields() {
        let ok: RisLiveConfig = serde_json::from_str(
            r#"{"filters": {"host": "rrc00", "type": "UPDATE"}, "backoff_cap_ms": 5}"#,
        )
        .unwrap();
        assert_eq!(ok.filters.host.as_deref(), Some("rrc00"));
        assert_eq!(ok.backoff_base_ms, 1_000);
        assert!(serde_json::from_str::<RisLiveConfig>(r#"{"hots": "rrc00"}"#).is_err());
        assert!(serde_json::from_str::<RisLiveConfig>(r#"{"filters": {"prefix": "x"}}"#).is_err());
    }
}
