//! What the passive BGP collector knows of each configured neighbor: is a
//! session up, how much it sent, how many malformed UPDATEs RFC 7606
//! handled and how. Kept beside the live source for the `/api/v1/sources`
//! view; the routes themselves are the consumer's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use wire::event::PeerKey;

use super::DownReason;

/// One neighbor's statistics at one moment, over all its sessions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeighborStats {
    /// The neighbor as its route events name it.
    pub peer: PeerKey,
    /// True while a connection of the neighbor is being served.
    pub connected: bool,
    /// True while its session is Established.
    pub established: bool,
    /// Sessions that reached Established.
    pub sessions: u64,
    /// BGP messages received, of every type.
    pub messages: u64,
    /// UPDATEs received.
    pub updates: u64,
    /// UPDATEs passed on without attributes RFC 7606 says to discard.
    pub attribute_discard: u64,
    /// UPDATEs passed on as withdrawals of their routes (RFC 7606
    /// treat-as-withdraw).
    pub treat_as_withdraw: u64,
    /// UPDATEs that ended their session (RFC 7606 session reset).
    pub session_resets: u64,
    /// Problems: malformed UPDATEs passed on in part, and sessions ended
    /// on our side (a NOTIFICATION sent for a malformed message or an
    /// expired hold timer, a failed socket).
    pub errors: u64,
    /// The latest problem.
    pub last_error: Option<String>,
    /// When the latest message arrived.
    pub last_message: Option<SystemTime>,
    /// Why the latest session or connection ended.
    pub down: Option<DownReason>,
}

/// How a malformed UPDATE was handled (RFC 7606 §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Handled {
    AttributeDiscard,
    TreatAsWithdraw,
    SessionReset,
}

/// Takes a lock even if a holder panicked: statistics stay readable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The statistics of all neighbors, by their index in the configuration,
/// shared by the collector's handle and its sessions.
#[derive(Debug)]
pub(super) struct Registry {
    neighbors: Vec<Mutex<NeighborStats>>,
    refused: AtomicU64,
}

impl Registry {
    /// A registry of the configured neighbors.
    pub(super) fn new(peers: impl IntoIterator<Item = PeerKey>) -> Registry {
        let stats = |peer| {
            Mutex::new(NeighborStats {
                peer,
                connected: false,
                established: false,
                sessions: 0,
                messages: 0,
                updates: 0,
                attribute_discard: 0,
                treat_as_withdraw: 0,
                session_resets: 0,
                errors: 0,
                last_error: None,
                last_message: None,
                down: None,
            })
        };
        Registry {
            neighbors: peers.into_iter().map(stats).collect(),
            refused: AtomicU64::new(0),
        }
    }

    /// The handle a connection of neighbor `index` counts with, unless one
    /// of its connections is already being served.
    pub(super) fn claim(self: &Arc<Self>, index: usize) -> Option<Tally> {
        let mut s = lock(self.neighbors.get(index)?);
        if s.connected {
            return None;
        }
        s.connected = true;
        Some(Tally {
            registry: Arc::clone(self),
            index,
        })
    }

    /// A connection was refused.
    pub(super) fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// Connections refused so far.
    pub(super) fn refused_count(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Every neighbor's statistics, in configuration order.
    pub(super) fn snapshot(&self) -> Vec<NeighborStats> {
        self.neighbors.iter().map(|s| lock(s).clone()).collect()
    }
}

/// One connection's handle on its neighbor's statistics; dropping it
/// frees the neighbor for its next connection.
#[derive(Debug)]
pub(super) struct Tally {
    registry: Arc<Registry>,
    index: usize,
}

impl Tally {
    fn with(&self, f: impl FnOnce(&mut NeighborStats)) {
        if let Some(stats) = self.registry.neighbors.get(self.index) {
            f(&mut lock(stats));
        }
    }

    /// A message arrived.
    pub(super) fn message(&self, update: bool) {
        self.with(|s| {
            s.messages += 1;
            s.updates += u64::from(update);
            s.last_message = Some(SystemTime::now());
        });
    }

    /// The session reached Established.
    pub(super) fn established(&self) {
        self.with(|s| {
            s.established = true;
            s.sessions += 1;
        });
    }

    /// A malformed UPDATE was handled as `how`.
    pub(super) fn malformed(&self, how: Handled) {
        self.with(|s| match how {
            Handled::AttributeDiscard => {
                s.attribute_discard += 1;
                s.errors += 1;
            }
            Handled::TreatAsWithdraw => {
                s.treat_as_withdraw += 1;
                s.errors += 1;
            }
            // Counted as an error when the session goes down.
            Handled::SessionReset => s.session_resets += 1,
        });
    }

    /// The connection ended.
    pub(super) fn down(&self, reason: DownReason) {
        self.with(|s| {
            if reason.is_error() {
                s.last_error = Some(reason.to_string());
                s.errors += 1;
            }
            s.established = false;
            s.down = Some(reason);
        });
    }
}

impl Drop for Tally {
    fn drop(&mut self) {
        self.with(|s| s.connected = false);
    }
}
