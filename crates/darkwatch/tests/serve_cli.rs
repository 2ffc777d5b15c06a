//! `darkwatch serve` end to end: the bundled kp-2014 scenario replayed
//! into a database, the binary started on a free loopback port, and the
//! API asked over a real TCP connection.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use common::*;

/// Stops the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `GET path` over HTTP/1.1: status and body.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn the_api_answers_over_tcp_with_the_kp_outage() {
    let kp = kp_scenario();
    let (db, _dir) = synth_and_replay(&kp);
    let mut child = Command::new(env!("CARGO_BIN_EXE_darkwatch"))
        .args([
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start darkwatch serve");
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stderr).read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "loopback: {addr}");

    let (status, body) = get(&addr, "/api/v1/health");
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, body) = get(
        &addr,
        "/api/v1/events?entity=country/KP&from=2014-12-22T12:00:00Z",
    );
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
    let (status, html) = get(&addr, &format!("/api/v1/events/{id}/report"));
    assert_eq!(status, 200);
    assert!(html.contains("AS4837"), "{html}");
    let (status, body) = get(&addr, "/api/v1/events/not-a-number");
    assert_eq!(status, 400, "{body}");
    let (status, metrics) = get(&addr, "/metrics");
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
