//! Typed errors: a bad row of a registry or AS-names file is reported with
//! where it was and skipped; only a file that cannot be read at all stops
//! a load.

use core::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What was wrong with one row of a delegated-extended file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowErrorKind {
    /// Fewer than the seven `|`-separated fields of a record.
    TooFewFields {
        /// Fields found.
        found: usize,
    },
    /// The status field is none of allocated, assigned, available, reserved.
    UnknownStatus,
    /// The type field is none of ipv4, ipv6, asn.
    UnknownType,
    /// The country field is not two letters.
    BadCountry,
    /// The start field is not an address (ipv4, ipv6) or number (asn).
    BadStart,
    /// The value field is not a positive number (count or prefix length).
    BadValue,
    /// The range runs past the end of its number space (e.g. an IPv4 count
    /// beyond 255.255.255.255, an IPv6 length over 128).
    OutOfRange,
    /// An IPv6 start address has bits set after its prefix length.
    Misaligned,
    /// The line is not UTF-8.
    NotUtf8,
}

impl fmt::Display for RowErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowErrorKind::TooFewFields { found } => {
                write!(f, "expected at least 7 '|'-separated fields, found {found}")
            }
            RowErrorKind::UnknownStatus => {
                f.write_str("status is not allocated, assigned, available or reserved")
            }
            RowErrorKind::UnknownType => f.write_str("type is not ipv4, ipv6 or asn"),
            RowErrorKind::BadCountry => f.write_str("country is not a two-letter code"),
            RowErrorKind::BadStart => f.write_str("start is not a valid address or number"),
            RowErrorKind::BadValue => f.write_str("value is not a positive number"),
            RowErrorKind::OutOfRange => f.write_str("range runs past the end of its space"),
            RowErrorKind::Misaligned => f.write_str("IPv6 start has bits after its prefix length"),
            RowErrorKind::NotUtf8 => f.write_str("line is not UTF-8"),
        }
    }
}

/// One skipped row: which file (when read from one), which line (1-based),
/// and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The file the row came from, when it came from a file.
    pub source: Option<Arc<Path>>,
    /// Line number, counting from 1.
    pub line: u64,
    /// What was wrong.
    pub kind: RowErrorKind,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Some(path) => write!(f, "{}:{}: {}", path.display(), self.line, self.kind),
            None => write!(f, "line {}: {}", self.line, self.kind),
        }
    }
}

impl std::error::Error for RowError {}

/// Why a whole file could not be loaded.
#[derive(Debug)]
pub enum LoadErrorKind {
    /// Opening or reading failed (including a corrupt gzip stream).
    Io(io::Error),
    /// The AS-names JSON is not a JSON object of strings.
    Json(serde_json::Error),
}

/// A file that could not be loaded, with its path.
#[derive(Debug)]
pub struct LoadError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub kind: LoadErrorKind,
}

impl LoadError {
    pub(crate) fn io(path: &Path, err: io::Error) -> LoadError {
        LoadError {
            path: path.to_path_buf(),
            kind: LoadErrorKind::Io(err),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            LoadErrorKind::Io(e) => write!(f, "{}: {e}", self.path.display()),
            LoadErrorKind::Json(e) => write!(f, "{}: invalid JSON: {e}", self.path.display()),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            LoadErrorKind::Io(e) => Some(e),
            LoadErrorKind::Json(e) => Some(e),
        }
    }
}
