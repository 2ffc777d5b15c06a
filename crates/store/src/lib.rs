//! The store of darkwatch's pipeline: series (and, with the detector,
//! events) persisted in SQLite, one file, WAL, schema migrations. Series
//! are written as change points, a row per entity per bin in which it
//! changed, in batches inside transactions, so a year of quiet entities
//! costs nothing.

use std::fmt;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use signal::{BinRow, Values};

/// Migrations in order; the schema version is the number applied.
const MIGRATIONS: &[&str] = &["
    CREATE TABLE entities (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE series (
        entity           INTEGER NOT NULL REFERENCES entities(id),
        bin_start        INTEGER NOT NULL,
        visible_24s      INTEGER NOT NULL,
        visible_48s      INTEGER NOT NULL,
        visible_prefixes INTEGER NOT NULL,
        announcements    INTEGER NOT NULL,
        withdrawals      INTEGER NOT NULL,
        path_changes     INTEGER NOT NULL,
        origin_changes   INTEGER NOT NULL,
        PRIMARY KEY (entity, bin_start)
    ) WITHOUT ROWID;
"];

/// A store operation failed.
#[derive(Debug)]
pub struct StoreError {
    /// The database file.
    pub path: PathBuf,
    /// What was being done.
    pub action: &'static str,
    /// SQLite's error.
    pub source: rusqlite::Error,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} failed: {} (check that the file is a darkwatch database and the disk is writable)",
            self.path.display(),
            self.action,
            self.source
        )
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// One stored point of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    /// Bin start, Unix seconds.
    pub bin_start: u64,
    /// The values.
    pub values: Values,
}

/// An open darkwatch database.
pub struct Store {
    path: PathBuf,
    conn: Connection,
}

impl Store {
    /// Opens (creating and migrating when needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let err = |action, source| StoreError {
            path: path.to_owned(),
            action,
            source,
        };
        let mut conn = Connection::open(path).map_err(|e| err("opening", e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| err("enabling WAL", e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| err("setting synchronous", e))?;
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| err("reading the schema version", e))?;
        let tx = conn.transaction().map_err(|e| err("migrating", e))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(sql).map_err(|e| err("migrating", e))?;
            tx.pragma_update(None, "user_version", i + 1)
                .map_err(|e| err("migrating", e))?;
        }
        tx.commit().map_err(|e| err("migrating", e))?;
        Ok(Store {
            path: path.to_owned(),
            conn,
        })
    }

    fn err(&self, action: &'static str, source: rusqlite::Error) -> StoreError {
        StoreError {
            path: self.path.clone(),
            action,
            source,
        }
    }

    /// Writes series rows in one transaction (a later row of the same
    /// entity and bin replaces an earlier one).
    pub fn write_rows(&mut self, rows: &[BinRow]) -> Result<(), StoreError> {
        let tx = self.conn.transaction().map_err(|e| StoreError {
            path: self.path.clone(),
            action: "writing series",
            source: e,
        })?;
        {
            let mut entity = tx
                .prepare_cached("INSERT INTO entities(name) VALUES (?1) ON CONFLICT(name) DO UPDATE SET name = name RETURNING id")
                .map_err(|e| StoreError { path: self.path.clone(), action: "writing series", source: e })?;
            let mut point = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO series VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(|e| StoreError {
                    path: self.path.clone(),
                    action: "writing series",
                    source: e,
                })?;
            for row in rows {
                let id: i64 = entity
                    .query_row(params![row.entity.to_string()], |r| r.get(0))
                    .map_err(|e| StoreError {
                        path: self.path.clone(),
                        action: "writing series",
                        source: e,
                    })?;
                let v = row.values;
                point
                    .execute(params![
                        id,
                        as_i64(row.bin_start),
                        as_i64(v.visible_24s),
                        as_i64(v.visible_48s),
                        as_i64(v.visible_prefixes),
                        as_i64(v.announcements),
                        as_i64(v.withdrawals),
                        as_i64(v.path_changes),
                        as_i64(v.origin_changes),
                    ])
                    .map_err(|e| StoreError {
                        path: self.path.clone(),
                        action: "writing series",
                        source: e,
                    })?;
            }
        }
        tx.commit().map_err(|e| self.err("writing series", e))
    }

    /// The stored points of `entity` (e.g. `country/KP`) with bins in
    /// `[from, to)`, in time order.
    pub fn series(&self, entity: &str, from: u64, to: u64) -> Result<Vec<Point>, StoreError> {
        let id: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM entities WHERE name = ?1",
                params![entity],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err("reading series", e))?;
        let Some(id) = id else {
            return Ok(Vec::new());
        };
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT bin_start, visible_24s, visible_48s, visible_prefixes, announcements,
                        withdrawals, path_changes, origin_changes
                 FROM series WHERE entity = ?1 AND bin_start >= ?2 AND bin_start < ?3
                 ORDER BY bin_start",
            )
            .map_err(|e| self.err("reading series", e))?;
        let rows = stmt
            .query_map(params![id, as_i64(from), as_i64(to)], |r| {
                let n = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
                Ok(Point {
                    bin_start: n(0)?,
                    values: Values {
                        visible_24s: n(1)?,
                        visible_48s: n(2)?,
                        visible_prefixes: n(3)?,
                        announcements: n(4)?,
                        withdrawals: n(5)?,
                        path_changes: n(6)?,
                        origin_changes: n(7)?,
                    },
                })
            })
            .map_err(|e| self.err("reading series", e))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|e| self.err("reading series", e))
    }

    /// Names of the stored entities, sorted.
    pub fn entities(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM entities ORDER BY name")
            .map_err(|e| self.err("listing entities", e))?;
        let names = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| self.err("listing entities", e))?;
        names
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| self.err("listing entities", e))
    }
}

fn as_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use signal::Entity;

    #[test]
    fn rows_round_trip_and_reopen_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("darkwatch.db");
        let kp = Entity::Country("KP".parse().unwrap());
        let rows: Vec<BinRow> = (0..3u64)
            .map(|i| BinRow {
                bin_start: 1_419_264_000 + i * 300,
                entity: kp,
                values: Values {
                    visible_24s: 4 - i,
                    withdrawals: i,
                    ..Values::default()
                },
            })
            .collect();
        Store::open(&path).unwrap().write_rows(&rows).unwrap();
        let store = Store::open(&path).unwrap();
        let points = store.series("country/KP", 0, u64::MAX >> 1).unwrap();
        assert_eq!(points.len(), 3);
        assert_eq!(points[2].values.visible_24s, 2);
        assert_eq!(points[2].values.withdrawals, 2);
        assert_eq!(
            store
                .series("country/KP", 1_419_264_300, 1_419_264_600)
                .unwrap()
                .len(),
            1
        );
        assert!(store.series("as/1", 0, 10).unwrap().is_empty());
        assert_eq!(store.entities().unwrap(), ["country/KP"]);
    }

    #[test]
    fn a_file_that_is_not_a_database_gives_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("not.db");
        std::fs::write(
            &path,
            b"this is not sqlite, it is text long enough to be read",
        )
        .unwrap();
        let err = Store::open(&path).err().expect("an error");
        let msg = err.to_string();
        assert!(
            msg.contains("not.db") && msg.contains("darkwatch database"),
            "{msg}"
        );
    }
}
