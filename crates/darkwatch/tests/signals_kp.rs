//! North Korea, 22 December 2014, end to end: `darkwatch synth` writes the
//! kp-2014 scenario as real MRT, the files are replayed in event time into
//! the route table, and the signal stage's series for country/KP and
//! as/131279 show four visible /24s before 16:15 UTC, none during the
//! outage, four again after about 9.5 hours, and the churn before it.

mod common;

use common::*;
use rib::{Delta, Rib, RibConfig};
use signal::{BinRow, Entity, Signals};

/// Replays `dir`'s archives through the table and the signal stage.
fn series(dir: &std::path::Path, registry: &geo::RegistryTable) -> Vec<BinRow> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let inputs: Vec<_> = files.iter().map(|p| feed::ReplayInput::guess(p)).collect();
    let watched: Vec<wire::Prefix> = vec!["175.45.176.0/22".parse().unwrap()];
    let mut signals = Signals::new(registry, 300, &watched);
    let mut table = Rib::new(RibConfig::default());
    let mut deltas: Vec<Delta> = Vec::new();
    let mut rows = Vec::new();
    let mut bin_end = None;
    let summary = feed::replay(
        &inputs,
        |event| {
            let t = event.time.secs();
            if bin_end.is_some_and(|end| t >= end) {
                table.refresh_full_feed(&mut deltas);
                signals.observe(event.time, &table, &deltas, &mut rows);
                deltas.clear();
            }
            if bin_end.is_none_or(|end| t >= end) {
                bin_end = Some(t - t % 300 + 300);
            }
            table.apply(event, &mut deltas);
            signals.observe(event.time, &table, &deltas, &mut rows);
            deltas.clear();
        },
        |d| panic!("synthetic data is damaged: {d}"),
    )
    .unwrap();
    assert_eq!(summary.damaged, 0);
    table.refresh_full_feed(&mut deltas);
    signals.close(&mut rows);
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
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/kp-2014.toml");
    let out = darkwatch(&[
        "synth",
        scenario.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (registry, _) =
        geo::load_delegated_files(
            &[data_dir().join("registry/delegated-apnic-extended-latest.gz")],
        )
        .unwrap();
    let rows = series(dir.path(), &registry);
    let kp = Entity::Country("KP".parse().unwrap());
    let as_kp = Entity::As(131_279);
    let watched = Entity::Prefix("175.45.176.0/22".parse().unwrap());
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
