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
}

/// `[server]`: where the API listens.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address and port (`127.0.0.1:8080`; loopback unless told).
    pub listen: SocketAddr,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        }
    }
}

/// `[store]`: the database.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// The SQLite file (`darkwatch.db`).
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
                "{}: {e}(every key is described in darkwatch.example.toml)",
                path.display()
            )
        })
    }

    /// Parses the text of a configuration file.
    pub fn parse(text: &str) -> Result<Config, toml::de::Error> {
        toml::from_str(text)
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
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = Config::parse("[server]\nlisten = \"localhost\"\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }
}
