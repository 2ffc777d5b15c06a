//! The store's one error type: which database, what was being done, what
//! the database said, and what to check.

use std::fmt;

use crate::db::BackendError;
use crate::pg;

/// A store operation failed.
#[derive(Debug)]
pub struct StoreError {
    /// The database: a file path, or a PostgreSQL URL without its
    /// password.
    pub target: String,
    /// What was being done.
    pub action: &'static str,
    /// The database's error.
    pub source: BackendError,
}

impl StoreError {
    pub(crate) fn new(
        target: String,
        action: &'static str,
        source: impl Into<BackendError>,
    ) -> StoreError {
        StoreError {
            target,
            action,
            source: source.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match &self.source {
            BackendError::Postgres(e) => pg::hint(e, &self.target),
            BackendError::Sqlite(_) => {
                "check that the file is a darkwatch database and the disk is writable".to_owned()
            }
            BackendError::NoRow(_) => "check that the database is a darkwatch database".to_owned(),
        };
        write!(
            f,
            "{}: {} failed: {} ({hint})",
            self.target, self.action, self.source
        )
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
