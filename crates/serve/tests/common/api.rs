//! What the API tests share: a router over a real SQLite store holding
//! North Korea's series around an outage and three events, with a bearer
//! token, and requests sent through it without sockets (`oneshot`).

use axum::body::Body;
use axum::http::{Request, StatusCode};
use detect::{Event, EventKind, Severity};
use http_body_util::BodyExt;
use serde_json::Value;
use signal::{BinRow, Entity, Values};
use store::Store;
use tower::ServiceExt;

/// 2014-12-22T00:00:00Z: the day of the outage in the test store.
pub const T0: u64 = 1_419_206_400;

fn kp() -> Entity {
    Entity::Country("KP".parse().unwrap())
}

fn outage(id: u64, start: u64, end: Option<u64>) -> Event {
    let raised = Event::raised(
        id,
        kp(),
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

/// A store with KP's series around an outage and three events.
pub fn app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
    let row = |bin: u64, v24: u64| BinRow {
        bin_start: bin,
        entity: kp(),
        values: Values {
            visible_24s: v24,
            visible_prefixes: v24,
            withdrawals: u64::from(v24 == 0) * 32,
            ..Values::default()
        },
    };
    let dark = T0 + 16 * 3600 + 900;
    store
        .write_rows(&[row(T0 - 86_400, 4), row(dark, 0), row(dark + 34_200, 4)])
        .unwrap();
    store
        .write_events(
            &[
                outage(1, T0 - 3600, Some(T0 - 3000)),
                outage(2, T0 + 600, Some(T0 + 1200)),
                outage(3, dark, Some(dark + 34_200)),
            ],
            &[],
            dark + 40_000,
        )
        .unwrap();
    let options = serve::Options {
        token: Some(TOKEN.into()),
        ..serve::Options::default()
    };
    let routes = Some(super::route_table());
    (serve::router(store, options, routes), dir)
}

/// The bearer token of the test server.
pub const TOKEN: &str = "correct-horse-battery-staple";

/// `GET uri`, without a token.
pub async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Value) {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// `method uri` with the test server's bearer token.
pub async fn with_token(
    app: &axum::Router,
    method: &str,
    uri: &str,
) -> (StatusCode, String, Value) {
    send(app, token_request(method, uri)).await
}

/// `method uri` with the test server's bearer token and no body.
pub fn token_request(method: &str, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

/// Sends `request`: its status, content type and body (JSON, or the text
/// as a JSON string when it is not JSON).
pub async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, String, Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, kind, body)
}
