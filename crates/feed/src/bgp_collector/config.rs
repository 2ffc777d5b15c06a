//! Settings of the passive BGP collector, the live source at the edge of
//! the pipeline that routers peer with: where it listens, who it is, and
//! which neighbors it accepts.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::Deserialize;

/// Where the collector listens, how it introduces itself and whom it
/// accepts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorConfig {
    /// The address neighbors connect to.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Our AS number, sent in the OPEN (as AS_TRANS beside the 4-octet AS
    /// capability when above 65535, RFC 6793 §4.1).
    pub asn: u32,
    /// Our BGP identifier.
    pub router_id: Ipv4Addr,
    /// The hold time we propose, in seconds: 0 (no keepalives, no hold
    /// timer) or at least 3 (RFC 4271 §4.2).
    #[serde(default = "default_hold_time")]
    pub hold_time: u16,
    /// Messages the channel holds before the neighbors' sockets stop being
    /// read (TCP then slows the neighbors down).
    #[serde(default = "default_channel_capacity")]
    pub channel_capacity: usize,
    /// The only speakers a session is accepted from.
    pub neighbors: Vec<NeighborConfig>,
}

/// One neighbor the collector accepts a session from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeighborConfig {
    /// The address its connection comes from.
    pub addr: IpAddr,
    /// The AS number its OPEN must carry.
    pub asn: u32,
    /// The collector index its route events carry, distinct from the
    /// indexes of BMP routers and other sources.
    pub collector: u16,
}

/// The BGP port (RFC 4271 §8.2.1); binding it needs privileges.
fn default_listen() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::UNSPECIFIED, 179))
}

/// The hold time RFC 4271 §10 suggests.
fn default_hold_time() -> u16 {
    90
}

fn default_channel_capacity() -> usize {
    1_024
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_fills_defaults_and_rejects_unknown_fields() {
        let c: CollectorConfig = serde_json::from_str(
            r#"{"asn": 64512, "router_id": "192.0.2.1",
                "neighbors": [{"addr": "127.0.0.2", "asn": 4837, "collector": 7}]}"#,
        )
        .unwrap();
        assert_eq!(c.listen.port(), 179);
        assert_eq!(c.hold_time, 90);
        assert_eq!(c.neighbors[0].collector, 7);
        assert!(serde_json::from_str::<CollectorConfig>(
            r#"{"asn": 1, "router_id": "192.0.2.1", "neighbors": [], "port": 5}"#
        )
        .is_err());
    }
}
