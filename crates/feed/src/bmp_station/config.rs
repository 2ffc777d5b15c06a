//! Settings of the BMP station, the live source routers connect to: where
//! it listens, how much it buffers, how it numbers routers.

use std::net::{Ipv4Addr, SocketAddr};

use serde::Deserialize;

/// Where the station listens and how it hands messages on.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationConfig {
    /// The address routers connect to.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Messages the channel holds before the routers' sockets stop being
    /// read (TCP then slows the routers down).
    #[serde(default = "default_channel_capacity")]
    pub channel_capacity: usize,
    /// The collector index of the first router to connect; the next ones
    /// count up from it. Lower indexes are left to other sources.
    #[serde(default)]
    pub first_router: u16,
    /// Disconnected routers whose statistics are kept, the latest ones,
    /// so a router that reconnects often does not fill memory.
    #[serde(default = "default_retain_closed")]
    pub retain_closed: usize,
}

/// GoBGP's default BMP port.
fn default_listen() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::UNSPECIFIED, 11019))
}

fn default_channel_capacity() -> usize {
    1_024
}

fn default_retain_closed() -> usize {
    64
}

impl Default for StationConfig {
    fn default() -> StationConfig {
        StationConfig {
            listen: default_listen(),
            channel_capacity: default_channel_capacity(),
            first_router: 0,
            retain_closed: default_retain_closed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_fills_defaults_and_rejects_unknown_fields() {
        let c: StationConfig =
            serde_json::from_str(r#"{"listen": "127.0.0.1:5000", "first_router": 10}"#).unwrap();
        assert_eq!(c.listen, "127.0.0.1:5000".parse().unwrap());
        assert_eq!(c.first_router, 10);
        assert_eq!(c.channel_capacity, 1_024);
        assert!(serde_json::from_str::<StationConfig>(r#"{"port": 5000}"#).is_err());
    }
}
