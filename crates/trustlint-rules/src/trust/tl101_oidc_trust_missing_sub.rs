//! TL101 oidc-trust-missing-sub: an `Allow` for an OIDC provider whose tokens it admits
//! without any effective restriction on the `sub` claim.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::{oidc_grants, requires_foreign_claim, OidcGrant, SubReasoner};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use crate::settings::Settings;

#[derive(Debug)]
pub struct OidcTrustMissingSub;

impl Rule for OidcTrustMissingSub {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL101
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let Some(grammar) = cx.sub_grammar() else {
            return;
        };
        let reasoner = SubReasoner::new(grammar, policy);
        for grant in oidc_grants(policy) {
            // With part of the Condition block rejected (TL002), absence proves nothing;
            // a statement no token of this provider can satisfy is TL106's.
            if grant.statement.conditions_incomplete
                || grant
                    .statement
                    .conditions
                    .iter()
                    .any(|c| requires_foreign_claim(c, &grant.provider))
            {
                continue;
            }
            let Some(admitted) = reasoner.effective(policy, &grant) else {
                continue;
            };
            // Only an exact answer fires: policy variables widen the language.
            if admitted.is_exact() && admitted.is_all().unwrap_or(false) {
                out.push(finding(self.meta(), &grant, cx.settings));
            }
        }
    }
}

fn finding(rule: &'static RuleMeta, grant: &OidcGrant<'_>, settings: &Settings) -> Finding {
    let host = grant.provider.condition_key_prefix();
    let key = grant.provider.condition_key("sub");
    let written = grant.conditions_on("sub").next();
    let message = match written {
        Some(condition) => format!(
            "this statement trusts OIDC tokens from `{host}`, but its conditions on `{key}` ({}) accept every token: any project on {host} can assume the role",
            condition.operator.value
        ),
        None => format!(
            "this statement trusts OIDC tokens from `{host}` but never checks `{key}`: any project on {host} can assume the role"
        ),
    };
    let project = settings
        .gitlab_project
        .as_deref()
        .unwrap_or("mygroup/myproject");
    let help = format!(
        "add a StringEquals condition on `{key}`, e.g. \"project_path:{project}:ref_type:branch:ref:{}\"",
        settings.default_branch
    );
    let mut finding = Finding::new(rule, grant.statement.span, message)
        .with_help(help)
        .with_related(
            grant.principal.span,
            format!("tokens of `{host}` are trusted here"),
        );
    for condition in grant.conditions_on("sub") {
        finding = finding.with_related(condition.key.span, "this condition admits every `sub`");
    }
    finding
}
