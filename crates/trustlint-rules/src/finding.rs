//! The one finding type every rule produces and every reporter consumes.

use std::borrow::Cow;

use trustlint_parser::Span;

use crate::meta::RuleMeta;
pub use crate::severity::Severity;

/// Another place that explains a finding ("job `deploy` assumes this role").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

/// A replacement of the text at `span`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

/// Whether a fix is applied by `trustlint check --fix` or only with `--unsafe-fixes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// It changes how the file says something, not what it allows or does (a
    /// `StringLike` without wildcards made `StringEquals`).
    Safe,
    /// It changes what a policy allows or what a job does (a trust narrowed, a key
    /// renamed, a token requested): right for the finding, but to be reviewed.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A suggested change that resolves a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    /// What to do about it: most rules' is fixed text, kept without a copy.
    pub help: Option<Cow<'static, str>>,
    /// The exact text that causes the finding.
    pub primary: Span,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
    /// Spans holding secret values (keys, tokens): every report masks them, in messages'
    /// snippets and fingerprints alike, so a secret never leaves the input file.
    pub secrets: Vec<Span>,
}

impl Finding {
    /// A finding of `rule` at its default severity.
    pub fn new(rule: &'static RuleMeta, primary: Span, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: rule.severity,
            message: message.into(),
            help: None,
            primary,
            related: Vec::new(),
            fix: None,
            secrets: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    /// Marks `span` as a secret value that no report may print.
    pub fn with_secret(mut self, span: Span) -> Self {
        self.secrets.push(span);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    /// The order of every report: file, offset, code, then end and message for ties.
    pub fn sort_key(&self) -> (trustlint_parser::FileId, u32, &'static str, u32, &str) {
        let span = self.primary;
        (
            span.file,
            span.start,
            self.rule.code,
            span.end,
            &self.message,
        )
    }
}
