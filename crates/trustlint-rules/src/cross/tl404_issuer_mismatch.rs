//! TL404 issuer-mismatch: a job assumes a role whose trust policy does not trust the
//! OIDC provider of the pipeline's tokens (their `iss`, `[gitlab] issuer`, by default
//! `https://{host}`): STS finds no statement for the token and denies every request.
//! The verdict is the relying-party join's ([`issuer_verdict`] on the role's
//! [`crate::analysis::aws_party::AwsTrust`]).

use trustlint_parser::iam::PolicyDocument;

use crate::analysis::link::Link;
use super::{issuer_provider, jobs_phrase, merge_jobs, role_label};
use crate::analysis::relying_party::{issuer_verdict, IssuerVerdict};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use crate::trust::oidc_grants;

#[derive(Debug)]
pub struct IssuerMismatch;

impl Rule for IssuerMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL404
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let issuer = issuer_provider(cx.settings);
        let mut found = Vec::new();
        for link in cx.links() {
            let Some((_, trust)) = link.trust() else {
                continue;
            };
            let refused = cx.aws_trust(link).map(|party| issuer_verdict(party, cx.settings));
            if !matches!(refused, Some(IssuerVerdict::Refused { .. })) {
                continue;
            }
            if let Some(finding) = mismatch(self.meta(), cx, link, trust, &issuer) {
                found.push((link.job.name.value.clone(), finding));
            }
        }
        let issuer_url = cx.settings.issuer();
        out.extend(merge_jobs(found, |jobs, finding| {
            format!(
                "{} present{} ID tokens issued by `{issuer_url}`, but {}",
                jobs_phrase(jobs),
                if jobs.len() == 1 { "s" } else { "" },
                finding.message
            )
        }));
    }
}

/// The finding for a trust that admits no token of `issuer` (its message continues the
/// sentence [`merge_jobs`] starts).
fn mismatch(
    rule: &'static RuleMeta,
    cx: &Context<'_>,
    link: &Link<'_>,
    trust: &PolicyDocument,
    issuer: &str,
) -> Option<Finding> {
    let grants = oidc_grants(trust, cx.settings);
    let used = format!("assumes role {} here", role_label(link));
    let finding = match grants.first() {
        Some(grant) => {
            let trusted: Vec<String> = grants
                .iter()
                .map(|g| format!("`{}`", g.provider.provider))
                .collect();
            Finding::new(
                rule,
                grant.principal.span,
                format!(
                    "the trust policy of role {} only trusts the OIDC provider {}: STS denies AssumeRoleWithWebIdentity for every token of `{issuer}`",
                    role_label(link),
                    trusted.join(", ")
                ),
            )
            .with_help(format!(
                "trust `arn:aws:iam::ACCOUNT:oidc-provider/{issuer}` (and use `{issuer}:sub`/`{issuer}:aud` in the conditions), or set `[gitlab] issuer` in trustlint.toml if the tokens come from another instance"
            ))
        }
        None => {
            let statement = trust.statements.first()?;
            Finding::new(
                rule,
                statement.principal.as_ref().map_or(statement.span, |p| p.key_span),
                format!(
                    "the trust policy of role {} trusts no OIDC provider with `sts:AssumeRoleWithWebIdentity`: STS denies every token",
                    role_label(link)
                ),
            )
            .with_help(format!(
                "add a statement with `\"Principal\": {{\"Federated\": \"arn:aws:iam::ACCOUNT:oidc-provider/{issuer}\"}}`, `\"Action\": \"sts:AssumeRoleWithWebIdentity\"` and conditions on `{issuer}:sub` and `{issuer}:aud`"
            ))
        }
    };
    Some(finding.with_related(link.role_span(), used))
}
