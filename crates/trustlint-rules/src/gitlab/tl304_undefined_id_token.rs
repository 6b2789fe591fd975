//! TL304 undefined-id-token: a job presents `$NAME` as an identity token (any
//! [`TokenUse`]) but requests no `id_tokens: NAME`, or reads `secrets:` from Vault, GCP,
//! Azure or AWS Secrets Manager without requesting any ID token. The variable is empty
//! and the cloud refuses the login. `CI_JOB_JWT*` names are TL302's.
//!
//! A name set in the file's `variables:` is left alone (its value comes from there), as
//! is a path-like name given to `AWS_WEB_IDENTITY_TOKEN_FILE`. A name set nowhere may
//! still be a project CI/CD variable, but no stored variable can be a valid ID token
//! (tokens expire with the job), so the finding stays an error when the name looks like a
//! token (`TOKEN`, `JWT`, `OIDC`) and is a note otherwise; it is a note too when an
//! unresolved `include:` may define the token.

use trustlint_parser::gitlab::{Job, Kind, Pipeline, Via};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::{SourceMap, Span};

use crate::analysis::token_use::{defines, TokenChannel, TokenUse};
use crate::finding::{Applicability, Edit, Finding, Fix, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct UndefinedIdToken;

/// `secrets:` providers that authenticate with the job's ID token.
const TOKEN_PROVIDERS: &[&str] = &[
    "vault",
    "gcp_secret_manager",
    "azure_key_vault",
    "aws_secrets_manager",
];

impl Rule for UndefinedIdToken {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL304
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::GitlabCi(pipeline) = &document.content else {
            return;
        };
        let sources = &cx.workspace.sources;
        for job in &pipeline.jobs {
            let uses = cx.job_token_uses(document, job);
            let mut names: Vec<&str> = Vec::new();
            for token_use in &uses {
                let name = token_use.name.as_str();
                if token_use.implicit
                    || names.contains(&name)
                    || defines(job, name)
                    || name.starts_with("CI_JOB_JWT")
                    || job.variables.iter().any(|v| v.name.value.as_ref() == name)
                    || names_a_path(name)
                    || (token_use.channel == TokenChannel::WebIdentityTokenFile
                        && !token_like(name))
                {
                    continue;
                }
                names.push(name);
                let others: Vec<&TokenUse> = uses
                    .iter()
                    .filter(|u| u.name == name && !std::ptr::eq(*u, token_use))
                    .collect();
                out.push(self.undefined(cx, pipeline, job, token_use, &others, sources));
            }
            if job.id_tokens.is_empty() {
                self.secrets_without_token(cx, pipeline, job, out);
            }
        }
    }
}

impl UndefinedIdToken {
    fn undefined(
        &self,
        cx: &Context<'_>,
        pipeline: &Pipeline,
        job: &Job,
        first: &TokenUse,
        rest: &[&TokenUse],
        sources: &SourceMap,
    ) -> Finding {
        let name = &first.name;
        let aws = is_aws(&first.channel);
        let aud = if aws {
            cx.settings
                .audiences
                .first()
                .cloned()
                .unwrap_or_else(|| cx.settings.issuer())
        } else {
            "<the audience the service expects>".to_string()
        };
        let mut finding = Finding::new(
            self.meta(),
            first.span,
            format!(
                "job `{}` passes `${name}` as {} but requests no ID token `{name}` (`id_tokens:`): the variable is empty, so {}",
                job.name.value,
                first.channel.describe(),
                consequence(&first.channel),
            ),
        )
        .with_help(format!(
            "request the token in job `{}`:\n\nid_tokens:\n  {name}:\n    aud: {aud}",
            job.name.value
        ))
        .with_related(job.name.span, format!("job `{}`", job.name.value));
        for other in rest {
            finding = finding.with_related(other.span, format!("`${name}` is presented here too"));
        }
        if pipeline.incomplete {
            finding = finding.with_severity(Severity::Note);
            finding.message.push_str(
                " (an `include:` that could not be read may define it: the check is partial)",
            );
        } else if !token_like(name) {
            finding = finding.with_severity(Severity::Note);
            finding.message.push_str(&format!(
                " (unless `{name}` is a project CI/CD variable holding something else)"
            ));
        }
        if aws {
            finding.fix = add_id_token(job, name, &aud, sources);
        }
        finding
    }

