//! Per-thread memory of what was derived from the last few policies or documents
//! checked. The engine runs every rule on one document in turn on one thread, so rules
//! that derive the same facts (the TL1xx `sub` analysis, the TL2xx access sets, the
//! script flows of a pipeline's jobs) derive them once.
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

/// How many keys a [`LastChecked`] remembers: the policies of one IaC file (several
/// roles' trust and permissions policies) are asked about in turn by every rule.
const REMEMBERED: usize = 4;

/// The last keys seen on a thread and the values derived for them, newest first (use
/// in a `thread_local!`).
pub struct LastChecked<V> {
    entries: RefCell<Vec<(CheckedKey, V)>>,
}

impl<V: Clone> LastChecked<V> {
    pub const fn new() -> Self {
        LastChecked {
            entries: RefCell::new(Vec::new()),
        }
    }

    /// The value remembered for `key`, or the one `derive` makes, which is remembered in
    /// place of the oldest. Without a key the value is derived and nothing is remembered.
    pub fn get_or_derive(&self, key: Option<CheckedKey>, derive: impl FnOnce() -> V) -> V {
        let Some(key) = key else {
            return derive();
        };
        let remembered = self
            .entries
            .borrow()
            .iter()
            .find(|(remembered, _)| *remembered == key)
            .map(|(_, value)| value.clone());
        remembered.unwrap_or_else(|| {
            let value = derive();
            let mut entries = self.entries.borrow_mut();
            entries.truncate(REMEMBERED - 1);
            entries.insert(0, (key, value.clone()));
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
        let key = |address| Some(CheckedKey::new(run, address));
        assert_eq!(get(key(1), 10), 10);
        assert_eq!(get(key(1), 99), 10);
        assert_eq!(get(key(2), 20), 20);
        assert_eq!(get(key(1), 99), 10);
        // The same address in another run is another value.
        assert_eq!(get(Some(CheckedKey::new(other_run, 1)), 12), 12);
        // Without a key nothing is remembered.
        assert_eq!(get(None, 13), 13);
        assert_eq!(get(None, 14), 14);
        // Four keys are remembered: a fifth replaces the oldest (key 1).
        assert_eq!(get(key(3), 30), 30);
        assert_eq!(get(key(4), 40), 40);
        assert_eq!(get(key(2), 99), 20);
        assert_eq!(get(key(1), 11), 11);
        assert_eq!(derived, 8);
    }
}
