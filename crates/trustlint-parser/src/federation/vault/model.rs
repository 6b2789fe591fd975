//! The model of Vault JWT auth mounts, roles, policies and logins (see the parent
//! module), every value spanned.

use crate::source::Span;

/// How a value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// A string (Terraform writes every `bound_claims` value as a string).
    String,
    /// A JSON `true`/`false`: Vault keeps the type, and a bool never equals a string claim.
    Bool,
    /// A JSON number: Vault keeps it as a `json.Number`, which never equals a string claim.
    Number,
    /// Not determined by the file: a Terraform reference without a value, a shell
    /// expansion (`$X`, `$(…)`), a value read from a file (`@file`). `text` is the source.
    Unknown,
}

/// A scalar value where it is written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scalar {
    pub text: String,
    pub kind: ScalarKind,
    pub span: Span,
}

impl Scalar {
    pub fn new(text: impl Into<String>, kind: ScalarKind, span: Span) -> Self {
        Scalar {
            text: text.into(),
            kind,
            span,
        }
    }

    /// A string value, [`ScalarKind::Unknown`] when it holds a placeholder (`${…}`).
    pub fn string(text: impl Into<String>, span: Span) -> Self {
        let text = text.into();
        let kind = if text.contains("${") {
            ScalarKind::Unknown
        } else {
            ScalarKind::String
        };
        Scalar { text, kind, span }
    }

    pub fn is_known(&self) -> bool {
        self.kind != ScalarKind::Unknown
    }

    /// The text when it is a known string.
    pub fn known_str(&self) -> Option<&str> {
        (self.kind == ScalarKind::String).then_some(self.text.as_str())
    }
}

/// Where a backend, role or policy was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    Terraform,
    /// A `vault write` / `vault policy write` command of a script.
    Command,
    /// `vault read -format=json` output.
    ReadOutput,
}

/// A list-valued field: its values, and where the field is written (for a missing or
/// empty list, the place to point at).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListField {
    pub span: Span,
    pub values: Vec<Scalar>,
    /// Some values are not determined (a Terraform list built by an expression).
    pub partial: bool,
}

/// A JWT auth method mount and its configuration (`vault_jwt_auth_backend`, `vault write
/// auth/<path>/config`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub span: Span,
    pub origin: Origin,
    /// The mount path without slashes (Terraform's default `jwt` spans the resource).
    pub path: Scalar,
    pub bound_issuer: Option<Scalar>,
    pub oidc_discovery_url: Option<Scalar>,
    pub jwks_url: Option<Scalar>,
    pub default_role: Option<Scalar>,
}

/// One `bound_claims` entry: a claim (name or JSON pointer) and the values any of which
/// it must equal (string mode) or match (glob mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundClaim {
    pub claim: Scalar,
    pub values: Vec<Scalar>,
    /// The value as written (a list, a string split on commas, one scalar).
    pub span: Span,
    /// A value that is neither a string, bool, number nor a list of them: Vault refuses
    /// every login ("bound claim is not a string, bool, int or list").
    pub malformed: bool,
}

/// `bound_claims`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundClaims {
    pub span: Span,
    pub claims: Vec<BoundClaim>,
    /// The map itself is not determined (a variable, `@file`, an expression): which
    /// claims it binds is unknown.
    pub unknown: bool,
    /// Where a fix adds a claim to the map.
    pub insert_at: Option<Insertion>,
}

/// A JWT auth role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    /// The resource, the command, or the read output's `data`.
    pub span: Span,
    pub origin: Origin,
    /// The mount path of its backend (Terraform `backend`, default `jwt`; the
    /// `auth/<path>/role/` of a command). `None` when the file does not say (read output).
    pub path: Option<Scalar>,
    pub name: Option<Scalar>,
    /// `None`: not written — Vault then stores `oidc` (`path_role.go`: an empty
    /// `role_type` becomes `"oidc"`), and a JWT login with it is refused.
    pub role_type: Option<Scalar>,
    pub bound_audiences: Option<ListField>,
    pub bound_subject: Option<Scalar>,
    /// `None`: `string`.
    pub bound_claims_type: Option<Scalar>,
    pub bound_claims: Option<BoundClaims>,
    pub user_claim: Option<Scalar>,
    pub user_claim_json_pointer: bool,
    pub claim_mappings: Vec<(Scalar, Scalar)>,
    /// `token_policies` and the deprecated `policies`.
    pub token_policies: Option<ListField>,
    /// Where a new `bound_claims` entry can be inserted (the text after which to write
    /// it) and how the file writes one: for fixes.
    pub insert_at: Option<Insertion>,
}

/// Where and how a fix can add a field to a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insertion {
    /// The offset (in the role's file) at which a new field is inserted.
    pub at: Span,
    pub style: Style,
}

/// The syntax a role is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// HCL attributes, one per line, with this indentation.
    Hcl { indent: u8 },
    /// JSON members, one per line, with this indentation.
    Json { indent: u8 },
    /// `key=value` words.
    Args,
    /// An HCL object written on one line (`{ a = "b" }`): `key = value,` after its `{`.
    HclInline,
    /// A JSON object written on one line: `"key": value, ` after its `{`.
    JsonInline,
}

/// One `path "…" { capabilities = [...] }` rule of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyRule {
    pub path: Scalar,
    pub capabilities: Vec<Scalar>,
    pub span: Span,
}

