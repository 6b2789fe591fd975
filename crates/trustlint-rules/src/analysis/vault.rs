//! HashiCorp Vault JWT auth roles as relying parties of GitLab ID tokens, and the jobs
//! that log in with them.
//!
//! A role is a [`Predicate`] over the token's claims written from
//! `hashicorp/vault-plugin-auth-jwt` (`path_login.go`, `claims.go`): `bound_subject`
//! equals `sub`; the `user_claim` must be present and a string (`createIdentity`);
//! `bound_claims` are ANDed, each claim's values ORed; string mode compares typed values
//! (`actVal != expVal` on interfaces: a JSON bool or number never equals GitLab's string
//! claims), glob mode matches strings with `ryanuber/go-glob`, whose only wildcard `*`
//! matches any text, `/` and `:` included; a missing claim fails. The audience check
//! (`bound_audiences`: any value equal to any `aud`; none bound refuses every token that
//! carries `aud` since Vault 1.17) and the issuer (`bound_issuer` of the mount, exact)
//! are the [`RelyingParty`] methods.
//!
//! The pipeline side ([`uses`]): `secrets: … vault:` with `VAULT_AUTH_PATH` (default
//! `jwt`) and `VAULT_AUTH_ROLE` (default: the mount's `default_role`) from the job's
//! variables, and `vault write auth/<path>/login role=… jwt=$TOKEN` in its scripts; each
//! names a role among the scanned files by mount path and name ([`VaultFiles::lookup`]).

use std::collections::HashSet;

use trustlint_parser::document::Content;
use trustlint_parser::embedded::OffsetMap;
use trustlint_parser::federation::vault::{
    read_commands, Backend, Login, Policy, PolicyRule, Role, Scalar, ScalarKind, VaultResources,
};
use trustlint_parser::gitlab::{IdToken, Job, Pipeline};
use trustlint_parser::input::Workspace;
use trustlint_parser::script;
use trustlint_parser::{SourceMap, Span};

use super::claim_predicate::{Predicate, Values};
use super::claims::{claim, ClaimType};
use super::relying_party::RelyingParty;
use super::shell;

/// Whether a role compares its bound claims as globs.
pub fn is_glob(role: &Role) -> bool {
    role.bound_claims_type
        .as_ref()
        .is_some_and(|t| t.text == "glob")
}

/// The claim a `bound_claims` key or a `user_claim` names: a JSON pointer `/name` names
/// the top-level claim; a deeper pointer names no GitLab claim (they are all top-level).
pub fn claim_name(key: &str) -> &str {
    match key.strip_prefix('/') {
        Some(name) if !name.contains('/') => name,
        _ => key,
    }
}

fn unknown(value: &Scalar, what: &str) -> Predicate {
    Predicate::Unknown {
        span: value.span,
        why: format!("{what} `{}` is not determined by the file", value.text),
    }
}

/// Why a bound value can never equal a GitLab claim's value, when it can't.
pub fn never_equal(claim: &str, value: &Scalar, glob: bool) -> Option<String> {
    let ty = super::claims::claim(claim).map(|c| c.ty);
    match (value.kind, glob) {
        (ScalarKind::Bool | ScalarKind::Number, true) => Some(format!(
            "in glob mode every bound value must be a string: Vault refuses to write the role (\"claim is not a string: {}\")",
            value.text
        )),
        (ScalarKind::Bool, false) => Some(format!(
            "the JSON boolean `{}` never equals GitLab's `{claim}`, which is a string (`\"{}\"`): Vault compares typed values",
            value.text, value.text
        )),
        (ScalarKind::Number, false) if ty.is_none_or(ClaimType::is_string) => Some(format!(
            "the JSON number `{}` never equals GitLab's `{claim}`, which is a string (`\"{}\"`): Vault compares typed values",
            value.text, value.text
        )),
(ScalarKind::String, false)
            // `aud` is whatever a job's `id_tokens` asks for; an email's local part may
            // hold a `*`.
            if value.text.contains('*') && !matches!(claim, "user_email" | "aud") =>
        {
            Some(format!(
                "in string mode (`bound_claims_type` is not `glob`) `{}` is compared literally, and no GitLab `{claim}` contains `*`",
                value.text
            ))
        }
        _ => None,
    }
}

