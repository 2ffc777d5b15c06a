//! Bringing archive files home: a small pool of threads downloads the
//! planned files into a cache folder, each one written to `NAME.part`,
//! resumed with an HTTP `Range` request after a cut, checked against the
//! length the server announced, and renamed to `NAME` only when complete,
//! so a file under its own name is always whole and is never fetched
//! again. This is the I/O edge of the archive source; what it returns are
//! plain files for [`crate::replay`](mod@crate::replay).

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use super::plan::RemoteFile;

/// How downloads run.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Files downloaded at once.
    pub threads: usize,
    /// Further attempts after a transient failure (network error, 5xx,
    /// 408, 429, a response cut short).
    pub retries: u32,
    /// Wait before the first retry; it doubles with each one.
    pub backoff: Duration,
    /// Longest wait for a connection or for the next bytes.
    pub timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> FetchOptions {
        FetchOptions {
            threads: 4,
            retries: 4,
            backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What became of a file that did not fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Downloaded now (or its download completed now); its size.
    Fetched {
        /// Size of the whole file in bytes.
        bytes: u64,
    },
    /// Already in the cache, not downloaded again.
    Cached,
    /// The archive has no such file (404 or 410): a collector that was
    /// down, or a time not yet published.
    Missing,
}

/// One planned file and what became of it.
#[derive(Debug)]
pub struct FileResult {
    /// The file.
    pub file: RemoteFile,
    /// Where it is (or would be) in the cache.
    pub path: PathBuf,
    /// What happened.
    pub outcome: Result<Outcome, FetchError>,
}

/// How far a [`fetch()`] has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FetchProgress {
    /// Files planned.
    pub files: usize,
    /// Files finished, whatever became of them.
    pub files_done: usize,
    /// Bytes downloaded so far (cached files count nothing).
    pub bytes: u64,
}

/// A file that could not be fetched.
#[derive(Debug)]
pub struct FetchError {
    /// What was asked for.
    pub url: String,
    /// Where it was to be saved.
    pub path: PathBuf,
    /// What went wrong.
    pub kind: FetchErrorKind,
}

/// What went wrong with a file.
#[derive(Debug)]
pub enum FetchErrorKind {
    /// The server answered with this HTTP status (not 404, which is
    /// [`Outcome::Missing`]).
    Status(u16),
    /// The connection failed.
    Network(String),
    /// Fewer bytes arrived than the server announced, on every attempt.
    Short {
        /// Bytes the file holds now.
        received: u64,
        /// Bytes the server announced.
        announced: u64,
    },
    /// More bytes arrived than the server announced.
    Long {
        /// Bytes received.
        received: u64,
        /// Bytes the server announced.
        announced: u64,
    },
    /// The announced length changed between two attempts: the file was
    /// replaced on the server, or the server is wrong.
    LengthChanged {
        /// Length announced first.
        before: u64,
        /// Length announced later.
        now: u64,
    },
    /// A `206` whose `Content-Range` does not start where the partial file
    /// ends, or cannot be read.
    BadRange(String),
    /// The cache folder could not be written.
    Io(io::Error),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (url, path) = (&self.url, self.path.display());
        match &self.kind {
            FetchErrorKind::Status(code) => write!(
                f,
                "{url}: the server answered HTTP {code}; check the base URL and try again later"
            ),
            FetchErrorKind::Network(e) => write!(
                f,
                "{url}: {e}; check the network and the base URL, then run again (what arrived is kept in {path}.part)"
            ),
            FetchErrorKind::Short { received, announced } => write!(
                f,
                "{url}: the server announced {announced} bytes but the transfer stopped at {received}; run again to resume {path}.part"
            ),
            FetchErrorKind::Long { received, announced } => write!(
                f,
                "{url}: the server announced {announced} bytes but sent {received}; the partial file was removed, run again"
            ),
            FetchErrorKind::LengthChanged { before, now } => write!(
                f,
                "{url}: the file's length changed from {before} to {now} bytes between two requests (replaced on the server?); the partial file was removed, run again"
            ),
            FetchErrorKind::BadRange(e) => write!(
                f,
                "{url}: the server's answer to a resumed download is unusable ({e}); delete {path}.part and run again"
            ),
            FetchErrorKind::Io(e) => write!(
                f,
                "{path}: cannot write the download of {url}: {e}; check the folder's space and permissions"
            ),
        }
    }
}

