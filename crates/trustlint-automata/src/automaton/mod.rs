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
//! By concern: `alphabet` (the partition and character classes), `bounds` (the size
//! bounds and the error), `state_table` (the numbering of a construction's states),
//! `expr` (expressions and the NFA that becomes a DFA), `dfa` (the automaton, its
//! questions and witnesses), `product` (the binary operations over pairs of states) and
//! `minimise` (Hopcroft's refinement); this module only declares them and re-exports
//! the public types.

mod alphabet;
mod bounds;
mod dfa;
mod expr;
mod minimise;
mod product;
mod state_table;

pub use alphabet::{Alphabet, CharClass, CONTROL};
pub use bounds::{AutomatonError, MAX_STATES, MAX_TABLE_ENTRIES};
pub use dfa::Dfa;
pub use expr::Expr;

#[cfg(test)]
mod tests;
