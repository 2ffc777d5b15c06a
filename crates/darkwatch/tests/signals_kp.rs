//! North Korea, 22 December 2014, end to end: `darkwatch synth` writes the
//! kp-2014 scenario as real MRT, `darkwatch replay --db` replays it in
//! event time through the route table and the signal stage into the store,
//! and the stored series for country/KP, as/131279 and the watched /22
//! show four visible /24s before 16:15 UTC, none during the
//! outage, four again after about 9.5 hours, and the churn before it.

mod common;

use common::*;
use signal::{BinRow, Entity};

/// Replays `dir`'s archives with `darkwatch replay --db` and reads the
/// series of `entities` back from the store.
fn series(dir: &std::path::Path, entities: &[Entity]) -> Vec<BinRow> {
    let db = dir.join("kp.db");
    let registry = data_dir().join("registry/delegated-apnic-extended-latest.gz");
    let mut args: Vec<String> = vec![
        "replay".into(),
        "--quiet".into(),
        "--db".into(),
        db.display().to_string(),
        "--registry".into(),
        registry.display().to_string(),
        "--watch".into(),
        "175.45.176.0/22".into(),
    ];
    let mut files: Vec<_> = std::fs::read_dir(dir.join("mrt"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    files.sort();
    args.extend(files);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = darkwatch(&argv);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("damaged_records      0\n"));
    let mut store = store::Store::open(&db).unwrap();
    let mut rows = Vec::new();
    for &entity in entities {
        for p in store.series(&entity.to_string(), 0, u64::MAX >> 1).unwrap() {
            rows.push(BinRow {
                bin_start: p.bin_start,
                entity,
                values: p.values,
            });
        }
    }
    rows
}

/// The value of a gauge at `secs`: the last row of the entity at or before.
fn at(rows: &[BinRow], entity: Entity, secs: u64) -> u64 {
    rows.iter()
        .rev()
        .find(|r| r.entity == entity && r.bin_start <= secs)
        .map_or(0, |r| r.values.visible_24s)
}

#[test]
fn kp_2014_goes_dark_at_16_15_and_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = kp_scenario();
    let mrt = dir.path().join("mrt");
    let out = darkwatch(&[
        "synth",
        scenario.to_str().unwrap(),
        "--out",
        mrt.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kp = Entity::Country("KP".parse().unwrap());
    let as_kp = Entity::As(131_279);
    let watched = Entity::Prefix("175.45.176.0/22".parse().unwrap());
    let rows = series(dir.path(), &[kp, as_kp, watched]);
    // 2014-12-22 16:00 UTC, 16:15, 23 Dec 01:40 and 02:00.
    let (before, dark_from, back_at) = (1_419_264_000u64, 1_419_264_900u64, 1_419_299_100u64);
    for entity in [kp, as_kp, watched] {
        assert_eq!(at(&rows, entity, before), 4, "{entity} before");
        assert_eq!(at(&rows, entity, dark_from + 300), 0, "{entity} during");
        assert_eq!(at(&rows, entity, back_at - 600), 0, "{entity} still dark");
        assert_eq!(at(&rows, entity, back_at + 600), 4, "{entity} after");
    }
    // The bin of 16:15 holds the withdrawals of every peer.
    let outage_bin = rows
        .iter()
        .find(|r| r.entity == kp && r.bin_start == dark_from)
        .expect("a KP row at 16:15");
    assert!(
        outage_bin.values.withdrawals >= 4 * 6,
        "{:?}",
        outage_bin.values
    );
    // The churn before: flaps on 20 and 21 December.
    let churn: u64 = rows
        .iter()
        .filter(|r| r.entity == kp && (1_419_033_600..1_419_206_400).contains(&r.bin_start))
        .map(|r| r.values.announcements + r.values.withdrawals)
        .sum();
    assert!(churn > 50, "churn on 20-21 Dec: {churn}");
}
