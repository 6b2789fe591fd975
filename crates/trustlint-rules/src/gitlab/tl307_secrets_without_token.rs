//! TL307 secrets-without-token: a `secrets:` entry without `token:` in a job that
//! requests several ID tokens. GitLab uses the only token automatically; with several it
//! needs `token: $NAME` to know which one (and which audience) authenticates the secret.
//! A `secrets:` entry written once (in a template, `default:`) is reported once, with
//! every job it reaches.

use std::collections::BTreeMap;

use trustlint_parser::gitlab::{Job, Secret};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::Span;

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct SecretsWithoutToken;

impl Rule for SecretsWithoutToken {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL307
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::GitlabCi(pipeline) = &document.content else {
            return;
        };
        let mut untokened: BTreeMap<Span, (&Secret, Vec<&Job>)> = BTreeMap::new();
        for job in pipeline.jobs.iter().filter(|j| j.id_tokens.len() > 1) {
            for secret in job.secrets.iter().filter(|s| s.token.is_none()) {
                untokened
                    .entry(secret.name.span)
                    .or_insert_with(|| (secret, Vec::new()))
                    .1
                    .push(job);
            }
        }
        for (span, (secret, jobs)) in untokened {
            let Some(first) = jobs.first() else {
                continue;
            };
            let tokens: Vec<String> = first
                .id_tokens
                .iter()
                .map(|t| format!("`{}`", t.name.value))
                .collect();
            let tokens = tokens.join(", ");
            let provider = secret
                .provider
                .as_ref()
                .map_or("its secrets provider".to_string(), |p| {
                    format!("`{}`", p.value)
                });
            let whose = match jobs.len() {
                1 => format!("job `{}`", first.name.value),
                n => format!("job `{}` (and {} more)", first.name.value, n - 1),
            };
            let mut finding = Finding::new(
                self.meta(),
                span,
                format!(
                    "secret `{}` of {whose} names no `token:` while the job requests {} ID tokens ({tokens}): GitLab can't tell which one to present to {provider}, so the secret is not fetched with the audience its role expects",
                    secret.name.value,
                    first.id_tokens.len(),
                ),
            )
            .with_help(format!(
                "add `token: $NAME` to the secret, naming the ID token whose `aud` {provider} accepts (one of {tokens})"
            ));
            for token in &first.id_tokens {
                finding = finding
                    .with_related(token.name.span, format!("ID token `{}`", token.name.value));
            }
            for job in &jobs {
                finding = finding.with_related(
                    job.name.span,
                    format!("job `{}` reads this secret", job.name.value),
                );
            }
            out.push(finding);
        }
    }
}
