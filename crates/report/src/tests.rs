//! Whole reports from hand-made events and series: every format renders,
//! the HTML is self-contained, well-formed and escapes what it inserts.

use serde_json::json;
use signal::Values;
use store::{EntityInfo, Point};

use crate::{render, wellformed, window, Format, Input, Window};

const HOUR: u64 = 3600;
/// 2014-12-22T16:15:08Z.
const START: u64 = 1_419_264_908;

fn kp_event() -> serde_json::Value {
    json!({
        "id": 34, "entity": "country/KP", "kind": "outage", "severity": "warning",
        "worst_severity": "dark", "start": "2014-12-22T16:15:08Z",
        "end": "2014-12-23T01:45:27Z", "duration_s": 34219, "min_ratio": 0.0,
        "baseline": 4.0, "signal": "visible_24s", "short": false,
        "prefixes": [
            {"prefix": "175.45.176.0/24", "origin": 131279, "last_path": [4837, 131279]},
            {"prefix": "175.45.177.0/24", "origin": null, "last_path": []}
        ],
        "hints": [
            {"kind": "preceded_by_instability", "event": 4, "since": 1419045600, "flaps": 34, "churn": 1280},
            {"kind": "withdrawn_at_origin", "peers": 8, "routes": 32, "first": 1419264900, "last": 1419264913, "spread_s": 13},
            {"kind": "single_upstream", "upstreams": [{"asn": 4837, "routes": 32, "share": 1.0}]},
            {"kind": "vantage", "seeing": [],
             "not_seeing": [{"asn": 4837, "address": "192.0.2.1", "routes_before": 4, "routes_now": 0},
                            {"asn": 3356, "address": "198.51.100.1", "routes_before": 4, "routes_now": 0}],
             "upstream": 4837, "upstream_peers_seeing": 0, "upstream_peers_not_seeing": 1}
        ]
    })
}

fn point(bin_start: u64, v24: u64, withdrawals: u64) -> Point {
    Point {
        bin_start,
        values: Values {
            visible_24s: v24,
            visible_prefixes: v24,
            withdrawals,
            ..Values::default()
        },
    }
}

fn kp_points() -> Vec<Point> {
    let bin = START - START % 300;
    vec![
        point(bin - 4 * 86_400, 4, 0),
        point(bin - 30 * HOUR, 3, 8),
        point(bin - 30 * HOUR + 600, 4, 8),
        point(bin, 0, 32),
        point(1_419_299_100, 4, 32),
    ]
}

fn report(event: &serde_json::Value, info: Option<&EntityInfo>, format: Format) -> String {
    let points = kp_points();
    let w = window(event, 300).unwrap();
    render(
        &Input {
            event,
            entity: info,
            points: &points,
            window: w,
            bin_secs: 300,
        },
        format,
    )
    .unwrap()
}

#[test]
fn the_window_reaches_back_to_the_instability() {
    let w = window(&kp_event(), 300).unwrap();
    // 2014-12-20T00:00Z (the instability began at 03:20) to 2014-12-23T12:00Z.
    assert_eq!(
        w,
        Window {
            from: 1_419_033_600,
            to: 1_419_336_000
        }
    );
}

#[test]
fn html_is_one_well_formed_self_contained_page() {
    let page = report(&kp_event(), None, Format::Html);
    wellformed::check(&page).unwrap_or_else(|e| panic!("{e}\n{page}"));
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.contains("http:") && !page.contains("https:") && !page.contains("//fonts"));
    assert!(!page.contains("<script") && !page.contains("<link") && !page.contains("<img"));
    assert_eq!(page.matches("<svg").count(), 1);
    assert!(page.contains("North Korea (country/KP) was completely off the Internet from 16:15 UTC on 22 December 2014 for 9 h 30 min"));
    for section in [
        "Key facts",
        "Timeline",
        "Withdrawn at the origin",
        "A single upstream: AS4837",
        "Vantage points",
        "Preceded by instability",
        "Affected prefixes",
    ] {
        assert!(page.contains(section), "no {section}");
    }
    assert!(page.contains("<td>198.51.100.1</td>"));
    assert!(page.contains("<td>4837 131279</td>"));
    assert!(
        page.contains("Just before 16:15: 4 visible IPv4 /24 blocks; lowest during the event: 0")
    );
}

