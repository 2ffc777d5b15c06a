//! The store's tests, each run on every backend [`backends`] yields:
//! SQLite in a temporary folder, and PostgreSQL at `DARKWATCH_TEST_PG` in
//! a schema of the test's own, so that tests run in parallel.

use std::sync::atomic::{AtomicUsize, Ordering};

use detect::{Event, EventKind, Severity};
use postgres::{Client, NoTls};
use signal::{BinRow, Entity, Values};
use tempfile::TempDir;

use crate::db::{Db, Param};
use crate::schema::MIGRATIONS;
use crate::{watch_matches, EntityInfo, EventQuery, NewAlert, Store};
use detect::Transition;

/// A fresh, empty database for one test, removed when dropped.
struct TestDb {
    /// What to pass to [`Store::connect`].
    target: String,
    place: Place,
}

/// Where a test database lives.
enum Place {
    /// An SQLite file in a temporary folder, removed with it.
    Dir { _dir: TempDir },
    /// A PostgreSQL schema, on the server at `url`.
    Schema { url: String, name: String },
}

impl TestDb {
    fn store(&self) -> Store {
        Store::connect(&self.target).unwrap_or_else(|e| panic!("opening the test database: {e}"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Place::Schema { url, name } = &self.place {
            // Best effort: a schema left behind is only clutter in a
            // throwaway server.
            if let Ok(mut client) = Client::connect(url, NoTls) {
                let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"));
            }
        }
    }
}

/// A database of each backend.
fn backends() -> Vec<TestDb> {
    vec![sqlite(), postgres()]
}

fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    TestDb {
        target: dir.path().join("darkwatch.db").display().to_string(),
        place: Place::Dir { _dir: dir },
    }
}

/// A new schema on the PostgreSQL server at `DARKWATCH_TEST_PG`, the
/// test's URL naming it first in the search path. Without the variable the
/// test fails: PostgreSQL is half of what the store supports.
fn postgres() -> TestDb {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let Ok(url) = std::env::var("DARKWATCH_TEST_PG") else {
        panic!(
            "DARKWATCH_TEST_PG is not set: the store's tests need a PostgreSQL server. \
             Run ./scripts/test, which starts one, or `scripts/pg start DIR` and set \
             DARKWATCH_TEST_PG to the URL it prints"
        );
    };
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut client = Client::connect(&url, NoTls).unwrap_or_else(|e| {
        panic!("DARKWATCH_TEST_PG={url}: cannot connect ({e}); is scripts/pg running?")
    });
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
        ))
        .unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    TestDb {
        target: format!("{url}{separator}options=-csearch_path%3D{name}"),
        place: Place::Schema { url, name },
    }
}

fn row(entity: Entity, bin_start: u64, values: Values) -> BinRow {
    BinRow {
        bin_start,
        entity,
        values,
    }
}

#[test]
fn rows_round_trip_and_reopen_keeps_them() {
    for db in backends() {
        let kp = Entity::Country("KP".parse().unwrap());
        let rows: Vec<BinRow> = (0..3u64)
            .map(|i| {
                let values = Values {
                    visible_24s: 4 - i,
                    withdrawals: i,
                    // Past 32 bits: PostgreSQL's columns are BIGINT.
                    visible_48s: 5_000_000_000 + i,
                    ..Values::default()
                };
                row(kp, 1_419_264_000 + i * 300, values)
            })
            .collect();
        db.store().write_rows(&rows).unwrap();
        let mut store = db.store();
        let points = store.series("country/KP", 0, u64::MAX >> 1).unwrap();
        assert_eq!(points.len(), 3, "{}", db.target);
        assert_eq!(points[2].values.visible_24s, 2);
        assert_eq!(points[2].values.withdrawals, 2);
        assert_eq!(points[2].values.visible_48s, 5_000_000_002);
        let middle = store
            .series("country/KP", 1_419_264_300, 1_419_264_600)
            .unwrap();
        assert_eq!(middle.len(), 1);
        assert!(store.series("as/1", 0, 10).unwrap().is_empty());
        assert_eq!(store.entities().unwrap(), ["country/KP"]);
    }
}

