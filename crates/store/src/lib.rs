//! The store of darkwatch's pipeline: series (and, with the detector,
//! events) persisted in SQLite, one file, WAL, schema migrations. Series
//! are written as change points, a row per entity per bin in which it
//! changed, in batches inside transactions, so a year of quiet entities
//! costs nothing.

mod alerts;

use std::fmt;
use std::path::{Path, PathBuf};

use std::collections::HashMap;

use detect::Event;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use signal::{BinRow, Entity, Values};

pub use alerts::{watch_matches, Alert, NewAlert};

/// Migrations in order; the schema version is the number applied.
const MIGRATIONS: &[&str] = &[
    "
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
",
    "
    ALTER TABLE series ADD COLUMN full_feed_v4 INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE series ADD COLUMN full_feed_v6 INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE entities ADD COLUMN label TEXT;
    ALTER TABLE entities ADD COLUMN country TEXT;
",
    "
    CREATE TABLE events (
        id       INTEGER PRIMARY KEY,
        entity   TEXT NOT NULL,
        kind     TEXT NOT NULL,
        severity TEXT NOT NULL,
        start    INTEGER NOT NULL,
        end      INTEGER,
        json     TEXT NOT NULL
    );
    CREATE INDEX events_by_entity ON events(entity, start);
    CREATE INDEX events_by_start ON events(start);
",
    "
    CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    "
    CREATE TABLE alerts (
        id             INTEGER PRIMARY KEY,
        event_id       INTEGER NOT NULL,
        transition     TEXT NOT NULL,
        entity         TEXT NOT NULL,
        kind           TEXT NOT NULL,
        worst_severity TEXT NOT NULL,
        at             INTEGER NOT NULL,
        event_json     TEXT NOT NULL
    );
    CREATE TABLE sink_cursors (
        name       TEXT PRIMARY KEY,
        last_alert INTEGER NOT NULL
    );
    CREATE TABLE watch (
        entity TEXT PRIMARY KEY
    );
",
];

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

/// Which events to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only this entity's (`country/KP`).
    pub entity: Option<String>,
    /// Only events not ended before this time (Unix seconds).
    pub from: Option<u64>,
    /// Only events started before this time.
    pub to: Option<u64>,
    /// Only open events.
    pub active: bool,
}

/// What an entity is, beyond its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityInfo {
    /// The entity id (`as/131279`).
    pub name: String,
    /// A human label: an AS's name (`STAR-KP Ryugyong-dong`).
    pub label: Option<String>,
    /// A country code: an AS's registry country.
    pub country: Option<String>,
}

