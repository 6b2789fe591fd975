//! The `federation::gcp` resources of a Terraform module file: workload identity pools
//! and providers, and IAM grants (`google_*_iam_member|binding|policy`).
//!
//! References to the pools, providers and service accounts resolve symbolically
//! (`gcp_refs`): `google_iam_workload_identity_pool.X.name` is
//! `projects/${project_number}/locations/global/workloadIdentityPools/ID`, the number
//! known only once the project exists.

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::Block;
use hcl_edit::template::{Element, Template};
use hcl_edit::Span as _;

use super::eval::{Env, Resolved};
use crate::embedded::{string_with_map, OffsetMap};
use crate::federation::gcp::{
    iam_resource_scope, provider_name, Audiences, Binding, Cel, GcpResources, Mapping,
    MappingEntry, Pool, Provider, PROJECT_NUMBER,
};
use crate::problem::Problem;
use crate::source::Span;
use crate::spanned::Spanned;
use crate::tree::Value;

/// Deepest chain of references followed to a mapping or condition.
const MAX_DEPTH: usize = 16;

/// Reads the resources among `blocks` (the loaded file's own `resource` and `data`
/// blocks, each with its kind and name labels), references resolved through `env`.
pub(super) fn read<'a>(
    env: &Env<'a>,
    blocks: &[(&'a str, &'a str, &'a Block)],
    out: &mut GcpResources,
    _problems: &mut Vec<Problem>,
) {
    for &(kind, name, block) in blocks {
        if block.ident.as_str() != "resource" {
            continue;
        }
        match kind {
            "google_iam_workload_identity_pool" => out.pools.push(Pool {
                id: text(env, block, "workload_identity_pool_id"),
                disabled: text(env, block, "disabled"),
                span: env.span(block.span()),
            }),
            "google_iam_workload_identity_pool_provider" => {
                out.providers.push(provider(env, name, block));
            }
            _ => {
                if let Some(scope) = iam_resource_scope(kind) {
                    out.bindings.extend(bindings(env, kind, block, scope));
                }
            }
        }
    }
}

fn attribute<'a>(block: &'a Block, key: &str) -> Option<&'a Expression> {
    block.body.get_attribute(key).map(|a| &a.value)
}

/// A scalar attribute's value (`None` when absent or `null`).
fn text<'a>(env: &Env<'a>, block: &'a Block, key: &str) -> Option<Spanned<String>> {
    let expr = attribute(block, key)?;
    if is_null(env, expr, 0) {
        return None;
    }
    let node = env.string_node(expr, 0)?;
    Some(Spanned::new(node.scalar_text()?, node.span))
}

/// Whether an expression is `null`, written or through the module's variables and locals.
fn is_null<'a>(env: &Env<'a>, expr: &'a Expression, depth: usize) -> bool {
    match expr {
        Expression::Null(_) => true,
        Expression::Parenthesis(inner) => is_null(env, inner.inner(), depth + 1),
        Expression::Traversal(_) | Expression::Variable(_) if depth < MAX_DEPTH => {
            matches!(env.resolve(expr, depth), Some(Resolved::Expr(target)) if is_null(env, target, depth + 1))
        }
        _ => false,
    }
}

fn provider<'a>(env: &Env<'a>, name: &str, block: &'a Block) -> Provider {
    let span = env.span(block.span());
    let pool = text(env, block, "workload_identity_pool_id");
    let id = text(env, block, "workload_identity_pool_provider_id");
    let full = provider_name(
        PROJECT_NUMBER,
        pool.as_ref().map_or("${pool}", |p| p.value.as_str()),
        id.as_ref().map_or("${provider}", |p| p.value.as_str()),
    );
    let oidc = block.body.blocks().find(|b| b.ident.as_str() == "oidc");
    Provider {
        label: format!("google_iam_workload_identity_pool_provider.{name}"),
        name: Spanned::new(full, id.as_ref().map_or(span, |id| id.span)),
        pool,
        issuer: oidc.and_then(|oidc| text(env, oidc, "issuer_uri")),
        audiences: oidc
            .and_then(|oidc| attribute(oidc, "allowed_audiences"))
            .and_then(|expr| audiences(env, expr)),
        mapping: attribute(block, "attribute_mapping")
            .map_or(Mapping::Absent, |expr| mapping(env, expr, 0)),
        condition: attribute(block, "attribute_condition").and_then(|expr| cel(env, expr, 0)),
        null_condition: attribute(block, "attribute_condition")
            .filter(|expr| is_null(env, expr, 0))
            .map(|expr| env.span(expr.span())),
        disabled: text(env, block, "disabled"),
        span,
    }
}

