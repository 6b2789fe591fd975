//! Human output: miette diagnostics with source snippets and labels (related places in
//! other files as nested diagnostics), or with `quiet` one line per finding in the
//! `path:line:col: severity[CODE] message` form editors and grep understand; then a
//! one-line summary.

use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use trustlint_parser::{SourceFile, SourceMap, Span};
use trustlint_rules::{Finding, Severity};

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
    let mut snippets_in_file = std::collections::HashMap::new();
    for finding in report.findings {
        let snippets = snippets_in_file
            .entry(finding.primary.file)
            .or_insert(0usize);
        *snippets += 1;
        let source = report.sources.get(finding.primary.file);
        match source {
            Some(file) if !style.quiet && *snippets <= MAX_SNIPPETS_PER_FILE => {
                let diagnostic = FindingDiagnostic::new(finding, file, report.sources);
                let mut text = String::new();
                if handler.render_report(&mut text, &diagnostic).is_err() {
                    writeln!(out, "{}", one_line(report.sources, finding))?;
                    continue;
                }
                write!(out, "{text}")?;
            }
            _ => writeln!(out, "{}", one_line(report.sources, finding))?,
        }
    }
    writeln!(out, "{}", summary(report))
}

fn one_line(sources: &SourceMap, finding: &Finding) -> String {
    let location = Location::of(sources, finding.primary);
    format!(
        "{}:{}:{}: {}[{}] {}",
        location.path,
        location.start_line,
        location.start_column,
        finding.severity,
        finding.rule.code,
        finding.message
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
    message: &'a str,
    span: Span,
    source: IndexedSource<'a>,
}

impl fmt::Debug for RelatedDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl fmt::Display for RelatedDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
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
    source: IndexedSource<'a>,
    help: String,
    /// Related places in the finding's own file become labels.
    local_labels: Vec<LabeledSpan>,
    /// Related places in other files become nested diagnostics.
    elsewhere: Vec<RelatedDiagnostic<'a>>,
}

impl<'a> FindingDiagnostic<'a> {
    fn new(finding: &'a Finding, file: &'a SourceFile, sources: &'a SourceMap) -> Self {
        let mut local_labels = Vec::new();
        let mut elsewhere = Vec::new();
        for related in &finding.related {
            if related.span.file == finding.primary.file {
                local_labels.push(LabeledSpan::new_with_span(
                    Some(related.message.clone()),
                    source_span(related.span),
                ));
            } else if let Some(other) = sources.get(related.span.file) {
                elsewhere.push(RelatedDiagnostic {
                    message: &related.message,
                    span: related.span,
                    source: IndexedSource { file: other },
                });
            }
        }
        let code = finding.rule.code;
        let explain = format!(
            "details: trustlint explain {code} or {}",
            crate::rule_docs::help_uri(code)
        );
        let help = match &finding.help {
            Some(help) => format!("{help}\n{explain}"),
            None => explain,
        };
        FindingDiagnostic {
            finding,
            source: IndexedSource { file },
            help,
            local_labels,
            elsewhere,
        }
    }
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
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
        let primary = LabeledSpan::new_primary_with_span(None, source_span(self.finding.primary));
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
