//! The progress line of a replay on stderr: share of the archives' bytes
//! read, bytes and records per second, files done. It is drawn only on a
//! terminal, at most a few times a second, and cleared at the end, so
//! that logs and pipes get the summary alone.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use feed::Progress;

/// Width of the bar in characters.
const BAR: usize = 24;

/// Time between two redraws.
const REDRAW: Duration = Duration::from_millis(200);

/// A progress line, or nothing when stderr is not a terminal.
pub struct ProgressLine {
    start: Instant,
    last: Option<Instant>,
    enabled: bool,
}

impl ProgressLine {
    /// A line drawn when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> ProgressLine {
        ProgressLine {
            start: Instant::now(),
            last: None,
            enabled: wanted && std::io::stderr().is_terminal(),
        }
    }

    /// Redraws the line, unless it was drawn moments ago.
    pub fn update(&mut self, progress: &Progress) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self.last.is_some_and(|t| now.duration_since(t) < REDRAW) {
            return;
        }
        self.last = Some(now);
        let text = line(progress, now.duration_since(self.start));
        // A progress line that cannot be written is not worth an error.
        let _ = write!(std::io::stderr(), "\r{text}\x1b[K");
    }

    /// Clears the line.
    pub fn finish(&mut self) {
        if self.enabled && self.last.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}

/// The text of the line for `progress` after `elapsed`.
pub fn line(progress: &Progress, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let share = if progress.bytes_total == 0 {
        0.0
    } else {
        (progress.bytes_read as f64 / progress.bytes_total as f64).min(1.0)
    };
    let filled = (share * BAR as f64).round() as usize;
    let bar: String = (0..BAR)
        .map(|i| if i < filled { '#' } else { '-' })
        .collect();
    format!(
        "replay [{bar}] {:>3.0}%  {}/{}  {}/s  {} records  {}/s  files {}/{}",
        share * 100.0,
        bytes(progress.bytes_read as f64),
        bytes(progress.bytes_total as f64),
        bytes(progress.bytes_read as f64 / secs),
        count(progress.records as f64),
        count(progress.records as f64 / secs),
        progress.files_done,
        progress.files,
    )
}

/// `812 kB`, `38.2 MB`, `1.2 GB`.
fn bytes(n: f64) -> String {
    scaled(n, &["B", "kB", "MB", "GB", "TB"])
}

/// `950`, `12.3k`, `1.2M`.
fn count(n: f64) -> String {
    scaled(n, &["", "k", "M", "G"])
}

fn scaled(mut n: f64, units: &[&str]) -> String {
    let mut unit = 0;
    while n >= 1000.0 && unit + 1 < units.len() {
        n /= 1000.0;
        unit += 1;
    }
    let name = units.get(unit).copied().unwrap_or("");
    let sep = if name.len() > 1 || name == "B" {
        " "
    } else {
        ""
    };
    if unit == 0 {
        format!("{n:.0}{sep}{name}")
    } else {
        format!("{n:.1}{sep}{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_share_sizes_rates_and_files() {
        let p = Progress {
            files: 10,
            files_done: 3,
            bytes_total: 400_000_000,
            bytes_read: 100_000_000,
            records: 2_500_000,
        };
        assert_eq!(
            line(&p, Duration::from_secs(2)),
            "replay [######------------------]  25%  100.0 MB/400.0 MB  50.0 MB/s  \
             2.5M records  1.2M/s  files 3/10"
        );
        let empty = Progress::default();
        assert!(line(&empty, Duration::ZERO)
            .starts_with("replay [------------------------]   0%  0 B/0 B"));
    }
}