#[test]
fn a_later_row_of_the_same_entity_and_bin_replaces_the_earlier() {
    for db in backends() {
        let mut store = db.store();
        let at = |visible_24s| {
            let values = Values {
                visible_24s,
                ..Values::default()
            };
            row(Entity::As(131_279), 1_419_264_000, values)
        };
        store.write_rows(&[at(4), at(3)]).unwrap();
        store.write_rows(&[at(2)]).unwrap();
        let points = db.store().series("as/131279", 0, u64::MAX >> 1).unwrap();
        assert_eq!(points.len(), 1, "{}", db.target);
        assert_eq!(points[0].values.visible_24s, 2);
    }
}

#[test]
fn entities_are_described_and_the_world_keeps_its_full_feed_counts() {
    for db in backends() {
        let mut store = db.store();
        let at = |entity, full_feed_v4| {
            let values = Values {
                visible_24s: 4,
                full_feed_v4,
                ..Values::default()
            };
            row(entity, 1_419_264_000, values)
        };
        store
            .write_rows(&[at(Entity::As(131_279), 0), at(Entity::World, 38)])
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
        assert_eq!(world[0].values.full_feed_v4, 38, "{}", db.target);
    }
}

#[test]
fn entities_are_found_by_id_or_label_ignoring_case_and_wildcards() {
    for db in backends() {
        let mut store = db.store();
        let entities = [
            Entity::As(131_279),
            Entity::As(4837),
            Entity::Country("KP".parse().unwrap()),
        ];
        let rows: Vec<BinRow> = entities
            .iter()
            .map(|&e| row(e, 1_419_264_000, Values::default()))
            .collect();
        store.write_rows(&rows).unwrap();
        let described = |name: &str, label: &str| EntityInfo {
            name: name.into(),
            label: Some(label.into()),
            country: None,
        };
        store
            .describe(&[
                described("as/131279", "STAR-KP Ryugyong-dong"),
                described("as/4837", "CHINA169-BACKBONE 100%_up"),
            ])
            .unwrap();
        let names = |store: &mut Store, q: &str, limit| -> Vec<String> {
            let found = store.search_entities(q, limit).unwrap();
            found.into_iter().map(|info| info.name).collect()
        };
        assert_eq!(names(&mut store, "kp", 10), ["as/131279", "country/KP"]);
        assert_eq!(names(&mut store, "RYUGYONG", 10), ["as/131279"]);
        assert_eq!(names(&mut store, "as/", 1), ["as/131279"]);
        assert_eq!(names(&mut store, "100%_", 10), ["as/4837"]);
        assert_eq!(names(&mut store, "_", 10), ["as/4837"]);
        // As wildcards these would match "star" and "100%_up".
        assert!(names(&mut store, "s_a", 10).is_empty(), "{}", db.target);
        assert!(names(&mut store, "1%u", 10).is_empty());
    }
}

fn event(id: u64, entity: Entity, start: u64, end: Option<u64>) -> Event {
    let raised = Event::raised(
        id,
        entity,
        EventKind::Outage,
        Severity::Dark,
        start,
        "visible_24s",
    );
    Event {
        end,
        last_change: end.unwrap_or(start),
        baseline: 4.0,
        ..raised
    }
}

/// The ids in event JSON texts.
fn ids(texts: &[String]) -> Vec<u64> {
    texts
        .iter()
        .map(|t| {
            let v: serde_json::Value = serde_json::from_str(t).unwrap();
            v["id"].as_u64().unwrap()
        })
        .collect()
}

