//! TL302 removed-ci-job-jwt: a reference to `CI_JOB_JWT`, `CI_JOB_JWT_V1` or
//! `CI_JOB_JWT_V2` (`$X`, `${X}`, `$env:X`) in any value of a pipeline — scripts,
//! variables, `secrets:`, `rules:if` — reported at the variable name, with a fix when the
//! job already defines exactly one ID token to use instead.

use std::collections::BTreeMap;

use trustlint_parser::gitlab::{Job, Text, Val};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::{SourceMap, Span};

use super::walk;
use crate::analysis::shell;
use crate::finding::{Applicability, Edit, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct RemovedCiJobJwt;

/// The removed variables, and their common prefix.
const REMOVED_NAMES: [&str; 3] = ["CI_JOB_JWT", "CI_JOB_JWT_V1", "CI_JOB_JWT_V2"];
const REMOVED: &str = "CI_JOB_JWT";

/// One reference to a removed variable and the jobs whose configuration holds it.
#[derive(Debug, Default)]
struct Use<'p> {
    name: String,
    jobs: Vec<&'p Job>,
}

impl Rule for RemovedCiJobJwt {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL302
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::GitlabCi(pipeline) = &document.content else {
            return;
        };
        let sources = &cx.workspace.sources;
        let mut uses: BTreeMap<Span, Use<'_>> = BTreeMap::new();
        // Every value once as written (hidden templates, `workflow:`, global keywords)...
        for (span, name) in walk::values(&pipeline.config).flat_map(|v| references(sources, v)) {
            uses.entry(span).or_default().name = name;
        }
        // ...and the jobs that run it.
        for job in &pipeline.jobs {
            for (span, name) in walk::values(&job.config).flat_map(|v| references(sources, v)) {
                let entry = uses.entry(span).or_default();
                entry.name = name;
                if !entry.jobs.iter().any(|j| j.name.span == job.name.span) {
                    entry.jobs.push(job);
                }
            }
        }
        let issuer = cx.settings.issuer();
        for (span, used) in uses {
            if !walk::reports_on(cx, document, span.file) {
                continue;
            }
            out.push(finding(self.meta(), span, &used, &issuer));
        }
    }
}

fn finding(rule: &'static RuleMeta, span: Span, used: &Use<'_>, issuer: &str) -> Finding {
    let name = &used.name;
    let mut finding = Finding::new(
        rule,
        span,
        format!("`{name}` was removed in GitLab 17.0 (deprecated in 15.9, and since 16.0 not set in jobs that define `id_tokens`): the job gets an empty value, so the cloud or Vault login that uses it fails"),
    )
    .with_help(format!("request an ID token in the job and use it instead: `id_tokens: {{GITLAB_OIDC_TOKEN: {{aud: {issuer}}}}}` and `$GITLAB_OIDC_TOKEN` (set `aud` to the audience the AWS OIDC provider or the Vault role expects)"));
    if let Some(job) = used.jobs.first() {
        finding = finding.with_related(job.name.span, format!("used by job `{}`", job.name.value));
    }
    // Mechanical only where the name itself was located (not a whole escaped scalar).
    let exact = span.len() as usize == name.len();
    if let Some(token) = sole_id_token(&used.jobs).filter(|_| exact) {
        finding.fix = Some(Fix {
            description: format!("use the job's ID token `{token}`"),
            edits: vec![Edit {
                span,
                replacement: token.to_string(),
            }],
            // The job already requests the token: only the reference changes.
            applicability: Applicability::Safe,
        });
    }
    finding
}

/// The name of the one ID token every job in `jobs` defines, when they all define the same
/// single one: then replacing the removed variable by it is mechanical.
fn sole_id_token<'j>(jobs: &[&'j Job]) -> Option<&'j str> {
    let mut names = jobs.iter().map(|job| match job.id_tokens.as_slice() {
        [only] => Some(only.name.value.as_ref()),
        _ => None,
    });
    let first = names.next()??;
    names.all(|name| name == Some(first)).then_some(first)
}

/// The removed variables referenced (`$X`, `${X}`, `$env:X`) in a string value, each at
/// the span of its name (the whole value when the name is not written verbatim, e.g.
/// behind escapes). Mentions on shell comment lines and without a `$` are not uses.
fn references(sources: &SourceMap, val: &Val) -> Vec<(Span, String)> {
    let Some(text) = Text::of(val).filter(|t| t.value.contains(REMOVED)) else {
        return Vec::new();
    };
    uses_in(&text.value)
        .into_iter()
        .map(|(start, name)| {
            let span = shell::span_in(&text, sources, start, start + name.len());
            (span, name.to_string())
        })
        .collect()
}

/// The offsets of the names of the removed variables referenced in `value`, with the names.
fn uses_in(value: &str) -> Vec<(usize, &'static str)> {
    shell::references(value)
        .into_iter()
        .filter_map(|reference| {
            let name = REMOVED_NAMES.iter().find(|&&name| name == reference.name)?;
            let written = value.get(reference.start..reference.end)?;
            let start = reference.start + written.rfind(name)?;
            let line = value.get(..reference.start)?.rsplit('\n').next()?;
            (!line.trim_start().starts_with('#')).then_some((start, *name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_with_sigils_only() {
        let names =
            |text: &str| -> Vec<&str> { uses_in(text).into_iter().map(|(_, n)| n).collect() };
        assert_eq!(
            names("vault write auth/jwt/login jwt=$CI_JOB_JWT role=x"),
            vec!["CI_JOB_JWT"]
        );
        assert_eq!(
            names("--web-identity-token ${CI_JOB_JWT_V2} && echo $env:CI_JOB_JWT_V1"),
            vec!["CI_JOB_JWT_V2", "CI_JOB_JWT_V1"]
        );
        assert!(names("echo CI_JOB_JWT is gone; $CI_JOB_JWT_V3; $CI_JOB_JWTX").is_empty());
        assert!(names("  # old: vault login $CI_JOB_JWT\n").is_empty());
        assert_eq!(
            names("a\n  login $CI_JOB_JWT_V2 # x\n"),
            vec!["CI_JOB_JWT_V2"]
        );
    }
}
