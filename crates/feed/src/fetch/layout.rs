//! Where the public archives keep their files: the two layouts (RouteViews,
//! RIPE RIS), their cadences and the collectors each one knows. This is the
//! naming half of the archive source; [`super::plan()`] turns it into URLs
//! and [`super::fetch()`] brings the files home.

use std::fmt;

/// One of the two public archive layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Archive {
    /// University of Oregon RouteViews: `{collector}/bgpdata/YYYY.MM/RIBS/rib.YYYYMMDD.HHMM.bz2`
    /// every 2 hours, `…/UPDATES/updates.YYYYMMDD.HHMM.bz2` every 15 minutes.
    RouteViews,
    /// RIPE NCC RIS: `rrcNN/YYYY.MM/bview.YYYYMMDD.HHMM.gz` every 8 hours,
    /// `rrcNN/YYYY.MM/updates.YYYYMMDD.HHMM.gz` every 5 minutes.
    Ris,
}

impl Archive {
    /// The public archive's address.
    pub fn default_base(self) -> &'static str {
        match self {
            Archive::RouteViews => "https://archive.routeviews.org",
            Archive::Ris => "https://data.ris.ripe.net",
        }
    }

    /// Seconds between two table dumps (aligned to midnight UTC).
    pub fn rib_period(self) -> u64 {
        match self {
            Archive::RouteViews => 2 * 3600,
            Archive::Ris => 8 * 3600,
        }
    }

    /// Seconds covered by one update file (aligned to midnight UTC).
    pub fn updates_period(self) -> u64 {
        match self {
            Archive::RouteViews => 15 * 60,
            Archive::Ris => 5 * 60,
        }
    }

    /// The collectors this archive publishes.
    pub fn collectors(self) -> &'static [&'static str] {
        match self {
            Archive::RouteViews => ROUTEVIEWS_COLLECTORS,
            Archive::Ris => RIS_COLLECTORS,
        }
    }
}

/// RouteViews collectors. `route-views2` is the archive's root; every other
/// one has a folder named after it.
pub const ROUTEVIEWS_COLLECTORS: &[&str] = &[
    "route-views2",
    "route-views3",
    "route-views4",
    "route-views5",
    "route-views6",
    "route-views7",
    "route-views8",
    "route-views.amsix",
    "route-views.bdix",
    "route-views.bknix",
    "route-views.chicago",
    "route-views.chile",
    "route-views.eqix",
    "route-views.flix",
    "route-views.fortaleza",
    "route-views.gixa",
    "route-views.gorex",
    "route-views.isc",
    "route-views.jinx",
    "route-views.kixp",
    "route-views.linx",
    "route-views.mwix",
    "route-views.napafrica",
    "route-views.nwax",
    "route-views.ny",
    "route-views.perth",
    "route-views.peru",
    "route-views.phoix",
    "route-views.rio",
    "route-views.saopaulo",
    "route-views.sfmix",
    "route-views.sg",
    "route-views.soxrs",
    "route-views.sydney",
    "route-views.telxatl",
    "route-views.uaeix",
    "route-views.wide",
];

/// RIPE RIS collectors, retired ones included: their archives stay online.
pub const RIS_COLLECTORS: &[&str] = &[
    "rrc00", "rrc01", "rrc02", "rrc03", "rrc04", "rrc05", "rrc06", "rrc07", "rrc08", "rrc09",
    "rrc10", "rrc11", "rrc12", "rrc13", "rrc14", "rrc15", "rrc16", "rrc18", "rrc19", "rrc20",
    "rrc21", "rrc22", "rrc23", "rrc24", "rrc25", "rrc26",
];

/// A collector of a public archive, and the address its archive is read
/// from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collector {
    name: &'static str,
    archive: Archive,
    base: String,
}

impl Collector {
    /// The collector called `name`, read from its archive's public address.
    pub fn named(name: &str) -> Result<Collector, UnknownCollector> {
        [Archive::RouteViews, Archive::Ris]
            .into_iter()
            .find_map(|archive| {
                let known = archive.collectors().iter().find(|c| **c == name)?;
                Some(Collector {
                    name: known,
                    archive,
                    base: archive.default_base().to_owned(),
                })
            })
            .ok_or_else(|| UnknownCollector(name.to_owned()))
    }

    /// The same collector read from another address (a mirror, or a
    /// loopback server in tests) laid out like the archive.
    pub fn with_base(mut self, base: &str) -> Collector {
        self.base = base.trim_end_matches('/').to_owned();
        self
    }

    /// The collector's name, e.g. `route-views.jinx`, `rrc06`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The archive layout it is published in.
    pub fn archive(&self) -> Archive {
        self.archive
    }

    /// The address of the archive, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The collector's folder under the base, with a trailing `/` (empty
    /// for `route-views2`, which RouteViews keeps at the root).
    pub(super) fn folder(&self) -> String {
        if self.name == "route-views2" {
            String::new()
        } else {
            format!("{}/", self.name)
        }
    }
}

/// A collector name neither archive knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownCollector(pub String);

impl fmt::Display for UnknownCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown collector {:?}: give one of the RouteViews collectors ({}) or the RIPE RIS collectors ({})",
            self.0,
            ROUTEVIEWS_COLLECTORS.join(", "),
            RIS_COLLECTORS.join(", ")
        )
    }
}

impl std::error::Error for UnknownCollector {}
