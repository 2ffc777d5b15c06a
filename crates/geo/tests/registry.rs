//! The registry table on the five RIRs' real delegated-extended files of
//! October 2018.

mod common;

use std::io::{BufRead, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use geo::delegated::{self, ipv4_blocks, Line, Resource};
use geo::{
    load_delegated_files, open_maybe_gzip, Country, ParseReport, RegistryTable,
    RegistryTableBuilder, RowErrorKind, SplitSummary,
};
use wire::prefix::Prefix;

fn cc(s: &str) -> Country {
    s.parse().unwrap()
}

fn p(s: &str) -> Prefix {
    s.parse().unwrap()
}

/// All five files, loaded once for the tests of this file.
fn all() -> &'static (RegistryTable, Vec<ParseReport>) {
    static ALL: OnceLock<(RegistryTable, Vec<ParseReport>)> = OnceLock::new();
    ALL.get_or_init(|| load_delegated_files(&common::all_registry_files()).unwrap())
}

fn split(t: &RegistryTable, prefix: &str) -> (Vec<(String, u64)>, SplitSummary) {
    let mut parts = Vec::new();
    let s = t.split(&p(prefix), |c, n| parts.push((c.to_string(), n)));
    (parts, s)
}

fn tmp_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("geo-{}-{name}", std::process::id()))
}

#[test]
fn north_korea_prefix_and_asn() {
    let (t, _) = all();
    assert_eq!(t.lookup_prefix(&p("175.45.176.0/22")), Some(cc("KP")));
    // The four /24s the 2014 RIB holds.
    for third in 176..=179 {
        let prefix = p(&format!("175.45.{third}.0/24"));
        assert_eq!(t.lookup_prefix(&prefix), Some(cc("KP")), "{prefix}");
    }
    assert_eq!(t.lookup_v4(Ipv4Addr::new(175, 45, 176, 1)), Some(cc("KP")));
    assert_eq!(t.asn_country(131279), Some(cc("KP")));
    let (parts, s) = split(t, "175.45.176.0/22");
    assert_eq!(parts, [("KP".to_string(), 4)]);
    assert_eq!(
        s,
        SplitSummary {
            total: 4,
            unallocated: 0
        }
    );
}

#[test]
fn real_files_load_with_expected_counts_and_no_bad_rows() {
    let (t, reports) = all();
    // (ipv4, ipv6, asn, skipped) per file, counted independently with awk
    // over the status field of the same files.
    let expected = [
        ("afrinic", 3506, 811, 1664, 3392),
        ("apnic", 40416, 8399, 8735, 55500),
        ("arin", 61712, 6420, 26372, 48295),
        ("lacnic", 15182, 7885, 8786, 25988),
        ("ripencc", 70104, 17857, 33761, 67467),
    ];
    for (report, (rir, v4, v6, asn, skipped)) in reports.iter().zip(expected) {
        let name = report.source.as_ref().unwrap().display().to_string();
        assert!(name.contains(rir), "{name}");
        assert_eq!(
            (report.ipv4, report.ipv6, report.asn, report.skipped),
            (v4, v6, asn, skipped),
            "{name}"
        );
        assert_eq!(report.error_count, 0, "{name}: {:?}", report.errors.first());
    }
    let stats = t.stats();
    assert!(
        stats.v4_ranges > 50_000 && stats.v4_ranges < 191_000,
        "{stats:?}"
    );
    assert!(stats.v6_ranges > 10_000, "{stats:?}");
    assert!(stats.asn_ranges > 10_000, "{stats:?}");
    eprintln!("{stats:?}");
}

#[test]
fn non_power_of_two_count_becomes_the_right_cidr_blocks() {
    // afrinic|ZA|ipv4|196.1.82.0|1280|19930804|assigned|F367B216
    let blocks: Vec<String> = ipv4_blocks(Ipv4Addr::new(196, 1, 82, 0), 1280)
        .map(|b| b.to_string())
        .collect();
    assert_eq!(blocks, ["196.1.82.0/23", "196.1.84.0/23", "196.1.86.0/24"]);
    let (t, _) = all();
    for b in &blocks {
        assert_eq!(t.lookup_prefix(&p(b)), Some(cc("ZA")), "{b}");
    }

    // Every non-power-of-two IPv4 row of every file: the blocks are
    // aligned CIDR prefixes that tile exactly `count` addresses from start.
    let mut rows = 0;
    for path in common::all_registry_files() {
        for line in open_maybe_gzip(&path).unwrap().lines() {
            let line = line.unwrap();
            let Ok(Line::Record(r)) = delegated::parse_line(&line) else {
                continue;
            };
            let Resource::Ipv4 { start, count } = r.resource else {
                continue;
            };
            if count.is_power_of_two() {
                continue;
            }
            rows += 1;
            let mut next = u64::from(u32::from(start));
            for block in ipv4_blocks(start, count) {
                assert_eq!(block, block.masked(), "{line}: {block} not aligned");
                let Some(std::net::IpAddr::V4(a)) = Some(block.addr()) else {
                    unreachable!()
                };
                assert_eq!(
                    u64::from(u32::from(a)),
                    next,
                    "{line}: gap or overlap at {block}"
                );
                next += 1u64 << (32 - block.len());
            }
            assert_eq!(
                next,
                u64::from(u32::from(start)) + u64::from(count),
                "{line}"
            );
        }
    }
    // 607 allocated/assigned IPv4 rows have a count that is not a power of two.
    assert_eq!(rows, 607);
}

