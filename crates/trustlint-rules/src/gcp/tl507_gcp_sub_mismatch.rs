//! TL507 gcp-sub-mismatch: a job exchanges its ID token with a Google Cloud provider, but
//! on no ref it runs on does its token satisfy the provider's condition and a grant's
//! principal (through the attribute mapping): every run fails. A warning when only some
//! of its refs (or merge-request pipelines) are refused. The join is the claims core's
//! [`admission`], per run case of the job.

use crate::analysis::claim_predicate::{Predicate, Values};
use crate::analysis::job_runs::JobRuns;
use crate::analysis::relying_party::{admission, describe_case, environment, RelyingParty};
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpSubMismatch;

/// What a predicate requires, in words (its tests).
fn requirements(predicate: &Predicate) -> String {
    let mut parts: Vec<String> = Vec::new();
    for test in predicate.tests() {
        if matches!(test.values, Values::Present) {
            continue;
        }
        let part = format!("`{}` {}", test.claim, test.values);
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    if parts.is_empty() {
        "nothing it can evaluate".to_owned()
    } else {
        parts.join(", ")
    }
}

/// The refused refs in words, each once whatever the pipeline sources (`branch `main``),
/// at most three named.
fn refused_refs(cases: impl Iterator<Item = String>) -> String {
    const NAMED: usize = 3;
    let mut refs: Vec<String> = Vec::new();
    for case in cases {
        let reference = case.split(" (").next().unwrap_or(&case).to_owned();
        if !refs.contains(&reference) {
            refs.push(reference);
        }
    }
    let more = refs.len().saturating_sub(NAMED);
    refs.truncate(NAMED);
    let mut text = refs.join(", ");
    if more > 0 {
        text = format!("{text} and {more} more");
    }
    text
}

impl Rule for GcpSubMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL507
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for used in cx.gcp_uses() {
            let party = used.party(cx.workspace);
            if !party.predicate().unknowns().is_empty() {
                continue;
            }
            let runs = JobRuns::of(used.pipeline, used.job, cx.settings);
            let audiences: Vec<String> = used
                .audiences
                .iter()
                .flatten()
                .map(|(aud, _)| aud.clone())
                .collect();
            let verdict = admission(&party, &runs, environment(used.job), &audiences, cx.settings);
            // The run cases on which no token gets in: refusals that depend only on who
            // runs the job (a user's access level) are not the refs' doing.
            let refused = refused_refs(
                verdict
                    .cases
                    .iter()
                    .filter(|c| c.admitted.is_no())
                    .filter_map(|c| c.case(&runs))
                    .map(describe_case),
            );
            let job = &used.job.name.value;
            let provider = &used.provider.label;
            let required = requirements(party.predicate());
            let finding = if verdict.refused_always() {
                Finding::new(
                    self.meta(),
                    used.job.name.span,
                    format!(
                        "no run of job `{job}` gets through provider `{provider}`: its token is refused on {refused} (the condition and grants require {required})"
                    ),
                )
            } else if verdict.cases.iter().any(|c| c.admitted.is_no()) {
                Finding::new(
                    self.meta(),
                    used.job.name.span,
                    format!(
                        "job `{job}` is refused by provider `{provider}` on {refused} (the condition and grants require {required}), though it gets in on its other runs"
                    ),
                )
                .with_severity(Severity::Warning)
            } else {
                continue;
            };
            out.push(
                finding
                    .with_related(used.named_at, "the job names the provider here")
                    .with_related(party.span(), "the provider")
                    .with_help("align the provider's condition and the grant's principal with the project, refs and environment the job runs on, or limit the job to the refs they admit"),
            );
        }
    }
}
