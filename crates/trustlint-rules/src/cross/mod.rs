//! Pipeline ↔ cloud rules (TL4xx): the cross-file checks. Jobs are linked to the roles
//! they assume ([`link`]), and each link is checked: the token's `aud` and issuer against
//! the provider and the trust policy, its `sub` on every ref the job runs on against the
//! trust's `sub` conditions, the trust against what the jobs need, and the role's
//! permissions against what a CI job should hold. Several jobs reaching the same place
//! give one finding naming them all ([`merge_jobs`]).

pub(crate) mod link;
pub(crate) mod sub_match;
include!(concat!(env!("OUT_DIR"), "/rules_cross.rs"));

pub(crate) use tl401_aud_mismatch::refuses_audience;
pub(crate) use tl406_overprivileged_ci_role::{permission_findings, what};

use std::sync::Arc;

use trustlint_parser::iam::{Condition, Effect, PolicyDocument};
use trustlint_parser::Span;

use crate::analysis::condition_eval::{decide, Decision, RequestContext};
use crate::analysis::job_runs::JobRuns;
use crate::analysis::sub_claim::RefType;
use crate::finding::Finding;
use crate::settings::Settings;
use crate::trust::{carve_outs, oidc_grants, variable_syntax, OidcGrant};

use link::Link;

/// The provider (`HOST[/PATH]`) of the pipeline's tokens: the configured issuer URL
/// without its scheme and trailing `/`.
pub fn issuer_provider(settings: &Settings) -> String {
    bare_url(&settings.issuer()).to_owned()
}

/// A provider URL as a condition-key prefix: `https://gitlab.com/` → `gitlab.com`.
pub fn bare_url(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
        .trim_end_matches('/')
}

/// The grants of `trust` for the pipeline's issuer.
pub fn issuer_grants<'p>(trust: &'p PolicyDocument, settings: &Settings) -> Vec<OidcGrant<'p>> {
    let issuer = issuer_provider(settings);
    oidc_grants(trust, settings)
        .into_iter()
        .filter(|g| g.provider.provider.eq_ignore_ascii_case(&issuer))
        .collect()
}

/// Whether a grant's conditions on `aud`, after the `Deny` statements on `aud` alone,
/// may accept a token with these audiences (its other conditions are other rules' part).
pub fn aud_accepted(trust: &PolicyDocument, grant: &OidcGrant<'_>, audiences: &[&str]) -> bool {
    let key = grant.provider.condition_key("aud");
    let allow: Vec<Condition> = grant.conditions_on("aud").cloned().collect();
    let denies: Vec<Vec<Condition>> = carve_outs(trust, grant, &key)
        .into_iter()
        .map(|deny| deny.conditions.clone())
        .collect();
    let statements = std::iter::once((Effect::Allow, allow.as_slice()))
        .chain(denies.iter().map(|d| (Effect::Deny, d.as_slice())));
    let request = RequestContext::new().with_values(&key, audiences);
    !matches!(
        decide(statements, &request, variable_syntax(trust)),
        Decision::ExplicitDeny | Decision::ImplicitDeny
    )
}

/// The role's name for messages: its ARN as the job names it.
pub fn role_label(link: &Link<'_>) -> String {
    format!("`{}`", link.role_ref.arn)
}

/// One finding per primary span: findings of several jobs at the same place become one,
/// its message built by `message` from the job names (in order, each once), its related
/// spans the union of theirs.
pub fn merge_jobs(
    found: Vec<(Arc<str>, Finding)>,
    message: impl Fn(&[Arc<str>], &Finding) -> String,
) -> Vec<Finding> {
    let mut groups: Vec<(Vec<Arc<str>>, Finding)> = Vec::new();
    for (job, finding) in found {
        match groups.iter_mut().find(|(_, f)| same_place(f, &finding)) {
            Some((jobs, merged)) => {
                if !jobs.contains(&job) {
                    jobs.push(job);
                }
                for related in finding.related {
                    if !merged.related.contains(&related) {
                        merged.related.push(related);
                    }
                }
            }
            None => groups.push((vec![job], finding)),
        }
    }
    groups
        .into_iter()
        .map(|(jobs, mut finding)| {
            finding.message = message(&jobs, &finding);
            finding
        })
        .collect()
}

fn same_place(a: &Finding, b: &Finding) -> bool {
    a.primary == b.primary && a.severity == b.severity
}

/// "job `a`" or "jobs `a` and `b`" / "jobs `a`, `b` and `c`".
pub fn jobs_phrase(jobs: &[Arc<str>]) -> String {
    let quoted: Vec<String> = jobs.iter().map(|j| format!("`{j}`")).collect();
    match quoted.as_slice() {
        [] => "no job".to_owned(),
        [one] => format!("job {one}"),
        [init @ .., last] => format!("jobs {} and {last}", init.join(", ")),
    }
}

/// Where a job runs, in words: "branch `main`", "tags such as `v1.0` and
/// merge-request pipelines", "no pipeline".
pub fn describe_runs(runs: &JobRuns) -> String {
    const LISTED: usize = 3;
    let mut parts = Vec::new();
    for (ref_type, plural) in [(RefType::Branch, "branches"), (RefType::Tag, "tags")] {
        let names = runs.names(ref_type);
        if names.is_empty() {
            continue;
        }
        parts.push(match names.finite_members(LISTED) {
            Some(members) if members.len() == 1 => {
                format!("{ref_type} `{}`", members.join(""))
            }
            Some(members) => format!(
                "{plural} {}",
                members
                    .iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => match names.witness() {
                Some(example) => format!("{plural} such as `{example}`"),
                None => plural.to_owned(),
            },
        });
    }
    if runs.merge_requests() {
        parts.push("merge-request pipelines".to_owned());
    }
    if parts.is_empty() {
        "no pipeline".to_owned()
    } else {
        parts.join(" and ")
    }
}

/// Whether `inner` lies inside `outer`.
pub fn span_contains(outer: Span, inner: Span) -> bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
}
