//! Spans as every format prints them: a display path and 1-based line/column ranges.

use trustlint_parser::{SourceMap, Span};

/// Where a span is, in the words of the reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub offset: u32,
    pub length: u32,
}

impl Location {
    /// Resolves a span; a span into an unknown file gives an empty path at 1:1.
    pub fn of(sources: &SourceMap, span: Span) -> Location {
        let Some(file) = sources.get(span.file) else {
            return Location {
                path: String::new(),
                start_line: 1,
                start_column: 1,
                end_line: 1,
                end_column: 1,
                offset: span.start,
                length: span.len(),
            };
        };
        let start = file.line_col(span.start);
        let end = file.line_col(span.end);
        Location {
            path: file.display_path(),
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
            offset: span.start,
            length: span.len(),
        }
    }
}
