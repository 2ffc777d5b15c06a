//! Numbers, times, durations and entity names in plain words: the
//! vocabulary shared by the headline, the hints and the chart. Every time
//! is UTC.

use chrono::{DateTime, Utc};
use store::EntityInfo;

use crate::countries;

fn utc(secs: u64) -> Option<DateTime<Utc>> {
    i64::try_from(secs)
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

fn format(secs: u64, pattern: &str) -> String {
    utc(secs).map_or_else(|| secs.to_string(), |t| t.format(pattern).to_string())
}

/// `22 December 2014`.
pub fn date(secs: u64) -> String {
    format(secs, "%-d %B %Y")
}

/// `22 Dec`.
pub fn short_date(secs: u64) -> String {
    format(secs, "%-d %b")
}

/// `16:15` (minutes, seconds dropped).
pub fn clock(secs: u64) -> String {
    format(secs, "%H:%M")
}

/// `16:15:08`.
pub fn clock_s(secs: u64) -> String {
    format(secs, "%H:%M:%S")
}

/// `16:15 UTC on 22 December 2014`.
pub fn when(secs: u64) -> String {
    format!("{} UTC on {}", clock(secs), date(secs))
}

/// `2014-12-22T16:15:08Z`.
pub fn rfc3339(secs: u64) -> String {
    format(secs, "%Y-%m-%dT%H:%M:%SZ")
}

/// A duration as an analyst writes it: `9 h 30 min`, `45 min`, `2 days
/// 12 h`, `40 s`.
pub fn duration(secs: u64) -> String {
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) if m < 10 && s > 0 => format!("{m} min {s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => plural(d, "day"),
        (d, h, _) => format!("{} {h} h", plural(d, "day")),
    }
}

/// A duration rounded down to its largest unit: `2 days`, `5 hours`,
/// `40 minutes`.
pub fn coarse_duration(secs: u64) -> String {
    if secs >= 86_400 {
        plural(secs / 86_400, "day")
    } else if secs >= 3600 {
        plural(secs / 3600, "hour")
    } else if secs >= 60 {
        plural(secs / 60, "minute")
    } else {
        plural(secs, "second")
    }
}

/// `1 peer`, `8 peers` (with thousands separators).
pub fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", thousands(n))
    }
}

/// `1,280`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count short enough for an axis label: `950`, `9,999`, `12.5k`,
/// `3.85M`.
pub fn compact(n: u64) -> String {
    let scaled = |divisor: f64, unit: &str| {
        let text = format!("{:.2}", n as f64 / divisor);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        format!("{text}{unit}")
    };
    match n {
        0..=9_999 => thousands(n),
        10_000..=999_999 => scaled(1e3, "k"),
        _ => scaled(1e6, "M"),
    }
}

/// A share as a percentage: `100%`, `67%`, `0.4%`.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p > 0.0 && p < 1.0 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// A number without needless decimals: `4`, `3.2`, `0.125`.
pub fn number(x: f64) -> String {
    if x >= 1000.0 && x.fract() == 0.0 && x < u64::MAX as f64 {
        return thousands(x as u64);
    }
    let text = format!("{x:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// `AS4837`.
pub fn asn(n: u32) -> String {
    format!("AS{n}")
}

/// `AS9121 (67%) and AS200612 (33%)`; past three, `and N others`.
pub fn shares(upstreams: &[crate::event::UpstreamShare]) -> String {
    let mut parts: Vec<String> = upstreams
        .iter()
        .take(3)
        .map(|u| format!("{} ({})", asn(u.asn), percent(u.share)))
        .collect();
    if upstreams.len() > 3 {
        parts.push(plural(upstreams.len() as u64 - 3, "other"));
    }
    list(&parts)
}

/// `a`, `a and b`, `a, b and c`.
pub fn list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The first letter in upper case.
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What the signal counts, in words: `visible /24 blocks`.
pub fn signal_unit(signal: &str) -> &'static str {
    match signal {
        "visible_48s" => "visible IPv6 /48 blocks",
        "churn" => "routing changes per bin",
        _ => "visible IPv4 /24 blocks",
    }
}

/// An entity's names: `name` in running text (`North Korea`) and
/// `full` with its id (`North Korea (country/KP)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityName {
    /// In running text.
    pub name: String,
    /// With its id, for the first mention.
    pub full: String,
}

