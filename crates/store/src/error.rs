//! The store's one error type: which database, what was being done, what
//! the database said, and what to check.

use std::fmt;

use crate::db::BackendError;
use crate::{pg, sqlite};

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
            BackendError::Sqlite(e) => sqlite::hint(e).to_owned(),
            BackendError::NoRow(_) => "check that the database is a darkwatch database".to_owned(),
            BackendError::Reconnect { .. } => format!(
                "is PostgreSQL running at {}? the next operation tries to connect again",
                self.target
            ),
            BackendError::CommitUnknown(_) => {
                "the next operation connects again; look in the database for this write before doing it again".to_owned()
            }
        };
        write!(
            f,
            "{}: {} failed: {} ({hint})",
            self.target, self.action, self.source
        )
    }
}

/// No `source`: the message already ends with the database's error, and
/// a source would print it again (and its own source after it) in
/// `darkwatch: error: {e:#}`.
impl std::error::Error for StoreError {}
