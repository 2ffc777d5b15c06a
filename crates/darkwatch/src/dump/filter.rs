//! Entry filters of `dump`: by peer address, by prefix (exact, covering,
//! more specific) and by AS (peer or anywhere in the path). Each kind given
//! must match; several values of one kind are alternatives.

use std::net::IpAddr;

use clap::ValueEnum;
use wire::entry::Entry;
use wire::Prefix;

/// How a `--prefix` value matches an entry's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PrefixMatch {
    /// The same prefix.
    Exact,
    /// The entry's prefix covers the given one (equal or less specific).
    Covering,
    /// The entry's prefix is inside the given one (equal or more specific).
    MoreSpecific,
    /// Either covering or more specific.
    Related,
}

/// The filters of one run.
pub struct Filter {
    peers: Vec<IpAddr>,
    prefixes: Vec<Prefix>,
    prefix_match: PrefixMatch,
    asns: Vec<u32>,
}

impl Filter {
    /// A filter from the command-line values; empty lists match everything.
    pub fn new(
        peers: &[IpAddr],
        prefixes: &[Prefix],
        prefix_match: PrefixMatch,
        asns: &[u32],
    ) -> Filter {
        Filter {
            peers: peers.to_vec(),
            prefixes: prefixes.iter().map(Prefix::masked).collect(),
            prefix_match,
            asns: asns.to_vec(),
        }
    }

    /// True when `entry` passes every filter given.
    pub fn accepts(&self, entry: &Entry<'_, '_>) -> bool {
        self.peer_ok(entry) && self.prefix_ok(entry) && self.asn_ok(entry)
    }

    fn peer_ok(&self, entry: &Entry<'_, '_>) -> bool {
        self.peers.is_empty() || entry.peer_ip.is_some_and(|ip| self.peers.contains(&ip))
    }

    fn prefix_ok(&self, entry: &Entry<'_, '_>) -> bool {
        if self.prefixes.is_empty() {
            return true;
        }
        let Some(prefix) = entry.prefix.map(|p| p.masked()) else {
            return false;
        };
        self.prefixes.iter().any(|wanted| match self.prefix_match {
            PrefixMatch::Exact => prefix == *wanted,
            PrefixMatch::Covering => prefix.covers(wanted),
            PrefixMatch::MoreSpecific => wanted.covers(&prefix),
            PrefixMatch::Related => prefix.covers(wanted) || wanted.covers(&prefix),
        })
    }

    fn asn_ok(&self, entry: &Entry<'_, '_>) -> bool {
        if self.asns.is_empty() || self.asns.contains(&entry.peer_asn) {
            return true;
        }
        entry
            .attrs
            .and_then(|a| a.path())
            .is_some_and(|path| path.asns().any(|asn| self.asns.contains(&asn)))
    }
}
