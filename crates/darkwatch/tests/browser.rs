//! The dashboard in a real browser: the kp-2014 scenario replayed into a
//! database, `darkwatch serve` on a free loopback port, and Debian's
//! Chromium (headless) reading the pages as a user's browser would. The
//! DOM it builds must show North Korea's outage (its row on the overview,
//! its shaded span and the step line down to zero on the country's
//! page), and its screenshots are kept in the target folder to look at:
//! `dashboard-overview.png`, `dashboard-kp.png` and
//! `dashboard-kp-phone.png`.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::server::Server;
use common::*;

/// The longest a page may take Chromium.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

/// Debian's `chromium` on the PATH; the test fails, never skips, without
/// it.
fn chromium() -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
        .expect("chromium is not installed: run ./scripts/test, which installs it (Debian package chromium)")
}

/// The build's target folder (where the test binary runs from), for the
/// screenshots.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/browser-HASH
    exe.ancestors()
        .nth(3)
        .expect("the test binary is in target/PROFILE/deps")
        .to_owned()
}

/// Runs headless Chromium on `url` with `args` (as root it needs no
/// sandbox; a fresh profile and no background traffic keep it from
/// reaching out), and returns what it printed on stdout.
fn chromium_run(url: &str, args: &[&str]) -> String {
    let profile = tempfile::tempdir().expect("a profile folder");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    // Read while it runs: a page's DOM is more than a pipe holds.
    let drain = |mut stream: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stream.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let _ = child.kill();
            panic!("chromium {args:?} {url} took longer than {CHROMIUM_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(
        status.success(),
        "chromium {args:?} {url}: {status}\n{stderr}"
    );
    stdout
}

/// The DOM Chromium built for `url`.
fn dump_dom(url: &str) -> String {
    chromium_run(url, &["--dump-dom"])
}

/// A screenshot of `url` in a window of `size` (`1280,900`) to `path`,
/// checked to be a PNG of some substance.
fn screenshot(url: &str, size: &str, path: &Path) {
    let _ = std::fs::remove_file(path);
    chromium_run(
        url,
        &[
            &format!("--window-size={size}"),
            &format!("--screenshot={}", path.display()),
        ],
    );
    let png = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        png.starts_with(b"\x89PNG"),
        "{} is not a PNG",
        path.display()
    );
    assert!(png.len() > 20_000, "{} is nearly empty", path.display());
}

/// The value of attribute `name` of the first element after `marker`.
fn attr<'a>(html: &'a str, marker: &str, name: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in the DOM"));
    let rest = &html[at..];
    let start = rest
        .find(&format!(" {name}=\""))
        .unwrap_or_else(|| panic!("no {name} after {marker}"))
        + name.len()
        + 3;
    &rest[start..start + rest[start..].find('"').unwrap()]
}

#[test]
fn the_dashboard_shows_the_kp_outage_in_chromium() {
    let (db, _dir) = synth_and_replay(&kp_scenario());
    let server = Server::serve_db(&db, &[]);
    let base = format!("http://{}", server.addr);
    let dark = utc("2014-12-22T16:15:00Z");

    // The overview: North Korea's outage among the recent events, dark,
    // 9 h 30 min, linking to its page.
    let dom = dump_dom(&format!("{base}/"));
    let recent = &dom[dom.find("id=\"recent\"").expect("the recent events")..];
    let row = recent
        .split("<tr")
        .find(|row| {
            row.contains("data-kind=\"outage\"") && row.contains("href=\"/entity/country/KP\"")
        })
        .unwrap_or_else(|| panic!("no outage row of North Korea in {recent}"));
    for text in ["North Korea", ">dark<", "9 h 30 min", "22 Dec", "16:15"] {
        assert!(row.contains(text), "no {text} in the row {row}");
    }
    let id = attr(row, "", "data-event");
    assert!(row.contains(&format!("href=\"/event/{id}\"")), "{row}");
    // And first among the countries, dropped to nothing.
    let countries = &dom[dom.find("id=\"countries\"").expect("the countries")..];
    assert_eq!(attr(countries, "<tbody>", "data-entity"), "country/KP");

    // North Korea's page: the step line with its many changes, down to
    // zero inside the red span of the outage.
    let dom = dump_dom(&format!("{base}/entity/country/KP"));
    let y0: f64 = attr(&dom, "<svg class=\"timeline\"", "data-y0")
        .parse()
        .unwrap();
    let vertices: Vec<(f64, f64)> = attr(&dom, "class=\"signal\"", "points")
        .split(' ')
        .map(|p| {
            let (x, y) = p.split_once(',').expect("x,y");
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect();
    assert!(vertices.len() > 50, "only {} vertices", vertices.len());
    let outage = dom
        .split("<rect class=\"event-span\"")
        .skip(1)
        .find(|span| {
            let from: u64 = attr(span, "", "data-from").parse().unwrap();
            attr(span, "", "data-kind") == "outage" && (dark..dark + 300).contains(&from)
        })
        .expect("the shaded outage of 22 December");
    let x: f64 = attr(outage, "", "x").parse().unwrap();
    let width: f64 = attr(outage, "", "width").parse().unwrap();
    assert!(width > 20.0, "the outage is {width} wide");
    assert!(
        vertices
            .iter()
            .any(|&(vx, vy)| (vy - y0).abs() < 0.05 && vx >= x && vx <= x + width),
        "no vertex on the zero line inside the outage ({x} + {width})"
    );
    assert!(dom.contains("Vantage points") && dom.contains("AS4837"));

    // The pictures, to look at.
    let target = target_dir();
    screenshot(
        &format!("{base}/"),
        "1280,900",
        &target.join("dashboard-overview.png"),
    );
    let kp = format!("{base}/entity/country/KP");
    screenshot(&kp, "1280,900", &target.join("dashboard-kp.png"));
    screenshot(&kp, "412,915", &target.join("dashboard-kp-phone.png"));
}
