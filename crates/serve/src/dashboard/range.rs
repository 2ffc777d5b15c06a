//! The time range an entity page shows: `?from=&to=` as Unix seconds or
//! RFC 3339 (a bad one is a 400 page), 7 days up to the end of the data
//! when not given, at most 31 days; and the picker that changes it (links
//! for the last day, week and month of data, and a from/to form).

use report::escape_html as esc;
use report::{words, Window};
use serde::Deserialize;

use crate::error::ApiError;
use crate::query::{self, MAX_SERIES_RANGE};

const DAY: u64 = 86_400;
/// The range shown when none is asked for.
const DEFAULT: u64 = 7 * DAY;
/// The ranges the picker offers, ending at the end of the data.
const PRESETS: [(&str, u64); 3] = [("1 day", DAY), ("7 days", DEFAULT), ("30 days", 30 * DAY)];

/// The query of an entity page. An empty field (as a form sends it) is
/// as good as none.
#[derive(Debug, Deserialize)]
pub struct RangeParams {
    from: Option<String>,
    to: Option<String>,
}

/// The range asked for, checked before the store is read (the default:
/// none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Asked {
    from: Option<u64>,
    to: Option<u64>,
}

impl Asked {
    /// Reads the query: a time that is neither Unix seconds nor RFC 3339
    /// is a bad request.
    pub fn parse(p: &RangeParams) -> Result<Asked, ApiError> {
        let field = |name, text: &Option<String>| {
            let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty());
            query::opt_time(name, text)
        };
        Ok(Asked {
            from: field("from", &p.from)?,
            to: field("to", &p.to)?,
        })
    }

    /// The window shown, given the end of the data: a missing end is the
    /// end of the data (or 7 days after `from`), a missing start 7 days
    /// before the end.
    pub fn resolve(self, data_end: Option<u64>) -> Result<Window, ApiError> {
        let end = data_end.unwrap_or(DEFAULT);
        let (from, to) = match (self.from, self.to) {
            (Some(f), Some(t)) => (f, t),
            (Some(f), None) => (f, f.saturating_add(DEFAULT)),
            (None, Some(t)) => (t.saturating_sub(DEFAULT), t),
            (None, None) => (end.saturating_sub(DEFAULT), end),
        };
        let (from, to) = query::range(Some(from), Some(to))?;
        if to - from > MAX_SERIES_RANGE {
            return Err(ApiError::bad_request(format!(
                "the range from {} to {} is longer than {} days: pick a shorter one",
                words::rfc3339(from),
                words::rfc3339(to),
                MAX_SERIES_RANGE / DAY
            )));
        }
        Ok(Window { from, to })
    }
}

/// The picker for the page at `path`, showing `window`: the preset
/// ranges up to `data_end` (the one shown marked) and a from/to form.
pub fn picker(path: &str, window: Window, data_end: Option<u64>) -> String {
    let path = esc(path);
    let mut s =
        String::from("<div class=\"range\">\n<nav class=\"presets\" aria-label=\"Time range\">");
    if let Some(end) = data_end {
        for (label, length) in PRESETS {
            let from = end.saturating_sub(length);
            let on = window == Window { from, to: end };
            s.push_str(&format!(
                "<a href=\"{path}?from={}&amp;to={}\"{}>{label}</a>",
                words::rfc3339(from),
                words::rfc3339(end),
                if on {
                    " class=\"on\" aria-current=\"true\""
                } else {
                    ""
                }
            ));
        }
    }
    s.push_str(&format!(
        "</nav>\n<form method=\"get\" action=\"{path}\">\
         <label>From <input name=\"from\" value=\"{}\" inputmode=\"text\" spellcheck=\"false\"></label>\
         <label>To <input name=\"to\" value=\"{}\" inputmode=\"text\" spellcheck=\"false\"></label>\
         <button type=\"submit\">Show</button></form>\n</div>\n",
        words::rfc3339(window.from),
        words::rfc3339(window.to)
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(from: Option<&str>, to: Option<&str>) -> Result<Asked, ApiError> {
        Asked::parse(&RangeParams {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
        })
    }

    #[test]
    fn ranges_default_to_the_last_week_of_data() {
        let end = 1_419_336_000;
        let w = asked(None, None).unwrap().resolve(Some(end)).unwrap();
        assert_eq!((w.from, w.to), (end - DEFAULT, end));
        let w = asked(Some(""), Some("2014-12-22T12:00:00Z"))
            .unwrap()
            .resolve(Some(end))
            .unwrap();
        assert_eq!(w.to, 1_419_249_600);
        assert_eq!(w.to - w.from, DEFAULT);
        let w = asked(Some("1419206400"), None)
            .unwrap()
            .resolve(Some(end))
            .unwrap();
        assert_eq!(w.from, 1_419_206_400);
    }

    #[test]
    fn bad_ranges_are_bad_requests() {
        assert_eq!(asked(Some("yesterday"), None).unwrap_err().status, 400);
        let backwards = asked(Some("2000"), Some("1000")).unwrap();
        assert_eq!(backwards.resolve(None).unwrap_err().status, 400);
        let long = asked(Some("0"), Some("3000000")).unwrap();
        assert_eq!(long.resolve(None).unwrap_err().status, 400);
    }

    #[test]
    fn the_picker_marks_the_range_shown() {
        let end = 1_419_336_000;
        let html = picker(
            "/entity/country/KP",
            Window {
                from: end - DAY,
                to: end,
            },
            Some(end),
        );
        assert_eq!(html.matches("class=\"on\"").count(), 1);
        assert!(html.contains("class=\"on\" aria-current=\"true\">1 day</a>"));
        assert!(html.contains("?from=2014-12-22T12:00:00Z&amp;to=2014-12-23T12:00:00Z"));
    }
}
