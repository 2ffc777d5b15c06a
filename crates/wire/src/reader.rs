//! A bounds-checked big-endian cursor over a borrowed byte slice: the one
//! place where decoders touch raw bytes, so no decoder indexes a slice.

use crate::error::{ErrorKind, Result, WireError};

/// Cursor reading network-order fields from `buf`; offsets in errors are
/// relative to `base`, the position of `buf` in the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            base: 0,
        }
    }

    /// A cursor whose error offsets start at `base`.
    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// Bytes not read yet.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte has been read.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    /// Offset of the next byte, counted from `base`.
    #[inline]
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// The bytes not read yet, without consuming them.
    #[inline]
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// An error of `kind` at the current offset.
    pub fn error(&self, kind: ErrorKind) -> WireError {
        WireError::new(kind, self.offset())
    }

    fn short(&self, needed: usize) -> WireError {
        self.error(ErrorKind::Truncated {
            needed: u32::try_from(needed).unwrap_or(u32::MAX),
            available: u32::try_from(self.remaining()).unwrap_or(u32::MAX),
        })
    }

    /// The next `n` bytes.
    #[inline]
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.short(n))?;
        match self.buf.get(self.pos..end) {
            Some(bytes) => {
                self.pos = end;
                Ok(bytes)
            }
            None => Err(self.short(n)),
        }
    }

    /// A sub-cursor over the next `n` bytes, failing with `LengthOverflow`
    /// when a declared length exceeds what is left.
    #[inline]
    pub fn sub(&mut self, n: usize) -> Result<Reader<'a>> {
        let base = self.offset();
        if n > self.remaining() {
            return Err(self.error(ErrorKind::LengthOverflow {
                declared: u32::try_from(n).unwrap_or(u32::MAX),
                available: u32::try_from(self.remaining()).unwrap_or(u32::MAX),
            }));
        }
        let bytes = self.take(n)?;
        Ok(Reader::with_base(bytes, base))
    }

    /// Everything not read yet, consumed.
    #[inline]
    pub fn take_rest(&mut self) -> &'a [u8] {
        let rest = self.rest();
        self.pos = self.buf.len();
        rest
    }

    /// Skip `n` bytes.
    #[inline]
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.take(n).map(|_| ())
    }

    /// A fixed-size array.
    #[inline]
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// One byte.
    #[inline]
    pub fn u8(&mut self) -> Result<u8> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.short(1)),
        }
    }

    /// A big-endian u16.
    #[inline]
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// A big-endian u32.
    #[inline]
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// A big-endian u64.
    #[inline]
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// An AS number of `width` bytes (2 or 4).
    #[inline]
    pub fn asn(&mut self, width: AsnWidth) -> Result<u32> {
        match width {
            AsnWidth::Two => self.u16().map(u32::from),
            AsnWidth::Four => self.u32(),
        }
    }
}

/// How many bytes an AS number takes on the wire (RFC 6793).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AsnWidth {
    /// Two-byte AS numbers (old speakers, AS_PATH before RFC 6793).
    Two,
    /// Four-byte AS numbers.
    Four,
}

impl AsnWidth {
    /// Width in bytes.
    pub fn bytes(self) -> usize {
        match self {
            AsnWidth::Two => 2,
            AsnWidth::Four => 4,
        }
    }
}
