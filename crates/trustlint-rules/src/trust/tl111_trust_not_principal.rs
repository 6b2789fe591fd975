//! TL111 trust-not-principal: an `Allow` with `NotPrincipal`, which trusts everyone but
//! the listed principals.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct TrustNotPrincipal;

impl Rule for TrustNotPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL111
    }

    fn check_policy(
        &self,
        _cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        for statement in policy.statements.iter().filter(|s| s.is_allow()) {
            let Some(block) = statement.principal.as_ref().filter(|b| b.negated) else {
                continue;
            };
            out.push(
                Finding::new(
                    self.meta(),
                    block.key_span,
                    "`Allow` with `NotPrincipal` trusts every principal except the listed ones: every other AWS account, federated user and anonymous caller",
                )
                .with_help("list the trusted principals in `Principal` instead (AWS recommends against `NotPrincipal` with `Allow`)")
                .with_related(block.span, "the only principals excluded"),
            );
        }
    }
}
