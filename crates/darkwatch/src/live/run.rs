//! The thread that owns the core while `serve` runs live feeds: it takes
//! the queue's messages in batches, applies each batch to the shared route
//! table under one write lock (readers wait at most a batch), lets time
//! pass at least every second so that timers fire on a quiet feed, and
//! writes what the core hands on straight away: an event is in the store,
//! and its alert in the outbox, within the batch that caused it.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use detect::{DetectConfig, Event};
use geo::RegistryTable;
use serve::{Gauge, LiveStatus, RouteTable, Tables};
use signal::{BinRow, Sessions};
use store::{EventQuery, Store};
use tokio::sync::mpsc;
use wire::event::Timestamp;

use super::config::LiveConfig;
use super::ingest::{Counters, Ingest, Input, Setup};
use super::sources;
use crate::output::StoreWriter;
use crate::pipeline::{Core, Judge};

/// What the store holds for the detector to carry on from after a
/// restart: every entity's points of the last baseline window, and the
/// events still open. A stored name that is no entity is left out, said.
fn stored_state(
    store: &mut Store,
    detect: &DetectConfig,
) -> anyhow::Result<(Vec<BinRow>, Vec<Event>)> {
    let Some(latest) = store.latest_bin()? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let from = latest.saturating_sub(detect.baseline_window_s);
    let mut history = Vec::new();
    for (name, point) in store.series_since(from)? {
        match name.parse() {
            Ok(entity) => history.push(BinRow {
                bin_start: point.bin_start,
                entity,
                values: point.values,
            }),
            Err(e) => eprintln!("darkwatch serve: warning: a stored series left out: {e}"),
        }
    }
    let active = EventQuery {
        active: true,
        ..EventQuery::default()
    };
    let open = store
        .events(&active)?
        .iter()
        .map(|text| Event::from_json(text))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("{e} (in the store's open events)"))?;
    Ok((history, open))
}

/// Time passes for the core at least this often.
const TICK: Duration = Duration::from_secs(1);

/// Messages applied under one lock of the route table.
const BATCH: usize = 1_024;

/// Starts the sources of `config` and the core behind them, judging with
/// `detect` and countries from `registry`, writing to `store`; tells
/// `on_listening` each listener's address. Returns what the server
/// answers from: the live route table and the sources' state.
pub async fn start(
    config: &LiveConfig,
    detect: DetectConfig,
    registry: &'static RegistryTable,
    mut store: Store,
    on_listening: impl FnMut(&str, &str, std::net::SocketAddr),
) -> anyhow::Result<Tables> {
    let (tx, rx) = mpsc::channel(config.queue.max(1));
    let running = Arc::new(sources::start(config, &tx, on_listening).await?);
    drop(tx);
    let counters = Arc::new(Counters::new(sources::names(config).len()));
    let routes = Arc::new(RwLock::new(RouteTable {
        rib: rib::Rib::new(rib::RibConfig::default()),
        collectors: Vec::new(),
        as_of: 0,
    }));
    // The PostgreSQL client blocks on a runtime of its own, which cannot
    // start on a thread driving this one.
    let last_id = tokio::task::block_in_place(|| store.last_event_id())?;
    let judge = Judge {
        registry,
        watched: Vec::new(),
        detect: Some((detect, last_id)),
    };
    let (history, open) = tokio::task::block_in_place(|| stored_state(&mut store, &detect))?;
    let mut core = Core::new(config.bin_secs, Sessions::new(config.resync_s), Some(judge));
    core.resume(&history, &open);
    let mut writer = StoreWriter::new(store);
    writer.adopt(&open);
    if !open.is_empty() {
        eprintln!(
            "darkwatch serve: carrying on with {} open events from the store, and {} stored points of history",
            open.len(),
            history.len()
        );
    }
    let setup = Setup {
        names: sources::names(config),
        bmp_views: config
            .bmp
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.adj_rib_in))
            .collect(),
        max_prefixes_per_peer: config.max_prefixes_per_peer,
        on_prefix_limit: config.on_prefix_limit,
    };
    let ingest = Ingest::new(core, setup, Arc::clone(&counters));
    let runtime = tokio::runtime::Handle::current();
    let table = Arc::clone(&routes);
    std::thread::Builder::new()
        .name("darkwatch-core".into())
        .spawn(move || run(ingest, rx, &table, writer, &runtime))
        .map_err(|e| anyhow::anyhow!("cannot start the core's thread: {e}"))?;
    let view = {
        let counters = Arc::clone(&counters);
        let queue = config.queue;
        Arc::new(move || status(&running, &counters, queue)) as serve::LiveView
    };
    Ok(Tables {
        routes: Some(routes),
        live: Some(view),
    })
}

