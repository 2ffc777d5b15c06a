//! The shared store end to end: the kp-2014 scenario replayed into a
//! real PostgreSQL (the one `scripts/test` starts, at
//! `DARKWATCH_TEST_PG`), then read back by `events` and by `serve`, as a
//! deployment where several processes share one database would.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::server::Server;
use common::*;

/// A schema of this test's own on the test server; dropped at the end.
struct Schema {
    base: String,
    name: String,
}

impl Schema {
    fn new() -> Schema {
        let base = std::env::var("DARKWATCH_TEST_PG").unwrap_or_else(|_| {
            panic!(
                "DARKWATCH_TEST_PG is not set: this test needs PostgreSQL. Run ./scripts/test, \
                 which starts one (or scripts/pg start DIR and set the URL it prints)"
            )
        });
        let schema = Schema {
            name: format!("cli_{}", std::process::id()),
            base,
        };
        schema.psql(&format!(
            "DROP SCHEMA IF EXISTS {0} CASCADE; CREATE SCHEMA {0}",
            schema.name
        ));
        schema
    }

    fn psql(&self, sql: &str) {
        let out = Command::new("psql")
            .args([self.base.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", sql])
            .output()
            .expect("psql (Debian's postgresql-client) on PATH");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The URL `--db` takes, this schema first in the search path.
    fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options=-csearch_path%3D{}",
            self.base, self.name
        )
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        self.psql(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
    }
}

#[test]
fn replay_events_and_serve_share_a_postgresql_store() {
    let schema = Schema::new();
    let url = schema.url();
    let dir = tempfile::tempdir().unwrap();
    let files = synth(&kp_scenario(), dir.path());
    replay_into_db(&PathBuf::from(&url), &files);

    let all = events(&PathBuf::from(&url));
    let outage = events_of(&all, "country/KP", "outage")
        .into_iter()
        .find(|e| e["start"].as_str().unwrap().starts_with("2014-12-22T16:15"))
        .unwrap_or_else(|| panic!("no 16:15 outage of country/KP in {all:?}"));
    assert_eq!(outage["worst_severity"], "dark");

    let server = Server::serve_db(&PathBuf::from(&url), &[]);
    let (status, body) = server.get("/api/v1/events?entity=country/KP&active=false");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"worst_severity\":\"dark\""), "{body}");
    let (status, page) = server.get("/entity/country/KP");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("North Korea"), "{page}");
}
