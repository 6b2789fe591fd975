//! The `federation::vault` resources of a Terraform module file:
//! `vault_jwt_auth_backend`, `vault_jwt_auth_backend_role` and `vault_policy`, as the
//! Vault provider (`resource_jwt_auth_backend_role.go`) sends them: `bound_claims` is a
//! `map(string)` whose values are split on commas (each part trimmed) unless
//! `disable_bound_claims_parsing = true` (then the whole value, trimmed); `role_type` is
//! only sent when set (Vault then stores `oidc`); `backend` defaults to `jwt`. A resource
//! with `for_each` over a collection the module determines is read once per element;
//! otherwise once, `each.*`/`count.*` left symbolic.

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Block;
use hcl_edit::Span as _;

use super::eval::Env;
use crate::embedded::OffsetMap;
use crate::federation::vault::{
    policy, Backend, BoundClaim, BoundClaims, Insertion, ListField, Origin, Policy, Role, Scalar,
    ScalarKind, Style, VaultResources,
};
use crate::problem::Problem;

/// Reads the resources among `blocks` (the loaded file's own `resource` and `data`
/// blocks, each with its kind and name labels), references resolved through `env`.
pub(super) fn read<'a>(
    env: &Env<'a>,
    blocks: &[(&'a str, &'a str, &'a Block)],
    out: &mut VaultResources,
    _problems: &mut Vec<Problem>,
) {
    for &(kind, _, block) in blocks {
        if block.ident.as_str() != "resource" {
            continue;
        }
        let read_one = |out: &mut VaultResources| match kind {
            "vault_jwt_auth_backend" => out.backends.push(backend(env, block)),
            "vault_jwt_auth_backend_role" => out.roles.push(role(env, block)),
            "vault_policy" => out.policies.push(vault_policy(env, block)),
            _ => {}
        };
        if !matches!(
            kind,
            "vault_jwt_auth_backend" | "vault_jwt_auth_backend_role" | "vault_policy"
        ) {
            continue;
        }
        let elements = block
            .body
            .get_attribute("for_each")
            .and_then(|a| env.elements(for_each_collection(&a.value), 0));
        match elements {
            Some(elements) => {
                for element in elements {
                    env.iterating("each", element, || read_one(out));
                }
            }
            None => read_one(out),
        }
    }
}

/// The collection of a `for_each` (through `toset(…)`).
fn for_each_collection(expr: &Expression) -> &Expression {
    match expr {
        Expression::FuncCall(call) if call.name.name.as_str() == "toset" => {
            call.args.iter().next().unwrap_or(expr)
        }
        _ => expr,
    }
}

fn attr<'a>(block: &'a Block, name: &str) -> Option<&'a Expression> {
    block.body.get_attribute(name).map(|a| &a.value)
}

/// The text of an expression, references to other Vault resources followed: a
/// backend's `path` (default `jwt`), a policy's `name`.
fn text<'a>(env: &Env<'a>, expr: &'a Expression) -> Option<String> {
    let target = |kind: &str, name: &str, data: bool| -> Option<&'a Block> {
        if data {
            env.module().data(kind, name, env.file).map(|(_, b)| b)
        } else {
            env.resource(kind, name)
        }
    };
    match Env::path(expr).as_deref() {
        Some(["vault_jwt_auth_backend", name, "path"]) => Some(
            target("vault_jwt_auth_backend", name, false)
                .and_then(|b| attr(b, "path"))
                .and_then(|e| env.render(e, 1))
                .map_or_else(|| "jwt".to_owned(), |p| p.trim_matches('/').to_owned()),
        ),
        Some(["data", "vault_auth_backend", name, "path"]) => {
            target("vault_auth_backend", name, true)
                .and_then(|b| attr(b, "path"))
                .and_then(|e| env.render(e, 1))
        }
        Some(["vault_policy", name, "name"]) => target("vault_policy", name, false)
            .and_then(|b| attr(b, "name"))
            .and_then(|e| env.render(e, 1)),
        _ => env.render(expr, 0),
    }
}

fn scalar<'a>(env: &Env<'a>, expr: &'a Expression) -> Option<Scalar> {
    let rendered = text(env, expr)?;
    Some(Scalar::string(rendered, env.span(expr.span())))
}

fn field<'a>(env: &Env<'a>, block: &'a Block, name: &str) -> Option<Scalar> {
    attr(block, name).and_then(|e| scalar(env, e))
}

