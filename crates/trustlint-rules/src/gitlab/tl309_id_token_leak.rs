//! TL309 id-token-leak: a job's ID token leaves the job — written to a file that
//! `artifacts:` (paths, `untracked: true`, a dotenv report) or `cache:` keeps, re-encoded
//! (`base64`, `xxd`, `jq`, `cut`, …) into the job log where GitLab's masking no longer
//! recognises it, or sent by `curl`/`wget` to a host that is no cloud, Vault or Sigstore
//! endpoint. A plain `echo $TOKEN` is masked in the log: a note.
//!
//! Endpoints a token may go to ([`TRUSTED_HOSTS`]): AWS (`amazonaws.com`,
//! `amazonaws.com.cn`, `api.aws`), Google Cloud (`googleapis.com`), Azure
//! (`microsoftonline.com`, `microsoftonline.us`, `azure.com`, `azure.net`, `azure.us`,
//! `windows.net`), Sigstore (`sigstore.dev`), HashiCorp (`hashicorp.cloud`), a host whose
//! first label starts with `vault` or `openbao`, and the loopback host. A URL whose host
//! comes from a variable (`$VAULT_ADDR`) is not judged.

use std::collections::BTreeSet;

use trustlint_parser::gitlab::{texts, Job, Val};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::Span;

use crate::analysis::shell;
use crate::analysis::token_use::{defines, ScriptRef};
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct IdTokenLeak;

/// Programs whose output is the token transformed beyond what log masking recognises.
const ENCODERS: &[&str] = &[
    "base64", "basenc", "base32", "xxd", "od", "hexdump", "rev", "cut", "jq", "sed", "awk", "tr",
    "fold", "gzip", "openssl",
];

/// Programs that send data over HTTP.
const SENDERS: &[&str] = &[
    "curl",
    "wget",
    "http",
    "https",
    "xh",
    "Invoke-RestMethod",
    "Invoke-WebRequest",
    "irm",
    "iwr",
];

/// Domain suffixes of the endpoints an ID token may be sent to.
const TRUSTED_HOSTS: &[&str] = &[
    "amazonaws.com",
    "amazonaws.com.cn",
    "api.aws",
    "googleapis.com",
    "microsoftonline.com",
    "microsoftonline.us",
    "azure.com",
    "azure.net",
    "azure.us",
    "windows.net",
    "sigstore.dev",
    "hashicorp.cloud",
];

impl Rule for IdTokenLeak {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL309
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::GitlabCi(pipeline) = &document.content else {
            return;
        };
        // A script written once (in a template, `default:`) leaks once: report it once.
        let mut reported = BTreeSet::new();
        for job in &pipeline.jobs {
            if job.id_tokens.is_empty() {
                continue;
            }
            let flow = cx.script_flow(document, job);
            let token = |name: &str, span: Span| {
                let (name, _) = flow.resolve(job, name, span);
                defines(job, name).then(|| name.to_string())
            };
            let keepers = keepers(job);
            for write in &flow.writes {
                let Some(name) = token(&write.name, write.span) else {
                    continue;
                };
                if reported.contains(&write.span) {
                    continue;
                }
                let Some((keeper, how)) = keepers
                    .iter()
                    .find(|(pattern, _, _)| keeps(pattern, &write.path))
                    .map(|(_, span, how)| (*span, *how))
                else {
                    continue;
                };
                reported.insert(write.span);
                out.push(
                    Finding::new(
                        self.meta(),
                        write.span,
                        format!(
                            "job `{}` writes its ID token `{name}` to `{}`, which {how}: anyone who can download it can present the token until it expires",
                            job.name.value, write.path
                        ),
                    )
                    .with_help("write the token outside the project folder (e.g. `$(mktemp)` or /tmp), or exclude the file from `artifacts:`/`cache:`")
                    .with_related(keeper, format!("`{}` is kept here", write.path)),
                );
            }
            for script_ref in &flow.refs {
                let Some(name) = token(&script_ref.reference.name, script_ref.span) else {
                    continue;
                };
                if reported.contains(&script_ref.span) {
                    continue;
                }
                if let Some(finding) = self.leak(job, &name, script_ref) {
                    reported.insert(script_ref.span);
                    out.push(finding);
                }
            }
        }
    }
}

impl IdTokenLeak {
    /// A re-encoding printed to the log, a send to an untrusted host, or a plain print.
    fn leak(&self, job: &Job, name: &str, script_ref: &ScriptRef) -> Option<Finding> {
        let first = script_ref.pipeline.first()?;
        let last = script_ref.pipeline.last()?;
        let words = script_ref.words();
        let program = shell::program(&words).unwrap_or_default();
        let printed =
            !last.captured && shell::output_file(&shell::words(script_ref.text(last))).is_none();
        let job_name = &job.name.value;
        let here_string = script_ref.text(first).contains("<<<");
        let encoder = script_ref
            .pipeline
            .iter()
            .skip(1)
            .filter_map(|c| shell::program(&shell::words(script_ref.text(c))).map(str::to_string))
            .chain(here_string.then(|| program.to_string()))
            .find(|p| ENCODERS.contains(&p.as_str()));
        if let (Some(encoder), true) = (encoder, printed) {
            return Some(
                Finding::new(
                    self.meta(),
                    script_ref.span,
                    format!(
                        "job `{job_name}` prints its ID token `{name}` through `{encoder}`: GitLab masks only the token's exact text, so the transformed token appears in the job log, readable by everyone who can see the job"
                    ),
                )
                .with_help("don't print the token in any form; to inspect its claims, print only the decoded payload of a token whose signature is removed, or rely on the cloud's error messages"),
            );
        }
        if SENDERS.contains(&program) {
            let host = shell::url_hosts(&words)
                .into_iter()
                .flatten()
                .find(|host| !trusted(host))?;
            return Some(
                Finding::new(
                    self.meta(),
                    script_ref.span,
                    format!(
                        "job `{job_name}` sends its ID token `{name}` to `{host}`, which is not a cloud, Vault or Sigstore endpoint: that host can replay the token to every service that accepts its `aud` until it expires"
                    ),
                )
                .with_help("send the token only to the service that verifies it (AWS STS, Google STS, Entra ID, Vault); if this host is such a service, suppress this finding with `# trustlint: ignore[TL309]`"),
            );
        }
        let plain_print = matches!(program, "echo" | "printf" | "Write-Output" | "Write-Host")
            && script_ref.pipeline.len() == 1
            && printed;
        plain_print.then(|| {
            Finding::new(
                self.meta(),
                script_ref.span,
                format!(
                    "job `{job_name}` prints its ID token `{name}`: GitLab masks it in the job log (`[MASKED]`), so the command shows nothing useful and is one edit (a pipe, a redirection) away from a leak"
                ),
            )
            .with_severity(Severity::Note)
            .with_help("remove the command: printing the token serves no purpose")
        })
    }
}

