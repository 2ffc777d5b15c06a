//! `darkwatch serve` on PostgreSQL survives the server going away: with a
//! BMP source kept busy by `darkwatch loadgen bmp` (so that every 2-s bin
//! writes series), the test's own PostgreSQL is restarted (`pg_ctl restart
//! -m fast`), then stopped for 3 s and started again. After each, the
//! process still runs, the API answers from the store, new bins keep
//! arriving in the database, and stderr says that the connection was lost
//! and made again, with the URL shown without its password.

mod common;

#[path = "../../store/tests/support/private_pg.rs"]
mod private_pg;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::live::Live;
use private_pg::PrivatePg;

/// Longest wait for bins written after the server came back: the writer
/// may be between attempts to connect (at most 2 s apart) and a bin is 2 s.
const PATIENCE: Duration = Duration::from_secs(30);

/// A password the server (trust authentication) ignores, which must
/// never be printed.
const PASSWORD: &str = "s3cret-never-shown";

/// `darkwatch loadgen bmp` run again and again against a BMP station,
/// each run announcing a small table and withdrawing it, until dropped.
struct Churn {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Churn {
    fn start(station: std::net::SocketAddr) -> Churn {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let status = Command::new(env!("CARGO_BIN_EXE_darkwatch"))
                    .args(["loadgen", "bmp", "--to", &station.to_string()])
                    .args(["--peers", "2", "--prefixes", "60", "--withdraw"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .expect("darkwatch loadgen runs");
                assert!(status.success(), "darkwatch loadgen: {status}");
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Churn {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Churn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs()
}

/// Waits until `world` has bins starting at `since` or later in the
/// database, read on a connection of the test's own; then checks that
/// `serve` runs and answers from its store.
fn assert_writing_since(live: &mut Live, pg: &PrivatePg, since: u64, after: &str) {
    live.wait(&format!("bins of world written {after}"), PATIENCE, || {
        let mut store = store::Store::connect(&pg.url).ok()?;
        let points = store.series("world", since, u64::MAX >> 1).ok()?;
        (!points.is_empty()).then_some(())
    });
    assert!(live.alive(), "darkwatch serve ended {after}");
    let (status, body) = live.get("/api/v1/health");
    assert_eq!(status, 200, "/api/v1/health {after}: {body}");
    let (status, body) = live.get("/api/v1/entities/world/signals");
    assert_eq!(
        status,
        200,
        "/api/v1/entities/world/signals {after}: {body}\nserver log:\n{}",
        pg.log()
    );
}

#[test]
fn serve_survives_a_postgresql_restart_and_a_stop_with_reconnects() {
    let pg = PrivatePg::start();
    let shown = pg.url.clone();
    let url = shown.replacen("postgres@", &format!("postgres:{PASSWORD}@"), 1);
    assert_ne!(url, shown, "the URL names the user: {shown}");
    let config = "[live]\nbin_secs = 2\nqueue = 4096\n\n\
                  [[live.bmp]]\nname = \"routers\"\nlisten = \"127.0.0.1:0\"\n";
    let mut live = Live::start_on(&url, config, &["routers"]);
    let _churn = Churn::start(live.listen_of("routers"));
    assert_writing_since(&mut live, &pg, 0, "at first");

    pg.restart();
    assert_writing_since(&mut live, &pg, unix_now(), "after a restart");

    pg.stop();
    std::thread::sleep(Duration::from_secs(3));
    pg.start_again();
    assert_writing_since(&mut live, &pg, unix_now(), "after a stop and a start");

    let printed = live.printed();
    assert!(
        !printed.contains(PASSWORD),
        "the password is shown:\n{printed}"
    );
    let lost = format!("darkwatch: lost the connection to PostgreSQL at {shown} (");
    let back = format!("darkwatch: connected again to PostgreSQL at {shown} (attempt ");
    let count = |head: &str| printed.lines().filter(|l| l.starts_with(head)).count();
    // The writer and the API each have a connection; each loss of one is
    // one line, and its return another.
    assert!(
        count(&lost) >= 2,
        "a line per lost connection, for the restart and for the stop:\n{printed}"
    );
    assert_eq!(
        count(&lost),
        count(&back),
        "each lost connection is made again:\n{printed}"
    );
}
