//! TL101 oidc-trust-missing-sub: an `Allow` for an OIDC provider whose tokens it admits
//! without any effective restriction on the `sub` claim.

use trustlint_parser::iam::{BaseOperator, Condition, PolicyDocument};
use trustlint_parser::input::Document;

use super::{
    applies_to_provider, covers_web_identity, oidc_grants, requires_foreign_claim, OidcGrant,
};
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
        for grant in oidc_grants(policy) {
            let admits_nobody = grant
                .statement
                .conditions
                .iter()
                .any(|c| requires_foreign_claim(c, &grant.provider));
            // With part of the Condition block rejected (TL002), absence proves nothing.
            if grant.statement.conditions_incomplete
                || admits_nobody
                || restricts_sub(&grant)
                || denied_outside_some_subs(policy, &grant)
            {
                continue;
            }
            out.push(finding(self.meta(), &grant, cx.settings));
        }
    }
}

/// Whether some condition on the provider's `sub` can be false for a token: anything but
/// `Null` (tokens always carry `sub`) and `StringLike` patterns made only of `*`.
fn restricts_sub(grant: &OidcGrant<'_>) -> bool {
    grant
        .conditions_on("sub")
        .any(|condition| !accepts_every_sub(condition))
}

/// Whether a `Deny` for the same provider and action rejects every `sub` outside a list
/// (`StringNotEquals`/`StringNotLike` on `sub` as its only conditions): a carve-out that
/// restricts `sub` as well as an `Allow` condition would.
fn denied_outside_some_subs(policy: &PolicyDocument, grant: &OidcGrant<'_>) -> bool {
    let key = grant.provider.condition_key("sub");
    policy.statements.iter().any(|statement| {
        statement.is_deny()
            && covers_web_identity(statement)
            && applies_to_provider(statement, &grant.provider)
            && !statement.conditions.is_empty()
            && statement
                .conditions
                .iter()
                .all(|c| c.key_is(&key) && c.operator.value.is_negated())
    })
}

fn accepts_every_sub(condition: &Condition) -> bool {
    let operator = &condition.operator.value;
    match operator.base {
        BaseOperator::Null => true,
        BaseOperator::StringLike => condition
            .values
            .iter()
            .any(|v| !v.value.is_empty() && v.value.chars().all(|c| c == '*')),
        _ => false,
    }
}

fn finding(rule: &'static RuleMeta, grant: &OidcGrant<'_>, settings: &Settings) -> Finding {
    let host = grant.provider.condition_key_prefix();
    let key = grant.provider.condition_key("sub");
    let universal = grant.conditions_on("sub").next();
    let message = match universal {
        Some(condition) => format!(
            "this statement trusts OIDC tokens from `{host}`, but its only condition on `{key}` ({}) accepts every token: any project on {host} can assume the role",
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
    if let Some(condition) = universal {
        finding = finding.with_related(condition.key.span, "this condition accepts every `sub`");
    }
    finding
}
