//! darkwatch's sources: where bytes come from and how they become MRT
//! records. This first stage knows archive files (plain or compressed, any
//! of gzip, bzip2, xz, zstd, told apart by their magic bytes) and reads them
//! as a stream of records with every damaged one reported, never a reason to
//! stop.

pub mod archive;
pub mod records;

pub use archive::{Compression, OpenError};
pub use records::{Damage, DamageKind, MrtReader, RecordAt};
