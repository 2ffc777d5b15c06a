//! The store's backend layer, between the store's methods (which hold the
//! SQL, written once) and the two databases: a connection to SQLite or
//! PostgreSQL, the parameters and rows that cross it, and transactions.
//! Statements use SQLite's `?1..?N` placeholders; the PostgreSQL side
//! rewrites them once per statement text ([`crate::pg`]), and connects
//! again when the server drops the connection.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use crate::pg::{self, Pg, PgTx};
use crate::{sqlite, StoreError};

/// Which database a connection or transaction talks to: the schema's DDL
/// differs between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

/// An open connection.
pub(crate) enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(Box<Pg>),
}

/// A value bound to a placeholder.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}

impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// One row of a result, read by column index.
#[derive(Clone, Copy)]
pub(crate) enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// An integer column (PostgreSQL's `integer` of a `CASE` as well as
    /// the schema's `bigint`).
    pub(crate) fn int(&self, i: usize) -> Result<i64, BackendError> {
        match self {
            Row::Sqlite(r) => Ok(r.get(i)?),
            Row::Postgres(r) => pg::int(r, i),
        }
    }

    /// An integer column that may be NULL.
    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>, BackendError> {
        match self {
            Row::Sqlite(r) => Ok(r.get(i)?),
            Row::Postgres(r) => Ok(r.try_get(i)?),
        }
    }

    /// An integer column that holds a count or a time: never negative.
    pub(crate) fn uint(&self, i: usize) -> Result<u64, BackendError> {
        self.int(i).map(|v| u64::try_from(v).unwrap_or(0))
    }

    /// A text column.
    pub(crate) fn text(&self, i: usize) -> Result<String, BackendError> {
        match self {
            Row::Sqlite(r) => Ok(r.get(i)?),
            Row::Postgres(r) => Ok(r.try_get(i)?),
        }
    }

    /// A text column that may be NULL.
    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>, BackendError> {
        match self {
            Row::Sqlite(r) => Ok(r.get(i)?),
            Row::Postgres(r) => Ok(r.try_get(i)?),
        }
    }
}

/// An open transaction: committed by [`Db::transaction`] when its closure
/// succeeds, rolled back when dropped otherwise.
pub(crate) enum Tx<'c> {
    Sqlite(rusqlite::Transaction<'c>),
    Postgres(PgTx<'c>),
}

impl Db {
    /// Connects to the database `target` names: a PostgreSQL URL
    /// (`postgres://...` or `postgresql://...`), or else an SQLite file.
    pub(crate) fn connect(target: &str) -> Result<Db, StoreError> {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            pg::connect(target).map(|pg| Db::Postgres(Box::new(pg)))
        } else {
            sqlite::open(Path::new(target)).map(Db::Sqlite)
        }
    }

    /// The backend of this connection.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs `f` in a transaction, committed when `f` succeeds. On
    /// PostgreSQL, when the connection is lost before the COMMIT, the
    /// server has rolled the transaction back: `f` runs again, whole, in a
    /// transaction on a new connection. So `f` must keep nothing it learnt
    /// in a failed run (ids handed out, rows read) for the next one.
    pub(crate) fn transaction<T>(
        &mut self,
        mut f: impl FnMut(&mut Tx<'_>) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        match self {
            Db::Sqlite(conn) => Tx::Sqlite(conn.transaction()?).run(&mut f),
            Db::Postgres(pg) => pg.reconnecting(|pg| Tx::Postgres(pg.transaction()?).run(&mut f)),
        }
    }

    /// The rows of a query, each read by `f`.
    pub(crate) fn query<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        mut f: impl FnMut(Row<'_>) -> Result<T, BackendError>,
    ) -> Result<Vec<T>, BackendError> {
        match self {
            Db::Sqlite(conn) => sqlite::query(conn, sql, params, f),
            Db::Postgres(pg) => pg.reconnecting(|pg| pg.query(sql, params, &mut f)),
        }
    }

    /// The first row of a query, if any, read by `f`.
    pub(crate) fn query_opt<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl FnMut(Row<'_>) -> Result<T, BackendError>,
    ) -> Result<Option<T>, BackendError> {
        Ok(self.query(sql, params, f)?.into_iter().next())
    }
}

