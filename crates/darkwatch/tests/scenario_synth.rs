//! `darkwatch synth`: scenarios written as MRT and read back by two
//! independent readers, Debian's `bgpdump -m` and `darkwatch dump`, which
//! must print the same bytes; then the North Korea 2014 scenario checked
//! through bgpdump's lines, so the incident is what the files say to a
//! tool that shares no code with the writer.

mod common;

use std::path::{Path, PathBuf};

use common::{bgpdump, darkwatch, kp_scenario, lines};

/// Runs `darkwatch synth SCENARIO --out DIR` and returns the files it
/// wrote, sorted by name (the RIB first, then updates in time order).
fn synth(scenario: &Path, out: &Path) -> Vec<PathBuf> {
    let run = darkwatch(&[
        "synth",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "synth failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// bgpdump's lines for the files, in order.
fn bgpdump_all(files: &[PathBuf]) -> Vec<u8> {
    files.iter().flat_map(|f| bgpdump(f)).collect()
}

/// Checks that both readers print the same bytes for every file, and
/// returns bgpdump's output.
fn read_alike(files: &[PathBuf]) -> String {
    let theirs = bgpdump_all(files);
    // --strict: any damaged record fails the run.
    let mut args = vec!["dump", "--strict"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let ours = darkwatch(&args);
    assert!(
        ours.status.success(),
        "darkwatch dump: {}",
        String::from_utf8_lossy(&ours.stderr)
    );
    if ours.stdout != theirs {
        let (a, b) = (lines(&ours.stdout), lines(&theirs));
        let first = a.iter().zip(&b).position(|(x, y)| x != y);
        panic!(
            "darkwatch dump and bgpdump -m differ ({} vs {} lines), first at {:?}: {:?} vs {:?}",
            a.len(),
            b.len(),
            first,
            first.and_then(|i| a.get(i)),
            first.and_then(|i| b.get(i)),
        );
    }
    String::from_utf8(theirs).unwrap()
}

/// One `bgpdump -m` line, split.
struct Line<'a> {
    time: u32,
    kind: &'a str,
    peer: &'a str,
    peer_asn: u32,
    /// Prefix, or for STATE lines the old state.
    prefix: &'a str,
    /// AS path, or for STATE lines the new state.
    path: &'a str,
}

fn parse(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            Line {
                time: f[1].parse().unwrap(),
                kind: f[2],
                peer: f[3],
                peer_asn: f[4].parse().unwrap(),
                prefix: f[5],
                path: f.get(6).copied().unwrap_or(""),
            }
        })
        .collect()
}

const KP: [&str; 4] = [
    "175.45.176.0/24",
    "175.45.177.0/24",
    "175.45.178.0/24",
    "175.45.179.0/24",
];

/// Unix seconds of a UTC time given as `YYYY-MM-DDTHH:MM`.
fn t(s: &str) -> u32 {
    let (date, time) = s.split_once('T').unwrap();
    let d: Vec<i64> = date.split('-').map(|x| x.parse().unwrap()).collect();
    let hm: Vec<i64> = time.split(':').map(|x| x.parse().unwrap()).collect();
    // Days from 2014-12-01 are enough for these tests.
    assert_eq!((d[0], d[1]), (2014, 12));
    let dec_1_2014 = 1_417_392_000;
    (dec_1_2014 + (d[2] - 1) * 86_400 + hm[0] * 3_600 + hm[1] * 60) as u32
}

#[test]
fn kp_2014_is_read_alike_and_tells_the_incident() {
    let dir = tempfile::tempdir().unwrap();
    let files = synth(&kp_scenario(), dir.path());
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names[0], "rib.20141219.0000.gz");
    assert_eq!(names[1], "updates.20141219.0000.gz");
    assert_eq!(names.last().unwrap(), "updates.20141223.1155.gz");
    assert_eq!(names.len(), 1 + 4 * 288 + 144, "a file per 5 minutes");

    let text = read_alike(&files);
    let lines = parse(&text);
    let peers: std::collections::BTreeSet<&str> = lines.iter().map(|l| l.peer).collect();
    assert_eq!(peers.len(), 8);

    // The RIB: the four prefixes from every peer, through 4837, and from
    // the two peers inside AS4837 directly.
    let rib: Vec<&Line> = lines
        .iter()
        .filter(|l| l.kind == "B" && KP.contains(&l.prefix))
        .collect();
    assert_eq!(rib.len(), 4 * 8);
    assert!(rib.iter().all(|l| l.path.ends_with("4837 131279")));
    let inside: Vec<&&Line> = rib.iter().filter(|l| l.peer_asn == 4837).collect();
    assert_eq!(inside.len(), 2 * 4);
    assert!(inside.iter().all(|l| l.path == "4837 131279"));

    // Full-feed peers hold the background, the partial one does not (both
    // hold the 4 KP routes and the everyday churn route).
    let table = |peer: &str| {
        lines
            .iter()
            .filter(|l| l.kind == "B" && l.peer == peer)
            .count()
    };
    assert_eq!(table("192.0.2.1"), 2_005);
    assert_eq!(table("203.0.113.3"), 5);

    let kp = |kind: &str, from: u32, to: u32| -> Vec<&Line> {
        lines
            .iter()
            .filter(|l| l.kind == kind && KP.contains(&l.prefix))
            .filter(|l| (from..to).contains(&l.time))
            .collect()
    };
    // 16:15 UTC, 22 December: every prefix withdrawn by every peer within
    // seconds.
    let dark = kp("W", t("2014-12-22T16:15"), t("2014-12-22T16:16"));
    assert_eq!(dark.len(), 4 * 8);
    assert!(dark.iter().all(|l| l.time - t("2014-12-22T16:15") <= 15));
    let quiet = |kind| kp(kind, t("2014-12-22T16:16"), t("2014-12-23T01:45")).len();
    assert_eq!((quiet("A"), quiet("W")), (0, 0), "dark until the return");
    // Back about 9.5 hours later, through 4837 again.
    let back = kp("A", t("2014-12-23T01:45"), t("2014-12-23T01:46"));
    assert_eq!(back.len(), 4 * 8);
    assert!(back.iter().all(|l| l.path.ends_with("4837 131279")));

    // Instability on 20 and 21 December, none the day before.
    let withdrawals = |from, to| kp("W", t(from), t(to)).len();
    assert_eq!(withdrawals("2014-12-19T00:00", "2014-12-20T00:00"), 0);
    assert!(withdrawals("2014-12-20T00:00", "2014-12-21T00:00") >= 100);
    assert!(withdrawals("2014-12-21T00:00", "2014-12-22T00:00") >= 100);
    let reannounced = kp("A", t("2014-12-20T00:00"), t("2014-12-22T00:00")).len();
    assert!(reannounced >= 200);

    // Telia's session reset: a STATE line, no withdrawals, then its
    // table again once Established.
    let states: Vec<&Line> = lines.iter().filter(|l| l.kind == "STATE").collect();
    assert_eq!(states[0].peer, "198.51.100.3");
    assert_eq!((states[0].prefix, states[0].path), ("6", "1"));
    assert_eq!(states[0].time, t("2014-12-21T09:12"));
    let up = states.last().unwrap();
    assert_eq!((up.prefix, up.path), ("5", "6"));
    let from_telia = |kind: &str, from: u32, to: u32| {
        lines
            .iter()
            .filter(|l| l.peer == "198.51.100.3" && l.kind == kind)
            .filter(|l| (from..to).contains(&l.time))
            .count()
    };
    assert_eq!(from_telia("W", states[0].time, up.time), 0);
    assert_eq!(from_telia("A", up.time, up.time + 1), 2_005);
}

