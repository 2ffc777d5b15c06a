//! The PostgreSQL side of the backend layer ([`crate::db`]): connecting
//! from a URL (shown with its password removed), connecting again when the
//! server drops the connection (a restart, a failover) and running the
//! operation again, the statement cache that rewrites SQLite's `?N`
//! placeholders to `$N` once per statement, binding parameters to the
//! types PostgreSQL infers, and the schema version in a one-row table. The
//! client is the synchronous `postgres` crate: the store is called from
//! blocking threads.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use postgres::error::{Severity, SqlState};
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, GenericClient, NoTls, Statement, Transaction};

use crate::db::{BackendError, Param, Row};
use crate::StoreError;

/// How long to wait for the server when the URL does not say
/// (`connect_timeout`): without it an unreachable host hangs the caller.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Waits between attempts to connect again after the connection was lost:
/// the first, doubled after each failure up to the last.
const RECONNECT_WAITS: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(2));

/// How long after losing the connection attempts to connect again go on:
/// long enough for a server restart, short enough that a writer which is
/// waiting (and holds what it writes) gives up and says so.
const RECONNECT_FOR: Duration = Duration::from_secs(30);

/// Serializes migrations of one database: the key of the advisory lock
/// that the migrating transaction holds.
const MIGRATION_LOCK: i64 = 0x6461_726b_7761_7463; // "darkwatc"

/// A connection, its prepared statements, and what it takes to connect
/// again.
pub(crate) struct Pg {
    client: Client,
    statements: Statements,
    /// The URL, parsed (password included): where to connect again.
    config: postgres::Config,
    /// The URL without its password, for messages.
    target: String,
}

/// An open transaction on a [`Pg`].
pub(crate) struct PgTx<'c> {
    tx: Transaction<'c>,
    statements: &'c mut Statements,
}

/// Statements prepared on the connection, by their text in the portable
/// dialect (`?N` placeholders).
#[derive(Default)]
struct Statements(HashMap<&'static str, Statement>);

impl Statements {
    /// The prepared statement of `sql`, preparing it on first use.
    fn get(
        &mut self,
        client: &mut impl GenericClient,
        sql: &'static str,
    ) -> Result<Statement, postgres::Error> {
        if let Some(stmt) = self.0.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = client.prepare(&placeholders(sql))?;
        self.0.insert(sql, stmt.clone());
        Ok(stmt)
    }
}

/// `sql` with SQLite's numbered placeholders `?N` written `$N`, as
/// PostgreSQL wants them; quoted strings and names are left alone.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote = None;
    for c in sql.chars() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '?') => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Connects to the database at `url` (`postgres://user@host:port/db`).
pub(crate) fn connect(url: &str) -> Result<Pg, StoreError> {
    let target = redact(url);
    let err = |action, e: postgres::Error| StoreError::new(target.clone(), action, e);
    let mut config: postgres::Config = url.parse().map_err(|e| err("reading the URL", e))?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let client = config.connect(NoTls).map_err(|e| err("connecting", e))?;
    Ok(Pg {
        client,
        statements: Statements::default(),
        config,
        target,
    })
}

/// Whether `e` means the connection is gone (the server shut down or
/// restarted, the network or the server ended the session), so that the
/// same statement may succeed on a new connection; errors of the statement
/// itself (constraints, types, permissions) do not.
fn is_lost(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.as_db_error() {
        Some(db) => {
            let code = db.code();
            code.code().starts_with("08")
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CRASH_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
                // A FATAL error ends the session whatever its code.
                || matches!(db.parsed_severity(), Some(Severity::Fatal | Severity::Panic))
        }
        // Reading or writing the socket failed.
        None => e.source().is_some_and(|cause| cause.is::<std::io::Error>()),
    }
}

/// `url` without its password (in the user part or a `password=`
/// parameter), to be shown in messages.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info
                .split_once(':')
                .map_or(user_info, |(user, _)| user);
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| !pair.starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// What to do about `e`, met on the database at `target`.
pub(crate) fn hint(e: &postgres::Error, target: &str) -> String {
    match e.code() {
        None => format!("is PostgreSQL running at {target}? check the URL"),
        Some(code)
            if code.code().starts_with("28")
                || *code == SqlState::INVALID_CATALOG_NAME
                || *code == SqlState::INVALID_SCHEMA_NAME =>
        {
            "check the user, password, database and options in the URL".to_owned()
        }
        // Class 53: the server's disk or memory ran out.
        Some(code) if code.code().starts_with("53") => {
            "the PostgreSQL server is out of disk or memory: free space on its data disk; what was written before stays".to_owned()
        }
        Some(_) => {
            "check that the database is darkwatch's and that the user may write to it".to_owned()
        }
    }
}

