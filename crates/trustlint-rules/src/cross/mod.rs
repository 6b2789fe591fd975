//! Pipeline ↔ cloud rules (TL4xx): the cross-file checks. Jobs are linked to the roles
//! they assume ([`crate::analysis::link`]), and each link is checked: the token's `aud` and issuer against
//! the provider and the trust policy, its `sub` on every ref the job runs on against the
//! trust's `sub` conditions, the trust against what the jobs need, and the role's
//! permissions against what a CI job should hold. Several jobs reaching the same place
//! give one finding naming them all ([`merge_jobs`]).

include!(concat!(env!("OUT_DIR"), "/rules_cross.rs"));

use std::collections::HashMap;
use std::sync::Arc;

use trustlint_parser::Span;

pub use crate::analysis::grants::issuer_provider;
use crate::analysis::job_runs::JobRuns;
use crate::analysis::link::Link;
use crate::analysis::sub_claim::RefType;
use crate::finding::Finding;
use crate::severity::Severity;

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
    // Each place's group, so that many places cost no search through all groups.
    let mut group_of: HashMap<(Span, Severity), usize> = HashMap::new();
    for (job, finding) in found {
        let place = (finding.primary, finding.severity);
        match group_of.get(&place).and_then(|&at| groups.get_mut(at)) {
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
            None => {
                group_of.insert(place, groups.len());
                groups.push((vec![job], finding));
            }
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
