//! ISO 3166-1 alpha-2 country codes as the registries write them: the
//! entity key of the country signal, small enough to copy per route event.

use core::fmt;
use core::str::FromStr;

/// A two-letter country code, upper case (`KP`, `US`), as found in RIR
/// delegated files. Registry pseudo-codes such as `EU` and `AP` are kept as
/// they are: they are what the registry says about the block.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 2]);

impl Country {
    /// The code from two ASCII letters in either case; `None` for anything
    /// else (wrong length, digits, `*`, empty).
    pub fn new(code: &[u8]) -> Option<Country> {
        match code {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Some(Country([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            _ => None,
        }
    }

    /// The two code bytes, upper case.
    #[inline]
    pub fn bytes(self) -> [u8; 2] {
        self.0
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Construction admits ASCII letters only, so this never fails; the
        // fallback keeps the function total without a panic path.
        core::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that is not a two-letter country code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountryParseError;

impl fmt::Display for CountryParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected a two-letter country code, e.g. KP")
    }
}

impl std::error::Error for CountryParseError {}

impl FromStr for Country {
    type Err = CountryParseError;

    fn from_str(s: &str) -> Result<Country, CountryParseError> {
        Country::new(s.as_bytes()).ok_or(CountryParseError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_two_letters_upper_cased() {
        assert_eq!(Country::new(b"kp").unwrap().to_string(), "KP");
        assert_eq!("US".parse::<Country>().unwrap().bytes(), *b"US");
        assert!(Country::new(b"").is_none());
        assert!(Country::new(b"*").is_none());
        assert!(Country::new(b"K1").is_none());
        assert!(Country::new(b"USA").is_none());
        assert_eq!(format!("{:?}", Country::new(b"kp").unwrap()), "KP");
    }
}