/// A list of strings (`bound_audiences`, `token_policies`): written out, or through a
/// variable or local the module determines; `partial` otherwise.
fn list<'a>(env: &Env<'a>, expr: &'a Expression) -> ListField {
    let span = env.span(expr.span());
    let items = match expr {
        Expression::Array(items) => Some(items),
        _ => match env.resolve(expr, 0) {
            Some(super::eval::Resolved::Expr(Expression::Array(items))) => Some(items),
            _ => None,
        },
    };
    match items {
        Some(items) => ListField {
            span,
            values: items.iter().filter_map(|item| scalar(env, item)).collect(),
            partial: false,
        },
        None => ListField {
            span,
            values: Vec::new(),
            partial: !matches!(expr, Expression::Null(_)),
        },
    }
}

/// A mount path attribute without its slashes; the provider's default `jwt` (spanning
/// the resource) when absent.
fn mount_path<'a>(
    env: &Env<'a>,
    block: &'a Block,
    name: &str,
    span: crate::source::Span,
) -> Scalar {
    match field(env, block, name) {
        Some(mut path) => {
            path.text = path.text.trim_matches('/').to_owned();
            path
        }
        None => Scalar::new("jwt", ScalarKind::String, span),
    }
}

fn backend<'a>(env: &Env<'a>, block: &'a Block) -> Backend {
    let span = env.span(block.span());
    let path = mount_path(env, block, "path", span);
    let set = |name: &str| field(env, block, name).filter(|s| !s.text.is_empty());
    Backend {
        span,
        origin: Origin::Terraform,
        path,
        bound_issuer: set("bound_issuer"),
        oidc_discovery_url: set("oidc_discovery_url"),
        jwks_url: set("jwks_url"),
        default_role: set("default_role"),
    }
}

/// The object an expression is, written out or through a variable or local.
fn object<'a>(env: &Env<'a>, expr: &'a Expression) -> Option<&'a hcl_edit::expr::Object> {
    match expr {
        Expression::Object(object) => Some(object),
        _ => match env.resolve(expr, 0) {
            Some(super::eval::Resolved::Expr(Expression::Object(object))) => Some(object),
            _ => None,
        },
    }
}

fn key_text<'a>(env: &Env<'a>, key: &'a ObjectKey) -> Option<String> {
    match key {
        ObjectKey::Ident(ident) => Some(ident.as_str().to_owned()),
        ObjectKey::Expression(expr) => text(env, expr),
    }
}

/// One `bound_claims` value as the provider sends it: split on commas unless `whole`,
/// each part trimmed; a part of a plain string literal keeps its own span.
fn claim_values<'a>(env: &Env<'a>, expr: &'a Expression, whole: bool) -> Option<Vec<Scalar>> {
    let value = text(env, expr)?;
    let span = env.span(expr.span());
    // Offsets of the value's characters in the module text, when it is written verbatim.
    let literal_start = match expr {
        Expression::String(_) => expr.span().and_then(|range| {
            let raw = env.text.get(range.clone())?;
            (raw.len() == value.len() + 2 && raw.get(1..raw.len() - 1) == Some(value.as_str()))
                .then_some(range.start + 1)
        }),
        _ => None,
    };
    let part = |offset: usize, piece: &str| {
        let trimmed = piece.trim();
        let lead = piece.len() - piece.trim_start().len();
        let span = match literal_start {
            Some(start) => env.span(Some(
                start + offset + lead..start + offset + lead + trimmed.len(),
            )),
            None => span,
        };
        Scalar::string(trimmed, span)
    };
    if whole {
        return Some(vec![part(0, &value)]);
    }
    let mut out = Vec::new();
    let mut offset = 0;
    for piece in value.split(',') {
        out.push(part(offset, piece));
        offset += piece.len() + 1;
    }
    Some(out)
}

