//! Azure's own JSON: ARM templates (what Bicep compiles to) holding
//! `Microsoft.ManagedIdentity/userAssignedIdentities[/federatedIdentityCredentials]` and
//! `Microsoft.Authorization/roleAssignments` resources, and Microsoft Graph
//! `federatedIdentityCredential` request bodies (the `--parameters` file of `az ad app
//! federated-credential create`, the `--body` of `az rest`).

use super::model::{
    AzureResources, ClaimsExpression, Credential, Holder, Identity, IdentityKind, Origin,
    RoleAssignment,
};
use crate::embedded::OffsetMap;
use crate::source::Span;
use crate::spanned::{spanned_text, Spanned};
use crate::tree::Node;

const IDENTITY_TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";
const CREDENTIAL_TYPE: &str =
    "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials";
const ROLE_ASSIGNMENT_TYPE: &str = "Microsoft.Authorization/roleAssignments";

/// At most this many ARM resources are read from one template (nesting included).
const MAX_RESOURCES: usize = 10_000;

/// Whether a parsed JSON root is Azure's: an ARM template with a managed identity,
/// federated credential or role assignment, or a Graph federated credential body.
pub fn is_azure_json(root: &Node) -> bool {
    is_graph_body(root) || (is_arm_template(root) && !read_template(root, "").is_empty())
}

/// Whether a map is a Graph (or ARM `properties`) federated credential body: an
/// `issuer`, `audiences`, and a `subject` or `claimsMatchingExpression`.
pub fn is_graph_body(node: &Node) -> bool {
    has_graph_body_keys(|key| node.get(key).is_some())
}

/// Whether an object with the keys `has` says it holds is a Graph body (see
/// [`is_graph_body`]).
pub fn has_graph_body_keys(has: impl Fn(&str) -> bool) -> bool {
    has("issuer") && has("audiences") && (has("subject") || has("claimsMatchingExpression"))
}

fn is_arm_template(root: &Node) -> bool {
    root.get("$schema")
        .and_then(Node::as_str)
        .is_some_and(|schema| {
            schema
                .to_ascii_lowercase()
                .contains("deploymenttemplate.json")
        })
        && root.get("resources").is_some()
}

/// Reads a parsed Azure JSON file (see [`is_azure_json`]); `file_text` maps the spans of
/// strings with escapes.
pub fn read_json(root: &Node, file_text: &str) -> AzureResources {
    if is_graph_body(root) {
        let mut out = AzureResources::default();
        out.credentials
            .push(credential(root, Origin::Graph, None, &|span| {
                file_text.get(span.range())
            }));
        out
    } else {
        read_template(root, file_text)
    }
}

/// A credential from a Graph body or ARM `properties` map.
/// `raw` gives the source text at a span (for the offsets of strings with escapes).
pub fn credential<'t>(
    body: &Node,
    origin: Origin,
    holder: Option<Spanned<Holder>>,
    raw: &dyn Fn(Span) -> Option<&'t str>,
) -> Credential {
    let audiences = body.get("audiences").map(|node| {
        let items = match node.as_seq() {
            Some(items) => items.iter().filter_map(spanned_text).collect(),
            None => spanned_text(node).into_iter().collect(),
        };
        Spanned::new(items, node.span)
    });
    let matching = body.get("claimsMatchingExpression");
    let expression = matching.and_then(|m| {
        let value = m.get("value")?;
        let text = value.scalar_text()?;
        let map = raw(value.span).map_or_else(
            || OffsetMap::whole(value.span),
            |raw| match OffsetMap::json_literal(raw, value.span) {
                Some((decoded, map)) if decoded == text => map,
                _ => OffsetMap::by_lines(raw, value.span, &text),
            },
        );
        Some(ClaimsExpression {
            value: Spanned::new(text, value.span),
            map,
            language_version: m.get("languageVersion").and_then(spanned_text),
        })
    });
    Credential {
        origin,
        holder,
        name: body.get("name").and_then(spanned_text),
        issuer: body.get("issuer").and_then(spanned_text),
        subject: body.get("subject").and_then(spanned_text),
        audiences,
        expression,
        repeated: false,
        span: body.span,
    }
}

