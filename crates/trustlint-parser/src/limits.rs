//! Limits that keep hostile input from exhausting time, memory or stack. Hitting one is
//! a [`crate::problem::ProblemKind::Parse`] problem at the place it happened.

use crate::problem::Problem;
use crate::source::{FileId, Span};

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

impl Limits {
    /// A problem at the start of the file when `len` bytes is over the size limit.
    pub fn check_size(&self, file: FileId, len: usize) -> Result<(), Problem> {
        if len > self.max_file_bytes {
            return Err(Problem::parse(
                Span::new(file, 0, 0),
                format!(
                    "file is {len} bytes, over the limit of {} bytes",
                    self.max_file_bytes
                ),
            ));
        }
        Ok(())
    }
}