#[test]
fn html_escapes_what_it_inserts() {
    let mut event = kp_event();
    event["entity"] = json!("as/666");
    event["prefixes"][0]["prefix"] = json!("<b>1.2.3.0/24</b>");
    let info = EntityInfo {
        name: "as/666".into(),
        label: Some("<script>alert('x')</script> & \"Co\"".into()),
        country: None,
    };
    let page = report(&event, Some(&info), Format::Html);
    wellformed::check(&page).unwrap();
    assert!(!page.contains("<script>"));
    assert!(!page.contains("<b>1.2.3.0"));
    assert!(
        page.contains("AS666 &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Co&quot;")
    );
    assert!(page.contains("&lt;b&gt;1.2.3.0/24&lt;/b&gt;"));
}

#[test]
fn markdown_has_the_same_content_and_says_where_the_chart_is() {
    let md = report(&kp_event(), None, Format::Markdown);
    assert!(md.starts_with("# Outage of North Korea (country/KP), 22 December 2014\n"));
    assert!(md.contains("**North Korea (country/KP) was completely off the Internet"));
    assert!(md.contains("The timeline chart is left out of the Markdown version"));
    assert!(md.contains("`darkwatch report 34 --format html` draws it in the HTML report"));
    assert!(md.contains("| Peer AS | Address | Routes before | Routes now | Sees it |"));
    assert!(md.contains("| AS4837 | 192.0.2.1 | 4 | 0 | no |"));
    assert!(md.contains("| 175.45.177.0/24 | unknown | unknown |"));
    assert!(!md.contains("<svg"));
}

#[test]
fn json_has_the_event_the_points_and_the_headline() {
    let text = report(&kp_event(), None, Format::Json);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["event"], kp_event());
    assert!(v["headline"].as_str().unwrap().contains("AS4837"));
    let series = v["series"].as_array().unwrap();
    // The point before the window gives its first value; all others are inside.
    assert_eq!(series.len(), 5);
    assert_eq!(series[3]["bin"], "2014-12-22T16:15:00Z");
    assert_eq!(series[3]["visible_24s"], 0);
    assert!(series[0].get("full_feed_v4").is_none());
    assert_eq!(v["findings"].as_array().unwrap().len(), 4);
    assert_eq!(v["findings"][1]["kind"], "withdrawn_at_origin");
}

#[test]
fn an_instability_and_an_open_event_render_too() {
    let instability = json!({
        "id": 2, "entity": "as/44395", "kind": "instability", "severity": "warning",
        "worst_severity": "warning", "start": "2014-12-22T11:05:00Z",
        "end": "2014-12-22T11:10:00Z", "duration_s": 300, "min_ratio": 4.0,
        "baseline": 10.0, "signal": "churn", "short": false, "prefixes": [],
        "hints": [{"kind": "upstream_loss", "upstream": 12389, "routes_before": 16, "routes_elsewhere": 32}]
    });
    let page = report(&instability, None, Format::Html);
    wellformed::check(&page).unwrap();
    assert!(page.contains("class=\"alert-level\""));
    assert!(page.contains("Routes lost through AS12389"));
    let mut open = kp_event();
    open["end"] = json!(null);
    open["duration_s"] = json!(2700);
    open["severity"] = json!("dark");
    let page = report(&open, None, Format::Html);
    wellformed::check(&page).unwrap();
    assert!(page.contains(
        "has been completely off the Internet since 16:15 UTC on 22 December 2014 (45 min so far)"
    ));
    assert!(page.contains("Severity now"));
    let md = report(&open, None, Format::Markdown);
    assert!(md.contains("not yet (last update 17:00:08 UTC, 22 December 2014)"));
}

#[test]
fn a_broken_event_is_an_error() {
    let bad = json!({"id": 1, "entity": "country/KP"});
    assert!(window(&bad, 300).is_err());
    let err = render(
        &Input {
            event: &bad,
            entity: None,
            points: &[],
            window: Window { from: 0, to: 1 },
            bin_secs: 300,
        },
        Format::Html,
    )
    .unwrap_err();
    assert!(err.to_string().contains("not an event"), "{err}");
}
