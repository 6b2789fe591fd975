//! trustlint-report: turns findings into output formats (human, json). It never decides
//! what is a finding or how severe it is; it only renders.

mod human;
mod json;
mod location;

use std::io::{self, Write};

use trustlint_parser::SourceMap;
use trustlint_rules::{Finding, Severity};

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

/// How human output looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HumanStyle {
    pub color: bool,
    /// One line per finding: `path:line:col: severity[CODE] message`.
    pub quiet: bool,
}

/// Everything a reporter needs: the findings (already filtered and sorted), the files
/// they point into, and how many files were checked.
#[derive(Debug)]
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub sources: &'a SourceMap,
    pub files_checked: usize,
}

impl Report<'_> {
    /// How many findings of a severity the report holds.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Writes the report in `format`.
pub fn write(
    report: &Report<'_>,
    format: Format,
    style: HumanStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, style, out),
        Format::Json => json::write(report, out),
    }
}
