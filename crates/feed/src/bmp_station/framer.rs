//! Framing of one router's byte stream into BMP messages, the first step
//! of the BMP station: bytes arrive in whatever pieces TCP delivers, and
//! leave as whole messages, found by `wire::bmp::message_len`.

use wire::bmp::message_len;
use wire::WireError;

use crate::framing::StreamBuffer;

/// Bytes read from one router and not yet handed on as messages.
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
    /// An error means the stream is out of step and cannot be read on.
    pub(super) fn next_message(&mut self) -> Result<Option<Vec<u8>>, WireError> {
        Ok(match message_len(self.buf.rest())? {
            Some(len) => self.buf.take(len),
            None => None,
        })
    }

    /// Bytes of an incomplete message held.
    pub(super) fn pending(&self) -> usize {
        self.buf.rest().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::ErrorKind;

    /// A message of unknown type 42 with a 3-byte body.
    const MSG: [u8; 9] = [3, 0, 0, 0, 9, 42, 1, 2, 3];

    #[test]
    fn messages_come_out_whole_whatever_the_pieces() {
        let stream: Vec<u8> = MSG.iter().chain(&MSG).copied().collect();
        for piece in 1..=stream.len() {
            let mut framer = Framer::default();
            let mut got = Vec::new();
            for chunk in stream.chunks(piece) {
                framer.extend(chunk);
                while let Some(m) = framer.next_message().unwrap() {
                    got.push(m);
                }
            }
            assert_eq!(got, [MSG.to_vec(), MSG.to_vec()], "pieces of {piece}");
            assert_eq!(framer.pending(), 0);
        }
    }

    #[test]
    fn an_incomplete_message_waits_and_a_bad_header_fails() {
        let mut framer = Framer::default();
        framer.extend(&MSG[..7]);
        assert_eq!(framer.next_message(), Ok(None));
        assert_eq!(framer.pending(), 7);

        let mut framer = Framer::default();
        framer.extend(&[3, 0xff, 0xff, 0xff, 0xff]);
        let err = framer.next_message().unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadBmpLength(u32::MAX));
    }
}
