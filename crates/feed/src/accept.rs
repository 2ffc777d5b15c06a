//! The accept loop under both live listeners (the BMP station and the BGP
//! collector): connections are accepted and each served by its own task
//! until the consumer drops its receiver; a failed accept (out of file
//! descriptors) is retried after a pause; finished connections are reaped.
//! Dropping the returned handle closes the listener and every connection.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::sleep;

/// Pause after a failed accept: failures such as running out of file
/// descriptors last a while, and retrying at once would spin.
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// A connection's task.
pub(crate) type Serve = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The accept task; dropping it aborts the task, and with it every
/// connection it owns.
#[derive(Debug)]
pub(crate) struct Accepting(JoinHandle<()>);

impl Drop for Accepting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Accepts on `listener` until `tx`'s receiver is gone, serving each
/// connection with the task `on_accept` gives (none: closed at once).
pub(crate) fn spawn<T, F>(listener: TcpListener, tx: mpsc::Sender<T>, mut on_accept: F) -> Accepting
where
    T: Send + 'static,
    F: FnMut(TcpStream, SocketAddr, &mpsc::Sender<T>) -> Option<Serve> + Send + 'static,
{
    Accepting(tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                () = tx.closed() => return,
                // Reaps finished connections so the set does not grow.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = listener.accept() => match accepted {
                    Ok((stream, addr)) => {
                        if let Some(serve) = on_accept(stream, addr, &tx) {
                            connections.spawn(serve);
                        }
                    }
                    Err(_) => sleep(ACCEPT_RETRY).await,
                },
            }
        }
    }))
}
