//! Registry data for darkwatch: which country an address block belongs to
//! and who an AS is.
//!
//! This crate feeds the signal stage (`crates/signal`): for every route
//! event it answers "which country's /24s does this prefix cover" from the
//! Regional Internet Registries' delegated-extended files (the *entity* of
//! the country signal is the country of the registry file for the prefix's
//! address block), "which country holds this AS", and "what is this AS
//! called". It is pure and deterministic: parsers take `&str` or `BufRead`,
//! tables are immutable after building, and file reading lives in the small
//! loaders of [`load`].
//!
//! - [`delegated`]: the delegated-extended row format.
//! - [`RegistryTable`]: merged prefix/address/ASN → [`Country`] lookups and
//!   the per-country /24 (/48) split of a prefix.
//! - [`asnames`]: AS number → name and country.
//! - `embedded` (feature, on by default): the `iptocc` crate's built-in
//!   data as a default table when no file is given.
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

pub mod asnames;
pub mod country;
pub mod delegated;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod error;
pub mod load;
mod ranges;
pub mod table;

pub use asnames::{AsName, AsNames};
pub use country::Country;
pub use delegated::ParseReport;
pub use error::{LoadError, LoadErrorKind, RowError, RowErrorKind};
pub use load::{load_as_names, load_delegated_files, open_maybe_gzip};
pub use table::{RegistryTable, RegistryTableBuilder, SplitSummary, TableStats};
