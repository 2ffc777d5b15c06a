//! `darkwatch replay`: archives through the deterministic core
//! ([`crate::pipeline`]): files in event time into the shared route table and,
//! with `--db`, the series of every country, origin AS and watched prefix
//! into the store. It closes with a summary of what was read and the state
//! of the table.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use detect::{DetectConfig, Event};
use feed::{ReplayInput, ReplaySummary};
use geo::{AsNames, RegistryTable};
use rib::Rib;
use signal::BinRow;
use store::{EntityInfo, ReplayProgress};
use wire::event::Timestamp;
use wire::{Afi, Prefix};

use crate::output::StoreWriter;
use crate::pipeline::{self, Judge, SeriesSink};
use crate::progress::ProgressLine;

/// Output formats of `replay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    /// Aligned `name  value` lines.
    Table,
    /// One JSON object.
    Json,
}

/// Arguments of `darkwatch replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// MRT archives: table dumps and update files, in any order.
    #[arg(required_unless_present = "from", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Or the archives of --collector over a time range, fetched first.
    #[command(flatten)]
    archive: crate::fetch::ArchiveArgs,
    /// Name of the collector of every file (default: guessed from each
    /// file's name, e.g. `rrc06`, `route-views.jinx`).
    #[arg(long)]
    collector: Option<String>,
    /// Write the series of every country, origin AS and watched prefix to
    /// this SQLite database (created if missing) or PostgreSQL URL
    /// (`postgres://user@host:port/db`).
    #[arg(long, value_name = "PATH|URL")]
    db: Option<PathBuf>,
    /// RIR delegated-extended files for prefix to country (repeatable;
    /// default: the registry data built into the `iptocc` crate).
    #[arg(long, value_name = "FILE")]
    registry: Vec<PathBuf>,
    /// A prefix that gets its own series (repeatable).
    #[arg(long, value_name = "PREFIX")]
    watch: Vec<Prefix>,
    /// AS names for the `as/` series: the `ASN NAME, CC` text form or
    /// JSON (`{"131279": "STAR-KP Ryugyong-dong, KP"}`), plain or gzip.
    #[arg(long, value_name = "FILE")]
    asnames: Option<PathBuf>,
    /// Detector settings: a TOML file of `DetectConfig` fields (README,
    /// "Events"); those not given keep their defaults.
    #[arg(long, value_name = "FILE")]
    detect: Option<PathBuf>,
    /// No progress line (it is drawn only on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = ReplayFormat::Table)]
    format: ReplayFormat,
    /// Do not print each damaged record, only the count.
    #[arg(long, short)]
    quiet: bool,
    /// Continue the replay into --db that was interrupted (killed, a
    /// full disk): the same files and settings are read again up to what
    /// the store holds, and only what comes after it is written.
    #[arg(long, requires = "db")]
    resume: bool,
    /// Series rows per store transaction; what a crash can take back.
    #[arg(long, value_name = "N", default_value_t = WRITE_BATCH)]
    batch_rows: usize,
}

/// What the table holds after the replay.
struct TableState {
    routes: usize,
    prefixes: usize,
    visible: [usize; 2],
    full_feed: [u16; 2],
    paths: usize,
    rows: u64,
    events: u64,
}

/// Series rows per store transaction by default: large, because rows
/// arrive in time order and are keyed by entity, so each commit rewrites
/// pages across the whole table (BENCHMARKS.md, bytes written per stored
/// row).
pub const WRITE_BATCH: usize = 100_000;

/// The registry from files, or the built-in one.
pub fn load_registry(files: &[PathBuf]) -> anyhow::Result<RegistryTable> {
    if files.is_empty() {
        return Ok(RegistryTable::embedded());
    }
    let (table, reports) = geo::load_delegated_files(files)?;
    for report in &reports {
        for e in &report.errors {
            eprintln!("darkwatch: warning: registry row skipped: {e}");
        }
    }
    Ok(table)
}

/// Where [`replay_into`] writes series, and what it knows of entities.
pub struct SeriesTarget<'a> {
    /// The database.
    pub db: &'a Path,
    /// Countries of address blocks (and of ASes, from delegated files).
    pub registry: &'a RegistryTable,
    /// Prefixes that get their own series.
    pub watched: Vec<Prefix>,
    /// AS names (and countries, where the registry has none).
    pub names: Option<&'a AsNames>,
    /// Detector settings.
    pub detect: DetectConfig,
    /// Series rows per store transaction.
    pub batch_rows: usize,
    /// Continue an interrupted replay rather than start one.
    pub resume: bool,
}

