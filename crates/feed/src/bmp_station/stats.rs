//! What the BMP station knows of each router connection: who it is, how
//! much it sent, what went wrong. Kept beside the live source for the
//! `/api/v1/sources` view; the routes themselves are the consumer's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use super::DownReason;

/// One router connection's statistics at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouterStats {
    /// The connection's collector index.
    pub router: u16,
    /// The router's address and port.
    pub addr: SocketAddr,
    /// The sysName of its Initiation, once received (lossily UTF-8).
    pub sys_name: Option<String>,
    /// True until the connection ends.
    pub connected: bool,
    /// Messages framed, of every type.
    pub messages: u64,
    /// Bytes of those messages.
    pub bytes: u64,
    /// Messages of types the station does not know, skipped.
    pub unknown: u64,
    /// Problems: messages whose parts the station reads were malformed
    /// (handed on all the same), and connections ended by an error.
    pub errors: u64,
    /// The latest problem.
    pub last_error: Option<String>,
    /// When the latest message arrived.
    pub last_message: Option<SystemTime>,
    /// Why the connection ended.
    pub down: Option<DownReason>,
}

/// Takes a lock even if a holder panicked: statistics stay readable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The statistics of all routers, shared by the station's handle and its
/// connections.
#[derive(Debug)]
pub(super) struct Registry {
    routers: Mutex<BTreeMap<u16, Arc<Mutex<RouterStats>>>>,
    retain_closed: usize,
}

impl Registry {
    /// An empty registry keeping the `retain_closed` latest disconnected
    /// routers.
    pub(super) fn new(retain_closed: usize) -> Registry {
        Registry {
            routers: Mutex::default(),
            retain_closed,
        }
    }

    /// Enters a newly connected router and returns what its connection
    /// counts with.
    pub(super) fn add(self: &Arc<Self>, router: u16, addr: SocketAddr) -> Tally {
        let stats = Arc::new(Mutex::new(RouterStats {
            router,
            addr,
            sys_name: None,
            connected: true,
            messages: 0,
            bytes: 0,
            unknown: 0,
            errors: 0,
            last_error: None,
            last_message: None,
            down: None,
        }));
        lock(&self.routers).insert(router, Arc::clone(&stats));
        Tally {
            stats,
            registry: Arc::clone(self),
        }
    }

    /// Every router's statistics, by collector index.
    pub(super) fn snapshot(&self) -> Vec<RouterStats> {
        lock(&self.routers)
            .values()
            .map(|s| lock(s).clone())
            .collect()
    }

    /// Forgets the oldest disconnected routers beyond `retain_closed`
    /// (indexes grow, so the lowest are the oldest).
    fn prune(&self) {
        let mut routers = lock(&self.routers);
        let closed: Vec<u16> = routers
            .iter()
            .filter(|(_, s)| !lock(s).connected)
            .map(|(&router, _)| router)
            .collect();
        let excess = closed.len().saturating_sub(self.retain_closed);
        for router in closed.iter().take(excess) {
            routers.remove(router);
        }
    }
}

/// One connection's handle on its statistics.
#[derive(Debug)]
pub(super) struct Tally {
    stats: Arc<Mutex<RouterStats>>,
    registry: Arc<Registry>,
}

impl Tally {
    /// A message of `len` bytes was framed.
    pub(super) fn message(&self, len: usize) {
        let mut s = lock(&self.stats);
        s.messages += 1;
        s.bytes += u64::try_from(len).unwrap_or(u64::MAX);
        s.last_message = Some(SystemTime::now());
    }

    /// A message of an unknown type was skipped.
    pub(super) fn unknown(&self) {
        lock(&self.stats).unknown += 1;
    }

    /// Something went wrong.
    pub(super) fn error(&self, text: String) {
        let mut s = lock(&self.stats);
        s.errors += 1;
        s.last_error = Some(text);
    }

    /// The router named itself in its Initiation.
    pub(super) fn named(&self, sys_name: String) {
        lock(&self.stats).sys_name = Some(sys_name);
    }

    /// The connection ended.
    pub(super) fn down(&self, reason: DownReason) {
        if reason.is_error() {
            self.error(reason.to_string());
        }
        {
            let mut s = lock(&self.stats);
            s.connected = false;
            s.down = Some(reason);
        }
        self.registry.prune();
    }
}
