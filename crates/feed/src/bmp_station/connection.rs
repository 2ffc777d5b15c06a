//! One router's connection to the BMP station: reads the socket, frames
//! the stream, keeps the per-session ADD-PATH state and hands each message
//! on. The only part of the live source that touches a router's socket;
//! one task per router, so a router's messages keep their order and its
//! failures stay its own.

use std::collections::HashMap;
use std::net::SocketAddr;

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use wire::bmp::{msg_type, AddPath, Message, PeerHeader, SessionKey, COMMON_HEADER_LEN};
use wire::{Reader, WireError};

use super::framer::Framer;
use super::stats::Tally;
use super::{DownReason, StationMessage};

/// Bytes asked of the socket at a time.
const READ_CHUNK: usize = 64 * 1024;

/// Serves one router until its connection ends, then says so with
/// [`StationMessage::RouterDown`]. Returns early, silently, when the
/// consumer is gone.
pub(super) async fn serve(
    stream: TcpStream,
    router: u16,
    addr: SocketAddr,
    tally: Tally,
    tx: mpsc::Sender<StationMessage>,
) {
    if tx
        .send(StationMessage::RouterUp { router, addr })
        .await
        .is_err()
    {
        return;
    }
    let mut connection = Connection {
        router,
        tally,
        sessions: HashMap::new(),
        tx,
    };
    let Some(reason) = connection.read(stream).await else {
        return;
    };
    connection.tally.down(reason);
    // An error here means the consumer is gone: nobody left to tell.
    let _ = connection
        .tx
        .send(StationMessage::RouterDown { router, reason })
        .await;
}

/// What one connection keeps.
struct Connection {
    router: u16,
    tally: Tally,
    /// The ADD-PATH state each session's Peer Up negotiated, until its
    /// Peer Down.
    sessions: HashMap<SessionKey, AddPath>,
    tx: mpsc::Sender<StationMessage>,
}

/// What the station makes of one framed message.
enum Seen {
    /// Hand it on with this ADD-PATH state.
    Forward(AddPath),
    /// Hand it on: it is the router's Termination, with this reason.
    Terminated(Option<u16>),
    /// A type the station does not know: skip it.
    Unknown,
}

impl Connection {
    /// Reads and hands on messages until the connection ends (its reason)
    /// or the consumer is gone (`None`). A message is handed on before the
    /// socket is read again, so a full channel stops the reading and TCP
    /// slows the router down.
    async fn read(&mut self, mut stream: TcpStream) -> Option<DownReason> {
        let mut framer = Framer::default();
        let mut chunk = vec![0; READ_CHUNK];
        loop {
            loop {
                let bytes = match framer.next_message() {
                    Ok(Some(bytes)) => bytes,
                    Ok(None) => break,
                    Err(e) => return Some(DownReason::Malformed(e)),
                };
                self.tally.message(bytes.len());
                let add_path = match self.look(&bytes) {
                    Ok(Seen::Forward(add_path)) => add_path,
                    Ok(Seen::Terminated(reason)) => {
                        self.forward(bytes, AddPath::NONE).await?;
                        return Some(DownReason::Terminated(reason));
                    }
                    Ok(Seen::Unknown) => {
                        self.tally.unknown();
                        continue;
                    }
                    // The message is framed, so the stream is still in
                    // step: hand it on and let the consumer's decoder
                    // report on it.
                    Err(e) => {
                        self.tally.error(format!("malformed message: {e}"));
                        AddPath::NONE
                    }
                };
                self.forward(bytes, add_path).await?;
            }
            // Waiting on the consumer too, so a quiet router still notices
            // that nobody listens any more.
            let read = tokio::select! {
                () = self.tx.closed() => return None,
                read = stream.read(&mut chunk) => read,
            };
            match read {
                Ok(0) if framer.pending() == 0 => return Some(DownReason::Closed),
                Ok(0) => return Some(DownReason::Truncated(framer.pending())),
                Ok(n) => framer.extend(chunk.get(..n).unwrap_or_default()),
                Err(e) => return Some(DownReason::Io(e.kind())),
            }
        }
    }

    /// Hands a message on; `None` when the consumer is gone.
    async fn forward(&self, bytes: Vec<u8>, add_path: AddPath) -> Option<()> {
        let message = StationMessage::Message {
            router: self.router,
            bytes,
            add_path,
        };
        self.tx.send(message).await.ok()
    }

    /// Reads what the station needs of a whole message (the framer
    /// guarantees its common header) and updates the session state.
    fn look(&mut self, bytes: &[u8]) -> Result<Seen, WireError> {
        let kind = bytes.get(COMMON_HEADER_LEN - 1).copied().unwrap_or(u8::MAX);
        match kind {
            msg_type::ROUTE_MONITORING
            | msg_type::STATISTICS_REPORT
            | msg_type::ROUTE_MIRRORING => {
                let session = peer_header(bytes)?.session();
                let add_path = self.sessions.get(&session).copied();
                Ok(Seen::Forward(add_path.unwrap_or_default()))
            }
            msg_type::PEER_DOWN => {
                let session = peer_header(bytes)?.session();
                let add_path = self.sessions.remove(&session);
                Ok(Seen::Forward(add_path.unwrap_or_default()))
            }
            msg_type::PEER_UP | msg_type::INITIATION | msg_type::TERMINATION => {
                Ok(self.remember(Message::decode(bytes)?))
            }
            _ => Ok(Seen::Unknown),
        }
    }

    /// Keeps what a Peer Up, Initiation or Termination says.
    fn remember(&mut self, message: Message<'_>) -> Seen {
        match message {
            Message::PeerUp(up) => {
                let add_path = up.add_path();
                self.sessions.insert(up.peer.session(), add_path);
                Seen::Forward(add_path)
            }
            Message::Initiation(init) => {
                if let Some(name) = init.sys_name() {
                    self.tally.named(String::from_utf8_lossy(name).into_owned());
                }
                Seen::Forward(AddPath::NONE)
            }
            Message::Termination(term) => Seen::Terminated(term.reason()),
            // Only the three types above are decoded whole.
            _ => Seen::Forward(AddPath::NONE),
        }
    }
}

/// The per-peer header right after the common header.
fn peer_header(bytes: &[u8]) -> Result<PeerHeader, WireError> {
    let mut r = Reader::new(bytes);
    r.skip(COMMON_HEADER_LEN)?;
    PeerHeader::read(&mut r)
}
