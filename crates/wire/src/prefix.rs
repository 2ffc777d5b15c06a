//! Address families, prefixes and NLRI (RFC 4271 §4.3, RFC 4760 §5,
//! RFC 7911 §3): the unit every later stage counts.

use core::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{ErrorKind, Result, WireError};
use crate::reader::Reader;
use crate::text;

/// Address Family Identifier (IANA): the two families darkwatch routes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Afi {
    /// IPv4 (AFI 1).
    Ipv4,
    /// IPv6 (AFI 2).
    Ipv6,
}

impl Afi {
    /// The family for an IANA AFI code, if it is IPv4 or IPv6.
    pub fn from_code(code: u16) -> Option<Afi> {
        match code {
            1 => Some(Afi::Ipv4),
            2 => Some(Afi::Ipv6),
            _ => None,
        }
    }

    /// The IANA AFI code.
    pub fn code(self) -> u16 {
        match self {
            Afi::Ipv4 => 1,
            Afi::Ipv6 => 2,
        }
    }

    /// Address length in bytes.
    pub fn addr_len(self) -> usize {
        match self {
            Afi::Ipv4 => 4,
            Afi::Ipv6 => 16,
        }
    }

    /// Longest prefix length in bits.
    pub fn max_len(self) -> u8 {
        match self {
            Afi::Ipv4 => 32,
            Afi::Ipv6 => 128,
        }
    }
}

/// An IP prefix exactly as it was on the wire: address bytes after the
/// mask are kept (archives hold NLRI with such trailing bits, and tools
/// print them as found).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    afi: Afi,
    len: u8,
    addr: [u8; 16],
}

impl Prefix {
    /// A prefix of family `afi`, `len` bits, from up to 16 address bytes
    /// (missing bytes are zero). Fails when `len` is too long for `afi`.
    pub fn new(afi: Afi, addr_bytes: &[u8], len: u8) -> Option<Prefix> {
        if len > afi.max_len() {
            return None;
        }
        let mut addr = [0u8; 16];
        let n = addr_bytes.len().min(afi.addr_len());
        addr.get_mut(..n)?.copy_from_slice(addr_bytes.get(..n)?);
        Some(Prefix { afi, len, addr })
    }

    /// An IPv4 prefix.
    pub fn v4(addr: Ipv4Addr, len: u8) -> Option<Prefix> {
        Prefix::new(Afi::Ipv4, &addr.octets(), len)
    }

    /// An IPv6 prefix.
    pub fn v6(addr: Ipv6Addr, len: u8) -> Option<Prefix> {
        Prefix::new(Afi::Ipv6, &addr.octets(), len)
    }

    /// Address family.
    #[inline]
    pub fn afi(&self) -> Afi {
        self.afi
    }

    /// Prefix length in bits. (A prefix is never "empty": a zero length is
    /// the default route, see [`Prefix::is_default`].)
    #[inline]
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u8 {
        self.len
    }

    /// True for a zero-length prefix (a default route).
    #[inline]
    pub fn is_default(&self) -> bool {
        self.len == 0
    }

    /// The address bytes (4 or 16), trailing bits as found.
    #[inline]
    pub fn addr_bytes(&self) -> &[u8] {
        match self.afi {
            Afi::Ipv4 => self.addr.get(..4).unwrap_or_default(),
            Afi::Ipv6 => &self.addr,
        }
    }

    /// The address as a standard library value.
    pub fn addr(&self) -> IpAddr {
        match self.afi {
            Afi::Ipv4 => {
                let [a, b, c, d, ..] = self.addr;
                IpAddr::V4(Ipv4Addr::new(a, b, c, d))
            }
            Afi::Ipv6 => IpAddr::V6(Ipv6Addr::from(self.addr)),
        }
    }

    /// The same prefix with the bits after the mask cleared.
    #[must_use]
    pub fn masked(&self) -> Prefix {
        let mut out = *self;
        let bits = u32::from(self.len);
        for (i, byte) in out.addr.iter_mut().enumerate() {
            let start = (i as u32) * 8;
            if start >= bits {
                *byte = 0;
            } else if start + 8 > bits {
                *byte &= 0xffu8 << (8 - (bits - start));
            }
        }
        out
    }

    /// True when `other` is this prefix or a more specific one inside it
    /// (compared on masked addresses).
    pub fn covers(&self, other: &Prefix) -> bool {
        if self.afi != other.afi || other.len < self.len {
            return false;
        }
        let narrowed = Prefix {
            len: self.len,
            ..*other
        };
        narrowed.masked() == self.masked()
    }

    /// Appends the `addr/len` text form (inet_ntop style) to `out`.
    pub fn write_text(&self, out: &mut Vec<u8>) {
        self.write_text_styled(out, text::Ipv6Style::InetNtop);
    }

    /// Appends the `addr/len` text form, IPv6 written in `style`.
    pub fn write_text_styled(&self, out: &mut Vec<u8>, style: text::Ipv6Style) {
        match self.afi {
            Afi::Ipv4 => {
                let [a, b, c, d, ..] = self.addr;
                text::write_ipv4(out, [a, b, c, d]);
            }
            Afi::Ipv6 => text::write_ipv6_styled(out, self.addr, style),
        }
        out.push(b'/');
        text::write_u32(out, u32::from(self.len));
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = Vec::with_capacity(48);
        self.write_text(&mut buf);
        f.write_str(&String::from_utf8_lossy(&buf))
    }
}

