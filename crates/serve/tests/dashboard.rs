//! The dashboard through the router, without sockets (`oneshot`), over a
//! real SQLite store holding a few days of series and events around
//! North Korea's outage: every page answers HTML with what it should
//! show, data from the store is escaped, a bad range is a 400 page and an
//! unknown entity or event a 404 page; the prefix page reads the route
//! table.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use detect::{Event, EventKind, Hint, PeerView, Severity, UpstreamShare};
use http_body_util::BodyExt;
use signal::{BinRow, Entity, Values};
use store::{EntityInfo, Store};
use tower::ServiceExt;

const T0: u64 = 1_419_206_400; // 2014-12-22T00:00:00Z
const DARK: u64 = T0 + 16 * 3600 + 900; // 16:15
const RESTORED: u64 = DARK + 34_200;
/// The last bin of data: 12:00 on 23 December.
const LAST_BIN: u64 = T0 + 36 * 3600;
/// A label as hostile as data can be.
const EVIL: &str = "<script>alert(1)</script> STAR-KP & \"friends\"";

fn kp() -> Entity {
    Entity::Country("KP".parse().unwrap())
}

fn peer(asn: u32, address: &str) -> PeerView {
    PeerView {
        asn,
        address: address.into(),
        routes_before: 4,
        routes_now: 0,
    }
}

fn event(id: u64, entity: Entity, kind: EventKind, start: u64, end: Option<u64>) -> Event {
    let (severity, signal) = match kind {
        EventKind::Outage => (Severity::Dark, "visible_24s"),
        EventKind::Instability => (Severity::Warning, "churn"),
    };
    Event {
        end,
        last_change: end.unwrap_or(start),
        baseline: 4.0,
        ..Event::raised(id, entity, kind, severity, start, signal)
    }
}

/// Three days of data: the world every hour, North Korea's four /24s gone
/// from 16:15 for 9 h 30 min after a day of churn, a flat country beside
/// it, AS131279 with a hostile label and a prefix with an open outage.
fn store(dir: &tempfile::TempDir) -> Store {
    let mut store = Store::open(&dir.path().join("darkwatch.db")).unwrap();
    let row = |bin_start, entity, v24: u64, churn: u64| BinRow {
        bin_start,
        entity,
        values: Values {
            visible_24s: v24,
            visible_prefixes: v24,
            withdrawals: churn,
            ..Values::default()
        },
    };
    let start = T0 - 2 * 86_400;
    let mut rows: Vec<BinRow> = (start..=LAST_BIN)
        .step_by(3600)
        .map(|t| row(t, Entity::World, 28_656, 40))
        .collect();
    let nl = Entity::Country("NL".parse().unwrap());
    let asn = Entity::As(131_279);
    let prefix = Entity::Prefix("175.45.176.0/24".parse().unwrap());
    for entity in [kp(), asn] {
        rows.push(row(start, entity, 4, 0));
        rows.push(row(T0 - 3600, entity, 2, 12));
        rows.push(row(T0 - 3000, entity, 4, 12));
        rows.push(row(DARK, entity, 0, 32));
        rows.push(row(RESTORED, entity, 4, 32));
    }
    rows.push(row(start, nl, 30_000, 0));
    rows.push(row(start, prefix, 1, 0));
    rows.push(row(LAST_BIN - 3600, prefix, 0, 8));
    rows.sort_by_key(|r| r.bin_start);
    store.write_rows(&rows).unwrap();
    store
        .describe(&[EntityInfo {
            name: "as/131279".into(),
            label: Some(EVIL.into()),
            country: Some("KP".into()),
        }])
        .unwrap();
    let mut outage = event(3, kp(), EventKind::Outage, DARK, Some(RESTORED));
    outage.hints = vec![
        Hint::SingleUpstream {
            upstreams: vec![UpstreamShare {
                asn: 4837,
                routes: 32,
                share: 1.0,
            }],
        },
        Hint::Vantage {
            seeing: vec![],
            not_seeing: vec![peer(4837, "192.0.2.1"), peer(3356, "198.51.100.1")],
            upstream: Some(4837),
            upstream_peers_seeing: 0,
            upstream_peers_not_seeing: 1,
        },
    ];
    store
        .write_events(
            &[
                event(2, kp(), EventKind::Instability, T0 - 3600, Some(T0 + 3600)),
                outage,
                event(4, asn, EventKind::Outage, DARK, Some(RESTORED)),
                event(5, prefix, EventKind::Outage, LAST_BIN - 3600, None),
            ],
            &[],
            LAST_BIN + 300,
        )
        .unwrap();
    store
}

