//! Interned AS paths: every distinct path is stored once, in one arena of
//! AS numbers, and routes hold a 4-byte [`PathId`]. Paths are not counted
//! per use (a count would cost a cache miss on every route change); the
//! table instead marks the paths its routes use and sweeps the rest when
//! the interned paths have doubled since the last sweep, so memory follows
//! the live table. A path no route uses stays findable until then (churn
//! often brings it back).

use hashbrown::HashTable;
use wire::aspath::{MergedPath, SegmentKind};

/// Index of an interned path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(pub u32);

/// Where a path's AS numbers sit in the arena: 8 bytes.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    start: u32,
    len: u16,
    /// The last segment is an AS_SET: the origin is ambiguous.
    set_origin: bool,
}

impl Slot {
    /// A swept slot, waiting for reuse.
    const FREED: Slot = Slot {
        start: u32::MAX,
        len: 0,
        set_origin: false,
    };

    fn is_freed(&self) -> bool {
        self.start == u32::MAX
    }
}

/// The interned AS paths.
#[derive(Default)]
pub struct Paths {
    /// AS numbers of all paths, sets and confederations flattened in order.
    arena: Vec<u32>,
    slots: Vec<Slot>,
    /// Ids of swept paths, for reuse.
    free: Vec<u32>,
    table: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Paths kept by the last sweep.
    kept: usize,
}

impl Paths {
    /// Interns the path of a route, returning its id.
    pub fn intern(&mut self, path: Option<MergedPath<'_>>, scratch: &mut Vec<u32>) -> PathId {
        scratch.clear();
        let mut set_origin = false;
        if let Some(path) = path {
            for seg in path.segments() {
                scratch.extend(seg.asns());
                set_origin = seg.kind == SegmentKind::Set;
            }
        }
        let hash = self.hash(scratch, set_origin);
        let (arena, slots) = (&self.arena, &self.slots);
        let found = self.table.find(hash, |&id| {
            slots
                .get(id as usize)
                .is_some_and(|s| s.set_origin == set_origin && asns(arena, s) == scratch.as_slice())
        });
        if let Some(&id) = found {
            return PathId(id);
        }
        let slot = Slot {
            start: u32::try_from(self.arena.len()).unwrap_or(u32::MAX),
            len: u16::try_from(scratch.len()).unwrap_or(u16::MAX),
            set_origin,
        };
        self.arena.extend_from_slice(scratch);
        let id = match self.free.pop() {
            Some(id) => {
                if let Some(s) = self.slots.get_mut(id as usize) {
                    *s = slot;
                }
                id
            }
            None => {
                self.slots.push(slot);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let (arena, slots, hasher) = (&self.arena, &self.slots, &self.hasher);
        self.table.insert_unique(hash, id, |&other| {
            slots
                .get(other as usize)
                .map_or(0, |s| hash_asns(hasher, asns(arena, s), s.set_origin))
        });
        PathId(id)
    }

    /// True when the interned paths have doubled (and grown by at least
    /// 65,536) since the last sweep: time for the table to mark and sweep.
    pub fn sweep_due(&self) -> bool {
        self.table.len() > 2 * self.kept + (1 << 16)
    }

    /// Drops every path for which `in_use` is false and rewrites the arena
    /// with the rest; their ids are reused by later paths. The caller must
    /// hold no [`PathId`] of a dropped path.
    pub fn sweep(&mut self, in_use: impl Fn(PathId) -> bool) {
        let mut arena = Vec::with_capacity(self.arena.len() / 2);
        self.free.clear();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            let id = u32::try_from(i).unwrap_or(u32::MAX);
            if slot.is_freed() || !in_use(PathId(id)) {
                *slot = Slot::FREED;
                self.free.push(id);
                continue;
            }
            let start = u32::try_from(arena.len()).unwrap_or(u32::MAX);
            arena.extend_from_slice(asns(&self.arena, slot));
            slot.start = start;
        }
        self.arena = arena;
        let slots = &self.slots;
        self.table
            .retain(|&mut id| slots.get(id as usize).is_some_and(|s| !s.is_freed()));
        // Reuse low ids first.
        self.free.reverse();
        self.kept = self.table.len();
    }

    /// The AS numbers of a path (sets and confederations flattened).
    pub fn asns(&self, id: PathId) -> &[u32] {
        self.slots
            .get(id.0 as usize)
            .map_or(&[], |s| asns(&self.arena, s))
    }

    /// The AS that originated routes with this path: the last AS, unless
    /// the path ends in an AS_SET (then it is ambiguous) or is empty.
    pub fn origin(&self, id: PathId) -> Option<u32> {
        let slot = self.slots.get(id.0 as usize)?;
        if slot.set_origin {
            return None;
        }
        asns(&self.arena, slot).last().copied()
    }

    /// Distinct paths interned (those no route uses any more count until
    /// the next sweep).
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when no path is interned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held (arena, slots, index), for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.arena.capacity() * 4
            + self.slots.capacity() * std::mem::size_of::<Slot>()
            + self.free.capacity() * 4
            + self.table.capacity() * 5
    }

