//! The API through its router, without sockets (`oneshot`), over a real
//! SQLite store holding series and events: every route answers, bad
//! parameters get 400 with a JSON error, unknown ids 404, pages chain;
//! the watch list changes only with the bearer token; bodies and slow
//! requests are limited.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::api::{app, get, send, with_token, TOKEN};
use serde_json::Value;
use store::Store;

/// 2014-12-22T00:00:00Z, the day of the outage in the test store.
const T0: u64 = common::api::T0;

#[tokio::test]
async fn every_route_of_the_openapi_document_answers() {
    let (app, _dir) = app();
    let (status, _, doc) = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), serve::ROUTES.len());
    for (route, methods) in serve::ROUTES {
        let documented = paths
            .get(route)
            .unwrap_or_else(|| panic!("{route} not in the document"));
        let uri = route
            .replace("{id}/signals", "country/KP/signals")
            .replace("{id}", "3")
            .replace("{prefix}", "175.45.176.0/22")
            .replace("{entity}", "country/KP");
        for method in methods {
            assert!(documented.get(method).is_some(), "{method} {route}");
            let (status, _, body) = with_token(&app, &method.to_uppercase(), &uri).await;
            assert_eq!(status, StatusCode::OK, "{method} {uri}: {body}");
        }
    }
}