/// Replays `inputs`, writing series and events to `target` when given,
/// with a progress line on a terminal when `progress`.
pub fn replay_into(
    inputs: &[ReplayInput],
    target: Option<SeriesTarget<'_>>,
    quiet: bool,
    progress: bool,
) -> anyhow::Result<Replayed> {
    let mut line = ProgressLine::new(progress);
    let mut on_damage = |damage: &feed::Damage| {
        if !quiet {
            eprintln!("darkwatch replay: warning: {damage}");
        }
    };
    let Some(target) = target else {
        let (summary, table, _) = pipeline::run(
            inputs,
            None::<SeriesSink<'_, fn(&[BinRow], &[Event], u64)>>,
            &mut on_damage,
            |p| line.update(p),
        )?;
        line.finish();
        return Ok(Replayed {
            summary,
            table,
            rows: 0,
            events: 0,
        });
    };
    for input in inputs {
        // Every file opens before the store is touched, so that a wrong
        // path leaves no database behind.
        feed::MrtReader::open(&input.path)?;
    }
    let mut store = crate::signals::create_store(target.db)?;
    let progress = replay_progress(&mut store, &target, inputs)?;
    let last_id = progress.first_event_id;
    let batch_rows = target.batch_rows;
    let mut writer = StoreWriter::for_replay(store, progress);
    let mut failure: Option<store::StoreError> = None;
    let sink = SeriesSink {
        judge: Judge {
            registry: target.registry,
            watched: target.watched,
            detect: Some((target.detect, last_id)),
        },
        on_output: |rows: &[BinRow], events: &[Event], now: u64| {
            // After a failed write nothing more is kept: the replay reads
            // on only to end, and --resume picks it up again.
            if failure.is_some() {
                return;
            }
            writer.push(rows, events, now);
            if writer.pending_rows() >= batch_rows {
                failure = writer.flush().err();
            }
        },
    };
    let (summary, table, detector) =
        pipeline::run(inputs, Some(sink), &mut on_damage, |p| line.update(p))?;
    line.finish();
    let resumable = |e: store::StoreError| {
        anyhow::Error::from(e).context(format!(
            "{}: the replay stopped; what it stored up to its last commit is kept, and once the cause below is mended the same command with --resume finishes it",
            target.db.display()
        ))
    };
    if let Some(e) = failure {
        return Err(resumable(e));
    }
    writer.flush().map_err(resumable)?;
    let written = writer.written();
    let mut store = writer.finish().map_err(resumable)?;
    describe_ases(&mut store, target.registry, target.names)?;
    let detected = detector.map_or(0, |d| d.last_id().saturating_sub(last_id));
    Ok(Replayed {
        summary,
        table,
        rows: written,
        events: detected,
    })
}

/// Where the replay into `target` starts: a new one numbers its events
/// after those stored; a resumed one goes on from the stored progress,
/// which must be of the same inputs and settings.
fn replay_progress(
    store: &mut store::Store,
    target: &SeriesTarget<'_>,
    inputs: &[ReplayInput],
) -> anyhow::Result<ReplayProgress> {
    let digest = inputs_digest(target, inputs)?;
    let db = target.db.display();
    match (store.replay_progress()?, target.resume) {
        (Some(p), true) if p.done => anyhow::bail!(
            "{db}: the replay into it ran to its end; there is nothing to resume (leave out --resume to replay more into it)"
        ),
        (Some(p), true) if p.inputs != digest => anyhow::bail!(
            "{db}: the interrupted replay was of other files or settings; give the same files, --registry, --watch, --detect and --batch-rows as before"
        ),
        (Some(p), true) => Ok(p),
        (None, true) => anyhow::bail!(
            "{db}: no replay into it was interrupted; leave out --resume"
        ),
        (Some(p), false) if !p.done => anyhow::bail!(
            "{db}: a replay into it was interrupted after {} outputs; run the same command with --resume to finish it, or give another --db",
            p.outputs
        ),
        (_, false) => {
            let progress = ReplayProgress {
                inputs: digest,
                first_event_id: store.last_event_id()?,
                outputs: 0,
                done: false,
            };
            store.set_replay_progress(&progress)?;
            Ok(progress)
        }
    }
}

