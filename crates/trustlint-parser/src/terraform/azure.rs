//! The `federation::azure` resources of a Terraform module file: federated identity
//! credentials (`azuread_application_federated_identity_credential`,
//! `azuread_application_flexible_federated_identity_credential`,
//! `azurerm_federated_identity_credential`, and Graph/ARM bodies written with
//! `jsonencode({…})` or as an `azapi_resource` body), the app registrations, service
//! principals and user-assigned identities they hang on, and `azurerm_role_assignment`.
//! References between them are kept as Terraform addresses (`azuread_application.ci`),
//! followed through `var.`/`local.` values the module determines.

use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::Block;
use hcl_edit::Span as _;

use super::eval::{Env, Resolved};
use crate::embedded::OffsetMap;
use crate::federation::azure::json::{credential, has_graph_body_keys, is_graph_body};
use crate::federation::azure::{
    AzureResources, ClaimsExpression, Credential, Holder, Identity, IdentityKind, Origin,
    RoleAssignment,
};
use crate::problem::Problem;
use crate::spanned::Spanned;
use crate::tree::{Node, Value};

/// Deepest chain of `var.`/`local.` references followed to find an address.
const MAX_DEPTH: usize = 8;

/// Reads the resources among `blocks` (the loaded file's own `resource` and `data`
/// blocks, each with its kind and name labels), references resolved through `env`.
pub(super) fn read<'a>(
    env: &Env<'a>,
    blocks: &[(&'a str, &'a str, &'a Block)],
    out: &mut AzureResources,
    _problems: &mut Vec<Problem>,
) {
    for &(kind, name, block) in blocks {
        let data = block.ident.as_str() == "data";
        let key = if data {
            format!("data.{kind}.{name}")
        } else {
            format!("{kind}.{name}")
        };
        let reader = Reader { env, block };
        match kind {
            "azuread_application_federated_identity_credential" => out
                .credentials
                .push(reader.credential(Origin::TerraformApplication, "application_id")),
            "azuread_application_flexible_federated_identity_credential" => out
                .credentials
                .push(reader.credential(Origin::TerraformFlexible, "application_id")),
            "azurerm_federated_identity_credential" => out
                .credentials
                .push(reader.credential(Origin::TerraformManagedIdentity, "parent_id")),
            "azuread_application" | "azuread_application_registration" => out
                .identities
                .push(reader.identity(IdentityKind::Application, key, "display_name")),
            "azuread_service_principal" => {
                let mut identity =
                    reader.identity(IdentityKind::ServicePrincipal, key, "display_name");
                identity.application = ["client_id", "application_id"]
                    .iter()
                    .find_map(|attribute| reader.holder(attribute))
                    .and_then(|holder| match holder.value {
                        Holder::Address(address) => Some(address),
                        Holder::Written(_) => None,
                    });
                out.identities.push(identity);
            }
            "azurerm_user_assigned_identity" => {
                out.identities
                    .push(reader.identity(IdentityKind::ManagedIdentity, key, "name"))
            }
            "azurerm_role_assignment" => out.role_assignments.push(reader.role_assignment()),
            "azapi_resource" => out.credentials.extend(reader.azapi_credential()),
            _ => {}
        }
        if !data {
            out.credentials.extend(reader.encoded_bodies());
        }
    }
}

struct Reader<'e, 'a> {
    env: &'e Env<'a>,
    block: &'a Block,
}

impl<'a> Reader<'_, 'a> {
    fn attribute(&self, key: &str) -> Option<&'a Expression> {
        self.block.body.get_attribute(key).map(|a| &a.value)
    }

    fn text(&self, key: &str) -> Option<Spanned<String>> {
        let expr = self.attribute(key)?;
        let text = self.env.render(expr, 0)?;
        Some(Spanned::new(text, self.env.span(expr.span())))
    }

    fn repeated(&self) -> bool {
        self.attribute("count").is_some() || self.attribute("for_each").is_some()
    }

    /// What an attribute refers to: a Terraform address, or its value as written.
    fn holder(&self, key: &str) -> Option<Spanned<Holder>> {
        let expr = self.attribute(key)?;
        let span = self.env.span(expr.span());
        let holder = address(self.env, expr, 0)
            .map(Holder::Address)
            .or_else(|| self.env.render(expr, 0).map(Holder::Written))?;
        Some(Spanned::new(holder, span))
    }

    fn credential(&self, origin: Origin, holder: &str) -> Credential {
        let holder = self
            .holder(holder)
            .or_else(|| self.holder("user_assigned_identity_id"));
        let audiences = ["audiences", "audience"].iter().find_map(|key| {
            let expr = self.attribute(key)?;
            let node = self.env.node(expr, 0);
            let items = match &node.value {
                Value::Seq(items) => items.iter().filter_map(string).collect(),
                _ => string(&node).into_iter().collect(),
            };
            Some(Spanned::new(items, node.span))
        });
        let expression = self.attribute("claims_matching_expression").and_then(|_| {
            let value = self.text("claims_matching_expression")?;
            let raw = self
                .env
                .file_text(value.span.file)
                .get(value.span.range())
                .unwrap_or_default();
            let map = match OffsetMap::json_literal(raw, value.span) {
                Some((decoded, map)) if decoded == value.value => map,
                _ => OffsetMap::by_lines(raw, value.span, &value.value),
            };
            Some(ClaimsExpression {
                value,
                map,
                language_version: None,
            })
        });
        Credential {
            origin,
            holder,
            name: self.text("display_name").or_else(|| self.text("name")),
            issuer: self.text("issuer"),
            subject: self.text("subject"),
            audiences,
            expression,
            repeated: self.repeated(),
            span: self.env.span(self.block.span()),
        }
    }

    fn identity(&self, kind: IdentityKind, key: String, name: &str) -> Identity {
        let client_id = self.text("client_id").filter(|id| !id.value.contains("${"));
        Identity {
            kind,
            key,
            name: self.text(name),
            application: None,
            client_id: client_id.filter(|_| self.block.ident.as_str() == "data"),
            span: self.env.span(self.block.span()),
        }
    }

    fn role_assignment(&self) -> RoleAssignment {
        let role = self.text("role_definition_name").or_else(|| {
            // `data.azurerm_role_definition.X.id`: the data source's `name`.
            let expr = self.attribute("role_definition_id")?;
            let by_name = address(self.env, expr, 0).and_then(|address| {
                let name = address.strip_prefix("data.azurerm_role_definition.")?;
                let block = self
                    .env
                    .module()
                    .data("azurerm_role_definition", name, self.env.file)?
                    .1;
                let name = &block.body.get_attribute("name")?.value;
                Some(Spanned::new(
                    self.env.render(name, 0)?,
                    self.env.span(name.span()),
                ))
            });
            by_name.or_else(|| self.text("role_definition_id"))
        });
        RoleAssignment {
            scope: self.text("scope"),
            role,
            principal: self.holder("principal_id"),
            span: self.env.span(self.block.span()),
        }
    }

    /// `azapi_resource` of type `…/federatedIdentityCredentials@…`: its `body`
    /// (`properties` inside, `jsonencode`d or not) and `parent_id`.
    fn azapi_credential(&self) -> Option<Credential> {
        let kind = self.text("type")?;
        if !kind
            .value
            .to_ascii_lowercase()
            .contains("/federatedidentitycredentials@")
        {
            return None;
        }
        let body = self.attribute("body")?;
        let node = self.env.node(unencoded(body), 0);
        let properties = node.get("properties")?;
        let mut found = credential(
            properties,
            Origin::TerraformBody,
            self.holder("parent_id"),
            &|span| self.env.file_text(span.file).get(span.range()),
        );
        found.name = self.text("name");
        found.repeated = self.repeated();
        found.span = self.env.span(self.block.span());
        Some(found)
    }

    /// Graph bodies `jsonencode`d in the block's attributes (one level of objects
    /// inside: `null_resource` `triggers`, `terraform_data` `input`), as a script posting
    /// them with `az rest` would.
    fn encoded_bodies(&self) -> Vec<Credential> {
        let mut found = Vec::new();
        let mut exprs: Vec<&Expression> = self.block.body.attributes().map(|a| &a.value).collect();
        let nested: Vec<&Expression> = exprs
            .iter()
            .filter_map(|expr| match expr {
                Expression::Object(object) => {
                    Some(object.iter().map(|(_, v)| v.expr()).collect::<Vec<_>>())
                }
                _ => None,
            })
            .flatten()
            .collect();
        exprs.extend(nested);
        for expr in exprs {
            let Expression::FuncCall(call) = expr else {
                continue;
            };
            if call.name.name.as_str() != "jsonencode" || !call.name.namespace.is_empty() {
                continue;
            }
            let Some(arg) = call.args.iter().next() else {
                continue;
            };
            // Only an object with a body's keys is evaluated (most are policies).
            let keys = self.env.object_keys(arg, 0).unwrap_or_default();
            if !has_graph_body_keys(|key| keys.iter().any(|k| k == key)) {
                continue;
            }
            let node = self.env.node(arg, 0);
            if is_graph_body(&node) {
                let mut credential = credential(&node, Origin::TerraformBody, None, &|span| {
                    self.env.file_text(span.file).get(span.range())
                });
                credential.repeated = self.repeated();
                found.push(credential);
            }
        }
        found
    }
}

