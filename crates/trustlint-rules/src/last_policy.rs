//! Per-thread memory of what was derived from the policy checked last. The engine runs
//! every rule on one document in turn on one thread, so rules that derive the same facts
//! from a policy (the TL1xx `sub` analysis, the TL2xx access sets) derive them once. An
//! entry is read only for an equal key (the policy itself and whatever else the facts
//! depend on): a stale entry is never used, whatever ran on the thread before.

use std::cell::RefCell;

/// The last key seen on a thread and the value derived from it (use in a
/// `thread_local!`).
pub struct LastPolicy<K, V> {
    entry: RefCell<Option<(K, V)>>,
}

impl<K, V: Clone> LastPolicy<K, V> {
    pub const fn new() -> Self {
        LastPolicy {
            entry: RefCell::new(None),
        }
    }

    /// The value remembered for a key `is_key` accepts, or the one `derive` makes (with
    /// its key), which is remembered in its place.
    pub fn get_or_derive(&self, is_key: impl Fn(&K) -> bool, derive: impl FnOnce() -> (K, V)) -> V {
        let remembered = self
            .entry
            .borrow()
            .as_ref()
            .filter(|(key, _)| is_key(key))
            .map(|(_, value)| value.clone());
        remembered.unwrap_or_else(|| {
            let (key, value) = derive();
            *self.entry.borrow_mut() = Some((key, value.clone()));
            value
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_again_for_another_key_only() {
        let last: LastPolicy<u32, u32> = LastPolicy::new();
        let mut derived = 0;
        let mut get = |key: u32| {
            last.get_or_derive(
                |k| *k == key,
                || {
                    derived += 1;
                    (key, key * 10)
                },
            )
        };
        assert_eq!(get(1), 10);
        assert_eq!(get(1), 10);
        assert_eq!(get(2), 20);
        assert_eq!(get(1), 10);
        assert_eq!(derived, 3);
    }
}
