//! Starting the configured sources on the async runtime, forwarding their
//! messages into the core's one bounded queue (a full queue stops the
//! forwarders, which stop reading the sources' channels, which stop
//! reading the sockets), and reporting how each source is.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use feed::bgp_collector::{self, Collector, CollectorConfig, NeighborConfig};
use feed::bmp_station::{self, Station, StationConfig};
use feed::rislive::{self, ClientStats, RisLiveConfig};
use serve::{ConnectionStatus, SourceStatus};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::config::LiveConfig;
use super::ingest::{Counters, Input};

/// A RIS Live connection silent this long is shown down.
const RIS_SILENT: Duration = Duration::from_secs(60);

/// A running source.
enum Running {
    Bmp(Station),
    Bgp(Collector),
    Archive {
        url: String,
        status: Arc<std::sync::Mutex<super::archive::PullStatus>>,
        task: JoinHandle<()>,
    },
    Ris {
        url: String,
        stats: Arc<ClientStats>,
        /// When the latest message was forwarded, Unix seconds (0: none).
        last: Arc<std::sync::atomic::AtomicU64>,
        task: JoinHandle<()>,
    },
}

/// The running sources, by source number: the order of the
/// configuration's `[[live.bmp]]`, then `[[live.bgp]]`, then
/// `[[live.ris]]`. Dropping it stops them all.
pub struct Sources {
    names: Vec<String>,
    running: Vec<Running>,
    forwarders: Vec<JoinHandle<()>>,
}

impl Drop for Sources {
    fn drop(&mut self) {
        for task in &self.forwarders {
            task.abort();
        }
        for running in &self.running {
            if let Running::Ris { task, .. } | Running::Archive { task, .. } = running {
                task.abort();
            }
        }
    }
}

/// The names of the configured sources, by source number.
pub fn names(config: &LiveConfig) -> Vec<String> {
    config
        .bmp
        .iter()
        .map(|s| s.name.clone())
        .chain(config.bgp.iter().map(|s| s.name.clone()))
        .chain(config.ris.iter().map(|s| s.name.clone()))
        .chain(config.archive.iter().map(|s| s.name.clone()))
        .collect()
}

/// Binds and starts every source of `config`, each forwarding into `tx`;
/// tells `on_listening` each listener's name, kind and address.
pub async fn start(
    config: &LiveConfig,
    tx: &mpsc::Sender<Input>,
    mut on_listening: impl FnMut(&str, &str, SocketAddr),
) -> anyhow::Result<Sources> {
    let mut sources = Sources {
        names: names(config),
        running: Vec::new(),
        forwarders: Vec::new(),
    };
    let channel_capacity = config.queue.clamp(1, 4_096);
    for bmp in &config.bmp {
        let source = sources.running.len();
        let station_config = StationConfig {
            listen: bmp.listen,
            channel_capacity,
            ..StationConfig::default()
        };
        let (station, rx) = bmp_station::listen(station_config)
            .await
            .with_context(|| bind_error("bmp", &bmp.name, bmp.listen))?;
        on_listening(&bmp.name, "bmp", station.local_addr());
        sources
            .forwarders
            .push(forward(rx, tx.clone(), move |msg| Input::Bmp {
                source,
                msg,
            }));
        sources.running.push(Running::Bmp(station));
    }
    for bgp in &config.bgp {
        let source = sources.running.len();
        let neighbors = bgp
            .neighbors
            .iter()
            .zip(0u16..)
            .map(|(n, collector)| NeighborConfig {
                addr: n.addr,
                asn: n.asn,
                collector,
            })
            .collect();
        let collector_config = CollectorConfig {
            listen: bgp.listen,
            asn: bgp.asn,
            router_id: bgp.router_id,
            hold_time: bgp.hold_time,
            channel_capacity,
            neighbors,
        };
        let (collector, rx) = bgp_collector::listen(collector_config)
            .await
            .with_context(|| bind_error("bgp", &bgp.name, bgp.listen))?;
        on_listening(&bgp.name, "bgp", collector.local_addr());
        sources
            .forwarders
            .push(forward(rx, tx.clone(), move |msg| Input::Bgp {
                source,
                msg,
            }));
        sources.running.push(Running::Bgp(collector));
    }
    for ris in &config.ris {
        let source = sources.running.len();
        let client_config = RisLiveConfig {
            url: ris.url.clone(),
            filters: ris.filters.clone(),
            include_raw: ris.include_raw,
            channel_capacity,
            ..RisLiveConfig::default()
        };
        let feed = rislive::spawn(client_config)
            .map_err(|e| anyhow::anyhow!("[[live.ris]] {:?}: cannot set up TLS: {e}", ris.name))?;
        let last = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let seen = Arc::clone(&last);
        sources
            .forwarders
            .push(forward(feed.messages, tx.clone(), move |msg| {
                seen.store(unix_now(), Ordering::Relaxed);
                Input::Ris { source, msg }
            }));
        sources.running.push(Running::Ris {
            url: ris.url.clone(),
            stats: feed.stats,
            last,
            task: feed.task,
        });
    }
    for archive in &config.archive {
        let source = sources.running.len();
        let collector = archive
            .collector()
            .map_err(|e| anyhow::anyhow!("{}", e.trim_end()))?;
        let url = format!("{}/{}", collector.base(), collector.name());
        let (status, task) = super::archive::start(archive, collector, source, tx.clone());
        sources.running.push(Running::Archive { url, status, task });
    }
    Ok(sources)
}