/// `jsonencode(X)` → `X`; anything else itself.
fn unencoded(expr: &Expression) -> &Expression {
    match expr {
        Expression::FuncCall(call) if call.name.name.as_str() == "jsonencode" => {
            call.args.iter().next().unwrap_or(expr)
        }
        _ => expr,
    }
}

fn string(node: &Node) -> Option<Spanned<String>> {
    node.as_str()
        .map(|s| Spanned::new(s.to_string(), node.span))
}

/// The Terraform address an expression refers to (`azuread_application.ci.id` →
/// `azuread_application.ci`, `data.x.y.z` → `data.x.y`), through `var.`/`local.`
/// values the module determines.
fn address<'a>(env: &Env<'a>, expr: &'a Expression, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    let expr = match expr {
        Expression::Parenthesis(inner) => inner.inner(),
        Expression::StringTemplate(template) => {
            // `"${azuread_application.ci.id}"`: one interpolation alone.
            let mut elements = template.iter();
            match (elements.next(), elements.next()) {
                (Some(hcl_edit::template::Element::Interpolation(i)), None) => &i.expr,
                _ => return None,
            }
        }
        _ => expr,
    };
    let Expression::Traversal(traversal) = expr else {
        return None;
    };
    let Expression::Variable(root) = &traversal.expr else {
        return None;
    };
    let names: Vec<&str> = traversal
        .operators
        .iter()
        .filter_map(|op| match op.value() {
            TraversalOperator::GetAttr(name) => Some(name.as_str()),
            _ => None,
        })
        .collect();
    match (root.as_str(), names.as_slice()) {
        ("var" | "local", _) => match env.resolve(expr, depth)? {
            Resolved::Expr(target) => address(env, target, depth + 1),
            _ => None,
        },
        ("data", [kind, name, ..]) => Some(format!("data.{kind}.{name}")),
        ("each" | "count" | "self" | "path" | "module" | "terraform", _) => None,
        (kind, [name, ..]) if kind.contains('_') => Some(format!("{kind}.{name}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::federation::azure::{Holder, IdentityKind, Origin};
    use crate::limits::Limits;
    use crate::source::FileId;
    use crate::terraform::load_hcl;

    fn azure(text: &str) -> crate::federation::azure::AzureResources {
        let mut problems = Vec::new();
        let resources = load_hcl(FileId(0), text, &Limits::default(), &mut problems).unwrap();
        resources.federation.azure
    }

    #[test]
    fn credentials_identities_and_roles_are_linked_by_address() {
        let text = r#"
variable "subjects" { default = ["project_path:g/p:ref_type:branch:ref:main"] }
resource "azuread_application_registration" "ci" { display_name = "ci" }
resource "azuread_service_principal" "ci" { client_id = azuread_application_registration.ci.client_id }
resource "azuread_application_federated_identity_credential" "main" {
  application_id = azuread_application_registration.ci.id
  display_name   = "main"
  issuer         = "https://gitlab.com"
  subject        = "project_path:g/p:ref_type:branch:ref:main"
  audiences      = ["https://gitlab.com"]
}
resource "azuread_application_flexible_federated_identity_credential" "flex" {
  application_id             = azuread_application_registration.ci.id
  display_name               = "flex"
  issuer                     = "https://gitlab.com"
  audience                   = "api://AzureADTokenExchange"
  claims_matching_expression = "claims['sub'] matches 'project_path:g/p:*'"
}
resource "azurerm_user_assigned_identity" "uami" { name = "uami" }
resource "azurerm_federated_identity_credential" "uami" {
  name      = "x"
  parent_id = azurerm_user_assigned_identity.uami.id
  issuer    = "https://gitlab.com"
  subject   = "s"
  audience  = ["a"]
}
data "azurerm_role_definition" "owner" { name = "Owner" }
resource "azurerm_role_assignment" "ci" {
  scope              = "/subscriptions/00000000-0000-0000-0000-000000000000"
  role_definition_id = data.azurerm_role_definition.owner.id
  principal_id       = azuread_service_principal.ci.object_id
}
"#;
        let azure = azure(text);
        assert_eq!(azure.credentials.len(), 3);
        let main = &azure.credentials[0];
        assert_eq!(
            main.holder.as_ref().unwrap().value,
            Holder::Address("azuread_application_registration.ci".into())
        );
        assert_eq!(
            &text[main.subject.as_ref().unwrap().span.range()],
            "\"project_path:g/p:ref_type:branch:ref:main\""
        );
        let flex = &azure.credentials[1];
        assert_eq!(flex.origin, Origin::TerraformFlexible);
        assert_eq!(
            flex.audiences.as_ref().unwrap().value[0].value,
            "api://AzureADTokenExchange"
        );
        let expression = flex.expression.as_ref().unwrap();
        assert_eq!(
            &text[expression.span_of(23..41).range()],
            "project_path:g/p:*"
        );
        assert_eq!(
            azure.credentials[2].holder.as_ref().unwrap().value.text(),
            "azurerm_user_assigned_identity.uami"
        );
        let sp = azure
            .identities
            .iter()
            .find(|i| i.kind == IdentityKind::ServicePrincipal)
            .unwrap();
        assert_eq!(
            sp.application.as_deref(),
            Some("azuread_application_registration.ci")
        );
        let role = &azure.role_assignments[0];
        assert_eq!(role.role.as_ref().unwrap().value, "Owner");
        assert_eq!(
            role.principal.as_ref().unwrap().value.text(),
            "azuread_service_principal.ci"
        );
    }

    #[test]
    fn jsonencoded_graph_bodies_and_azapi() {
        let text = r#"
locals {
  body = {
    name      = "flex"
    issuer    = "https://gitlab.com"
    audiences = ["api://AzureADTokenExchange"]
    claimsMatchingExpression = { value = "claims['sub'] matches 'project_path:g/p:*'", languageVersion = 1 }
  }
}
resource "null_resource" "fic" {
  triggers = { body_json = jsonencode(local.body) }
}
resource "azapi_resource" "fic" {
  type      = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2025-01-31-preview"
  name      = "gitlab"
  parent_id = azurerm_user_assigned_identity.uami.id
  body = { properties = { issuer = "https://gitlab.com", subject = "s", audiences = ["a"] } }
}
"#;
        let azure = azure(text);
        assert_eq!(azure.credentials.len(), 2);
        assert!(azure.credentials[0].expression.is_some());
        assert_eq!(
            azure.credentials[1].holder.as_ref().unwrap().value.text(),
            "azurerm_user_assigned_identity.uami"
        );
    }

    /// Bodies are told from other `jsonencode`d objects (policies) by their keys alone,
    /// however the keys are written.
    #[test]
    fn only_objects_with_a_body_s_keys_are_read_as_bodies() {
        let text = r#"
locals {
  keys = { "issuer" = "https://gitlab.com", ("audiences") = ["a"], subject = "s" }
}
resource "null_resource" "quoted" { triggers = { body = jsonencode((local.keys)) } }
resource "aws_iam_policy" "p" { policy = jsonencode({ Version = "2012-10-17", Statement = [] }) }
resource "null_resource" "partial" { triggers = { body = jsonencode({ issuer = "i", audiences = ["a"] }) } }
resource "null_resource" "text" { triggers = { body = jsonencode("issuer") } }
"#;
        let azure = azure(text);
        assert_eq!(azure.credentials.len(), 1);
        let audiences = &azure.credentials[0].audiences.as_ref().unwrap().value;
        assert_eq!(audiences[0].value, "a");
    }
}
