//! `darkwatch fetch`, and the fetching half of `darkwatch replay --from
//! --to`: a collector's files over a time range, planned in the public
//! archive's layout and downloaded into a cache folder by `feed::fetch`,
//! before anything is read. It prints what was fetched, found in the
//! cache, or missing from the archive.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use feed::fetch::{Collector, FetchOptions, FetchProgress, FileResult, Kind, Outcome};
use wire::event::Timestamp;

use crate::signals::parse_time;

/// Which files `fetch` downloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// Table dumps: the last one at or before --from and those up to --to.
    Ribs,
    /// Update files covering the range.
    Updates,
    /// Both.
    Both,
}

/// Arguments of `darkwatch fetch`.
#[derive(Args, Debug)]
pub struct FetchArgs {
    /// The collector, e.g. `route-views2`, `route-views.jinx`, `rrc06`.
    #[arg(long)]
    collector: String,
    /// Start of the range (Unix seconds or RFC 3339).
    #[arg(long, value_parser = parse_time)]
    from: u64,
    /// End of the range (Unix seconds or RFC 3339).
    #[arg(long, value_parser = parse_time)]
    to: u64,
    /// Which files.
    #[arg(long, value_enum, default_value_t = KindArg::Both)]
    kind: KindArg,
    /// The folder to download into (files already there are not fetched
    /// again).
    #[arg(long, value_name = "DIR")]
    dest: PathBuf,
    /// Address of the archive (default: the public RouteViews or RIS one).
    #[arg(long, value_name = "URL")]
    base: Option<String>,
    /// No progress line (it is drawn only on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
}

/// The arguments `darkwatch replay` takes to fetch its files itself.
#[derive(Args, Debug)]
pub struct ArchiveArgs {
    /// Instead of FILEs: fetch the files of --collector from this time on
    /// (Unix seconds or RFC 3339) and replay them.
    #[arg(long, value_parser = parse_time, requires_all = ["collector", "to"], conflicts_with = "files")]
    from: Option<u64>,
    /// End of the range to fetch.
    #[arg(long, value_parser = parse_time, requires = "from")]
    to: Option<u64>,
    /// Folder of downloaded archives (default: `$XDG_CACHE_HOME/darkwatch`,
    /// else `~/.cache/darkwatch`).
    #[arg(long, value_name = "DIR", requires = "from")]
    cache: Option<PathBuf>,
    /// Address of the archive (default: the public RouteViews or RIS one).
    #[arg(long, value_name = "URL", requires = "from")]
    base: Option<String>,
}

impl ArchiveArgs {
    /// The archives to replay: `files` as given, or, with `--from`, the
    /// files of `collector` fetched into the cache (those missing from
    /// the archive are skipped with a warning).
    pub fn files(
        &self,
        files: &[PathBuf],
        collector: Option<&str>,
        progress: bool,
    ) -> anyhow::Result<Vec<PathBuf>> {
        let (Some(from), Some(to), Some(collector)) = (self.from, self.to, collector) else {
            return Ok(files.to_vec());
        };
        let dest = match &self.cache {
            Some(dir) => dir.clone(),
            None => default_cache()?,
        };
        let request = Request {
            collector,
            from,
            to,
            kind: Kind::Both,
            base: self.base.as_deref(),
            dest: &dest,
            progress,
        };
        let results = download(&request)?;
        let mut found = Vec::new();
        for result in &results {
            match &result.outcome {
                Ok(Outcome::Missing) => eprintln!(
                    "darkwatch replay: warning: {}: not in the archive, replaying without it",
                    result.file.url
                ),
                Ok(_) => found.push(result.path.clone()),
                Err(e) => eprintln!("darkwatch replay: error: {e}"),
            }
        }
        let failed = results.iter().filter(|r| r.outcome.is_err()).count();
        if failed > 0 {
            bail!(
                "{failed} of {} archive files could not be fetched (see above); run again to resume",
                results.len()
            );
        }
        if found.is_empty() {
            let at = |secs: u64| crate::replay::utc(Timestamp(secs.saturating_mul(1_000_000)));
            bail!(
                "no file of {collector} between {} and {} is in the archive (the first asked for was {}); check the range and --base",
                at(from),
                at(to),
                results.first().map_or("none", |r| r.file.url.as_str())
            );
        }
        Ok(found)
    }
}

/// One download of a collector's files.
struct Request<'a> {
    collector: &'a str,
    from: u64,
    to: u64,
    kind: Kind,
    base: Option<&'a str>,
    dest: &'a Path,
    progress: bool,
}