#[test]
fn prefix_spanning_two_countries_is_split() {
    let (t, _) = all();
    // apnic|AU|ipv4|1.0.0.0|256 then apnic|CN|ipv4|1.0.1.0|256 and
    // apnic|CN|ipv4|1.0.2.0|512: adjacent blocks of two countries.
    assert_eq!(t.lookup_prefix(&p("1.0.0.0/23")), None);
    let (parts, s) = split(t, "1.0.0.0/22");
    assert_eq!(parts, [("AU".to_string(), 1), ("CN".to_string(), 3)]);
    assert_eq!(
        s,
        SplitSummary {
            total: 4,
            unallocated: 0
        }
    );
    // CN's two rows are one range, so the /23 + /24 of CN answer as one.
    assert_eq!(t.lookup_prefix(&p("1.0.2.0/23")), Some(cc("CN")));
    // A /8 of many countries: the parts add up to the allocated /24s.
    let (parts, s) = split(t, "1.0.0.0/8");
    assert_eq!(s.total, 65536);
    assert_eq!(
        parts.iter().map(|x| x.1).sum::<u64>() + s.unallocated,
        65536
    );
    assert!(parts.iter().any(|x| x.0 == "JP") && parts.iter().any(|x| x.0 == "TH"));
}

#[test]
fn ipv6_lookups() {
    let (t, _) = all();
    // arin|US|ipv6|2001:4860::|32, ripencc|IE|ipv6|2a00:1450::|29,
    // afrinic|KE|ipv6|2c0f:fb50::|32
    assert_eq!(t.lookup_prefix(&p("2001:4860::/32")), Some(cc("US")));
    assert_eq!(t.lookup_prefix(&p("2a00:1450:4001::/48")), Some(cc("IE")));
    assert_eq!(
        t.lookup_v6("2c0f:fb50:4003::1".parse::<Ipv6Addr>().unwrap()),
        Some(cc("KE"))
    );
    assert_eq!(
        t.lookup_v6("2001:db8::1".parse::<Ipv6Addr>().unwrap()),
        None
    );
    let (parts, s) = split(t, "2a00:1450::/29");
    assert_eq!(parts, [("IE".to_string(), 1 << 19)]);
    assert_eq!(s.unallocated, 0);
    // A /64 counts as one /48 of its country.
    let (parts, s) = split(t, "2001:4860:4860::/64");
    assert_eq!(parts, [("US".to_string(), 1)]);
    assert_eq!(s.total, 1);
}

#[test]
fn available_and_reserved_rows_are_skipped() {
    let (t, _) = all();
    // lacnic||ipv4|24.152.0.0|32768||reserved|
    assert_eq!(t.lookup_v4(Ipv4Addr::new(24, 152, 0, 1)), None);
    // A small file: the available row gives no country, even over space
    // that another row of the same file does not cover.
    let mut b = RegistryTableBuilder::new();
    let r = b.add_delegated_str(
        "x|ZZ|ipv4|10.0.0.0|256||available|\nx|US|ipv4|10.0.1.0|256|0|reserved|\nx|US|ipv4|10.0.2.0|256|0|assigned|\n",
        None,
    );
    assert_eq!((r.skipped, r.ipv4), (2, 1));
    let t = b.build();
    assert_eq!(t.lookup_v4(Ipv4Addr::new(10, 0, 0, 1)), None);
    assert_eq!(t.lookup_v4(Ipv4Addr::new(10, 0, 1, 1)), None);
    assert_eq!(t.lookup_v4(Ipv4Addr::new(10, 0, 2, 1)), Some(cc("US")));
}