#[test]
fn events_are_replaced_by_their_later_state_and_selected_by_entity_time_and_state() {
    for db in backends() {
        let mut store = db.store();
        let kp = Entity::Country("KP".parse().unwrap());
        let star = Entity::As(131_279);
        assert_eq!(store.last_event_id().unwrap(), 0);
        store
            .write_events(
                &[
                    event(1, kp, 1_000, None),
                    event(2, star, 2_000, Some(2_600)),
                ],
                &[],
                1_500,
            )
            .unwrap();
        // Event 1 ends; event 3 opens.
        store
            .write_events(
                &[event(1, kp, 1_000, Some(1_900)), event(3, kp, 3_000, None)],
                &[],
                3_000,
            )
            .unwrap();
        assert_eq!(store.last_event_id().unwrap(), 3, "{}", db.target);
        let select = |store: &mut Store, query: EventQuery| ids(&store.events(&query).unwrap());
        assert_eq!(select(&mut store, EventQuery::default()), [1, 2, 3]);
        let kp_only = EventQuery {
            entity: Some("country/KP".into()),
            ..EventQuery::default()
        };
        assert_eq!(select(&mut store, kp_only), [1, 3]);
        let active = EventQuery {
            active: true,
            ..EventQuery::default()
        };
        assert_eq!(select(&mut store, active), [3]);
        let window = EventQuery {
            from: Some(2_000),
            to: Some(3_000),
            ..EventQuery::default()
        };
        assert_eq!(select(&mut store, window), [2]);
        let mut page = |after, limit| {
            ids(&store
                .events_page(&EventQuery::default(), after, limit)
                .unwrap())
        };
        assert_eq!(page(0, 2), [1, 2], "{}", db.target);
        assert_eq!(page(2, 2), [3]);
        assert_eq!(page(3, 2), Vec::<u64>::new());
        let one = store.event(1).unwrap().unwrap();
        let one: serde_json::Value = serde_json::from_str(&one).unwrap();
        assert_eq!(one["end"], "1970-01-01T00:31:40Z");
        assert_eq!(store.event(9).unwrap(), None);
        assert_eq!(
            store.event_counts().unwrap(),
            [
                ("outage".to_owned(), false, 2),
                ("outage".to_owned(), true, 1)
            ]
        );
    }
}

/// An alert of `transition` of KP's event 1, in `severity`, ended at
/// `end`.
fn kp_alert(transition: Transition, severity: Severity, end: Option<u64>) -> NewAlert {
    let kp = Entity::Country("KP".parse().unwrap());
    let mut e = event(1, kp, 1_000, end);
    e.severity = severity;
    e.last_change = end.unwrap_or(1_300);
    NewAlert {
        transition,
        now: e.last_change,
        event: e,
    }
}

#[test]
fn alerts_are_written_with_their_events_and_read_in_order() {
    for db in backends() {
        let mut store = db.store();
        store.add_watch("country/*").unwrap();
        let start = kp_alert(Transition::Start, Severity::Critical, None);
        store
            .write_events(
                std::slice::from_ref(&start.event),
                std::slice::from_ref(&start),
                1_300,
            )
            .unwrap();
        let restore = kp_alert(Transition::Restore, Severity::Warning, Some(2_000));
        let worse = kp_alert(Transition::Escalation, Severity::Dark, None);
        store
            .write_events(
                std::slice::from_ref(&restore.event),
                &[worse, restore.clone()],
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
            [("start", 1_000), ("escalation", 1_300), ("restore", 2_000)],
            "{}",
            db.target
        );
        assert!(alerts[1].event_json.contains("\"severity\":\"dark\""));
        assert_eq!(alerts[0].entity, "country/KP");
        assert_eq!(store.alerts_after(alerts[1].id, 10).unwrap().len(), 1);
        assert_eq!(store.alerts_after(0, 2).unwrap().len(), 2);
    }
}

#[test]
fn only_watched_entities_reach_the_outbox() {
    for db in backends() {
        let mut store = db.store();
        let start = || [kp_alert(Transition::Start, Severity::Dark, None)];
        store.write_events(&[], &start(), 1_300).unwrap();
        assert!(store.alerts_after(0, 10).unwrap().is_empty());
        store.add_watch("as/*").unwrap();
        store.write_events(&[], &start(), 1_300).unwrap();
        assert!(store.alerts_after(0, 10).unwrap().is_empty());
        store.add_watch("country/KP").unwrap();
        store.write_events(&[], &start(), 1_300).unwrap();
        assert_eq!(store.alerts_after(0, 10).unwrap().len(), 1, "{}", db.target);
    }
    assert!(watch_matches("country/*", "country/SY"));
    assert!(!watch_matches("country/KP", "country/KR"));
    assert!(watch_matches("*", "as/131279"));
}