    fn secrets_without_token(
        &self,
        cx: &Context<'_>,
        pipeline: &Pipeline,
        job: &Job,
        out: &mut Vec<Finding>,
    ) {
        for secret in &job.secrets {
            let Some(provider) = &secret.provider else {
                continue;
            };
            if secret.token.is_some() || !TOKEN_PROVIDERS.contains(&provider.value.as_ref()) {
                continue;
            }
            let aud = if provider.value.as_ref() == "aws_secrets_manager" {
                cx.settings
                    .audiences
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "sts.amazonaws.com".to_string())
            } else {
                "<the audience the service expects>".to_string()
            };
            let mut finding = Finding::new(
                self.meta(),
                provider.span,
                format!(
                    "job `{}` reads secret `{}` from `{}` but requests no ID token: since GitLab 17.0 (`CI_JOB_JWT` removed) the runner has no token to authenticate with, and the job fails",
                    job.name.value, secret.name.value, provider.value
                ),
            )
            .with_help(format!(
                "request an ID token in job `{}`; with one `id_tokens` entry `secrets:` uses it automatically:\n\nid_tokens:\n  ID_TOKEN:\n    aud: {aud}",
                job.name.value
            ))
            .with_related(job.name.span, format!("job `{}`", job.name.value));
            if pipeline.incomplete {
                finding = finding.with_severity(Severity::Note);
            }
            out.push(finding);
        }
    }
}

/// Whether a variable name says it holds a token (`GITLAB_OIDC_TOKEN`, `VAULT_JWT`);
/// other names get a note.
fn token_like(name: &str) -> bool {
    let name = name.to_ascii_uppercase();
    ["TOKEN", "JWT", "OIDC"].iter().any(|w| name.contains(w))
}

/// Whether a variable name says it holds a path (`TOKEN_FILE`, `JWT_PATH`): set to
/// `AWS_WEB_IDENTITY_TOKEN_FILE`, it is a file's name, not the token (as is any name that
/// does not look like a token there, e.g. `$HOME`).
fn names_a_path(name: &str) -> bool {
    ["_FILE", "_PATH", "_DIR"].iter().any(|s| name.ends_with(s))
}

fn is_aws(channel: &TokenChannel) -> bool {
    match channel {
        TokenChannel::WebIdentityTokenFlag
        | TokenChannel::WebIdentityTokenFile
        | TokenChannel::Other => true,
        TokenChannel::Secrets { provider } => provider == "aws_secrets_manager",
        TokenChannel::VaultLogin | TokenChannel::GcloudLogin | TokenChannel::AzureLogin => false,
    }
}

fn consequence(channel: &TokenChannel) -> &'static str {
    match channel {
        TokenChannel::WebIdentityTokenFlag
        | TokenChannel::WebIdentityTokenFile
        | TokenChannel::Other => "AWS STS rejects the request and the job gets no credentials",
        TokenChannel::Secrets { .. } => "the runner can't authenticate and the job fails",
        TokenChannel::VaultLogin => "the Vault JWT login fails",
        TokenChannel::GcloudLogin => "Google's STS rejects the credential",
        TokenChannel::AzureLogin => "`az login` / Entra ID refuses the federated credential",
    }
}

/// Inserts `NAME: {aud: AUD}` into the job's own block `id_tokens:` map, or a new
/// `id_tokens:` key before the job's first key; `None` when the job's keys are not
/// written in block style in one place.
fn add_id_token(job: &Job, name: &str, aud: &str, sources: &SourceMap) -> Option<Fix> {
    let own = |via: &[Via]| via.iter().all(|step| matches!(step, Via::Include { .. }));
    let fields = job.config.as_map()?;
    let (anchor, text) = match fields.iter().find(|f| f.key.value.as_ref() == "id_tokens") {
        Some(field) if own(&field.value.via) => {
            let Kind::Map(tokens) = &field.value.kind else {
                return None;
            };
            let first = tokens.iter().map(|t| t.key.span).min_by_key(|s| s.start)?;
            (
                first,
                format!("{name}:\n{{indent}}  aud: {aud}\n{{indent}}"),
            )
        }
        _ => {
            let first = fields
                .iter()
                .filter(|f| own(&f.value.via) && f.key.span.file == job.name.span.file)
                .map(|f| f.key.span)
                .filter(|s| s.start > job.name.span.end)
                .min_by_key(|s| s.start)?;
            (
                first,
                format!("id_tokens:\n{{indent}}  {name}:\n{{indent}}    aud: {aud}\n{{indent}}"),
            )
        }
    };
    let file = sources.get(anchor.file)?;
    let line_start = file.line_start(file.line_col(anchor.start).line);
    let indent = file.text.get(line_start..anchor.start as usize)?;
    if !indent.chars().all(|c| c == ' ') {
        return None;
    }
    Some(Fix {
        description: format!("request the ID token `{name}` in job `{}`", job.name.value),
        edits: vec![Edit {
            span: Span::new(anchor.file, anchor.start as usize, anchor.start as usize),
            replacement: text.replace("{indent}", indent),
        }],
        applicability: Applicability::Unsafe,
    })
}
