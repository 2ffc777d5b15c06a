//! Fuzz target: any bytes as the path parameter and query string of a
//! request to every route of the API and the dashboard, answered by the
//! real router the API tests use (a SQLite store holding North Korea's
//! series and events, and a route table). Every answer must be a page or
//! a 4xx error: a 5xx or a panic is a finding.
#![no_main]

#[path = "../../crates/serve/tests/common/mod.rs"]
mod common;

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, Uri};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

/// Paths with `{}` where the fuzzed parameter goes; the API's own list
/// first, then the dashboard's pages.
fn templates() -> Vec<String> {
    let mut paths: Vec<String> = serve::ROUTES
        .iter()
        .map(|(path, _)| {
            let open = path.find('{').unwrap_or(path.len());
            let close = path.find('}').map_or(path.len(), |i| i + 1);
            format!("{}{{}}{}", &path[..open], &path[close..])
        })
        .collect();
    paths.extend(["/{}", "/entity/{}", "/search{}", "/event/{}", "/static/{}"].map(String::from));
    paths
}

struct Fixture {
    runtime: tokio::runtime::Runtime,
    router: axum::Router,
    templates: Vec<String>,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let (router, dir) = common::api::app();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        Fixture {
            runtime,
            router,
            templates: templates(),
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let f = fixture();
    let template = &f.templates[usize::from(pick) % f.templates.len()];
    let text = String::from_utf8_lossy(rest);
    let (param, query) = text.split_once('\n').unwrap_or((&text, ""));
    let mut uri = template.replace("{}", param);
    if !query.is_empty() {
        uri = format!("{uri}?{query}");
    }
    let Ok(uri) = uri.parse::<Uri>() else {
        return;
    };
    let method = if pick & 0x80 == 0 { Method::GET } else { Method::PUT };
    let request = Request::builder()
        .method(method)
        .uri(uri.clone())
        .body(Body::empty())
        .expect("a request");
    let response = f
        .runtime
        .block_on(f.router.clone().oneshot(request))
        .expect("the router always answers");
    assert!(
        !response.status().is_server_error(),
        "{uri} answered {}",
        response.status()
    );
});
