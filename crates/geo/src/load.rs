//! The edge where files are read: opening (gzip or not, told by its magic
//! bytes) and handing the bytes to the parsers. Everything else in this
//! crate works on readers and strings.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;

use crate::asnames::{AsNameIssue, AsNames};
use crate::delegated::ParseReport;
use crate::error::{LoadError, LoadErrorKind};
use crate::table::{RegistryTable, RegistryTableBuilder};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Opens a file for reading, decompressing it when it starts with the gzip
/// magic bytes (the registries publish plain text; archives keep `.gz`).
pub fn open_maybe_gzip(path: &Path) -> Result<Box<dyn BufRead>, LoadError> {
    let file = File::open(path).map_err(|e| LoadError::io(path, e))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let head = reader.fill_buf().map_err(|e| LoadError::io(path, e))?;
    if head.starts_with(&GZIP_MAGIC) {
        // Multi-member: `cat a.gz b.gz` is valid gzip and should read whole.
        Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            MultiGzDecoder::new(reader),
        )))
    } else {
        Ok(Box::new(reader))
    }
}

/// Reads delegated-extended files (plain or gzip) and merges them into one
/// table, returning one report per file in the order given (rows kept,
/// skipped, bad rows with file and line). Fails only when a file cannot be
/// opened or read.
pub fn load_delegated_files<P: AsRef<Path>>(
    paths: &[P],
) -> Result<(RegistryTable, Vec<ParseReport>), LoadError> {
    let mut builder = RegistryTableBuilder::new();
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        let path = path.as_ref();
        let reader = open_maybe_gzip(path)?;
        let source: Arc<Path> = Arc::from(path);
        let report = builder
            .add_delegated(reader, Some(source))
            .map_err(|e| LoadError::io(path, e))?;
        reports.push(report);
    }
    Ok((builder.build(), reports))
}

/// Reads an AS-names file in either form (plain or gzip): JSON when its
/// first non-blank byte is `{`, else the `ASN NAME, CC` text form.
pub fn load_as_names(path: &Path) -> Result<(AsNames, Vec<AsNameIssue>), LoadError> {
    let mut reader = open_maybe_gzip(path)?;
    let is_json = loop {
        let buf = reader.fill_buf().map_err(|e| LoadError::io(path, e))?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break buf.get(i) == Some(&b'{'),
            None if buf.is_empty() => break false,
            None => {
                let n = buf.len();
                reader.consume(n);
            }
        }
    };
    if is_json {
        AsNames::from_json(reader).map_err(|e| LoadError {
            path: path.to_path_buf(),
            kind: if e.is_io() {
                LoadErrorKind::Io(e.into())
            } else {
                LoadErrorKind::Json(e)
            },
        })
    } else {
        AsNames::from_text(reader).map_err(|e| LoadError::io(path, e))
    }
}
