//! A PostgreSQL server of one test's own: `scripts/pg` in a temporary
//! folder, on a free port of 127.0.0.1, for the tests that restart or stop
//! the server under darkwatch (which would break the tests sharing the
//! server at `DARKWATCH_TEST_PG`). Used by the store's and `darkwatch`'s
//! tests; not part of the library: the tests include it with `#[path]`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A running server, stopped (and its folder removed) on drop.
pub struct PrivatePg {
    /// The server's folder: data, socket, log.
    dir: tempfile::TempDir,
    /// Its TCP port, kept across a stop and a start.
    port: u16,
    /// The URL of its database `darkwatch_test`.
    pub url: String,
}

impl PrivatePg {
    /// Initializes and starts a server. Fails, never skips, when the
    /// PostgreSQL binaries are missing: `scripts/test` installs them.
    pub fn start() -> PrivatePg {
        let dir = tempfile::tempdir().expect("a temporary folder");
        // A port free a moment ago: the server takes it at once.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port of 127.0.0.1")
            .port();
        let mut pg = PrivatePg {
            dir,
            port,
            url: String::new(),
        };
        pg.url = pg.script("start");
        pg
    }

    /// Restarts the server at once (`pg_ctl restart -m fast`): every
    /// connection is ended.
    pub fn restart(&self) {
        self.script("restart");
    }

    /// Stops the server (`pg_ctl stop -m fast`).
    pub fn stop(&self) {
        self.script("stop");
    }

    /// Starts the stopped server again, on the same port.
    pub fn start_again(&self) {
        self.script("start");
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Runs `scripts/pg ACTION DIR`, which must succeed; what it printed.
    fn script(&self, action: &str) -> String {
        let out = Command::new(script())
            .arg(action)
            .arg(self.dir.path())
            .env("DARKWATCH_PG_PORT", self.port.to_string())
            .output()
            .unwrap_or_else(|e| panic!("running scripts/pg {action}: {e}"));
        assert!(
            out.status.success(),
            "scripts/pg {action} {} failed (PostgreSQL's server binaries are needed: \
             ./scripts/test installs them): {}",
            self.dir.path().display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        // Not `script`: a panic while panicking would abort the test run.
        let _ = Command::new(script())
            .arg("stop")
            .arg(self.dir.path())
            .env("DARKWATCH_PG_PORT", self.port.to_string())
            .output();
    }
}

/// `scripts/pg` of the repository (every crate is at `crates/NAME`).
fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/pg")
}
