//! The store of darkwatch's pipeline: series and events persisted in
//! SQLite (one file, WAL; the default, embedded) or PostgreSQL (for shared
//! deployments), with the same schema versions and migrations. Series are
//! written as change points, a row per entity per bin in which it changed,
//! in batches inside transactions, so a year of quiet entities costs
//! nothing.
//!
//! The store's methods hold the SQL, written once in a dialect both
//! databases read, grouped by concern (modules `series`, `entities`,
//! `events`, `alerts`, `counters`, and `checkpoint` for the pipeline's
//! output in one transaction); module `db` runs it on either backend, `schema`
//! migrates both.

use std::collections::HashMap;
use std::path::Path;

use signal::Entity;

mod alerts;
mod checkpoint;
mod counters;
mod db;
mod entities;
mod error;
mod events;
mod pg;
mod schema;
mod series;
mod sqlite;
#[cfg(test)]
mod tests;

pub use alerts::{watch_matches, Alert, NewAlert};
pub use checkpoint::{Output, ReplayProgress};
pub use db::BackendError;
pub use entities::EntityInfo;
pub use error::StoreError;
pub use events::EventQuery;
pub use series::Point;

use db::{Backend, Db};

/// An open darkwatch database.
pub struct Store {
    db: Db,
    /// The database as messages show it: the file path, or the URL
    /// without its password.
    target: String,
    /// Ids of the entities written through this connection.
    entity_ids: HashMap<Entity, i64>,
}

impl Store {
    /// Opens (creating and migrating when needed) the SQLite database at
    /// `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = sqlite::open(path)?;
        Store::migrated(Db::Sqlite(conn), path.display().to_string())
    }

    /// Opens (migrating when needed) the database `target` names: a
    /// PostgreSQL URL (`postgres://user@host:port/db`, `postgresql://...`,
    /// with `?host=/socket/dir` for a Unix socket) or else the path of an
    /// SQLite file.
    pub fn connect(target: &str) -> Result<Store, StoreError> {
        let db = Db::connect(target)?;
        let shown = match db.backend() {
            Backend::Postgres => pg::redact(target),
            Backend::Sqlite => target.to_owned(),
        };
        Store::migrated(db, shown)
    }

    fn migrated(mut db: Db, target: String) -> Result<Store, StoreError> {
        schema::migrate(&mut db).map_err(|e| StoreError::new(target.clone(), "migrating", e))?;
        Ok(Store {
            db,
            target,
            entity_ids: HashMap::new(),
        })
    }

    /// Closes the store. SQLite's write-ahead log is folded into the
    /// database file first, so that a full disk at that moment is an
    /// error rather than rows left only in the `-wal` file beside it.
    pub fn close(self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(conn) => sqlite::checkpoint(conn)
                .map_err(|e| self.err("folding the write-ahead log into the file", e.into())),
            Db::Postgres(_) => Ok(()),
        }
    }

    /// The result of a write of series: the ids of the entities it added
    /// are kept once it committed; a failure says `action`.
    fn after_write(
        &mut self,
        written: Result<HashMap<Entity, i64>, BackendError>,
        action: &'static str,
    ) -> Result<(), StoreError> {
        match written {
            Ok(added) => {
                self.entity_ids.extend(added);
                Ok(())
            }
            Err(e) => Err(self.err(action, e)),
        }
    }

    /// The error of `action` on this store.
    fn err(&self, action: &'static str, source: BackendError) -> StoreError {
        StoreError::new(self.target.clone(), action, source)
    }
}

/// `v` as SQL's signed integers hold it (times and counts never reach the
/// top bit; saturating keeps a range bound like `u64::MAX` meaning "no
/// bound").
fn as_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
