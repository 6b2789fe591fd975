//! The numbering of a construction's states (products, subset constructions), within the
//! size bounds, and the cheap hasher its maps use.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::bounds::{check_size, AutomatonError};

/// The states of a construction (product, subset construction), numbered in the order
/// they are discovered: the worklist walks them by number while `id` adds new ones, within
/// the size caps.
pub(super) struct StateTable<K> {
    pub(super) keys: Vec<K>,
    pub(super) ids: FastMap<K, usize>,
    pub(super) width: usize,
}

impl<K: Clone + Eq + std::hash::Hash> StateTable<K> {
    /// A table whose state 0 is `start`, for an alphabet of `width` symbols.
    pub(super) fn new(start: K, width: usize) -> Self {
        let mut ids = FastMap::default();
        ids.insert(start.clone(), 0);
        StateTable {
            keys: vec![start],
            ids,
            width,
        }
    }

    pub(super) fn get(&self, id: usize) -> Option<&K> {
        self.keys.get(id)
    }

    /// The number of `key`, adding it as a new state when unseen.
    pub(super) fn id(&mut self, key: K) -> Result<usize, AutomatonError> {
        if let Some(&id) = self.ids.get(&key) {
            return Ok(id);
        }
        let id = self.keys.len();
        check_size(id + 1, self.width)?;
        self.ids.insert(key.clone(), id);
        self.keys.push(key);
        Ok(id)
    }
}

/// A hash map with a cheap multiplicative hasher (the FxHash scheme) for the integer keys
/// of state tables, where SipHash's protection against chosen keys buys nothing and costs
/// a fifth of the automaton time.
pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<StateHasher>>;

#[derive(Default)]
pub(super) struct StateHasher(u64);

impl Hasher for StateHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Integer slices arrive here as raw bytes: take them a word at a time.
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        for &byte in chunks.remainder() {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