impl Tx<'_> {
    /// Runs `f` in this transaction, then commits it.
    fn run<T>(
        mut self,
        f: &mut impl FnMut(&mut Tx<'_>) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        let out = f(&mut self)?;
        match self {
            Tx::Sqlite(tx) => tx.commit()?,
            Tx::Postgres(tx) => tx.commit()?,
        }
        Ok(out)
    }

    /// The backend of this transaction.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs statements without parameters (DDL), several separated by `;`.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), BackendError> {
        match self {
            Tx::Sqlite(tx) => Ok(tx.execute_batch(sql)?),
            Tx::Postgres(tx) => tx.batch(sql),
        }
    }

    /// Executes one statement once per item of `items`, prepared once.
    pub(crate) fn execute_each<'p, P: AsRef<[Param<'p>]>>(
        &mut self,
        sql: &'static str,
        items: impl IntoIterator<Item = P>,
    ) -> Result<(), BackendError> {
        match self {
            Tx::Sqlite(tx) => sqlite::execute_each(tx, sql, items),
            Tx::Postgres(tx) => tx.execute_each(sql, items),
        }
    }

    /// The rows of a query inside the transaction, each read by `f`.
    pub(crate) fn query<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl FnMut(Row<'_>) -> Result<T, BackendError>,
    ) -> Result<Vec<T>, BackendError> {
        match self {
            Tx::Sqlite(tx) => sqlite::query(tx, sql, params, f),
            Tx::Postgres(tx) => tx.query(sql, params, f),
        }
    }

    /// The one row a statement returns (`INSERT ... RETURNING`), read by
    /// `f`.
    pub(crate) fn query_one<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl FnMut(Row<'_>) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        self.query(sql, params, f)?
            .into_iter()
            .next()
            .ok_or(BackendError::NoRow(sql))
    }

    /// The number of migrations applied to the database.
    pub(crate) fn schema_version(&mut self) -> Result<usize, BackendError> {
        match self {
            Tx::Sqlite(tx) => sqlite::schema_version(tx),
            Tx::Postgres(tx) => tx.schema_version(),
        }
    }

    /// Records that `version` migrations are applied.
    pub(crate) fn set_schema_version(&mut self, version: usize) -> Result<(), BackendError> {
        match self {
            Tx::Sqlite(tx) => sqlite::set_schema_version(tx, version),
            Tx::Postgres(tx) => tx.set_schema_version(version),
        }
    }
}

/// What the database said when a statement failed.
#[derive(Debug)]
pub enum BackendError {
    /// SQLite's error.
    Sqlite(rusqlite::Error),
    /// PostgreSQL's (or its client's) error.
    Postgres(postgres::Error),
    /// A statement that returns a row returned none.
    NoRow(&'static str),
    /// The connection to PostgreSQL was lost, and connecting again failed
    /// until darkwatch gave up.
    Reconnect {
        /// What ended the connection.
        lost: postgres::Error,
        /// Each attempt's failure, in order.
        failures: Vec<postgres::Error>,
        /// From losing the connection to giving up.
        after: Duration,
    },
    /// The connection to PostgreSQL was lost during a COMMIT: the server
    /// may or may not have committed, so the transaction is not run again.
    CommitUnknown(postgres::Error),
}

impl From<rusqlite::Error> for BackendError {
    fn from(e: rusqlite::Error) -> Self {
        BackendError::Sqlite(e)
    }
}

impl From<postgres::Error> for BackendError {
    fn from(e: postgres::Error) -> Self {
        BackendError::Postgres(e)
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::Sqlite(e) => e.fmt(f),
            BackendError::Postgres(e) => pg::Described(e).fmt(f),
            BackendError::NoRow(sql) => write!(f, "no row returned by {}", sql.trim()),
            BackendError::Reconnect {
                lost,
                failures,
                after,
            } => {
                write!(
                    f,
                    "the connection was lost ({}) and {} attempts to connect again in {:.1} s failed:",
                    pg::Described(lost),
                    failures.len(),
                    after.as_secs_f64()
                )?;
                for (i, (first, last, e)) in pg::attempts(failures).iter().enumerate() {
                    let sep = if i == 0 { " " } else { "; " };
                    if first == last {
                        write!(f, "{sep}attempt {first}: {e}")?;
                    } else {
                        write!(f, "{sep}attempts {first} to {last}: {e}")?;
                    }
                }
                Ok(())
            }
            BackendError::CommitUnknown(e) => write!(
                f,
                "the connection was lost during COMMIT, so whether the transaction was stored is unknown: {}",
                pg::Described(e)
            ),
        }
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BackendError::Sqlite(e) => Some(e),
            BackendError::Postgres(e) | BackendError::CommitUnknown(e) => Some(e),
            BackendError::Reconnect { failures, lost, .. } => Some(failures.last().unwrap_or(lost)),
            BackendError::NoRow(_) => None,
        }
    }
}
