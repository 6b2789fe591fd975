//! Source files and spans: every loaded file gets a [`FileId`], every value a [`Span`]
//! (file + UTF-8 byte range), and the [`SourceMap`] turns byte offsets into the 1-based
//! line/column (Unicode scalar columns) that every output format prints.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A UTF-8 byte range `start..end` in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { file, start, end }
    }

    /// The smallest span covering both (they must be in the same file; otherwise `self`).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// One loaded file: its display path (as given, relative to the current folder when
/// possible), its text and the byte offset of every line start. A clone shares the text
/// and the line starts.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub id: FileId,
    pub path: PathBuf,
    pub text: Arc<str>,
    line_starts: Arc<[u32]>,
}

impl SourceFile {
    pub fn new(id: FileId, path: PathBuf, text: impl Into<Arc<str>>) -> Self {
        let text = text.into();
        let line_starts = line_starts(&text).into();
        SourceFile {
            id,
            path,
            text,
            line_starts,
        }
    }

    /// The path as printed in reports, with `/` separators on every platform.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// 1-based line and Unicode-scalar column of a byte offset (clamped to the text and
    /// moved back to a character boundary).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = self.floor_char_boundary(offset as usize);
        let line_index = self
            .line_starts
            .partition_point(|&start| start as usize <= offset)
            .saturating_sub(1);
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0) as usize;
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count());
        LineCol {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset where a 1-based line starts (the end of the text past the last line).
    pub fn line_start(&self, line: u32) -> usize {
        let index = (line as usize).saturating_sub(1);
        self.line_starts
            .get(index)
            .map_or(self.text.len(), |&s| s as usize)
    }

    /// The byte offset of a 1-based line and Unicode-scalar column (clamped to the line).
    pub fn offset_of(&self, line: u32, column: u32) -> usize {
        let start = self.line_start(line);
        let line_text = self.text.get(start..).unwrap_or("");
        let line_text = line_text.split('\n').next().unwrap_or("");
        let chars = (column as usize).saturating_sub(1);
        start
            + line_text
                .char_indices()
                .nth(chars)
                .map_or(line_text.len(), |(i, _)| i)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let start = self.line_start(line);
        let end = self.line_start(line + 1);
        self.text
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }

    pub fn line_count(&self) -> u32 {
        u32::try_from(self.line_starts.len()).unwrap_or(u32::MAX)
    }

    /// The text a span covers (empty when the span is out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    fn floor_char_boundary(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

/// All files of one run (or of one part of a run), indexed by [`FileId`]. A map built
/// with [`SourceMap::starting_at`] hands out ids from that id on, so that the maps of
/// several parts of a run, each loaded on its own, join into one ([`SourceMap::append`]).
#[derive(Debug, Default)]
pub struct SourceMap {
    first: u32,
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty map whose first file gets the id `first`.
    pub fn starting_at(first: FileId) -> Self {
        SourceMap {
            first: first.0,
            files: Vec::new(),
        }
    }

    /// The id of the map's first file (or the one it will get).
    pub fn first_id(&self) -> FileId {
        FileId(self.first)
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: PathBuf, text: impl Into<Arc<str>>) -> FileId {
        let id = self.next_id();
        self.files.push(SourceFile::new(id, path, text));
        id
    }

    /// Adds a file built elsewhere; it gets the next id whatever id it had.
    pub fn push(&mut self, mut file: SourceFile) -> FileId {
        let id = self.next_id();
        file.id = id;
        self.files.push(file);
        id
    }

    /// Adds the files of `other`, which must start at this map's next id (spans into
    /// them keep pointing at the same files); otherwise `other` is handed back.
    pub fn append(&mut self, other: SourceMap) -> Result<(), SourceMap> {
        if other.first != self.next_id().0 {
            return Err(other);
        }
        self.files.extend(other.files);
        Ok(())
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0.checked_sub(self.first)? as usize)
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The next id [`SourceMap::add`] will hand out.
    pub fn next_id(&self) -> FileId {
        let len = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        FileId(self.first.saturating_add(len))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// The offset of each line's start: 0, and the offset after each `\n` (found by
/// `memchr`, many bytes at a time: every loaded file is indexed).
fn line_starts(text: &str) -> Vec<u32> {
    let newlines = || memchr::memchr_iter(b'\n', text.as_bytes());
    // Counted first, so the list is allocated once.
    let mut starts = Vec::with_capacity(1 + newlines().count());
    starts.push(0);
    starts.extend(newlines().map(|at| u32::try_from(at + 1).unwrap_or(u32::MAX)));
    starts
}

/// A path with `/` separators and no leading `./`.
pub fn display_path(path: &Path) -> String {
    // Checked as UTF-8 at once (the usual case) before character by character.
    let text = path
        .to_str()
        .map_or_else(|| path.to_string_lossy(), Cow::Borrowed);
    let shown = if text.contains('\\') {
        Cow::Owned(text.replace('\\', "/"))
    } else {
        text
    };
    shown.strip_prefix("./").unwrap_or(&shown).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(FileId(0), PathBuf::from("t"), text)
    }

    #[test]
    fn display_paths_use_slashes_without_a_leading_dot() {
        for (path, shown) in [
            ("a/b.json", "a/b.json"),
            ("./a/b.json", "a/b.json"),
            (".\\a\\b.json", "a/b.json"),
            ("././a", "./a"),
            (".", "."),
            ("./", ""),
            ("../a", "../a"),
            ("é/ç", "é/ç"),
        ] {
            assert_eq!(display_path(Path::new(path)), shown, "{path}");
        }
    }

    #[test]
    fn line_and_unicode_column() {
        let f = file("ab\nçé\"x\"\n");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // `"` after two two-byte characters is byte 7, column 3.
        assert_eq!(f.line_col(7), LineCol { line: 2, column: 3 });
        assert_eq!(f.line_col(1000), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn offset_inside_a_character_moves_back() {
        let f = file("é");
        assert_eq!(f.line_col(1), LineCol { line: 1, column: 1 });
    }

    #[test]
    fn offset_of_inverts_line_col() {
        let f = file("ab\nçé\"x\"\n");
        for offset in [0, 1, 3, 5, 7, 8] {
            let lc = f.line_col(offset);
            assert_eq!(f.offset_of(lc.line, lc.column), offset as usize);
        }
        assert_eq!(f.line_text(2), "çé\"x\"");
    }
}
