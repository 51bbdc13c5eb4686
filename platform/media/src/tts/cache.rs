//! A least-recently-used cache bounded by entry count and by total bytes.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

/// LRU map; `weight` of each value counts against the byte bound.
#[derive(Debug)]
pub struct LruCache<K, V> {
    max_entries: usize,
    max_bytes: usize,
    bytes: usize,
    clock: u64,
    entries: HashMap<K, (V, usize, u64)>,
    order: BTreeMap<u64, K>,
}

impl<K: Hash + Eq + Clone, V: Clone> LruCache<K, V> {
    /// An empty cache.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        LruCache {
            max_entries,
            max_bytes,
            bytes: 0,
            clock: 0,
            entries: HashMap::new(),
            order: BTreeMap::new(),
        }
    }

    /// Looks a key up and marks it most recently used.
    pub fn get(&mut self, key: &K) -> Option<V> {
        self.clock += 1;
        let (value, _, stamp) = self.entries.get_mut(key)?;
        self.order.remove(stamp);
        *stamp = self.clock;
        self.order.insert(self.clock, key.clone());
        Some(value.clone())
    }

    /// Inserts a value weighing `bytes`; evicts the least recently used until both bounds hold.
    /// A value heavier than the whole cache is not stored.
    pub fn insert(&mut self, key: K, value: V, bytes: usize) {
        if bytes > self.max_bytes || self.max_entries == 0 {
            return;
        }
        self.remove(&key);
        self.clock += 1;
        self.entries.insert(key.clone(), (value, bytes, self.clock));
        self.order.insert(self.clock, key);
        self.bytes += bytes;
        while self.entries.len() > self.max_entries || self.bytes > self.max_bytes {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            if let Some((_, weight, _)) = self.entries.remove(&oldest) {
                self.bytes -= weight;
            }
        }
    }

    fn remove(&mut self, key: &K) {
        if let Some((_, weight, stamp)) = self.entries.remove(key) {
            self.order.remove(&stamp);
            self.bytes -= weight;
        }
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}