/// A client error written with what it wraps: the client's own message
/// for a server error is only "db error".
pub(crate) struct Described<'e>(pub(crate) &'e postgres::Error);

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        match self.0.source() {
            Some(cause) => write!(f, ": {}", cause.to_string().replace('\n', "; ")),
            None => Ok(()),
        }
    }
}

/// The failures of attempts to connect again, `(first attempt, last
/// attempt, error)` with the same error of consecutive attempts written
/// once, as [`BackendError::Reconnect`] shows them.
pub(crate) fn attempts(failures: &[postgres::Error]) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    for (i, e) in failures.iter().enumerate() {
        let text = Described(e).to_string();
        match out.last_mut() {
            Some((_, last, same)) if *same == text => *last = i + 1,
            _ => out.push((i + 1, i + 1, text)),
        }
    }
    out
}

/// Column `i` of `row` as an integer: a `bigint` column, or the `integer`
/// PostgreSQL gives a `CASE` of literals.
pub(crate) fn int(row: &postgres::Row, i: usize) -> Result<i64, BackendError> {
    match row.columns().get(i).map(|c| c.type_()) {
        Some(&Type::INT4) => Ok(i64::from(row.try_get::<_, i32>(i)?)),
        _ => Ok(row.try_get(i)?),
    }
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(v) if *ty == Type::INT8 => v.to_sql(ty, out),
            // `?N = 0` makes PostgreSQL infer an `integer` parameter.
            Param::Int(v) if *ty == Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
            Param::Text(s) if <&str as ToSql>::accepts(ty) => s.to_sql(ty, out),
            _ => Err(format!("{self:?} cannot be sent as a {ty}").into()),
        }
    }

    /// Any type: `to_sql` checks the value against it, since a NULL fits
    /// every type and the other variants fit a few.
    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// `params` as the client takes them.
