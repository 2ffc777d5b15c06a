//! `darkwatch demo`, and `replay --db` followed by `signals`, as a user
//! runs them: North Korea's series from the bundled kp-2014 scenario.

mod common;

use common::*;

#[test]
fn demo_shows_kp_dark_at_16_15_and_back_after_the_churn() {
    let out = darkwatch(&["demo", "--no-serve"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let row = |bin: &str| {
        text.lines()
            .find(|l| l.starts_with(bin))
            .unwrap_or_else(|| panic!("no row {bin} in\n{text}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(row("2014-12-22T16:15:00Z")[1], "0", "dark at 16:15");
    assert_eq!(row("2014-12-23T01:45:00Z")[1], "4", "back at 01:45");
    // The last change before the outage left all four visible.
    let before: Vec<_> = text
        .lines()
        .filter(|l| l.starts_with("2014-12-2"))
        .take_while(|l| !l.starts_with("2014-12-22T16:15"))
        .collect();
    assert!(
        before.len() > 20,
        "churn before the outage: {}",
        before.len()
    );
    assert_eq!(before.last().unwrap().split_whitespace().nth(1), Some("4"));
}

#[test]
fn replay_into_a_database_then_signals_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = kp_scenario();
    let files = dir.path().join("mrt");
    let out = darkwatch(&[
        "synth",
        scenario.to_str().unwrap(),
        "--out",
        files.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let db = dir.path().join("kp.db");
    let registry = data_dir().join("registry/delegated-apnic-extended-latest.gz");
    let mut args = vec![
        "replay".to_string(),
        "--quiet".into(),
        "--db".into(),
        db.display().to_string(),
        "--registry".into(),
        registry.display().to_string(),
        "--watch".into(),
        "175.45.178.0/24".into(),
    ];
    for f in std::fs::read_dir(&files).unwrap() {
        args.push(f.unwrap().path().display().to_string());
    }
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = darkwatch(&argv);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("peers                8"), "{summary}");
    let out = darkwatch(&[
        "signals",
        "prefix/175.45.178.0/24",
        "--db",
        db.to_str().unwrap(),
        "--format",
        "csv",
        "--from",
        "2014-12-22T16:00:00Z",
        "--to",
        "2014-12-23T02:00:00Z",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<_> = csv.lines().collect();
    assert_eq!(lines[0], "entity,bin,visible_24s,visible_48s,visible_prefixes,announcements,withdrawals,path_changes,origin_changes");
    assert!(
        lines[1].starts_with("prefix/175.45.178.0/24,2014-12-22T16:15:00Z,0,0,0,0,8,"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("prefix/175.45.178.0/24,2014-12-23T01:45:00Z,1,0,1,8,0,"),
        "{csv}"
    );
    // Errors a user meets.
    let missing = darkwatch(&["signals", "country/KP", "--db", "/nonexistent/x.db"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("replay --db"));
    let unknown = darkwatch(&["signals", "country/XX", "--db", db.to_str().unwrap()]);
    assert_eq!(unknown.status.code(), Some(1));
    let bad_time = darkwatch(&["signals", "country/KP", "--from", "yesterday"]);
    assert_eq!(bad_time.status.code(), Some(64));
}

#[test]
fn demo_serves_the_dashboard_and_prints_the_kp_headline() {
    let server = common::server::Server::start(&["demo", "--port", "0"], true);
    assert!(
        server
            .printed
            .contains("North Korea (country/KP) was completely off the Internet from 16:15 UTC on 22 December 2014"),
        "{}",
        server.printed
    );
    assert!(
        server.printed.contains("/entity/country/KP"),
        "{}",
        server.printed
    );
    let (status, body) = server.get("/api/v1/events?entity=country/KP&active=false");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"worst_severity\":\"dark\""), "{body}");
    let (status, body) = server.get("/api/v1/prefixes/175.45.176.0/24");
    assert_eq!(status, 200, "{body}");
    let prefix: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(prefix["origins"], serde_json::json!([131_279]), "{body}");
    assert!(
        prefix["routes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["path"]
                .as_array()
                .unwrap()
                .ends_with(&[4837.into(), 131_279.into()])),
        "{body}"
    );
    let (status, body) = server.get("/api/v1/peers");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"full_feed_v4\":true"), "{body}");
    let (status, page) = server.get("/entity/country/KP");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<svg"), "{page}");
}