/// A digest of what decides a replay's output: each file's path, size
/// and collector, and the settings of the series and the detector.
fn inputs_digest(target: &SeriesTarget<'_>, inputs: &[ReplayInput]) -> anyhow::Result<String> {
    let mut text = String::new();
    for input in inputs {
        let size = std::fs::metadata(&input.path)
            .with_context(|| format!("{}: cannot read its size", input.path.display()))?
            .len();
        text += &format!("{}\t{size}\t{}\n", input.path.display(), input.collector);
    }
    text += &format!(
        "{:?}\t{:?}\t{}\t{:?}\n",
        target.watched,
        target.detect,
        target.batch_rows,
        target.registry.stats()
    );
    // FNV-1a: stable across builds, unlike the standard hasher.
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    Ok(format!("{hash:016x}"))
}

/// What [`replay_into`] did.
pub struct Replayed {
    /// What was read.
    pub summary: ReplaySummary,
    /// The route table at the end.
    pub table: Rib,
    /// Series rows written.
    pub rows: u64,
    /// Events detected.
    pub events: u64,
}

/// Stores the name and country of every AS with a series: the country
/// from the registry's delegated `asn` rows, else from the names file.
fn describe_ases(
    store: &mut store::Store,
    registry: &RegistryTable,
    names: Option<&AsNames>,
) -> anyhow::Result<()> {
    let infos: Vec<EntityInfo> = store
        .entities()?
        .into_iter()
        .filter_map(|name| {
            let asn: u32 = name.strip_prefix("as/")?.parse().ok()?;
            let known = names.and_then(|n| n.get(asn));
            let country = registry
                .asn_country(asn)
                .or_else(|| known.and_then(|k| k.country));
            Some(EntityInfo {
                label: known.map(|k| k.name.to_owned()),
                country: country.map(|c| c.as_str().to_owned()),
                name,
            })
        })
        .filter(|info| info.label.is_some() || info.country.is_some())
        .collect();
    store.describe(&infos)?;
    Ok(())
}

/// Detector settings from a TOML file, or the defaults.
pub fn load_detect(path: Option<&Path>) -> anyhow::Result<DetectConfig> {
    let Some(path) = path else {
        return Ok(DetectConfig::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the detector settings", path.display()))?;
    toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}(the fields are those of the README's \"Detector settings\")",
            path.display()
        )
    })
}

/// The AS names file, when given; skipped entries are reported.
pub fn load_names(path: Option<&Path>) -> anyhow::Result<Option<AsNames>> {
    let Some(path) = path else { return Ok(None) };
    let (names, issues) = geo::load_as_names(path)?;
    for issue in &issues {
        eprintln!("darkwatch: warning: AS names entry skipped: {issue}");
    }
    Ok(Some(names))
}

/// The archives to replay, each with the collector `collector` names or
/// else the one its path shows.
pub fn inputs_of(files: &[PathBuf], collector: Option<&str>) -> Vec<ReplayInput> {
    files
        .iter()
        .map(|path| match collector {
            Some(name) => ReplayInput {
                path: path.clone(),
                collector: name.to_owned(),
            },
            None => ReplayInput::guess(path),
        })
        .collect()
}

impl Replayed {
    /// The route table the replay ended with, for the server's prefix
    /// and peer questions.
    pub fn into_route_table(self) -> ::serve::RouteTable {
        ::serve::RouteTable {
            as_of: self.summary.span.map_or(0, |(_, last)| last.secs()),
            collectors: self.summary.collectors,
            rib: self.table,
        }
    }
}

