//! MRT records out of a decompressed stream, each with its byte offset.
//!
//! Damage is reported, never fatal: a record whose length runs past the
//! end, a header cut short, a compressed stream that breaks off, each comes
//! back as a [`Damage`] with its offset, and reading goes on with what
//! follows (or ends, when nothing can follow). What came before damage is
//! always kept.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use wire::mrt::{Header, RawRecord, HEADER_LEN};
use wire::WireError;

use crate::archive::{Compression, Decompressed, OpenError};

/// Longest record accepted. RFC 6396 allows 4 GiB, but the largest real
/// records (a TABLE_DUMP_V2 prefix seen by hundreds of peers) stay far
/// below; a larger length is corruption, and believing it would swallow the
/// rest of the file.
pub const MAX_RECORD_LEN: u32 = 16 << 20;

/// What was wrong with the input at some offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DamageKind {
    /// The file ends inside a record header.
    TruncatedHeader {
        /// Header bytes present.
        have: usize,
    },
    /// The file ends inside a record body.
    TruncatedRecord {
        /// Body length the header declares.
        declared: u32,
        /// Body bytes present.
        have: usize,
    },
    /// A header declares an impossible length.
    BadLength {
        /// The declared length.
        declared: u32,
    },
    /// The record body does not decode.
    Decode(WireError),
    /// The compressed stream is corrupt or cut short.
    Compression {
        /// Compression format.
        compression: Compression,
        /// Compressed bytes read when it broke.
        compressed_offset: u64,
        /// The decompressor's message.
        message: String,
    },
    /// Reading the file failed.
    Io {
        /// The error's message.
        message: String,
    },
}

/// One damaged place in an archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    /// The file.
    pub path: PathBuf,
    /// Offset in the decompressed stream of the record (or of the break).
    pub offset: u64,
    /// The record's header, when it was read.
    pub header: Option<Header>,
    /// What was wrong.
    pub kind: DamageKind,
}

impl Damage {
    /// True when nothing can be read after this damage.
    pub fn is_final(&self) -> bool {
        matches!(
            self.kind,
            DamageKind::TruncatedHeader { .. }
                | DamageKind::TruncatedRecord { .. }
                | DamageKind::BadLength { .. }
                | DamageKind::Compression { .. }
                | DamageKind::Io { .. }
        )
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: byte {}", self.path.display(), self.offset)?;
        if let Some(h) = self.header {
            write!(
                f,
                ", record type {} subtype {} length {}",
                h.mrt_type, h.subtype, h.length
            )?;
        }
        f.write_str(": ")?;
        match &self.kind {
            DamageKind::TruncatedHeader { have } => write!(
                f,
                "file ends inside a record header ({have} of {HEADER_LEN} bytes); the archive was cut short"
            ),
            DamageKind::TruncatedRecord { declared, have } => write!(
                f,
                "file ends inside a record ({have} of {declared} bytes); the archive was cut short"
            ),
            DamageKind::BadLength { declared } => write!(
                f,
                "record length {declared} is impossible (over {MAX_RECORD_LEN}); the rest of the file cannot be framed"
            ),
            DamageKind::Decode(e) => write!(f, "{e} (record skipped)"),
            DamageKind::Compression {
                compression,
                compressed_offset,
                message,
            } => write!(
                f,
                "{} stream broken near compressed byte {compressed_offset}: {message}; records before it were read",
                compression.name()
            ),
            DamageKind::Io { message } => write!(f, "read failed: {message}"),
        }
    }
}

impl std::error::Error for Damage {}

/// A record and where it starts in the decompressed stream.
#[derive(Clone, Copy, Debug)]
pub struct RecordAt<'a> {
    /// Offset of the record header.
    pub offset: u64,
    /// The record.
    pub raw: RawRecord<'a>,
}

