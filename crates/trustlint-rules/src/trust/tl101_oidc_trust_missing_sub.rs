//! TL101 oidc-trust-missing-sub: an `Allow` for an OIDC provider whose tokens it admits
//! without any effective restriction on the `sub` claim.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::{OidcGrant};
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
        // With part of the Condition block rejected (TL002), absence proves nothing; a
        // statement no token of this provider can satisfy is TL106's; only an exact
        // answer fires (policy variables widen the language).
        for analysis in cx.grant_analyses(policy) {
            if analysis.admits_every_token() {
                out.push(finding(self.meta(), &analysis.grant, cx.settings));
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
    let help = format!(
        "add a StringEquals condition on `{key}`, e.g. \"{}\"",
        grant.kind.example_sub(settings)
    );
    let mut finding = Finding::new(rule, grant.statement.span, message)
        .with_help(help)
        .with_related(grant.principal.span, grant.trusted_here());
    for condition in grant.conditions_on("sub") {
        finding = finding.with_related(condition.key.span, "this condition admits every `sub`");
    }
    finding
}