/// One `bound_claims` entry as a predicate: OR over its values.
pub fn bound_claim_predicate(
    role: &Role,
    key: &Scalar,
    values: &[Scalar],
    malformed: bool,
) -> Predicate {
    if !key.is_known() {
        return unknown(key, "the claim name");
    }
    if malformed {
        return Predicate::Const(false);
    }
    let name = claim_name(&key.text);
    let glob = is_glob(role);
    let ty = claim(name).map(|c| c.ty);
    if matches!(ty, Some(ClaimType::StringList)) {
        return Predicate::Unknown {
            span: key.span,
            why: format!("`{name}` is a list claim: any of its elements may match"),
        };
    }
    if matches!(ty, Some(ClaimType::Object | ClaimType::ObjectList)) {
        // `normalizeList` refuses an object claim.
        return Predicate::Const(false);
    }
    let mut alternatives = Vec::new();
    for value in values {
        let alternative = match value.kind {
            ScalarKind::Unknown => unknown(value, "the bound value"),
            ScalarKind::Bool | ScalarKind::Number if glob => {
                // Vault refuses to write such a role: nothing logs in with it.
                return Predicate::Const(false);
            }
            ScalarKind::Bool => Predicate::Const(false),
            ScalarKind::Number => match ty {
                Some(ClaimType::Number | ClaimType::NumericDate) => {
                    Predicate::test(name, Values::equals(&[value.text.as_str()]), value.span)
                }
                _ => Predicate::Const(false),
            },
            ScalarKind::String => match ty {
                // A JSON number claim is a `json.Number`: never a string, never globbed.
                Some(ClaimType::Number | ClaimType::NumericDate) => Predicate::Const(false),
                _ if glob => Predicate::test(name, Values::star_glob(&value.text), value.span),
                _ => Predicate::test(name, Values::equals(&[value.text.as_str()]), value.span),
            },
        };
        alternatives.push(alternative);
    }
    Predicate::or(alternatives)
}

/// The predicate of the `user_claim`: the claim must be present and a string.
pub fn user_claim_predicate(role: &Role) -> Predicate {
    let Some(user_claim) = &role.user_claim else {
        // Vault refuses to write a role without one.
        return Predicate::Const(false);
    };
    if !user_claim.is_known() {
        return unknown(user_claim, "the user claim");
    }
    let name = if role.user_claim_json_pointer {
        claim_name(&user_claim.text)
    } else {
        user_claim.text.as_str()
    };
    match claim(name) {
        Some(entry) if entry.ty.is_string() => {
            Predicate::test(name, Some(Values::Present), user_claim.span)
        }
        _ => Predicate::Const(false),
    }
}

/// What a role requires of a token's claims (audience and issuer aside).
pub fn role_predicate(role: &Role) -> Predicate {
    let mut parts = vec![user_claim_predicate(role)];
    if let Some(subject) = &role.bound_subject {
        parts.push(match subject.kind {
            ScalarKind::Unknown => unknown(subject, "the bound subject"),
            _ => Predicate::test(
                "sub",
                Values::equals(&[subject.text.as_str()]),
                subject.span,
            ),
        });
    }
    if let Some(mode) = &role.bound_claims_type {
        if !mode.is_known() {
            parts.push(unknown(mode, "the bound claims type"));
        } else if !matches!(mode.text.as_str(), "string" | "glob") {
            // "invalid 'bound_claims_type'": the role is never written.
            parts.push(Predicate::Const(false));
        }
    }
    if let Some(claims) = &role.bound_claims {
        if claims.unknown {
            parts.push(Predicate::Unknown {
                span: claims.span,
                why: "the bound claims are not determined by the file".to_owned(),
            });
        }
        for entry in &claims.claims {
            parts.push(bound_claim_predicate(
                role,
                &entry.claim,
                &entry.values,
                entry.malformed,
            ));
        }
    }
    Predicate::and(parts)
}

