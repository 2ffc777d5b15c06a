//! The routing state of darkwatch's pipeline: one shared route table for
//! every peer of every collector, fed [`wire::event::RouteEvent`]s in event
//! time and answering with [`Delta`]s (routes added, changed, removed;
//! prefixes becoming visible or invisible) for the signal stage.
//!
//! Definitions follow DESIGN.md: a full-feed peer holds at least 90% of the
//! prefixes of the largest table of its family; a prefix is visible when
//! more than half of the full-feed peers of its family see it. AS paths are
//! interned, so a stored route costs 8 bytes plus its share of the prefix
//! and path indexes.

mod bitset;
pub mod paths;
mod prefixes;
mod table;

pub use paths::{PathId, Paths};
pub use table::{Delta, PeerId, PeerInfo, PrefixId, Rib, RibConfig};
