//! The alert outbox and the watch list. The replay (and later the live
//! pipeline) puts each event transition in the outbox in the same
//! transaction as the event itself, so an event is never stored without
//! its alert; each webhook sink of `serve` reads the outbox in id order
//! and keeps a cursor here, so a restart resumes where it stopped.

use detect::{Event, Transition};

use crate::db::{BackendError, Param, Row, Tx};
use crate::{as_i64, Store, StoreError};

/// A transition to put in the outbox, with the event as it stood then.
#[derive(Clone, Debug)]
pub struct NewAlert {
    /// What happened.
    pub transition: Transition,
    /// The event's state at that moment.
    pub event: Event,
    /// Event time of that state (open events' duration runs to it).
    pub now: u64,
}

/// An alert in the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Increasing in the order alerts were written.
    pub id: u64,
    /// The event it is about.
    pub event_id: u64,
    /// `start`, `escalation`, `deescalation` or `restore`.
    pub transition: String,
    /// The event's entity (`country/KP`).
    pub entity: String,
    /// `outage` or `instability`.
    pub kind: String,
    /// The worst severity the event had reached then.
    pub worst_severity: String,
    /// When the transition happened, Unix seconds (event time).
    pub at: u64,
    /// The event's JSON at that moment.
    pub event_json: String,
}

const WATCHED: &str = "SELECT entity FROM watch ORDER BY entity";

const PUT: &str =
    "INSERT INTO alerts (event_id, transition, entity, kind, worst_severity, at, event_json)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

const AFTER: &str = "SELECT id, event_id, transition, entity, kind, worst_severity, at, event_json
    FROM alerts WHERE id > ?1 ORDER BY id LIMIT ?2";

/// A sink seen for the first time starts at the newest alert. `WHERE
/// true` keeps SQLite from reading `ON` as a join of the `SELECT`.
const FIRST_CURSOR: &str = "INSERT INTO sink_cursors (name, last_alert)
    SELECT CAST(?1 AS TEXT), COALESCE(MAX(id), 0) FROM alerts WHERE true
    ON CONFLICT (name) DO NOTHING";

const CURSOR: &str = "SELECT last_alert FROM sink_cursors WHERE name = ?1";

const SET_CURSOR: &str = "INSERT INTO sink_cursors (name, last_alert) VALUES (?1, ?2)
    ON CONFLICT (name) DO UPDATE SET last_alert = excluded.last_alert";

/// `RETURNING` says whether a row changed, the same way in both dialects.
const ADD_WATCH: &str =
    "INSERT INTO watch (entity) VALUES (?1) ON CONFLICT (entity) DO NOTHING RETURNING entity";

const REMOVE_WATCH: &str = "DELETE FROM watch WHERE entity = ?1 RETURNING entity";

/// Whether `entity` matches the watch-list entry `pattern`: equal, or
/// `pattern` ends in `*` and `entity` starts with what comes before it.
pub fn watch_matches(pattern: &str, entity: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(head) => entity.starts_with(head),
        None => pattern == entity,
    }
}

/// Inserts those of `alerts` whose entity is on the watch list, inside
/// the caller's transaction: a replay of years of archives then keeps in
/// its outbox only what someone asked to be told about.
pub(crate) fn insert(tx: &mut Tx<'_>, alerts: &[NewAlert]) -> Result<(), BackendError> {
    if alerts.is_empty() {
        return Ok(());
    }
    let watch = tx.query(WATCHED, &[], |r| r.text(0))?;
    let rows: Vec<(&NewAlert, String, String)> = alerts
        .iter()
        .map(|a| (a, a.event.entity.to_string()))
        .filter(|(_, entity)| watch.iter().any(|p| watch_matches(p, entity)))
        .map(|(a, entity)| (a, entity, a.event.to_json(a.now).to_string()))
        .collect();
    tx.execute_each(
        PUT,
        rows.iter().map(|(a, entity, json)| {
            let e = &a.event;
            [
                Param::Int(as_i64(e.id)),
                Param::Text(a.transition.as_str()),
                Param::Text(entity),
                Param::Text(e.kind.as_str()),
                Param::Text(e.worst_severity.as_str()),
                Param::Int(as_i64(a.transition.time(e))),
                Param::Text(json),
            ]
        }),
    )
}

fn alert(r: Row<'_>) -> Result<Alert, BackendError> {
    Ok(Alert {
        id: r.uint(0)?,
        event_id: r.uint(1)?,
        transition: r.text(2)?,
        entity: r.text(3)?,
        kind: r.text(4)?,
        worst_severity: r.text(5)?,
        at: r.uint(6)?,
        event_json: r.text(7)?,
    })
}

impl Store {
    /// Up to `limit` alerts after id `after`, in id order.
    pub fn alerts_after(&mut self, after: u64, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.db
            .query(
                AFTER,
                &[Param::Int(as_i64(after)), Param::Int(limit)],
                alert,
            )
            .map_err(|e| self.err("reading the alert outbox", e))
    }

    /// How far the sink `name` got: the id of the last alert it
    /// delivered or skipped. A sink seen for the first time starts at the
    /// newest alert, so that configuring a webhook on a database with
    /// years of history does not replay them all to it.
    pub fn sink_cursor(&mut self, name: &str) -> Result<u64, StoreError> {
        self.db
            .transaction(|tx| {
                tx.execute_each(FIRST_CURSOR, [[Param::Text(name)]])?;
                tx.query_one(CURSOR, &[Param::Text(name)], |r| r.uint(0))
            })
            .map_err(|e| self.err("reading a webhook's place in the outbox", e))
    }

    /// Records that the sink `name` is done with every alert up to `id`.
    pub fn set_sink_cursor(&mut self, name: &str, id: u64) -> Result<(), StoreError> {
        self.db
            .transaction(|tx| {
                tx.execute_each(SET_CURSOR, [[Param::Text(name), Param::Int(as_i64(id))]])
            })
            .map_err(|e| self.err("moving a webhook's place in the outbox", e))
    }

    /// The watch list: entity ids and families (`country/*`), sorted.
    pub fn watch_list(&mut self) -> Result<Vec<String>, StoreError> {
        self.db
            .query(WATCHED, &[], |r| r.text(0))
            .map_err(|e| self.err("reading the watch list", e))
    }

    /// Adds to the watch list; false when it was there already.
    pub fn add_watch(&mut self, entity: &str) -> Result<bool, StoreError> {
        self.db
            .transaction(|tx| tx.query(ADD_WATCH, &[Param::Text(entity)], |r| r.text(0)))
            .map(|added| !added.is_empty())
            .map_err(|e| self.err("adding to the watch list", e))
    }

    /// Removes from the watch list; false when it was not there.
    pub fn remove_watch(&mut self, entity: &str) -> Result<bool, StoreError> {
        self.db
            .transaction(|tx| tx.query(REMOVE_WATCH, &[Param::Text(entity)], |r| r.text(0)))
            .map(|removed| !removed.is_empty())
            .map_err(|e| self.err("removing from the watch list", e))
    }
}
