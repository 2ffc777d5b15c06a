//! AS_PATH and AS4_PATH (RFC 4271 §4.3, RFC 5065, RFC 6793): validated
//! views over the attribute bytes, and the RFC 6793 §4.2.3 merge that
//! rebuilds the true path of a 2-byte speaker from AS_PATH and AS4_PATH
//! without copying.

use crate::error::{ErrorKind, Result, WireError};
use crate::reader::{AsnWidth, Reader};

/// The 2-byte placeholder for a 4-byte AS number (RFC 6793).
pub const AS_TRANS: u32 = 23456;

/// Kind of an AS_PATH segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    /// AS_SET (1): unordered, counts as one hop.
    Set,
    /// AS_SEQUENCE (2): ordered hops.
    Sequence,
    /// AS_CONFED_SEQUENCE (3, RFC 5065).
    ConfedSequence,
    /// AS_CONFED_SET (4, RFC 5065).
    ConfedSet,
}

impl SegmentKind {
    /// The kind for a wire type code.
    pub fn from_code(code: u8) -> Option<SegmentKind> {
        match code {
            1 => Some(SegmentKind::Set),
            2 => Some(SegmentKind::Sequence),
            3 => Some(SegmentKind::ConfedSequence),
            4 => Some(SegmentKind::ConfedSet),
            _ => None,
        }
    }

    /// The wire type code.
    pub fn code(self) -> u8 {
        match self {
            SegmentKind::Set => 1,
            SegmentKind::Sequence => 2,
            SegmentKind::ConfedSequence => 3,
            SegmentKind::ConfedSet => 4,
        }
    }

    /// True for the two unordered kinds.
    pub fn is_set(self) -> bool {
        matches!(self, SegmentKind::Set | SegmentKind::ConfedSet)
    }

    /// True for the two confederation kinds.
    pub fn is_confed(self) -> bool {
        matches!(self, SegmentKind::ConfedSequence | SegmentKind::ConfedSet)
    }
}

/// One segment: its kind and its AS numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    /// Segment kind.
    pub kind: SegmentKind,
    width: AsnWidth,
    data: &'a [u8],
}

impl<'a> Segment<'a> {
    /// Number of AS numbers in the segment.
    pub fn len(&self) -> usize {
        self.data.len() / self.width.bytes()
    }

    /// True for a segment with no AS numbers.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The AS numbers, in wire order.
    pub fn asns(&self) -> AsnIter<'a> {
        AsnIter {
            r: Reader::new(self.data),
            width: self.width,
        }
    }

    /// Hops this segment adds to the path length: a set or a sequence per
    /// RFC 4271 §9.1.2.2; confederation segments add none (RFC 5065 §5.3).
    pub fn hops(&self) -> usize {
        match self.kind {
            SegmentKind::Sequence => self.len(),
            SegmentKind::Set => usize::from(!self.is_empty()),
            SegmentKind::ConfedSequence | SegmentKind::ConfedSet => 0,
        }
    }

    /// The last AS number of the segment, read directly.
    pub fn last_asn(&self) -> Option<u32> {
        let width = self.width.bytes();
        let start = self.data.len().checked_sub(width)?;
        Reader::new(self.data.get(start..)?).asn(self.width).ok()
    }

    fn first(self, n: usize) -> Segment<'a> {
        let bytes = n * self.width.bytes();
        Segment {
            data: self.data.get(..bytes).unwrap_or(self.data),
            ..self
        }
    }
}

/// AS numbers of one segment.
#[derive(Clone, Debug)]
pub struct AsnIter<'a> {
    r: Reader<'a>,
    width: AsnWidth,
}

impl Iterator for AsnIter<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        self.r.asn(self.width).ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.r.remaining() / self.width.bytes();
        (n, Some(n))
    }
}

impl ExactSizeIterator for AsnIter<'_> {}

/// A validated AS_PATH or AS4_PATH attribute value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsPath<'a> {
    data: &'a [u8],
    width: AsnWidth,
}

impl<'a> AsPath<'a> {
    /// Validates `data` as segments of `width`-byte AS numbers: every
    /// segment has a known type and fits; nothing is left over.
    pub fn new(data: &'a [u8], width: AsnWidth) -> Result<AsPath<'a>> {
        let mut r = Reader::new(data);
        while !r.is_empty() {
            let at = r.offset();
            let code = r.u8()?;
            if SegmentKind::from_code(code).is_none() {
                return Err(WireError::new(ErrorKind::BadSegmentType(code), at));
            }
            let count = usize::from(r.u8()?);
            r.take(count * width.bytes())
                .map_err(|_| WireError::new(ErrorKind::BadAsPath, at))?;
        }
        Ok(AsPath { data, width })
    }

    /// An empty path (iBGP-originated routes).
    pub fn empty() -> AsPath<'static> {
        AsPath {
            data: &[],
            width: AsnWidth::Four,
        }
    }

