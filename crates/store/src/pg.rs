//! The PostgreSQL side of the backend layer ([`crate::db`]): connecting
//! from a URL (shown with its password removed), the statement cache that
//! rewrites SQLite's `?N` placeholders to `$N` once per statement, binding
//! parameters to the types PostgreSQL infers, and the schema version in a
//! one-row table. The client is the synchronous `postgres` crate: the store
//! is called from blocking threads.

use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::time::Duration;

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use postgres::{Client, GenericClient, NoTls, Statement, Transaction};

use crate::db::{BackendError, Param, Row};
use crate::StoreError;

/// How long to wait for the server when the URL does not say
/// (`connect_timeout`): without it an unreachable host hangs the caller.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Serializes migrations of one database: the key of the advisory lock
/// that the migrating transaction holds.
const MIGRATION_LOCK: i64 = 0x6461_726b_7761_7463; // "darkwatc"

/// A connection and its prepared statements.
pub(crate) struct Pg {
    client: Client,
    statements: Statements,
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
    })
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
        Some(_) => {
            "check that the database is darkwatch's and that the user may write to it".to_owned()
        }
    }
}

/// Writes `e` with what it wraps: the client's own message for a server
/// error is only "db error".
pub(crate) fn describe(e: &postgres::Error, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{e}")?;
    match e.source() {
        Some(cause) => write!(f, ": {}", cause.to_string().replace('\n', "; ")),
        None => Ok(()),
    }
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
}

impl PgTx<'_> {
    /// Commits the transaction.
    pub(crate) fn commit(self) -> Result<(), postgres::Error> {
        self.tx.commit()
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
