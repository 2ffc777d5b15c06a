#![allow(missing_docs)] // criterion_group! generates undocumented functions.
//! Decoding speed, side by side on the same bytes: darkwatch's wire
//! decoder visiting every route entry vs bgpkit-parser iterating its
//! elements, and reading compressed archives vs decompression alone.
//!
//! Inputs: the RouteViews jinx RIB of 2014-05-30 (from `../shared/data`)
//! and a full-size synthetic TABLE_DUMP_V2 table (1,000,000 IPv4 and
//! 200,000 IPv6 prefixes, 40 peers) that `darkwatch synth-table` writes on
//! first use into `target/bench-data` (deterministic; never committed).
//! `scripts/bench` runs this and writes the ratios into BENCHMARKS.md.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wire::entry::{visit, PeerTable};
use wire::mrt::{Header, RawRecord, HEADER_LEN};

fn data_dir() -> PathBuf {
    match std::env::var_os("DARKWATCH_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn bench_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    dir
}

/// The jinx RIB, bzip2 as published.
fn jinx_bz2() -> PathBuf {
    data_dir().join("mrt/routeviews-jinx/routeviews.route-views.jinx.ribs.1401487200.bz2")
}

/// The jinx RIB decompressed, cached under target/.
fn jinx_plain() -> PathBuf {
    let out = bench_dir().join("jinx-rib.mrt");
    if !out.exists() {
        let mut plain = Vec::new();
        bzip2::read::MultiBzDecoder::new(std::fs::File::open(jinx_bz2()).expect("jinx RIB"))
            .read_to_end(&mut plain)
            .expect("decompress jinx RIB");
        std::fs::write(&out, plain).expect("write jinx plain");
    }
    out
}

/// The jinx RIB recompressed with gzip, cached under target/.
fn jinx_gz() -> PathBuf {
    let out = bench_dir().join("jinx-rib.mrt.gz");
    if !out.exists() {
        let plain = std::fs::read(jinx_plain()).expect("jinx plain");
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&plain).expect("gzip");
        std::fs::write(&out, e.finish().expect("gzip")).expect("write jinx gz");
    }
    out
}

/// The full-size synthetic table, written by the darkwatch binary.
fn synthetic() -> PathBuf {
    let out = bench_dir().join("synth-1m.mrt");
    if !out.exists() {
        let status = Command::new(env!("CARGO_BIN_EXE_darkwatch"))
            .arg("synth-table")
            .arg(&out)
            .status()
            .expect("run darkwatch synth-table");
        assert!(status.success(), "synth-table failed");
    }
    out
}

/// Visits every entry of every record in `bytes`; returns the count.
fn wire_entries(bytes: &[u8]) -> u64 {
    let mut peers = PeerTable::default();
    let mut entries = 0u64;
    let mut rest = bytes;
    while rest.len() >= HEADER_LEN {
        let mut head = [0u8; HEADER_LEN];
        head.copy_from_slice(&rest[..HEADER_LEN]);
        let header = Header::parse(head);
        let end = HEADER_LEN + header.length as usize;
        let Some(payload) = rest.get(HEADER_LEN..end) else {
            break;
        };
        if let Ok(raw) = RawRecord::new(header, payload) {
            let v = visit(&raw, &mut peers, |e| {
                std::hint::black_box(e.prefix);
                if let Some(a) = e.attrs {
                    std::hint::black_box(a.path().and_then(|p| p.origin_asn()));
                }
            });
            entries += u64::from(v.entries);
        }
        rest = &rest[end..];
    }
    entries
}

fn bgpkit_elems(bytes: &[u8]) -> u64 {
    let parser = bgpkit_parser::BgpkitParser::from_reader(bytes);
    let mut n = 0u64;
    for elem in parser {
        std::hint::black_box(&elem.prefix);
        std::hint::black_box(elem.origin_asns.as_ref().map(|v| v.len()));
        n += 1;
    }
    n
}

/// Reads an archive through feed (decompression thread + framing) without
/// decoding the records.
fn feed_records(path: &Path) -> u64 {
    let mut reader = feed::MrtReader::open(path).expect("open archive");
    let mut bytes = 0u64;
    while let Some(item) = reader.next() {
        if let Ok(r) = item {
            bytes += r.raw.body.len() as u64;
        }
    }
    bytes
}

/// Reads an archive through feed (decompression thread + framing) and
/// visits every entry.
fn feed_entries(path: &Path) -> u64 {
    let mut reader = feed::MrtReader::open(path).expect("open archive");
    let mut peers = PeerTable::default();
    let mut entries = 0u64;
    while let Some(item) = reader.next() {
        if let Ok(r) = item {
            entries += u64::from(
                visit(&r.raw, &mut peers, |e| {
                    std::hint::black_box(e.prefix);
                })
                .entries,
            );
        }
    }
    entries
}

fn decompress_only(path: &Path) -> u64 {
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("open"));
    let mut reader: Box<dyn Read> = match path.extension().and_then(|e| e.to_str()) {
        Some("bz2") => Box::new(bzip2::read::MultiBzDecoder::new(file)),
        _ => Box::new(flate2::read::MultiGzDecoder::new(file)),
    };
    std::io::copy(&mut reader, &mut std::io::sink()).expect("decompress")
}

fn decode_vs_bgpkit(c: &mut Criterion) {
    for (name, path) in [("jinx", jinx_plain()), ("synthetic", synthetic())] {
        let bytes = std::fs::read(&path).expect("read input");
        let mut g = c.benchmark_group(format!("decode/{name}"));
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("darkwatch-wire", |b| b.iter(|| wire_entries(&bytes)));
        g.bench_function("bgpkit-parser", |b| b.iter(|| bgpkit_elems(&bytes)));
        g.finish();
    }
}

fn read_vs_decompress(c: &mut Criterion) {
    for (name, path) in [("bzip2", jinx_bz2()), ("gzip", jinx_gz())] {
        let mut g = c.benchmark_group(format!("read/{name}"));
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.bench_function("darkwatch-records", |b| b.iter(|| feed_records(&path)));
        g.bench_function("darkwatch-decode", |b| b.iter(|| feed_entries(&path)));
        g.bench_function("decompress-only", |b| b.iter(|| decompress_only(&path)));
        g.finish();
    }
}

criterion_group!(benches, decode_vs_bgpkit, read_vs_decompress);
criterion_main!(benches);
