//! `darkwatch serve` end to end: the bundled kp-2014 scenario replayed
//! into a database, the binary started on a free loopback port, and the
//! API asked over a real TCP connection.

mod common;

use common::server::Server;
use common::*;

#[test]
fn the_api_answers_over_tcp_with_the_kp_outage() {
    let kp = kp_scenario();
    let (db, _dir) = synth_and_replay(&kp);
    let server = Server::serve_db(&db, &[]);
    let (status, body) = server.get("/api/v1/health");
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, body) = server.get("/api/v1/events?entity=country/KP&from=2014-12-22T12:00:00Z");
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).unwrap();
    let outage = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "outage")
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(outage["worst_severity"], "dark");
    let id = outage["id"].as_u64().unwrap();
    let (status, html) = server.get(&format!("/api/v1/events/{id}/report"));
    assert_eq!(status, 200);
    assert!(html.contains("AS4837"), "{html}");
    let (status, body) = server.get("/api/v1/events/not-a-number");
    assert_eq!(status, 400, "{body}");
    let (status, metrics) = server.get("/metrics");
    assert_eq!(status, 200);
    let records = metrics
        .lines()
        .find_map(|l| l.strip_prefix("darkwatch_replay_records "))
        .unwrap_or_else(|| panic!("{metrics}"));
    assert!(records.parse::<u64>().unwrap() > 1000, "{records}");
    assert!(
        metrics.contains("darkwatch_replay_full_feed_peers_v4 7"),
        "{metrics}"
    );
    drop(server);
}

#[test]
fn serve_routes_reads_archives_into_the_route_table_it_answers_from() {
    let (db, dir) = synth_and_replay(&kp_scenario());
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("mrt"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    let mut routes = vec!["--routes"];
    routes.extend(files.iter().map(String::as_str));
    let server = Server::serve_db(&db, &routes);
    let (status, body) = server.get("/api/v1/peers");
    assert_eq!(status, 200, "{body}");
    let peers: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(peers["full_feed_peers"]["v4"], 7, "{body}");
    assert!(
        peers["as_of"].as_str().unwrap().starts_with("2014-12-23T"),
        "{body}"
    );
    let (status, body) = server.get("/api/v1/prefixes/175.45.179.0/24");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"origins\":[131279]"), "{body}");
    // Without --routes there is no table to ask.
    let bare = Server::serve_db(&db, &[]);
    let (status, body) = bare.get("/api/v1/peers");
    assert_eq!(status, 503, "{body}");
}
