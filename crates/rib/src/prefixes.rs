//! The prefixes of the route table and everything kept per prefix: the
//! first lookup of every route event. An open-addressing table with
//! linear probing whose 40-byte entries hold the prefix's key, its id, the
//! count of full-feed peers that see it, its flags and its routes, so that
//! applying a route event touches one entry and the routes it points to:
//! two cache misses on a table far larger than the cache (a general hash
//! map, then arrays indexed by id, would cost four). Prefixes are never
//! removed, so there are no tombstones; ids stay stable while entries move
//! when the table grows.

use wire::{Afi, Prefix};

use crate::table::Route;

/// A 64-bit key of a (masked) prefix. IPv4 prefixes and IPv6 prefixes up
/// to /56 (nearly all of them) fit exactly: family, address bits, length.
/// Longer IPv6 prefixes get a hash, and a match is confirmed on the prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PrefixKey(u64);

impl PrefixKey {
    const V6: u64 = 1 << 63;
    const EXACT_V6: u64 = 1 << 62;

    pub(crate) fn of(prefix: &Prefix) -> PrefixKey {
        let len = u64::from(prefix.len());
        let bytes = prefix.addr_bytes();
        let mut top = [0u8; 8];
        for (t, b) in top.iter_mut().zip(bytes) {
            *t = *b;
        }
        let top = u64::from_be_bytes(top);
        match prefix.afi() {
            Afi::Ipv4 => PrefixKey((top >> 32) << 8 | len),
            Afi::Ipv6 if len <= 56 => PrefixKey(Self::V6 | Self::EXACT_V6 | (top >> 8) << 6 | len),
            Afi::Ipv6 => {
                // A fixed mix of all 128 bits and the length (the same key
                // on every call: a randomly seeded hasher would not be).
                let mut low = [0u8; 8];
                for (l, b) in low.iter_mut().zip(bytes.iter().skip(8)) {
                    *l = *b;
                }
                let low = u64::from_be_bytes(low);
                let mixed = (top ^ low.rotate_left(29) ^ len).wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    ^ low.wrapping_mul(0xc2b2_ae3d_27d4_eb4f);
                PrefixKey(Self::V6 | (mixed >> 2))
            }
        }
    }

    /// True when equal keys mean equal prefixes.
    pub(crate) fn is_exact(self) -> bool {
        self.0 & Self::V6 == 0 || self.0 & Self::EXACT_V6 != 0
    }

