//! Where the feed tests find the real archives: `../shared/data/mrt`
//! beside the project, or `$DARKWATCH_DATA/mrt`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The folder of the real archives; a test fails when it is missing.
pub fn mrt_dir() -> PathBuf {
    let root = match std::env::var_os("DARKWATCH_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    let mrt = root.join("mrt");
    assert!(
        mrt.is_dir(),
        "test data missing: {} (run ./scripts/test, or set DARKWATCH_DATA)",
        mrt.display()
    );
    mrt
}

/// One archive under the folder, which must exist.
pub fn mrt(rel: &str) -> PathBuf {
    let p = mrt_dir().join(rel);
    assert!(p.is_file(), "test archive missing: {}", p.display());
    p
}
