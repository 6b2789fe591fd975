//! Exact finite automata over claim strings: the alphabet partition, regular expressions
//! over character classes ([`Expr`]), minimal complete DFAs ([`Dfa`]) and the boolean
//! algebra, decision procedures and witnesses the pattern questions need.
//!
//! An [`Alphabet`] is the sorted set of characters that occur in the languages involved;
//! every other character falls into one class, "other", whose members all behave
//! identically, so the automata are exact over the whole of Unicode. Binary operations
//! read both operands through the union of their alphabets.
//!
//! The ASCII control characters (U+0000–U+001F, U+007F) are one symbol, [`CONTROL`]: no
//! GitLab `sub`, project path or git ref name contains one, so the languages the rules
//! ask about never tell them apart, and sharing one symbol halves the width of the `sub`
//! grammar (which otherwise lists each of them as forbidden). The one approximation: a
//! pattern that itself contains a control character matches any control character in
//! its place.
//!
//! Bounds: a DFA has at most [`MAX_STATES`] states and at most [`MAX_TABLE_ENTRIES`]
//! transitions (states × alphabet width); a construction that would exceed them returns
//! [`AutomatonError::TooComplex`] instead of running on. Automata built from expressions
//! are minimised (Hopcroft's partition refinement, O(n · width · log n)); a product is
//! minimised only when it has more states than its operands together (minimising the
//! small products of a pattern with the `sub` grammar cost a third of the trust rules'
//! time and saved nothing); pairs holding the sink of an operand the product's acceptance
//! needs are numbered as one dead state, and witness searches skip them. Equality of
//! [`Dfa`] values is equality of their alphabets and languages.
//!
//! By concern: `alphabet` (the partition and character classes), `expr` (expressions and
//! the NFA that becomes a DFA), `dfa` (the automaton, its questions and witnesses),
//! `product` (the binary operations over pairs of states) and `minimise` (Hopcroft's
//! refinement); this module holds what they share (bounds, errors, the state tables).

mod alphabet;
mod dfa;
mod expr;
mod minimise;
mod product;

pub use alphabet::{Alphabet, CharClass};
pub use dfa::Dfa;
pub use expr::Expr;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use expr::Nfa;

/// The most states a DFA may have.
pub const MAX_STATES: usize = 20_000;
/// The most transition-table entries (states × alphabet width) a DFA may have.
pub const MAX_TABLE_ENTRIES: usize = 4_000_000;

/// The character standing for every ASCII control character (module documentation).
pub const CONTROL: char = '\u{0}';

/// `c`, or [`CONTROL`] for an ASCII control character.
fn canonical(c: char) -> char {
    if c.is_ascii_control() {
        CONTROL
    } else {
        c
    }
}

/// Characters tried first, in order, to render the "other" class in witnesses.
const OTHER_REPRESENTATIVES: [char; 8] = ['x', 'y', 'z', 'q', 'w', 'k', 'v', 'j'];

/// Why an automaton could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutomatonError {
    /// The construction needed more than [`MAX_STATES`] states or [`MAX_TABLE_ENTRIES`]
    /// transitions.
    TooComplex {
        /// States reached when the construction stopped.
        states: usize,
    },
}

impl fmt::Display for AutomatonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AutomatonError::TooComplex { states } => write!(
                f,
                "the patterns are too complex to analyse exactly (stopped at {states} automaton states)"
            ),
        }
    }
}

impl std::error::Error for AutomatonError {}

pub(super) fn check_size(states: usize, width: usize) -> Result<(), AutomatonError> {
    if states > MAX_STATES || states.saturating_mul(width) > MAX_TABLE_ENTRIES {
        Err(AutomatonError::TooComplex { states })
    } else {
        Ok(())
    }
}

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

#[cfg(test)]
mod tests;
