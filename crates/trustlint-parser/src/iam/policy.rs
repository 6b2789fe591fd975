//! A whole IAM policy document: `Version`, `Id` and its statements.

use crate::iam::statement::Statement;
use crate::source::Span;
use crate::spanned::Spanned;

/// The current policy language version; policy variables (`${aws:username}`) need it.
pub const VERSION_2012: &str = "2012-10-17";
/// The older version, also what AWS assumes when `Version` is missing.
pub const VERSION_2008: &str = "2008-10-17";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDocument {
    /// The span of the whole document.
    pub span: Span,
    pub version: Option<Spanned<String>>,
    pub id: Option<Spanned<String>>,
    /// The statements that could be read, in source order (a single statement object
    /// gives one).
    pub statements: Vec<Statement>,
    /// The span of the `Statement` key, when present.
    pub statement_key_span: Option<Span>,
}

impl PolicyDocument {
    /// True when some statement has `Principal` or `NotPrincipal`: a role trust policy or
    /// another resource-based policy, as opposed to an identity (permissions) policy.
    pub fn is_trust_policy(&self) -> bool {
        self.statements.iter().any(Statement::has_principal)
    }

    /// The effective version: `2008-10-17` when `Version` is missing.
    pub fn effective_version(&self) -> &str {
        self.version
            .as_ref()
            .map_or(VERSION_2008, |v| v.value.as_str())
    }

    /// True when policy variables (`${aws:username}`, `${aws:PrincipalTag/x}`) are
    /// substituted: only under `Version: 2012-10-17`; otherwise they are literal text.
    pub fn supports_policy_variables(&self) -> bool {
        self.effective_version() == VERSION_2012
    }
}