fn refs<'a>(params: &'a [Param<'_>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// The rows of a query on `client` (a connection or a transaction), each
/// read by `f`.
fn query<T>(
    client: &mut impl GenericClient,
    statements: &mut Statements,
    sql: &'static str,
    params: &[Param<'_>],
    f: impl FnMut(Row<'_>) -> Result<T, BackendError>,
) -> Result<Vec<T>, BackendError> {
    let stmt = statements.get(client, sql)?;
    let rows = client.query(&stmt, &refs(params))?;
    rows.iter().map(Row::Postgres).map(f).collect()
}

impl Pg {
    /// Starts a transaction.
    pub(crate) fn transaction(&mut self) -> Result<PgTx<'_>, postgres::Error> {
        Ok(PgTx {
            tx: self.client.transaction()?,
            statements: &mut self.statements,
        })
    }

    /// The rows of a query, each read by `f`.
    pub(crate) fn query<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl FnMut(Row<'_>) -> Result<T, BackendError>,
    ) -> Result<Vec<T>, BackendError> {
        query(&mut self.client, &mut self.statements, sql, params, f)
    }

    /// Runs `op`, and when it fails because the connection is gone,
    /// connects again and runs it again, from the start. `op` must leave
    /// nothing behind when it fails that way: a query, or a transaction
    /// before its COMMIT (which the server rolls back with the session).
    /// Says on stderr that the connection was lost, and that it is back.
    pub(crate) fn reconnecting<T>(
        &mut self,
        mut op: impl FnMut(&mut Pg) -> Result<T, BackendError>,
    ) -> Result<T, BackendError> {
        let mut since = None;
        loop {
            let lost = match op(self) {
                Err(BackendError::Postgres(e)) if is_lost(&e) => e,
                done => return done,
            };
            // A second loss right after connecting again shares the first
            // one's time limit, so that the whole stays bounded.
            let started = *since.get_or_insert_with(Instant::now);
            eprintln!(
                "darkwatch: lost the connection to PostgreSQL at {} ({}); connecting again",
                self.target,
                Described(&lost)
            );
            self.reconnect(lost, started)?;
        }
    }

    /// Connects again, waiting longer after each failed attempt, until
    /// [`RECONNECT_FOR`] after `started`; the new connection starts with
    /// no prepared statements.
    fn reconnect(&mut self, lost: postgres::Error, started: Instant) -> Result<(), BackendError> {
        let (mut wait, longest) = RECONNECT_WAITS;
        let mut failures = Vec::new();
        loop {
            match self.config.connect(NoTls) {
                Ok(client) => {
                    self.client = client;
                    self.statements = Statements::default();
                    eprintln!(
                        "darkwatch: connected again to PostgreSQL at {} (attempt {}, {:.1} s after losing it)",
                        self.target,
                        failures.len() + 1,
                        started.elapsed().as_secs_f64()
                    );
                    return Ok(());
                }
                Err(e) => failures.push(e),
            }
            let left = RECONNECT_FOR.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(BackendError::Reconnect {
                    lost,
                    failures,
                    after: started.elapsed(),
                });
            }
            std::thread::sleep(wait.min(left));
            wait = (wait * 2).min(longest);
        }
    }
}

impl PgTx<'_> {
    /// Commits the transaction. When the connection is lost during the
    /// COMMIT, the server may have committed before it went: the error is
    /// [`BackendError::CommitUnknown`], which is not retried.
    pub(crate) fn commit(self) -> Result<(), BackendError> {
        self.tx.commit().map_err(|e| {
            if is_lost(&e) {
                BackendError::CommitUnknown(e)
            } else {
                BackendError::Postgres(e)
            }
        })
    }

    /// The rows of a query, each read by `f`.
    pub(crate) fn query<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl FnMut(Row<'_>) -> Result<T, BackendError>,
    ) -> Result<Vec<T>, BackendError> {
        query(&mut self.tx, self.statements, sql, params, f)
    }

    /// Runs statements without parameters, several separated by `;`.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), BackendError> {
        Ok(self.tx.batch_execute(sql)?)
    }

    /// Executes `sql` once per item, the statement prepared once.
    pub(crate) fn execute_each<'p, P: AsRef<[Param<'p>]>>(
        &mut self,
        sql: &'static str,
        items: impl IntoIterator<Item = P>,
    ) -> Result<(), BackendError> {
        let stmt = self.statements.get(&mut self.tx, sql)?;
        for params in items {
            self.tx.execute(&stmt, &refs(params.as_ref()))?;
        }
        Ok(())
    }

    /// The schema version, from the one-row table `darkwatch_schema`
    /// (created when missing). It first takes the migration lock, held to
    /// the end of the transaction, so that two processes opening a new
    /// database do not both migrate it.
    pub(crate) fn schema_version(&mut self) -> Result<usize, BackendError> {
        self.tx.batch_execute(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK});
             CREATE TABLE IF NOT EXISTS darkwatch_schema (version BIGINT NOT NULL);"
        ))?;
        let version = self
            .tx
            .query_opt("SELECT version FROM darkwatch_schema", &[])?
            .map(|row| row.try_get::<_, i64>(0))
            .transpose()?;
        Ok(version.map_or(0, |v| usize::try_from(v).unwrap_or(0)))
    }

    /// Sets the schema version.
    pub(crate) fn set_schema_version(&mut self, version: usize) -> Result<(), BackendError> {
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        self.tx.execute("DELETE FROM darkwatch_schema", &[])?;
        self.tx.execute(
            "INSERT INTO darkwatch_schema (version) VALUES ($1)",
            &[&version],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_with_dollars_outside_quotes() {
        assert_eq!(
            placeholders("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b = $12"
        );
    }

    #[test]
    fn urls_are_shown_without_their_password() {
        assert_eq!(
            redact("postgres://dw:s3cret@db.example:5432/darkwatch?sslmode=disable"),
            "postgres://dw@db.example:5432/darkwatch?sslmode=disable"
        );
        assert_eq!(
            redact("postgresql:///darkwatch?host=/tmp/pg&password=s3cret"),
            "postgresql:///darkwatch?host=/tmp/pg"
        );
        assert_eq!(
            redact("postgres://dw@127.0.0.1?password=x"),
            "postgres://dw@127.0.0.1"
        );
    }
}