fn app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir);
    let routes = Some(common::route_table());
    (serve::router(store, serve::Options::default(), routes), dir)
}

/// `GET uri`: status, content type, `Location`, body.
async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, String, String) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (status, kind, location) = (
        response.status(),
        header(header::CONTENT_TYPE),
        header(header::LOCATION),
    );
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        kind,
        location,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

/// `GET uri`, which must answer a dashboard page.
async fn page(app: &axum::Router, uri: &str) -> String {
    let (status, kind, _, body) = get(app, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    assert!(kind.starts_with("text/html"), "{uri}: {kind}");
    assert!(body.starts_with("<!DOCTYPE html>"), "{uri}");
    assert!(body.contains("name=\"viewport\""), "{uri}");
    // Nothing is fetched from anywhere else.
    for external in ["http://", "https://", "<link", "<script src", "@import"] {
        assert!(!body.contains(external), "{uri} has {external}");
    }
    body
}

/// The attribute `name` of the first element after `marker`.
fn attr<'a>(html: &'a str, marker: &str, name: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let rest = &html[at..];
    let start = rest.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    &rest[start..start + rest[start..].find('"').unwrap()]
}

#[tokio::test]
async fn the_overview_shows_what_is_open_the_recent_events_and_the_countries() {
    let (app, _dir) = app();
    let html = page(&app, "/").await;
    // The data's own time, not the wall clock.
    assert!(
        html.contains("Data up to <time datetime=\"2014-12-23T12:05:00Z\">"),
        "{html}"
    );
    // The open outage of the prefix is out now.
    let open = &html[html.find("id=\"open\"").unwrap()..html.find("id=\"recent\"").unwrap()];
    assert!(open.contains("href=\"/event/5\""), "{open}");
    assert!(open.contains("Prefix 175.45.176.0/24"), "{open}");
    // The recent events, newest first, each linking to its page with the
    // report's headline.
    let recent = &html[html.find("id=\"recent\"").unwrap()..html.find("id=\"countries\"").unwrap()];
    let order: Vec<usize> = [5, 4, 3, 2]
        .iter()
        .map(|id| recent.find(&format!("data-event=\"{id}\"")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(
        recent.contains("North Korea (country/KP) was completely off the Internet from 16:15 UTC")
    );
    assert!(recent.contains("<a class=\"headline\" href=\"/event/3\">"));
    // North Korea dropped, the Netherlands did not: KP comes first, with
    // its sparkline drawn in the colour of a dark drop.
    let countries = &html[html.find("id=\"countries\"").unwrap()..];
    let kp = countries.find("data-entity=\"country/KP\"").unwrap();
    let nl = countries.find("data-entity=\"country/NL\"").unwrap();
    assert!(kp < nl);
    assert!(countries[kp..nl].contains("class=\"sparkline dark\""));
    assert!(countries[kp..nl].contains("−100%"));
    // The hostile label is text, never markup.
    assert!(!html.contains("<script>alert"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; STAR-KP &amp; &quot;friends&quot;")
    );
}

#[tokio::test]
async fn an_entity_page_draws_its_timeline_with_every_event_shaded() {
    let (app, _dir) = app();
    let html = page(&app, "/entity/country/KP").await;
    assert!(html.contains("<h1>North Korea</h1>"));
    // A week up to the end of the data; the first day has none.
    assert_eq!(
        attr(&html, "<svg class=\"timeline\"", "data-to"),
        (LAST_BIN + 300).to_string()
    );
    assert_eq!(
        attr(&html, "<svg class=\"timeline\"", "data-from"),
        (T0 - 2 * 86_400).to_string()
    );
    // The outage in red and the instability in amber, each a link to its
    // event; the baseline at 4.
    assert!(html.contains("<a href=\"/event/3\">\n<rect class=\"event-span\""));
    assert_eq!(attr(&html, "<a href=\"/event/3\">", "data-kind"), "outage");
    assert_eq!(
        attr(&html, "<a href=\"/event/3\">", "data-from"),
        DARK.to_string()
    );
    assert_eq!(
        attr(&html, "<a href=\"/event/2\">", "data-kind"),
        "instability"
    );
    assert_eq!(attr(&html, "class=\"baseline\"", "data-value"), "4");
    // The step line reaches zero.
    let y0 = attr(&html, "<svg class=\"timeline\"", "data-y0");
    let points = attr(&html, "class=\"signal\"", "points");
    assert!(
        points.split(' ').any(|p| p.ends_with(&format!(",{y0}"))),
        "{points}"
    );
    // Upstreams and vantage points from the outage's hints.
    let routing = &html[html.find("id=\"routing\"").unwrap()..];
    assert!(routing.contains("AS4837") && routing.contains("100%"));
    assert!(routing.contains("<td>198.51.100.1</td>"));
    assert!(routing.contains("0 of 2 collector peers saw it during the outage."));
    // The events, and the range picker.
    let events = &html[html.find("id=\"events\"").unwrap()..];
    assert!(events.contains("data-event=\"3\"") && events.contains("data-event=\"2\""));
    assert!(html.contains("?from=2014-12-22T12:05:00Z&amp;to=2014-12-23T12:05:00Z\">1 day</a>"));
    assert!(html.contains("<input name=\"from\" value=\"2014-12-20T00:00:00Z\""));
}

#[tokio::test]
async fn a_range_is_shown_as_asked_in_either_time_form() {
    let (app, _dir) = app();
    for query in [
        "from=2014-12-22T12:00:00Z&to=2014-12-23T06:00:00Z",
        "from=1419249600&to=1419314400",
    ] {
        let html = page(&app, &format!("/entity/country/KP?{query}")).await;
        assert_eq!(
            attr(&html, "<svg class=\"timeline\"", "data-from"),
            "1419249600"
        );
        assert_eq!(
            attr(&html, "<svg class=\"timeline\"", "data-to"),
            "1419314400"
        );
    }
    // An empty field, as the form sends it, is no field.
    let html = page(&app, "/entity/country/KP?from=&to=2014-12-23T00:00:00Z").await;
    assert_eq!(
        attr(&html, "<svg class=\"timeline\"", "data-from"),
        "1418688000"
    );
    // The instability ended before this range: only the outage is shaded.
    let html = page(&app, "/entity/country/KP?from=2014-12-22T12:00:00Z").await;
    assert!(!html.contains("data-kind=\"instability\""));
    assert!(html.contains("data-kind=\"outage\""));
}

#[tokio::test]
async fn bad_ranges_are_400_pages() {
    let (app, _dir) = app();
    for (query, says) in [
        (
            "from=yesterday",
            "neither Unix seconds nor an RFC 3339 time",
        ),
        (
            "from=2014-12-23T00:00:00Z&to=2014-12-22T00:00:00Z",
            "must be before",
        ),
        (
            "from=2014-11-01T00:00:00Z&to=2014-12-22T00:00:00Z",
            "longer than 31 days",
        ),
        ("from=1&from=2", "Failed to deserialize"),
    ] {
        let (status, kind, _, body) = get(&app, &format!("/entity/country/KP?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(kind.starts_with("text/html"), "{query}: {kind}");
        assert!(body.contains("<h1>Bad request</h1>"), "{query}: {body}");
        assert!(body.contains(says), "{query}: {body}");
    }
    let (status, _, _, body) = get(&app, "/event/x1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test]
async fn unknown_entities_and_events_are_404_pages() {
    let (app, _dir) = app();
    for uri in ["/entity/country/ZZ", "/entity/planet/earth", "/event/999"] {
        let (status, kind, _, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(kind.starts_with("text/html"), "{uri}: {kind}");
        assert!(body.contains("<h1>Not found</h1>"), "{uri}");
    }
}

#[tokio::test]
async fn entity_ids_with_slashes_and_hostile_labels_are_served_escaped() {
    let (app, _dir) = app();
    let html = page(&app, "/entity/prefix/175.45.176.0/24").await;
    assert!(html.contains("<h1>Prefix 175.45.176.0/24</h1>"));
    assert!(
        html.contains("class=\"status status-out\""),
        "the open outage"
    );
    let html = page(&app, "/entity/as/131279").await;
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("<title>AS131279 &lt;script&gt;alert(1)&lt;/script&gt; STAR-KP"));
    // Its registry country links to the country's page.
    assert!(html.contains("registered in <a href=\"/entity/country/KP\">North Korea</a>"));
}

#[tokio::test]
async fn an_event_page_holds_the_incident_report() {
    let (app, _dir) = app();
    let html = page(&app, "/event/3").await;
    assert!(html.contains("<title>Outage of North Korea, 22 December 2014 · darkwatch</title>"));
    assert!(html.contains("<a href=\"/entity/country/KP\">North Korea</a>"));
    assert!(html.contains("href=\"/api/v1/events/3/report?format=md\""));
    // The report, whole and escaped, in its own frame.
    let srcdoc = attr(&html, "<iframe class=\"report\"", "srcdoc");
    assert!(srcdoc.starts_with("&lt;!DOCTYPE html&gt;"), "{srcdoc}");
    assert!(srcdoc.contains("Outage of North Korea (country/KP), 22 December 2014"));
    assert!(srcdoc.contains("&lt;svg class=&quot;timeline&quot;"));
}

#[tokio::test]
async fn search_goes_straight_to_an_exact_match_and_lists_the_rest() {
    let (app, _dir) = app();
    for (q, to) in [
        ("KP", "/entity/country/KP"),
        ("north%20korea", "/entity/country/KP"),
        ("AS131279", "/entity/as/131279"),
        ("131279", "/entity/as/131279"),
        ("175.45.176.0/24", "/entity/prefix/175.45.176.0/24"),
    ] {
        let (status, _, location, _) = get(&app, &format!("/search?q={q}")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{q}");
        assert_eq!(location, to, "{q}");
    }
    let html = page(&app, "/search?q=kor").await;
    assert!(html.contains("href=\"/entity/country/KP\">North Korea</a>"));
    let html = page(&app, "/search?q=STAR").await;
    assert!(html.contains("1 entity matching"));
    assert!(html.contains("/entity/as/131279"));
    let html = page(&app, "/search?q=%3Cb%3Ebold").await;
    assert!(html.contains("Nothing matches “&lt;b&gt;bold”"));
    assert!(!html.contains("<b>bold"));
    // Without a query: the countries to browse.
    let html = page(&app, "/search").await;
    assert!(html.contains("The 2 countries stored"));
}

#[tokio::test]
async fn a_prefix_page_shows_its_origin_and_every_peers_path() {
    let (app, _dir) = app();
    let html = page(&app, "/prefix/175.45.176.0/22").await;
    assert!(html.contains("<h1>175.45.176.0/22</h1>"), "{html}");
    assert!(
        html.contains("<a href=\"/entity/as/131279\">AS131279</a>"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"/entity/as/4837\">AS4837</a>"),
        "{html}"
    );
    assert!(html.contains("192.0.2.3"), "{html}");
    assert!(html.contains("route-views.test"), "{html}");
    let covered = page(&app, "/prefix/175.45.177.0/24").await;
    assert!(
        covered.contains("the longest prefix covering it"),
        "{covered}"
    );
    let (status, _, _, body) = get(&app, "/prefix/175.45.176.0/40").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.starts_with("<!DOCTYPE html>"));
    let (status, _, location, _) = get(&app, "/search?q=175.45.177.0/24").await;
    assert_eq!(
        (status, location.as_str()),
        (StatusCode::SEE_OTHER, "/prefix/175.45.177.0/24")
    );
    let dir = tempfile::tempdir().unwrap();
    let bare = serve::router(store(&dir), serve::Options::default(), None);
    let (status, _, _, body) = get(&bare, "/prefix/175.45.176.0/22").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("darkwatch serve --routes"), "{body}");
}