fn bound_claims<'a>(env: &Env<'a>, block: &'a Block, expr: &'a Expression) -> BoundClaims {
    let span = env.span(expr.span());
    let whole = field(env, block, "disable_bound_claims_parsing").is_some_and(|s| s.text == "true");
    let Some(object) = object(env, expr) else {
        return BoundClaims {
            span,
            claims: Vec::new(),
            unknown: !matches!(expr, Expression::Null(_)),
            insert_at: None,
        };
    };
    let claims = object
        .iter()
        .filter_map(|(key, value)| {
            let name = key_text(env, key)?;
            let value = value.expr();
            let values = claim_values(env, value, whole);
            Some(BoundClaim {
                claim: Scalar::string(name, env.span(key.span())),
                malformed: values.is_none(),
                values: values.unwrap_or_default(),
                span: env.span(value.span()),
            })
        })
        .collect();
    BoundClaims {
        span,
        claims,
        unknown: false,
        // Only a map written in the role itself can take a new claim.
        insert_at: matches!(expr, Expression::Object(_))
            .then(|| insertion_after(env, expr.span()?, object.iter().next()?.0.span()?.start))
            .flatten(),
    }
}

/// Where a fix adds an attribute: after the block's `{`, indented like its first
/// attribute (only in the loaded file).
fn insertion<'a>(env: &Env<'a>, block: &'a Block) -> Option<Insertion> {
    let range = block.span()?;
    let first = block.body.iter().next()?.span()?;
    insertion_after(env, range, first.start)
}

/// Where a fix adds an attribute to the block or object spanning `range` (in the loaded
/// file) whose first member starts at `first`: after its `{`, indented like that member,
/// or inline when the member is on the `{` line.
fn insertion_after<'a>(
    env: &Env<'a>,
    range: std::ops::Range<usize>,
    first: usize,
) -> Option<Insertion> {
    if !env.in_loaded_file(Some(range.clone())) {
        return None;
    }
    let open = range.start + env.text.get(range.clone())?.find('{')? + 1;
    let between = env.text.get(open..first)?;
    let style = match between.rfind('\n') {
        None => Style::HclInline,
        Some(newline) => {
            let indent = between.get(newline + 1..)?;
            if !indent.bytes().all(|b| b == b' ') {
                return None;
            }
            Style::Hcl {
                indent: u8::try_from(indent.len()).ok()?,
            }
        }
    };
    Some(Insertion {
        at: env.span(Some(open..open)),
        style,
    })
}

