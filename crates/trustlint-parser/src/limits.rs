//! Limits that keep hostile input from exhausting time, memory or stack. Hitting one is
//! a [`crate::problem::ProblemKind::Parse`] problem at the place it happened.

use std::io::{self, Read};

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
            )
            .with_help(TOO_LARGE_HELP));
        }
        Ok(())
    }
}

/// Reads `file`, whose size said `size` bytes, to its end when it holds at most
/// `max_bytes` bytes, reading no more than one byte past them: `None` when it holds more
/// than its size said and more than the limit (a file that grew after its size was
/// checked, or one whose size says nothing, like those under `/proc`). The caller checks
/// `size` against the limit first.
pub fn read_at_most(file: impl Read, size: u64, max_bytes: usize) -> io::Result<Option<Vec<u8>>> {
    let past_limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(max_bytes));
    file.take(past_limit).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= max_bytes).then_some(bytes))
}

/// What to do about a file over the size limit (nothing in it was checked).
pub const TOO_LARGE_HELP: &str = "nothing in this file was checked: raise the limit with `[limits] max-file-size` in trustlint.toml (e.g. \"64MiB\") to check it";

/// What to say of a file that [`read_at_most`] found over the limit.
pub fn grew_past_message(max_bytes: usize) -> String {
    format!("file holds more than the limit of {max_bytes} bytes (more than its size said when it was opened)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_fits_the_limit_and_nothing_past_it() {
        let text = b"0123456789";
        assert_eq!(
            read_at_most(&text[..], 10, 10).ok().flatten().as_deref(),
            Some(&text[..])
        );
        // A size that says less than the text holds (a growing file, /proc).
        assert_eq!(
            read_at_most(&text[..], 0, 10).ok().flatten().as_deref(),
            Some(&text[..])
        );
        assert_eq!(read_at_most(&text[..], 0, 9).ok(), Some(None));
        // Endless input is read one byte past the limit, then refused.
        let endless = std::io::repeat(b'x');
        assert_eq!(read_at_most(endless, 0, 1000).ok(), Some(None));
    }

    #[test]
    fn the_first_byte_past_the_limit_is_the_last_read() {
        let mut text: &[u8] = b"0123456789";
        assert_eq!(read_at_most(&mut text, 0, 4).ok(), Some(None));
        assert_eq!(text, b"56789");
    }
}
