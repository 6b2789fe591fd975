//! TL702 azure-subject-mismatch: a job signs in to Entra, and on no ref it runs on does
//! its token's `sub` equal the `subject` of a standard credential of the identity it
//! reaches (that trusts its issuer and audience), nor satisfy a flexible one (error:
//! AADSTS70021 every run); or only on some refs (warning, when where the job runs is known
//! exactly). A standard subject is compared exactly: `*` is a literal character, and no
//! GitLab `sub` says `ref_type:mr`. The help lists the subjects the job presents.

use trustlint_parser::federation::azure::Credential;

use super::{job_of, linked, linked_because, sets};
use crate::analysis::azure::{audience_accepts, issuer_accepts, AzureParty};
use crate::analysis::claim_predicate::issuer;
use crate::analysis::job_runs::JobRuns;
use crate::analysis::relying_party::{admission, describe_case, environment};
use crate::finding::{Applicability, Edit, Finding, Fix, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

/// At most this many subjects are listed.
const LISTED: usize = 10;

#[derive(Debug)]
pub struct AzureSubjectMismatch;

impl Rule for AzureSubjectMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL702
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let sets = sets(cx);
        let iss = issuer(cx.settings);
        for (login, set, how) in linked(cx, &sets) {
            let audiences = login.audiences();
            if audiences.is_empty() {
                continue;
            }
            let accepting: Vec<&Credential> = set
                .credentials
                .iter()
                .copied()
                .filter(|c| issuer_accepts(c, &iss) == Some(true))
                .filter(|c| audiences.iter().any(|aud| audience_accepts(c, aud) == Some(true)))
                .collect();
            let standard: Vec<&Credential> = accepting
                .iter()
                .copied()
                .filter(|c| c.expression.is_none())
                .collect();
            let Some(first) = standard.iter().find_map(|c| c.subject.as_ref()) else {
                continue;
            };
            let party = AzureParty::new(set.label(), accepting);
            let runs = JobRuns::of(login.pipeline, login.job, cx.settings);
            let verdict = admission(&party, &runs, environment(login.job), &audiences, cx.settings);
            let severity = if verdict.refused_always() {
                Severity::Error
            } else if verdict.exact && verdict.refused_sometimes() {
                Severity::Warning
            } else {
                continue;
            };
            let needed = needed_subjects(cx, &runs);
            let refusal = verdict.first_refusal(&runs);
            let on = match refusal {
                Some((case, token)) => {
                    let name = token
                        .get("ref")
                        .map(str::to_owned)
                        .or_else(|| case.names.witness())
                        .unwrap_or_else(|| "…".to_owned());
                    let sub = token.get("sub").map(str::to_owned).or_else(|| {
                        let project = cx.settings.gitlab_project.as_deref()?;
                        Some(format!("project_path:{project}:ref_type:{}:ref:{name}", case.ref_type))
                    });
                    let place = format!("{} `{name}` ({})", case.ref_type.name(), case.source.name());
                    match sub {
                        Some(sub) => format!("on {place} its `sub` is `{sub}`"),
                        None => format!("on {place}"),
                    }
                }
                None => verdict
                    .cases
                    .first()
                    .and_then(|c| c.case(&runs))
                    .map_or_else(|| "where it runs".to_owned(), |case| format!("on {}", describe_case(case))),
            };
            let subjects: Vec<String> = standard
                .iter()
                .filter_map(|c| c.subject.as_ref())
                .map(|s| format!("`{}`", s.value))
                .collect();
            let literal_star = standard
                .iter()
                .filter_map(|c| c.subject.as_ref())
                .any(|s| s.value.contains('*'));
            let star = if literal_star {
                " (a standard credential's subject is compared exactly: its `*` is a literal character, not a wildcard)"
            } else {
                ""
            };
            let job = job_of(login);
            let message = if severity == Severity::Error {
                format!(
                    "Job `{job}` signs in to {}{} but on no ref it runs on does its token match a credential: {on}, and the subjects are {}{star} — the token exchange fails with AADSTS70021 every time",
                    set.label(),
                    linked_because(how),
                    subjects.join(", ")
                )
            } else {
                format!(
                    "Job `{job}` signs in to {}{} and on some refs no credential matches its token: {on}, and the subjects are {}{star} — the job fails there with AADSTS70021",
                    set.label(),
                    linked_because(how),
                    subjects.join(", ")
                )
            };
            let mut finding = Finding::new(self.meta(), first.span, message)
                .with_severity(severity)
                .with_related(login.at, "the job signs in here");
            if let Some(because) = refusal.and_then(|(case, _)| case.because) {
                finding = finding.with_related(because, "the job runs there because of this rule");
            }
            finding = match needed.as_slice() {
                [] => finding.with_help("add a credential whose subject is the `sub` the job presents (one credential per ref), or a flexible credential matching them with a `project_id` clause"),
                subs => finding.with_help(format!(
                    "the job presents these subjects; Entra needs one standard credential for each (at most 20 per identity), or one flexible credential matching them: {}",
                    subs.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")
                )),
            };
            if let ([sub], [only], Severity::Error) = (needed.as_slice(), standard.as_slice(), severity) {
                if let Some(subject) = &only.subject {
                    finding.fix = Some(Fix {
                        description: format!("make the subject `{sub}`"),
                        edits: vec![Edit {
                            span: subject.span,
                            replacement: format!("\"{sub}\""),
                        }],
                        applicability: Applicability::Unsafe,
                    });
                }
            }
            out.push(finding);
        }
    }
}

/// The subjects the job's tokens carry where it runs, when they are few and the
/// configuration determines them (the project known, GitLab's default `sub` components,
/// finitely many refs).
fn needed_subjects(cx: &Context<'_>, runs: &JobRuns) -> Vec<String> {
    let default = ["project_path", "ref_type", "ref"];
    let Some(project) = cx.settings.gitlab_project.as_deref() else {
        return Vec::new();
    };
    if cx.settings.sub_claim.iter().map(String::as_str).ne(default) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for case in &runs.cases {
        let Some(names) = case.names.finite_members(LISTED) else {
            return Vec::new();
        };
        for name in names {
            let sub = format!("project_path:{project}:ref_type:{}:ref:{name}", case.ref_type);
            if !out.contains(&sub) {
                out.push(sub);
            }
        }
    }
    if out.len() > LISTED {
        return Vec::new();
    }
    out
}