fn audiences<'a>(env: &Env<'a>, expr: &'a Expression) -> Option<Audiences> {
    if is_null(env, expr, 0) {
        return None;
    }
    let node = env.node(expr, 0);
    let span = env.span(expr.span());
    Some(match &node.value {
        Value::Seq(items) => Audiences {
            values: items
                .iter()
                .filter_map(|item| Some(Spanned::new(item.scalar_text()?, item.span)))
                .collect(),
            symbolic: items
                .iter()
                .any(|item| item.scalar_text().is_none_or(|t| t.contains("${"))),
            span,
        },
        _ => Audiences {
            values: Vec::new(),
            symbolic: true,
            span,
        },
    })
}

fn mapping<'a>(env: &Env<'a>, expr: &'a Expression, depth: usize) -> Mapping {
    let span = env.span(expr.span());
    if depth > MAX_DEPTH {
        return Mapping::Unknown(span);
    }
    match expr {
        Expression::Null(_) => Mapping::Absent,
        Expression::Parenthesis(inner) => mapping(env, inner.inner(), depth + 1),
        Expression::Object(object) => Mapping::Known(
            object
                .iter()
                .filter_map(|(key, value)| {
                    let key_span = env.span(key.span());
                    let target = match key {
                        ObjectKey::Ident(ident) => ident.as_str().to_string(),
                        ObjectKey::Expression(key) => env.render(key, depth + 1)?,
                    };
                    Some(MappingEntry {
                        target: Spanned::new(target, key_span),
                        expression: cel(env, value.expr(), depth + 1)?,
                    })
                })
                .collect(),
        ),
        Expression::Traversal(_) | Expression::Variable(_) => match env.resolve(expr, depth) {
            Some(Resolved::Expr(target)) => mapping(env, target, depth + 1),
            _ => Mapping::Unknown(span),
        },
        _ => Mapping::Unknown(span),
    }
}

/// A CEL expression written as a Terraform string, each byte mapped to the file.
fn cel<'a>(env: &Env<'a>, expr: &'a Expression, depth: usize) -> Option<Cel> {
    let span = env.span(expr.span());
    if depth > MAX_DEPTH {
        return Some(Cel::whole(format!("${{{}}}", "…"), span));
    }
    match expr {
        Expression::Null(_) => None,
        Expression::Parenthesis(inner) => cel(env, inner.inner(), depth + 1),
        Expression::Traversal(_) | Expression::Variable(_) => match env.resolve(expr, depth) {
            Some(Resolved::Expr(target)) => cel(env, target, depth + 1),
            _ => Some(Cel::whole(env.render(expr, depth)?, span)),
        },
        Expression::String(_) => {
            let node = env.string_node(expr, depth)?;
            let (text, map) = string_with_map(&node, env.file_text(node.span.file))?;
            Some(Cel::new(text, map, node.span))
        }
        Expression::StringTemplate(template) => match template_cel(env, template, span, depth) {
            Some(cel) => Some(cel),
            None => Some(Cel::whole(env.render(expr, depth)?, span)),
        },
        Expression::HeredocTemplate(heredoc) => {
            match env.template_with_map(&heredoc.template, span, depth) {
                Some((text, map)) => Some(Cel::new(text, map, span)),
                None => Some(Cel::whole(env.render(expr, depth)?, span)),
            }
        }
        _ => Some(Cel::whole(env.render(expr, depth)?, span)),
    }
}

/// A quoted template's text, its literal parts mapped byte by byte through their escapes
/// (`\"` is one byte of CEL written as two), its interpolations to their `${…}`.
fn template_cel<'a>(
    env: &Env<'a>,
    template: &'a Template,
    span: Span,
    depth: usize,
) -> Option<Cel> {
    let mut text = String::new();
    let mut map = OffsetMap::builder(span);
    let mut end = span.end as usize;
    for element in template.iter() {
        match element {
            Element::Literal(part) => {
                let range = part.span()?;
                let raw = env.text.get(range.clone())?;
                let start = env.span(Some(range)).start as usize;
                let value = part.value();
                let mut at = 0;
                for ch in value.chars() {
                    // The raw text of this character: itself, or an escape.
                    let rest = raw.get(at..)?;
                    let len = if rest.starts_with(ch) {
                        ch.len_utf8()
                    } else if let Some(escaped) = rest.strip_prefix('\\') {
                        match escaped.chars().next()? {
                            'u' => 6,
                            'U' => 10,
                            c => 1 + c.len_utf8(),
                        }
                    } else if rest.starts_with("$${") || rest.starts_with("%%{") {
                        2
                    } else {
                        return None;
                    };
                    map.verbatim(ch.len_utf8(), start + at);
                    at += len;
                    text.push(ch);
                }
                end = start + at;
            }
            Element::Interpolation(interpolation) => {
                let value = env.render(&interpolation.expr, depth + 1)?;
                let at = env.span(interpolation.span());
                map.produced_by(value.len(), at);
                text.push_str(&value);
                end = at.end as usize;
            }
            Element::Directive(_) => return None,
        }
    }
    Some(Cel::new(text, map.finish(end), span))
}

