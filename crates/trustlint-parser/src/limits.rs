//! Limits that keep hostile input from exhausting time, memory or stack. Hitting one is
//! a [`crate::problem::ProblemKind::Parse`] problem at the place it happened.

/// Per-file limits applied by every loader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_bytes: usize,
    /// Deepest nesting of maps and lists.
    pub max_depth: usize,
    /// Most YAML alias dereferences in one document.
    pub max_aliases: usize,
    /// Most nodes in one document, counting alias expansions.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 8 * 1024 * 1024,
            max_depth: 128,
            max_aliases: 10_000,
            max_nodes: 2_000_000,
        }
    }
}
