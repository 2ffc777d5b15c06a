//! The live feeds of `darkwatch serve`: the sources at the edge of the
//! pipeline (BMP listeners, passive BGP neighbors, RIS Live) run on the
//! async runtime and hand their messages through one bounded queue to a
//! thread that owns the deterministic core. That thread decodes them into
//! route events stamped with their arrival time, applies them to the
//! route table the API reads, lets time pass when the feeds are quiet, and
//! writes rows, events and alerts to the store as soon as the core hands
//! them on.

mod archive;
mod config;
mod ingest;
mod run;
mod sources;
#[cfg(test)]
mod tests;

pub use config::LiveConfig;
pub use run::start;
