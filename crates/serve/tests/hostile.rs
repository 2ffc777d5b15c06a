//! The API against hostile input, through its router (`oneshot`) and,
//! where the wire matters (chunked bodies, huge request lines, what the
//! server writes to its output), through a real socket: malformed ids,
//! ranges and limits, path traversal, oversized bodies and URLs, unknown
//! methods. Every error is a 4xx with a JSON body that says what was
//! wrong (an HTML page outside `/api/`), never a 500 or a panic; nothing
//! changes state without the token, and the token is never written out.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::api::{app, get, send, token_request, with_token, TOKEN};
use serde_json::Value;
use store::Store;

/// Asserts that `uri` is answered `status` with a JSON error whose
/// message says something (and, when given, contains `says`).
async fn refused(app: &axum::Router, uri: &str, status: StatusCode, says: &str) {
    let (got, kind, body) = get(app, uri).await;
    assert_json_error(uri, (got, &kind, &body), status, says);
}

fn assert_json_error(
    what: &str,
    answer: (StatusCode, &str, &Value),
    status: StatusCode,
    says: &str,
) {
    let (got, kind, body) = answer;
    let what: String = what.chars().take(200).collect();
    assert_eq!(got, status, "{what}: {body}");
    assert!(kind.starts_with("application/json"), "{what}: {kind}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "{what}: no message in {body}");
    assert!(body["error"]["code"].is_string(), "{what}: {body}");
    assert!(
        message.contains(says),
        "{what}: {message:?} says nothing of {says:?}"
    );
}

// --- Entity ids -------------------------------------------------------

#[tokio::test]
async fn an_empty_entity_id_is_400() {
    let (app, _dir) = app();
    refused(
        &app,
        "/api/v1/entities//signals",
        StatusCode::BAD_REQUEST,
        "not an entity id",
    )
    .await;
    refused(
        &app,
        "/api/v1/events?entity=",
        StatusCode::BAD_REQUEST,
        "not an entity id",
    )
    .await;
}

#[tokio::test]
async fn an_overlong_entity_id_is_400() {
    let (app, _dir) = app();
    let long = "A".repeat(10 * 1024);
    for uri in [
        format!("/api/v1/entities/country/{long}/signals"),
        format!("/api/v1/entities/as/{long}/signals"),
        format!("/api/v1/events?entity=country/{long}"),
    ] {
        refused(&app, &uri, StatusCode::BAD_REQUEST, "not an entity id").await;
    }
}

#[tokio::test]
async fn non_utf8_percent_escapes_in_ids_are_400_in_json() {
    let (app, _dir) = app();
    for uri in [
        "/api/v1/entities/country/%FF%FE/signals",
        "/api/v1/entities/%C0%AE%C0%AE/signals",
        "/api/v1/events/%FF",
        "/api/v1/events/%FF/report",
        "/api/v1/prefixes/%FF/24",
    ] {
        refused(&app, uri, StatusCode::BAD_REQUEST, "UTF-8").await;
    }
    // A query parameter that is not UTF-8 either.
    refused(
        &app,
        "/api/v1/events?entity=%FF",
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    let (status, _, body) = with_token(&app, "PUT", "/api/v1/watch/country/%FF").await;
    assert_json_error(
        "PUT watch %FF",
        (status, "application/json", &body),
        StatusCode::BAD_REQUEST,
        "UTF-8",
    );
    // The dashboard answers the same with a page.
    let (status, kind, _) = get(&app, "/entity/country/%FF").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(kind.starts_with("text/html"), "{kind}");
}

#[tokio::test]
async fn control_characters_in_entity_ids_are_400() {
    let (app, _dir) = app();
    for escape in ["%00", "%0A", "%0D%0A", "%1B%5B31m", "%7F", "%08"] {
        let uri = format!("/api/v1/entities/country/K{escape}/signals");
        refused(&app, &uri, StatusCode::BAD_REQUEST, "not an entity id").await;
        let uri = format!("/api/v1/events?entity=country/K{escape}");
        refused(&app, &uri, StatusCode::BAD_REQUEST, "not an entity id").await;
    }
}

#[tokio::test]
async fn dot_dot_entity_ids_are_400() {
    let (app, _dir) = app();
    for uri in [
        "/api/v1/entities/country/../../etc/signals",
        "/api/v1/entities/country/%2E%2E%2F%2E%2E%2Fetc/signals",
        "/api/v1/events?entity=country/../../etc",
    ] {
        refused(&app, uri, StatusCode::BAD_REQUEST, "not an entity id").await;
    }
    let (status, _, body) = with_token(&app, "PUT", "/api/v1/watch/country/../../etc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, _, body) = get(&app, "/api/v1/watch").await;
    assert_eq!(body["watch"], serde_json::json!([]));
}

// --- Event ids --------------------------------------------------------

#[tokio::test]
async fn non_numeric_event_ids_are_400() {
    let (app, _dir) = app();
    for id in ["abc", "1.5", "0x10", "1e3", "%201", "3%00", "%E2%85%A2"] {
        for tail in ["", "/report"] {
            let uri = format!("/api/v1/events/{id}{tail}");
            refused(&app, &uri, StatusCode::BAD_REQUEST, "").await;
        }
    }
    refused(
        &app,
        "/api/v1/events/abc",
        StatusCode::BAD_REQUEST,
        "not an event id",
    )
    .await;
}

#[tokio::test]
async fn negative_event_ids_are_400() {
    let (app, _dir) = app();
    for uri in [
        "/api/v1/events/-1",
        "/api/v1/events/-1/report",
        "/api/v1/events?after=-1",
    ] {
        refused(&app, uri, StatusCode::BAD_REQUEST, "").await;
    }
}

#[tokio::test]
async fn event_ids_past_u64_are_400_and_u64_max_is_404() {
    let (app, _dir) = app();
    for id in ["18446744073709551616", "99999999999999999999999999999999"] {
        refused(
            &app,
            &format!("/api/v1/events/{id}"),
            StatusCode::BAD_REQUEST,
            "not an event id",
        )
        .await;
        refused(
            &app,
            &format!("/api/v1/events/{id}/report"),
            StatusCode::BAD_REQUEST,
            "",
        )
        .await;
        refused(
            &app,
            &format!("/api/v1/events?after={id}"),
            StatusCode::BAD_REQUEST,
            "",
        )
        .await;
    }
    // The largest id is a number: no such event, whatever the store's
    // integers are.
    let max = u64::MAX;
    refused(
        &app,
        &format!("/api/v1/events/{max}"),
        StatusCode::NOT_FOUND,
        "no event",
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/events/{max}/report"),
        StatusCode::NOT_FOUND,
        "no event",
    )
    .await;
    let (status, _, body) = get(&app, &format!("/api/v1/events?after={max}")).await;
    assert_eq!(
        (status, &body["events"]),
        (StatusCode::OK, &serde_json::json!([]))
    );
}

// --- Time ranges ------------------------------------------------------

#[tokio::test]
async fn inverted_time_ranges_are_400() {
    let (app, _dir) = app();
    for range in [
        "from=20&to=10",
        "from=10&to=10",
        "from=2014-12-23T00:00:00Z&to=2014-12-22T00:00:00Z",
    ] {
        for path in ["/api/v1/entities/country/KP/signals", "/api/v1/events"] {
            let uri = format!("{path}?{range}");
            refused(&app, &uri, StatusCode::BAD_REQUEST, "must be before").await;
        }
    }
}

#[tokio::test]
async fn from_zero_to_u64_max_is_refused() {
    let (app, _dir) = app();
    let max = u64::MAX;
    refused(
        &app,
        &format!("/api/v1/entities/country/KP/signals?from=0&to={max}"),
        StatusCode::BAD_REQUEST,
        "longer than 31 days",
    )
    .await;
    // Past u64: not a time.
    refused(
        &app,
        "/api/v1/entities/country/KP/signals?from=0&to=18446744073709551616",
        StatusCode::BAD_REQUEST,
        "neither Unix seconds nor an RFC 3339 time",
    )
    .await;
    // Events come a page at a time: any range is bounded by the page.
    let (status, _, body) = get(&app, &format!("/api/v1/events?from=0&to={max}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"].as_array().unwrap().len(), 3);
    // The dashboard refuses it too.
    let (status, _, _) = get(&app, &format!("/entity/country/KP?from=0&to={max}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn ranges_of_millions_of_points_are_refused_and_open_ranges_capped() {
    let (app, _dir) = app();
    // A year of 300 s bins is 105 120 points: past the 31 days allowed.
    let year = 365 * 86_400;
    refused(
        &app,
        &format!("/api/v1/entities/country/KP/signals?from=0&to={year}"),
        StatusCode::BAD_REQUEST,
        "longer than 31 days",
    )
    .await;
    // 31 days and one second: refused; 31 days: answered (at most 8 928
    // bins of 300 s).
    let month = 31 * 86_400;
    let from = common::api::T0 - month / 2;
    refused(
        &app,
        &format!(
            "/api/v1/entities/country/KP/signals?from={from}&to={}",
            from + month + 1
        ),
        StatusCode::BAD_REQUEST,
        "longer than 31 days",
    )
    .await;
    let (status, _, body) = get(
        &app,
        &format!(
            "/api/v1/entities/country/KP/signals?from={from}&to={}",
            from + month
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["points"].as_array().unwrap().len() <= (month / 300) as usize);
    // Only one end: a week from it, even at the ends of time.
    let week = 7 * 86_400;
    for (query, from, to) in [
        ("from=0".to_owned(), 0, week),
        (format!("to={}", u64::MAX), u64::MAX - week, u64::MAX),
        (format!("from={}", u64::MAX - 1), u64::MAX - 1, u64::MAX),
        (format!("from={}", u64::MAX), u64::MAX, u64::MAX),
    ] {
        let uri = format!("/api/v1/entities/country/KP/signals?{query}");
        let (status, _, body) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert_eq!(
            (body["from"].as_u64(), body["to"].as_u64()),
            (Some(from), Some(to)),
            "{uri}"
        );
    }
}

// --- Limits and pages ---------------------------------------------------

#[tokio::test]
async fn absurd_limits_and_page_sizes_are_400() {
    let (app, _dir) = app();
    for (limit, says) in [
        ("0", "at least 1"),
        ("1001", "at most 1000"),
        ("100000000", "at most 1000"),
        ("18446744073709551615", "at most 1000"),
        ("18446744073709551616", "limit"),
        ("-1", "limit"),
        ("1e3", "limit"),
        ("abc", "limit"),
        ("", "limit"),
        ("%00", "limit"),
    ] {
        for path in ["/api/v1/events", "/api/v1/entities"] {
            let uri = format!("{path}?limit={limit}");
            refused(&app, &uri, StatusCode::BAD_REQUEST, says).await;
        }
    }
    refused(
        &app,
        "/api/v1/events?after=abc",
        StatusCode::BAD_REQUEST,
        "after",
    )
    .await;
    refused(
        &app,
        "/api/v1/events?active=maybe",
        StatusCode::BAD_REQUEST,
        "active",
    )
    .await;
    // The largest page is answered.
    let (status, _, _) = get(&app, "/api/v1/events?limit=1000").await;
    assert_eq!(status, StatusCode::OK);
}

// --- Static files and path traversal -----------------------------------

#[tokio::test]
async fn path_traversal_never_serves_a_file() {
    let (app, _dir) = app();
    // What the files look like, should one be served.
    let manifest = include_str!("../Cargo.toml");
    let secrets = [
        "[package]",
        "[workspace]",
        "root:x:0:0",
        "[dependencies]",
        manifest.lines().next().unwrap(),
    ];
    let here = env!("CARGO_MANIFEST_DIR");
    for uri in [
        "/static/../Cargo.toml".to_owned(),
        "/static/../../Cargo.toml".to_owned(),
        "/static/%2e%2e%2fCargo.toml".to_owned(),
        "/static/%2e%2e/%2e%2e/Cargo.toml".to_owned(),
        "/static/..%2f..%2fCargo.toml".to_owned(),
        "/static/..%5c..%5cCargo.toml".to_owned(),
        "/static/..\\..\\Cargo.toml".replace('\\', "%5C"),
        "/static/%252e%252e%252fCargo.toml".to_owned(),
        "/static/%25252e%25252e%25252fCargo.toml".to_owned(),
        "/static/%c0%ae%c0%ae%c0%afCargo.toml".to_owned(),
        "/static//etc/passwd".to_owned(),
        "/static/%2fetc%2fpasswd".to_owned(),
        format!("/static/{here}/Cargo.toml"),
        format!(
            "/static/%2F{}",
            here.trim_start_matches('/').replace('/', "%2F")
        ),
        "//etc/passwd".to_owned(),
        "/..%2f..%2f..%2fetc%2fpasswd".to_owned(),
        "/style.css".to_owned(),
        "/style.css/../../Cargo.toml".to_owned(),
        "/entity/..%2f..%2fCargo.toml".to_owned(),
        "/prefix/..%2f..%2fCargo.toml".to_owned(),
        "/event/..%2f..%2fCargo.toml".to_owned(),
        "/api/v1/../../Cargo.toml".to_owned(),
        "/api/v1/%2e%2e/%2e%2e/Cargo.toml".to_owned(),
        "/api/v1/openapi.json/../../../Cargo.toml".to_owned(),
    ] {
        let (status, kind, body) = get(&app, &uri).await;
        assert!(status.is_client_error(), "{uri}: {status}");
        let text = body.to_string();
        for secret in secrets {
            assert!(!text.contains(secret), "{uri} served {secret:?}: {text}");
        }
        if uri.starts_with("/api/") {
            assert!(kind.starts_with("application/json"), "{uri}: {kind}");
        } else {
            assert!(kind.starts_with("text/html"), "{uri}: {kind}");
        }
    }
}

// --- Bodies -------------------------------------------------------------

#[test]
fn a_chunked_body_past_the_limit_is_413_even_where_no_handler_reads_it() {
    // Over a socket: `Transfer-Encoding: chunked`, no `Content-Length`,
    // 80 KiB in five chunks of 16 KiB, the limit being 64 KiB.
    let (addr, _dir) = start_server(Some(TOKEN));
    let chunked = |chunks: usize| {
        let mut request = format!(
            "PUT /api/v1/watch/country/KP HTTP/1.1\r\nHost: test\r\n\
             Authorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n\
             Connection: close\r\n\r\n"
        )
        .into_bytes();
        for _ in 0..chunks {
            request.extend_from_slice(b"4000\r\n");
            request.extend_from_slice(&[b'x'; 0x4000]);
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"0\r\n\r\n");
        request
    };
    let (status, head, body) = raw(addr, &chunked(5));
    assert_eq!(status, 413, "{head}\n{body}");
    let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    assert_eq!(body["error"]["code"], "too_large", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than"),
        "{body}"
    );
    // Refused: the watch list did not change.
    let (status, _, body) = raw(
        addr,
        b"GET /api/v1/watch HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200);
    assert!(body.contains("\"watch\":[]"), "{body}");
    // A chunked body within the limit goes through.
    let (status, head, body) = raw(addr, &chunked(2));
    assert_eq!(status, 200, "{head}\n{body}");
}

// --- URLs and query strings ---------------------------------------------

#[tokio::test]
async fn very_long_urls_and_query_strings_are_answered_without_failing() {
    let (app, _dir) = app();
    // (`http::Uri` holds at most 64 KiB: longer ones are tested on the
    // wire, below.)
    let long = "x".repeat(60 * 1024);
    refused(
        &app,
        &format!("/api/v1/events?entity={long}"),
        StatusCode::BAD_REQUEST,
        "not an entity id",
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/events/{long}"),
        StatusCode::BAD_REQUEST,
        "not an event id",
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/events?{long}=1"),
        StatusCode::BAD_REQUEST,
        "unknown field",
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/{long}"),
        StatusCode::NOT_FOUND,
        "no such route",
    )
    .await;
    // A search longer than any id or name: refused before the store
    // (SQLite fails on a LIKE pattern past 50 000 bytes).
    refused(
        &app,
        &format!("/api/v1/entities?q={long}"),
        StatusCode::BAD_REQUEST,
        "more than the 256",
    )
    .await;
    let (status, kind, _) = get(&app, &format!("/search?q={long}")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(kind.starts_with("text/html"), "{kind}");
    let (status, _, body) = get(&app, &format!("/api/v1/entities?q={}", "x".repeat(256))).await;
    assert_eq!(
        (status, &body["entities"]),
        (StatusCode::OK, &serde_json::json!([]))
    );
}

#[test]
fn a_request_line_past_what_the_server_reads_is_refused_and_the_server_goes_on() {
    // hyper reads the request head (at most ~400 KB) before the router
    // sees anything: a longer one is refused by hyper itself, with a 4xx
    // and no body, not read without end.
    let (addr, _dir) = start_server(None);
    let request = format!(
        "GET /api/v1/events?entity={} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
        "x".repeat(1 << 20)
    );
    let (status, head, _) = raw(addr, request.as_bytes());
    assert!((400..500).contains(&status), "{head}");
    let (status, _, body) = raw(
        addr,
        b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn many_query_params_are_400() {
    let (app, _dir) = app();
    let unknown: Vec<String> = (0..5_000).map(|i| format!("p{i}=1")).collect();
    refused(
        &app,
        &format!("/api/v1/events?{}", unknown.join("&")),
        StatusCode::BAD_REQUEST,
        "unknown field",
    )
    .await;
    let repeated = vec!["limit=1"; 7_000].join("&");
    refused(
        &app,
        &format!("/api/v1/events?{repeated}"),
        StatusCode::BAD_REQUEST,
        "duplicate field",
    )
    .await;
    refused(
        &app,
        &format!("/api/v1/entities?{repeated}"),
        StatusCode::BAD_REQUEST,
        "duplicate field",
    )
    .await;
    refused(
        &app,
        "/api/v1/events?limit=1&limit=2",
        StatusCode::BAD_REQUEST,
        "duplicate field",
    )
    .await;
    // A route that takes no parameters ignores them.
    let (status, _, _) = get(&app, &format!("/api/v1/health?{}", unknown.join("&"))).await;
    assert_eq!(status, StatusCode::OK);
}

// --- Methods --------------------------------------------------------------

#[tokio::test]
async fn unknown_methods_are_405_in_json_with_allow() {
    let (app, _dir) = app();
    for (method, uri, allow) in [
        ("FOO", "/api/v1/health", "GET,HEAD"),
        ("BREW", "/api/v1/events", "GET,HEAD"),
        ("POST", "/api/v1/events", "GET,HEAD"),
        ("DELETE", "/api/v1/events/3", "GET,HEAD"),
        ("PATCH", "/api/v1/watch/country/KP", "PUT,DELETE"),
        ("POST", "/api/v1/watch/country/KP", "PUT,DELETE"),
        ("PUT", "/api/v1/watch", "GET,HEAD"),
        ("TRACE", "/api/v1/openapi.json", "GET,HEAD"),
        ("OPTIONS", "/api/v1/entities", "GET,HEAD"),
        ("CONNECT", "/api/v1/peers", "GET,HEAD"),
    ] {
        let request = token_request(method, uri);
        let response = tower::ServiceExt::oneshot(app.clone(), request)
            .await
            .unwrap();
        let allowed = response
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let (status, kind, body) = send(&app, rebuild(method, uri)).await;
        assert_json_error(
            &format!("{method} {uri}"),
            (status, &kind, &body),
            StatusCode::METHOD_NOT_ALLOWED,
            method,
        );
        assert_eq!(allowed.as_deref(), Some(allow), "{method} {uri}");
    }
    // A page of the dashboard: a page.
    let (status, kind, _) = send(&app, rebuild("POST", "/")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(kind.starts_with("text/html"), "{kind}");
    // And nothing changed.
    let (_, _, body) = get(&app, "/api/v1/watch").await;
    assert_eq!(body["watch"], serde_json::json!([]));
}

fn rebuild(method: &str, uri: &str) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

// --- The token ------------------------------------------------------------

/// Every documented route and method that is not a GET, with the
/// document's path parameters filled in.
async fn state_changing_routes(app: &axum::Router) -> Vec<(String, String)> {
    let (_, _, doc) = get(app, "/api/v1/openapi.json").await;
    let mut routes = Vec::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            if method != "get" {
                let uri = path
                    .replace("{entity}", "country/KP")
                    .replace("{id}", "3")
                    .replace("{prefix}", "175.45.176.0/22");
                routes.push((method.to_uppercase(), uri));
            }
        }
    }
    routes
}

#[tokio::test]
async fn no_documented_state_changing_route_works_without_the_token() {
    let (app, _dir) = app();
    let routes = state_changing_routes(&app).await;
    assert!(routes.len() >= 2, "{routes:?}");
    for (method, uri) in &routes {
        for authorization in [
            None,
            Some(String::new()),
            Some("Bearer".to_owned()),
            Some("Bearer ".to_owned()),
            Some(format!("Bearer {TOKEN}x")),
            Some(format!("Bearer {}", &TOKEN[..TOKEN.len() - 1])),
            Some(format!("bearer {TOKEN}")),
            Some(format!("Basic {TOKEN}")),
            Some(format!("Bearer  {TOKEN}")),
            Some(TOKEN.to_owned()),
        ] {
            let mut request = Request::builder().method(method.as_str()).uri(uri.as_str());
            if let Some(value) = &authorization {
                request = request.header("authorization", value.as_str());
            }
            let (status, kind, body) = send(&app, request.body(Body::empty()).unwrap()).await;
            let what = format!("{method} {uri} with {authorization:?}");
            assert_json_error(
                &what,
                (status, &kind, &body),
                StatusCode::UNAUTHORIZED,
                "Authorization: Bearer",
            );
        }
    }
    let (_, _, body) = get(&app, "/api/v1/watch").await;
    assert_eq!(body["watch"], serde_json::json!([]));
}

#[tokio::test]
async fn no_documented_state_changing_route_works_on_a_server_without_a_token() {
    let (documented, _dir) = app();
    let routes = state_changing_routes(&documented).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
    let app = serve::router(store, serve::Options::default(), None);
    for (method, uri) in &routes {
        for token in ["", TOKEN, "anything"] {
            let request = Request::builder()
                .method(method.as_str())
                .uri(uri.as_str())
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap();
            let (status, kind, body) = send(&app, request).await;
            assert_json_error(
                &format!("{method} {uri}"),
                (status, &kind, &body),
                StatusCode::FORBIDDEN,
                "read-only",
            );
        }
    }
}

#[test]
fn the_options_debug_output_hides_the_token() {
    let options = serve::Options {
        token: Some(TOKEN.into()),
        ..serve::Options::default()
    };
    let shown = format!("{options:?} {options:#?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("(set)"), "{shown}");
}

/// Set in the process that [`the_token_is_never_written_by_the_server`]
/// starts to serve and be asked.
const CHILD: &str = "DARKWATCH_HOSTILE_TOKEN_CHILD";
/// The token of that server, and a wrong one that clients send it.
const SECRET: &str = "s3cret-token-that-must-never-be-written";
const WRONG: &str = "wrong-token-that-must-never-be-written-either";

#[test]
fn the_token_is_never_written_by_the_server() {
    // The server writes to stdout and stderr only (crates/serve logs
    // with eprintln!, and only webhook failures). Everything the process
    // running it writes is captured here: this test runs itself again in
    // a child process, with the test harness's capture off.
    if std::env::var_os(CHILD).is_some() {
        return serve_and_ask();
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_token_is_never_written_by_the_server",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let written = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{written}");
    assert!(
        written.contains("asked the server"),
        "the child's output was not captured: {written}"
    );
    for secret in [SECRET, WRONG] {
        assert!(!written.contains(secret), "{secret} written:\n{written}");
    }
}

/// The child: a server with the token, asked with it, with a wrong one
/// and hostile requests; none of its answers holds either token.
fn serve_and_ask() {
    let (addr, _dir) = start_server(Some(SECRET));
    let ask = |method: &str, uri: &str, token: &str| {
        let request = format!(
            "{method} {uri} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {token}\r\n\
             Connection: close\r\nContent-Length: 0\r\n\r\n"
        );
        let (status, head, body) = raw(addr, request.as_bytes());
        for secret in [SECRET, WRONG] {
            assert!(
                !head.contains(secret) && !body.contains(secret),
                "{method} {uri}: {head}\n{body}"
            );
        }
        status
    };
    assert_eq!(ask("PUT", "/api/v1/watch/country/KP", SECRET), 200);
    assert_eq!(ask("PUT", "/api/v1/watch/country/NL", WRONG), 401);
    assert_eq!(ask("DELETE", "/api/v1/watch/country/KP", WRONG), 401);
    assert_eq!(ask("DELETE", "/api/v1/watch/country/KP", SECRET), 200);
    assert_eq!(ask("PUT", "/api/v1/watch/nation/KP", SECRET), 400);
    assert_eq!(ask("PUT", "/api/v1/watch/%FF", WRONG), 400);
    assert_eq!(ask("PATCH", "/api/v1/watch/country/KP", SECRET), 405);
    assert_eq!(ask("GET", "/api/v1/events/abc", SECRET), 400);
    assert_eq!(
        ask(
            "GET",
            "/api/v1/entities/world/signals?from=18446744073709551615",
            WRONG
        ),
        404
    );
    assert_eq!(ask("GET", "/nowhere", WRONG), 404);
    assert_eq!(ask("GET", "/metrics", SECRET), 200);
    eprintln!("asked the server");
}

// --- Wire-level helpers ---------------------------------------------------

/// A server on a free loopback port, over a store holding nothing, run by
/// a runtime of its own on a thread of its own until the test process
/// ends.
fn start_server(token: Option<&str>) -> (SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let options = serve::Options {
        token: token.map(str::to_owned),
        ..serve::Options::default()
    };
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            serve::serve(listener, store, options, serve::Tables::default()).await
        })
    });
    (addr, dir)
}

/// Writes `request` (whatever of it the server takes) and reads the
/// answer until the server closes: its status, head and body.
fn raw(addr: SocketAddr, request: &[u8]) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"));
    (status, head.to_owned(), body.to_owned())
}
