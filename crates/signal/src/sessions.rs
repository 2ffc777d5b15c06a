//! Which route events are routing activity and which are sessions at
//! work: a peer going down, the end of a table dump, a table being loaded,
//! and the whole table a peer sends again after its session comes back.
//! The signal stage counts only activity as churn, so a collector peer
//! resetting is never mistaken for a burst of instability.

use std::collections::HashMap;

use wire::event::{EventKind, PeerKey, RouteEvent};

use crate::series::Cause;

/// Seconds after a session comes up during which the peer's new routes
/// are its table being sent again (a full table takes seconds to a few
/// minutes).
pub const RESYNC_SECS: u64 = 600;

/// The sessions of the peers, for telling the cause of each event.
#[derive(Debug)]
pub struct Sessions {
    /// Per peer that came up: the end of its table resend.
    resync_until: HashMap<PeerKey, u64>,
    /// How long a resend may last, seconds.
    resync_secs: u64,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::new(RESYNC_SECS)
    }
}

impl Sessions {
    /// Sessions whose table resend lasts at most `resync_secs` after they
    /// come up, or until the peer's End-of-RIB (RFC 4724 §2), the marker a
    /// speaker sends when its initial table is complete.
    pub fn new(resync_secs: u64) -> Sessions {
        Sessions {
            resync_until: HashMap::new(),
            resync_secs,
        }
    }

    /// The cause of an event, remembering the sessions it changes.
    pub fn cause(&mut self, event: &RouteEvent<'_, '_>) -> Cause {
        let now = event.time.secs();
        match event.kind {
            EventKind::PeerUp => {
                self.resync_until.insert(event.peer, now + self.resync_secs);
                Cause::Session
            }
            EventKind::EndOfRib => {
                self.resync_until.remove(&event.peer);
                Cause::Session
            }
            EventKind::PeerDown => Cause::Session,
            _ if event.from_table => Cause::Session,
            // A table sent again only announces: a withdrawal is routing
            // activity even inside the window (speakers without graceful
            // restart never send the End-of-RIB that closes it).
            EventKind::Withdraw => Cause::Message,
            EventKind::Announce => match self.resync_until.get(&event.peer) {
                Some(&until) if now < until => Cause::Session,
                Some(_) => {
                    self.resync_until.remove(&event.peer);
                    Cause::Message
                }
                None => Cause::Message,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use wire::event::Timestamp;

    use super::*;

    fn event(kind: EventKind, at: u32) -> RouteEvent<'static, 'static> {
        let peer = PeerKey {
            collector: 0,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            asn: 64_500,
        };
        RouteEvent::session(peer, kind, Timestamp::from_secs(at))
    }

    #[test]
    fn a_resend_lasts_until_end_of_rib_or_the_window_and_never_withdraws() {
        let mut s = Sessions::new(600);
        assert_eq!(s.cause(&event(EventKind::PeerUp, 100)), Cause::Session);
        assert_eq!(s.cause(&event(EventKind::Announce, 101)), Cause::Session);
        assert_eq!(s.cause(&event(EventKind::Withdraw, 102)), Cause::Message);
        assert_eq!(s.cause(&event(EventKind::EndOfRib, 103)), Cause::Session);
        assert_eq!(s.cause(&event(EventKind::Announce, 104)), Cause::Message);
        s.cause(&event(EventKind::PeerUp, 200));
        assert_eq!(s.cause(&event(EventKind::Announce, 799)), Cause::Session);
        assert_eq!(s.cause(&event(EventKind::Announce, 800)), Cause::Message);
    }
}
