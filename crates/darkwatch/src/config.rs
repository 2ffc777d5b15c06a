//! The configuration file of `darkwatch serve --config FILE` (TOML).
//! Every field is documented in `darkwatch.example.toml` at the root of
//! the repository; every field is optional; unknown keys and wrong types
//! are errors that name the line and column.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[server]`.
    pub server: ServerConfig,
    /// `[store]`.
    pub store: StoreConfig,
    /// `[limits]`: per request.
    pub limits: serve::Limits,
    /// `[alerts]`: the watch list and the webhook sinks.
    pub alerts: serve::AlertConfig,
    /// `[live]`: the live feeds and how they reach the core.
    pub live: crate::live::LiveConfig,
    /// `[detect]`: the detector's thresholds and times for the live
    /// feeds (the fields of `replay --detect FILE`).
    pub detect: detect::DetectConfig,
}

/// `[server]`: where the API listens and who may change state.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port (`127.0.0.1:8080`; loopback unless told).
    pub listen: SocketAddr,
    /// The bearer token that routes changing state require (the watch
    /// list); none: the server is read-only.
    pub token: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            token: None,
        }
    }
}

/// The token is a secret: debug output (and so any log) never shows it.
impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("listen", &self.listen)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .finish()
    }
}

/// `[store]`: the database.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// The SQLite file (`darkwatch.db`), or a PostgreSQL URL
    /// (`postgres://user@host:port/db`).
    pub path: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("darkwatch.db"),
        }
    }
}

impl Config {
    /// Reads `path`; errors name the file, line and column.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the configuration", path.display()))?;
        Config::parse(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}\n(every key is described in darkwatch.example.toml)",
                path.display(),
                e.trim_end()
            )
        })
    }

    /// Parses the text of a configuration file and checks its values.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.alerts.check()?;
        config.live.check()?;
        if config.server.token.as_deref() == Some("") {
            return Err("[server] token is empty: set a long random string, or remove the key to keep the server read-only\n".into());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_valid_and_says_the_defaults() {
        let example = include_str!("../../../darkwatch.example.toml");
        let config = Config::parse(example).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_their_line_and_column() {
        let err = Config::parse("[server]\nlisten = \"127.0.0.1:9\"\nlisen = 1\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("line 3, column 1") && text.contains("lisen"),
            "{text}"
        );
        let err = Config::parse("[store]\npath = 7\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        let err = Config::parse("[server]\nlisten = \"localhost\"\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }

    #[test]
    fn webhooks_are_checked_and_the_token_never_shows() {
        let text = "[server]\ntoken = \"hunter2-long-secret\"\n\n[alerts]\nwatch = [\"country/*\"]\n\n[[alerts.webhook]]\nname = \"ops\"\nurl = \"https://hooks.example/T1\"\nkinds = [\"outage\"]\n";
        let config = Config::parse(text).unwrap();
        assert_eq!(config.alerts.webhook[0].min_severity, "warning");
        assert!(!format!("{config:?}").contains("hunter2"));
        let err = Config::parse(&text.replace("https://", "file://")).unwrap_err();
        assert!(err.contains("`ops`") && err.contains("http://"), "{err}");
        let err = Config::parse("[server]\ntoken = \"\"\n").unwrap_err();
        assert!(err.contains("token is empty"), "{err}");
    }

    #[test]
    fn live_sources_parse_and_are_checked() {
        let text = "[live]\nbin_secs = 10\n[[live.bmp]]\nname = \"r\"\nlisten = \"127.0.0.1:0\"\n\
                    [[live.bgp]]\nname = \"b\"\nasn = 64512\nrouter_id = \"127.0.0.1\"\n\
                    neighbors = [{ addr = \"127.0.0.2\", asn = 65002 }]\n\
                    [[live.ris]]\nname = \"ris\"\nfilters = { host = \"rrc00\" }\n\
                    [detect]\ndebounce_s = 0\n";
        let config = Config::parse(text).unwrap();
        assert!(config.live.has_sources());
        assert_eq!(config.live.bgp[0].hold_time, 90);
        assert_eq!(config.live.ris[0].filters.host.as_deref(), Some("rrc00"));
        assert_eq!(config.detect.debounce_s, 0);
        let twice = "[[live.bmp]]\nname = \"x\"\n[[live.ris]]\nname = \"x\"\n";
        assert!(Config::parse(twice)
            .unwrap_err()
            .contains("two sources are named \"x\""));
        let lonely =
            "[[live.bgp]]\nname = \"b\"\nasn = 1\nrouter_id = \"127.0.0.1\"\nneighbors = []\n";
        assert!(Config::parse(lonely).unwrap_err().contains("no neighbors"));
        let unknown = "[[live.archive]]\nname = \"a\"\ncollector = \"rrc99\"\n";
        assert!(Config::parse(unknown)
            .unwrap_err()
            .contains("unknown collector \"rrc99\""));
        let when = "[[live.archive]]\nname = \"a\"\ncollector = \"rrc00\"\nfrom = \"soon\"\n";
        assert!(Config::parse(when).unwrap_err().contains("from = \"soon\""));
        let odd = "[live]\nbin_secs = 7\n";
        assert!(Config::parse(odd)
            .unwrap_err()
            .contains("does not divide a day"));
    }
}