/// Runs `replay`.
pub fn run(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let files = args
        .archive
        .files(&args.files, args.collector.as_deref(), !args.no_progress)?;
    let inputs = inputs_of(&files, args.collector.as_deref());
    let registry = match args.db {
        Some(_) => Some(load_registry(&args.registry)?),
        None => None,
    };
    let names = load_names(args.asnames.as_deref())?;
    let target = match (&args.db, &registry) {
        (Some(db), Some(registry)) => Some(SeriesTarget {
            db,
            registry,
            watched: args.watch.clone(),
            names: names.as_ref(),
            detect: load_detect(args.detect.as_deref())?,
            batch_rows: args.batch_rows.max(1),
            resume: args.resume,
        }),
        _ => None,
    };
    let Replayed {
        summary,
        mut table,
        rows,
        events,
    } = replay_into(&inputs, target, args.quiet, !args.no_progress)?;
    table.sweep_paths();
    let state = TableState {
        routes: table.route_count(),
        prefixes: table.prefix_count(),
        visible: visible_by_family(&table),
        full_feed: [
            table.full_feed_peers(Afi::Ipv4),
            table.full_feed_peers(Afi::Ipv6),
        ],
        paths: table.paths().len(),
        rows,
        events,
    };
    if let Some(db) = &args.db {
        // The summary as counters, for the API's /metrics.
        let numbers: Vec<(String, u64)> = fields(&summary, &state)
            .into_iter()
            .filter_map(|(k, v)| Some((format!("replay_{k}"), v.parse().ok()?)))
            .collect();
        let pairs: Vec<(&str, u64)> = numbers.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let mut store = crate::signals::create_store(db)?;
        store.set_counters(&pairs)?;
        store.close()?;
    }
    let text = match args.format {
        ReplayFormat::Table => table_text(&summary, &state),
        ReplayFormat::Json => json_text(&summary, &state),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("writing the summary")?;
    Ok(ExitCode::SUCCESS)
}

fn visible_by_family(table: &Rib) -> [usize; 2] {
    let mut out = [0, 0];
    for i in 0..table.prefix_count() {
        let id = rib::PrefixId(u32::try_from(i).unwrap_or(u32::MAX));
        if table.is_visible(id) {
            match table.prefix(id).map(|p| p.afi()) {
                Some(Afi::Ipv4) => out[0] += 1,
                Some(Afi::Ipv6) => out[1] += 1,
                None => {}
            }
        }
    }
    out
}

/// `2014-05-30T22:00:00Z` for an event time.
pub fn utc(t: Timestamp) -> String {
    let secs = i64::try_from(t.secs()).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|| secs.to_string())
}

/// The summary as `(name, value)` pairs, in display order.
fn fields(s: &ReplaySummary, t: &TableState) -> Vec<(&'static str, String)> {
    let (first, last) = s
        .span
        .map_or((String::new(), String::new()), |(a, b)| (utc(a), utc(b)));
    vec![
        ("files", s.files.to_string()),
        ("collectors", s.collectors.join(",")),
        ("records", s.records.to_string()),
        ("announcements", s.announces.to_string()),
        ("withdrawals", s.withdraws.to_string()),
        ("peer_ups", s.peer_ups.to_string()),
        ("peer_downs", s.peer_downs.to_string()),
        ("end_of_ribs", s.end_of_ribs.to_string()),
        ("damaged_records", s.damaged.to_string()),
        ("peers", s.peers.to_string()),
        ("full_feed_peers_v4", t.full_feed[0].to_string()),
        ("full_feed_peers_v6", t.full_feed[1].to_string()),
        ("prefixes", t.prefixes.to_string()),
        ("visible_prefixes_v4", t.visible[0].to_string()),
        ("visible_prefixes_v6", t.visible[1].to_string()),
        ("routes", t.routes.to_string()),
        ("as_paths", t.paths.to_string()),
        ("series_rows_written", t.rows.to_string()),
        ("events_detected", t.events.to_string()),
        ("first_event", first),
        ("last_event", last),
    ]
}

fn table_text(s: &ReplaySummary, t: &TableState) -> String {
    fields(s, t)
        .into_iter()
        .map(|(k, v)| format!("{k:<20} {v}\n"))
        .collect()
}

fn json_text(s: &ReplaySummary, t: &TableState) -> String {
    let mut map = serde_json::Map::new();
    for (k, v) in fields(s, t) {
        let value = match v.parse::<u64>() {
            Ok(n) if k != "collectors" => serde_json::Value::from(n),
            _ => serde_json::Value::from(v),
        };
        map.insert(k.to_owned(), value);
    }
    format!("{}\n", serde_json::Value::Object(map))
}
