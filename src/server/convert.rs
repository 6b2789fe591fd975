//! From the lint library's findings to the protocol's shapes: `file:` URIs and paths,
//! byte offsets and UTF-16 positions, diagnostics with their related places, rule links,
//! quick fixes and inline suppressions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Position, Range, TextEdit, Uri,
};
use trustlint_parser::{FileId, SourceFile, Span};
use trustlint_rules::{Applicability, Finding, Severity};

/// A finding as the server keeps it: what is published, and what its code actions edit.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub diagnostic: Diagnostic,
    pub fix: Option<QuickFix>,
    /// The edit that silences the finding with an inline comment, where the file has
    /// comments (YAML, HCL).
    pub suppression: Option<TextEdit>,
}

/// A finding's fix, as a workspace edit.
#[derive(Clone, Debug, PartialEq)]
pub struct QuickFix {
    pub title: String,
    pub safe: bool,
    pub changes: HashMap<Uri, Vec<TextEdit>>,
}

/// The `file:` URI of an absolute path (every byte outside the unreserved set and `/`
/// percent-encoded).
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let path = std::path::absolute(path).ok()?;
    let mut uri = String::from("file://");
    for byte in path.to_str()?.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'.' | b'_' | b'~') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    Uri::from_str(&uri).ok()
}

/// The path of a `file:` URI (`None` for other schemes and undecodable paths).
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme()?.as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    let encoded = uri.path().as_str().as_bytes();
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut index = 0;
    while let Some(&byte) = encoded.get(index) {
        if byte == b'%' {
            let hex = encoded.get(index + 1..index + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            bytes.push(byte);
            index += 1;
        }
    }
    let path = PathBuf::from(String::from_utf8(bytes).ok()?);
    path.is_absolute().then_some(path)
}

/// The protocol position (0-based line, UTF-16 column) of a byte offset of `text`.
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column: usize = before
        .get(line_start..)
        .unwrap_or("")
        .chars()
        .map(char::len_utf16)
        .sum();
    Position::new(saturate(line), saturate(column))
}

/// The byte offset of a protocol position in `text` (clamped to the line and the text).
pub fn offset(text: &str, position: Position) -> usize {
    let mut start = 0;
    for _ in 0..position.line {
        match text.get(start..).and_then(|rest| rest.find('\n')) {
            Some(newline) => start += newline + 1,
            None => return text.len(),
        }
    }
    let line = text.get(start..).unwrap_or("");
    let line = line.split('\n').next().unwrap_or("");
    let mut units = 0;
    for (index, c) in line.char_indices() {
        if units >= position.character as usize {
            return start + index;
        }
        units += c.len_utf16();
    }
    start + line.len()
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The files of a run by id, to place spans.
pub type Files<'a> = HashMap<FileId, &'a SourceFile>;

/// A span's URI and range.
fn located(files: &Files<'_>, span: Span) -> Option<(Uri, Range)> {
    let file = files.get(&span.file)?;
    let uri = path_to_uri(&file.path)?;
    let range = Range::new(
        position(&file.text, span.start as usize),
        position(&file.text, span.end as usize),
    );
    Some((uri, range))
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

/// The finding as the server publishes it, with its quick fix and suppression edit.
pub fn item(files: &Files<'_>, finding: &Finding) -> Option<Item> {
    let (_, range) = located(files, finding.primary)?;
    let code = finding.code();
    let message = match &finding.help {
        Some(help) => format!("{}\nhelp: {help}", finding.message),
        None => finding.message.clone(),
    };
    let related: Vec<DiagnosticRelatedInformation> = finding
        .related
        .iter()
        .filter_map(|related| {
            let (uri, range) = located(files, related.span)?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range),
                message: related.message.clone(),
            })
        })
        .collect();
    let diagnostic = Diagnostic {
        range,
        severity: Some(severity(finding.severity)),
        code: Some(NumberOrString::String(code.to_string())),
        code_description: Uri::from_str(&trustlint_report::help_uri(code))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("trustlint".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    };
    let fix = finding.fix.as_ref().and_then(|fix| {
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for edit in &fix.edits {
            let (uri, range) = located(files, edit.span)?;
            changes
                .entry(uri)
                .or_default()
                .push(TextEdit::new(range, edit.replacement.clone()));
        }
        Some(QuickFix {
            title: format!("{code}: {}", fix.description),
            safe: fix.applicability == Applicability::Safe,
            changes,
        })
    });
    let suppression = files
        .get(&finding.primary.file)
        .and_then(|file| suppression(file, finding.primary.start as usize, code));
    Some(Item {
        diagnostic,
        fix,
        suppression,
    })
}

