//! AS number → name and country, for labelling AS entities and hints
//! ("sole upstream AS4837 CHINA169-BACKBONE, CN").
//!
//! Two inputs carry the same data: a JSON object `{"ASN": "NAME
//! description, CC"}` (pyasn's data folder) and the text form, one
//! `ASN NAME description, CC` per line (an `AS` before the number is
//! accepted). The trailing `, CC` is split off as the country when it is
//! two letters.

use core::fmt;
use std::io::{self, BufRead, Read};

use serde::de::{Deserializer, MapAccess, Visitor};

use crate::country::Country;

/// One AS's entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsName<'a> {
    /// Name and description, without the country (`STAR-KP Ryugyong-dong`).
    pub name: &'a str,
    /// The country after the last comma, when there is one.
    pub country: Option<Country>,
}

/// Where a skipped AS-names entry was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Line number (text form), from 1.
    Line(u64),
    /// Entry number in the JSON object, from 1.
    Entry(u64),
}

/// What was wrong with an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsNameIssueKind {
    /// The AS number is not a 32-bit number.
    BadAsn,
    /// There is no name after the number.
    MissingName,
    /// The line is not UTF-8.
    NotUtf8,
}

/// A skipped entry of an AS-names file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsNameIssue {
    /// Where.
    pub place: Place,
    /// Why.
    pub kind: AsNameIssueKind,
}

impl fmt::Display for AsNameIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Place::Line(n) => write!(f, "line {n}: ")?,
            Place::Entry(n) => write!(f, "entry {n}: ")?,
        }
        f.write_str(match self.kind {
            AsNameIssueKind::BadAsn => "AS number is not a 32-bit number",
            AsNameIssueKind::MissingName => "no name after the AS number",
            AsNameIssueKind::NotUtf8 => "line is not UTF-8",
        })
    }
}

impl std::error::Error for AsNameIssue {}

/// Splits `NAME description, CC` into the name and the country. Without a
/// trailing two-letter code the whole text is the name.
pub fn split_name_country(text: &str) -> (&str, Option<Country>) {
    let text = text.trim();
    if let Some((name, cc)) = text.rsplit_once(',') {
        if let Some(country) = Country::new(cc.trim().as_bytes()) {
            return (name.trim_end(), Some(country));
        }
    }
    (text, None)
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    asn: u32,
    // Byte range of the name in `AsNames::text`.
    start: u32,
    end: u32,
    country: Option<Country>,
}

/// The AS names table: sorted by AS number, names in one string, so
/// 100k ASes cost one allocation for text instead of 100k.
#[derive(Clone, Debug, Default)]
pub struct AsNames {
    entries: Vec<Entry>,
    text: String,
}

impl AsNames {
    /// The entry of `asn`.
    pub fn get(&self, asn: u32) -> Option<AsName<'_>> {
        let i = self.entries.binary_search_by_key(&asn, |e| e.asn).ok()?;
        let e = self.entries.get(i)?;
        let name = self.text.get(e.start as usize..e.end as usize)?;
        Some(AsName {
            name,
            country: e.country,
        })
    }

    /// Number of ASes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn insert(&mut self, asn: u32, value: &str) -> bool {
        let (name, country) = split_name_country(value);
        let start = self.text.len();
        let end = start + name.len();
        // Names are stored by u32 offsets; a text over 4 GiB is refused
        // entry by entry rather than wrapped.
        let (Ok(start), Ok(end)) = (u32::try_from(start), u32::try_from(end)) else {
            return false;
        };
        self.text.push_str(name);
        self.entries.push(Entry {
            asn,
            start,
            end,
            country,
        });
        true
    }

    /// Sorts for lookup; of duplicates the last read wins.
    fn finish(mut self) -> AsNames {
        // Stable sort keeps file order among equal numbers.
        self.entries.sort_by_key(|e| e.asn);
        let mut out: Vec<Entry> = Vec::with_capacity(self.entries.len());
        for e in self.entries {
            match out.last_mut() {
                Some(last) if last.asn == e.asn => *last = e,
                _ => out.push(e),
            }
        }
        AsNames {
            entries: out,
            text: self.text,
        }
    }

    /// Reads the text form: `ASN NAME description, CC` per line; blank
    /// lines and `#` comments are skipped. Bad lines come back as issues.
    pub fn from_text<R: BufRead>(mut reader: R) -> io::Result<(AsNames, Vec<AsNameIssue>)> {
        let mut names = AsNames::default();
        let mut issues = Vec::new();
        let mut buf = Vec::new();
        let mut line_no = 0u64;
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            line_no += 1;
            let place = Place::Line(line_no);
            let Ok(line) = core::str::from_utf8(&buf) else {
                issues.push(AsNameIssue {
                    place,
                    kind: AsNameIssueKind::NotUtf8,
                });
                continue;
            };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (number, rest) = line
                .split_once(|c: char| c.is_ascii_whitespace())
                .unwrap_or((line, ""));
            let kind = match parse_asn(number) {
                None => Some(AsNameIssueKind::BadAsn),
                Some(_) if rest.trim().is_empty() => Some(AsNameIssueKind::MissingName),
                Some(asn) => names
                    .insert(asn, rest)
                    .then_some(())
                    .map_or(Some(AsNameIssueKind::MissingName), |()| None),
            };
            if let Some(kind) = kind {
                issues.push(AsNameIssue { place, kind });
            }
        }
        Ok((names.finish(), issues))
    }

    /// Reads the JSON form, a single object `{"ASN": "NAME description,
    /// CC", ...}`, streaming its entries. Entries whose key is not an AS
    /// number or whose name is empty come back as issues; anything that is
    /// not such an object is an error.
    pub fn from_json<R: Read>(reader: R) -> Result<(AsNames, Vec<AsNameIssue>), serde_json::Error> {
        let mut de = serde_json::Deserializer::from_reader(reader);
        let (names, issues) = de.deserialize_map(JsonVisitor)?;
        de.end()?;
        Ok((names.finish(), issues))
    }

    /// [`AsNames::from_json`] on a string.
    pub fn from_json_str(text: &str) -> Result<(AsNames, Vec<AsNameIssue>), serde_json::Error> {
        AsNames::from_json(text.as_bytes())
    }
}