#[tokio::test]
async fn the_watch_list_changes_only_with_the_token() {
    let (app, _dir) = app();
    let put = |auth: Option<&str>| {
        let mut request = Request::put("/api/v1/watch/as/131279");
        if let Some(token) = auth {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    let (status, _, body) = send(&app, put(None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _, _) = send(&app, put(Some("correct-horse"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, _, body) = get(&app, "/api/v1/watch").await;
    assert_eq!(body["watch"], serde_json::json!([]));
    let (status, _, body) = send(&app, put(Some(TOKEN))).await;
    assert_eq!(
        (status, &body["added"]),
        (StatusCode::OK, &Value::Bool(true))
    );
    let (status, _, _) = with_token(&app, "PUT", "/api/v1/watch/country/*").await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, body) = get(&app, "/api/v1/watch").await;
    assert_eq!(body["watch"], serde_json::json!(["as/131279", "country/*"]));
    let (status, _, body) = with_token(&app, "PUT", "/api/v1/watch/nation/KP").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, _) = with_token(&app, "DELETE", "/api/v1/watch/as/131279").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = with_token(&app, "DELETE", "/api/v1/watch/as/131279").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_server_without_a_token_is_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
    let app = serve::router(store, serve::Options::default(), None);
    let (status, _, body) = with_token(&app, "PUT", "/api/v1/watch/country/KP").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "read_only");
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let (app, _dir) = app();
    let request = Request::put("/api/v1/watch/country/KP")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-length", "1048576")
        .body(Body::from(vec![b'x'; 1 << 20]))
        .unwrap();
    let (status, _, _) = send(&app, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn entities_are_found_by_part_of_their_id() {
    let (app, _dir) = app();
    let (_, _, body) = get(&app, "/api/v1/entities?q=kp").await;
    assert_eq!(body["entities"][0]["id"], "country/KP");
    let (_, _, body) = get(&app, "/api/v1/entities?q=nothing-like-it").await;
    assert_eq!(body["entities"], Value::Array(vec![]));
    let (status, _, body) = get(&app, "/api/v1/entities?limit=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request");
}

#[tokio::test]
async fn signals_give_the_points_of_the_range_and_the_values_before_it() {
    let (app, _dir) = app();
    let (status, _, body) = get(
        &app,
        "/api/v1/entities/country/KP/signals?from=2014-12-22T00:00:00Z&to=2014-12-23T12:00:00Z&signal=visible_24s",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["initial"]["visible_24s"], 4);
    let points: Vec<(u64, u64)> = body["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["bin_start"].as_u64().unwrap(),
                p["visible_24s"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(points, [(T0 + 58_500, 0), (T0 + 92_700, 4)]);
    assert!(
        body["points"][0].get("withdrawals").is_none(),
        "one signal only"
    );
    // Without a range: the last week of data.
    let (_, _, body) = get(&app, "/api/v1/entities/country/KP/signals").await;
    assert_eq!(body["points"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bad_parameters_are_400_and_unknown_things_404_all_in_json() {
    let (app, _dir) = app();
    for uri in [
        "/api/v1/entities/country/KP/signals?from=20&to=10",
        "/api/v1/entities/country/KP/signals?from=0&to=99999999",
        "/api/v1/entities/country/KP/signals?from=yesterday",
        "/api/v1/entities/country/KP/signals?signal=mood",
        "/api/v1/entities/country/kp/signals",
        "/api/v1/entities/planet/earth/signals",
        "/api/v1/entities/country/KP/signals?color=red",
        "/api/v1/events?entity=nowhere",
        "/api/v1/events?limit=100000",
        "/api/v1/events/abc",
        "/api/v1/events/3/report?format=pdf",
    ] {
        let (status, kind, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        assert!(kind.starts_with("application/json"), "{uri}: {kind}");
        assert!(body["error"]["message"].as_str().is_some(), "{uri}: {body}");
    }
    for uri in [
        "/api/v1/entities/as/64496/signals",
        "/api/v1/events/999",
        "/api/v1/events/999/report",
        "/api/v1/entities/country/KP/mood",
        "/api/v2/health",
        "/../../etc/passwd",
    ] {
        let (status, kind, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {body}");
        if uri.starts_with("/api/") {
            assert_eq!(body["error"]["code"], "not_found", "{uri}");
        } else {
            // A person's path: the dashboard's page, which names nothing
            // but the path asked for.
            assert!(kind.starts_with("text/html"), "{uri}: {kind}");
            assert!(
                body.as_str().unwrap().contains("There is no page"),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn events_come_a_page_at_a_time_and_by_range() {
    let (app, _dir) = app();
    let (_, _, page) = get(&app, "/api/v1/events?limit=2").await;
    let ids: Vec<u64> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(page["next"], 2);
    let (_, _, rest) = get(&app, "/api/v1/events?limit=2&after=2").await;
    assert_eq!(rest["events"][0]["id"], 3);
    assert_eq!(rest["next"], Value::Null);
    let (_, _, day) = get(
        &app,
        "/api/v1/events?from=2014-12-22T00:00:00Z&entity=country/KP",
    )
    .await;
    assert_eq!(day["events"].as_array().unwrap().len(), 2);
    let (_, _, one) = get(&app, "/api/v1/events/3").await;
    assert_eq!(one["worst_severity"], "dark");
    assert_eq!(one["start"], "2014-12-22T16:15:00Z");
}

#[tokio::test]
async fn the_report_comes_as_html_markdown_or_json() {
    let (app, _dir) = app();
    let (status, kind, body) = get(&app, "/api/v1/events/3/report").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    let html = body.as_str().unwrap();
    assert!(
        html.contains("<svg") && html.contains("North Korea"),
        "{html}"
    );
    let (_, kind, _) = get(&app, "/api/v1/events/3/report?format=md").await;
    assert!(kind.starts_with("text/markdown"));
    let (_, _, json) = get(&app, "/api/v1/events/3/report?format=json").await;
    assert!(json["headline"].as_str().unwrap().contains("North Korea"));
}

#[tokio::test]
async fn metrics_count_events_replay_counters_and_requests() {
    let (app, dir) = app();
    store::Store::open(&dir.path().join("darkwatch.db"))
        .unwrap()
        .set_counters(&[("replay_records", 1234), ("replay_full_feed_peers_v4", 7)])
        .unwrap();
    get(&app, "/api/v1/health").await;
    get(&app, "/api/v1/events/abc").await;
    let (status, kind, body) = get(&app, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/plain"), "{kind}");
    let text = body.as_str().unwrap();
    for line in [
        "darkwatch_open_events 0",
        "darkwatch_events{kind=\"outage\",state=\"ended\"} 3",
        "darkwatch_replay_records 1234",
        "darkwatch_replay_full_feed_peers_v4 7",
        "darkwatch_http_requests_total 2",
        "darkwatch_http_errors_total 1",
        "# TYPE darkwatch_http_requests_total counter",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
}
