//! HashiCorp Vault JWT auth rules (TL6xx): each role as a predicate over GitLab's claims
//! ([`crate::analysis::vault`]) — who else logs in with it, which bindings no token
//! satisfies, whether it needs a protected ref — and, across files, the jobs that log in
//! with it: does the role they name exist, does it bind their token's audience, do their
//! refs satisfy its bindings. The helpers here word a role and build the fixes' edits in
//! the syntax the role is written in (HCL, JSON, `key=value`).

include!(concat!(env!("OUT_DIR"), "/rules_vault.rs"));

use trustlint_parser::federation::vault::{Insertion, Role, Style};

use crate::analysis::claim_predicate::Token;
use crate::finding::Edit;

/// Whether a role is explicitly an OIDC (browser login) role: not meant for CI tokens.
pub fn is_oidc(role: &Role) -> bool {
    role.role_type.as_ref().is_some_and(|t| t.text == "oidc")
}

/// An edit adding the field `key` at `insertion` (a role's, or its `bound_claims`'), its
/// value written as `hcl` in HCL, `json` in JSON, `args` after `key=` on a command line
/// (`None`: no command-line form).
pub fn add_field(
    insertion: Option<Insertion>,
    key: &str,
    hcl: &str,
    json: &str,
    args: Option<&str>,
) -> Option<Edit> {
    let insertion = insertion?;
    let replacement = match insertion.style {
        Style::Hcl { indent } => format!("\n{}{key} = {hcl}", " ".repeat(indent.into())),
        Style::Json { indent } => format!("\n{}\"{key}\": {json},", " ".repeat(indent.into())),
        Style::Args => format!(" {key}={}", args?),
        Style::HclInline => format!(" {key} = {hcl},"),
        Style::JsonInline => format!(" \"{key}\": {json},"),
    };
    Some(Edit {
        span: insertion.at,
        replacement,
    })
}

/// A JSON string literal of `text`.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A witness token in words: ``a job of project `evil/app` on branch `main` ``.
pub fn describe_token(token: &Token) -> String {
    let project = match (token.get("project_path"), token.get("project_id")) {
        (Some(path), _) => format!("a job of project `{path}`"),
        (None, Some(id)) => format!("a job of project id `{id}`"),
        (None, None) => match token.get("namespace_id") {
            Some(id) => format!("a job of a project in namespace id `{id}`"),
            None => "a job".to_owned(),
        },
    };
    let ty = token.get("ref_type").unwrap_or("ref");
    match (token.get("ref"), token.get("ref_protected")) {
        (Some(name), _) => format!("{project} on {ty} `{name}`"),
        (None, Some("false")) => format!("{project} on an unprotected {ty}"),
        _ => project,
    }
}

/// A job's Vault login (`'w`: the workspace's) and the roles it names among the scanned
/// files (`'f`).
#[derive(Debug)]
pub struct Linked<'w, 'f> {
    pub pipeline: &'w trustlint_parser::gitlab::Pipeline,
    pub job: &'w trustlint_parser::gitlab::Job,
    pub login: crate::analysis::vault::VaultUse<'w>,
    pub lookup: crate::analysis::vault::Lookup<'f>,
}

/// Every Vault login of the scanned pipelines' jobs, each looked up among `files`.
pub fn linked<'w, 'f>(
    cx: &crate::rule::Context<'w>,
    files: &'f crate::analysis::vault::VaultFiles,
) -> Vec<Linked<'w, 'f>> {
    use crate::analysis::vault::{job_uses, Lookup};
    let mut out = Vec::new();
    for (pipeline, job, logins) in job_uses(
        cx.workspace,
        |d| cx.is_included_fragment(d),
        |d| cx.job_vaults(d),
    ) {
        for login in logins {
            let lookup = match (&login.path.text, &login.role) {
                (None, _) | (_, Some(crate::analysis::vault::Named { text: None, .. })) => {
                    Lookup::Unknown
                }
                (Some(path), role) => {
                    files.lookup(path, role.as_ref().and_then(|r| r.text.as_deref()))
                }
            };
            out.push(Linked {
                pipeline,
                job,
                login,
                lookup,
            });
        }
    }
    out
}

/// Whether `role` is among `roles` (by identity).
pub fn is_one_of(role: &Role, roles: &[&Role]) -> bool {
    roles.iter().any(|r| std::ptr::eq(*r, role))
}
