//! GitLab's code quality report (`artifacts:reports:codequality`): a JSON array of
//! CodeClimate-style issues, one per finding, with the fields GitLab reads
//! (`description`, `check_name`, `fingerprint`, `severity`, `location.path`,
//! `location.lines.begin`). Schema: docs/schemas/codequality.schema.json.

use std::io::{self, Write};

use serde::Serialize;
use trustlint_rules::Severity;

use crate::location::Location;
use crate::{Items, Report};

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    engine_name: &'static str,
    check_name: &'static str,
    description: String,
    categories: [&'static str; 1],
    fingerprint: &'a str,
    severity: &'static str,
    location: IssueLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<IssueContent<'a>>,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

#[derive(Serialize)]
struct IssueContent<'a> {
    body: &'a str,
}

/// GitLab's scale: info, minor, major, critical, blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "info",
    }
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let prints = report.fingerprints;
    let issue = |index: usize| {
        let (finding, fingerprint) = report.findings.get(index).zip(prints.get(index))?;
        let location = Location::of(report.sources, finding.primary);
        Some(Issue {
            kind: "issue",
            engine_name: "trustlint",
            check_name: finding.rule.code,
            description: format!("{}: {}", finding.rule.code, finding.message),
            categories: ["Security"],
            fingerprint,
            severity: severity(finding.severity),
            location: IssueLocation {
                path: location.path,
                lines: Lines {
                    begin: location.start_line,
                    end: location.end_line,
                },
            },
            content: finding.help.as_deref().map(|body| IssueContent { body }),
        })
    };
    let count = report.findings.len().min(prints.len());
    crate::write_pretty_json(
        &Items,
        count,
        |index, bytes, depth| crate::render_serialized(bytes, &issue(index), depth),
        out,
    )
}
