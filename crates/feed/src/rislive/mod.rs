//! RIS Live: RIPE's WebSocket stream of the BGP messages its collectors
//! receive, as JSON. A source at the edge of the pipeline like the MRT
//! archives: its UPDATEs are turned back into BGP UPDATE bytes, so they
//! reach the route table through the same `wire` decoder as MRT and BMP,
//! and the stream's drops are reported as gaps (routes unknown, not
//! withdrawn).
//!
//! [`protocol`] reads and writes the JSON messages, [`to_update`] turns a
//! `ris_message` into UPDATE bytes or a peer state, and [`client`] keeps a
//! subscription open and hands what it reads to a bounded channel.

pub mod client;
pub mod protocol;
pub mod to_update;

pub use client::{
    run, spawn, Backoff, ClientStats, LiveFeed, LiveMessage, LivePeer, RisLiveConfig, StatsSnapshot,
};
pub use protocol::{parse, Filters, ParseError, RisMessage, ServerMessage};
pub use to_update::{convert, ConvertError, Converted, PeerChange};
