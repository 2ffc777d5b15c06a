//! One neighbor's session with the collector, from the OPEN exchange to
//! its end (RFC 4271 §8, passive side): the only part of the live source
//! that touches a neighbor's socket. One task per connection, so a
//! neighbor's messages keep their order and its failures stay its own.

use std::net::Ipv4Addr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};
use wire::bgp::{msg_type, Message, HEADER_LEN};
use wire::event::PeerKey;
use wire::{encode, Reader};

use super::framer::Framer;
use super::notify::{code, Notify};
use super::open::{self, Negotiated};
use super::rfc7606::{self, Verdict};
use super::stats::{Handled, Tally};
use super::{peer_key, CollectorConfig, CollectorMessage, DownReason, NeighborConfig};

/// Bytes asked of the socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// The hold timer before the OPENs are exchanged: "a large value", 4
/// minutes suggested (RFC 4271 §8.2.2).
const OPEN_HOLD: Duration = Duration::from_secs(240);

/// Finite State Machine Error subcodes (RFC 6608 §3): a message the state
/// does not expect.
mod fsm {
    /// In OpenSent.
    pub const OPEN_SENT: u8 = 1;
    /// In OpenConfirm.
    pub const OPEN_CONFIRM: u8 = 2;
    /// In Established.
    pub const ESTABLISHED: u8 = 3;
}

/// Who the collector is, as its OPEN says.
#[derive(Clone, Copy, Debug)]
pub(super) struct Local {
    asn: u32,
    router_id: Ipv4Addr,
    hold_time: u16,
}

impl Local {
    /// The collector's side of every session.
    pub(super) fn of(config: &CollectorConfig) -> Local {
        Local {
            asn: config.asn,
            router_id: config.router_id,
            hold_time: config.hold_time,
        }
    }
}

/// Why a session ends.
enum End {
    /// Send this NOTIFICATION and close.
    Notify(Notify),
    /// Close: the neighbor ended the session, or the socket failed.
    Down(DownReason),
    /// The consumer is gone: nobody left to tell.
    Gone,
}

impl From<Notify> for End {
    fn from(notify: Notify) -> End {
        End::Notify(notify)
    }
}

/// Serves one neighbor's connection until its session ends, and says so
/// with [`CollectorMessage::SessionDown`] if it was Established.
pub(super) async fn serve(
    stream: TcpStream,
    neighbor: NeighborConfig,
    local: Local,
    tally: Tally,
    tx: mpsc::Sender<CollectorMessage>,
) {
    let peer = peer_key(&neighbor);
    let mut session = Session {
        stream,
        framer: Framer::default(),
        chunk: vec![0; READ_CHUNK],
        peer,
        tally,
        tx,
        hold: Some(OPEN_HOLD),
        hold_deadline: Some(Instant::now() + OPEN_HOLD),
        keepalive_at: None,
        established: false,
    };
    let end = session.run(neighbor.asn, local).await;
    let reason = match end {
        End::Gone => return,
        End::Down(reason) => reason,
        End::Notify(notify) => {
            // The neighbor may be gone already: closing is all that is left.
            let _ = session.stream.write_all(&notify.encode()).await;
            DownReason::sent(&notify)
        }
    };
    session.tally.down(reason);
    if session.established {
        // An error here means the consumer is gone: nobody left to tell.
        let _ = session
            .tx
            .send(CollectorMessage::SessionDown { peer, reason })
            .await;
    }
}

/// What one session keeps.
struct Session {
    stream: TcpStream,
    framer: Framer,
    chunk: Vec<u8>,
    peer: PeerKey,
    tally: Tally,
    tx: mpsc::Sender<CollectorMessage>,
    /// The hold time in force; `None` when 0 was negotiated.
    hold: Option<Duration>,
    /// When the hold timer expires unless a message arrives.
    hold_deadline: Option<Instant>,
    /// When the next KEEPALIVE is due; `None` before OpenConfirm and
    /// without a hold time.
    keepalive_at: Option<Instant>,
    /// The session reached Established.
    established: bool,
}

impl Session {
    /// Runs the session from OpenSent (RFC 4271 §8.2.2) until it ends.
    async fn run(&mut self, peer_asn: u32, local: Local) -> End {
        match self.establish(peer_asn, local).await {
            Ok(negotiated) => self.established(negotiated).await,
            Err(end) => end,
        }
    }

    /// Exchanges OPENs and KEEPALIVEs up to Established.
    async fn establish(&mut self, peer_asn: u32, local: Local) -> Result<Negotiated, End> {
        self.write(&open::ours(local.asn, local.router_id, local.hold_time))
            .await?;
        let negotiated = self.open_sent(peer_asn, local.hold_time).await?;
        self.open_confirm(negotiated).await?;
        Ok(negotiated)
    }

    /// Waits for the neighbor's OPEN and answers it with a KEEPALIVE.
    async fn open_sent(&mut self, peer_asn: u32, hold_time: u16) -> Result<Negotiated, End> {
        let bytes = self.next().await?;
        let negotiated = match decode(&bytes)? {
            Message::Open(open) => open::negotiate(&open, peer_asn, hold_time)?,
            _ => return Err(Notify::new(code::FSM, fsm::OPEN_SENT).into()),
        };
        self.hold =
            (negotiated.hold_time > 0).then(|| Duration::from_secs(negotiated.hold_time.into()));
        self.restart_hold();
        self.keepalive().await?;
        Ok(negotiated)
    }