fn status(running: &sources::Sources, counters: &Counters, queue: usize) -> LiveStatus {
    let get = |n: &std::sync::atomic::AtomicU64| n.load(std::sync::atomic::Ordering::Relaxed);
    LiveStatus {
        sources: running.status(counters),
        gauges: vec![
            Gauge {
                name: "darkwatch_live_routes",
                kind: "gauge",
                help: "Routes in the live route table (one per peer and prefix).",
                value: get(&counters.routes),
            },
            Gauge {
                name: "darkwatch_live_route_events_total",
                kind: "counter",
                help: "Route events the live core applied.",
                value: get(&counters.route_events),
            },
            Gauge {
                name: "darkwatch_live_prefix_limit_total",
                kind: "counter",
                help: "Announcements ignored, or peers dropped, past [live] max_prefixes_per_peer.",
                value: get(&counters.over_limit),
            },
            Gauge {
                name: "darkwatch_live_gaps_total",
                kind: "counter",
                help: "RIS Live interruptions (routes kept, their state unknown meanwhile).",
                value: get(&counters.gaps),
            },
            Gauge {
                name: "darkwatch_live_queue_capacity",
                kind: "gauge",
                help: "Messages the queue between the sources and the core holds.",
                value: queue as u64,
            },
        ],
    }
}

/// The core's loop, for as long as the process runs: time goes on passing
/// after every source has ended (an archive pull past its `to`), so that
/// bins close and timers fire on the table the API still serves.
fn run(
    mut ingest: Ingest<'_>,
    mut rx: mpsc::Receiver<Input>,
    routes: &RwLock<RouteTable>,
    mut writer: StoreWriter,
    runtime: &tokio::runtime::Handle,
) {
    let mut clock = Clock::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut sources_open = true;
    loop {
        let wait = until_next_second().min(TICK);
        if sources_open {
            match runtime.block_on(async { tokio::time::timeout(wait, rx.recv()).await }) {
                Ok(Some(input)) => batch.push(input),
                Ok(None) => sources_open = false,
                Err(_) => {}
            }
        } else {
            std::thread::sleep(wait);
        }
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(input) => batch.push(input),
                Err(_) => break,
            }
        }
        let now = clock.now();
        {
            // A reader that panicked leaves the table as it was: go on.
            let mut table = routes.write().unwrap_or_else(|e| e.into_inner());
            for input in batch.drain(..) {
                ingest.handle(&mut table, input, now);
            }
            ingest.tick(&mut table, now);
        }
        ingest.take(|rows, events, t| writer.push(rows, events, t));
        if let Err(e) = writer.flush() {
            eprintln!("darkwatch serve: {e} (the rows and events of this moment are lost; the feeds go on)");
        }
    }
}

/// The detector judges in whole seconds: waking just past the next one
/// lets a timer that ends there fire at once, not up to a tick later.
fn until_next_second() -> Duration {
    let into = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_micros());
    Duration::from_micros(u64::from(1_000_000 - into) + 1_000)
}

/// Wall-clock time that never goes back: a clock stepped backwards holds
/// at the latest time given.
#[derive(Default)]
struct Clock {
    latest: u64,
}

impl Clock {
    fn now(&mut self) -> Timestamp {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        self.latest = self.latest.max(micros);
        Timestamp(self.latest)
    }
}