impl fmt::Debug for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl core::str::FromStr for Prefix {
    type Err = PrefixParseError;

    fn from_str(s: &str) -> core::result::Result<Prefix, PrefixParseError> {
        let (addr, len) = match s.split_once('/') {
            Some((addr, len)) => (addr, Some(len)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| PrefixParseError)?;
        let max = match addr {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let len = match len {
            Some(len) => len.parse::<u8>().map_err(|_| PrefixParseError)?,
            None => max,
        };
        match addr {
            IpAddr::V4(a) => Prefix::v4(a, len),
            IpAddr::V6(a) => Prefix::v6(a, len),
        }
        .ok_or(PrefixParseError)
    }
}

/// A prefix given as text was not `address/length` with a valid length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrefixParseError;

impl fmt::Display for PrefixParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected ADDRESS/LENGTH, e.g. 175.45.176.0/22 or 2001:db8::/32")
    }
}

impl std::error::Error for PrefixParseError {}

/// One NLRI entry: a prefix and, under ADD-PATH (RFC 7911), its path id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Nlri {
    /// The prefix.
    pub prefix: Prefix,
    /// The path identifier when ADD-PATH is in use.
    pub path_id: Option<u32>,
}

/// Decodes one prefix in NLRI encoding (length in bits, then just enough
/// address bytes).
pub(crate) fn read_prefix(r: &mut Reader<'_>, afi: Afi) -> Result<Prefix> {
    // Errors point at the length byte, the one that is wrong.
    let at = r.offset();
    let bits = r.u8()?;
    if bits > afi.max_len() {
        return Err(WireError::new(
            ErrorKind::BadPrefixLength {
                bits,
                max: afi.max_len(),
            },
            at,
        ));
    }
    let bytes = r.take(usize::from(bits).div_ceil(8))?;
    Prefix::new(afi, bytes, bits).ok_or_else(|| {
        r.error(ErrorKind::BadPrefixLength {
            bits,
            max: afi.max_len(),
        })
    })
}

/// Iterator over a packed NLRI field; stops after the first error.
#[derive(Clone, Debug)]
pub struct NlriIter<'a> {
    r: Reader<'a>,
    afi: Afi,
    add_path: bool,
    failed: bool,
}

impl<'a> NlriIter<'a> {
    /// Prefixes of family `afi` packed in `r`; `add_path` when each is
    /// preceded by a 4-byte path id.
    pub fn new(r: Reader<'a>, afi: Afi, add_path: bool) -> Self {
        NlriIter {
            r,
            afi,
            add_path,
            failed: false,
        }
    }

    /// An iterator that yields nothing.
    pub fn empty(afi: Afi) -> Self {
        NlriIter::new(Reader::new(&[]), afi, false)
    }

    /// Address family of the prefixes.
    pub fn afi(&self) -> Afi {
        self.afi
    }

    /// True when each prefix carries an ADD-PATH path id.
    pub fn add_path(&self) -> bool {
        self.add_path
    }

    /// True when no bytes are left.
    pub fn is_empty(&self) -> bool {
        self.r.is_empty()
    }

    fn read_one(&mut self) -> Result<Nlri> {
        let path_id = if self.add_path {
            Some(self.r.u32()?)
        } else {
            None
        };
        let prefix = read_prefix(&mut self.r, self.afi)?;
        Ok(Nlri { prefix, path_id })
    }
}

impl Iterator for NlriIter<'_> {
    type Item = Result<Nlri>;

    #[inline]
    fn next(&mut self) -> Option<Result<Nlri>> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let item = self.read_one();
        self.failed = item.is_err();
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_trailing_bits_and_masks_on_request() {
        let p = Prefix::new(Afi::Ipv4, &[11, 13], 13).unwrap();
        assert_eq!(p.to_string(), "11.13.0.0/13");
        assert_eq!(p.masked().to_string(), "11.8.0.0/13");
    }

    #[test]
    fn covering_prefixes() {
        let big: Prefix = "175.45.176.0/22".parse().unwrap();
        let small: Prefix = "175.45.178.0/24".parse().unwrap();
        assert!(big.covers(&small));
        assert!(!small.covers(&big));
        assert!(big.covers(&big));
    }

    #[test]
    fn nlri_with_path_ids() {
        let bytes = [0, 0, 0, 7, 24, 10, 1, 2, 0, 0, 0, 9, 0];
        let got: Vec<_> = NlriIter::new(Reader::new(&bytes), Afi::Ipv4, true)
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].path_id, Some(7));
        assert_eq!(got[0].prefix.to_string(), "10.1.2.0/24");
        assert_eq!(got[1].prefix.to_string(), "0.0.0.0/0");
    }

    #[test]
    fn overlong_prefix_is_an_error() {
        let bytes = [33, 1, 2, 3, 4, 5];
        let mut it = NlriIter::new(Reader::new(&bytes), Afi::Ipv4, false);
        assert!(matches!(
            it.next(),
            Some(Err(e)) if e.kind == ErrorKind::BadPrefixLength { bits: 33, max: 32 }
        ));
        assert!(it.next().is_none());
    }
}
