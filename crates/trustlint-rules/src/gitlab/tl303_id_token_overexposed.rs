//! TL303 id-token-overexposed: an `id_tokens` entry written in `default:` or in a template
//! (a hidden job, a YAML anchor, an `extends:` target, a `!reference`) reaches jobs that
//! never use the token. Reported once at the definition, with those jobs as related
//! locations.
//!
//! A job uses the token when it presents it ([`TokenUse`]), names it anywhere in its
//! configuration (`$NAME`, or the bare name as in `os.environ["NAME"]`), has `secrets:`
//! without `token:` (which take a token implicitly), runs a script file of the
//! repository (which may read it), or runs `cosign` / `gitsign` with `SIGSTORE_ID_TOKEN`.

use std::collections::BTreeMap;

use trustlint_parser::gitlab::{IdToken, Job, Via};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::Span;

use crate::analysis::shell;
use crate::analysis::token_use::{script_lines, TokenUse};
use super::walk;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct IdTokenOverexposed;

/// Job names listed in a message before "and N more".
const LISTED: usize = 5;

impl Rule for IdTokenOverexposed {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL303
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::GitlabCi(pipeline) = &document.content else {
            return;
        };
        // Definition (the token's key where written) → how it is shared, jobs not using it.
        let mut unused: BTreeMap<Span, (&IdToken, String, Vec<&Job>)> = BTreeMap::new();
        for job in pipeline.jobs.iter().filter(|j| j.trigger.is_none()) {
            // The job's scripts are read only when it inherits a shared token.
            let mut uses = None;
            for token in &job.id_tokens {
                let Some(shared) = shared_through(&token.via) else {
                    continue;
                };
                let entry = unused
                    .entry(token.name.span)
                    .or_insert_with(|| (token, shared, Vec::new()));
                let uses = uses.get_or_insert_with(|| cx.job_token_uses(document, job));
                if !uses_token(job, &token.name.value, uses) {
                    entry.2.push(job);
                }
            }
        }
        for (span, (token, shared, jobs)) in unused {
            if jobs.is_empty() {
                continue;
            }
            let mut names: Vec<String> = jobs
                .iter()
                .take(LISTED)
                .map(|j| format!("`{}`", j.name.value))
                .collect();
            if jobs.len() > LISTED {
                names.push(format!("and {} more", jobs.len() - LISTED));
            }
            let whom = match jobs.len() {
                1 => "a job that never uses it".to_string(),
                n => format!("{n} jobs that never use it"),
            };
            let mut finding = Finding::new(
                self.meta(),
                span,
                format!(
                    "ID token `{}` is requested {shared}, so GitLab mints it for {whom}: {}; a job holding the token can present it wherever its `aud` is accepted",
                    token.name.value,
                    names.join(", "),
                ),
            )
            .with_help(
                "request the token only in the jobs that present it: move this `id_tokens:` entry into those jobs, or into a template only they extend",
            );
            for job in jobs {
                finding = finding.with_related(
                    job.name.span,
                    format!(
                        "job `{}` gets `{}` but never uses it",
                        job.name.value, token.name.value
                    ),
                );
            }
            out.push(finding);
        }
    }
}

/// Where a shared definition is written, for messages (`in template `.aws``); `None`
/// for a token written in the job itself.
fn shared_through(via: &[Via]) -> Option<String> {
    via.iter().rev().find_map(|step| match step {
        Via::Default { .. } => Some("in `default:`".to_string()),
        Via::Extends { job, .. } => Some(format!("in template `{job}`")),
        Via::Alias { .. } => Some("through a YAML anchor".to_string()),
        Via::Reference { .. } => Some("through a `!reference`".to_string()),
        Via::Include { .. } | Via::Global { .. } => None,
    })
}

/// Whether `job` may use its ID token `name` (see the module documentation).
fn uses_token(job: &Job, name: &str, uses: &[TokenUse]) -> bool {
    uses.iter().any(|u| u.name == name)
        || walk::values(&job.config)
            .filter_map(|v| v.as_str())
            .any(|text| mentions(text, name))
        || job.secrets.iter().any(|s| s.token.is_none())
        || script_lines(job).any(|line| {
            shell::commands(&line.value).iter().any(|command| {
                let words = shell::words(
                    line.value
                        .get(command.start..command.end)
                        .unwrap_or_default(),
                );
                runs_script_file(&words)
                    || (name == "SIGSTORE_ID_TOKEN"
                        && matches!(shell::program(&words), Some("cosign" | "gitsign")))
            })
        })
}

/// Whether `text` names the variable `name` as a whole word (`$NAME`, `${NAME}`,
/// `os.environ["NAME"]`, `printenv NAME`).
fn mentions(text: &str, name: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(name).any(|(at, _)| {
        !text.get(..at).is_some_and(|b| b.ends_with(word))
            && !text
                .get(at + name.len()..)
                .is_some_and(|a| a.starts_with(word))
    })
}

/// Whether a command runs a script file of the repository, which may read any variable.
fn runs_script_file(words: &[String]) -> bool {
    const EXTENSIONS: &[&str] = &[".sh", ".bash", ".py", ".rb", ".ps1", ".js", ".ts", ".pl"];
    words.iter().any(|w| {
        (w.starts_with("./") && w.len() > 2) || EXTENSIONS.iter().any(|ext| w.ends_with(ext))
    }) || matches!(shell::program(words), Some("source" | "."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_whole_names_only() {
        assert!(mentions("echo $TOKEN", "TOKEN"));
        assert!(mentions("os.environ[\"TOKEN\"]", "TOKEN"));
        assert!(!mentions("echo $TOKEN_2 $MY_TOKEN", "TOKEN"));
    }

    #[test]
    fn script_files() {
        let words = |s: &str| shell::words(s);
        assert!(runs_script_file(&words("bash ci/deploy.sh prod")));
        assert!(runs_script_file(&words("./deploy")));
        assert!(!runs_script_file(&words("npm test")));
    }
}
