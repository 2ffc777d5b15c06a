//! `[live]` of the configuration file: the series bin, the queue between
//! the sources and the core, per-peer prefix limits, and the sources
//! themselves (`[[live.bmp]]`, `[[live.bgp]]`, `[[live.ris]]`). Every key
//! is described in `darkwatch.example.toml`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::Deserialize;

/// `[live]`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveConfig {
    /// Seconds per series bin (300, as replays use).
    pub bin_secs: u64,
    /// Messages the queue between the sources and the core holds; when it
    /// is full the sources stop reading their sockets, and TCP slows the
    /// routers down.
    pub queue: usize,
    /// After a session comes up, its routes count as the table being sent
    /// again (not as routing activity) until its End-of-RIB, or at most
    /// this many seconds (600).
    pub resync_s: u64,
    /// Routes one peer may hold (0: no limit).
    pub max_prefixes_per_peer: u64,
    /// What a peer past its limit gets.
    pub on_prefix_limit: PrefixLimitAction,
    /// BMP listeners routers connect to.
    pub bmp: Vec<BmpSource>,
    /// Passive BGP listeners and the neighbors they accept.
    pub bgp: Vec<BgpSource>,
    /// RIS Live subscriptions.
    pub ris: Vec<RisSource>,
    /// Periodic pulls of a public archive's files.
    pub archive: Vec<ArchiveSource>,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            bin_secs: crate::pipeline::BIN_SECS,
            queue: 4_096,
            resync_s: signal::RESYNC_SECS,
            max_prefixes_per_peer: 0,
            on_prefix_limit: PrefixLimitAction::Drop,
            bmp: Vec::new(),
            bgp: Vec::new(),
            ris: Vec::new(),
            archive: Vec::new(),
        }
    }
}

impl LiveConfig {
    /// True when any source is configured.
    pub fn has_sources(&self) -> bool {
        !(self.bmp.is_empty()
            && self.bgp.is_empty()
            && self.ris.is_empty()
            && self.archive.is_empty())
    }

    /// Checks what serde cannot: values in range, names unique.
    pub fn check(&self) -> Result<(), String> {
        if self.bin_secs == 0 || 86_400 % self.bin_secs != 0 {
            return Err(format!(
                "[live] bin_secs = {} does not divide a day: use 300 (the default), 60, 10, ...\n",
                self.bin_secs
            ));
        }
        if self.queue == 0 {
            return Err("[live] queue must be at least 1\n".into());
        }
        let mut names: Vec<&str> = self
            .bmp
            .iter()
            .map(|s| s.name.as_str())
            .chain(self.bgp.iter().map(|s| s.name.as_str()))
            .chain(self.ris.iter().map(|s| s.name.as_str()))
            .chain(self.archive.iter().map(|s| s.name.as_str()))
            .collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!(
                "[live] two sources are named {:?}: give each its own name\n",
                w[0]
            ));
        }
        for bgp in &self.bgp {
            if bgp.neighbors.is_empty() {
                return Err(format!(
                    "[[live.bgp]] {:?} has no neighbors: list the routers it accepts, neighbors = [{{ addr = \"192.0.2.1\", asn = 64500 }}]\n",
                    bgp.name
                ));
            }
            if bgp.hold_time != 0 && bgp.hold_time < 3 {
                return Err(format!(
                    "[[live.bgp]] {:?}: hold_time must be 0 or at least 3 (RFC 4271 §4.2)\n",
                    bgp.name
                ));
            }
        }
        for archive in &self.archive {
            archive.collector()?;
            for (key, text) in [("from", &archive.from), ("to", &archive.to)] {
                if let Some(text) = text {
                    detect::parse_time(text).map_err(|e| {
                        format!(
                            "[[live.archive]] {:?}: {key} = {text:?}: {e}\n",
                            archive.name
                        )
                    })?;
                }
            }
        }
        Ok(())
    }
}

/// What happens to a peer past `max_prefixes_per_peer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrefixLimitAction {
    /// Its routes are all removed, as a peer-down, until its session comes
    /// up again.
    Drop,
    /// Its announcements past the limit are ignored; its routes stay.
    Ignore,
}

/// Which view of each monitored session a BMP router's routes are taken
/// from (RFC 7854 §4.2, RFC 8671); Loc-RIB (RFC 9069) is always taken, as
/// the router's own peer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdjRibIn {
    /// What the peer sent, before the router's policy (the collector's
    /// view).
    #[default]
    PrePolicy,
    /// What the router kept, after its policy.
    PostPolicy,
}