#[test]
fn a_new_sink_starts_at_the_newest_alert_and_its_cursor_survives_a_reopen() {
    for db in backends() {
        let mut store = db.store();
        store.add_watch("country/KP").unwrap();
        let start = kp_alert(Transition::Start, Severity::Dark, None);
        store.write_events(&[], &[start], 1_300).unwrap();
        assert_eq!(
            store.sink_cursor("ops").unwrap(),
            1,
            "history is not replayed"
        );
        let worse = kp_alert(Transition::Escalation, Severity::Dark, None);
        store.write_events(&[], &[worse], 1_400).unwrap();
        assert_eq!(store.alerts_after(1, 10).unwrap().len(), 1);
        store.set_sink_cursor("ops", 2).unwrap();
        drop(store);
        let mut store = db.store();
        assert_eq!(store.sink_cursor("ops").unwrap(), 2, "{}", db.target);
    }
}

#[test]
fn the_watch_list_adds_and_removes_once() {
    for db in backends() {
        let mut store = db.store();
        assert!(store.add_watch("country/KP").unwrap());
        assert!(!store.add_watch("country/KP").unwrap(), "{}", db.target);
        assert!(store.add_watch("as/*").unwrap());
        assert_eq!(store.watch_list().unwrap(), ["as/*", "country/KP"]);
        assert!(store.remove_watch("as/*").unwrap());
        assert!(!store.remove_watch("as/*").unwrap());
        assert_eq!(store.watch_list().unwrap(), ["country/KP"]);
    }
}

#[test]
fn the_latest_bin_is_the_worlds_last_one() {
    for db in backends() {
        let mut store = db.store();
        assert_eq!(store.latest_bin().unwrap(), None);
        let values = Values {
            visible_24s: 4,
            ..Values::default()
        };
        let kp = Entity::Country("KP".parse().unwrap());
        store
            .write_rows(&[
                row(Entity::World, 1_419_264_000, values),
                row(Entity::World, 1_419_264_300, values),
                row(kp, 1_419_264_600, values),
            ])
            .unwrap();
        assert_eq!(
            store.latest_bin().unwrap(),
            Some(1_419_264_300),
            "{}",
            db.target
        );
    }
}

#[test]
fn counters_keep_the_last_value_of_each_name() {
    for db in backends() {
        let mut store = db.store();
        store.set_counters(&[("records", 5), ("peers", 2)]).unwrap();
        store.set_counters(&[("records", 7)]).unwrap();
        assert_eq!(
            db.store().counters().unwrap(),
            [("peers".to_owned(), 2), ("records".to_owned(), 7)],
            "{}",
            db.target
        );
    }
}

#[test]
fn a_database_of_the_first_schema_is_migrated_with_its_rows() {
    for db in backends() {
        {
            let mut old = Db::connect(&db.target).unwrap();
            old.transaction(|tx| {
                assert_eq!(tx.schema_version()?, 0);
                tx.batch(MIGRATIONS[0].sql(tx.backend()))?;
                tx.set_schema_version(1)?;
                tx.execute_each(
                    "INSERT INTO entities (id, name) VALUES (?1, ?2)",
                    [[Param::Int(1), Param::Text("country/KP")]],
                )?;
                tx.execute_each(
                    "INSERT INTO series VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    [[1_i64, 1_419_264_000, 4, 0, 4, 1, 0, 0, 0].map(Param::Int)],
                )
            })
            .unwrap();
        }
        let mut store = db.store();
        let points = store.series("country/KP", 0, u64::MAX >> 1).unwrap();
        assert_eq!(points.len(), 1, "{}", db.target);
        assert_eq!(points[0].values.visible_24s, 4);
        assert_eq!(points[0].values.full_feed_v4, 0);
        let info = store.entity("country/KP").unwrap().unwrap();
        assert_eq!(info.label, None);
    }
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

#[test]
fn a_path_that_is_not_a_url_opens_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    Store::connect(&path.display().to_string()).unwrap();
    assert!(path.exists());
}