/// Names an entity from its id and what the store knows of it.
pub fn entity_name(id: &str, info: Option<&EntityInfo>) -> EntityName {
    let label = info
        .and_then(|i| i.label.as_deref())
        .filter(|l| !l.is_empty());
    let country = info
        .and_then(|i| i.country.as_deref())
        .map(|c| countries::name(c).map_or_else(|| c.to_owned(), str::to_owned));
    if let Some(code) = id.strip_prefix("country/") {
        let name = countries::name(code).map_or_else(|| format!("country {code}"), str::to_owned);
        return EntityName {
            full: format!("{name} ({id})"),
            name,
        };
    }
    if let Some(n) = id.strip_prefix("as/") {
        let name = match label {
            Some(l) => format!("AS{n} {l}"),
            None => format!("AS{n}"),
        };
        let full = match (country, label) {
            (Some(c), _) => format!("{name} ({id}, {c})"),
            (None, Some(_)) => format!("{name} ({id})"),
            // `AS7` says all that `as/7` would.
            (None, None) => name.clone(),
        };
        return EntityName { name, full };
    }
    if let Some(p) = id.strip_prefix("prefix/") {
        let name = match label {
            Some(l) => format!("the prefix {p} ({l})"),
            None => format!("the prefix {p}"),
        };
        return EntityName {
            full: name.clone(),
            name,
        };
    }
    if id == "world" {
        let name = "the collectors' whole view".to_owned();
        return EntityName {
            full: format!("{name} (world)"),
            name,
        };
    }
    EntityName {
        name: id.to_owned(),
        full: id.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words() {
        assert_eq!(date(1_419_264_908), "22 December 2014");
        assert_eq!(when(1_419_264_908), "16:15 UTC on 22 December 2014");
        assert_eq!(duration(34_219), "9 h 30 min");
        assert_eq!(duration(2706), "45 min");
        assert_eq!(duration(200), "3 min 20 s");
        assert_eq!(duration(3600), "1 h");
        assert_eq!(duration(86_400 * 2 + 3600 * 12 + 5), "2 days 12 h");
        assert_eq!(coarse_duration(219_308), "2 days");
        assert_eq!(thousands(1_280), "1,280");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(percent(2.0 / 3.0), "67%");
        assert_eq!(number(4.0), "4");
        assert_eq!(number(3.2), "3.2");
        assert_eq!(number(3_852_587.0), "3,852,587");
        assert_eq!(compact(9_999), "9,999");
        assert_eq!(compact(12_500), "12.5k");
        assert_eq!(compact(3_852_587), "3.85M");
        assert_eq!(compact(2_000_000), "2M");
        assert_eq!(list(&["a".into(), "b".into(), "c".into()]), "a, b and c");
        assert_eq!(capitalize("the Netherlands"), "The Netherlands");
    }

    #[test]
    fn entity_names() {
        assert_eq!(
            entity_name("country/KP", None).full,
            "North Korea (country/KP)"
        );
        assert_eq!(entity_name("country/QQ", None).name, "country QQ");
        let info = EntityInfo {
            name: "as/131279".into(),
            label: Some("STAR-KP".into()),
            country: Some("KP".into()),
        };
        let n = entity_name("as/131279", Some(&info));
        assert_eq!(n.name, "AS131279 STAR-KP");
        assert_eq!(n.full, "AS131279 STAR-KP (as/131279, North Korea)");
        assert_eq!(entity_name("as/7", None).full, "AS7");
        assert_eq!(
            entity_name("prefix/175.45.176.0/22", None).name,
            "the prefix 175.45.176.0/22"
        );
    }
}
