//! The RIRs' delegated-extended statistics format, one row at a time:
//! `registry|cc|type|start|value|date|status[|opaque-id[|extensions]]`,
//! after a version header, `*|summary` lines and `#` comments.
//!
//! Parsing works on `&str` lines and any `BufRead`, never on paths, so it
//! can be fuzzed; a bad row becomes a [`RowError`] and the rest of the file
//! is still read.

use std::io::{self, BufRead};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;

use wire::prefix::Prefix;

use crate::country::Country;
use crate::error::{RowError, RowErrorKind};

/// At most this many row errors are kept per file (all are counted): a
/// file of garbage must not turn into unbounded memory.
pub const MAX_KEPT_ERRORS: usize = 1000;

/// The status of a delegation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Allocated to a LIR / ISP.
    Allocated,
    /// Assigned to an end user.
    Assigned,
    /// Free in the registry's pool (skipped: it belongs to no country).
    Available,
    /// Held back by the registry (skipped, same reason).
    Reserved,
}

impl Status {
    fn parse(s: &str) -> Option<Status> {
        // Registries write these in lower case; accept any case since the
        // meaning is unambiguous.
        [
            ("allocated", Status::Allocated),
            ("assigned", Status::Assigned),
            ("available", Status::Available),
            ("reserved", Status::Reserved),
        ]
        .into_iter()
        .find(|(name, _)| s.eq_ignore_ascii_case(name))
        .map(|(_, st)| st)
    }

    /// True for the statuses whose rows say which country holds the block.
    pub fn is_delegated(self) -> bool {
        matches!(self, Status::Allocated | Status::Assigned)
    }
}

/// The number resource of one row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// `count` IPv4 addresses from `start` (a count, not a prefix length,
    /// and not always a power of two: see [`ipv4_blocks`]).
    Ipv4 {
        /// First address.
        start: Ipv4Addr,
        /// Number of addresses, at least 1.
        count: u32,
    },
    /// An IPv6 prefix (the value field is its length).
    Ipv6 {
        /// First address, no bits after `len`.
        start: Ipv6Addr,
        /// Prefix length.
        len: u8,
    },
    /// `count` AS numbers from `first`.
    Asn {
        /// First AS number.
        first: u32,
        /// Number of AS numbers, at least 1.
        count: u32,
    },
}

/// One delegation row that is kept (allocated or assigned).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The registry name as written (`apnic`, `ripencc`, ...).
    pub registry: &'a str,
    /// The country the registry gives.
    pub country: Country,
    /// What was delegated.
    pub resource: Resource,
    /// Allocated or assigned.
    pub status: Status,
}

/// What one line of a delegated file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// Empty or a `#` comment.
    Comment,
    /// The version header (`2.3|apnic|20181014|...`).
    Header,
    /// A `registry|*|type|*|count|summary` line.
    Summary,
    /// A row with status available or reserved.
    Skipped(Status),
    /// A delegation.
    Record(Record<'a>),
}

