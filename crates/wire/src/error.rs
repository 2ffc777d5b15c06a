//! Typed, `Copy` decoding errors shared by every decoder in this crate.
//!
//! An error names what was wrong ([`ErrorKind`]) and where: the byte offset
//! inside the buffer the decoder was given (for an MRT record, its body). The
//! caller adds the file and the record's own offset in the file.

use core::fmt;

/// What went wrong while decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The data ended before a field of `needed` bytes; `available` were left.
    Truncated {
        /// Bytes the field needs.
        needed: u32,
        /// Bytes that were left.
        available: u32,
    },
    /// A length field claims more bytes than its container holds.
    LengthOverflow {
        /// The declared length.
        declared: u32,
        /// Bytes actually available for it.
        available: u32,
    },
    /// A BGP message does not start with the all-ones marker.
    BadMarker,
    /// A BGP message header length outside 19..=65535 or inconsistent with its type.
    BadMessageLength(u16),
    /// A prefix length longer than the address family allows.
    BadPrefixLength {
        /// The prefix length in bits.
        bits: u8,
        /// The longest length the family allows.
        max: u8,
    },
    /// An address family that cannot be decoded here.
    UnknownAfi(u16),
    /// An AS_PATH segment type other than 1..=4.
    BadSegmentType(u8),
    /// An AS_PATH whose segments do not add up to the attribute length.
    BadAsPath,
    /// An attribute whose length is wrong for its type.
    BadAttributeLength {
        /// Attribute type code.
        type_code: u8,
        /// Its length.
        len: u16,
    },
    /// The same well-known attribute appears twice in one message.
    DuplicateAttribute(u8),
    /// A TABLE_DUMP_V2 RIB entry points at a peer the index table does not hold.
    UnknownPeerIndex(u16),
    /// A TABLE_DUMP_V2 RIB record came before any PEER_INDEX_TABLE.
    MissingPeerIndexTable,
    /// An MP_REACH next hop whose length is none of 0, 4, 12, 16, 24, 32, 48.
    BadNextHopLength(u8),
    /// A BGP message type code this crate does not know.
    UnknownMessageType(u8),
    /// Bytes left over after a structure that should have filled its container.
    TrailingBytes(u32),
    /// A BMP message whose common header names a version other than 3
    /// (RFC 7854 §4.1): the sender does not speak BMP version 3.
    BadBmpVersion(u8),
    /// A BMP message length outside 6 bytes to
    /// [`crate::bmp::MAX_MESSAGE_LEN`]: the stream is out of step.
    BadBmpLength(u32),
    /// A BMP message type this crate does not know; RFC 7854 §4.1 says to
    /// ignore it, and its length still frames the stream.
    UnsupportedBmpType(u8),
    /// A BGP message of type `found` where the BMP message must hold one
    /// of type `expected` (an UPDATE in Route Monitoring, an OPEN in Peer Up).
    UnexpectedBgpMessage {
        /// The BGP message type the field holds.
        expected: u8,
        /// The BGP message type found.
        found: u8,
    },
    /// An MRT record of a type or subtype that cannot be decoded.
    Unsupported {
        /// MRT type.
        mrt_type: u16,
        /// MRT subtype.
        subtype: u16,
    },
}

/// A decoding error: what, and at which byte offset of the decoded buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireError {
    /// What was wrong.
    pub kind: ErrorKind,
    /// Offset in bytes from the start of the buffer given to the decoder.
    pub offset: u32,
}

impl WireError {
    /// An error of `kind` at `offset`.
    pub fn new(kind: ErrorKind, offset: usize) -> Self {
        WireError {
            kind,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
        }
    }

    /// The same error moved by `base` bytes, for errors of a nested buffer.
    #[must_use]
    pub fn shifted(self, base: usize) -> Self {
        let base = u32::try_from(base).unwrap_or(u32::MAX);
        WireError {
            kind: self.kind,
            offset: self.offset.saturating_add(base),
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ErrorKind::Truncated { needed, available } => {
                write!(
                    f,
                    "data ends early: field needs {needed} bytes, {available} left"
                )
            }
            ErrorKind::LengthOverflow {
                declared,
                available,
            } => write!(
                f,
                "declared length {declared} exceeds the {available} bytes available"
            ),
            ErrorKind::BadMarker => f.write_str("BGP message marker is not all ones"),
            ErrorKind::BadMessageLength(len) => write!(f, "BGP message length {len} is invalid"),
            ErrorKind::BadPrefixLength { bits, max } => {
                write!(f, "prefix length /{bits} is longer than /{max}")
            }
            ErrorKind::UnknownAfi(afi) => write!(f, "unknown address family {afi}"),
            ErrorKind::BadSegmentType(t) => write!(f, "AS_PATH segment type {t} is not 1 to 4"),
            ErrorKind::BadAsPath => f.write_str("AS_PATH segments overrun the attribute"),
            ErrorKind::BadAttributeLength { type_code, len } => {
                write!(f, "attribute {type_code} has invalid length {len}")
            }
            ErrorKind::DuplicateAttribute(t) => write!(f, "attribute {t} appears twice"),
            ErrorKind::UnknownPeerIndex(i) => {
                write!(
                    f,
                    "RIB entry names peer index {i}, absent from the peer index table"
                )
            }
            ErrorKind::MissingPeerIndexTable => {
                f.write_str("RIB record before any PEER_INDEX_TABLE record")
            }
            ErrorKind::BadNextHopLength(len) => {
                write!(f, "MP_REACH next hop length {len} is invalid")
            }
            ErrorKind::UnknownMessageType(t) => write!(f, "unknown BGP message type {t}"),
            ErrorKind::TrailingBytes(n) => write!(f, "{n} unexpected bytes after the structure"),
            ErrorKind::BadBmpVersion(v) => write!(
                f,
                "BMP version {v} where 3 was expected: the sender is not a BMP \
                 version 3 speaker (check the router's BMP station address and \
                 port); the connection cannot be read further"
            ),
            ErrorKind::BadBmpLength(len) => write!(
                f,
                "BMP message length {len} is outside 6 to {}: the stream is out of \
                 step; close the connection and let the router reconnect",
                crate::bmp::MAX_MESSAGE_LEN
            ),
            ErrorKind::UnsupportedBmpType(t) => write!(
                f,
                "BMP message type {t} is not supported: skip the message \
                 (RFC 7854 says to ignore unknown types)"
            ),
            ErrorKind::UnexpectedBgpMessage { expected, found } => write!(
                f,
                "BGP message of type {found} where one of type {expected} belongs"
            ),
            ErrorKind::Unsupported { mrt_type, subtype } => {
                write!(f, "MRT type {mrt_type} subtype {subtype} is not supported")
            }
        }
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.kind, self.offset)
    }
}

impl std::error::Error for WireError {}

/// Result of a decoder in this crate.
pub type Result<T> = core::result::Result<T, WireError>;