fn bindings<'a>(
    env: &Env<'a>,
    kind: &str,
    block: &'a Block,
    scope: crate::federation::gcp::Scope,
) -> Vec<Binding> {
    let span = env.span(block.span());
    let target = [
        "service_account_id",
        "project",
        "folder",
        "org_id",
        "secret_id",
        "bucket",
        "repository",
        "name",
    ]
    .iter()
    .find_map(|key| text(env, block, key));
    let condition = |block: &'a Block| {
        block
            .body
            .blocks()
            .find(|b| b.ident.as_str() == "condition")
            .and_then(|c| text(env, c, "expression"))
    };
    let binding =
        |role: Spanned<String>, members: (Vec<Spanned<String>>, bool), condition| Binding {
            source: kind.to_string(),
            scope,
            target: target.clone(),
            role,
            members: members.0,
            members_symbolic: members.1,
            condition,
            span,
        };
    if kind.ends_with("_iam_policy") {
        return policy_bindings(env, block)
            .into_iter()
            .map(|(role, members, policy)| binding(role, members, condition(policy)))
            .collect();
    }
    let Some(role) = text(env, block, "role") else {
        return Vec::new();
    };
    let members = match (attribute(block, "member"), attribute(block, "members")) {
        (Some(member), _) => members(env, member),
        (None, Some(list)) => members(env, list),
        (None, None) => return Vec::new(),
    };
    vec![binding(role, members, condition(block))]
}

/// The members an expression gives, and whether some are not determined.
fn members<'a>(env: &Env<'a>, expr: &'a Expression) -> (Vec<Spanned<String>>, bool) {
    let node = env.node(expr, 0);
    let items: Vec<&crate::tree::Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![&node],
    };
    let values: Vec<Spanned<String>> = items
        .iter()
        .filter_map(|item| Some(Spanned::new(item.scalar_text()?, item.span)))
        .collect();
    let symbolic = values.len() < items.len()
        || values
            .iter()
            .any(|v| v.value.starts_with("${") && v.value.ends_with('}'));
    (values, symbolic)
}

/// A role, its members (and whether some are undetermined), and the block granting it.
type PolicyBinding<'a> = (Spanned<String>, (Vec<Spanned<String>>, bool), &'a Block);

