//! Helpers shared by the binary's integration tests: where the real
//! archives are, and running `darkwatch` and `bgpdump` on them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/data` beside the project, or `$DARKWATCH_DATA`.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("DARKWATCH_DATA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("mrt").is_dir(),
        "test data not found at {} (../shared beside the project, or set DARKWATCH_DATA)",
        dir.display()
    );
    dir
}

/// A file of `../shared/data/mrt`.
pub fn mrt(rel: &str) -> PathBuf {
    data_dir().join("mrt").join(rel)
}

/// Every MRT archive of `../shared/data/mrt` (READMEs and bgpdump's own
/// expected outputs left out), sorted.
pub fn all_archives() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = data_dir().join("mrt");
    for dir in std::fs::read_dir(&root).expect("read data dir") {
        let dir = dir.expect("dir entry").path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).expect("read data subdir") {
            let f = f.expect("file entry").path();
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("expect-") || name.ends_with(".md") {
                continue;
            }
            out.push(f);
        }
    }
    out.sort();
    assert!(
        out.len() >= 20,
        "expected the shared archives, found {}",
        out.len()
    );
    out
}

/// Runs the darkwatch binary.
pub fn darkwatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_darkwatch"))
        .args(args)
        .output()
        .expect("run darkwatch")
}

/// `darkwatch dump FILE` stdout, with the exit status and stderr.
pub fn dump(path: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["dump"];
    args.extend_from_slice(extra);
    let p = path.to_str().expect("utf-8 path");
    args.push(p);
    darkwatch(&args)
}

/// Debian's `bgpdump -m FILE` stdout; fails loudly when bgpdump is missing
/// (`scripts/test` installs it).
pub fn bgpdump(path: &Path) -> Vec<u8> {
    let out = Command::new("bgpdump")
        .arg("-m")
        .arg(path)
        .output()
        .expect("bgpdump is not installed: run ./scripts/test, which installs it");
    out.stdout
}

/// Lines of a byte buffer.
pub fn lines(bytes: &[u8]) -> Vec<&str> {
    std::str::from_utf8(bytes)
        .expect("utf-8 output")
        .lines()
        .collect()
}