/// `[[live.bmp]]`: a BMP listener.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BmpSource {
    /// Its name on `/api/v1/sources` and in metrics.
    pub name: String,
    /// The address routers connect to (port 0: any free port).
    #[serde(default = "default_bmp_listen")]
    pub listen: SocketAddr,
    /// Which Adj-RIB-In view to take routes from.
    #[serde(default)]
    pub adj_rib_in: AdjRibIn,
}

/// `[[live.bgp]]`: a passive BGP listener.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BgpSource {
    /// Its name on `/api/v1/sources` and in metrics.
    pub name: String,
    /// The address neighbors connect to (port 179 needs privileges).
    #[serde(default = "default_bgp_listen")]
    pub listen: SocketAddr,
    /// Our AS number.
    pub asn: u32,
    /// Our BGP identifier.
    pub router_id: Ipv4Addr,
    /// The hold time we propose, seconds (90; 0 or at least 3).
    #[serde(default = "default_hold_time")]
    pub hold_time: u16,
    /// The only speakers a session is accepted from.
    pub neighbors: Vec<Neighbor>,
}

/// A neighbor of a `[[live.bgp]]` source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Neighbor {
    /// The address its connection comes from.
    pub addr: IpAddr,
    /// The AS number its OPEN must carry.
    pub asn: u32,
}

/// `[[live.ris]]`: a RIS Live subscription.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RisSource {
    /// Its name on `/api/v1/sources` and in metrics.
    pub name: String,
    /// The WebSocket address (RIPE's public service by default).
    #[serde(default = "default_ris_url")]
    pub url: String,
    /// The subscription's filters: `host` (`rrc00`), `prefixes`,
    /// `more_specific`, `peer`, `type`.
    #[serde(default)]
    pub filters: feed::rislive::Filters,
    /// Ask for each message's original bytes (they carry every
    /// attribute).
    #[serde(default)]
    pub include_raw: bool,
}

/// GoBGP's default BMP port.
fn default_bmp_listen() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 11019))
}

fn default_bgp_listen() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::UNSPECIFIED, 179))
}

fn default_hold_time() -> u16 {
    90
}

fn default_ris_url() -> String {
    feed::rislive::RisLiveConfig::default().url
}

/// `[[live.archive]]`: a public archive's files, pulled as they are
/// published.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchiveSource {
    /// Its name on `/api/v1/sources` and in metrics.
    pub name: String,
    /// The collector (`route-views2`, `route-views.jinx`, `rrc00`, ...).
    pub collector: String,
    /// A mirror laid out like the archive, instead of its public address.
    #[serde(default)]
    pub base: Option<String>,
    /// Where downloaded files are kept.
    #[serde(default = "default_cache")]
    pub cache: std::path::PathBuf,
    /// Seconds between looks for new files (the archive's update period).
    #[serde(default)]
    pub every_s: Option<u64>,
    /// Start from the table dump before this time, then every update file
    /// after it (Unix seconds or RFC 3339; default: now).
    #[serde(default)]
    pub from: Option<String>,
    /// Stop after this time (default: never).
    #[serde(default)]
    pub to: Option<String>,
    /// A file still missing this many seconds after its period ended is
    /// taken as never recorded, and skipped.
    #[serde(default = "default_lag_s")]
    pub lag_s: u64,
}

impl ArchiveSource {
    /// The collector and the address its archive is read from.
    pub fn collector(&self) -> Result<feed::fetch::Collector, String> {
        let collector = feed::fetch::Collector::named(&self.collector)
            .map_err(|e| format!("[[live.archive]] {:?}: {e}\n", self.name))?;
        Ok(match &self.base {
            Some(base) => collector.with_base(base),
            None => collector,
        })
    }

    /// `from` in Unix seconds (checked by [`LiveConfig::check`]).
    pub fn start_secs(&self) -> Option<u64> {
        self.from
            .as_deref()
            .and_then(|t| detect::parse_time(t).ok())
    }

    /// `to` in Unix seconds (checked by [`LiveConfig::check`]).
    pub fn end_secs(&self) -> Option<u64> {
        self.to.as_deref().and_then(|t| detect::parse_time(t).ok())
    }
}

fn default_cache() -> std::path::PathBuf {
    std::path::PathBuf::from("darkwatch-cache")
}

fn default_lag_s() -> u64 {
    3_600
}