fn role<'a>(env: &Env<'a>, block: &'a Block) -> Role {
    let span = env.span(block.span());
    let path = mount_path(env, block, "backend", span);
    let claim_mappings = attr(block, "claim_mappings")
        .and_then(|e| object(env, e))
        .map(|object| {
            object
                .iter()
                .filter_map(|(key, value)| {
                    Some((
                        Scalar::string(key_text(env, key)?, env.span(key.span())),
                        scalar(env, value.expr())?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut token_policies = attr(block, "token_policies").map(|e| list(env, e));
    if let Some(old) = attr(block, "policies").map(|e| list(env, e)) {
        match &mut token_policies {
            Some(all) => all.values.extend(old.values),
            None => token_policies = Some(old),
        }
    }
    Role {
        span,
        origin: Origin::Terraform,
        path: Some(path),
        name: field(env, block, "role_name"),
        role_type: field(env, block, "role_type").filter(|s| !s.text.is_empty()),
        bound_audiences: attr(block, "bound_audiences")
            .filter(|e| !matches!(e, Expression::Null(_)))
            .map(|e| list(env, e)),
        bound_subject: field(env, block, "bound_subject").filter(|s| !s.text.is_empty()),
        bound_claims_type: field(env, block, "bound_claims_type").filter(|s| !s.text.is_empty()),
        bound_claims: attr(block, "bound_claims").map(|e| bound_claims(env, block, e)),
        user_claim: field(env, block, "user_claim"),
        user_claim_json_pointer: field(env, block, "user_claim_json_pointer")
            .is_some_and(|s| s.text == "true"),
        claim_mappings,
        token_policies,
        insert_at: insertion(env, block),
    }
}

fn vault_policy<'a>(env: &Env<'a>, block: &'a Block) -> Policy {
    let span = env.span(block.span());
    let name = field(env, block, "name");
    let text = attr(block, "policy").and_then(|expr| {
        let literal = env.span(expr.span());
        match expr {
            Expression::HeredocTemplate(heredoc) => {
                env.template_with_map(&heredoc.template, literal, 0)
            }
            Expression::StringTemplate(template) => env.template_with_map(template, literal, 0),
            _ => text(env, expr).map(|t| (t, OffsetMap::whole(literal))),
        }
    });
    let (rules, partial) = match &text {
        Some((text, map)) => match policy::rules(text, map, env.file) {
            Some(rules) => (rules, text.contains("${")),
            None => (Vec::new(), true),
        },
        None => (Vec::new(), true),
    };
    Policy {
        span,
        origin: Origin::Terraform,
        name,
        rules,
        partial,
    }
}

#[cfg(test)]
mod tests {
    use crate::document::Content;
    use crate::federation::vault::ScalarKind;
    use crate::input::{load, Discovery};
    use crate::limits::Limits;
    use crate::source::{FileId, SourceFile};

    fn vault(text: &str) -> crate::federation::vault::VaultResources {
        let file = SourceFile::new(FileId(0), "main.tf".into(), text);
        let document = load(&file, None, Discovery::Named, &Limits::default()).unwrap();
        let Content::Iam(resources) = document.content else {
            panic!("{:?}", document.problems)
        };
        resources.federation.vault
    }

    #[test]
    fn roles_backends_and_policies() {
        let text = r#"
resource "vault_jwt_auth_backend" "gl" {
  path         = "gitlab/"
  bound_issuer = "https://gitlab.com"
}
resource "vault_policy" "p" {
  name   = "deploy"
  policy = <<EOT
path "secret/data/${var.app}/*" {
  capabilities = ["read", "update"]
}
EOT
}
variable "aud" { default = "https://vault.example.com" }
resource "vault_jwt_auth_backend_role" "r" {
  backend         = vault_jwt_auth_backend.gl.path
  role_name       = "ci"
  role_type       = "jwt"
  user_claim      = "user_email"
  bound_audiences = [var.aud]
  token_policies  = [vault_policy.p.name]
  bound_claims = {
    project_id    = "22, 23"
    ref_protected = true
    ref           = var.missing
  }
}
resource "vault_jwt_auth_backend_role" "whole" {
  role_name                    = "w"
  user_claim                   = "sub"
  disable_bound_claims_parsing = true
  bound_claims                 = { ref = " a,b " }
}
"#;
        let vault = vault(text);
        assert_eq!(vault.backends[0].path.text, "gitlab");
        let role = &vault.roles[0];
        assert_eq!(role.path.as_ref().unwrap().text, "gitlab");
        assert_eq!(
            role.bound_audiences.as_ref().unwrap().values[0].text,
            "https://vault.example.com"
        );
        assert_eq!(
            role.token_policies.as_ref().unwrap().values[0].text,
            "deploy"
        );
        let claims = &role.bound_claims.as_ref().unwrap().claims;
        let ids: Vec<&str> = claims[0].values.iter().map(|v| v.text.as_str()).collect();
        assert_eq!(ids, ["22", "23"]);
        assert_eq!(&text[claims[0].values[1].span.range()], "23");
        assert_eq!(claims[1].values[0].text, "true");
        assert_eq!(claims[1].values[0].kind, ScalarKind::String);
        assert_eq!(claims[2].values[0].kind, ScalarKind::Unknown);
        let insert = role.insert_at.unwrap();
        assert_eq!(
            insert.style,
            crate::federation::vault::Style::Hcl { indent: 2 }
        );
        let whole = &vault.roles[1];
        assert_eq!(whole.path.as_ref().unwrap().text, "jwt");
        assert!(whole.role_type.is_none());
        assert_eq!(
            whole.bound_claims.as_ref().unwrap().claims[0].values[0].text,
            "a,b"
        );
        let policy = &vault.policies[0];
        assert_eq!(policy.rules[0].capabilities[1].text, "update");
        assert!(policy.partial);
        assert_eq!(
            &text[policy.rules[0].capabilities[1].span.range()],
            "\"update\""
        );
    }

    #[test]
    fn for_each_over_a_known_map() {
        let text = r#"
locals { envs = { staging = "main", production = "release" } }
resource "vault_jwt_auth_backend_role" "r" {
  for_each   = local.envs
  role_name  = "deploy-${each.key}"
  role_type  = "jwt"
  user_claim = "user_email"
  bound_claims = { ref = each.value, project_id = "22" }
}
"#;
        let vault = vault(text);
        let names: Vec<&str> = vault
            .roles
            .iter()
            .map(|r| r.name.as_ref().unwrap().text.as_str())
            .collect();
        assert_eq!(names, ["deploy-staging", "deploy-production"]);
        assert_eq!(
            vault.roles[1].bound_claims.as_ref().unwrap().claims[0].values[0].text,
            "release"
        );
    }
}
