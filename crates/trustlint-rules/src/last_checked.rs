//! Per-thread memory of what was derived from the policy or document checked last. The
//! engine runs every rule on one document in turn on one thread, so rules that derive
//! the same facts (the TL1xx `sub` analysis, the TL2xx access sets, the script flows of
//! a pipeline's jobs) derive them once.
//!
//! An entry is keyed by a [`CheckedKey`]: the run (one [`Context`], never reused) and the
//! address of a policy or document of the run's workspace, which the context borrows for
//! the whole run, so nothing else can have that address while the key is used. What is
//! not part of the workspace has no key and is derived afresh: a stale entry is never
//! used, whatever ran on the thread before.
//!
//! [`Context`]: crate::rule::Context

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

/// A policy or document of one run's workspace ([`crate::rule::Context::policy_key`],
/// [`crate::rule::Context::document_key`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckedKey {
    run: u64,
    address: usize,
}

impl CheckedKey {
    /// The key of the value at `address` in run `run`: the caller guarantees the value
    /// stays there, and nothing else takes its place, for the whole run.
    pub(crate) fn new(run: u64, address: usize) -> CheckedKey {
        CheckedKey { run, address }
    }
}

/// A number no other run of this process has.
pub(crate) fn new_run() -> u64 {
    static NEXT_RUN: AtomicU64 = AtomicU64::new(0);
    NEXT_RUN.fetch_add(1, Ordering::Relaxed)
}

/// The last key seen on a thread and the value derived for it (use in a
/// `thread_local!`).
pub struct LastChecked<V> {
    entry: RefCell<Option<(CheckedKey, V)>>,
}

impl<V: Clone> LastChecked<V> {
    pub const fn new() -> Self {
        LastChecked {
            entry: RefCell::new(None),
        }
    }

    /// The value remembered for `key`, or the one `derive` makes, which is remembered in
    /// its place. Without a key the value is derived and nothing is remembered.
    pub fn get_or_derive(&self, key: Option<CheckedKey>, derive: impl FnOnce() -> V) -> V {
        let Some(key) = key else {
            return derive();
        };
        let remembered = self
            .entry
            .borrow()
            .as_ref()
            .filter(|(remembered, _)| *remembered == key)
            .map(|(_, value)| value.clone());
        remembered.unwrap_or_else(|| {
            let value = derive();
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
        let last: LastChecked<usize> = LastChecked::new();
        let mut derived = 0;
        let mut get = |key: Option<CheckedKey>, value: usize| {
            last.get_or_derive(key, || {
                derived += 1;
                value
            })
        };
        let (run, other_run) = (new_run(), new_run());
        let first = Some(CheckedKey::new(run, 1));
        assert_eq!(get(first, 10), 10);
        assert_eq!(get(first, 99), 10);
        assert_eq!(get(Some(CheckedKey::new(run, 2)), 20), 20);
        assert_eq!(get(first, 11), 11);
        // The same address in another run is another value.
        assert_eq!(get(Some(CheckedKey::new(other_run, 1)), 12), 12);
        // Without a key nothing is remembered.
        assert_eq!(get(None, 13), 13);
        assert_eq!(get(None, 14), 14);
        assert_eq!(derived, 6);
    }
}