/// An ACL policy (`vault_policy`, `vault policy write`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub span: Span,
    pub origin: Origin,
    pub name: Option<Scalar>,
    pub rules: Vec<PolicyRule>,
    /// The text could not be read in full (a template the file does not determine).
    pub partial: bool,
}

/// A JWT login a script makes: `vault write auth/<path>/login role=<r> jwt=<token>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    pub span: Span,
    pub path: Scalar,
    /// `None`: the mount's `default_role`.
    pub role: Option<Scalar>,
    pub jwt: Option<Scalar>,
}

/// The Vault JWT auth backends, roles and policies one file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VaultResources {
    pub backends: Vec<Backend>,
    pub roles: Vec<Role>,
    pub policies: Vec<Policy>,
    pub logins: Vec<Login>,
}

impl VaultResources {
    /// Whether the file declares none.
    pub fn is_empty(&self) -> bool {
        self.backends.is_empty()
            && self.roles.is_empty()
            && self.policies.is_empty()
            && self.logins.is_empty()
    }
}

impl VaultResources {
    /// Every span through `map` (values read from a text that is not written verbatim in
    /// the file, such as a YAML block scalar); the fixes' insertion points are dropped,
    /// since an inserted line would not follow the file's indentation.
    pub fn map_spans(&mut self, map: impl Fn(Span) -> Span) {
        let scalar = |s: &mut Scalar| s.span = map(s.span);
        let list = |l: &mut ListField| {
            l.span = map(l.span);
            for v in &mut l.values {
                v.span = map(v.span);
            }
        };
        for backend in &mut self.backends {
            backend.span = map(backend.span);
            scalar(&mut backend.path);
            for field in [
                &mut backend.bound_issuer,
                &mut backend.oidc_discovery_url,
                &mut backend.jwks_url,
                &mut backend.default_role,
            ]
            .into_iter()
            .flatten()
            {
                scalar(field);
            }
        }
        for role in &mut self.roles {
            role.span = map(role.span);
            role.insert_at = None;
            for field in [
                &mut role.path,
                &mut role.name,
                &mut role.role_type,
                &mut role.bound_subject,
                &mut role.bound_claims_type,
                &mut role.user_claim,
            ]
            .into_iter()
            .flatten()
            {
                scalar(field);
            }
            for field in [&mut role.bound_audiences, &mut role.token_policies]
                .into_iter()
                .flatten()
            {
                list(field);
            }
            if let Some(claims) = &mut role.bound_claims {
                claims.span = map(claims.span);
                claims.insert_at = None;
                for claim in &mut claims.claims {
                    claim.span = map(claim.span);
                    scalar(&mut claim.claim);
                    for value in &mut claim.values {
                        scalar(value);
                    }
                }
            }
            for (from, to) in &mut role.claim_mappings {
                scalar(from);
                scalar(to);
            }
        }
        for policy in &mut self.policies {
            policy.span = map(policy.span);
            if let Some(field) = &mut policy.name {
                scalar(field);
            }
            for rule in &mut policy.rules {
                rule.span = map(rule.span);
                scalar(&mut rule.path);
                for capability in &mut rule.capabilities {
                    scalar(capability);
                }
            }
        }
        for login in &mut self.logins {
            login.span = map(login.span);
            scalar(&mut login.path);
            for field in [&mut login.role, &mut login.jwt].into_iter().flatten() {
                scalar(field);
            }
        }
    }
}

/// `auth/<path>/<rest>` split into the mount path (slashes trimmed) and the rest's
/// segments: `auth/jwt-gitlab/prod/role/ci` → (`jwt-gitlab/prod`, `role`, `ci`).
pub fn split_auth_path(path: &str) -> Option<(&str, &str, &str)> {
    let rest = path.trim_start_matches('/').strip_prefix("auth/")?;
    let rest = rest.trim_end_matches('/');
    for endpoint in ["/role/", "/login", "/config"] {
        if let Some(at) = rest.rfind(endpoint) {
            let mount = rest.get(..at)?.trim_matches('/');
            let tail = rest.get(at + endpoint.len()..).unwrap_or_default();
            let endpoint = endpoint.trim_matches('/');
            let complete = match endpoint {
                "role" => !tail.is_empty() && !tail.contains('/'),
                _ => tail.is_empty(),
            };
            if complete && !mount.is_empty() {
                return Some((mount, endpoint, tail));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_paths_split_at_the_last_endpoint() {
        assert_eq!(
            split_auth_path("auth/jwt/role/ci"),
            Some(("jwt", "role", "ci"))
        );
        assert_eq!(
            split_auth_path("auth/jwt-gitlab/prod/role/ci"),
            Some(("jwt-gitlab/prod", "role", "ci"))
        );
        assert_eq!(
            split_auth_path("/auth/gitlab/login"),
            Some(("gitlab", "login", ""))
        );
        assert_eq!(
            split_auth_path("auth/jwt/config"),
            Some(("jwt", "config", ""))
        );
        assert_eq!(split_auth_path("auth/jwt/role/"), None);
        assert_eq!(split_auth_path("auth/jwt/role/a/b"), None);
        assert_eq!(split_auth_path("aws/roles/deploy"), None);
        assert_eq!(split_auth_path("auth/login"), None);
    }
}