impl std::error::Error for FetchError {}

/// Downloads `files` into `dest` (each at its `local_relative_path`) with
/// `options.threads` threads, calling `on_progress` on this thread as
/// files and bytes arrive. A failure of one file never stops the others;
/// the results come back in the order of `files`.
pub fn fetch(
    files: &[RemoteFile],
    dest: &Path,
    options: &FetchOptions,
    mut on_progress: impl FnMut(&FetchProgress),
) -> Vec<FileResult> {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(options.timeout)
        .timeout_read(options.timeout)
        .build();
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    let mut outcomes: Vec<Option<Result<Outcome, FetchError>>> =
        files.iter().map(|_| None).collect();
    thread::scope(|scope| {
        for _ in 0..options.threads.clamp(1, files.len().max(1)) {
            let (tx, agent, next) = (tx.clone(), agent.clone(), &next);
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(index) else { break };
                let outcome = fetch_one(&agent, file, dest, options, &mut |n| {
                    let _ = tx.send(Message::Bytes(n));
                });
                let _ = tx.send(Message::Done(index, outcome));
            });
        }
        drop(tx);
        let mut progress = FetchProgress {
            files: files.len(),
            ..FetchProgress::default()
        };
        on_progress(&progress);
        for message in rx {
            match message {
                Message::Bytes(n) => progress.bytes += n,
                Message::Done(index, outcome) => {
                    progress.files_done += 1;
                    if let Some(slot) = outcomes.get_mut(index) {
                        *slot = Some(outcome);
                    }
                }
            }
            on_progress(&progress);
        }
    });
    // Every slot is filled: the scope re-raises a panic of any thread.
    files
        .iter()
        .zip(outcomes)
        .filter_map(|(file, outcome)| {
            Some(FileResult {
                file: file.clone(),
                path: dest.join(&file.local_relative_path),
                outcome: outcome?,
            })
        })
        .collect()
}

/// What a download thread tells the caller's thread.
enum Message {
    Bytes(u64),
    Done(usize, Result<Outcome, FetchError>),
}

/// Why one attempt at a file did not complete it.
enum Failure {
    /// Worth another attempt after a wait.
    Transient(FetchErrorKind),
    /// Another attempt would fail the same way.
    Permanent(FetchErrorKind),
}

/// What one attempt achieved.
enum Step {
    /// The partial file is complete, of this length.
    Complete(u64),
    /// The archive does not have the file.
    Missing,
}

/// One file: from the cache, or downloaded with retries.
fn fetch_one(
    agent: &ureq::Agent,
    file: &RemoteFile,
    dest: &Path,
    options: &FetchOptions,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<Outcome, FetchError> {
    let path = dest.join(&file.local_relative_path);
    let fail = |kind| FetchError {
        url: file.url.clone(),
        path: path.clone(),
        kind,
    };
    if path.is_file() {
        return Ok(Outcome::Cached);
    }
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).map_err(|e| fail(FetchErrorKind::Io(e)))?;
    }
    let part = part_path(&path);
    // The length the server announced first: a later, different one means
    // the partial file no longer belongs to the file being served.
    let mut announced = None;
    let mut attempt = 0;
    loop {
        match attempt_once(agent, &file.url, &part, &mut announced, on_bytes) {
            Ok(Step::Complete(bytes)) => {
                fs::rename(&part, &path).map_err(|e| fail(FetchErrorKind::Io(e)))?;
                return Ok(Outcome::Fetched { bytes });
            }
            Ok(Step::Missing) => return Ok(Outcome::Missing),
            Err(Failure::Transient(_)) if attempt < options.retries => {
                thread::sleep(options.backoff.saturating_mul(1 << attempt.min(16)));
                attempt += 1;
            }
            Err(Failure::Transient(kind) | Failure::Permanent(kind)) => return Err(fail(kind)),
        }
    }
}

/// `NAME.part` beside `NAME`.
fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".part");
    path.with_file_name(name)
}