#[test]
fn bad_rows_are_reported_with_file_and_line() {
    let path = tmp_file("bad.txt");
    std::fs::write(
        &path,
        "2.3|test|20181014|4||20181012|+1000\n\
         test|KP|ipv4|175.45.176.0|1024|20091221|allocated|A\n\
         test|KP|ipv4|175.45.176.0\n\
         test|KP|ipv4|175.45.999.0|1024|20091221|allocated|A\n\
         test|KP|asn|131279|1|20091221|allocated|A\n",
    )
    .unwrap();
    let (t, reports) = load_delegated_files(&[&path]).unwrap();
    let report = &reports[0];
    assert_eq!(report.error_count, 2);
    assert_eq!(report.errors[0].line, 3);
    assert_eq!(
        report.errors[0].kind,
        RowErrorKind::TooFewFields { found: 4 }
    );
    assert_eq!(report.errors[1].line, 4);
    assert_eq!(report.errors[1].kind, RowErrorKind::BadStart);
    let shown = report.errors[1].to_string();
    assert!(shown.contains("bad.txt:4: start is not"), "{shown}");
    // The good rows around them were kept.
    assert_eq!(t.lookup_prefix(&p("175.45.176.0/22")), Some(cc("KP")));
    assert_eq!(t.asn_country(131279), Some(cc("KP")));
    std::fs::remove_file(&path).unwrap();

    let missing = load_delegated_files(&[Path::new("/nonexistent/delegated.gz")]);
    let err = missing.unwrap_err();
    assert!(
        err.to_string().starts_with("/nonexistent/delegated.gz"),
        "{err}"
    );
}

#[test]
fn gzip_is_told_by_magic_bytes_not_name() {
    let text = "test|KP|ipv4|175.45.176.0|1024|20091221|allocated|A\n";
    let gz = tmp_file("plain-name.txt");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let plain = tmp_file("looks-compressed.gz");
    std::fs::write(&plain, text).unwrap();
    let (t, reports) = load_delegated_files(&[&gz, &plain]).unwrap();
    assert_eq!(reports[0].ipv4, 1);
    assert_eq!(reports[1].ipv4, 1);
    assert_eq!(t.lookup_v4(Ipv4Addr::new(175, 45, 177, 7)), Some(cc("KP")));
    std::fs::remove_file(&gz).unwrap();
    std::fs::remove_file(&plain).unwrap();
}

#[test]
fn merged_files_answer_for_every_registry_and_specifics_win() {
    // APNIC alone knows North Korea but not Google's 8.8.8.0/24 (ARIN).
    let (apnic, _) = load_delegated_files(&[common::registry_file("apnic")]).unwrap();
    assert_eq!(
        apnic.lookup_v4(Ipv4Addr::new(175, 45, 176, 1)),
        Some(cc("KP"))
    );
    assert_eq!(apnic.lookup_v4(Ipv4Addr::new(8, 8, 8, 8)), None);
    let (t, _) = all();
    assert_eq!(t.lookup_v4(Ipv4Addr::new(8, 8, 8, 8)), Some(cc("US")));
    assert_eq!(t.lookup_v4(Ipv4Addr::new(175, 45, 176, 1)), Some(cc("KP")));
    assert_eq!(t.lookup_v4(Ipv4Addr::new(2, 0, 0, 1)), Some(cc("FR")));

    // The same file twice changes nothing and is no conflict.
    let apnic_path = common::registry_file("apnic");
    let (twice, _) = load_delegated_files(&[&apnic_path, &apnic_path]).unwrap();
    assert_eq!(twice.stats(), apnic.stats());

    // A later, more specific delegation of another country wins for its
    // part only, and is counted as a conflict.
    let mut b = RegistryTableBuilder::new();
    let reader = open_maybe_gzip(&apnic_path).unwrap();
    b.add_delegated(reader, Some(Arc::from(apnic_path.as_path())))
        .unwrap();
    b.add_delegated_str("test|CN|ipv4|175.45.178.0|256|20181014|assigned|X\n", None);
    let t = b.build();
    assert_eq!(t.stats().conflicts, apnic.stats().conflicts + 1);
    assert_eq!(t.lookup_prefix(&p("175.45.178.0/24")), Some(cc("CN")));
    assert_eq!(t.lookup_prefix(&p("175.45.176.0/22")), None);
    let (parts, _) = split(&t, "175.45.176.0/22");
    assert_eq!(
        parts,
        [
            ("KP".to_string(), 2),
            ("CN".to_string(), 1),
            ("KP".to_string(), 1)
        ]
    );
}
