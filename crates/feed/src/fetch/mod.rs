//! The public archives as a source: which files of a RouteViews or RIPE
//! RIS collector cover a time range ([`plan()`]), and downloading them
//! into a cache folder ([`fetch()`]) from which
//! [`crate::replay`](mod@crate::replay) reads them like any local
//! archive. It sits at the edge of the pipeline, before the records: all
//! its network I/O and threads stay here.

mod download;
mod layout;
mod plan;

pub use download::{
    fetch, FetchError, FetchErrorKind, FetchOptions, FetchProgress, FileResult, Outcome,
};
pub use layout::{Archive, Collector, UnknownCollector, RIS_COLLECTORS, ROUTEVIEWS_COLLECTORS};
pub use plan::{plan, FileKind, Kind, RemoteFile};