/// The resources of an ARM template (`resources` a list, or with `languageVersion`
/// 2.0 a map by symbolic name), nested child resources included.
fn read_template(root: &Node, file_text: &str) -> AzureResources {
    let mut out = AzureResources::default();
    let schema = root.get("$schema");
    let deployment_scope = schema.and_then(Node::as_str).map(|schema| {
        let schema = schema.to_ascii_lowercase();
        if schema.contains("subscriptiondeploymenttemplate") {
            "/subscriptions/[subscription().subscriptionId]"
        } else if schema.contains("managementgroupdeploymenttemplate") {
            "/providers/Microsoft.Management/managementGroups/[managementGroup().name]"
        } else if schema.contains("tenantdeploymenttemplate") {
            "/"
        } else {
            "/subscriptions/[subscription().subscriptionId]/resourceGroups/[resourceGroup().name]"
        }
    });
    let deployment_scope = deployment_scope
        .zip(schema)
        .map(|(scope, node)| Spanned::new(scope.to_string(), node.span));
    let Some(resources) = root.get("resources") else {
        return out;
    };
    // Symbolic names (language version 2.0) → resource names.
    let mut symbols: Vec<(String, String)> = Vec::new();
    if let Some(entries) = resources.as_map() {
        for entry in entries {
            if let (Some(symbol), Some(name)) = (
                entry.key_str(),
                entry.value.get("name").and_then(Node::as_str),
            ) {
                symbols.push((symbol.to_string(), key_of(name)));
            }
        }
    }
    let mut stack: Vec<(&Node, Option<Parent>)> = children(resources)
        .into_iter()
        .map(|node| (node, None))
        .collect();
    let mut seen = 0usize;
    while let Some((resource, parent)) = stack.pop() {
        seen += 1;
        if seen > MAX_RESOURCES {
            break;
        }
        let Some(kind) = resource.get("type").and_then(Node::as_str) else {
            continue;
        };
        let kind = match &parent {
            Some((parent_type, _)) if !kind.contains('/') => format!("{parent_type}/{kind}"),
            _ => kind.to_string(),
        };
        let name = resource.get("name").and_then(spanned_text);
        let properties = resource.get("properties");
        if kind.eq_ignore_ascii_case(IDENTITY_TYPE) {
            if let Some(name) = &name {
                out.identities.push(Identity {
                    kind: IdentityKind::ManagedIdentity,
                    key: key_of(&name.value),
                    name: Some(name.clone()),
                    application: None,
                    client_id: None,
                    span: resource.span,
                });
            }
        } else if kind.eq_ignore_ascii_case(CREDENTIAL_TYPE) {
            let holder = match (&parent, resource.get("parent")) {
                (Some((_, parent_name)), _) => {
                    Some(parent_name.clone().map(|n| Holder::Written(key_of(&n))))
                }
                (None, Some(symbol)) => spanned_text(symbol).map(|s| {
                    let key = symbols
                        .iter()
                        .find(|(sym, _)| *sym == s.value)
                        .map_or(s.value.clone(), |(_, key)| key.clone());
                    Spanned::new(Holder::Written(key), s.span)
                }),
                (None, None) => name.as_ref().and_then(|n| {
                    parent_segment(&n.value).map(|p| Spanned::new(Holder::Written(p), n.span))
                }),
            };
            if let Some(properties) = properties {
                let mut credential = credential(properties, Origin::Arm, holder, &|span| {
                    file_text.get(span.range())
                });
                credential.name = name.clone();
                credential.span = resource.span;
                out.credentials.push(credential);
            }
        } else if kind.eq_ignore_ascii_case(ROLE_ASSIGNMENT_TYPE) {
            let principal = properties
                .and_then(|p| p.get("principalId"))
                .and_then(spanned_text);
            let principal = principal.map(|p| {
                let key = identity_in(&p.value, &symbols).unwrap_or_else(|| key_of(&p.value));
                Spanned::new(Holder::Written(key), p.span)
            });
            out.role_assignments.push(RoleAssignment {
                scope: resource
                    .get("scope")
                    .and_then(spanned_text)
                    .or_else(|| deployment_scope.clone()),
                role: properties
                    .and_then(|p| p.get("roleDefinitionId"))
                    .and_then(spanned_text),
                principal,
                span: resource.span,
            });
        }
        if let (Some(nested), Some(name)) = (resource.get("resources"), &name) {
            for child in children(nested) {
                stack.push((child, Some((kind.clone(), name.clone()))));
            }
        }
    }
    out
}

/// An enclosing ARM resource: its full type and name.
type Parent = (String, Spanned<String>);

fn children(resources: &Node) -> Vec<&Node> {
    match (resources.as_seq(), resources.as_map()) {
        (Some(items), _) => items.iter().collect(),
        (_, Some(entries)) => entries.iter().map(|e| &e.value).collect(),
        _ => Vec::new(),
    }
}

/// How a resource name is compared: an ARM expression `[…]` without its brackets.
fn key_of(name: &str) -> String {
    let name = name.trim();
    name.strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name)
        .trim()
        .to_string()
}

/// The parent's name in a child resource name: `uami/fic` → `uami`,
/// `[format('{0}/{1}', parameters('id'), 'fic')]` → `parameters('id')`.
fn parent_segment(name: &str) -> Option<String> {
    let key = key_of(name);
    if let Some(args) = key.strip_prefix("format('{0}/{1}',") {
        let args = args.strip_suffix(')')?;
        return first_argument(args).map(|a| a.trim().to_string());
    }
    if name.trim_start().starts_with('[') {
        return None;
    }
    name.split_once('/').map(|(parent, _)| parent.to_string())
}

