//! Shared helpers: where the real registry data lives.
#![allow(dead_code)]

use std::path::PathBuf;

/// `$DARKWATCH_DATA`, or `../shared/data` beside the project. Panics with
/// a clear message when it is missing: these tests are about real files.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("DARKWATCH_DATA") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("registry").is_dir(),
        "registry data not found at {} (set DARKWATCH_DATA)",
        dir.display()
    );
    dir
}

/// The five registries, in file-name spelling.
pub const RIRS: [&str; 5] = ["afrinic", "apnic", "arin", "lacnic", "ripencc"];

/// The real delegated-extended file of one registry.
pub fn registry_file(rir: &str) -> PathBuf {
    data_dir()
        .join("registry")
        .join(format!("delegated-{rir}-extended-latest.gz"))
}

/// All five files.
pub fn all_registry_files() -> Vec<PathBuf> {
    RIRS.iter().map(|r| registry_file(r)).collect()
}
