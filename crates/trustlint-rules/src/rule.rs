//! The `Rule` trait every rule implements; rules read the run through its
//! [`Context`] (module [`crate::context`]).

use trustlint_parser::iam::{PolicyDocument, Role};
use trustlint_parser::input::Document;

pub use crate::context::Context;
use crate::finding::Finding;
use crate::meta::RuleMeta;
use crate::suppression::Suppressions;

/// One rule. Implement the hooks it needs; the engine calls `check_document` for every
/// document, `check_policy` for every IAM policy (also those inside roles and IaC files),
/// `check_role` for every role, and `check_workspace` once per run; then, once the
/// findings of all are known, `check_suppressions`.
pub trait Rule: Send + Sync {
    /// The rule's metadata, e.g. `&meta::TL101`.
    fn meta(&self) -> &'static RuleMeta;

    fn check_document(&self, _cx: &Context<'_>, _document: &Document, _out: &mut Vec<Finding>) {}

    fn check_policy(
        &self,
        _cx: &Context<'_>,
        _document: &Document,
        _policy: &PolicyDocument,
        _out: &mut Vec<Finding>,
    ) {
    }

    /// Called for every role of a CloudFormation, Terraform or export document (its
    /// policies also reach [`Rule::check_policy`]); the document's `Content::Iam` holds
    /// the file's other policies and OIDC providers.
    fn check_role(
        &self,
        _cx: &Context<'_>,
        _document: &Document,
        _role: &Role,
        _out: &mut Vec<Finding>,
    ) {
    }

    fn check_workspace(&self, _cx: &Context<'_>, _out: &mut Vec<Finding>) {}

    /// The last phase ([`crate::engine::suppress`]), once per run after every other hook
    /// of every rule: the inline suppressions have silenced the findings they name, and
    /// `suppressions` holds what is wrong with the comments (TL005 reports it).
    fn check_suppressions(
        &self,
        _cx: &Context<'_>,
        _suppressions: &Suppressions,
        _out: &mut Vec<Finding>,
    ) {
    }

    /// Whether the rule finds secret values ([`Finding::secrets`]): such a rule runs even
    /// when it is disabled, so every report still masks the secrets it knows of.
    fn finds_secrets(&self) -> bool {
        false
    }
}