/// Parses one line (without its line break; a trailing `\r` is ignored).
pub fn parse_line(line: &str) -> Result<Line<'_>, RowErrorKind> {
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.trim().is_empty() || line.starts_with('#') {
        return Ok(Line::Comment);
    }
    let mut fields = [""; 7];
    let mut found = 0;
    for (slot, field) in fields.iter_mut().zip(line.split('|')) {
        *slot = field;
        found += 1;
    }
    let [registry, cc, kind, start, value, _date, status] = fields;
    // The header's first field is the format version ("2", "2.3"); no
    // registry name starts with a digit.
    if found >= 6 && registry.starts_with(|c: char| c.is_ascii_digit()) {
        return Ok(Line::Header);
    }
    if cc == "*" && found >= 6 && fields.get(5) == Some(&"summary") {
        return Ok(Line::Summary);
    }
    if found < 7 {
        return Err(RowErrorKind::TooFewFields { found });
    }
    let status = Status::parse(status).ok_or(RowErrorKind::UnknownStatus)?;
    if !status.is_delegated() {
        // Checked before the other fields: such rows often have an empty or
        // `ZZ` country, which is not an error for them.
        return Ok(Line::Skipped(status));
    }
    let country = Country::new(cc.as_bytes()).ok_or(RowErrorKind::BadCountry)?;
    let resource = if kind.eq_ignore_ascii_case("ipv4") {
        let start: Ipv4Addr = start.parse().map_err(|_| RowErrorKind::BadStart)?;
        let count = parse_positive(value)?;
        let last = u64::from(u32::from(start)) + u64::from(count) - 1;
        if last > u64::from(u32::MAX) {
            return Err(RowErrorKind::OutOfRange);
        }
        Resource::Ipv4 { start, count }
    } else if kind.eq_ignore_ascii_case("ipv6") {
        let start: Ipv6Addr = start.parse().map_err(|_| RowErrorKind::BadStart)?;
        let len: u8 = value.parse().map_err(|_| RowErrorKind::BadValue)?;
        if len > 128 {
            return Err(RowErrorKind::OutOfRange);
        }
        if u128::from(start) & !mask_u128(len) != 0 {
            return Err(RowErrorKind::Misaligned);
        }
        Resource::Ipv6 { start, len }
    } else if kind.eq_ignore_ascii_case("asn") {
        let first: u32 = start.parse().map_err(|_| RowErrorKind::BadStart)?;
        let count = parse_positive(value)?;
        if u64::from(first) + u64::from(count) - 1 > u64::from(u32::MAX) {
            return Err(RowErrorKind::OutOfRange);
        }
        Resource::Asn { first, count }
    } else {
        return Err(RowErrorKind::UnknownType);
    };
    Ok(Line::Record(Record {
        registry,
        country,
        resource,
        status,
    }))
}

fn parse_positive(value: &str) -> Result<u32, RowErrorKind> {
    match value.parse::<u32>() {
        Ok(0) => Err(RowErrorKind::BadValue),
        Ok(n) => Ok(n),
        // A count of 2^32 (all of IPv4) does not fit and is not a real
        // delegation either.
        Err(_) => Err(RowErrorKind::BadValue),
    }
}

/// The network mask of an IPv6 prefix length as a number.
pub(crate) fn mask_u128(len: u8) -> u128 {
    match len {
        0 => 0,
        l if l >= 128 => u128::MAX,
        l => u128::MAX << (128 - u32::from(l)),
    }
}

/// What reading one delegated file gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParseReport {
    /// The file, when read from one.
    pub source: Option<Arc<Path>>,
    /// Lines read.
    pub lines: u64,
    /// IPv4 delegations kept.
    pub ipv4: u64,
    /// IPv6 delegations kept.
    pub ipv6: u64,
    /// ASN delegations kept.
    pub asn: u64,
    /// Rows skipped for status available or reserved.
    pub skipped: u64,
    /// Bad rows, all counted here.
    pub error_count: u64,
    /// The first [`MAX_KEPT_ERRORS`] bad rows.
    pub errors: Vec<RowError>,
}

impl ParseReport {
    /// Delegations kept, all types.
    pub fn records(&self) -> u64 {
        self.ipv4 + self.ipv6 + self.asn
    }
}

