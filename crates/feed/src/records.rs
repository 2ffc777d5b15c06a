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

/// How far past a broken record the reader looks for the next record.
pub const MAX_RESYNC: usize = 1 << 20;

/// How many bytes short a declared length may be and still be repaired.
const MAX_LENGTH_SHORTFALL: usize = 8;

/// MRT types of RFC 6396, deprecated ones included.
const KNOWN_TYPES: &[u16] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 32, 33, 48, 49,
];

/// A header worth believing: a known type and subtype range, a sane length,
/// and, when searching through damage, a timestamp within two days of the
/// previous record's.
fn plausible(header: &Header, reference: Option<u32>) -> bool {
    const TWO_DAYS: u32 = 2 * 86_400;
    KNOWN_TYPES.contains(&header.mrt_type)
        && header.subtype < 64
        && header.length <= MAX_RECORD_LEN
        && (!header.is_extended() || header.length >= 4)
        && reference.is_none_or(|t| header.timestamp.abs_diff(t) <= TWO_DAYS)
}

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
    /// A header is not plausible and no record can be found after it.
    BadLength {
        /// The declared length.
        declared: u32,
    },
    /// A record's declared length did not reach the next record; it was
    /// read with the length that does.
    Reframed {
        /// Length used instead of the declared one.
        used: u64,
    },
    /// Bytes that belong to no record (a header cut short, garbage between
    /// records) were skipped up to the next record.
    Unframed {
        /// Stream offset of the first byte skipped (after the record
        /// whose framing this is, or at the damage's own offset).
        from: u64,
        /// Bytes skipped.
        skipped: u64,
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
    /// Damage of the record at `offset` of `path`.
    pub fn in_record(path: &Path, offset: u64, header: Header, kind: DamageKind) -> Damage {
        Damage {
            path: path.to_owned(),
            offset,
            header: Some(header),
            kind,
        }
    }

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
                "record header is implausible (length {declared}) and no record follows it; the rest of the file cannot be read"
            ),
            DamageKind::Reframed { used } => write!(
                f,
                "declared length does not end where the next record starts; read as {used} bytes"
            ),
            DamageKind::Unframed { from, skipped } => write!(
                f,
                "{skipped} bytes from stream byte {from} belong to no record (broken header or record boundary); skipped to the next record"
            ),
            DamageKind::Decode(e) => write!(
                f,
                "{} at byte {} of the record (stream byte {}); what the record held before it was kept, the rest skipped",
                e.kind,
                e.offset,
                self.offset + u64::from(e.offset)
            ),
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
#[derive(Clone, Debug)]
pub struct RecordAt<'a> {
    /// Offset of the record header.
    pub offset: u64,
    /// The record.
    pub raw: RawRecord<'a>,
    /// Set when the record's framing was repaired: its declared length was
    /// wrong ([`DamageKind::Reframed`]) or debris followed it
    /// ([`DamageKind::Unframed`]).
    pub framing: Option<DamageKind>,
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
    /// Timestamp of the last good record, to judge the next header.
    last_timestamp: Option<u32>,
    /// Garbage bytes to skip after the record being returned.
    gap: usize,
}