#[test]
fn same_scenario_same_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let fa = synth(&kp_scenario(), a.path());
    let fb = synth(&kp_scenario(), b.path());
    assert_eq!(fa.len(), fb.len());
    for (x, y) in fa.iter().zip(&fb) {
        assert_eq!(x.file_name(), y.file_name());
        assert!(
            std::fs::read(x).unwrap() == std::fs::read(y).unwrap(),
            "{} differs between two runs",
            x.display()
        );
    }
}

#[test]
fn ipv6_scenario_is_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("v6.toml");
    std::fs::write(
        &scenario,
        r#"
start = "2024-01-01T00:00:00Z"
end = "2024-01-01T01:00:00Z"
update_interval = "15m"
[collector]
name = "v6"
[background]
ipv4 = 300
ipv6 = 300
[[peers]]
name = "v6"
asn = 65551
address = "2001:db8::1"
[[peers]]
name = "v4"
asn = 64500
address = "192.0.2.7"
[[prefixes]]
prefix = "2001:db8:100::/48"
origin = 64511
upstream = 64510
[[events]]
at = "2024-01-01T00:10:00Z"
kind = "flap"
period = "10m"
count = 3
[[events]]
at = "2024-01-01T00:40:00Z"
kind = "peer_down"
peers = ["v6"]
[[events]]
at = "2024-01-01T00:50:00Z"
kind = "peer_up"
peers = ["v6"]
"#,
    )
    .unwrap();
    let out = dir.path().join("mrt");
    let files = synth(&scenario, &out);
    assert_eq!(files.len(), 1 + 4);
    let text = read_alike(&files);
    let lines = parse(&text);
    let w = lines.iter().filter(|l| l.kind == "W").count();
    assert_eq!(w, 3, "three flaps of the one IPv6 route");
    let resent = lines
        .iter()
        .filter(|l| l.kind == "A" && l.time == 1_704_070_200)
        .count();
    assert_eq!(resent, 300 + 1);
}

#[test]
fn unknown_field_fails_naming_the_field_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(kp_scenario()).unwrap();
    let (before, after) = text.split_once("[[prefixes]]\n").unwrap();
    let line = before.lines().count() + 2;
    let bad = format!("{before}[[prefixes]]\norign = 131279\n{after}");
    let scenario = dir.path().join("bad.toml");
    std::fs::write(&scenario, bad).unwrap();
    let out = dir.path().join("out");
    let run = darkwatch(&[
        "synth",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("unknown field `orign`"), "{err}");
    assert!(err.contains(&format!("line {line}")), "{err}");
    assert!(err.contains("bad.toml"), "{err}");
    assert!(!out.exists(), "nothing written for a bad scenario");
}
