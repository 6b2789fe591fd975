//! The one finding type every rule produces and every reporter consumes.

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

/// A suggested change that resolves a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
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

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
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
