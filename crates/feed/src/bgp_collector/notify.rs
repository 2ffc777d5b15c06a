//! The NOTIFICATIONs the collector sends when it ends a session (RFC 4271
//! §4.5, §6): the error codes and subcodes it uses, as one owned value the
//! session writes out before closing.

use std::fmt;

use wire::encode;

/// Error codes (RFC 4271 §4.5).
pub mod code {
    /// Message Header Error.
    pub const HEADER: u8 = 1;
    /// OPEN Message Error.
    pub const OPEN: u8 = 2;
    /// UPDATE Message Error.
    pub const UPDATE: u8 = 3;
    /// Hold Timer Expired.
    pub const HOLD_TIMER_EXPIRED: u8 = 4;
    /// Finite State Machine Error.
    pub const FSM: u8 = 5;
    /// Cease.
    pub const CEASE: u8 = 6;
}

/// A NOTIFICATION: code, subcode and data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notify {
    /// Error code (see [`code`]).
    pub code: u8,
    /// Error subcode.
    pub subcode: u8,
    /// Data, as the subcode defines it.
    pub data: Vec<u8>,
}

impl Notify {
    /// A NOTIFICATION without data.
    pub fn new(code: u8, subcode: u8) -> Notify {
        Notify {
            code,
            subcode,
            data: Vec::new(),
        }
    }

    /// A NOTIFICATION with data.
    pub fn with_data(code: u8, subcode: u8, data: &[u8]) -> Notify {
        Notify {
            code,
            subcode,
            data: data.to_vec(),
        }
    }

    /// Cease, Connection Rejected (RFC 4486 §4): a speaker the collector
    /// is not configured to accept, or a second connection of one it is
    /// already serving.
    pub fn rejected() -> Notify {
        Notify::new(code::CEASE, 5)
    }

    /// The whole message on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Only data longer than a BGP message can fail; ours never is, and
        // an empty buffer then just means nothing is sent before closing.
        let _ = encode::notification(&mut out, self.code, self.subcode, &self.data);
        out
    }
}

impl fmt::Display for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NOTIFICATION {}/{}", self.code, self.subcode)
    }
}
