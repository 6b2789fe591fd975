//! TL406 overprivileged-ci-role: a role a job can assume holds administrator access
//! (TL201), a privilege-escalation path (TL205) or `iam:PassRole` on every role (TL206):
//! whoever can run that job — or push to a ref it runs on — controls the account. The
//! permission rules themselves judge the role's policies, so TL406 agrees with them.

use std::collections::HashMap;

use trustlint_parser::input::Document;

use crate::analysis::job_runs::{JobRuns, RunCase};
use crate::analysis::link::{Link, LinkedRole};
use super::{describe_runs, jobs_phrase, merge_jobs, role_label};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::permissions::tl201_admin_access::AdminAccess;
use crate::permissions::tl205_privilege_escalation::PrivilegeEscalation;
use crate::permissions::tl206_pass_role_any::PassRoleAny;
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct OverprivilegedCiRole;

impl Rule for OverprivilegedCiRole {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL406
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        // The worst finding of each role's permissions, judged once per role however many
        // jobs assume it.
        let mut worst_of: HashMap<Vec<usize>, Option<Finding>> = HashMap::new();
        for link in cx.links() {
            let Some(role) = &link.role else {
                continue;
            };
            let worst = worst_of
                .entry(role_identity(role))
                .or_insert_with(|| permission_findings(cx, role).into_iter().next());
            let Some(worst) = worst else {
                continue;
            };
            let Some(reachable) = reachable_runs(cx, link) else {
                continue;
            };
            let finding = link
                .with_role_use(Finding::new(
                    self.meta(),
                    link.role_span(),
                    format!(
                        "role {}, which holds {} ({}: {})",
                        role_label(link),
                        what(worst.rule.code),
                        worst.rule.code,
                        worst.message
                    ),
                ))
                .with_related(
                link.job.name.span,
                format!(
                    "job `{}` runs on {}",
                    link.job.name.value,
                    describe_runs(&reachable)
                ),
            )
            .with_help("give the pipeline a role with only the actions and resources it deploys, and keep administrative roles out of CI")
            .with_related(worst.primary, format!("{} here", worst.rule.code));
            found.push((link.job.name.value.clone(), finding));
        }
        out.extend(merge_jobs(found, |jobs, finding| {
            format!(
                "{} can assume {}. Whoever can run {} — anyone who can push to a ref {} on — gets this access",
                jobs_phrase(jobs),
                finding.message,
                if jobs.len() == 1 { "it" } else { "them" },
                if jobs.len() == 1 { "it runs" } else { "they run" },
            )
        }));
    }
}

/// Where the job gets the role: the run cases on which the trust admits its token (the
/// relying-party join, [`admission`]), or every case when that can't be told; `None`
/// when the trust refuses the job everywhere (TL402 says so: the role is out of reach).
fn reachable_runs(cx: &Context<'_>, link: &Link<'_>) -> Option<JobRuns> {
    let runs = link.runs(cx.settings);
    let Some(verdict) = cx.aws_admission(link) else {
        return Some(runs.clone());
    };
    if verdict.refused_always() {
        return None;
    }
    let cases: Vec<RunCase> = verdict
        .cases
        .iter()
        .filter(|c| !c.admitted.is_no())
        .filter_map(|c| c.case(runs).cloned())
        .collect();
    Some(JobRuns {
        cases,
        exact: runs.exact,
    })
}

/// What [`permission_findings`] reads of a linked role: the places in memory of its
/// declared role and of its permission policies.
fn role_identity(role: &LinkedRole<'_>) -> Vec<usize> {
    let declared = role.declared.map(|(_, declared)| std::ptr::from_ref(declared) as usize);
    let permissions = role
        .permissions
        .iter()
        .map(|(_, policy)| std::ptr::from_ref(*policy) as usize);
    declared.into_iter().chain(permissions).collect()
}

/// What each permission rule's finding means, for the message.
pub(crate) fn what(code: &str) -> &'static str {
    match code {
        "TL201" => "administrator access",
        "TL205" => "a privilege-escalation path",
        _ => "`iam:PassRole` on every role",
    }
}

/// The TL201, TL205 and TL206 findings of a role's permissions, most severe rule first.
pub(crate) fn permission_findings(cx: &Context<'_>, role: &LinkedRole<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let rules: [&dyn Rule; 3] = [&AdminAccess, &PrivilegeEscalation, &PassRoleAny];
    for rule in rules {
        if let Some((document, declared)) = role.declared {
            rule.check_role(cx, document, declared, &mut out);
        }
        for (document, policy) in &role.permissions {
            rule.check_policy(cx, document as &Document, policy, &mut out);
        }
    }
    out
}
