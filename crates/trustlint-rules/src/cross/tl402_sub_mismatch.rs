//! TL402 sub-mismatch: on no ref a job can run on does its token's `sub` satisfy the
//! trust policy of the role it assumes — AccessDenied every time (error); or only on some
//! of them (warning, only when where the job runs is known exactly). A merge-request
//! pipeline's ref is its source branch: any branch.

use crate::analysis::link::Link;
use crate::analysis::sub_match::SubMatch;
use super::{jobs_phrase, merge_jobs, role_label};
use crate::analysis::job_runs::PipelineSource;
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct SubMismatch;

impl Rule for SubMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL402
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        for link in cx.links() {
            let Some(matched) = cx.sub_match(link) else {
                continue;
            };
            if let Some(finding) = mismatch(self.meta(), link, matched) {
                found.push((link.job.name.value.clone(), finding));
            }
        }
        out.extend(merge_jobs(found, |jobs, finding| {
            format!("{}: {}", jobs_phrase(jobs), finding.message)
        }));
    }
}

fn mismatch(rule: &'static RuleMeta, link: &Link<'_>, matched: &SubMatch) -> Option<Finding> {
    let mut accepted_somewhere = false;
    let mut refused = None;
    let mut runs_somewhere = false;
    for (_, subs) in &matched.job_subs {
        if subs.is_empty() {
            continue;
        }
        runs_somewhere = true;
        if !subs.intersection(&matched.admitted).ok()?.is_empty() {
            accepted_somewhere = true;
        }
        if refused.is_none() {
            refused = subs.difference(&matched.admitted).ok()?.example().ok()?;
        }
    }
    let refused = refused.filter(|_| runs_somewhere)?;
    let role = role_label(link);
    let case = matched.case_of(&refused);
    let on = match case {
        Some(case) if case.source == PipelineSource::MergeRequestEvent => format!(
            "{} (a merge-request pipeline's ref is its source branch)",
            matched.describe_ref(&refused)
        ),
        _ => matched.describe_ref(&refused),
    };
    let sub = if matched.project_known {
        format!("the sub is `{refused}`")
    } else {
        "the sub (of whichever project runs it: set `[gitlab] project` for an example)".to_owned()
    };
    let (severity, message) = if !accepted_somewhere {
        (
            Severity::Error,
            format!(
                "on no ref this job runs on does its token's `sub` satisfy the trust of role {role}: on {on} {sub}, but the trust only accepts {} — AssumeRoleWithWebIdentity is denied (AccessDenied) every time",
                matched.quoted_trust_values()
            ),
        )
    } else if matched.exact {
        (
            Severity::Warning,
            format!(
                "on some refs this job runs on, the trust of role {role} refuses its token: on {on} {sub}, which none of {} matches — the job fails there with AccessDenied",
                matched.quoted_trust_values()
            ),
        )
    } else {
        return None;
    };
    let mut finding = link
        .with_role_use(Finding::new(rule, link.role_span(), message))
        .with_severity(severity)
        .with_help(format!(
            "restrict the job's `rules:` to the refs the trust accepts, or accept `{refused}` (a `StringEquals` value on the trust's `sub` key) if the job should deploy from {on}"
        ));
    for span in &matched.trust_spans {
        finding = finding.with_related(*span, "the trust's condition on `sub`");
    }
    if let Some(because) = case.and_then(|c| c.because) {
        finding = finding.with_related(because, "the job runs there because of this rule");
    }
    if let Some(token) = link.token {
        finding = finding.with_related(token.name.span, "the token the job presents");
    }
    Some(finding)
}
