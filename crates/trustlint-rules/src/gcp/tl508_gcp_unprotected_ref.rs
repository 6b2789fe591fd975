//! TL508 gcp-unprotected-ref: nothing in a provider's condition or in a grant's principal
//! requires a protected ref or environment, so a job on any branch a Developer pushes can
//! use the grant. The claims engine's [`protection`] gives the ref that gets in. Grants
//! (and conditions) that already let other projects in are TL501/TL502/TL504's.

use trustlint_parser::federation::gcp::Provider;
use trustlint_parser::Span;

use crate::analysis::claim_predicate::{issuer, protection, tenancy, Predicate, Protection, Tenancy};
use crate::analysis::gcp::{grants, providers, providers_of, trusts_gitlab, GcpParty};
use crate::analysis::relying_party::RelyingParty;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpUnprotectedRef;

impl Rule for GcpUnprotectedRef {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL508
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let gitlab = issuer(cx.settings);
        let mut granted: Vec<*const Provider> = Vec::new();
        for grant in grants(cx.workspace) {
            for provider in providers_of(cx.workspace, &grant) {
                granted.push(provider);
                if !trusts_gitlab(provider, &gitlab) {
                    continue;
                }
                let party = GcpParty::new(provider, Some((&grant.member.value, grant.member.span)));
                if let Some(finding) = self.check(cx, &party, grant.member.span, &format!("`{}` granted to `{}`", grant.binding.role.value, grant.member.value)) {
                    out.push(finding.with_related(provider.name.span, format!("provider `{}`", provider.label)));
                }
            }
        }
        // Providers without a grant in the workspace: their condition alone.
        for provider in providers(cx.workspace) {
            if granted.contains(&std::ptr::from_ref(provider)) || !trusts_gitlab(provider, &gitlab) {
                continue;
            }
            let Some(condition) = &provider.condition else {
                continue;
            };
            let party = GcpParty::new(provider, None);
            if let Some(finding) = self.check(cx, &party, condition.span, &format!("the condition of provider `{}`", provider.label)) {
                out.push(finding);
            }
        }
    }
}

impl GcpUnprotectedRef {
    fn check(&self, cx: &Context<'_>, party: &GcpParty<'_>, primary: Span, what: &str) -> Option<Finding> {
        let predicate: &Predicate = party.predicate();
        if !matches!(tenancy(predicate, cx.settings), Tenancy::Bound { .. }) {
            return None;
        }
        let Protection::Unprotected(token) = protection(predicate, cx.settings) else {
            return None;
        };
        let reference = token.get("ref").unwrap_or("feature");
        let kind = token.get("ref_type").unwrap_or("branch");
        let project = token.project().map(|p| format!(" of {p}")).unwrap_or_default();
        Some(
            Finding::new(
                self.meta(),
                primary,
                format!(
                    "{what} requires no protected ref or environment: a job{project} on the unprotected {kind} `{reference}` gets it, and any Developer can push one"
                ),
            )
            .with_help("require `assertion.ref_protected == \"true\"` (or a protected environment, `assertion.environment_protected == \"true\"`) in the condition, or bind on an attribute mapped from it"),
        )
    }
}
