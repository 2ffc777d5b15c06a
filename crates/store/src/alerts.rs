//! The alert outbox and the watch list. The replay (and later the live
//! pipeline) puts each event transition in the outbox in the same
//! transaction as the event itself, so an event is never stored without
//! its alert; each webhook sink of `serve` reads the outbox in id order
//! and keeps a cursor here, so a restart resumes where it stopped.

use detect::{Event, Transition};
use rusqlite::{params, OptionalExtension};

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
pub(crate) fn insert(tx: &rusqlite::Transaction<'_>, alerts: &[NewAlert]) -> rusqlite::Result<()> {
    if alerts.is_empty() {
        return Ok(());
    }
    let watch: Vec<String> = tx
        .prepare_cached("SELECT entity FROM watch")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut put = tx.prepare_cached(
        "INSERT INTO alerts (event_id, transition, entity, kind, worst_severity, at, event_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for a in alerts {
        let e = &a.event;
        let entity = e.entity.to_string();
        if !watch.iter().any(|p| watch_matches(p, &entity)) {
            continue;
        }
        put.execute(params![
            as_i64(e.id),
            a.transition.as_str(),
            entity,
            e.kind.as_str(),
            e.worst_severity.as_str(),
            as_i64(a.transition.time(e)),
            e.to_json(a.now).to_string(),
        ])?;
    }
    Ok(())
}

impl Store {
    /// Up to `limit` alerts after id `after`, in id order.
    pub fn alerts_after(&self, after: u64, limit: usize) -> Result<Vec<Alert>, StoreError> {
        let err = |e| self.err("reading the alert outbox", e);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, event_id, transition, entity, kind, worst_severity, at, event_json
                 FROM alerts WHERE id > ?1 ORDER BY id LIMIT ?2",
            )
            .map_err(err)?;
        let rows = stmt
            .query_map(
                params![as_i64(after), i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(Alert {
                        id: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        event_id: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        transition: r.get(2)?,
                        entity: r.get(3)?,
                        kind: r.get(4)?,
                        worst_severity: r.get(5)?,
                        at: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
                        event_json: r.get(7)?,
                    })
                },
            )
            .map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// How far the sink `name` got: the id of the last alert it
    /// delivered or skipped. A sink seen for the first time starts at the
    /// newest alert, so that configuring a webhook on a database with
    /// years of history does not replay them all to it.
    pub fn sink_cursor(&mut self, name: &str) -> Result<u64, StoreError> {
        let Store { path, conn, .. } = self;
        let err = |source| StoreError {
            path: path.clone(),
            action: "reading a webhook's place in the outbox",
            source,
        };
        let tx = conn.transaction().map_err(err)?;
        let found: Option<i64> = tx
            .query_row(
                "SELECT last_alert FROM sink_cursors WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let cursor = match found {
            Some(c) => c,
            None => {
                let newest: i64 = tx
                    .query_row("SELECT COALESCE(MAX(id), 0) FROM alerts", [], |r| r.get(0))
                    .map_err(err)?;
                tx.execute(
                    "INSERT INTO sink_cursors (name, last_alert) VALUES (?1, ?2)",
                    params![name, newest],
                )
                .map_err(err)?;
                newest
            }
        };
        tx.commit().map_err(err)?;
        Ok(u64::try_from(cursor).unwrap_or(0))
    }

