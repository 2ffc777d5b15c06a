//! The SQLite side of the backend layer ([`crate::db`]): opening a database
//! file tuned for the store's batched writes, running statements through
//! rusqlite's statement cache, and the schema version in `user_version`.

use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{ffi, params_from_iter, Connection, ErrorCode, ToSql};

use crate::db::{BackendError, Param, Row};
use crate::StoreError;

/// Opens (creating when needed) the database file at `path`.
pub(crate) fn open(path: &Path) -> Result<Connection, StoreError> {
    let err = |action, e: rusqlite::Error| StoreError::new(path.display().to_string(), action, e);
    let conn = Connection::open(path).map_err(|e| err("opening", e))?;
    // A live server writes through two connections (the feeds' writer, and
    // the API's watch list and alert cursors): one waits for the other
    // rather than failing at once.
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| err("setting the busy timeout", e))?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| err("enabling WAL", e))?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(|e| err("setting synchronous", e))?;
    // 128 MiB of page cache: series rows arrive in time order but are
    // keyed by entity, so a batch touches pages all over the table; a
    // cache that holds them makes each commit write far fewer pages
    // (BENCHMARKS.md, bytes written per stored row).
    conn.pragma_update(None, "cache_size", -131_072)
        .map_err(|e| err("setting the cache size", e))?;
    Ok(conn)
}

/// Folds the write-ahead log into the database file and empties it, so
/// that the file alone holds everything. A reader still using the log
/// leaves it to a later checkpoint; only a failure (a full disk) is an
/// error.
pub(crate) fn checkpoint(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => ValueRef::Null,
            Param::Int(v) => ValueRef::Integer(v),
            Param::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

/// What to check after SQLite's error `e`. A full disk is told apart: it
/// is SQLITE_FULL when a write finds no space, or SQLITE_IOERR_SHMSIZE when
/// the `-shm` file beside the database cannot grow, which is how a new
/// connection first meets a disk with only a few pages left.
pub(crate) fn hint(e: &rusqlite::Error) -> &'static str {
    let full = e.sqlite_error_code() == Some(ErrorCode::DiskFull)
        || matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == ffi::SQLITE_IOERR_SHMSIZE);
    if full {
        "the disk holding it is full: free space there, or choose another --db on a disk with room; \
         what was written before the error stays in the database"
    } else {
        "check that the file is a darkwatch database and the disk is writable"
    }
}

/// The rows of a query on `conn` (a connection or a transaction), each
/// read by `f`.
pub(crate) fn query<T>(
    conn: &Connection,
    sql: &'static str,
    params: &[Param<'_>],
    mut f: impl FnMut(Row<'_>) -> Result<T, BackendError>,
) -> Result<Vec<T>, BackendError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(f(Row::Sqlite(row))?);
    }
    Ok(out)
}

/// Executes `sql` once per item, the statement prepared once.
pub(crate) fn execute_each<'p, P: AsRef<[Param<'p>]>>(
    conn: &Connection,
    sql: &'static str,
    items: impl IntoIterator<Item = P>,
) -> Result<(), BackendError> {
    let mut stmt = conn.prepare_cached(sql)?;
    for params in items {
        stmt.execute(params_from_iter(params.as_ref()))?;
    }
    Ok(())
}

/// The schema version, kept in the file header's `user_version`.
pub(crate) fn schema_version(conn: &Connection) -> Result<usize, BackendError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Sets the schema version.
pub(crate) fn set_schema_version(conn: &Connection, version: usize) -> Result<(), BackendError> {
    Ok(conn.pragma_update(None, "user_version", version)?)
}