/// A role with its mount, as the relying party of GitLab's tokens.
#[derive(Debug)]
pub struct VaultParty<'a> {
    pub role: &'a Role,
    pub backend: Option<&'a Backend>,
    predicate: Predicate,
}

impl<'a> VaultParty<'a> {
    pub fn new(role: &'a Role, backend: Option<&'a Backend>) -> Self {
        VaultParty {
            role,
            backend,
            predicate: role_predicate(role),
        }
    }
}

/// ``Vault role `demo` (auth/gitlab)``.
pub fn describe_role(role: &Role) -> String {
    match (&role.name, &role.path) {
        (Some(name), Some(path)) => format!("Vault role `{}` (auth/{})", name.text, path.text),
        (Some(name), None) => format!("Vault role `{}`", name.text),
        (None, _) => "the Vault role in this `vault read` output".to_owned(),
    }
}

impl RelyingParty for VaultParty<'_> {
    fn describe(&self) -> String {
        describe_role(self.role)
    }

    fn span(&self) -> Span {
        self.role.span
    }

    fn accepts_issuer(&self, iss: &str) -> Option<bool> {
        let bound = self.backend?.bound_issuer.as_ref();
        match bound {
            None => Some(true),
            Some(bound) if bound.is_known() => Some(bound.text == iss),
            Some(_) => None,
        }
    }

    fn accepts_audience(&self, aud: &str) -> Option<bool> {
        let Some(bound) = &self.role.bound_audiences else {
            return Some(false);
        };
        let mut unknown = bound.partial;
        for value in &bound.values {
            match value.kind {
                ScalarKind::Unknown => unknown = true,
                _ if value.text == aud => return Some(true),
                _ => {}
            }
        }
        if unknown {
            None
        } else {
            Some(false)
        }
    }

    fn audiences_span(&self) -> Span {
        self.role
            .bound_audiences
            .as_ref()
            .map_or(self.role.span, |a| a.span)
    }

    fn predicate(&self) -> &Predicate {
        &self.predicate
    }
}

/// The Vault objects the jobs of a GitLab CI file write in their scripts (`vault write
/// auth/…/role/…`, `vault policy write`), each once, from each job's [`job_vault`]; their
/// logins are left out.
pub fn pipeline_vault(jobs: &[VaultResources]) -> VaultResources {
    let mut out = gathered(jobs);
    let mut seen = HashSet::new();
    out.roles.retain(|r| seen.insert(r.span));
    let mut seen = HashSet::new();
    out.backends.retain(|b| seen.insert(b.span));
    let mut seen = HashSet::new();
    out.policies.retain(|p| seen.insert(p.span));
    out
}

/// The backends, roles and policies of `vaults`, in order (no logins).
fn gathered<'v>(vaults: impl IntoIterator<Item = &'v VaultResources>) -> VaultResources {
    let mut out = VaultResources::default();
    for vault in vaults {
        out.backends.extend(vault.backends.iter().cloned());
        out.roles.extend(vault.roles.iter().cloned());
        out.policies.extend(vault.policies.iter().cloned());
    }
    out
}

/// The Vault objects of every scanned file.
#[derive(Debug, Default)]
pub struct VaultFiles {
    pub roles: Vec<Role>,
    pub backends: Vec<Backend>,
    pub policies: Vec<Policy>,
}

/// Which roles a job's login names.
#[derive(Debug)]
pub enum Lookup<'a> {
    Found(Vec<&'a Role>),
    /// Every scanned role has a known mount path and name, and none is the one named.
    Missing,
    /// The login's path or role, or some scanned role's, is not known.
    Unknown,
}