/// Reads every line of `reader`, hands each kept record to `on_record`, and
/// reports counts and bad rows. Only an I/O failure stops it.
pub fn read_records<R: BufRead>(
    mut reader: R,
    source: Option<Arc<Path>>,
    mut on_record: impl FnMut(&Record<'_>),
) -> io::Result<ParseReport> {
    let mut report = ParseReport {
        source,
        ..ParseReport::default()
    };
    let mut buf = Vec::with_capacity(128);
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        report.lines += 1;
        let bytes = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let parsed = match core::str::from_utf8(bytes) {
            Ok(text) => parse_line(text),
            Err(_) => Err(RowErrorKind::NotUtf8),
        };
        match parsed {
            Ok(Line::Record(record)) => {
                match record.resource {
                    Resource::Ipv4 { .. } => report.ipv4 += 1,
                    Resource::Ipv6 { .. } => report.ipv6 += 1,
                    Resource::Asn { .. } => report.asn += 1,
                }
                on_record(&record);
            }
            Ok(Line::Skipped(_)) => report.skipped += 1,
            Ok(Line::Comment | Line::Header | Line::Summary) => {}
            Err(kind) => {
                report.error_count += 1;
                if report.errors.len() < MAX_KEPT_ERRORS {
                    report.errors.push(RowError {
                        source: report.source.clone(),
                        line: report.lines,
                        kind,
                    });
                }
            }
        }
    }
    Ok(report)
}

/// The CIDR blocks that exactly cover `count` IPv4 addresses from `start`,
/// in address order: the largest aligned block that fits, repeatedly. A
/// count of 768 from 196.4.163.0 is 196.4.163.0/24 + 196.4.164.0/23.
pub fn ipv4_blocks(start: Ipv4Addr, count: u32) -> Ipv4Blocks {
    let next = u64::from(u32::from(start));
    // Clamp so the iterator never walks past 255.255.255.255.
    let remaining = u64::from(count).min((1u64 << 32) - next);
    Ipv4Blocks { next, remaining }
}

/// Iterator returned by [`ipv4_blocks`].
#[derive(Clone, Debug)]
pub struct Ipv4Blocks {
    next: u64,
    remaining: u64,
}

impl Iterator for Ipv4Blocks {
    type Item = Prefix;