/// Reads the MRT records of one archive in order.
pub struct MrtReader {
    path: PathBuf,
    src: Decompressed,
    buf: Vec<u8>,
    /// Start of unread bytes in `buf`.
    pos: usize,
    /// Stream offset of `buf[0]`.
    buf_offset: u64,
    /// No more blocks will come.
    exhausted: bool,
    /// A stream error to report once the bytes before it are used.
    stream_error: Option<io::Error>,
    finished: bool,
}

impl MrtReader {
    /// Opens an archive.
    pub fn open(path: &Path) -> Result<MrtReader, OpenError> {
        Ok(MrtReader {
            path: path.to_owned(),
            src: Decompressed::open(path)?,
            buf: Vec::new(),
            pos: 0,
            buf_offset: 0,
            exhausted: false,
            stream_error: None,
            finished: false,
        })
    }

    /// The archive's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The compression found.
    pub fn compression(&self) -> Compression {
        self.src.compression()
    }

    /// Makes at least `need` unread bytes available if the stream has them;
    /// returns how many are available.
    fn fill(&mut self, need: usize) -> usize {
        while self.buf.len() - self.pos < need && !self.exhausted {
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.buf_offset += self.pos as u64;
                self.pos = 0;
            }
            match self.src.next_block() {
                Some(Ok(block)) => {
                    if self.buf.is_empty() {
                        self.buf = block;
                    } else {
                        self.buf.extend_from_slice(&block);
                    }
                }
                Some(Err(e)) => {
                    self.stream_error = Some(e);
                    self.exhausted = true;
                }
                None => self.exhausted = true,
            }
        }
        self.buf.len() - self.pos
    }

    fn offset(&self) -> u64 {
        self.buf_offset + self.pos as u64
    }

    fn damage(&self, header: Option<Header>, kind: DamageKind) -> Damage {
        Damage {
            path: self.path.clone(),
            offset: self.offset(),
            header,
            kind,
        }
    }

    fn stream_damage(&mut self) -> Option<Damage> {
        let e = self.stream_error.take()?;
        let kind = match self.src.compression() {
            Compression::None => DamageKind::Io {
                message: e.to_string(),
            },
            compression => DamageKind::Compression {
                compression,
                compressed_offset: self.src.compressed_offset(),
                message: e.to_string(),
            },
        };
        Some(self.damage(None, kind))
    }

    /// The next record, a damage report, or `None` at the end. After a
    /// final damage ([`Damage::is_final`]) the next call returns `None`.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<RecordAt<'_>, Damage>> {
        if self.finished {
            return None;
        }
        let have = self.fill(HEADER_LEN);
        if have < HEADER_LEN {
            self.finished = true;
            if let Some(d) = self.stream_damage() {
                return Some(Err(d));
            }
            return (have > 0)
                .then(|| Err(self.damage(None, DamageKind::TruncatedHeader { have })));
        }
        let mut head = [0u8; HEADER_LEN];
        head.copy_from_slice(self.buf.get(self.pos..self.pos + HEADER_LEN)?);
        let header = Header::parse(head);
        if header.length > MAX_RECORD_LEN {
            self.finished = true;
            return Some(Err(self.damage(
                Some(header),
                DamageKind::BadLength {
                    declared: header.length,
                },
            )));
        }
        let total = HEADER_LEN + header.length as usize;
        let have = self.fill(total);
        if have < total {
            self.finished = true;
            if let Some(d) = self.stream_damage() {
                return Some(Err(d));
            }
            return Some(Err(self.damage(
                Some(header),
                DamageKind::TruncatedRecord {
                    declared: header.length,
                    have: have - HEADER_LEN,
                },
            )));
        }
        let offset = self.offset();
        let start = self.pos;
        self.pos += total;
        let payload = self.buf.get(start + HEADER_LEN..start + total)?;
        match RawRecord::new(header, payload) {
            Ok(raw) => Some(Ok(RecordAt { offset, raw })),
            Err(e) => Some(Err(Damage {
                path: self.path.clone(),
                offset,
                header: Some(header),
                kind: DamageKind::Decode(e),
            })),
        }
    }
}