#[test]
fn a_postgresql_that_is_not_there_is_named_without_the_password() {
    let err = Store::connect("postgres://dw:s3cret@127.0.0.1:1/darkwatch")
        .err()
        .expect("an error");
    let msg = err.to_string();
    assert!(
        msg.starts_with("postgres://dw@127.0.0.1:1/darkwatch: connecting failed")
            && msg.contains("is PostgreSQL running at postgres://dw@127.0.0.1:1/darkwatch?")
            && !msg.contains("s3cret"),
        "{msg}"
    );
}

/// The URL of `db` (a PostgreSQL test database) through the server's Unix
/// socket, naming `database` (`None`: the test's own).
fn socket_url(db: &TestDb, database: Option<&str>) -> String {
    let Place::Schema { name, .. } = &db.place else {
        unreachable!("a PostgreSQL test database is a schema")
    };
    let mut client = Client::connect(&db.target, NoTls).unwrap();
    let settings = client
        .query_one(
            "SELECT current_setting('unix_socket_directories'), current_setting('port'),
                    current_user, current_database()",
            &[],
        )
        .unwrap();
    let (dirs, port, user, own): (String, String, String, String) = (
        settings.get(0),
        settings.get(1),
        settings.get(2),
        settings.get(3),
    );
    let dir = dirs.split(',').next().unwrap().trim();
    let database = database.unwrap_or(&own);
    format!("postgresql://{user}@/{database}?host={dir}&port={port}&options=-csearch_path%3D{name}")
}

#[test]
fn a_url_with_a_socket_folder_reaches_the_same_postgresql() {
    let db = postgres();
    let socket = socket_url(&db, None);
    let kp = Entity::Country("KP".parse().unwrap());
    Store::connect(&socket)
        .unwrap()
        .write_rows(&[row(kp, 1_419_264_000, Values::default())])
        .unwrap();
    assert_eq!(db.store().entities().unwrap(), ["country/KP"], "{socket}");
}

#[test]
fn a_missing_postgresql_database_is_named_with_what_to_check() {
    let db = postgres();
    let url = socket_url(&db, Some("darkwatch_no_such_database"));
    let msg = Store::connect(&url).err().expect("an error").to_string();
    assert!(
        msg.starts_with(&format!("{url}: connecting failed"))
            && msg.contains("\"darkwatch_no_such_database\" does not exist")
            && msg.contains("check the user, password, database and options in the URL"),
        "{msg}"
    );
}

#[test]
fn an_output_and_the_replays_progress_are_written_together() {
    for db in backends() {
        let mut store = db.store();
        assert_eq!(store.replay_progress().unwrap(), None, "{}", db.target);
        store.add_watch("country/*").unwrap();
        let kp = Entity::Country("KP".parse().unwrap());
        let mut progress = crate::ReplayProgress {
            inputs: "0123456789abcdef".into(),
            first_event_id: 7,
            outputs: 0,
            done: false,
        };
        store.set_replay_progress(&progress).unwrap();
        progress.outputs = 3;
        let alerts = [kp_alert(Transition::Start, Severity::Dark, None)];
        let output = crate::Output {
            rows: &[row(kp, 1_419_264_000, Values::default())],
            events: std::slice::from_ref(&alerts[0].event),
            alerts: &alerts,
            now: 1_419_264_300,
        };
        store.write_output(&output, Some(&progress)).unwrap();
        // The live feeds write without a progress: it stays as it was.
        store.write_output(&output, None).unwrap();
        let mut store = db.store();
        assert_eq!(store.replay_progress().unwrap(), Some(progress.clone()));
        assert_eq!(
            store.series("country/KP", 0, u64::MAX >> 1).unwrap().len(),
            1
        );
        assert_eq!(store.last_event_id().unwrap(), 1);
        assert_eq!(store.alerts_after(0, 10).unwrap().len(), 2);
        progress.done = true;
        store.set_replay_progress(&progress).unwrap();
        assert!(db.store().replay_progress().unwrap().unwrap().done);
    }
}