    /// The raw attribute value.
    pub fn bytes(&self) -> &'a [u8] {
        self.data
    }

    /// Width of the AS numbers in this encoding.
    pub fn width(&self) -> AsnWidth {
        self.width
    }

    /// True when the path has no segments.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The segments in order.
    pub fn segments(&self) -> SegmentIter<'a> {
        SegmentIter {
            r: Reader::new(self.data),
            width: self.width,
        }
    }

    /// Path length as the decision process counts it (RFC 4271 §9.1.2.2,
    /// RFC 5065 §5.3).
    pub fn hops(&self) -> usize {
        self.segments().map(|s| s.hops()).sum()
    }

    /// True when any segment holds `AS_TRANS`.
    pub fn has_as_trans(&self) -> bool {
        self.segments().any(|s| s.asns().any(|asn| asn == AS_TRANS))
    }

    /// True when any segment is a confederation segment.
    pub fn has_confed(&self) -> bool {
        self.segments().any(|s| s.kind.is_confed())
    }
}

/// Segments of an [`AsPath`]; the path was validated, so this cannot fail.
#[derive(Clone, Debug)]
pub struct SegmentIter<'a> {
    r: Reader<'a>,
    width: AsnWidth,
}

impl<'a> Iterator for SegmentIter<'a> {
    type Item = Segment<'a>;

    #[inline]
    fn next(&mut self) -> Option<Segment<'a>> {
        let kind = SegmentKind::from_code(self.r.u8().ok()?)?;
        let count = usize::from(self.r.u8().ok()?);
        let data = self.r.take(count * self.width.bytes()).ok()?;
        Some(Segment {
            kind,
            width: self.width,
            data,
        })
    }
}

/// The path a route really took: AS_PATH alone, or for a 2-byte speaker
/// the leading part of AS_PATH followed by AS4_PATH (RFC 6793 §4.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MergedPath<'a> {
    head: AsPath<'a>,
    /// Hops to take from `head`; `usize::MAX` takes all of it.
    head_hops: usize,
    tail: Option<AsPath<'a>>,
}

impl<'a> MergedPath<'a> {
    /// The path of a message from a 4-byte speaker, or one without AS4_PATH.
    pub fn plain(path: AsPath<'a>) -> MergedPath<'a> {
        MergedPath {
            head: path,
            head_hops: usize::MAX,
            tail: None,
        }
    }

    /// Rebuilds the path from AS_PATH and AS4_PATH (RFC 6793 §4.2.3): when
    /// AS_PATH has fewer hops than AS4_PATH, AS4_PATH is ignored; otherwise
    /// the leading `hops(AS_PATH) - hops(AS4_PATH)` hops of AS_PATH (whole
    /// confederation segments included) are followed by AS4_PATH.
    pub fn merge(as_path: AsPath<'a>, as4_path: AsPath<'a>) -> MergedPath<'a> {
        let (head, tail) = (as_path.hops(), as4_path.hops());
        if head < tail {
            return MergedPath::plain(as_path);
        }
        MergedPath {
            head: as_path,
            head_hops: head - tail,
            tail: Some(as4_path),
        }
    }

    /// True when AS4_PATH took part in the result.
    pub fn used_as4_path(&self) -> bool {
        self.tail.is_some()
    }