/// What keeps files after the job: (normalized path pattern, where it is written, how).
/// `untracked: true` keeps every file of the project folder: the pattern `**`.
fn keepers(job: &Job) -> Vec<(String, Span, &'static str)> {
    let mut out = Vec::new();
    let mut add = |section: Option<&Val>, how_paths: &'static str, how_untracked: &'static str| {
        let Some(section) = section else {
            return;
        };
        if let Some(paths) = section.get("paths") {
            for path in texts(paths) {
                out.push((shell::normalize_path(&path.value), path.span, how_paths));
            }
        }
        if let Some(untracked) = section
            .get("untracked")
            .filter(|v| v.as_bool() == Some(true))
        {
            out.push(("**".to_string(), untracked.span, how_untracked));
        }
        if let Some(dotenv) = section.get("reports").and_then(|r| r.get("dotenv")) {
            for path in texts(dotenv) {
                out.push((
                    shell::normalize_path(&path.value),
                    path.span,
                    "is an `artifacts:reports:dotenv` report (its variables reach later jobs and are stored with the pipeline)",
                ));
            }
        }
    };
    add(
        job.artifacts(),
        "is kept in `artifacts:paths`",
        "is kept by `artifacts:untracked: true`",
    );
    match job.cache().map(|c| (c, c.as_seq())) {
        Some((_, Some(caches))) => {
            for cache in caches {
                add(
                    Some(cache),
                    "is kept in `cache:paths`",
                    "is kept by `cache:untracked: true`",
                );
            }
        }
        Some((cache, None)) => add(
            Some(cache),
            "is kept in `cache:paths`",
            "is kept by `cache:untracked: true`",
        ),
        None => {}
    }
    out
}

/// Whether the artifact or cache pattern keeps the file `path` (both normalized): files
/// outside the project folder never are; a pattern keeps the files it matches (`*` within
/// a folder, `**` across folders) and everything under a folder it names.
fn keeps(pattern: &str, path: &str) -> bool {
    if path.starts_with(['/', '~', '$']) || path.contains("..") {
        return false;
    }
    let pattern = pattern.trim_end_matches('/');
    if matches!(pattern, "" | ".") {
        return true;
    }
    glob(pattern.as_bytes(), path.as_bytes())
        || path.match_indices('/').any(|(at, _)| {
            glob(
                pattern.as_bytes(),
                path.as_bytes().get(..at).unwrap_or_default(),
            )
        })
}

fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) if rest.first() == Some(&b'*') => {
            let rest = rest.get(1..).unwrap_or_default();
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=text.len()).any(|i| glob(rest, text.get(i..).unwrap_or_default()))
        }
        Some((b'*', rest)) => (0..=text.len())
            .take_while(|&i| i == 0 || text.get(i - 1) != Some(&b'/'))
            .any(|i| glob(rest, text.get(i..).unwrap_or_default())),
        Some((&c, rest)) => text
            .split_first()
            .is_some_and(|(&t, tail)| (c == t || c == b'?' && t != b'/') && glob(rest, tail)),
    }
}

/// Whether a host is an endpoint an ID token is meant for.
fn trusted(host: &str) -> bool {
    let first_label = host.split('.').next().unwrap_or(host);
    TRUSTED_HOSTS
        .iter()
        .any(|suffix| host == *suffix || host.ends_with(&format!(".{suffix}")))
        || first_label.starts_with("vault")
        || first_label.starts_with("openbao")
        || matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_patterns() {
        assert!(keeps("token.jwt", "token.jwt"));
        assert!(keeps("out", "out/a/token"));
        assert!(keeps("out/", "out/token"));
        assert!(keeps("*.jwt", "token.jwt"));
        assert!(!keeps("*.jwt", "dir/token.jwt"));
        assert!(keeps("**/*.jwt", "dir/token.jwt"));
        assert!(keeps("**", "token"));
        assert!(!keeps("**", "/tmp/token"));
        assert!(!keeps("out", "output/token"));
        assert!(keeps(".", "a/token"));
    }

    #[test]
    fn trusted_hosts() {
        assert!(trusted("sts.amazonaws.com"));
        assert!(trusted("vault.example.com"));
        assert!(trusted("sts.googleapis.com"));
        assert!(!trusted("example.com"));
        assert!(!trusted("evilamazonaws.com"));
    }
}