    /// A multiplicative hash: keys are already well spread but for their
    /// low bits, which a multiply moves up (the index uses the top bits).
    fn hash(self) -> u64 {
        let x = self.0 ^ (self.0 >> 29);
        x.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

/// Where a prefix's entry sits in the table (changes when it grows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot(usize);

/// The entry flag of a visible prefix.
pub(crate) const VISIBLE: u8 = 1;
/// The entry flag of an IPv6 prefix.
const V6: u8 = 2;

const EMPTY: u32 = u32::MAX;

/// One prefix: 40 bytes.
#[derive(Debug)]
pub(crate) struct PrefixEntry {
    key: PrefixKey,
    /// The prefix's id, or `EMPTY` for a free entry.
    pub(crate) id: u32,
    /// Full-feed peers with a route to it.
    pub(crate) seen: u16,
    /// [`VISIBLE`], [`V6`].
    pub(crate) flags: u8,
    /// The routes of every peer.
    pub(crate) routes: Vec<Route>,
}

impl PrefixEntry {
    const FREE: PrefixEntry = PrefixEntry {
        key: PrefixKey(0),
        id: EMPTY,
        seen: 0,
        flags: 0,
        routes: Vec::new(),
    };

    /// 0 for IPv4, 1 for IPv6.
    pub(crate) fn family(&self) -> usize {
        usize::from(self.flags & V6 != 0)
    }
}

/// The prefixes, by key and by id.
#[derive(Default)]
pub(crate) struct PrefixTable {
    entries: Vec<PrefixEntry>,
    /// log2 of the entry count (0 while empty).
    bits: u32,
    /// Entry of each id.
    slot_of: Vec<u32>,
    /// Prefix of each id.
    prefixes: Vec<Prefix>,
}

impl PrefixTable {
    /// The entry of a (masked) prefix.
    pub(crate) fn find(&self, prefix: &Prefix) -> Option<Slot> {
        if self.prefixes.is_empty() {
            return None;
        }
        let key = PrefixKey::of(prefix);
        let mut at = self.home(key);
        loop {
            let entry = self.entries.get(at)?;
            if entry.id == EMPTY {
                return None;
            }
            if entry.key == key
                && (key.is_exact() || self.prefixes.get(entry.id as usize) == Some(prefix))
            {
                return Some(Slot(at));
            }
            at = (at + 1) & self.mask();
        }
    }

    /// The entry of a (masked) prefix, added when new.
    pub(crate) fn find_or_insert(&mut self, prefix: Prefix) -> Slot {
        if let Some(slot) = self.find(&prefix) {
            return slot;
        }
        // At most 3/4 full, so probe runs stay short.
        if (self.prefixes.len() + 1) * 4 > self.entries.len() * 3 {
            self.grow();
        }
        let id = u32::try_from(self.prefixes.len()).unwrap_or(EMPTY - 1);
        self.prefixes.push(prefix);
        self.slot_of.push(EMPTY);
        self.place(PrefixEntry {
            key: PrefixKey::of(&prefix),
            id,
            seen: 0,
            flags: if prefix.afi() == Afi::Ipv6 { V6 } else { 0 },
            routes: Vec::new(),
        })
    }

    /// The entry at a slot.
    pub(crate) fn at(&self, slot: Slot) -> Option<&PrefixEntry> {
        self.entries.get(slot.0)
    }

    /// The entry at a slot, to change.
    pub(crate) fn at_mut(&mut self, slot: Slot) -> Option<&mut PrefixEntry> {
        self.entries.get_mut(slot.0)
    }

    /// The slot of an id.
    pub(crate) fn slot(&self, id: u32) -> Option<Slot> {
        self.slot_of.get(id as usize).map(|&s| Slot(s as usize))
    }

    /// The entry of an id.
    pub(crate) fn get(&self, id: u32) -> Option<&PrefixEntry> {
        self.at(self.slot(id)?)
    }

    /// The prefix of an id.
    pub(crate) fn prefix(&self, id: u32) -> Option<Prefix> {
        self.prefixes.get(id as usize).copied()
    }

    /// Prefixes held.
    pub(crate) fn len(&self) -> usize {
        self.prefixes.len()
    }

    /// The entry of an id, to change.
    pub(crate) fn get_mut(&mut self, id: u32) -> Option<&mut PrefixEntry> {
        let slot = self.slot(id)?;
        self.at_mut(slot)
    }

    /// Every prefix's entry, in table order, to change.
    pub(crate) fn entries_mut(&mut self) -> impl Iterator<Item = &mut PrefixEntry> {
        self.entries.iter_mut().filter(|e| e.id != EMPTY)
    }

    /// Every prefix's entry, in table order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &PrefixEntry> {
        self.entries.iter().filter(|e| e.id != EMPTY)
    }

    /// Bytes held, routes included.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<PrefixEntry>()
            + self.slot_of.capacity() * 4
            + self.prefixes.capacity() * std::mem::size_of::<Prefix>()
            + self
                .entries()
                .map(|e| e.routes.capacity() * std::mem::size_of::<Route>())
                .sum::<usize>()
    }

    fn mask(&self) -> usize {
        self.entries.len().wrapping_sub(1)
    }

    fn home(&self, key: PrefixKey) -> usize {
        if self.bits == 0 {
            return 0;
        }
        usize::try_from(key.hash() >> (64 - self.bits)).unwrap_or(0)
    }