/// One request for the rest of `url` after what `part` holds, appended to
/// it.
fn attempt_once(
    agent: &ureq::Agent,
    url: &str,
    part: &Path,
    announced: &mut Option<u64>,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<Step, Failure> {
    let have = fs::metadata(part).map_or(0, |m| m.len());
    let mut request = agent.get(url);
    if have > 0 {
        request = request.set("Range", &format!("bytes={have}-"));
    }
    let response = match request.call() {
        Ok(response) => response,
        Err(ureq::Error::Status(404 | 410, _)) => return Ok(Step::Missing),
        Err(ureq::Error::Status(416, response)) if have > 0 => {
            // Nothing after `have`: the partial file may be the whole file.
            let total = response.header("Content-Range").and_then(total_length);
            if total == Some(have) && announced.is_none_or(|a| a == have) {
                return Ok(Step::Complete(have));
            }
            remove_part(part)?;
            return Err(Failure::Transient(FetchErrorKind::Status(416)));
        }
        Err(ureq::Error::Status(code, _)) if matches!(code, 408 | 429 | 500..=599) => {
            return Err(Failure::Transient(FetchErrorKind::Status(code)))
        }
        Err(ureq::Error::Status(code, _)) => {
            return Err(Failure::Permanent(FetchErrorKind::Status(code)))
        }
        Err(ureq::Error::Transport(e)) => {
            return Err(Failure::Transient(FetchErrorKind::Network(e.to_string())))
        }
    };
    let (offset, total) = if response.status() == 206 {
        let range = response.header("Content-Range").unwrap_or_default();
        match (range_start(range), total_length(range)) {
            (Some(start), total) if start == have => (have, total),
            _ => {
                return Err(Failure::Permanent(FetchErrorKind::BadRange(format!(
                    "asked for bytes {have}- and got Content-Range {range:?}"
                ))))
            }
        }
    } else {
        // A plain 200: the server ignored the range, so start afresh.
        let length = response
            .header("Content-Length")
            .and_then(|v| v.parse().ok());
        (0, length)
    };
    if let (Some(before), Some(now)) = (*announced, total) {
        if before != now {
            remove_part(part)?;
            return Err(Failure::Permanent(FetchErrorKind::LengthChanged {
                before,
                now,
            }));
        }
    }
    *announced = announced.or(total);
    let received = offset + append(response.into_reader(), part, offset, on_bytes)?;
    match total {
        Some(announced) if received < announced => Err(Failure::Transient(FetchErrorKind::Short {
            received,
            announced,
        })),
        Some(announced) if received > announced => {
            remove_part(part)?;
            Err(Failure::Permanent(FetchErrorKind::Long {
                received,
                announced,
            }))
        }
        _ => Ok(Step::Complete(received)),
    }
}

/// Copies `body` into `part` from byte `offset` on (truncating it there),
/// reporting each chunk; returns the bytes copied. A read error ends the
/// copy early and is left to the length check: what arrived is kept for
/// the next attempt to resume from.
fn append(
    mut body: impl Read,
    part: &Path,
    offset: u64,
    on_bytes: &mut dyn FnMut(u64),
) -> Result<u64, Failure> {
    let io_error = |e| Failure::Permanent(FetchErrorKind::Io(e));
    let mut out = OpenOptions::new()
        .create(true)
        .append(offset > 0)
        .write(true)
        .truncate(offset == 0)
        .open(part)
        .map_err(io_error)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut copied = 0u64;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        out.write_all(buf.get(..n).unwrap_or_default())
            .map_err(io_error)?;
        copied += n as u64;
        on_bytes(n as u64);
    }
    out.sync_all().map_err(io_error)?;
    Ok(copied)
}

/// Removes a partial file that cannot be resumed.
fn remove_part(part: &Path) -> Result<(), Failure> {
    match fs::remove_file(part) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(Failure::Permanent(FetchErrorKind::Io(e)))
        }
        _ => Ok(()),
    }
}

/// `N` of a `Content-Range: bytes N-M/T`.
fn range_start(value: &str) -> Option<u64> {
    value
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// `T` of a `Content-Range: bytes N-M/T` or `bytes */T`.
fn total_length(value: &str) -> Option<u64> {
    value.rsplit('/').next()?.trim().parse().ok()
}