    fn next(&mut self) -> Option<Prefix> {
        if self.remaining == 0 {
            return None;
        }
        let align_bits = if self.next == 0 {
            32
        } else {
            self.next.trailing_zeros().min(32)
        };
        let fit_bits = 63 - self.remaining.leading_zeros();
        let bits = align_bits.min(fit_bits);
        let addr = Ipv4Addr::from(u32::try_from(self.next).ok()?);
        // bits <= 32, so the length is in 0..=32.
        let prefix = Prefix::v4(addr, 32 - bits as u8)?;
        self.next += 1u64 << bits;
        self.remaining -= 1u64 << bits;
        Some(prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_north_korean_row() {
        let line = "apnic|KP|ipv4|175.45.176.0|1024|20091221|allocated|A9183010";
        let Ok(Line::Record(r)) = parse_line(line) else {
            panic!("not a record")
        };
        assert_eq!(r.registry, "apnic");
        assert_eq!(r.country.to_string(), "KP");
        assert_eq!(
            r.resource,
            Resource::Ipv4 {
                start: Ipv4Addr::new(175, 45, 176, 0),
                count: 1024
            }
        );
        assert_eq!(r.status, Status::Allocated);
    }

    #[test]
    fn header_summary_comment_and_skips() {
        assert_eq!(
            parse_line("2.3|apnic|20181014|113050||20181012|+1000"),
            Ok(Line::Header)
        );
        assert_eq!(
            parse_line("apnic|*|ipv4|*|41684|summary"),
            Ok(Line::Summary)
        );
        assert_eq!(parse_line("# CONDITIONS OF USE"), Ok(Line::Comment));
        assert_eq!(parse_line(""), Ok(Line::Comment));
        assert_eq!(
            parse_line("lacnic||ipv4|24.152.0.0|32768||reserved|"),
            Ok(Line::Skipped(Status::Reserved))
        );
        assert_eq!(
            parse_line("ripencc|ZZ|ipv6|2001:678:4::|48||available"),
            Ok(Line::Skipped(Status::Available))
        );
    }

    #[test]
    fn bad_rows_say_why() {
        assert_eq!(
            parse_line("apnic|KP|ipv4|175.45.176.0"),
            Err(RowErrorKind::TooFewFields { found: 4 })
        );
        assert_eq!(
            parse_line("apnic|KP|ipv4|175.45.176.0|1024|20091221|stolen"),
            Err(RowErrorKind::UnknownStatus)
        );
        assert_eq!(
            parse_line("apnic|KP|ipx|175.45.176.0|1024|20091221|allocated"),
            Err(RowErrorKind::UnknownType)
        );
        assert_eq!(
            parse_line("apnic|K|ipv4|175.45.176.0|1024|20091221|allocated"),
            Err(RowErrorKind::BadCountry)
        );
        assert_eq!(
            parse_line("apnic|KP|ipv4|175.45.176|1024|20091221|allocated"),
            Err(RowErrorKind::BadStart)
        );
        assert_eq!(
            parse_line("apnic|KP|ipv4|175.45.176.0|0|20091221|allocated"),
            Err(RowErrorKind::BadValue)
        );
        assert_eq!(
            parse_line("apnic|KP|ipv4|255.255.255.0|257|20091221|allocated"),
            Err(RowErrorKind::OutOfRange)
        );
        assert_eq!(
            parse_line("apnic|KP|ipv6|2001:db8::1|32|20091221|allocated"),
            Err(RowErrorKind::Misaligned)
        );
        assert_eq!(
            parse_line("apnic|KP|ipv6|2001:db8::|129|20091221|allocated"),
            Err(RowErrorKind::OutOfRange)
        );
        assert_eq!(
            parse_line("apnic|KP|asn|4294967295|2|20091221|allocated"),
            Err(RowErrorKind::OutOfRange)
        );
    }

    #[test]
    fn non_power_of_two_counts_become_cidr_blocks() {
        let blocks: Vec<String> = ipv4_blocks(Ipv4Addr::new(196, 4, 163, 0), 768)
            .map(|p| p.to_string())
            .collect();
        assert_eq!(blocks, ["196.4.163.0/24", "196.4.164.0/23"]);
        let blocks: Vec<String> = ipv4_blocks(Ipv4Addr::new(10, 0, 0, 0), 1280)
            .map(|p| p.to_string())
            .collect();
        assert_eq!(blocks, ["10.0.0.0/22", "10.0.4.0/24"]);
        let blocks: Vec<String> = ipv4_blocks(Ipv4Addr::new(0, 0, 0, 0), u32::MAX)
            .map(|p| p.to_string())
            .collect();
        assert_eq!(blocks.len(), 32);
        assert_eq!(blocks[0], "0.0.0.0/1");
        assert_eq!(blocks[31], "255.255.255.254/32");
        let one: Vec<String> = ipv4_blocks(Ipv4Addr::new(255, 255, 255, 255), 1)
            .map(|p| p.to_string())
            .collect();
        assert_eq!(one, ["255.255.255.255/32"]);
    }

    #[test]
    fn reader_reports_line_numbers_and_keeps_going() {
        let text = b"2|test|1|3|0|0|+0000\n# c\nx|KP|ipv4|1.2.3.0|256|0|allocated\nx|KP|ipv4|1.2.3.0|256|0|bogus\n\xff\xfe\nx|KP|asn|7|1|0|assigned\n";
        let mut seen = 0;
        let report = read_records(&text[..], None, |_| seen += 1).unwrap();
        assert_eq!(seen, 2);
        assert_eq!(report.lines, 6);
        assert_eq!(report.ipv4, 1);
        assert_eq!(report.asn, 1);
        assert_eq!(report.error_count, 2);
        assert_eq!(report.errors[0].line, 4);
        assert_eq!(report.errors[0].kind, RowErrorKind::UnknownStatus);
        assert_eq!(report.errors[1].line, 5);
        assert_eq!(report.errors[1].kind, RowErrorKind::NotUtf8);
        assert_eq!(
            report.errors[0].to_string(),
            "line 4: status is not allocated, assigned, available or reserved"
        );
    }
}
