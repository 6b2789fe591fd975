//! TL306 cloud-job-on-any-ref: a job that assumes a cloud role (it requests an ID token
//! and names a role ARN, uses `secrets:` or presents the token to a cloud) for a
//! production-like environment, and whose `rules`/`only`/`except` and `workflow:rules`
//! let it run on an unprotected branch or tag, or in merge-request pipelines from an
//! unprotected source branch ([`JobRuns`]).

use trustlint_parser::gitlab::{Job, Text};
use trustlint_parser::input::{Content, Document};

use crate::analysis::token_use::{script_lines, token_uses};
use crate::analysis::job_runs::{JobRuns, PipelineSource, RunCase};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct CloudJobOnAnyRef;

impl Rule for CloudJobOnAnyRef {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL306
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::GitlabCi(pipeline) = &document.content else {
            return;
        };
        let mut found = Vec::new();
        for job in &pipeline.jobs {
            let Some((environment, written)) = production_environment(job) else {
                continue;
            };
            if !assumes_cloud_role(job) {
                continue;
            }
            let runs = JobRuns::of(pipeline, job, cx.settings);
            let Some((case, name)) = runs.unprotected_case(cx.settings) else {
                continue;
            };
            let primary = case.because.unwrap_or(job.name.span);
            let (reach, who) = reach(case, &name);
            let admitted = match case.because {
                Some(_) => "this clause admits it",
                None => "with no `rules` or `only`, GitLab runs it on every branch and tag",
            };
            let hedge = if runs.exact {
                ""
            } else {
                " (assuming the variables and file changes the rules test can take any value)"
            };
            let mut finding = Finding::new(
                self.meta(),
                primary,
                format!(
                    "job `{}` assumes a cloud role for the production-like {} and can run {reach}: {admitted}{hedge}; {who} can change the job and act with the role",
                    job.name.value, environment
                ),
            )
            .with_help(
                "run the job on protected refs only: `rules: - if: $CI_COMMIT_REF_PROTECTED == \"true\"` (or `if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH` with a protected default branch), and keep it out of merge-request pipelines; if the refs it runs on are protected, list them in `protected-refs` in trustlint.toml",
            )
            .with_related(written.span, "the production-like environment");
            if case.because.is_some() {
                finding = finding.with_related(job.name.span, format!("job `{}`", job.name.value));
            }
            found.push(finding);
        }
        // A fragment another pipeline includes is judged there (asked only when there is
        // something to report: the answer reads the other pipelines).
        if !found.is_empty() && !cx.is_included_fragment(document) {
            out.extend(found);
        }
    }
}

/// Where the job runs (for the message), and who can make it run there.
fn reach(case: &RunCase, name: &str) -> (String, String) {
    if case.source == PipelineSource::MergeRequestEvent {
        (
            format!(
                "in merge-request pipelines, from unprotected source branches such as `{name}`"
            ),
            "anyone who can open a merge request".to_string(),
        )
    } else {
        (
            format!(
                "on the unprotected {} `{name}` (`{}` pipelines)",
                case.ref_type,
                case.source.name()
            ),
            format!("anyone who can push a {}", case.ref_type),
        )
    }
}

/// Words of an environment name or tier that mean production.
const PRODUCTION_WORDS: &[&str] = &["production", "prod", "prd", "live"];

/// The job's `environment:name` or `deployment_tier` when it names production
/// (`production`, `prod-eu`, `production/eu`, `Live`, …), described for messages.
fn production_environment(job: &Job) -> Option<(String, &Text)> {
    let environment = job.environment.as_ref()?;
    let production = |text: &&Text| {
        text.value
            .to_ascii_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| PRODUCTION_WORDS.contains(&word))
    };
    if let Some(name) = environment.name.as_ref().filter(production) {
        return Some((format!("environment `{}`", name.value), name));
    }
    let tier = environment.deployment_tier.as_ref().filter(production)?;
    let named = match &environment.name {
        Some(name) => format!(" (environment `{}`)", name.value),
        None => String::new(),
    };
    Some((format!("deployment tier `{}`{named}", tier.value), tier))
}

/// Does the job request an ID token and use it for a cloud role: a role ARN or role
/// variable, `secrets:`, or the token presented to a cloud?
fn assumes_cloud_role(job: &Job) -> bool {
    if job.id_tokens.is_empty() {
        return false;
    }
    // `arn:aws:iam::…:role/…`, also in the `aws-cn` and `aws-us-gov` partitions.
    let names_role = |text: &str| {
        text.contains("--role-arn")
            || (text.contains("arn:aws") && text.contains(":iam::") && text.contains(":role/"))
    };
    let role_variable = job.variables.iter().any(|v| {
        matches!(v.name.value.as_ref(), "AWS_ROLE_ARN" | "ROLE_ARN")
            || v.value
                .as_ref()
                .is_some_and(|value| names_role(&value.value))
    });
    role_variable
        || !job.secrets.is_empty()
        || script_lines(job).any(|line| names_role(&line.value))
        || !token_uses(job).is_empty()
}
