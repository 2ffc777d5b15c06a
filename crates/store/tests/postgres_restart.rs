//! The store on PostgreSQL survives the server going away: a restart
//! between two writes, a read after a restart, and a write issued while
//! the server is stopped (which waits for it to come back) all succeed
//! with no row lost; a server that stays away makes the write fail after
//! the bounded wait, naming every attempt. Each test runs a server of its
//! own ([`PrivatePg`]), since restarting the shared one would break the
//! tests using it.

#[path = "support/private_pg.rs"]
mod private_pg;

use std::time::{Duration, Instant};

use private_pg::PrivatePg;
use signal::{BinRow, Entity, Values};
use store::Store;

/// Three bins of North Korea's series from `from`, 24s visible counting up.
fn rows(from: u64) -> Vec<BinRow> {
    let kp = Entity::Country("KP".parse().unwrap());
    (0..3u64)
        .map(|i| BinRow {
            bin_start: from + i * 300,
            entity: kp,
            values: Values {
                visible_24s: from / 300 + i,
                ..Values::default()
            },
        })
        .collect()
}

/// The bins stored for North Korea, with their 24s.
fn stored(store: &mut Store, pg: &PrivatePg) -> Vec<(u64, u64)> {
    store
        .series("country/KP", 0, u64::MAX >> 1)
        .unwrap_or_else(|e| panic!("reading: {e}\nserver log:\n{}", pg.log()))
        .iter()
        .map(|p| (p.bin_start, p.values.visible_24s))
        .collect()
}

#[test]
fn writes_and_reads_go_on_across_restarts_with_no_row_lost() {
    let pg = PrivatePg::start();
    let mut store = Store::connect(&pg.url).expect("connecting to the private server");
    store.write_rows(&rows(0)).unwrap();

    pg.restart();
    store
        .write_rows(&rows(900))
        .unwrap_or_else(|e| panic!("the write after a restart: {e}\nserver log:\n{}", pg.log()));
    pg.restart();
    let expected: Vec<(u64, u64)> = (0..6).map(|i| (i * 300, i)).collect();
    assert_eq!(stored(&mut store, &pg), expected, "read after a restart");

    // Stopped, then started again a moment later: the write issued in
    // between waits for the server.
    pg.stop();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_secs(1));
            pg.start_again();
        });
        store
            .write_rows(&rows(1800))
            .unwrap_or_else(|e| panic!("the write while stopped: {e}\nserver log:\n{}", pg.log()));
    });
    let expected: Vec<(u64, u64)> = (0..9).map(|i| (i * 300, i)).collect();
    assert_eq!(stored(&mut store, &pg), expected);
}

#[test]
fn a_server_that_stays_away_fails_the_write_after_the_bounded_wait() {
    let pg = PrivatePg::start();
    let mut store = Store::connect(&pg.url).expect("connecting to the private server");
    store.write_rows(&rows(0)).unwrap();
    pg.stop();
    let started = Instant::now();
    let e = store
        .write_rows(&rows(900))
        .expect_err("no server: the write fails");
    let waited = started.elapsed();
    assert!(
        (Duration::from_secs(29)..Duration::from_secs(45)).contains(&waited),
        "gave up after {waited:?}, not about 30 s"
    );
    let message = e.to_string();
    let redacted = pg.url.as_str();
    assert!(
        message.starts_with(&format!(
            "{redacted}: writing series failed: the connection was lost ("
        )),
        "{message}"
    );
    // Every attempt is accounted for, from the first.
    assert!(message.contains("attempts 1 to "), "{message}");
    assert!(message.contains("Connection refused"), "{message}");
    assert!(
        message.contains(&format!("is PostgreSQL running at {redacted}?")),
        "{message}"
    );

    // The store is not broken for good: the next write connects again.
    pg.start_again();
    store.write_rows(&rows(900)).unwrap();
    assert_eq!(stored(&mut store, &pg).len(), 6);
}
