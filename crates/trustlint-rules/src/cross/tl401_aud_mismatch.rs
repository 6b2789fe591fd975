//! TL401 aud-mismatch: the `aud` of the token a job presents is not accepted by the
//! role it assumes — not in the OIDC provider's client-id list (STS: "Incorrect token
//! audience") or refused by the trust policy's `:aud` conditions (AccessDenied). A token
//! with several audiences passes when one of them is accepted. An `aud` built from CI/CD
//! variables the file does not define gives a note: it can't be checked offline. The
//! verdict is the relying-party join's ([`audience_verdict`] on the role's
//! [`crate::analysis::aws_party::AwsTrust`]).

use trustlint_parser::gitlab::Text;
use trustlint_parser::iam::Condition;
use trustlint_parser::Span;

use super::{issuer_provider, jobs_phrase, merge_jobs, role_label};
use crate::analysis::link::Link;
use crate::analysis::relying_party::{audience_verdict, AudienceVerdict};
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct AudMismatch;

impl Rule for AudMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL401
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        for link in cx.links() {
            if let Some(finding) = check_link(self.meta(), cx, link) {
                found.push((link.job.name.value.clone(), finding));
            }
        }
        out.extend(merge_jobs(found, |jobs, finding| {
            format!("{}: {}", jobs_phrase(jobs), finding.message)
        }));
    }
}

/// Whether the role refuses the audience of the job's token every time (TL401's error).
pub(crate) fn refuses_audience(cx: &Context<'_>, link: &Link<'_>) -> bool {
    check_link(&meta::TL401, cx, link)
        .is_some_and(|finding| finding.severity == Severity::Error)
}

/// The audiences of a token after `$VAR` expansion, each with where it is written.
struct Audience {
    value: String,
    span: Span,
}

fn check_link(rule: &'static RuleMeta, cx: &Context<'_>, link: &Link<'_>) -> Option<Finding> {
    let token = link.token?;
    let party = cx.aws_trust(link)?;
    let audiences: Vec<Audience> = token
        .aud
        .iter()
        .map(|text: &Text| Audience {
            value: link.expand(text),
            span: text.span,
        })
        .collect();
    let first = audiences.first()?;
    // Worded only for a finding (most links pass).
    let used = || format!("assumes role {} here", role_label(link));
    let presented_at = |finding: Finding| match link.token_used_at {
        Some(span) => {
            finding.with_related(span, format!("presents token `{}` here", token.name.value))
        }
        None => finding,
    };
    if let Some(symbolic) = audiences.iter().find(|a| a.value.contains('$')) {
        return Some(
            Finding::new(
                rule,
                symbolic.span,
                format!(
                    "the `aud` of token `{}` is `{}`, built from CI/CD variables the pipeline does not define: whether role {} accepts it can't be checked offline",
                    token.name.value, symbolic.value, role_label(link)
                ),
            )
            .with_severity(Severity::Note)
            .with_help("write the audience literally in `id_tokens:` (e.g. `aud: https://gitlab.com`) so it can be checked")
            .with_related(link.role_span(), used()),
        );
    }
    let presented: Vec<String> = audiences.iter().map(|a| a.value.clone()).collect();
    if audience_verdict(party, &presented) != AudienceVerdict::Refused {
        return None;
    }
    let values: Vec<&str> = presented.iter().map(String::as_str).collect();
    if let Some(provider) = party.provider().filter(|_| party.refused_by_client_ids(&values)) {
        let client_ids: Vec<&str> = provider
            .client_ids
            .iter()
            .map(|c| c.value.as_str())
            .collect();
        let mut finding = Finding::new(
            rule,
            first.span,
            format!(
                "token `{}` has aud {}, which the OIDC provider `{}` does not list among its client IDs ({}): STS rejects it with \"Incorrect token audience\" before reading the trust policy",
                token.name.value,
                quoted(&values),
                issuer_provider(cx.settings),
                quoted(&client_ids)
            ),
        )
        .with_help(format!(
            "request the token with `aud: {}` in `id_tokens:`, or add `{}` to the provider's client-id list",
            client_ids.first().copied().unwrap_or_default(),
            first.value
        ))
        .with_related(link.role_span(), used());
        for client_id in &provider.client_ids {
            finding = finding.with_related(client_id.span, "an accepted client ID");
        }
        return Some(presented_at(finding));
    }
    let grants = party.grants();
    let conditions: Vec<&Condition> = grants.iter().flat_map(|g| g.conditions_on("aud")).collect();
    let accepted: Vec<&str> = conditions
        .iter()
        .filter(|c| !c.operator.value.is_negated())
        .flat_map(|c| c.value_texts())
        .collect();
    let key = grants
        .first()
        .map(|g| g.provider.condition_key("aud"))
        .unwrap_or_default();
    let mut finding = Finding::new(
        rule,
        first.span,
        format!(
            "token `{}` has aud {}, but the trust policy of role {} only accepts {} for `{key}`: every AssumeRoleWithWebIdentity of this job is denied (AccessDenied)",
            token.name.value,
            quoted(&values),
            role_label(link),
            if accepted.is_empty() { "other audiences".to_owned() } else { quoted(&accepted) }
        ),
    )
    .with_help(match accepted.first() {
        Some(aud) => format!("request the token with `aud: {aud}` in `id_tokens:`, or accept `{}` in the trust policy's `{key}` condition", first.value),
        None => format!("accept `{}` in the trust policy's `{key}` condition", first.value),
    })
    .with_related(link.role_span(), used());
    for condition in conditions {
        finding = finding.with_related(
            condition.values_span,
            format!("the trust's condition on `{key}`"),
        );
    }
    Some(presented_at(finding))
}

fn quoted(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