    /// Waits for the KEEPALIVE that confirms our OPEN.
    async fn open_confirm(&mut self, negotiated: Negotiated) -> Result<(), End> {
        let bytes = self.next().await?;
        match decode(&bytes)? {
            Message::Keepalive => {}
            _ => return Err(Notify::new(code::FSM, fsm::OPEN_CONFIRM).into()),
        }
        self.established = true;
        self.tally.established();
        self.send(CollectorMessage::SessionUp {
            peer: self.peer,
            add_path: negotiated.add_path,
            four_octet: negotiated.four_octet,
        })
        .await
    }

    /// Hands on UPDATEs until the session ends.
    async fn established(&mut self, negotiated: Negotiated) -> End {
        loop {
            let bytes = match self.next().await {
                Ok(bytes) => bytes,
                Err(e) => return e,
            };
            let result = match bytes.get(HEADER_LEN - 1).copied() {
                Some(msg_type::UPDATE) => self.update(bytes, negotiated).await,
                // We never announce, so a refresh asks for nothing.
                Some(msg_type::KEEPALIVE | msg_type::ROUTE_REFRESH) => Ok(()),
                _ => decode(&bytes)
                    .and_then(|_| Err(Notify::new(code::FSM, fsm::ESTABLISHED).into())),
            };
            if let Err(e) = result {
                return e;
            }
        }
    }

    /// Hands on one UPDATE as RFC 7606 has it.
    async fn update(&mut self, bytes: Vec<u8>, negotiated: Negotiated) -> Result<(), End> {
        let messages = match rfc7606::judge(&bytes, &negotiated) {
            Verdict::Accept => vec![bytes],
            Verdict::Discard(bytes) => {
                self.tally.malformed(Handled::AttributeDiscard);
                vec![bytes]
            }
            Verdict::Withdraw(messages) => {
                self.tally.malformed(Handled::TreatAsWithdraw);
                messages
            }
            Verdict::Reset(notify) => {
                self.tally.malformed(Handled::SessionReset);
                return Err(notify.into());
            }
        };
        for bytes in messages {
            self.send(CollectorMessage::Update {
                peer: self.peer,
                bytes,
                add_path: negotiated.add_path,
                asn_width: negotiated.asn_width(),
            })
            .await?;
        }
        Ok(())
    }

    /// The next whole message, the hold timer restarted by it (RFC 4271
    /// §8.2.2); keepalives go out meanwhile.
    async fn next(&mut self) -> Result<Vec<u8>, End> {
        loop {
            if let Some(bytes) = self.framer.next_message()? {
                self.tally
                    .message(bytes.get(HEADER_LEN - 1) == Some(&msg_type::UPDATE));
                self.restart_hold();
                return Ok(bytes);
            }
            // Biased towards reading: after a wait on the consumer, the
            // messages already received count before the hold timer does.
            tokio::select! {
                biased;
                read = self.stream.read(&mut self.chunk) => match read {
                    Ok(0) => return Err(End::Down(DownReason::Closed)),
                    Ok(n) => self.framer.extend(self.chunk.get(..n).unwrap_or_default()),
                    Err(e) => return Err(End::Down(DownReason::Io(e.kind()))),
                },
                () = self.tx.closed() => return Err(End::Gone),
                () = until(self.keepalive_at) => self.keepalive().await?,
                () = until(self.hold_deadline) => {
                    return Err(Notify::new(code::HOLD_TIMER_EXPIRED, 0).into());
                }
            }
        }
    }

    /// Hands a message on; keepalives go out while the channel is full, so
    /// a slow consumer does not cost the session.
    async fn send(&mut self, message: CollectorMessage) -> Result<(), End> {
        // A handle of its own, so the keepalive branch may borrow the session.
        let tx = self.tx.clone();
        loop {
            tokio::select! {
                permit = tx.reserve() => {
                    let permit = permit.map_err(|_| End::Gone)?;
                    permit.send(message);
                    return Ok(());
                }
                () = until(self.keepalive_at) => self.keepalive().await?,
            }
        }
    }

    /// Sends a KEEPALIVE and schedules the next at a third of the hold
    /// time (RFC 4271 §10).
    async fn keepalive(&mut self) -> Result<(), End> {
        self.keepalive_at = self.hold.map(|h| Instant::now() + h / 3);
        let mut keepalive = Vec::new();
        encode::keepalive(&mut keepalive);
        self.write(&keepalive).await
    }

    fn restart_hold(&mut self) {
        self.hold_deadline = self.hold.map(|h| Instant::now() + h);
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), End> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| End::Down(DownReason::Io(e.kind())))
    }
}

/// Decodes a framed message; a NOTIFICATION ends the session as the
/// neighbor's choice, a body that cannot be read as ours.
fn decode(bytes: &[u8]) -> Result<Message<'_>, End> {
    let message = Message::read(&mut Reader::new(bytes)).map_err(|_| {
        let kind = bytes.get(HEADER_LEN - 1).copied().unwrap_or_default();
        // The error code of the message's type, subcode 0 (unspecific).
        let code = match kind {
            msg_type::OPEN => code::OPEN,
            msg_type::UPDATE => code::UPDATE,
            _ => code::HEADER,
        };
        End::Notify(Notify::new(code, 0))
    })?;
    match message {
        Message::Notification(n) => Err(End::Down(DownReason::Received {
            code: n.code,
            subcode: n.subcode,
        })),
        other => Ok(other),
    }
}

/// Waits until `at`, or forever when there is no deadline.
async fn until(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}
