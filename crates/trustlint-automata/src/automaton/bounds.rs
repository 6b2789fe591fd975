//! The bounds on the automata a construction may build, and the error it returns when
//! it would exceed them.

use std::fmt;

/// The most states a DFA may have.
pub const MAX_STATES: usize = 20_000;
/// The most transition-table entries (states × alphabet width) a DFA may have.
pub const MAX_TABLE_ENTRIES: usize = 4_000_000;

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
