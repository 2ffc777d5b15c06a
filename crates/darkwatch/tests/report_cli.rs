//! `darkwatch report`, as an analyst runs it: the bundled kp-2014 scenario
//! synthesized and replayed into a database, the North Korea outage of
//! 22 December 2014 found with `darkwatch events`, and its report written
//! as HTML (checked: self-contained, well-formed, the headline, the chart
//! dropping to zero inside the shaded outage), Markdown and JSON; then the
//! errors a user meets.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// The kp-2014 scenario replayed: the database and its directory.
fn kp_db() -> (PathBuf, tempfile::TempDir) {
    let scenario = kp_scenario();
    synth_and_replay(&scenario)
}

/// The id of the country/KP outage that starts on 22 December 2014.
fn kp_outage(db: &Path) -> u64 {
    let out = darkwatch(&[
        "events",
        "--db",
        db.to_str().unwrap(),
        "--entity",
        "country/KP",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<serde_json::Value> = lines(&out.stdout)
        .into_iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outage = events
        .iter()
        .filter(|e| e["kind"] == "outage")
        .rfind(|e| e["start"].as_str().unwrap().starts_with("2014-12-22"))
        .unwrap_or_else(|| panic!("no KP outage on 22 December 2014 in {events:?}"));
    assert_eq!(outage["worst_severity"], "dark");
    outage["id"].as_u64().unwrap()
}

/// `darkwatch report ID --db DB` with `extra`, which must succeed.
fn report(db: &Path, id: u64, extra: &[&str]) -> std::process::Output {
    let id = id.to_string();
    let mut args = vec!["report", id.as_str(), "--db", db.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = darkwatch(&args);
    assert!(
        out.status.success(),
        "report {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The value of attribute `name` in the first tag that contains `marker`.
fn attr(text: &str, marker: &str, name: &str) -> String {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in the page"));
    let tag_start = text[..at].rfind('<').unwrap();
    let tag = &text[tag_start..tag_start + text[tag_start..].find('>').unwrap()];
    let key = format!(" {name}=\"");
    let from = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + key.len();
    tag[from..from + tag[from..].find('"').unwrap()].to_owned()
}

#[test]
fn kp_outage_report_as_html_markdown_and_json() {
    let (db, dir) = kp_db();
    let id = kp_outage(&db);

    // HTML into a file.
    let file = dir.path().join("kp.html");
    report(
        &db,
        id,
        &["--format", "html", "--out", file.to_str().unwrap()],
    );
    let page = std::fs::read_to_string(&file).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "the page refers to the web"
    );
    assert!(!page.contains("<script") && !page.contains("<link") && !page.contains("<img"));
    report::wellformed::check(&page).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.matches("<svg").count(), 1);

    let headline = {
        let start = page.find("<p class=\"headline\"").unwrap();
        let start = start + page[start..].find('>').unwrap() + 1;
        &page[start..start + page[start..].find("</p>").unwrap()]
    };
    assert!(headline.contains("AS4837"), "{headline}");
    assert!(headline.contains("22 December 2014"), "{headline}");
    assert!(
        headline.starts_with(
            "North Korea (country/KP) was completely off the Internet from 16:15 UTC on 22 December 2014"
        ),
        "{headline}"
    );
    assert!(
        headline.contains(
            "all its routes went through AS4837, and it was not visible from inside AS4837 either"
        ),
        "{headline}"
    );
    for text in [
        "Withdrawn at the origin",
        "A single upstream: AS4837",
        "Vantage points",
        "Preceded by instability",
        "<td>175.45.176.0/24</td>",
        "<td>192.0.2.1</td>",
    ] {
        assert!(page.contains(text), "no {text} in the page");
    }

    // The chart: the step line reaches the zero line inside the shaded span.
    let y0: f64 = attr(&page, "class=\"timeline\"", "data-y0")
        .parse()
        .unwrap();
    let span_x: f64 = attr(&page, "class=\"event-span\"", "x").parse().unwrap();
    let span_w: f64 = attr(&page, "class=\"event-span\"", "width")
        .parse()
        .unwrap();
    let from: u64 = attr(&page, "class=\"event-span\"", "data-from")
        .parse()
        .unwrap();
    let dark = utc("2014-12-22T16:15:00Z");
    assert!(
        (dark..dark + 60).contains(&from),
        "the span starts at {from}"
    );
    let zero_line: f64 = attr(&page, "class=\"zero\"", "y1").parse().unwrap();
    assert_eq!(zero_line, y0);
    let points = attr(&page, "class=\"signal\"", "points");
    let vertices: Vec<(f64, f64)> = points
        .split(' ')
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    assert!(
        vertices
            .iter()
            .any(|&(x, y)| (y - y0).abs() < 0.05 && x >= span_x && x <= span_x + span_w),
        "no vertex on the zero line ({y0}) between x {span_x} and {}: {points}",
        span_x + span_w
    );
    // And it is at the baseline before the outage starts.
    let baseline_y: f64 = attr(&page, "class=\"baseline\"", "y1").parse().unwrap();
    let before = vertices
        .iter()
        .rev()
        .find(|&&(x, _)| x < span_x - 1.0)
        .unwrap();
    assert_eq!(before.1, baseline_y, "{points}");

    // Markdown, to stdout.
    let md = String::from_utf8(report(&db, id, &["--format", "md"]).stdout).unwrap();
    assert!(md.starts_with("# Outage of North Korea (country/KP), 22 December 2014\n"));
    assert!(md.contains(headline), "{md}");
    assert!(md.contains("| AS4837 | 192.0.2.1 | 4 | 0 | no |"), "{md}");
    assert!(
        md.contains("| 175.45.176.0/24 | AS131279 | 4837 131279 |"),
        "{md}"
    );
    assert!(md.contains("The timeline chart is left out of the Markdown version"));

    // JSON, to stdout.
    let json: serde_json::Value =
        serde_json::from_slice(&report(&db, id, &["--format", "json"]).stdout).unwrap();
    assert_eq!(json["headline"].as_str(), Some(headline));
    assert_eq!(json["event"]["id"].as_u64(), Some(id));
    let series = json["series"].as_array().unwrap();
    assert!(series
        .iter()
        .any(|p| p["bin"] == "2014-12-22T16:15:00Z" && p["visible_24s"] == 0));
    assert!(series
        .iter()
        .any(|p| p["bin"] == "2014-12-23T01:45:00Z" && p["visible_24s"] == 4));

    // HTML is the default, on stdout.
    let out = report(&db, id, &[]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), page);
}

#[test]
fn errors_say_what_to_do() {
    let (db, dir) = kp_db();
    let db_arg = db.to_str().unwrap();

    let out = darkwatch(&["report", "999999", "--db", db_arg]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no event 999999"), "{err}");
    assert!(err.contains("darkwatch events --db"), "{err}");

    let missing = dir.path().join("nothing.db");
    let out = darkwatch(&["report", "1", "--db", missing.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no such database"), "{err}");
    assert!(!missing.exists(), "a missing database must not be created");

    let id = kp_outage(&db).to_string();
    let nowhere = dir.path().join("no/such/folder/report.html");
    let out = darkwatch(&[
        "report",
        &id,
        "--db",
        db_arg,
        "--out",
        nowhere.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot write the report"), "{err}");

    let out = darkwatch(&["report", "abc", "--db", db_arg]);
    assert_eq!(out.status.code(), Some(64), "a bad id is a usage error");
}
