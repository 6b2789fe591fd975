//! The JSON report, version 1, exactly as docs/json-output.md specifies: deterministic, sorted,
//! with byte offsets and 1-based Unicode-scalar columns.

use std::io::{self, Write};

use serde::Serialize;
use trustlint_parser::{SourceMap, Span};
use trustlint_rules::{Finding, Severity};

use crate::location::Location;
use crate::{Items, Report};

#[derive(Serialize)]
struct JsonReport<D> {
    version: u32,
    tool: Tool,
    summary: Summary,
    /// The [`Diagnostic`]s ([`Items`]).
    diagnostics: D,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    code: &'static str,
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    file: String,
    range: Range,
    help: Option<&'a str>,
    related: Vec<Related<'a>>,
    fix: Option<Fix<'a>>,
}

#[derive(Serialize)]
struct Range {
    start: Position,
    end: Position,
    offset: u32,
    length: u32,
}

#[derive(Serialize)]
struct Position {
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct Related<'a> {
    file: String,
    range: Range,
    message: &'a str,
}

#[derive(Serialize)]
struct Fix<'a> {
    description: &'a str,
    /// `safe` (applied by `check --fix`) or `unsafe` (only with `--unsafe-fixes`).
    applicability: &'static str,
    edits: Vec<Edit<'a>>,
}

#[derive(Serialize)]
struct Edit<'a> {
    file: String,
    range: Range,
    replacement: &'a str,
}

fn located(sources: &SourceMap, span: Span) -> (String, Range) {
    let location = Location::of(sources, span);
    let range = Range {
        start: Position {
            line: location.start_line,
            column: location.start_column,
        },
        end: Position {
            line: location.end_line,
            column: location.end_column,
        },
        offset: location.offset,
        length: location.length,
    };
    (location.path, range)
}

fn diagnostic<'a>(sources: &SourceMap, finding: &'a Finding) -> Diagnostic<'a> {
    let (file, range) = located(sources, finding.primary);
    Diagnostic {
        code: finding.rule.code,
        rule: finding.rule.name,
        severity: finding.severity.as_str(),
        message: &finding.message,
        file,
        range,
        help: finding.help.as_deref(),
        related: finding
            .related
            .iter()
            .map(|related| {
                let (file, range) = located(sources, related.span);
                Related {
                    file,
                    range,
                    message: &related.message,
                }
            })
            .collect(),
        fix: finding.fix.as_ref().map(|fix| Fix {
            description: &fix.description,
            applicability: fix.applicability.as_str(),
            edits: fix
                .edits
                .iter()
                .map(|edit| {
                    let (file, range) = located(sources, edit.span);
                    Edit {
                        file,
                        range,
                        replacement: &edit.replacement,
                    }
                })
                .collect(),
        }),
    }
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let json = JsonReport {
        version: 1,
        tool: Tool {
            name: "trustlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        summary: Summary {
            files: report.files_checked,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
        },
        diagnostics: Items,
    };
    let findings = report.findings;
    crate::write_pretty_json(
        &json,
        findings.len(),
        |index| {
            findings
                .get(index)
                .map(|finding| diagnostic(report.sources, finding))
        },
        out,
    )
}
