//! Events in the store: the detector's outages and instabilities, kept as
//! the JSON the API serves (with the columns to select them by), written
//! again each time an event changes.

use detect::Event;

use crate::alerts::{self, NewAlert};
use crate::db::{BackendError, Param, Tx};
use crate::{as_i64, Store, StoreError};

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

// `end` is reserved in PostgreSQL: quoted in both dialects.

const PUT_EVENT: &str = r#"INSERT INTO events (id, entity, kind, severity, start, "end", json)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (id) DO UPDATE SET
        entity = excluded.entity, kind = excluded.kind, severity = excluded.severity,
        start = excluded.start, "end" = excluded."end", json = excluded.json"#;

const LAST_ID: &str = "SELECT COALESCE(MAX(id), 0) FROM events";

/// The events an [`EventQuery`] selects (parameters 1 to 4). The typed
/// `CAST` lets PostgreSQL infer the type of a parameter that may be NULL.
macro_rules! selected {
    () => {
        r#"SELECT json FROM events
    WHERE (CAST(?1 AS TEXT) IS NULL OR entity = ?1)
      AND start < ?3
      AND ("end" IS NULL OR "end" >= ?2)
      AND (?4 = 0 OR "end" IS NULL)"#
    };
}

const SELECT: &str = concat!(selected!(), " ORDER BY start, id");

const PAGE: &str = concat!(selected!(), " AND id > ?5 ORDER BY id LIMIT ?6");

const ONE: &str = "SELECT json FROM events WHERE id = ?1";

/// Open as 1 or 0 rather than a boolean, which SQLite does not have.
const COUNTS: &str = r#"SELECT kind, CASE WHEN "end" IS NULL THEN 1 ELSE 0 END, COUNT(*)
    FROM events GROUP BY 1, 2 ORDER BY 1, 2"#;

impl EventQuery {
    /// The parameters of [`selected!`].
    fn params(&self) -> [Param<'_>; 4] {
        [
            self.entity.as_deref().into(),
            Param::Int(as_i64(self.from.unwrap_or(0))),
            Param::Int(as_i64(self.to.unwrap_or(u64::MAX))),
            Param::Int(self.active.into()),
        ]
    }
}

impl Store {
    /// Writes events (a later state of an event replaces the stored one)
    /// and the alerts of their transitions in one transaction; `now`
    /// gives open events their duration.
    pub fn write_events(
        &mut self,
        events: &[Event],
        alerts: &[NewAlert],
        now: u64,
    ) -> Result<(), StoreError> {
        self.db
            .transaction(|tx| put_events(tx, events, alerts, now))
            .map_err(|e| self.err("writing events", e))
    }

    /// The largest event id stored (0 when none).
    pub fn last_event_id(&mut self) -> Result<u64, StoreError> {
        self.db
            .query_opt(LAST_ID, &[], |r| r.uint(0))
            .map(Option::unwrap_or_default)
            .map_err(|e| self.err("reading events", e))
    }

    /// The JSON of the events `query` selects, by start then id.
    pub fn events(&mut self, query: &EventQuery) -> Result<Vec<String>, StoreError> {
        let params = query.params();
        self.db
            .query(SELECT, &params, |r| r.text(0))
            .map_err(|e| self.err("reading events", e))
    }

    /// A page of the events `query` selects: at most `limit` with ids
    /// after `after`, by id (a stable order while events are added).
    pub fn events_page(
        &mut self,
        query: &EventQuery,
        after: u64,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let [entity, from, to, active] = query.params();
        let params = [
            entity,
            from,
            to,
            active,
            Param::Int(as_i64(after)),
            Param::Int(i64::try_from(limit).unwrap_or(i64::MAX)),
        ];
        self.db
            .query(PAGE, &params, |r| r.text(0))
            .map_err(|e| self.err("reading events", e))
    }

    /// The JSON of one event.
    pub fn event(&mut self, id: u64) -> Result<Option<String>, StoreError> {
        self.db
            .query_opt(ONE, &[Param::Int(as_i64(id))], |r| r.text(0))
            .map_err(|e| self.err("reading an event", e))
    }

    /// Events by kind and whether they are open: `(kind, open, count)`.
    pub fn event_counts(&mut self) -> Result<Vec<(String, bool, u64)>, StoreError> {
        self.db
            .query(COUNTS, &[], |r| {
                Ok((r.text(0)?, r.int(1)? != 0, r.uint(2)?))
            })
            .map_err(|e| self.err("counting events", e))
    }
}

/// Writes `events` (as they stand at `now`) and `alerts` in `tx`.
pub(crate) fn put_events(
    tx: &mut Tx<'_>,
    events: &[Event],
    alerts: &[NewAlert],
    now: u64,
) -> Result<(), BackendError> {
    let texts: Vec<(String, String)> = events
        .iter()
        .map(|e| (e.entity.to_string(), e.to_json(now).to_string()))
        .collect();
    tx.execute_each(
        PUT_EVENT,
        events.iter().zip(&texts).map(|(e, (entity, json))| {
            [
                Param::Int(as_i64(e.id)),
                Param::Text(entity),
                Param::Text(e.kind.as_str()),
                Param::Text(e.severity.as_str()),
                Param::Int(as_i64(e.start)),
                e.end.map(as_i64).into(),
                Param::Text(json),
            ]
        }),
    )?;
    alerts::insert(tx, alerts)
}
