//! Human output: miette diagnostics with source snippets and labels (related places in
//! other files as nested diagnostics), or with `quiet` one line per finding in the
//! `path:line:col: severity[CODE] message` form editors and grep understand; then a
//! one-line summary.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use trustlint_parser::{FileId, SourceFile, SourceMap, Span};
use trustlint_rules::{Applicability, Finding, Severity};

use crate::location::Location;
use crate::{HumanStyle, Report};

/// Beyond this many snippets in one file, findings are printed as one line each: miette
/// renders are costly on large files and a wall of snippets helps nobody.
const MAX_SNIPPETS_PER_FILE: usize = 50;

pub(crate) fn write(report: &Report<'_>, style: HumanStyle, out: &mut dyn Write) -> io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(100)
        // Wrapping splits suggested values (`project_path:acme/` | `web:…`) that users
        // copy; terminals wrap long lines themselves.
        .with_wrap_lines(false)
        .with_links(false);
    let mut snippets_in_file = HashMap::new();
    let mut shown_files: HashMap<FileId, Option<ShownFile>> = HashMap::new();
    for finding in report.findings {
        let snippets = snippets_in_file
            .entry(finding.primary.file)
            .or_insert(0usize);
        *snippets += 1;
        if style.quiet || *snippets > MAX_SNIPPETS_PER_FILE {
            writeln!(out, "{}", one_line(report.sources, finding))?;
            continue;
        }
        for file in
            std::iter::once(finding.primary.file).chain(finding.related.iter().map(|r| r.span.file))
        {
            shown_files
                .entry(file)
                .or_insert_with(|| report.sources.get(file).and_then(ShownFile::of));
        }
        let shown = Shown {
            sources: report.sources,
            escaped: &shown_files,
        };
        let rendered = shown.file(finding.primary.file).map(|file| {
            let diagnostic = FindingDiagnostic::new(finding, file, &shown);
            let mut text = String::new();
            handler.render_report(&mut text, &diagnostic).map(|()| text)
        });
        match rendered {
            Some(Ok(text)) => write!(out, "{text}")?,
            _ => writeln!(out, "{}", one_line(report.sources, finding))?,
        }
    }
    writeln!(out, "{}", summary(report))
}

fn one_line(sources: &SourceMap, finding: &Finding) -> String {
    let location = Location::of(sources, finding.primary);
    format!(
        "{}:{}:{}: {}[{}] {}",
        escaped(&location.path),
        location.start_line,
        location.start_column,
        finding.severity,
        finding.rule.code,
        escaped(&finding.message)
    )
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

fn summary(report: &Report<'_>) -> String {
    let files = plural(report.files_checked, "file");
    if report.findings.is_empty() {
        return format!("trustlint: no findings in {files}");
    }
    format!(
        "trustlint: {}, {}, {} in {files}",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.count(Severity::Note), "note"),
    )
}

/// Whether a character from a scanned file must not reach a terminal raw: control
/// characters (escape sequences start with one) and the bidirectional overrides that
/// reorder what is shown ("Trojan Source"). Tabs and line ends of snippets are kept.
fn must_escape(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How an escaped character is written: `\x1b`, `\u{202e}`.
fn escape_of(c: char) -> String {
    if c.is_ascii() {
        format!("\\x{:02x}", c as u32)
    } else {
        format!("\\u{{{:x}}}", c as u32)
    }
}

/// `text` with every character that must not reach a terminal raw escaped, line ends
/// included (a message or a path is one line).
fn escaped(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| must_escape(c) || c == '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if must_escape(c) || c == '\n' {
            out.push_str(&escape_of(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A file whose text holds characters that must be escaped, as snippets show it, with
/// the offsets of the original mapped onto the escaped text.
#[derive(Debug)]
struct ShownFile {
    file: SourceFile,
    /// For each escaped character, its offset in the original and how much longer the
    /// escaped text is once it is written.
    growth: Vec<(usize, usize)>,
}

impl ShownFile {
    /// `None`: nothing in the file needs escaping (its path included).
    fn of(file: &SourceFile) -> Option<ShownFile> {
        let path = file.display_path();
        let text = &file.text;
        // A carriage return ending a line (CRLF files) is a line end, not a control.
        let bare =
            |at: usize, c: char| must_escape(c) && !(c == '\r' && text[at + 1..].starts_with('\n'));
        if !text.char_indices().any(|(at, c)| bare(at, c)) && !path.chars().any(must_escape) {
            return None;
        }
        let mut shown = String::with_capacity(text.len() + 16);
        let mut growth = Vec::new();
        let mut grown = 0;
        for (at, c) in text.char_indices() {
            if bare(at, c) {
                let escape = escape_of(c);
                grown += escape.len() - c.len_utf8();
                growth.push((at, grown));
                shown.push_str(&escape);
            } else {
                shown.push(c);
            }
        }
        let path = std::path::PathBuf::from(escaped(&path).into_owned());
        Some(ShownFile {
            file: SourceFile::new(file.id, path, shown),
            growth,
        })
    }

    fn offset(&self, original: u32) -> u32 {
        let before = self
            .growth
            .partition_point(|&(at, _)| at < original as usize);
        let grown = before
            .checked_sub(1)
            .and_then(|i| self.growth.get(i))
            .map_or(0, |&(_, grown)| grown);
        original.saturating_add(to_u32(grown))
    }
}

/// The run's files as snippets show them: escaped where they need it.
struct Shown<'a> {
    sources: &'a SourceMap,
    escaped: &'a HashMap<FileId, Option<ShownFile>>,
}

impl<'a> Shown<'a> {
    fn file(&self, id: FileId) -> Option<&'a SourceFile> {
        match self.escaped.get(&id) {
            Some(Some(shown)) => Some(&shown.file),
            _ => self.sources.get(id),
        }
    }

    /// `span` in the file as shown.
    fn span(&self, span: Span) -> Span {
        match self.escaped.get(&span.file) {
            Some(Some(shown)) => Span {
                start: shown.offset(span.start),
                end: shown.offset(span.end),
                ..span
            },
            _ => span,
        }
    }
}

/// A file as miette reads it, through our line index instead of a scan from byte 0.
struct IndexedSource<'a> {
    file: &'a SourceFile,
}

impl SourceCode for IndexedSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = &self.file.text;
        let start = span.offset().min(text.len());
        let end = (span.offset() + span.len()).min(text.len());
        let first = self.file.line_col(to_u32(start)).line;
        let last = self
            .file
            .line_col(to_u32(end.saturating_sub(1).max(start)))
            .line;
        let before = u32::try_from(context_lines_before).unwrap_or(u32::MAX);
        let after = u32::try_from(context_lines_after).unwrap_or(u32::MAX);
        let first = first.saturating_sub(before).max(1);
        let last = last.saturating_add(after).min(self.file.line_count());
        // Without context miette wants the data to start at the span itself, with the
        // span's own column (it prints that as the header's position).
        let (data_start, column) = if context_lines_before == 0 {
            (start, self.file.line_col(to_u32(start)).column as usize - 1)
        } else {
            (self.file.line_start(first), 0)
        };
        let data_end = self.file.line_start(last.saturating_add(1)).max(data_start);
        let data = text
            .as_bytes()
            .get(data_start..data_end)
            .ok_or(MietteError::OutOfBounds)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.display_path(),
            data,
            (data_start, data_end - data_start).into(),
            (first - 1) as usize,
            column,
            (last - first + 1) as usize,
        )))
    }
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn source_span(span: Span) -> SourceSpan {
    (span.start as usize, span.len() as usize).into()
}