    fn hash(&self, asns: &[u32], set_origin: bool) -> u64 {
        hash_asns(&self.hasher, asns, set_origin)
    }
}

fn asns<'a>(arena: &'a [u32], slot: &Slot) -> &'a [u32] {
    let start = slot.start as usize;
    arena
        .get(start..start + usize::from(slot.len))
        .unwrap_or_default()
}

fn hash_asns(hasher: &hashbrown::DefaultHashBuilder, asns: &[u32], set_origin: bool) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = hasher.build_hasher();
    asns.hash(&mut h);
    set_origin.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::aspath::AsPath;
    use wire::AsnWidth;

    fn path(bytes: &[u8]) -> MergedPath<'_> {
        MergedPath::plain(AsPath::new(bytes, AsnWidth::Two).unwrap())
    }

    #[test]
    fn unused_paths_are_swept_and_their_ids_reused() {
        let mut paths = Paths::default();
        let mut scratch = Vec::new();
        let encoded: Vec<Vec<u8>> = (0..200_000u32)
            .map(|i| {
                let [a, b, c, d] = i.to_be_bytes();
                vec![2, 2, a, b, c, d]
            })
            .collect();
        let ids: Vec<PathId> = encoded
            .iter()
            .map(|e| paths.intern(Some(path(e)), &mut scratch))
            .collect();
        assert!(paths.sweep_due());
        paths.sweep(|id| id.0 >= 150_000);
        assert_eq!(paths.len(), 50_000);
        assert!(!paths.sweep_due());
        // The arena holds only live paths, and ids are reused.
        assert_eq!(paths.arena.len(), 100_000);
        let again = paths.intern(Some(path(&[2, 1, 0xff, 0xff])), &mut scratch);
        assert_eq!(again, PathId(0));
        assert_eq!(paths.asns(ids[160_000]), [160_000 >> 16, 160_000 & 0xffff]);
        assert_eq!(paths.asns(ids[10]), [] as [u32; 0]);
        // A kept path is still found under its id.
        let kept = paths.intern(Some(path(&encoded[170_000])), &mut scratch);
        assert_eq!(kept, ids[170_000]);
    }

    #[test]
    fn equal_paths_share_one_id() {
        let mut paths = Paths::default();
        let mut scratch = Vec::new();
        let a = [2u8, 2, 0x0d, 0xdd, 0x12, 0xe5]; // 3549 4837
        let b = [2u8, 1, 0x0d, 0xdd]; // 3549
        let x = paths.intern(Some(path(&a)), &mut scratch);
        let y = paths.intern(Some(path(&a)), &mut scratch);
        let z = paths.intern(Some(path(&b)), &mut scratch);
        assert_eq!(x, y);
        assert_ne!(x, z);
        assert_eq!(paths.asns(x), [3549, 4837]);
        assert_eq!(paths.origin(x), Some(4837));
        assert_eq!(paths.len(), 2);
        paths.sweep(|id| id == z);
        assert_eq!(paths.len(), 1);
        assert_eq!(paths.asns(z), [3549]);
    }

    #[test]
    fn set_origins_are_ambiguous() {
        let mut paths = Paths::default();
        let mut scratch = Vec::new();
        let seq_then_set = [2u8, 1, 0, 1, 1, 2, 0, 2, 0, 3];
        let id = paths.intern(Some(path(&seq_then_set)), &mut scratch);
        assert_eq!(paths.origin(id), None);
        assert_eq!(paths.asns(id), [1, 2, 3]);
        let empty = paths.intern(None, &mut scratch);
        assert_eq!(paths.origin(empty), None);
    }
}