/// The `binding { role members }` blocks of the `data "google_iam_policy"` a
/// `policy_data` attribute names.
fn policy_bindings<'a>(env: &Env<'a>, block: &'a Block) -> Vec<PolicyBinding<'a>> {
    let Some(Expression::Traversal(traversal)) = attribute(block, "policy_data") else {
        return Vec::new();
    };
    let path: Vec<&str> = std::iter::once(match &traversal.expr {
        Expression::Variable(v) => v.as_str(),
        _ => "",
    })
    .chain(
        traversal
            .operators
            .iter()
            .filter_map(|op| match op.value() {
                hcl_edit::expr::TraversalOperator::GetAttr(name) => Some(name.as_str()),
                _ => None,
            }),
    )
    .collect();
    let ["data", "google_iam_policy", name, "policy_data"] = path.as_slice() else {
        return Vec::new();
    };
    let Some((_, data)) = env.module().data("google_iam_policy", name, env.file) else {
        return Vec::new();
    };
    data.body
        .blocks()
        .filter(|b| b.ident.as_str() == "binding")
        .filter_map(|b| {
            let role = text(env, b, "role")?;
            let members = attribute(b, "members").map(|m| members(env, m))?;
            Some((role, members, b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::federation::gcp::{GcpResources, Mapping, Scope};
    use crate::source::FileId;

    fn load(text: &str) -> GcpResources {
        let mut problems = Vec::new();
        let resources = crate::terraform::load_hcl(
            FileId(0),
            text,
            &crate::limits::Limits::default(),
            &mut problems,
        )
        .expect("loads");
        resources.federation.gcp
    }

    #[test]
    fn provider_with_symbolic_pool_and_mapped_cel() {
        let text = r#"
variable "group" { default = "acme" }
variable "condition" {}
resource "google_iam_workload_identity_pool" "main" {
  workload_identity_pool_id = "gitlab"
}
resource "google_iam_workload_identity_pool_provider" "main" {
  workload_identity_pool_id          = google_iam_workload_identity_pool.main.workload_identity_pool_id
  workload_identity_pool_provider_id = "gitlab-com"
  attribute_condition = "assertion.namespace_path.startsWith(\"${var.group}\")"
  attribute_mapping = {
    "google.subject"       = "assertion.sub"
    "attribute.project_id" = "assertion.project_id"
  }
  oidc {
    issuer_uri        = "https://gitlab.com"
    allowed_audiences = ["https://gitlab.com"]
  }
}
resource "google_iam_workload_identity_pool_provider" "other" {
  workload_identity_pool_id          = "gitlab"
  workload_identity_pool_provider_id = "other"
  attribute_condition = var.condition
  attribute_mapping = var.condition
  oidc { issuer_uri = "https://gitlab.com" }
}
resource "google_service_account_iam_member" "wi" {
  service_account_id = "projects/p/serviceAccounts/sa@p.iam.gserviceaccount.com"
  role               = "roles/iam.workloadIdentityUser"
  member             = "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.main.name}/attribute.project_id/42"
}
resource "google_project_iam_binding" "owners" {
  project = "p"
  role    = "roles/owner"
  members = ["principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.main.name}/*"]
}
"#;
        let gcp = load(text);
        assert_eq!(gcp.pools.len(), 1);
        let provider = &gcp.providers[0];
        assert_eq!(
            provider.name.value,
            "projects/${project_number}/locations/global/workloadIdentityPools/gitlab/providers/gitlab-com"
        );
        let condition = provider.condition.as_ref().unwrap();
        assert_eq!(
            condition.text,
            "assertion.namespace_path.startsWith(\"acme\")"
        );
        assert_eq!(
            &text[condition.span_of(0, 24).range()],
            "assertion.namespace_path"
        );
        assert_eq!(
            provider.audiences.as_ref().unwrap().values[0].value,
            "https://gitlab.com"
        );
        let Mapping::Known(entries) = &provider.mapping else {
            panic!("{:?}", provider.mapping)
        };
        let e = &entries[1].expression;
        assert_eq!(
            &text[e.span_of(0, e.text.len()).range()],
            "assertion.project_id"
        );
        // A variable without default: unknown, never invented.
        let other = &gcp.providers[1];
        assert!(other.condition.as_ref().unwrap().is_symbolic());
        assert!(matches!(other.mapping, Mapping::Unknown(_)));
        assert!(other.audiences.is_none());
        assert_eq!(gcp.bindings[0].scope, Scope::ServiceAccount);
        assert_eq!(
            gcp.bindings[0].members[0].value,
            "principalSet://iam.googleapis.com/projects/${project_number}/locations/global/workloadIdentityPools/gitlab/attribute.project_id/42"
        );
        assert_eq!(gcp.bindings[1].scope, Scope::Project);
        assert!(gcp.bindings[1].members[0].value.ends_with("/gitlab/*"));
    }

    #[test]
    fn null_condition_is_absent_and_policies_read() {
        let gcp = load(
            r#"
variable "attribute_condition" { default = null }
resource "google_iam_workload_identity_pool_provider" "p" {
  workload_identity_pool_id = "w"
  workload_identity_pool_provider_id = "p"
  attribute_condition = var.attribute_condition
  oidc { issuer_uri = "https://gitlab.com" }
}
data "google_iam_policy" "wi" {
  binding {
    role    = "roles/iam.workloadIdentityUser"
    members = ["principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/w/*"]
  }
}
resource "google_service_account_iam_policy" "sa" {
  service_account_id = "sa"
  policy_data        = data.google_iam_policy.wi.policy_data
}
"#,
        );
        assert!(gcp.providers[0].condition.is_none());
        assert!(gcp.providers[0].null_condition.is_some());
        assert_eq!(gcp.bindings.len(), 1);
        assert_eq!(gcp.bindings[0].role.value, "roles/iam.workloadIdentityUser");
    }
}
