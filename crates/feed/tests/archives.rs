//! The archive reader on real data in every compression: the same records
//! whatever the format, multi-member streams read whole, truncated streams
//! keep what came before the break, and corrupted bytes never stop it.

#[path = "support/data.rs"]
mod data;

use data::mrt;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use feed::{DamageKind, MrtReader};

/// The jinx update file, decompressed: 34 KB of bzip2, 2,000+ records.
fn plain_updates() -> Vec<u8> {
    let mut out = Vec::new();
    bzip2::read::MultiBzDecoder::new(
        std::fs::File::open(mrt(
            "routeviews-jinx/routeviews.route-views.jinx.updates.1427846400.bz2",
        ))
        .unwrap(),
    )
    .read_to_end(&mut out)
    .unwrap();
    assert!(out.len() > 100_000);
    out
}

/// A record as read: offset, type, subtype, body.
type Read4 = (u64, u16, u16, Vec<u8>);

/// Records and the damage kinds met.
fn read_all(path: &Path) -> (Vec<Read4>, Vec<DamageKind>) {
    let mut reader = MrtReader::open(path).unwrap();
    let (mut records, mut damage) = (Vec::new(), Vec::new());
    while let Some(item) = reader.next() {
        match item {
            Ok(r) => records.push((
                r.offset,
                r.raw.header.mrt_type,
                r.raw.header.subtype,
                r.raw.body.to_vec(),
            )),
            Err(d) => damage.push(d.kind),
        }
    }
    (records, damage)
}

/// Compresses `plain` in two halves, as two members/streams/frames.
fn compress_twice(format: &str, plain: &[u8]) -> Vec<u8> {
    let (a, b) = plain.split_at(plain.len() / 2);
    let mut out = Vec::new();
    for part in [a, b] {
        match format {
            "gzip" => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(part).unwrap();
                out.extend(e.finish().unwrap());
            }
            "bzip2" => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
                e.write_all(part).unwrap();
                out.extend(e.finish().unwrap());
            }
            "xz" => {
                let mut e = xz2::write::XzEncoder::new(Vec::new(), 1);
                e.write_all(part).unwrap();
                out.extend(e.finish().unwrap());
            }
            "zstd" => out.extend(zstd::encode_all(part, 1).unwrap()),
            _ => unreachable!(),
        }
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn every_compression_gives_the_same_records_multi_member_included() {
    let dir = tempfile::tempdir().unwrap();
    let plain = plain_updates();
    // A misleading name: the format is told by content.
    let (want, damage) = read_all(&write(dir.path(), "plain.gz", &plain));
    assert!(damage.is_empty(), "{damage:?}");
    assert!(want.len() > 1500, "{}", want.len());
    for format in ["gzip", "bzip2", "xz", "zstd"] {
        let packed = compress_twice(format, &plain);
        let (got, damage) = read_all(&write(dir.path(), &format!("u.{format}"), &packed));
        assert!(damage.is_empty(), "{format}: {damage:?}");
        assert!(got == want, "{format}: records differ");
        let reader = MrtReader::open(&dir.path().join(format!("u.{format}"))).unwrap();
        assert_eq!(reader.compression().name(), format);
    }
}

#[test]
fn truncated_streams_keep_the_records_before_the_break() {
    let dir = tempfile::tempdir().unwrap();
    let plain = plain_updates();
    let (want, _) = read_all(&write(dir.path(), "plain", &plain));
    for format in ["gzip", "bzip2", "xz", "zstd", "none"] {
        let packed = if format == "none" {
            plain.clone()
        } else {
            compress_twice(format, &plain)
        };
        let cut = &packed[..packed.len() * 3 / 4];
        let (got, damage) = read_all(&write(dir.path(), &format!("cut.{format}"), cut));
        assert_eq!(damage.len(), 1, "{format}: {damage:?}");
        assert!(
            matches!(
                damage[0],
                DamageKind::Compression { .. } | DamageKind::TruncatedRecord { .. }
            ),
            "{format}: {:?}",
            damage[0]
        );
        assert!(
            got.len() > want.len() / 4,
            "{format}: only {} records",
            got.len()
        );
        assert!(got.len() < want.len());
        assert!(
            got[..] == want[..got.len()],
            "{format}: records before the break differ"
        );
    }
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn corrupted_bytes_never_stop_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let plain = plain_updates();
    let (want, _) = read_all(&write(dir.path(), "plain", &plain));
    for seed in 1..40u64 {
        let mut bytes = plain.clone();
        // Overwrite a few short runs with noise.
        let hits = noise(seed, 8);
        for (i, h) in hits.iter().enumerate() {
            let at = (usize::from(*h) * 7919 + i * 104_729 + seed as usize * 31) % bytes.len();
            let end = (at + 1 + usize::from(*h % 16)).min(bytes.len());
            let junk = noise(seed * 1000 + i as u64, end - at);
            bytes[at..end].copy_from_slice(&junk);
        }
        let path = write(dir.path(), "noisy", &bytes);
        let (got, _damage) = read_all(&path);
        // Most records survive a few damaged runs.
        assert!(
            got.len() > want.len() / 2,
            "seed {seed}: {} of {}",
            got.len(),
            want.len()
        );
        // Whatever was read decodes or fails cleanly, never panics.
        for (_, t, s, body) in &got {
            let header = wire::mrt::Header {
                timestamp: 0,
                mrt_type: *t,
                subtype: *s,
                length: body.len() as u32,
            };
            if let Ok(raw) = wire::mrt::RawRecord::new(header, body) {
                let _ = raw.check();
            }
        }
    }
    for seed in 1..20u64 {
        let path = write(
            dir.path(),
            "noise",
            &noise(seed, 5000 + seed as usize * 100),
        );
        let (_, damage) = read_all(&path);
        assert!(
            !damage.is_empty(),
            "seed {seed}: noise read without complaint"
        );
    }
}

#[test]
fn archives_of_different_years_concatenated_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let plain = plain_updates();
    let mut rrc06 = Vec::new();
    flate2::read::MultiGzDecoder::new(
        std::fs::File::open(mrt("ris-rrc06/ris.rrc06.updates.1401488100.gz")).unwrap(),
    )
    .read_to_end(&mut rrc06)
    .unwrap();
    let (a, _) = read_all(&write(dir.path(), "a", &plain));
    let (b, _) = read_all(&write(dir.path(), "b", &rrc06));
    let both = [plain, rrc06].concat();
    let (got, damage) = read_all(&write(dir.path(), "both", &both));
    assert!(damage.is_empty(), "{damage:?}");
    assert_eq!(got.len(), a.len() + b.len());
}
