//! The JSON report, version 1, exactly as docs/json-output.md specifies: deterministic, sorted,
//! with byte offsets and 1-based Unicode-scalar columns.

use std::io::{self, Write};

use serde::Serialize;
use trustlint_parser::{SourceMap, Span};
use trustlint_rules::{Finding, Severity};

use crate::location::Location;
use crate::pretty::PrettyJson;
use crate::{Items, Report};

#[derive(Serialize)]
struct JsonReport<D> {
    version: u32,
    tool: Tool,
    summary: Summary,
    /// The findings ([`Items`]), each written by [`diagnostic`].
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

/// Writes `finding` as a diagnostic of the report (docs/json-output.md): `code`, `rule`,
/// `severity`, `message`, `file`, `range`, `help`, `related`, `fix`, in this order.
fn diagnostic(json: &mut PrettyJson<'_>, sources: &SourceMap, finding: &Finding) {
    json.object(|json| {
        json.field("code").string(finding.rule.code);
        json.field("rule").string(finding.rule.name);
        json.field("severity").string(finding.severity.as_str());
        json.field("message").string(&finding.message);
        located(json, sources, finding.primary);
        json.field("help").optional_string(finding.help.as_deref());
        json.field("related")
            .array(&finding.related, |json, related| {
                json.object(|json| {
                    located(json, sources, related.span);
                    json.field("message").string(&related.message);
                });
            });
        let Some(fix) = &finding.fix else {
            json.field("fix").null();
            return;
        };
        json.field("fix").object(|json| {
            json.field("description").string(&fix.description);
            // `safe` (applied by `check --fix`) or `unsafe` (only with `--unsafe-fixes`).
            json.field("applicability")
                .string(fix.applicability.as_str());
            json.field("edits").array(&fix.edits, |json, edit| {
                json.object(|json| {
                    located(json, sources, edit.span);
                    json.field("replacement").string(&edit.replacement);
                });
            });
        });
    });
}

/// The fields `file` and `range` (`start` and `end` line and column, `offset`, `length`)
/// of a place.
fn located(json: &mut PrettyJson<'_>, sources: &SourceMap, span: Span) {
    let location = Location::of(sources, span);
    json.field("file").string(&location.path);
    json.field("range").object(|json| {
        for (name, line, column) in [
            ("start", location.start_line, location.start_column),
            ("end", location.end_line, location.end_column),
        ] {
            json.field(name).object(|json| {
                json.field("line").number(line);
                json.field("column").number(column);
            });
        }
        json.field("offset").number(location.offset);
        json.field("length").number(location.length);
    });
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
        |index, bytes, depth| {
            let mut json = PrettyJson::new(bytes, depth);
            match findings.get(index) {
                Some(finding) => diagnostic(&mut json, report.sources, finding),
                None => json.null(),
            }
            Ok(())
        },
        out,
    )
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use trustlint_rules::{meta, Applicability, Edit, Fix};

    use super::*;

    /// The diagnostic as serde writes it (the report's types before `diagnostic` wrote
    /// them by hand), fields in order.
    #[derive(Serialize)]
    struct Serialized<'a> {
        code: &'static str,
        rule: &'static str,
        severity: &'static str,
        message: &'a str,
        file: String,
        range: Range,
        help: Option<&'a str>,
        related: Vec<Place<'a>>,
        fix: Option<SerializedFix<'a>>,
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
    struct Place<'a> {
        file: String,
        range: Range,
        #[serde(flatten)]
        text: std::collections::BTreeMap<&'static str, &'a str>,
    }

    #[derive(Serialize)]
    struct SerializedFix<'a> {
        description: &'a str,
        applicability: &'static str,
        edits: Vec<Place<'a>>,
    }

    fn place<'a>(sources: &SourceMap, span: Span, key: &'static str, text: &'a str) -> Place<'a> {
        let l = Location::of(sources, span);
        Place {
            file: l.path,
            range: Range {
                start: Position {
                    line: l.start_line,
                    column: l.start_column,
                },
                end: Position {
                    line: l.end_line,
                    column: l.end_column,
                },
                offset: l.offset,
                length: l.length,
            },
            text: [(key, text)].into_iter().collect(),
        }
    }

    fn serialized<'a>(sources: &SourceMap, finding: &'a Finding) -> Serialized<'a> {
        let Place { file, range, .. } = place(sources, finding.primary, "", "");
        Serialized {
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
                .map(|r| place(sources, r.span, "message", &r.message))
                .collect(),
            fix: finding.fix.as_ref().map(|fix| SerializedFix {
                description: &fix.description,
                applicability: fix.applicability.as_str(),
                edits: fix
                    .edits
                    .iter()
                    .map(|e| place(sources, e.span, "replacement", &e.replacement))
                    .collect(),
            }),
        }
    }

    /// Findings with and without help, related places and fixes, messages with quotes,
    /// backslashes, control characters and non-ASCII text, written at two depths.
    #[test]
    fn diagnostics_are_written_as_serde_writes_them() {
        let mut sources = SourceMap::new();
        let file = sources.add(
            PathBuf::from("./iam/trust é.json"),
            "{\n  \"a\": \"*\"\n}\n".to_string(),
        );
        let star = Span::new(file, 9, 12);
        let mut with_fix = Finding::new(
            &meta::TL101,
            star,
            "a \"quoted\" \\ path\twith\u{1}control and é",
        )
        .with_help("pin the sub")
        .with_related(Span::new(file, 0, 1), "the object")
        .with_related(Span::new(file, 3, 6), "its key");
        with_fix.fix = Some(Fix {
            description: "pin the project".to_string(),
            edits: vec![
                Edit {
                    span: star,
                    replacement: "\"project_path:g/p\"".to_string(),
                },
                Edit {
                    span: Span::new(file, 13, 13),
                    replacement: String::new(),
                },
            ],
            applicability: Applicability::Unsafe,
        });
        let findings = [
            Finding::new(&meta::TL005, Span::new(file, 0, 30), "past the end"),
            with_fix,
        ];
        for finding in &findings {
            for depth in [0, 2] {
                let mut ours = Vec::new();
                diagnostic(&mut PrettyJson::new(&mut ours, depth), &sources, finding);
                let mut theirs = Vec::new();
                crate::render_serialized(&mut theirs, &serialized(&sources, finding), depth)
                    .unwrap();
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    String::from_utf8(theirs).unwrap()
                );
            }
        }
    }
}
