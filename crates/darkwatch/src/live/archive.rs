//! Periodic archive pulls, the slowest live source: a collector's latest
//! table dump at start, then each update file as the archive publishes
//! it (RouteViews every 15 minutes, RIS every 5), fetched into the cache
//! by `feed::fetch` and handed to the core as a file to replay. A file the
//! archive does not have yet is asked for again at the next round; one
//! still missing long after its time (the collector was down) is skipped.
//! Its routes arrive all at once, when the file does: an archive is
//! minutes behind the routers it records.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use feed::fetch::{self, Collector, FetchOptions, Kind, Outcome, RemoteFile};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::config::ArchiveSource;
use super::ingest::Input;
use super::sources::unix_now;

/// Update files asked for in one round, so that a source catching up on
/// a long past plans a bounded list at a time.
const ROUND_FILES: u64 = 96;

/// How an archive source is doing.
#[derive(Debug, Default, Clone)]
pub struct PullStatus {
    /// Files handed to the core.
    pub files: u64,
    /// Files the archive never had (skipped).
    pub skipped: u64,
    /// Failed downloads.
    pub errors: u64,
    /// When the latest file was handed on, Unix seconds.
    pub last_file: Option<u64>,
    /// The latest failure.
    pub last_error: Option<String>,
    /// The last round reached the archive.
    pub reachable: bool,
    /// Past the configured `to`: nothing more to pull.
    pub done: bool,
}

/// Starts pulling `config`'s collector (already resolved as `collector`)
/// into `tx` as source number `source`.
pub fn start(
    config: &ArchiveSource,
    collector: Collector,
    source: usize,
    tx: mpsc::Sender<Input>,
) -> (Arc<Mutex<PullStatus>>, JoinHandle<()>) {
    let status = Arc::new(Mutex::new(PullStatus::default()));
    let puller = Puller {
        every: Duration::from_secs(
            config
                .every_s
                .unwrap_or(collector.archive().updates_period())
                .max(1),
        ),
        period: collector.archive().updates_period(),
        lag_s: config.lag_s,
        from: config.start_secs(),
        to: config.end_secs(),
        cache: config.cache.clone(),
        collector,
        source,
        tx,
        status: Arc::clone(&status),
    };
    (status, tokio::spawn(puller.run()))
}

struct Puller {
    every: Duration,
    period: u64,
    lag_s: u64,
    from: Option<u64>,
    to: Option<u64>,
    cache: PathBuf,
    collector: Collector,
    source: usize,
    tx: mpsc::Sender<Input>,
    status: Arc<Mutex<PullStatus>>,
}

/// What became of a round.
enum Round {
    /// More files are published already: go on at once.
    More,
    /// Up to date, or the archive failed: wait for the next round.
    Wait,
    /// The consumer is gone, or past `to`.
    Stop,
}

impl Puller {
    async fn run(self) {
        let start = self.from.unwrap_or_else(unix_now);
        // The state the updates start from: the last dump at or before
        // the start.
        let dumps = fetch::plan(&self.collector, start, start, Kind::Ribs);
        let mut next = start - start % self.period;
        if let Some(dump) = dumps.into_iter().rfind(|f| f.time <= start) {
            let dump_time = dump.time;
            match self.fetch(vec![dump]).await.into_iter().next() {
                Some((path, Ok(Outcome::Fetched { .. } | Outcome::Cached))) => {
                    if !self.hand_on(path).await {
                        return;
                    }
                    next = dump_time;
                }
                Some((_, Ok(Outcome::Missing))) | None => {}
                Some((_, Err(e))) => self.failed(e),
            }
        }
        loop {
            match self.round(&mut next).await {
                Round::More => {}
                Round::Wait => tokio::time::sleep(self.every).await,
                Round::Stop => return,
            }
        }
    }

    /// Fetches and hands on the update files from `next` on.
    async fn round(&self, next: &mut u64) -> Round {
        let now = unix_now();
        let to = self.to.map_or(now, |t| t.min(now));
        let end = to.min(*next + ROUND_FILES * self.period);
        let files: Vec<RemoteFile> = fetch::plan(&self.collector, *next, end, Kind::Updates)
            .into_iter()
            .filter(|f| f.time >= *next)
            .collect();
        let planned = files.len();
        let mut handed = 0;
        for (file_time, (path, outcome)) in files
            .iter()
            .map(|f| f.time)
            .zip(self.fetch(files.clone()).await)
        {
            match outcome {
                Ok(Outcome::Fetched { .. } | Outcome::Cached) => {
                    if !self.hand_on(path).await {
                        return Round::Stop;
                    }
                }
                // Long past its time: the collector recorded nothing.
                Ok(Outcome::Missing) if file_time + self.period + self.lag_s < now => {
                    self.with(|s| s.skipped += 1);
                }
                Ok(Outcome::Missing) => return Round::Wait,
                Err(e) => {
                    self.failed(e);
                    return Round::Wait;
                }
            }
            handed += 1;
            *next = file_time + self.period;
        }
        self.with(|s| s.reachable = true);
        if self.to.is_some_and(|t| *next > t) {
            self.with(|s| s.done = true);
            return Round::Stop;
        }
        if handed == planned && planned > 0 && *next + self.period <= to {
            Round::More
        } else {
            Round::Wait
        }
    }

    /// Downloads `files` on a blocking thread: each one's cache path and
    /// outcome.
    async fn fetch(
        &self,
        files: Vec<RemoteFile>,
    ) -> Vec<(PathBuf, Result<Outcome, fetch::FetchError>)> {
        let cache = self.cache.clone();
        let done = tokio::task::spawn_blocking(move || {
            fetch::fetch(&files, &cache, &FetchOptions::default(), |_| {})
        })
        .await;
        match done {
            Ok(results) => results.into_iter().map(|r| (r.path, r.outcome)).collect(),
            Err(e) => {
                self.with(|s| {
                    s.errors += 1;
                    s.last_error = Some(format!("the download task failed: {e}"));
                });
                Vec::new()
            }
        }
    }

    /// Hands a fetched file to the core; false once the core is gone.
    async fn hand_on(&self, path: PathBuf) -> bool {
        self.with(|s| {
            s.files += 1;
            s.last_file = Some(unix_now());
        });
        let input = Input::Archive {
            source: self.source,
            path,
            collector: self.collector.name().to_owned(),
        };
        self.tx.send(input).await.is_ok()
    }

    fn failed(&self, e: fetch::FetchError) {
        self.with(|s| {
            s.errors += 1;
            s.reachable = false;
            s.last_error = Some(e.to_string());
        });
    }

    fn with(&self, f: impl FnOnce(&mut PullStatus)) {
        if let Ok(mut s) = self.status.lock() {
            f(&mut s);
        }
    }
}