    /// Puts an entry in the first free slot from its home, and records
    /// where its id now lives.
    fn place(&mut self, entry: PrefixEntry) -> Slot {
        let mut at = self.home(entry.key);
        let mask = self.mask();
        while let Some(e) = self.entries.get(at) {
            if e.id == EMPTY {
                break;
            }
            at = (at + 1) & mask;
        }
        if let Some(s) = self.slot_of.get_mut(entry.id as usize) {
            *s = u32::try_from(at).unwrap_or(EMPTY);
        }
        if let Some(free) = self.entries.get_mut(at) {
            *free = entry;
        }
        Slot(at)
    }

    fn grow(&mut self) {
        let bits = (self.bits + 1).max(4);
        let mut fresh = Vec::with_capacity(1 << bits);
        fresh.resize_with(1 << bits, || PrefixEntry::FREE);
        let old = std::mem::replace(&mut self.entries, fresh);
        self.bits = bits;
        for entry in old {
            if entry.id != EMPTY {
                self.place(entry);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_keys_are_exact_for_ipv4_and_short_ipv6() {
        let prefixes: Vec<Prefix> = [
            "0.0.0.0/0",
            "10.0.0.0/8",
            "10.0.0.0/9",
            "175.45.176.0/24",
            "255.255.255.255/32",
            "::/0",
            "2001:db8::/32",
            "2001:db8::/48",
            "2001:db8:0:ff00::/56",
            "2001:db8::/64",
            "2001:db8::1/128",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let keys: Vec<PrefixKey> = prefixes.iter().map(PrefixKey::of).collect();
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        let exact: Vec<bool> = keys.iter().map(|k| k.is_exact()).collect();
        assert_eq!(
            exact,
            [true, true, true, true, true, true, true, true, true, false, false]
        );
    }

    #[test]
    fn entries_are_found_by_prefix_and_id_across_growth() {
        let mut table = PrefixTable::default();
        let v4 = |i: u32| Prefix::v4(std::net::Ipv4Addr::from(i << 8), 24).unwrap();
        assert_eq!(table.find(&v4(1)), None);
        for i in 0..100_000 {
            let slot = table.find_or_insert(v4(i));
            table.at_mut(slot).unwrap().seen = (i % 1000) as u16;
        }
        let long: Prefix = "2001:db8::1/128".parse().unwrap();
        let slot = table.find_or_insert(long);
        assert_eq!(table.at(slot).unwrap().family(), 1);
        assert_eq!(table.len(), 100_001);
        for i in 0..100_000 {
            let slot = table.find(&v4(i)).unwrap();
            let entry = table.at(slot).unwrap();
            assert_eq!(entry.id, i);
            assert_eq!(entry.seen, (i % 1000) as u16);
            assert_eq!(table.slot(i), Some(slot));
            assert_eq!(table.prefix(i), Some(v4(i)));
        }
        assert_eq!(table.find(&v4(100_000)), None);
        let found = table.find(&long).and_then(|s| table.at(s)).map(|e| e.id);
        assert_eq!(found, Some(100_000));
        assert!(table.entries.len() * 3 >= table.len() * 4);
        assert_eq!(table.entries().count(), 100_001);
    }

    #[test]
    fn long_ipv6_prefixes_are_told_apart_by_the_prefix() {
        let mut table = PrefixTable::default();
        let a: Prefix = "2001:db8::1/128".parse().unwrap();
        let b: Prefix = "2001:db8::2/128".parse().unwrap();
        let (sa, sb) = (table.find_or_insert(a), table.find_or_insert(b));
        assert_ne!(sa, sb);
        assert_eq!(table.find(&a), Some(sa));
        assert_eq!(table.find(&b), Some(sb));
        assert_eq!(table.find_or_insert(a), sa);
        assert_eq!(table.len(), 2);
    }
}