/// A mount path without its slashes.
fn mount(path: &str) -> &str {
    path.trim_matches('/')
}

impl VaultFiles {
    /// The Vault objects of the scanned files, each file's as
    /// [`crate::context::Context::vault_of`] reads them.
    pub fn of<'v>(vaults: impl IntoIterator<Item = &'v VaultResources>) -> Self {
        let VaultResources {
            mut roles,
            backends,
            policies,
            ..
        } = gathered(vaults);
        let mut seen = HashSet::new();
        roles.retain(|r| seen.insert(r.span));
        VaultFiles {
            roles,
            backends,
            policies,
        }
    }

    /// The mount a role belongs to, when exactly one scanned backend has its path.
    pub fn backend_of(&self, role: &Role) -> Option<&Backend> {
        let path = role.path.as_ref().filter(|p| p.is_known())?;
        let mut found = self
            .backends
            .iter()
            .filter(|b| b.path.is_known() && mount(&b.path.text) == mount(&path.text));
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// The roles a login names: mount `path`, role `name` (`None`: the mount's
    /// `default_role`).
    pub fn lookup(&self, path: &str, name: Option<&str>) -> Lookup<'_> {
        let name = match name {
            Some(name) => name.to_lowercase(),
            None => {
                let defaults: Vec<&Scalar> = self
                    .backends
                    .iter()
                    .filter(|b| b.path.is_known() && mount(&b.path.text) == mount(path))
                    .filter_map(|b| b.default_role.as_ref())
                    .collect();
                match defaults.as_slice() {
                    [one] if one.is_known() => one.text.to_lowercase(),
                    _ => return Lookup::Unknown,
                }
            }
        };
        let mut all_known = !self.roles.is_empty();
        let mut found = Vec::new();
        for role in &self.roles {
            let (Some(role_path), Some(role_name)) = (&role.path, &role.name) else {
                all_known = false;
                continue;
            };
            if !role_path.is_known() || !role_name.is_known() {
                all_known = false;
                continue;
            }
            if mount(&role_path.text) == mount(path) && role_name.text.to_lowercase() == name {
                found.push(role);
            }
        }
        if !found.is_empty() {
            Lookup::Found(found)
        } else if all_known {
            Lookup::Missing
        } else {
            Lookup::Unknown
        }
    }

    /// The scanned policies a role's `token_policies` name; `None` when some name is
    /// unknown or names no scanned policy (what the role grants is then not known).
    pub fn policies_of(&self, role: &Role) -> Option<Vec<&Policy>> {
        let names = role.token_policies.as_ref()?;
        if names.partial || names.values.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for name in &names.values {
            if !name.is_known() {
                return None;
            }
            let policy = self.policies.iter().find(|p| {
                p.name
                    .as_ref()
                    .is_some_and(|n| n.is_known() && n.text == name.text)
            })?;
            out.push(policy);
        }
        Some(out)
    }
}

/// A policy rule that grants more than reading one project's secrets: a write
/// capability, or `read`/`list` over a whole mount (`secret/*`, `kv/data/*`, `*`).
pub fn broad_grant(policy: &Policy) -> Option<(&PolicyRule, String)> {
    use trustlint_parser::federation::vault::policy::WRITE_CAPABILITIES;
    for rule in &policy.rules {
        let capabilities: Vec<&str> = rule.capabilities.iter().map(|c| c.text.as_str()).collect();
        if let Some(write) = capabilities.iter().find(|c| WRITE_CAPABILITIES.contains(c)) {
            return Some((rule, format!("`{write}` on `{}`", rule.path.text)));
        }
        if capabilities.iter().any(|c| matches!(*c, "read" | "list")) && mount_wide(&rule.path.text)
        {
            return Some((
                rule,
                format!("`read` on every secret under `{}`", rule.path.text),
            ));
        }
    }
    None
}