/// An open darkwatch database.
pub struct Store {
    path: PathBuf,
    conn: Connection,
    /// Ids of the entities written through this connection.
    entity_ids: HashMap<Entity, i64>,
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
        // 128 MiB of page cache: series rows arrive in time order but are
        // keyed by entity, so a batch touches pages all over the table; a
        // cache that holds them makes each commit write far fewer pages
        // (BENCHMARKS.md, bytes written per stored row).
        conn.pragma_update(None, "cache_size", -131_072)
            .map_err(|e| err("setting the cache size", e))?;
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
            entity_ids: HashMap::new(),
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
        let Store {
            path,
            conn,
            entity_ids,
        } = self;
        let err = |source| StoreError {
            path: path.clone(),
            action: "writing series",
            source,
        };
        let written = (|| {
            let tx = conn.transaction()?;
            {
                let mut entity = tx.prepare_cached(
                    "INSERT INTO entities(name) VALUES (?1)
                     ON CONFLICT(name) DO UPDATE SET name = name RETURNING id",
                )?;
                let mut point = tx.prepare_cached(
                    "INSERT OR REPLACE INTO series (entity, bin_start, visible_24s, visible_48s,
                        visible_prefixes, announcements, withdrawals, path_changes,
                        origin_changes, full_feed_v4, full_feed_v6)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?;
                for row in rows {
                    let id = match entity_ids.get(&row.entity) {
                        Some(&id) => id,
                        None => {
                            let id: i64 =
                                entity.query_row(params![row.entity.to_string()], |r| r.get(0))?;
                            entity_ids.insert(row.entity, id);
                            id
                        }
                    };
                    let values = row.values.to_array().map(as_i64);
                    point.execute(params_from_iter(
                        [id, as_i64(row.bin_start)].into_iter().chain(values),
                    ))?;
                }
            }
            tx.commit()
        })();
        if written.is_err() {
            // Ids handed out inside the rolled-back transaction are void.
            entity_ids.clear();
        }
        written.map_err(err)
    }

    /// The stored points of `entity` (e.g. `country/KP`) with bins in
    /// `[from, to)`, in time order.
    pub fn series(&self, entity: &str, from: u64, to: u64) -> Result<Vec<Point>, StoreError> {
        let err = |e| self.err("reading series", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT bin_start, visible_24s, visible_48s, visible_prefixes, announcements,
                        withdrawals, path_changes, origin_changes, full_feed_v4, full_feed_v6
                 FROM series JOIN entities ON entities.id = series.entity
                 WHERE entities.name = ?1 AND bin_start >= ?2 AND bin_start < ?3
                 ORDER BY bin_start",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![entity, as_i64(from), as_i64(to)], |r| {
                let n = |i: usize| r.get::<_, i64>(i).map(|v| u64::try_from(v).unwrap_or(0));
                let mut values = [0u64; 9];
                for (i, v) in values.iter_mut().enumerate() {
                    *v = n(i + 1)?;
                }
                Ok(Point {
                    bin_start: n(0)?,
                    values: Values::from_array(values),
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// Records what an entity is: a label (an AS's name) and a country
    /// (an AS's registry country). Entities not stored are skipped.
    pub fn describe(&mut self, infos: &[EntityInfo]) -> Result<(), StoreError> {
        let Store { path, conn, .. } = self;
        let err = |source| StoreError {
            path: path.clone(),
            action: "describing entities",
            source,
        };
        let tx = conn.transaction().map_err(err)?;
        {
            let mut update = tx
                .prepare_cached("UPDATE entities SET label = ?2, country = ?3 WHERE name = ?1")
                .map_err(err)?;
            for info in infos {
                update
                    .execute(params![info.name, info.label, info.country])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// What the store knows of an entity, if it has its series.
    pub fn entity(&self, name: &str) -> Result<Option<EntityInfo>, StoreError> {
        self.conn
            .query_row(
                "SELECT name, label, country FROM entities WHERE name = ?1",
                params![name],
                |r| {
                    Ok(EntityInfo {
                        name: r.get(0)?,
                        label: r.get(1)?,
                        country: r.get(2)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err("reading an entity", e))
    }

    /// Writes events (a later state of an event replaces the stored one)
    /// and the alerts of their transitions in one transaction; `now`
    /// gives open events their duration.
    pub fn write_events(
        &mut self,
        events: &[Event],
        alerts: &[NewAlert],
        now: u64,
    ) -> Result<(), StoreError> {
        let Store { path, conn, .. } = self;
        let err = |source| StoreError {
            path: path.clone(),
            action: "writing events",
            source,
        };
        let tx = conn.transaction().map_err(err)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO events (id, entity, kind, severity, start, end, json)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(err)?;
            for e in events {
                put.execute(params![
                    as_i64(e.id),
                    e.entity.to_string(),
                    e.kind.as_str(),
                    e.severity.as_str(),
                    as_i64(e.start),
                    e.end.map(as_i64),
                    e.to_json(now).to_string(),
                ])
                .map_err(err)?;
            }
        }
        alerts::insert(&tx, alerts).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// The largest event id stored (0 when none).
    pub fn last_event_id(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|id| u64::try_from(id).unwrap_or(0))
            .map_err(|e| self.err("reading events", e))
    }

    /// The JSON of the events `query` selects, by start then id.
    pub fn events(&self, query: &EventQuery) -> Result<Vec<String>, StoreError> {
        let err = |e| self.err("reading events", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT json FROM events
                 WHERE (?1 IS NULL OR entity = ?1)
                   AND start < ?3
                   AND (end IS NULL OR end >= ?2)
                   AND (?4 = 0 OR end IS NULL)
                 ORDER BY start, id",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(
                params![
                    query.entity,
                    as_i64(query.from.unwrap_or(0)),
                    as_i64(query.to.unwrap_or(u64::MAX)),
                    query.active,
                ],
                |r| r.get::<_, String>(0),
            )
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// The JSON of one event.
    pub fn event(&self, id: u64) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT json FROM events WHERE id = ?1",
                params![as_i64(id)],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err("reading an event", e))
    }

    /// Entities whose id or label contains `q` (case-insensitive), ids
    /// sorted, at most `limit`.
    pub fn search_entities(&self, q: &str, limit: usize) -> Result<Vec<EntityInfo>, StoreError> {
        let err = |e| self.err("searching entities", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, label, country FROM entities
                 WHERE instr(lower(name), lower(?1)) > 0
                    OR instr(lower(COALESCE(label, '')), lower(?1)) > 0
                 ORDER BY name LIMIT ?2",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(params![q, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(EntityInfo {
                    name: r.get(0)?,
                    label: r.get(1)?,
                    country: r.get(2)?,
                })
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// Sets named counters (the last replay's summary: records, peers,
    /// ...), replacing earlier values of the same names.
    pub fn set_counters(&mut self, counters: &[(&str, u64)]) -> Result<(), StoreError> {
        let Store { path, conn, .. } = self;
        let err = |source| StoreError {
            path: path.clone(),
            action: "writing counters",
            source,
        };
        let tx = conn.transaction().map_err(err)?;
        {
            let mut put = tx
                .prepare_cached("INSERT OR REPLACE INTO counters (name, value) VALUES (?1, ?2)")
                .map_err(err)?;
            for (name, value) in counters {
                put.execute(params![name, as_i64(*value)]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    /// The named counters, by name.
    pub fn counters(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let err = |e| self.err("reading counters", e);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT name, value FROM counters ORDER BY name")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                ))
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// Events by kind and whether they are open: `(kind, open, count)`.
    pub fn event_counts(&self) -> Result<Vec<(String, bool, u64)>, StoreError> {
        let err = |e| self.err("counting events", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT kind, end IS NULL, COUNT(*) FROM events GROUP BY kind, end IS NULL ORDER BY 1, 2",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, bool>(1)?,
                    u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                ))
            })
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
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

    /// The start of the latest bin stored for `world`, which every bin
    /// with data touches: the "now" of the data, which is not the wall
    /// clock when history is replayed. `None` when nothing is stored.
    pub fn latest_bin(&self) -> Result<Option<u64>, StoreError> {
        self.conn
            .query_row(
                // MAX over the primary key (entity, bin_start): one seek.
                "SELECT MAX(bin_start) FROM series
                 WHERE entity = (SELECT id FROM entities WHERE name = 'world')",
                [],
                |r| r.get::<_, Option<i64>>(0),
            )
            .map(|bin| bin.map(|b| u64::try_from(b).unwrap_or(0)))
            .map_err(|e| self.err("reading the latest bin", e))
    }
}

fn as_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn entities_are_described_and_the_world_keeps_its_full_feed_counts() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
        let row = |entity, full_feed_v4| BinRow {
            bin_start: 1_419_264_000,
            entity,
            values: Values {
                visible_24s: 4,
                full_feed_v4,
                ..Values::default()
            },
        };
        store
            .write_rows(&[row(Entity::As(131_279), 0), row(Entity::World, 38)])
            .unwrap();
        store
            .describe(&[
                EntityInfo {
                    name: "as/131279".into(),
                    label: Some("STAR-KP Ryugyong-dong".into()),
                    country: Some("KP".into()),
                },
                EntityInfo {
                    name: "as/1".into(),
                    label: Some("not stored".into()),
                    country: None,
                },
            ])
            .unwrap();
        let info = store.entity("as/131279").unwrap().unwrap();
        assert_eq!(info.label.as_deref(), Some("STAR-KP Ryugyong-dong"));
        assert_eq!(info.country.as_deref(), Some("KP"));
        assert_eq!(store.entity("as/1").unwrap(), None);
        let world = store.series("world", 0, u64::MAX >> 1).unwrap();
        assert_eq!(world[0].values.full_feed_v4, 38);
    }

    #[test]
    fn a_database_of_the_first_schema_is_migrated_with_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(
                "INSERT INTO entities(id, name) VALUES (1, 'country/KP');
                 INSERT INTO series VALUES (1, 1419264000, 4, 0, 4, 1, 0, 0, 0);
                 PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let points = store.series("country/KP", 0, u64::MAX >> 1).unwrap();
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].values.visible_24s, 4);
        assert_eq!(points[0].values.full_feed_v4, 0);
        let info = store.entity("country/KP").unwrap().unwrap();
        assert_eq!(info.label, None);
    }

    #[test]
    fn the_latest_bin_is_the_worlds_last_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
        assert_eq!(store.latest_bin().unwrap(), None);
        let row = |bin_start, entity| BinRow {
            bin_start,
            entity,
            values: Values {
                visible_24s: 4,
                ..Values::default()
            },
        };
        let kp = Entity::Country("KP".parse().unwrap());
        store
            .write_rows(&[
                row(1_419_264_000, Entity::World),
                row(1_419_264_300, Entity::World),
                // Another entity's later row is not the world's.
                row(1_419_264_900, kp),
            ])
            .unwrap();
        assert_eq!(store.latest_bin().unwrap(), Some(1_419_264_300));
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
