//! A routing daemon (GoBGP, BIRD) run by a test with a configuration
//! file in a folder of its own, for the tests of the live sources in
//! `feed` and in `darkwatch`. It is not part of the library: the tests
//! include it with `#[path]`.

// Each test crate that includes it uses a part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A routing daemon run with a configuration file in a folder of its own;
/// killed on drop.
pub struct Daemon {
    child: Child,
    name: String,
    /// Its folder: configuration, control socket, log.
    pub dir: tempfile::TempDir,
}

impl Daemon {
    /// Writes `config` to `DIR/config` in a new folder and runs `program`
    /// with the arguments `args` makes of that folder, its output in
    /// `DIR/log`.
    pub fn start(
        name: &str,
        program: &str,
        config: &str,
        args: impl FnOnce(&Path) -> Vec<String>,
    ) -> Daemon {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config"), config).unwrap();
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let child = Command::new(program)
            .args(args(dir.path()))
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{program} runs ({e}); ./scripts/test installs it"));
        Daemon {
            child,
            name: name.to_owned(),
            dir,
        }
    }

    /// Sends `signal` (`STOP`, `CONT`, `KILL`) to the daemon.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} {}", self.name);
    }

    /// Kills the daemon at once (SIGKILL: no NOTIFICATION, no goodbye) and
    /// reaps it.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        let _ = self.child.wait();
    }

    /// What it printed.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A stopped process must be continued to die promptly on some
        // systems; harmless otherwise.
        let _ = Command::new("kill")
            .arg("-CONT")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- {} printed:\n{}", self.name, self.log());
        }
    }
}