impl MrtReader {
    /// Archive bytes (compressed) consumed so far.
    pub fn compressed_offset(&self) -> u64 {
        self.src.compressed_offset()
    }

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
            last_timestamp: None,
            gap: 0,
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
    ///
    /// Framing is checked before a record is returned: the header that
    /// follows it must be plausible. When it is not, the record's declared
    /// length is wrong (archives from 2000 hold lengths 4 bytes short, or
    /// headers cut off mid-way), and the reader looks for the next place
    /// where two plausible headers follow each other; the record is then
    /// returned with the bytes up to there when that decodes cleanly, and
    /// the repair is reported in [`RecordAt::framing`].
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
        // Time is not judged on the direct path, so that archives of
        // different days concatenated into one file read whole.
        let header = self.header_at(0)?;
        if !plausible(&header, None) {
            return Some(Err(self.skip_to_next_header(Some(header))));
        }
        let declared = HEADER_LEN + header.length as usize;
        let have = self.fill(declared + HEADER_LEN);
        let next_ok = if have >= declared + HEADER_LEN {
            let next = self.header_at(declared)?;
            plausible(&next, None)
        } else {
            // At the end: the record must end exactly at the end.
            have == declared
        };
        let mut size = declared;
        let mut framing = None;
        if !next_ok {
            // Where the next record starts: a plausible header, or the end
            // of the stream when the record's length is a little short.
            let next = self.find_next_header(1).or_else(|| {
                (have > declared && have - declared <= MAX_LENGTH_SHORTFALL).then_some(have)
            });
            match next {
                Some(next) if next < HEADER_LEN => {
                    return Some(Err(self.skip_to(next, Some(header))));
                }
                Some(found) => {
                    // A longer record is believed only when the declared
                    // one is broken and the longer one is whole; otherwise
                    // the bytes in between are debris of another record.
                    let longer_is_whole = found > declared
                        && !self.decodes(header, declared)
                        && self.decodes(header, found);
                    if found < declared || longer_is_whole {
                        framing = Some(DamageKind::Reframed {
                            used: (found - HEADER_LEN) as u64,
                        });
                        size = found;
                    } else if found > declared {
                        framing = Some(DamageKind::Unframed {
                            from: self.offset() + declared as u64,
                            skipped: (found - declared) as u64,
                        });
                        self.gap = found - declared;
                    }
                }
                None if have < declared => {
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
                None => {}
            }
        }
        self.last_timestamp = Some(header.timestamp);
        let offset = self.offset();
        let start = self.pos;
        self.pos += size + std::mem::take(&mut self.gap);
        let payload = self.buf.get(start + HEADER_LEN..start + size)?;
        match RawRecord::new(header, payload) {
            Ok(raw) => Some(Ok(RecordAt {
                offset,
                raw,
                framing,
            })),
            Err(e) => Some(Err(Damage::in_record(
                &self.path,
                offset,
                header,
                DamageKind::Decode(e),
            ))),
        }
    }

    /// The header `at` bytes after the current position.
    fn header_at(&self, at: usize) -> Option<Header> {
        let at = self.pos + at;
        let mut head = [0u8; HEADER_LEN];
        head.copy_from_slice(self.buf.get(at..at + HEADER_LEN)?);
        Some(Header::parse(head))
    }

    /// True when the record at `pos` decodes cleanly as `size` bytes.
    fn decodes(&self, header: Header, size: usize) -> bool {
        let Some(payload) = self.buf.get(self.pos + HEADER_LEN..self.pos + size) else {
            return false;
        };
        let Ok(raw) = RawRecord::new(
            Header {
                length: (size - HEADER_LEN) as u32,
                ..header
            },
            payload,
        ) else {
            return false;
        };
        raw.check().is_ok()
    }

    /// Distance from the current position to the first plausible header
    /// at or after `from` that is followed by another plausible header (or
    /// by the end of the stream).
    fn find_next_header(&mut self, from: usize) -> Option<usize> {
        let mut at = from;
        loop {
            if at > MAX_RESYNC {
                return None;
            }
            if self.fill(at + HEADER_LEN) < at + HEADER_LEN {
                return None;
            }
            let header = self.header_at(at)?;
            if plausible(&header, self.last_timestamp) {
                let end = at + HEADER_LEN + header.length as usize;
                let have = self.fill(end + HEADER_LEN);
                if have >= end && have <= end + MAX_LENGTH_SHORTFALL {
                    return Some(at);
                }
                // The follower may sit a few bytes late when the candidate's
                // own length is short, as in MRTd dumps of 2000.
                for slack in 0..=MAX_LENGTH_SHORTFALL {
                    if self.fill(end + slack + HEADER_LEN) < end + slack + HEADER_LEN {
                        break;
                    }
                    let next = self.header_at(end + slack)?;
                    if plausible(&next, Some(header.timestamp)) {
                        return Some(at);
                    }
                }
            }
            at += 1;
        }
    }

    /// Reports the `skipped` bytes at the current position as damaged and
    /// moves past them.
    fn skip_to(&mut self, skipped: usize, header: Option<Header>) -> Damage {
        let damage = self.damage(
            header,
            DamageKind::Unframed {
                from: self.offset(),
                skipped: skipped as u64,
            },
        );
        self.pos += skipped;
        damage
    }

    /// Skips an implausible header: to the next plausible one, or to the
    /// end when there is none.
    fn skip_to_next_header(&mut self, header: Option<Header>) -> Damage {
        match self.find_next_header(1) {
            Some(next) => self.skip_to(next, header),
            None => {
                self.finished = true;
                // Garbage from a broken compressed stream looks like a bad
                // header; the decompressor's error is the cause to report.
                if let Some(broken) = self.stream_damage() {
                    return broken;
                }
                let declared = header.map_or(0, |h| h.length);
                self.damage(header, DamageKind::BadLength { declared })
            }
        }
    }
}