fn parse_asn(text: &str) -> Option<u32> {
    let digits = text
        .strip_prefix("AS")
        .or_else(|| text.strip_prefix("as"))
        .unwrap_or(text);
    digits.parse().ok()
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = (AsNames, Vec<AsNameIssue>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping AS numbers to \"NAME description, CC\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut names = AsNames::default();
        let mut issues = Vec::new();
        let mut entry = 0u64;
        while let Some((key, value)) = map.next_entry::<String, String>()? {
            entry += 1;
            let place = Place::Entry(entry);
            match parse_asn(&key) {
                None => issues.push(AsNameIssue {
                    place,
                    kind: AsNameIssueKind::BadAsn,
                }),
                Some(asn) if value.trim().is_empty() || !names.insert(asn, &value) => {
                    issues.push(AsNameIssue {
                        place,
                        kind: AsNameIssueKind::MissingName,
                    })
                }
                Some(_) => {}
            }
        }
        Ok((names, issues))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_country_split_at_the_last_comma() {
        let (name, cc) = split_name_country("RBC1-ASN6 - Royal Bank of Canada, Inc, CA");
        assert_eq!(name, "RBC1-ASN6 - Royal Bank of Canada, Inc");
        assert_eq!(cc.unwrap().to_string(), "CA");
        assert_eq!(
            split_name_country("NO-COUNTRY here"),
            ("NO-COUNTRY here", None)
        );
        assert_eq!(split_name_country("ODD, 123"), ("ODD, 123", None));
    }

    #[test]
    fn text_form_with_issues() {
        let text = "131279 STAR-KP Ryugyong-dong, KP\n# comment\n\nAS4837 CHINA169-BACKBONE CHINA UNICOM China169 Backbone, CN\nx12 BAD\n77\n4837 LATER-WINS, CN\n";
        let (names, issues) = AsNames::from_text(text.as_bytes()).unwrap();
        assert_eq!(names.len(), 2);
        let kp = names.get(131279).unwrap();
        assert_eq!(kp.name, "STAR-KP Ryugyong-dong");
        assert_eq!(kp.country.unwrap().to_string(), "KP");
        assert_eq!(names.get(4837).unwrap().name, "LATER-WINS");
        assert_eq!(
            issues,
            [
                AsNameIssue {
                    place: Place::Line(5),
                    kind: AsNameIssueKind::BadAsn
                },
                AsNameIssue {
                    place: Place::Line(6),
                    kind: AsNameIssueKind::MissingName
                },
            ]
        );
        assert_eq!(
            issues[0].to_string(),
            "line 5: AS number is not a 32-bit number"
        );
    }

    #[test]
    fn json_form_with_issues() {
        let json = r#"{"131279": "STAR-KP Ryugyong-dong, KP", "x": "BAD, US", "7": "", "15169": "GOOGLE - Google LLC, US"}"#;
        let (names, issues) = AsNames::from_json_str(json).unwrap();
        assert_eq!(names.len(), 2);
        assert_eq!(names.get(15169).unwrap().name, "GOOGLE - Google LLC");
        assert_eq!(
            issues,
            [
                AsNameIssue {
                    place: Place::Entry(2),
                    kind: AsNameIssueKind::BadAsn
                },
                AsNameIssue {
                    place: Place::Entry(3),
                    kind: AsNameIssueKind::MissingName
                },
            ]
        );
        assert!(AsNames::from_json_str("[1, 2]").is_err());
        assert!(AsNames::from_json_str(r#"{"1": "A, US"} trailing"#).is_err());
    }
}
