//! darkwatch's wire formats: zero-copy decoding (and encoding, for tests,
//! scenarios and export) of MRT records (RFC 6396, RFC 8050) and the BGP
//! messages they carry (RFC 4271, 4760, 6793, 7911).
//!
//! This is the first stage of the pipeline: bytes in, borrowed views out.
//! No I/O, no allocation per route, no panics: every decoder returns a
//! small `Copy` [`WireError`] naming what was wrong and at which offset.
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)
)]

pub mod aspath;
pub mod attr;
pub mod bgp;
pub mod bmp;
pub mod changes;
pub mod encode;
pub mod entry;
pub mod error;
pub mod event;
pub mod mrt;
pub mod prefix;
pub mod reader;
pub mod text;

pub use error::{ErrorKind, Result, WireError};
pub use prefix::{Afi, Nlri, Prefix};
pub use reader::{AsnWidth, Reader};
