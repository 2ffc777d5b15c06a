//! Bytes from a TCP stream waiting to become whole messages: the buffer
//! under the live sources' framers (BMP station, BGP collector), which
//! differ only in how they read a message's length from its header.

/// Bytes read and not yet handed on as messages.
#[derive(Debug, Default)]
pub(crate) struct StreamBuffer {
    buf: Vec<u8>,
    /// Where the first byte not yet handed on sits in `buf`: messages are
    /// taken from the front without moving what follows each time.
    start: usize,
}

impl StreamBuffer {
    /// Appends bytes read from the socket.
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.buf.drain(..self.start);
        self.start = 0;
        self.buf.extend_from_slice(bytes);
    }

    /// The bytes not yet handed on.
    pub(crate) fn rest(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// The first `len` bytes of [`Self::rest`], copied out and consumed;
    /// `None` while fewer have arrived.
    pub(crate) fn take(&mut self, len: usize) -> Option<Vec<u8>> {
        let message = self.rest().get(..len)?.to_vec();
        self.start += len;
        Some(message)
    }
}
