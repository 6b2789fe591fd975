//! trustlint-report: turns findings into output formats (human, json, sarif, GitLab code
//! quality, GitLab SAST). It never decides what is a finding or how severe it is, nor
//! masks or fingerprints: it renders the outcome of a run (`trustlint-lint`), whose files
//! already have their secrets masked and whose findings have their fingerprints.

mod codequality;
mod gitlab_sast;
mod human;
mod json;
mod location;
mod rule_docs;
mod sarif;

use std::io::{self, Write};
use std::time::SystemTime;

use trustlint_parser::SourceMap;
use trustlint_rules::{Finding, Severity};

pub use rule_docs::{help_uri, rule_page};

/// Writes `value` as indented JSON and a final newline. The serializer writes many small
/// pieces; it writes them into a buffer of its own type, not through `out`'s vtable one
/// by one, and the buffer goes to `out` in large blocks.
fn write_pretty_json<T: serde::Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut buffered, value)?;
    writeln!(buffered)?;
    buffered.flush()
}

/// A JSON array of what the iterator made by `F` yields, built entry by entry while it is
/// written: a report of many findings never holds all its entries at once.
pub(crate) struct Streamed<F>(pub(crate) F);

impl<F, I> serde::Serialize for Streamed<F>
where
    F: Fn() -> I,
    I: IntoIterator,
    I::Item: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    CodeQuality,
    GitlabSast,
}

/// How human output looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HumanStyle {
    pub color: bool,
    /// One line per finding: `path:line:col: severity[CODE] message`.
    pub quiet: bool,
}

/// Everything a reporter needs: the findings (already filtered and sorted) with their
/// fingerprints, the files they point into (secrets masked: a format prints what it finds
/// there), how many files were checked, and when the run started.
#[derive(Debug)]
pub struct Report<'a> {
    pub findings: &'a [Finding],
    /// One per finding, in order (`trustlint_lint::fingerprint`).
    pub fingerprints: &'a [String],
    pub sources: &'a SourceMap,
    pub files_checked: usize,
    pub started: SystemTime,
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
        Format::Sarif => sarif::write(report, out),
        Format::CodeQuality => codequality::write(report, out),
        Format::GitlabSast => gitlab_sast::write(report, out),
    }
}
