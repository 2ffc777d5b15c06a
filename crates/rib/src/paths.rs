//! Interned AS paths: every distinct path is stored once, in one arena of
//! AS numbers, and routes hold a 4-byte [`PathId`]. Paths are counted by
//! the routes that use them. A path no route uses stays findable (churn
//! often brings it back) until unused paths outnumber half the live ones;
//! then they are swept out and the arena compacted, so memory follows the
//! live table without a hash lookup on every release.

use hashbrown::HashTable;
use wire::aspath::{MergedPath, SegmentKind};

/// Index of an interned path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(pub u32);

/// Where a path's AS numbers sit in the arena, and who uses it.
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    start: u32,
    len: u16,
    /// The last segment is an AS_SET: the origin is ambiguous.
    set_origin: bool,
    refs: u32,
}

/// The interned AS paths.
#[derive(Default)]
pub struct Paths {
    /// AS numbers of all paths, sets and confederations flattened in order.
    arena: Vec<u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    table: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    /// Paths in the table that no route uses.
    unused: usize,
}

impl Paths {
    /// Interns the path of a route (one more user), returning its id.
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
            if let Some(slot) = self.slots.get_mut(id as usize) {
                if slot.refs == 0 {
                    self.unused -= 1;
                }
                slot.refs += 1;
            }
            return PathId(id);
        }
        let slot = Slot {
            start: u32::try_from(self.arena.len()).unwrap_or(u32::MAX),
            len: u16::try_from(scratch.len()).unwrap_or(u16::MAX),
            set_origin,
            refs: 1,
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

    /// One user less; the path is freed when it has none.
    pub fn release(&mut self, id: PathId) {
        let Some(slot) = self.slots.get_mut(id.0 as usize) else {
            return;
        };
        if slot.refs == 0 {
            return;
        }
        slot.refs -= 1;
        if slot.refs > 0 {
            return;
        }
        self.unused += 1;
        if self.unused > 1 << 16 && self.unused * 2 > self.table.len() {
            self.sweep();
        }
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

    /// Distinct paths in use.
    pub fn len(&self) -> usize {
        self.table.len() - self.unused
    }

    /// True when no path is in use.
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

    /// Drops the paths no route uses and rewrites the arena with the rest.
    fn sweep(&mut self) {
        let slots = &self.slots;
        self.table
            .retain(|&mut id| slots.get(id as usize).is_some_and(|s| s.refs > 0));
        let mut arena = Vec::with_capacity(self.arena.len());
        for slot in &mut self.slots {
            if slot.refs == 0 {
                *slot = Slot::default();
                continue;
            }
            let start = u32::try_from(arena.len()).unwrap_or(u32::MAX);
            arena.extend_from_slice(asns(&self.arena, slot));
            slot.start = start;
        }
        self.free = (0..self.slots.len())
            .filter(|&i| self.slots.get(i).is_some_and(|s| s.refs == 0))
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        self.arena = arena;
        self.unused = 0;
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
    #[test]
    fn unused_paths_are_swept_and_their_ids_reused() {
        let mut paths = Paths::default();
        let mut scratch = Vec::new();
        let encoded: Vec<Vec<u8>> = (0..200_000u32)
            .map(|i| {
                let [_, _, a, b] = i.to_be_bytes();
                vec![2, 1, a, b]
            })
            .collect();
        let ids: Vec<PathId> = encoded
            .iter()
            .map(|e| paths.intern(Some(path(e)), &mut scratch))
            .collect();
        for id in &ids[..150_000] {
            paths.release(*id);
        }
        assert_eq!(paths.len(), 50_000);
        // The sweep ran: the arena holds only live paths and ids are reused.
        assert!(paths.arena.len() <= 100_000, "{}", paths.arena.len());
        let again = paths.intern(Some(path(&[2, 1, 0xff, 0xff])), &mut scratch);
        assert!(again.0 < 150_000);
        assert_eq!(paths.asns(ids[160_000]), [160_000 & 0xffff]);
    }

    use super::*;
    use wire::aspath::AsPath;
    use wire::AsnWidth;

    fn path(bytes: &[u8]) -> MergedPath<'_> {
        MergedPath::plain(AsPath::new(bytes, AsnWidth::Two).unwrap())
    }

    #[test]
    fn equal_paths_share_one_id_and_are_freed_with_their_last_user() {
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
        paths.release(x);
        assert_eq!(paths.len(), 2);
        paths.release(y);
        assert_eq!(paths.len(), 1);
        // An unused path comes back under its old id.
        let w = paths.intern(Some(path(&a)), &mut scratch);
        assert_eq!(w, x);
        assert_eq!(paths.len(), 2);
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
