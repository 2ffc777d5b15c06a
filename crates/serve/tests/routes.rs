//! `/api/v1/prefixes/{prefix}` and `/api/v1/peers` through the router
//! (`oneshot`), over a route table fed real route events: exact and
//! covering matches, origins and paths per peer, full-feed state, 400 on
//! a malformed prefix, 404 on an unrouted one, 503 without a table.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::route_table as table;
use http_body_util::BodyExt;
use serde_json::Value;
use serve::{Options, RouteTable};
use store::Store;
use tower::ServiceExt;

async fn get(routes: Option<RouteTable>, uri: &str) -> (StatusCode, Value) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
    let app = serve::router(store, Options::default(), routes);
    let response = app
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_prefix_shows_its_origin_peers_and_paths() {
    let (status, body) = get(Some(table()), "/api/v1/prefixes/175.45.176.0/22").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["matched"], "175.45.176.0/22");
    assert_eq!(body["exact"], true);
    assert_eq!(body["origins"], serde_json::json!([131_279]));
    assert_eq!(body["peers_seeing"], 3);
    assert_eq!(body["as_of"], "2014-12-22T16:20:00Z");
    let routes = body["routes"].as_array().unwrap();
    let first = &routes[0];
    assert_eq!(first["path"], serde_json::json!([64_501, 4837, 131_279]));
    assert_eq!(first["peer"]["collector"], "route-views.test");
    assert_eq!(first["peer"]["address"], "192.0.2.1");
}

#[tokio::test]
async fn a_more_specific_is_answered_by_the_covering_route() {
    let (status, body) = get(Some(table()), "/api/v1/prefixes/175.45.177.0/24").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["matched"], "175.45.176.0/22");
    assert_eq!(body["exact"], false);
    // Only a default route covers it: that is what the table says.
    let (status, body) = get(Some(table()), "/api/v1/prefixes/203.0.113.0/24").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["matched"], "0.0.0.0/0");
}

#[tokio::test]
async fn bad_and_unrouted_prefixes_and_a_missing_table_are_told_apart() {
    let (status, body) = get(Some(table()), "/api/v1/prefixes/175.45.176.0/33").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
    let (status, body) = get(Some(table()), "/api/v1/prefixes/2001:db8::/32").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = get(None, "/api/v1/peers").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "no_routes");
}

#[tokio::test]
async fn peers_show_sessions_table_sizes_and_full_feed_state() {
    let (status, body) = get(Some(table()), "/api/v1/peers").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let peers = body["peers"].as_array().unwrap();
    assert_eq!(peers.len(), 4);
    assert_eq!(peers[0]["asn"], 64_501);
    assert_eq!(peers[0]["prefixes_v4"], 2);
    assert_eq!(peers[0]["up"], true);
    assert_eq!(peers[0]["full_feed_v4"], true);
    assert_eq!(peers[3]["full_feed_v4"], false, "one route is no full feed");
    assert_eq!(body["full_feed_peers"]["v4"], 3);
}
