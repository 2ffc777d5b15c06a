//! Which archive files cover a time range: table dumps and update files
//! named by their start time in UTC, as the layouts in [`super::Collector`]
//! publish them. Pure arithmetic on event time, no I/O: the download is
//! [`super::fetch()`]'s business.

use std::path::PathBuf;

use super::layout::{Archive, Collector};

/// Which kinds of files to plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Table dumps only.
    Ribs,
    /// Update files only.
    Updates,
    /// Both.
    Both,
}

/// What one archive file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// A table dump (RouteViews `rib.*`, RIS `bview.*`).
    Rib,
    /// An update file (`updates.*`).
    Updates,
}

/// One file of a public archive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteFile {
    /// Where the archive serves it.
    pub url: String,
    /// Where it goes under a download folder: the collector's name, then
    /// the archive's own path (so several collectors share one cache).
    pub local_relative_path: PathBuf,
    /// Its start time, Unix seconds UTC (the time in its name).
    pub time: u64,
    /// Table dump or updates.
    pub kind: FileKind,
}

/// The files of `collector` covering `from..=to` (Unix seconds): every
/// update file whose 5 or 15 minutes overlap the range, and every table
/// dump inside it plus the last one at or before `from`, which is the
/// state the updates start from. Table dumps come first, each kind in
/// time order; nothing when `from > to`.
pub fn plan(collector: &Collector, from: u64, to: u64, kind: Kind) -> Vec<RemoteFile> {
    if from > to {
        return Vec::new();
    }
    let archive = collector.archive();
    let kinds: &[FileKind] = match kind {
        Kind::Ribs => &[FileKind::Rib],
        Kind::Updates => &[FileKind::Updates],
        Kind::Both => &[FileKind::Rib, FileKind::Updates],
    };
    let mut files = Vec::new();
    for &kind in kinds {
        let period = match kind {
            FileKind::Rib => archive.rib_period(),
            FileKind::Updates => archive.updates_period(),
        };
        let mut time = from - from % period;
        while time <= to {
            files.push(remote_file(collector, kind, time));
            time += period;
        }
    }
    files
}

/// The file of `kind` that starts at `time`.
fn remote_file(collector: &Collector, kind: FileKind, time: u64) -> RemoteFile {
    let t = Utc::of(time);
    let month = format!("{:04}.{:02}", t.year, t.month);
    let stamp = format!(
        "{:04}{:02}{:02}.{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    );
    let path = match (collector.archive(), kind) {
        (Archive::RouteViews, FileKind::Rib) => format!("bgpdata/{month}/RIBS/rib.{stamp}.bz2"),
        (Archive::RouteViews, FileKind::Updates) => {
            format!("bgpdata/{month}/UPDATES/updates.{stamp}.bz2")
        }
        (Archive::Ris, FileKind::Rib) => format!("{month}/bview.{stamp}.gz"),
        (Archive::Ris, FileKind::Updates) => format!("{month}/updates.{stamp}.gz"),
    };
    RemoteFile {
        url: format!("{}/{}{path}", collector.base(), collector.folder()),
        local_relative_path: PathBuf::from(collector.name()).join(path),
        time,
        kind,
    }
}

/// A UTC calendar time to the minute.
struct Utc {
    year: i64,
    month: u32,
    day: u32,
    hour: u64,
    minute: u64,
}

impl Utc {
    /// The calendar time of Unix seconds `secs` (days to civil date after
    /// Howard Hinnant's algorithm, exact for the proleptic Gregorian
    /// calendar), so that naming files needs no date crate.
    fn of(secs: u64) -> Utc {
        let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2) + 719_468;
        let era = days.div_euclid(146_097);
        let doe = days.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        let rest = secs % 86_400;
        Utc {
            year,
            month,
            day,
            hour: rest / 3600,
            minute: rest % 3600 / 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates_match_known_instants() {
        for (secs, want) in [
            (0, (1970, 1, 1, 0, 0)),
            (951_782_400, (2000, 2, 29, 0, 0)),
            (1_401_493_500, (2014, 5, 30, 23, 45)),
            (1_709_251_199, (2024, 2, 29, 23, 59)),
        ] {
            let t = Utc::of(secs);
            assert_eq!((t.year, t.month, t.day, t.hour, t.minute), want, "{secs}");
        }
    }
}
