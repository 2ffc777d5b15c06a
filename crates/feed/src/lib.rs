//! darkwatch's sources: where bytes come from and how they become MRT
//! records. This first stage knows archive files (plain or compressed, any
//! of gzip, bzip2, xz, zstd, told apart by their magic bytes) and reads them
//! as a stream of records with every damaged one reported, never a reason to
//! stop; and it replays sets of archives as one stream of route events in
//! event-time order (table dumps first, then updates merged across files
//! and collectors).

mod accept;
pub mod archive;
pub mod bgp_collector;
pub mod bmp_station;
pub mod fetch;
mod framing;
pub mod records;
pub mod replay;
pub mod rislive;

pub use archive::{Compression, OpenError};
pub use records::{Damage, DamageKind, MrtReader, RecordAt};
pub use replay::{
    collector_of, replay, replay_with_progress, Progress, ReplayInput, ReplaySummary,
};