fn bind_error(kind: &str, name: &str, listen: SocketAddr) -> String {
    format!("[[live.{kind}]] {name:?}: cannot listen on {listen} (is the port taken, or below 1024 without privileges? choose another, or 0 for any free one)")
}

/// Forwards a source's messages into the core's queue until either side
/// is gone.
fn forward<T: Send + 'static>(
    mut rx: mpsc::Receiver<T>,
    tx: mpsc::Sender<Input>,
    wrap: impl Fn(T) -> Input + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            if tx.send(wrap(msg)).await.is_err() {
                return;
            }
        }
    })
}

/// Now, in Unix seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn unix(t: Option<SystemTime>) -> Option<u64> {
    t?.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs())
}

impl Sources {
    /// How each source is now, with the problems the core met decoding
    /// its messages (`counters`).
    pub fn status(&self, counters: &Counters) -> Vec<SourceStatus> {
        self.running
            .iter()
            .enumerate()
            .map(|(source, running)| {
                let mut status = match running {
                    Running::Bmp(station) => bmp_status(station, |router| {
                        counters
                            .router_errors
                            .lock()
                            .ok()
                            .and_then(|e| e.get(&(source, router)).copied())
                            .unwrap_or(0)
                    }),
                    Running::Bgp(collector) => bgp_status(collector),
                    Running::Ris {
                        url, stats, last, ..
                    } => ris_status(url, stats, last.load(Ordering::Relaxed)),
                    Running::Archive { url, status, .. } => archive_status(url, status),
                };
                status.name = self.names.get(source).cloned().unwrap_or_default();
                status.errors += counters
                    .errors
                    .get(source)
                    .map_or(0, |n| n.load(Ordering::Relaxed));
                if let Some(text) = counters
                    .last_error
                    .get(source)
                    .and_then(|m| m.lock().ok())
                    .and_then(|t| t.clone())
                {
                    status.last_error = Some(text);
                }
                status
            })
            .collect()
    }
}

/// A BMP listener's routers, each with the problems the core met
/// decoding its messages (`decode_errors`, by router) added to the
/// station's own.
fn bmp_status(station: &Station, decode_errors: impl Fn(u16) -> u64) -> SourceStatus {
    let connections = station
        .routers()
        .into_iter()
        .map(|r| ConnectionStatus {
            remote: match &r.sys_name {
                Some(name) => format!("{} ({name})", r.addr),
                None => r.addr.to_string(),
            },
            up: r.connected,
            messages: r.messages,
            errors: r.errors + decode_errors(r.router),
            last_message: unix(r.last_message),
            last_error: r
                .last_error
                .clone()
                .or_else(|| r.down.map(|d| d.to_string())),
        })
        .collect();
    SourceStatus {
        kind: "bmp",
        listen: station.local_addr().to_string(),
        connections,
        ..SourceStatus::default()
    }
}

fn bgp_status(collector: &Collector) -> SourceStatus {
    let connections = collector
        .neighbors()
        .into_iter()
        .map(|n| ConnectionStatus {
            remote: format!("AS{} {}", n.peer.asn, n.peer.addr),
            up: n.established,
            messages: n.messages,
            errors: n.errors,
            last_message: unix(n.last_message),
            last_error: n
                .last_error
                .clone()
                .or_else(|| n.down.map(|d| d.to_string())),
        })
        .collect();
    let refused = collector.refused();
    SourceStatus {
        kind: "bgp",
        listen: collector.local_addr().to_string(),
        connections,
        errors: refused,
        last_error: (refused > 0)
            .then(|| format!("{refused} connections refused (not a configured neighbor)")),
        ..SourceStatus::default()
    }
}

fn ris_status(url: &str, stats: &ClientStats, last: u64) -> SourceStatus {
    let s = stats.snapshot();
    let recent = last > 0 && unix_now().saturating_sub(last) < RIS_SILENT.as_secs();
    SourceStatus {
        kind: "ris",
        listen: url.to_owned(),
        connections: vec![ConnectionStatus {
            remote: url.to_owned(),
            up: s.connections > 0 && recent,
            messages: s.messages,
            errors: s.malformed + s.server_errors,
            last_message: (last > 0).then_some(last),
            last_error: s.last_problem,
        }],
        ..SourceStatus::default()
    }
}

fn archive_status(
    url: &str,
    status: &std::sync::Mutex<super::archive::PullStatus>,
) -> SourceStatus {
    let s = status.lock().map(|s| s.clone()).unwrap_or_default();
    SourceStatus {
        kind: "archive",
        listen: url.to_owned(),
        connections: vec![ConnectionStatus {
            remote: url.to_owned(),
            up: s.reachable && !s.done,
            messages: s.files,
            errors: s.errors,
            last_message: s.last_file,
            last_error: s
                .last_error
                .or_else(|| s.done.then(|| "past its `to`: done".to_owned())),
        }],
        ..SourceStatus::default()
    }
}