    /// The segments of the rebuilt path.
    pub fn segments(&self) -> MergedSegments<'a> {
        MergedSegments {
            head: self.head.segments(),
            budget: self.head_hops,
            tail: self.tail.map(|t| t.segments()),
        }
    }

    /// The AS that originated the route: the last AS of the last segment
    /// when that segment is a sequence (an AS_SET origin is ambiguous).
    pub fn origin_asn(&self) -> Option<u32> {
        let last = self.segments().last()?;
        match last.kind {
            SegmentKind::Sequence => last.last_asn(),
            _ => None,
        }
    }

    /// The AS numbers of the path in order, sets and confederations
    /// flattened (for indexing and filtering).
    pub fn asns(&self) -> impl Iterator<Item = u32> + 'a {
        self.segments().flat_map(|s| s.asns())
    }

    /// Path length as the decision process counts it.
    pub fn hops(&self) -> usize {
        self.segments().map(|s| s.hops()).sum()
    }

    /// Appends the path in the text form route collectors print: AS
    /// numbers separated by spaces, `{a,b}` for an AS_SET, `(a b)` for an
    /// AS_CONFED_SEQUENCE and `[a,b]` for an AS_CONFED_SET.
    pub fn write_text(&self, out: &mut Vec<u8>) {
        for (i, seg) in self.segments().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            let (open, sep, close) = match seg.kind {
                SegmentKind::Sequence => (None, b' ', None),
                SegmentKind::Set => (Some(b'{'), b',', Some(b'}')),
                SegmentKind::ConfedSequence => (Some(b'('), b' ', Some(b')')),
                SegmentKind::ConfedSet => (Some(b'['), b',', Some(b']')),
            };
            out.extend(open);
            for (j, asn) in seg.asns().enumerate() {
                if j > 0 {
                    out.push(sep);
                }
                crate::text::write_u32(out, asn);
            }
            out.extend(close);
        }
    }
}

/// Segments of a [`MergedPath`].
#[derive(Clone, Debug)]
pub struct MergedSegments<'a> {
    head: SegmentIter<'a>,
    budget: usize,
    tail: Option<SegmentIter<'a>>,
}

impl<'a> Iterator for MergedSegments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if self.tail.is_none() {
            return self.head.next();
        }
        if self.budget > 0 {
            if let Some(seg) = self.head.next() {
                let hops = seg.hops();
                if seg.kind == SegmentKind::Sequence && hops > self.budget {
                    let cut = seg.first(self.budget);
                    self.budget = 0;
                    return Some(cut);
                }
                self.budget -= hops;
                return Some(seg);
            }
            self.budget = 0;
        }
        self.tail.as_mut()?.next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes segments of AS numbers `width` bytes wide.
    fn encode(width: usize, segs: &[(u8, &[u32])]) -> Vec<u8> {
        let mut v = Vec::new();
        for (t, asns) in segs {
            v.push(*t);
            v.push(asns.len() as u8);
            for a in *asns {
                v.extend_from_slice(&a.to_be_bytes()[4 - width..]);
            }
        }
        v
    }

    fn path2(segs: &[(u8, &[u32])]) -> Vec<u8> {
        encode(2, segs)
    }

    fn path4(segs: &[(u8, &[u32])]) -> Vec<u8> {
        encode(4, segs)
    }

    fn flat(p: &MergedPath<'_>) -> Vec<u32> {
        p.asns().collect()
    }

    #[test]
    fn merge_replaces_as_trans_tail() {
        let a = path2(&[(2, &[701, 23456, 23456])]);
        let b = path4(&[(2, &[196608, 131279])]);
        let m = MergedPath::merge(
            AsPath::new(&a, AsnWidth::Two).unwrap(),
            AsPath::new(&b, AsnWidth::Four).unwrap(),
        );
        assert!(m.used_as4_path());
        assert_eq!(flat(&m), vec![701, 196608, 131279]);
        assert_eq!(m.origin_asn(), Some(131279));
    }

    #[test]
    fn longer_as4_path_is_ignored() {
        let a = path2(&[(2, &[701])]);
        let b = path4(&[(2, &[1, 2])]);
        let m = MergedPath::merge(
            AsPath::new(&a, AsnWidth::Two).unwrap(),
            AsPath::new(&b, AsnWidth::Four).unwrap(),
        );
        assert!(!m.used_as4_path());
        assert_eq!(flat(&m), vec![701]);
    }

    #[test]
    fn set_counts_one_hop() {
        let a = path2(&[(2, &[1, 2]), (1, &[3, 4, 5])]);
        let p = AsPath::new(&a, AsnWidth::Two).unwrap();
        assert_eq!(p.hops(), 3);
        assert_eq!(MergedPath::plain(p).origin_asn(), None);
    }

    #[test]
    fn rejects_overrun_and_bad_type() {
        assert_eq!(
            AsPath::new(&[2, 3, 0, 1], AsnWidth::Two).unwrap_err().kind,
            ErrorKind::BadAsPath
        );
        assert_eq!(
            AsPath::new(&[9, 0], AsnWidth::Two).unwrap_err().kind,
            ErrorKind::BadSegmentType(9)
        );
    }
}
