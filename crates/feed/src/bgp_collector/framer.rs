//! Framing of one neighbor's byte stream into BGP messages, the first step
//! of a collector session: bytes arrive in whatever pieces TCP delivers and
//! leave as whole messages whose header RFC 4271 §6.1 has been checked.

use wire::bgp::{msg_type, MessageHeader, HEADER_LEN, MAX_MESSAGE_LEN};
use wire::{ErrorKind, Reader};

use super::notify::{code, Notify};
use crate::framing::StreamBuffer;

/// Message Header Error subcodes (RFC 4271 §4.5).
mod subcode {
    /// The marker is not all ones.
    pub const NOT_SYNCHRONIZED: u8 = 1;
    /// The length is out of range for the message or its type.
    pub const BAD_LENGTH: u8 = 2;
    /// The type is not one of RFC 4271's (or ROUTE-REFRESH).
    pub const BAD_TYPE: u8 = 3;
}

/// Bytes read from one neighbor and not yet handed on as messages.
#[derive(Debug, Default)]
pub(super) struct Framer {
    buf: StreamBuffer,
}

impl Framer {
    /// Appends bytes read from the socket.
    pub(super) fn extend(&mut self, bytes: &[u8]) {
        self.buf.extend(bytes);
    }

    /// The next whole message, copied out; `None` until one is complete.
    /// An error is the NOTIFICATION a bad header calls for: the stream is
    /// out of step and the session must end (RFC 4271 §6.1).
    pub(super) fn next_message(&mut self) -> Result<Option<Vec<u8>>, Notify> {
        let rest = self.buf.rest();
        if rest.len() < HEADER_LEN {
            return Ok(None);
        }
        let header = MessageHeader::read(&mut Reader::new(rest)).map_err(|e| match e.kind {
            ErrorKind::BadMarker => Notify::new(code::HEADER, subcode::NOT_SYNCHRONIZED),
            _ => bad_length(rest),
        })?;
        check(header, rest)?;
        Ok(self.buf.take(usize::from(header.length)))
    }
}

/// Checks the length against RFC 4271's limits for the type (§6.1).
fn check(header: MessageHeader, raw: &[u8]) -> Result<(), Notify> {
    let len = usize::from(header.length);
    let fits = match header.msg_type {
        msg_type::OPEN => len >= 29,
        msg_type::UPDATE => len >= 23,
        msg_type::NOTIFICATION => len >= 21,
        msg_type::KEEPALIVE => len == HEADER_LEN,
        msg_type::ROUTE_REFRESH => len == 23,
        other => return Err(Notify::with_data(code::HEADER, subcode::BAD_TYPE, &[other])),
    };
    if fits && len <= MAX_MESSAGE_LEN {
        Ok(())
    } else {
        Err(bad_length(raw))
    }
}

/// Bad Message Length, with the erroneous length field as data.
fn bad_length(raw: &[u8]) -> Notify {
    let field = raw.get(16..18).unwrap_or_default();
    Notify::with_data(code::HEADER, subcode::BAD_LENGTH, field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::encode;

    #[test]
    fn messages_come_out_whole_whatever_the_pieces() {
        let mut stream = Vec::new();
        encode::keepalive(&mut stream);
        encode::notification(&mut stream, 6, 2, b"bye").unwrap();
        for piece in 1..=stream.len() {
            let mut framer = Framer::default();
            let mut got = Vec::new();
            for chunk in stream.chunks(piece) {
                framer.extend(chunk);
                while let Some(m) = framer.next_message().unwrap() {
                    got.push(m);
                }
            }
            assert_eq!(got.len(), 2, "pieces of {piece}");
            assert_eq!(got.concat(), stream);
        }
    }

    #[test]
    fn bad_headers_give_the_notification_rfc_4271_asks_for() {
        let mut framer = Framer::default();
        framer.extend(&[0; 19]);
        assert_eq!(framer.next_message(), Err(Notify::new(1, 1)));

        let mut keepalive = Vec::new();
        encode::keepalive(&mut keepalive);
        keepalive[17] = 20;
        let mut framer = Framer::default();
        framer.extend(&keepalive);
        assert_eq!(
            framer.next_message(),
            Err(Notify::with_data(1, 2, &[0, 20]))
        );

        keepalive[17] = 19;
        keepalive[18] = 9;
        let mut framer = Framer::default();
        framer.extend(&keepalive);
        assert_eq!(framer.next_message(), Err(Notify::with_data(1, 3, &[9])));
    }
}