/// Files whose comments can hold suppressions (docs/suppressions.md): YAML and HCL.
fn has_comments(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| matches!(ext, "yml" | "yaml" | "tf" | "hcl"))
}

/// The edit that silences `code` at byte `offset` of `file`: the code added to a
/// suppression comment on the line above, else a comment line inserted above the line,
/// indented like it.
fn suppression(file: &SourceFile, offset: usize, code: &str) -> Option<TextEdit> {
    if !has_comments(&file.path) {
        return None;
    }
    let text: &str = &file.text;
    let line = file.line_col(saturate(offset)).line;
    let start = file.line_start(line);
    if line > 1 {
        let above = file.line_text(line - 1);
        let trimmed = above.trim_start();
        if let Some(rest) = trimmed
            .strip_prefix('#')
            .or_else(|| trimmed.strip_prefix("//"))
        {
            let rest = rest.trim_start();
            if rest.starts_with("trustlint: ignore[") {
                if let Some(close) = above.find(']') {
                    let at = file.line_start(line - 1) + close;
                    let place = position(text, at);
                    return Some(TextEdit::new(Range::new(place, place), format!(", {code}")));
                }
            }
        }
    }
    let current = file.line_text(line);
    let indent: String = current
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let place = position(text, start);
    Some(TextEdit::new(
        Range::new(place, place),
        format!("{indent}# trustlint: ignore[{code}]\n"),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "a\n\u{1F600}x\ny";
        assert_eq!(position(text, 0), Position::new(0, 0));
        assert_eq!(position(text, 2), Position::new(1, 0));
        // The emoji is 4 bytes and 2 UTF-16 units.
        assert_eq!(position(text, 6), Position::new(1, 2));
        assert_eq!(position(text, 8), Position::new(2, 0));
        assert_eq!(position(text, 9), Position::new(2, 1));
        for offset in [0, 1, 2, 6, 7, 8, 9] {
            assert_eq!(super::offset(text, position(text, offset)), offset);
        }
        // Inside a character, past a line, past the text: clamped.
        assert_eq!(position(text, 3), Position::new(1, 0));
        assert_eq!(super::offset(text, Position::new(0, 99)), 1);
        assert_eq!(super::offset(text, Position::new(99, 0)), text.len());
    }

    #[test]
    fn uris_and_paths_round_trip_with_escapes() {
        let path = Path::new("/tmp/a b/ü%.json");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/%C3%BC%25.json");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        let other = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&other), None);
        let broken = Uri::from_str("file:///a%2").unwrap_or(other);
        assert_eq!(uri_to_path(&broken), None);
    }

    #[test]
    fn suppressions_are_inserted_above_or_added_to_the_comment_above() {
        let file = SourceFile::new(
            FileId(0),
            PathBuf::from(".gitlab-ci.yml"),
            "deploy:\n  script: x\n  # trustlint: ignore[TL301] why\n  image: y\n",
        );
        let edit = suppression(&file, 10, "TL201").unwrap();
        assert_eq!(edit.range.start, Position::new(1, 0));
        assert_eq!(edit.new_text, "  # trustlint: ignore[TL201]\n");
        let edit = suppression(&file, file.text.find("image").unwrap(), "TL302").unwrap();
        assert_eq!(edit.range.start, Position::new(2, 27));
        assert_eq!(edit.new_text, ", TL302");
        let json = SourceFile::new(FileId(1), PathBuf::from("trust.json"), "{}");
        assert_eq!(suppression(&json, 0, "TL101"), None);
    }
}