impl Request<'_> {
    fn collector(&self) -> anyhow::Result<Collector> {
        let collector = Collector::named(self.collector)?;
        Ok(match self.base {
            Some(base) => collector.with_base(base),
            None => collector,
        })
    }
}

/// Plans and downloads the files of `request`, drawing a progress line.
fn download(request: &Request<'_>) -> anyhow::Result<Vec<FileResult>> {
    if request.from > request.to {
        bail!("--from must not be after --to");
    }
    let collector = request.collector()?;
    let files = feed::fetch::plan(&collector, request.from, request.to, request.kind);
    std::fs::create_dir_all(request.dest).with_context(|| {
        format!(
            "{}: cannot create the download folder",
            request.dest.display()
        )
    })?;
    let mut line = FetchLine::new(request.progress);
    let results = feed::fetch::fetch(&files, request.dest, &FetchOptions::default(), |p| {
        line.update(p)
    });
    line.finish();
    Ok(results)
}

/// Runs `fetch`.
pub fn run(args: &FetchArgs) -> anyhow::Result<ExitCode> {
    let request = Request {
        collector: &args.collector,
        from: args.from,
        to: args.to,
        kind: match args.kind {
            KindArg::Ribs => Kind::Ribs,
            KindArg::Updates => Kind::Updates,
            KindArg::Both => Kind::Both,
        },
        base: args.base.as_deref(),
        dest: &args.dest,
        progress: !args.no_progress,
    };
    let results = download(&request)?;
    let mut out = String::new();
    let (mut fetched, mut cached, mut missing) = (0, 0, 0);
    for result in &results {
        let path = result.path.display();
        match &result.outcome {
            Ok(Outcome::Fetched { bytes }) => {
                fetched += 1;
                out.push_str(&format!("fetched  {path}  {bytes} bytes\n"));
            }
            Ok(Outcome::Cached) => {
                cached += 1;
                out.push_str(&format!("cached   {path}\n"));
            }
            Ok(Outcome::Missing) => {
                missing += 1;
                out.push_str(&format!(
                    "missing  {}  not in the archive\n",
                    result.file.url
                ));
            }
            Err(e) => eprintln!("darkwatch fetch: error: {e}"),
        }
    }
    let failed = results.len() - fetched - cached - missing;
    out.push_str(&format!(
        "{} files: {fetched} fetched, {cached} cached, {missing} missing, {failed} failed\n",
        results.len()
    ));
    std::io::stdout()
        .write_all(out.as_bytes())
        .context("writing the list of files")?;
    if failed > 0 {
        bail!(
            "{failed} of {} files could not be fetched (see above); run again to resume",
            results.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `$XDG_CACHE_HOME/darkwatch`, else `~/.cache/darkwatch`.
fn default_cache() -> anyhow::Result<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    match (var("XDG_CACHE_HOME"), var("HOME")) {
        (Some(cache), _) => Ok(PathBuf::from(cache).join("darkwatch")),
        (None, Some(home)) => Ok(PathBuf::from(home).join(".cache").join("darkwatch")),
        (None, None) => {
            bail!("no cache folder: neither XDG_CACHE_HOME nor HOME is set; give --cache DIR")
        }
    }
}

/// Time between two redraws, as for the replay's line.
const REDRAW: Duration = Duration::from_millis(200);

/// The progress line of a download on stderr, drawn like the replay's
/// ([`crate::progress`]): only on a terminal, a few times a second,
/// cleared at the end.
struct FetchLine {
    start: Instant,
    last: Option<Instant>,
    enabled: bool,
}

impl FetchLine {
    fn new(wanted: bool) -> FetchLine {
        FetchLine {
            start: Instant::now(),
            last: None,
            enabled: wanted && std::io::stderr().is_terminal(),
        }
    }

    fn update(&mut self, p: &FetchProgress) {
        let now = Instant::now();
        if !self.enabled || self.last.is_some_and(|t| now.duration_since(t) < REDRAW) {
            return;
        }
        self.last = Some(now);
        let secs = now.duration_since(self.start).as_secs_f64().max(1e-3);
        let mb = p.bytes as f64 / 1e6;
        // A progress line that cannot be written is not worth an error.
        let _ = write!(
            std::io::stderr(),
            "\rfetch  files {}/{}  {mb:.1} MB  {:.1} MB/s\x1b[K",
            p.files_done,
            p.files,
            mb / secs
        );
    }

    fn finish(&mut self) {
        if self.enabled && self.last.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}