/// Whether a policy path covers a whole mount: a glob (`*`, `+`) at most one level
/// (`kv/*`) or, for KV v2, two levels (`kv/data/*`) deep.
fn mount_wide(path: &str) -> bool {
    let Some(at) = path.find(['*', '+']) else {
        return false;
    };
    let fixed: Vec<&str> = path
        .get(..at)
        .unwrap_or_default()
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match fixed.as_slice() {
        [] | [_] => true,
        [_, kv] => matches!(*kv, "data" | "metadata"),
        _ => false,
    }
}

/// How a job logs in to Vault.
#[derive(Debug)]
pub enum UseKind {
    /// `secrets: NAME: vault: …` (GitLab's own login, `VAULT_AUTH_*` variables).
    Secrets(String),
    /// A `vault write auth/…/login` (or `vault login -method=jwt`) in its script.
    Login,
}

/// A value of a job's login: known text, or not known (a variable set elsewhere).
#[derive(Debug, Clone)]
pub struct Named {
    pub text: Option<String>,
    pub span: Span,
}

/// One Vault login of a job.
#[derive(Debug)]
pub struct VaultUse<'p> {
    pub kind: UseKind,
    /// The `vault:` value or the login command.
    pub span: Span,
    /// The mount path.
    pub path: Named,
    /// The role (`None`: the mount's `default_role`).
    pub role: Option<Named>,
    /// The ID token presented.
    pub token: Option<&'p IdToken>,
}

/// The value of a job variable (global ones included), `$`-free; `None` when it is not
/// set in the YAML or built from other variables.
fn variable<'j>(job: &'j Job, name: &str) -> Option<Option<&'j str>> {
    let variable = job
        .variables
        .iter()
        .find(|v| v.name.value.as_ref() == name)?;
    Some(
        variable
            .value
            .as_ref()
            .map(|v| v.value.as_ref())
            .filter(|v| !v.contains('$')),
    )
}

/// `$NAME` or `${NAME}`: the name.
fn reference(text: &str) -> Option<&str> {
    let name = text.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(name)
}

/// A script word's value with the job's variables: literal, `$VAR` of a variable the
/// YAML sets, or unknown.
fn resolve(job: &Job, value: &Scalar) -> Option<String> {
    match value.kind {
        ScalarKind::Unknown => {
            let name = reference(&value.text)?;
            variable(job, name).flatten().map(str::to_owned)
        }
        _ => Some(value.text.clone()),
    }
}

/// The ID token a login presents: `token: $NAME` / `jwt=$NAME`, else the job's only one
/// (GitLab's default for `secrets:`).
fn token_named<'p>(job: &'p Job, name: Option<&str>, only_default: bool) -> Option<&'p IdToken> {
    match name.and_then(reference) {
        Some(name) => job.id_tokens.iter().find(|t| t.name.value.as_ref() == name),
        None if only_default && job.id_tokens.len() == 1 => job.id_tokens.first(),
        None => None,
    }
}

/// The Vault objects and logins a job's script lines write. A line written verbatim is
/// read in place; one that is not (a quoted scalar, a YAML block) is read as its text and
/// every span mapped back to the file line by line (the whole line where a part can't be
/// found).
pub fn job_vault(job: &Job, sources: &SourceMap) -> VaultResources {
    let mut out = VaultResources::default();
    for line in job
        .before_script
        .iter()
        .chain(&job.script)
        .chain(&job.after_script)
    {
        let text: &str = &line.value;
        if !shell::may_hold(text, "vault") {
            continue;
        }
        let file = line.span.file;
        if line.span.len() as usize == text.len() {
            let commands = script::commands(file, text, line.span.start as usize);
            read_commands(&commands, &mut out, &mut Vec::new());
            continue;
        }
        let map = match sources.get(file) {
            Some(source) => OffsetMap::by_lines(source.slice(line.span), line.span, text),
            None => OffsetMap::whole(line.span),
        };
        let mut part = VaultResources::default();
        read_commands(&script::commands(file, text, 0), &mut part, &mut Vec::new());
        part.map_spans(|span| map.span(span));
        out.backends.extend(part.backends);
        out.roles.extend(part.roles);
        out.policies.extend(part.policies);
        out.logins.extend(part.logins);
    }
    out
}