/// The first comma-separated argument at bracket depth zero, quotes respected.
fn first_argument(args: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in args.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' | '[' if !quoted => depth += 1,
            ')' | ']' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => return args.get(..i),
            _ => {}
        }
    }
    Some(args)
}

/// The managed identity a `principalId` expression reads:
/// `reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', X), …)` → `X`,
/// `reference('symbol').principalId` → the symbol's resource name.
fn identity_in(principal: &str, symbols: &[(String, String)]) -> Option<String> {
    let lower = principal.to_ascii_lowercase();
    let marker = "userassignedidentities',";
    if let Some(at) = lower.find(marker) {
        let rest = principal.get(at + marker.len()..)?;
        let mut depth = 0usize;
        let mut quoted = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\'' => quoted = !quoted,
                '(' if !quoted => depth += 1,
                ')' | ',' if !quoted && depth == 0 => {
                    return rest.get(..i).map(|a| a.trim().to_string())
                }
                ')' if !quoted => depth -= 1,
                _ => {}
            }
        }
        return None;
    }
    let symbol = principal.split("reference('").nth(1)?.split('\'').next()?;
    symbols
        .iter()
        .find(|(sym, _)| sym == symbol)
        .map(|(_, key)| key.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;
    use crate::limits::Limits;
    use crate::source::FileId;

    fn read(text: &str) -> AzureResources {
        let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
        assert!(is_azure_json(&root));
        read_json(&root, text)
    }

    #[test]
    fn graph_body_with_expression_keeps_spans() {
        let text = r#"{"name": "f", "issuer": "https://gitlab.com", "audiences": ["api://AzureADTokenExchange"],
 "claimsMatchingExpression": {"value": "claims['sub'] matches 'project_path:g/p:*'", "languageVersion": 1}}"#;
        let resources = read(text);
        let credential = &resources.credentials[0];
        assert_eq!(credential.origin, Origin::Graph);
        let expression = credential.expression.as_ref().unwrap();
        let span = expression.span_of(23..41);
        assert_eq!(&text[span.range()], "project_path:g/p:*");
        assert_eq!(
            credential.audiences.as_ref().unwrap().value[0].value,
            "api://AzureADTokenExchange"
        );
    }

    #[test]
    fn arm_template_identity_credential_and_role() {
        let text = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
  "resources": [
    {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "[parameters('identityName')]",
     "resources": [{"type": "federatedIdentityCredentials", "name": "gitlab",
       "properties": {"issuer": "https://gitlab.com", "subject": "project_path:g/p:ref_type:branch:ref:main", "audiences": ["https://gitlab.com"]}}]},
    {"type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
     "name": "[format('{0}/{1}', parameters('identityName'), 'tags')]",
     "properties": {"issuer": "https://gitlab.com", "subject": "project_path:g/p:ref_type:tag:ref:v1", "audiences": ["https://gitlab.com"]}},
    {"type": "Microsoft.Authorization/roleAssignments", "name": "x",
     "properties": {"roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b24988ac-6180-42a0-ab88-20f7382dd24c')]",
       "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')), '2023-01-31').principalId]"}}
  ]
}"#;
        let resources = read(text);
        assert_eq!(resources.identities[0].key, "parameters('identityName')");
        assert_eq!(resources.credentials.len(), 2);
        for credential in &resources.credentials {
            assert_eq!(
                credential.holder.as_ref().unwrap().value.text(),
                "parameters('identityName')"
            );
        }
        let role = &resources.role_assignments[0];
        assert_eq!(
            role.principal.as_ref().unwrap().value.text(),
            "parameters('identityName')"
        );
        assert!(role
            .scope
            .as_ref()
            .unwrap()
            .value
            .starts_with("/subscriptions/"));
    }

    #[test]
    fn symbolic_names_of_language_version_two() {
        let text = r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "languageVersion": "2.0",
 "resources": {"uami": {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "name": "ci"},
   "fic": {"type": "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials", "parent": "uami", "name": "[format('{0}/{1}', 'ci', 'main')]",
     "properties": {"issuer": "https://gitlab.com", "subject": "s", "audiences": ["a"]}},
   "ra": {"type": "Microsoft.Authorization/roleAssignments", "name": "r", "properties": {"roleDefinitionId": "x", "principalId": "[reference('uami').principalId]"}}}}"#;
        let resources = read(text);
        assert_eq!(
            resources.credentials[0]
                .holder
                .as_ref()
                .unwrap()
                .value
                .text(),
            "ci"
        );
        assert_eq!(
            resources.role_assignments[0]
                .principal
                .as_ref()
                .unwrap()
                .value
                .text(),
            "ci"
        );
        assert!(resources.role_assignments[0]
            .scope
            .as_ref()
            .unwrap()
            .value
            .contains("resourceGroups"));
    }

    #[test]
    fn other_json_is_not_azure() {
        for text in [
            r#"{"Version": "2012-10-17"}"#,
            r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "resources": []}"#,
        ] {
            let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
            assert!(!is_azure_json(&root));
        }
    }
}
