//! Webhook alerts end to end: `darkwatch serve` with a webhook sink on
//! loopback, a replay of the partial-shutdown scenario written into its
//! database while it runs, and a receiver that accepts the first alert,
//! then fails until the server has been killed (`kill -9`) and started
//! again. The receiver must get the start, the escalation, the
//! de-escalation and the restore of Iraq's outage, each once, in order.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::Server;
use common::*;
use serde_json::Value;

/// What the receiver saw.
#[derive(Default)]
struct Received {
    /// Bodies it accepted (answered 200), with their Idempotency-Key.
    accepted: Mutex<Vec<(Value, String)>>,
    /// Requests it answered 500.
    refused: AtomicUsize,
    /// Requests it will still accept before refusing.
    budget: AtomicUsize,
}

/// Reads one HTTP/1.1 request: the header lines and the body.
fn read_request(stream: &mut std::net::TcpStream) -> Option<(Vec<String>, Vec<u8>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        headers.push(line);
    }
    let length = headers
        .iter()
        .find_map(|h| {
            let (name, value) = h.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((headers, body))
}

/// A webhook receiver on a free loopback port: its URL.
fn receiver(received: Arc<Received>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((headers, body)) = read_request(&mut stream) else {
                continue;
            };
            let accept = received
                .budget
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |b| b.checked_sub(1))
                .is_ok();
            let status = if accept {
                let key = headers
                    .iter()
                    .find_map(|h| {
                        let (name, value) = h.split_once(':')?;
                        name.eq_ignore_ascii_case("idempotency-key")
                            .then(|| value.trim().to_owned())
                    })
                    .unwrap_or_default();
                let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
                received.accepted.lock().unwrap().push((json, key));
                "200 OK"
            } else {
                received.refused.fetch_add(1, Ordering::SeqCst);
                "500 Internal Server Error"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    format!("http://{addr}/hook")
}

/// Waits up to a minute for `done`.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn transitions(received: &Received) -> Vec<String> {
    received
        .accepted
        .lock()
        .unwrap()
        .iter()
        .map(|(body, _)| {
            body["alert"]["transition"]
                .as_str()
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

#[test]
fn every_transition_arrives_once_in_order_across_a_kill() {
    let received = Arc::new(Received {
        budget: AtomicUsize::new(1),
        ..Received::default()
    });
    let url = receiver(Arc::clone(&received));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("darkwatch.db");
    store::Store::open(&db).unwrap();
    let config = dir.path().join("darkwatch.toml");
    std::fs::write(
        &config,
        format!(
            "[alerts]\nwatch = [\"country/*\"]\nretry_initial_s = 1\nretry_max_s = 2\npoll_ms = 100\n\n\
             [[alerts.webhook]]\nname = \"receiver\"\nurl = \"{url}\"\nentities = [\"country/IQ\"]\nkinds = [\"outage\"]\n"
        ),
    )
    .unwrap();
    let args = ["--config", config.to_str().unwrap()];
    let server = Server::serve_db(&db, &args);
    let (status, body) = server.get("/api/v1/watch");
    assert_eq!((status, body.as_str()), (200, r#"{"watch":["country/*"]}"#));

    let files = synth(&scenario("partial-shutdown.toml"), dir.path());
    replay_into_db(&db, &files);
    wait_for("the start alert and a refused retry", || {
        received.accepted.lock().unwrap().len() == 1 && received.refused.load(Ordering::SeqCst) >= 2
    });
    // Killed while the escalation is being retried.
    drop(server);
    received.budget.store(usize::MAX, Ordering::SeqCst);
    let server = Server::serve_db(&db, &args);
    wait_for("the restore alert", || {
        transitions(&received).last().map(String::as_str) == Some("restore")
    });
    // Time for a duplicate to show, if one were coming.
    std::thread::sleep(Duration::from_secs(2));
    let (status, metrics) = server.get("/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("darkwatch_alerts_sent_total{sink=\"receiver\"}"),
        "{metrics}"
    );
    drop(server);

    // Warning at the first wave, critical at the second; better when the
    // first ISPs come back at 05:00, restored when all are.
    assert_eq!(
        transitions(&received),
        ["start", "escalation", "deescalation", "restore"]
    );
    let accepted = received.accepted.lock().unwrap();
    let mut ids = Vec::new();
    for (body, key) in accepted.iter() {
        let id = body["alert"]["id"].as_u64().unwrap();
        assert_eq!(key, &format!("darkwatch-alert-{id}"));
        assert_eq!(body["event"]["entity"], "country/IQ");
        assert_eq!(body["event"]["kind"], "outage");
        let text = body["text"].as_str().unwrap();
        assert!(
            text.starts_with("[darkwatch] ") && text.contains("Iraq"),
            "{text}"
        );
        ids.push(id);
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in order, once: {ids:?}"
    );
    let severities: Vec<&str> = accepted
        .iter()
        .map(|(b, _)| b["event"]["severity"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(severities[..3], ["warning", "critical", "warning"]);
    assert!(
        accepted[3].0["event"]["end"].is_string(),
        "the restore carries the end"
    );
}
