//! Problems found while loading input: what could not be parsed or what the target
//! system would reject. Loaders collect them; the input rules (`TL001`, `TL002`, …)
//! turn them into findings, so no loader ever decides how a problem is reported.

use crate::source::Span;

/// What kind of input problem this is; each kind is reported by exactly one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    /// The file can't be parsed at all, or a safety limit (size, depth, aliases) was hit.
    Parse,
    /// An IAM policy AWS would reject.
    InvalidPolicy,
    /// A GitLab CI configuration GitLab would reject.
    InvalidCiConfig,
    /// A GitLab CI `include:` that can't be resolved offline, so what it adds is unchecked.
    UnresolvedInclude,
    /// A path named for checking that holds nothing trustlint reads, so nothing was checked.
    NotRecognised,
    /// A trust policy the input determines only in part (a Terraform policy document built
    /// from `dynamic` blocks), so the trust rules could not check it.
    PartialTrust,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemKind,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub fn parse(span: Span, message: impl Into<String>) -> Self {
        Problem {
            kind: ProblemKind::Parse,
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn invalid_policy(span: Span, message: impl Into<String>) -> Self {
        Problem {
            kind: ProblemKind::InvalidPolicy,
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn invalid_ci_config(span: Span, message: impl Into<String>) -> Self {
        Problem {
            kind: ProblemKind::InvalidCiConfig,
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn unresolved_include(span: Span, message: impl Into<String>) -> Self {
        Problem {
            kind: ProblemKind::UnresolvedInclude,
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn not_recognised(span: Span, message: impl Into<String>) -> Self {
        Problem {
            kind: ProblemKind::NotRecognised,
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn partial_trust(span: Span, message: impl Into<String>) -> Self {
        Problem {
            kind: ProblemKind::PartialTrust,
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