/// Every Vault login of a job; `read` is what its scripts write ([`job_vault`]).
pub fn uses<'p>(job: &'p Job, read: &VaultResources) -> Vec<VaultUse<'p>> {
    let mut out = Vec::new();
    for secret in &job.secrets {
        let Some(provider) = &secret.provider else {
            continue;
        };
        if provider.value.as_ref() != "vault" {
            continue;
        }
        let span = secret.source.as_ref().map_or(provider.span, |s| s.span);
        let path = match variable(job, "VAULT_AUTH_PATH") {
            None => Named {
                text: Some("jwt".to_owned()),
                span,
            },
            Some(value) => Named {
                text: value.map(|v| v.trim_matches('/').to_owned()),
                span: job
                    .variables
                    .iter()
                    .find(|v| v.name.value.as_ref() == "VAULT_AUTH_PATH")
                    .and_then(|v| v.value.as_ref().map(|t| t.span))
                    .unwrap_or(span),
            },
        };
        let role = job
            .variables
            .iter()
            .find(|v| v.name.value.as_ref() == "VAULT_AUTH_ROLE")
            .map(|v| Named {
                text: v
                    .value
                    .as_ref()
                    .map(|t| t.value.to_string())
                    .filter(|t| !t.contains('$')),
                span: v.value.as_ref().map_or(v.name.span, |t| t.span),
            });
        out.push(VaultUse {
            kind: UseKind::Secrets(secret.name.value.to_string()),
            span,
            path,
            role,
            token: token_named(job, secret.token.as_ref().map(|t| t.value.as_ref()), true),
        });
    }
    for login in &read.logins {
        out.push(script_use(job, login));
    }
    out
}

fn script_use<'p>(job: &'p Job, login: &Login) -> VaultUse<'p> {
    let path = Named {
        text: resolve(job, &login.path).map(|p| p.trim_matches('/').to_owned()),
        span: login.path.span,
    };
    let role = login.role.as_ref().map(|role| Named {
        text: resolve(job, role),
        span: role.span,
    });
    let token = token_named(job, login.jwt.as_ref().map(|j| j.text.as_str()), false);
    VaultUse {
        kind: UseKind::Login,
        span: login.span,
        path,
        role,
        token,
    }
}

/// The jobs of the scanned pipelines (included fragments aside, judged where included)
/// with their Vault logins; `job_vaults` gives what each job of a pipeline document
/// writes in its scripts, in job order ([`job_vault`]; nothing when none writes
/// anything).
pub fn job_uses<'a, J: AsRef<[VaultResources]>>(
    workspace: &'a Workspace,
    included: impl Fn(&trustlint_parser::input::Document) -> bool,
    job_vaults: impl Fn(&trustlint_parser::input::Document) -> J,
) -> Vec<(&'a Pipeline, &'a Job, Vec<VaultUse<'a>>)> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for document in &workspace.documents {
        let Content::GitlabCi(pipeline) = &document.content else {
            continue;
        };
        if included(document) {
            continue;
        }
        let reads = job_vaults(document);
        let nothing = VaultResources::default();
        for (at, job) in pipeline.jobs.iter().enumerate() {
            if !seen.insert((job.name.span, document.file)) {
                continue;
            }
            let uses = uses(job, reads.as_ref().get(at).unwrap_or(&nothing));
            if !uses.is_empty() {
                out.push((pipeline.as_ref(), job, uses));
            }
        }
    }
    out
}

/// The `aud` values of the token a login presents (empty when none is known).
pub fn audiences(token: Option<&IdToken>) -> Vec<String> {
    token
        .map(|t| t.aud.iter().map(|a| a.value.to_string()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