/// A related place in another file, shown as a nested diagnostic with its own snippet.
struct RelatedDiagnostic<'a> {
    message: Cow<'a, str>,
    span: Span,
    source: IndexedSource<'a>,
}

impl fmt::Debug for RelatedDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for RelatedDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RelatedDiagnostic<'_> {}

impl Diagnostic for RelatedDiagnostic<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            None,
            source_span(self.span),
        ))))
    }
}

/// One finding as a miette diagnostic.
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    /// The message, escaped.
    message: Cow<'a, str>,
    /// The finding's span in the file as shown.
    primary: Span,
    source: IndexedSource<'a>,
    help: String,
    /// Related places in the finding's own file become labels.
    local_labels: Vec<LabeledSpan>,
    /// Related places in other files become nested diagnostics.
    elsewhere: Vec<RelatedDiagnostic<'a>>,
}

impl<'a> FindingDiagnostic<'a> {
    /// The finding in `file` (as shown). Related places in the same file after the
    /// primary one are labels; those before it and in other files are nested
    /// diagnostics, so the first snippet is at the finding's own position.
    fn new(finding: &'a Finding, file: &'a SourceFile, shown: &Shown<'a>) -> Self {
        let mut local_labels = Vec::new();
        let mut elsewhere = Vec::new();
        let primary = shown.span(finding.primary);
        for related in &finding.related {
            let span = shown.span(related.span);
            if related.span.file == finding.primary.file && span.start >= primary.start {
                local_labels.push(LabeledSpan::new_with_span(
                    Some(escaped(&related.message).into_owned()),
                    source_span(span),
                ));
            } else if let Some(other) = shown.file(related.span.file) {
                elsewhere.push(RelatedDiagnostic {
                    message: escaped(&related.message),
                    span,
                    source: IndexedSource { file: other },
                });
            }
        }
        let code = finding.rule.code;
        let explain = format!(
            "details: trustlint explain {code} or {}",
            crate::rule_docs::help_uri(code)
        );
        let fix = finding.fix.as_ref().map(|fix| {
            let how = match fix.applicability {
                Applicability::Safe => "`trustlint check --fix` applies it",
                Applicability::Unsafe => {
                    "unsafe, it changes what is allowed: `trustlint check --fix --unsafe-fixes` applies it"
                }
            };
            format!("fix: {} ({how})", escaped(&fix.description))
        });
        let help = [finding.help.as_deref().map(escaped), fix.map(Cow::Owned)]
            .into_iter()
            .flatten()
            .chain([Cow::Owned(explain)])
            .collect::<Vec<_>>()
            .join("\n");
        FindingDiagnostic {
            finding,
            message: escaped(&finding.message),
            primary,
            source: IndexedSource { file },
            help,
            local_labels,
            elsewhere,
        }
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}[{}]",
            self.finding.severity, self.finding.rule.code
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(&self.help))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let primary = LabeledSpan::new_primary_with_span(None, source_span(self.primary));
        Some(Box::new(
            std::iter::once(primary).chain(self.local_labels.iter().cloned()),
        ))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(
            self.elsewhere.iter().map(|d| d as &dyn Diagnostic),
        ))
    }
}