    /// Records that the sink `name` is done with every alert up to `id`.
    pub fn set_sink_cursor(&mut self, name: &str, id: u64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sink_cursors (name, last_alert) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET last_alert = excluded.last_alert",
                params![name, as_i64(id)],
            )
            .map(drop)
            .map_err(|e| self.err("moving a webhook's place in the outbox", e))
    }

    /// The watch list: entity ids and families (`country/*`), sorted.
    pub fn watch_list(&self) -> Result<Vec<String>, StoreError> {
        let err = |e| self.err("reading the watch list", e);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT entity FROM watch ORDER BY entity")
            .map_err(err)?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(err)?;
        rows.collect::<Result<Vec<String>, _>>().map_err(err)
    }

    /// Adds to the watch list; false when it was there already.
    pub fn add_watch(&mut self, entity: &str) -> Result<bool, StoreError> {
        self.conn
            .execute(
                "INSERT INTO watch (entity) VALUES (?1) ON CONFLICT (entity) DO NOTHING",
                params![entity],
            )
            .map(|n| n > 0)
            .map_err(|e| self.err("adding to the watch list", e))
    }

    /// Removes from the watch list; false when it was not there.
    pub fn remove_watch(&mut self, entity: &str) -> Result<bool, StoreError> {
        self.conn
            .execute("DELETE FROM watch WHERE entity = ?1", params![entity])
            .map(|n| n > 0)
            .map_err(|e| self.err("removing from the watch list", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use detect::{EventKind, Severity};
    use signal::Entity;

    fn event(id: u64, severity: Severity, end: Option<u64>) -> Event {
        Event {
            id,
            entity: Entity::Country("KP".parse().unwrap()),
            kind: EventKind::Outage,
            severity,
            worst_severity: severity,
            start: 1_000,
            end,
            last_change: end.unwrap_or(1_300),
            min_ratio: 0.0,
            baseline: 4.0,
            signal: "visible_24s",
            short: false,
            prefixes: Vec::new(),
            hints: Vec::new(),
        }
    }

    fn alert(transition: Transition, event: Event) -> NewAlert {
        NewAlert {
            transition,
            now: event.last_change,
            event,
        }
    }

    #[test]
    fn alerts_are_written_with_their_events_and_read_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
        store.add_watch("country/*").unwrap();
        let open = event(1, Severity::Critical, None);
        store
            .write_events(
                std::slice::from_ref(&open),
                &[alert(Transition::Start, open.clone())],
                1_300,
            )
            .unwrap();
        let dark = event(1, Severity::Dark, None);
        let closed = event(1, Severity::Warning, Some(2_000));
        store
            .write_events(
                std::slice::from_ref(&closed),
                &[
                    alert(Transition::Escalation, dark),
                    alert(Transition::Restore, closed.clone()),
                ],
                2_000,
            )
            .unwrap();
        let alerts = store.alerts_after(0, 10).unwrap();
        let seen: Vec<(&str, u64)> = alerts
            .iter()
            .map(|a| (a.transition.as_str(), a.at))
            .collect();
        assert_eq!(
            seen,
            [("start", 1_000), ("escalation", 1_300), ("restore", 2_000)]
        );
        assert!(alerts[1].event_json.contains("\"severity\":\"dark\""));
        assert_eq!(alerts[0].entity, "country/KP");
        assert_eq!(store.alerts_after(alerts[1].id, 10).unwrap().len(), 1);
    }

    #[test]
    fn a_new_sink_starts_at_the_newest_alert_and_its_cursor_survives_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("darkwatch.db");
        let mut store = Store::open(&path).unwrap();
        store.add_watch("country/KP").unwrap();
        let e = event(1, Severity::Dark, None);
        store
            .write_events(
                std::slice::from_ref(&e),
                &[alert(Transition::Start, e.clone())],
                1_300,
            )
            .unwrap();
        assert_eq!(
            store.sink_cursor("ops").unwrap(),
            1,
            "history is not replayed"
        );
        store
            .write_events(&[], &[alert(Transition::Escalation, e)], 1_400)
            .unwrap();
        assert_eq!(store.alerts_after(1, 10).unwrap().len(), 1);
        store.set_sink_cursor("ops", 2).unwrap();
        drop(store);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.sink_cursor("ops").unwrap(), 2);
    }

    #[test]
    fn only_watched_entities_reach_the_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
        let e = event(1, Severity::Dark, None);
        let start = || [alert(Transition::Start, e.clone())];
        store.write_events(&[], &start(), 1_300).unwrap();
        assert!(store.alerts_after(0, 10).unwrap().is_empty());
        store.add_watch("as/*").unwrap();
        store.write_events(&[], &start(), 1_300).unwrap();
        assert!(store.alerts_after(0, 10).unwrap().is_empty());
        store.add_watch("country/KP").unwrap();
        store.write_events(&[], &start(), 1_300).unwrap();
        assert_eq!(store.alerts_after(0, 10).unwrap().len(), 1);
        assert!(watch_matches("country/*", "country/SY"));
        assert!(!watch_matches("country/KP", "country/KR"));
        assert!(watch_matches("*", "as/131279"));
    }

    #[test]
    fn the_watch_list_adds_and_removes_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
        assert!(store.add_watch("country/KP").unwrap());
        assert!(!store.add_watch("country/KP").unwrap());
        assert!(store.add_watch("as/*").unwrap());
        assert_eq!(store.watch_list().unwrap(), ["as/*", "country/KP"]);
        assert!(store.remove_watch("as/*").unwrap());
        assert!(!store.remove_watch("as/*").unwrap());
        assert_eq!(store.watch_list().unwrap(), ["country/KP"]);
    }
}
