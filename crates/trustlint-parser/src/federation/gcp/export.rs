//! Google Cloud's own formats: `gcloud iam workload-identity-pools providers describe`
//! (or `list`) output and `gcloud … get-iam-policy` output, as JSON or YAML (camelCase
//! `name`, `attributeMapping`, `attributeCondition`, `oidc.issuerUri`,
//! `oidc.allowedAudiences`, `disabled`; `{bindings: [{role, members, condition}], etag}`),
//! and Config Connector manifests (`IAMWorkloadIdentityPoolProvider`, `IAMPolicyMember`,
//! `IAMPartialPolicy`, `IAMPolicy`; the first YAML document of a file).

use super::model::{
    provider_name, Audiences, Binding, Cel, GcpResources, Mapping, MappingEntry, Provider, Scope,
    PROJECT_NUMBER,
};
use crate::embedded::string_with_map;
use crate::spanned::{spanned_text, Spanned};
use crate::tree::Node;

/// The Config Connector API group of IAM resources.
pub const CONFIG_CONNECTOR_IAM: &str = "iam.cnrm.cloud.google.com/";

/// Whether a parsed JSON or YAML root is one of Google Cloud's formats read here.
pub fn is_export(root: &Node) -> bool {
    let provider = |node: &Node| {
        node.get("name").and_then(Node::as_str).is_some_and(|name| {
            name.contains("/workloadIdentityPools/") && name.contains("/providers/")
        }) && (node.get("oidc").is_some() || node.get("attributeMapping").is_some())
    };
    let policy = root
        .get("bindings")
        .and_then(Node::as_seq)
        .is_some_and(|bindings| {
            !bindings.is_empty()
                && bindings
                    .iter()
                    .all(|b| b.get("role").is_some() && b.get("members").is_some())
        });
    let config_connector = root
        .get("apiVersion")
        .and_then(Node::as_str)
        .is_some_and(|v| v.starts_with(CONFIG_CONNECTOR_IAM));
    provider(root)
        || policy
        || config_connector
        || root
            .as_seq()
            .is_some_and(|items| !items.is_empty() && items.iter().all(provider))
}

/// Reads the providers and grants of a root [`is_export`] accepts.
pub fn load(root: &Node, file_text: &str) -> GcpResources {
    let mut out = GcpResources::default();
    if let Some(items) = root.as_seq() {
        out.providers
            .extend(items.iter().map(|item| described_provider(item, file_text)));
    } else if root.get("apiVersion").is_some() {
        config_connector(root, file_text, &mut out);
    } else if root.get("bindings").is_some() {
        out.bindings.extend(policy_bindings(
            root,
            Scope::Unknown,
            None,
            "get-iam-policy",
        ));
    } else {
        out.providers.push(described_provider(root, file_text));
    }
    out
}

fn text(node: &Node, key: &str) -> Option<Spanned<String>> {
    node.get(key).and_then(spanned_text)
}

fn cel(node: &Node, file_text: &str) -> Option<Cel> {
    let (text, map) = string_with_map(node, file_text)?;
    Some(Cel::new(text, map, node.span))
}

fn mapping(node: Option<&Node>, file_text: &str) -> Mapping {
    let Some(node) = node else {
        return Mapping::Absent;
    };
    match node.as_map() {
        Some(entries) => Mapping::Known(
            entries
                .iter()
                .filter_map(|entry| {
                    Some(MappingEntry {
                        target: spanned_text(&entry.key)?,
                        expression: cel(&entry.value, file_text)?,
                    })
                })
                .collect(),
        ),
        None => Mapping::Unknown(node.span),
    }
}

fn audiences(oidc: Option<&Node>) -> Option<Audiences> {
    let node = oidc?.get("allowedAudiences")?;
    let items = node.as_seq()?;
    Some(Audiences {
        values: items.iter().filter_map(spanned_text).collect(),
        symbolic: false,
        span: node.span,
    })
}

/// A provider as `gcloud … providers describe` prints it (its full `name`).
fn described_provider(node: &Node, file_text: &str) -> Provider {
    let name = text(node, "name").unwrap_or_else(|| Spanned::new(String::new(), node.span));
    let pool = name
        .value
        .split_once("/workloadIdentityPools/")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(pool, _)| Spanned::new(pool.to_owned(), name.span));
    let label = name.value.rsplit('/').next().unwrap_or_default().to_owned();
    provider(node, file_text, label, name, pool, node.span)
}

/// A provider from the camelCase fields of `fields` (a `describe` output or a Config
/// Connector `spec`).
fn provider(
    fields: &Node,
    file_text: &str,
    label: String,
    name: Spanned<String>,
    pool: Option<Spanned<String>>,
    span: crate::source::Span,
) -> Provider {
    let oidc = fields.get("oidc");
    Provider {
        label,
        name,
        pool,
        issuer: oidc.and_then(|o| text(o, "issuerUri")),
        audiences: audiences(oidc),
        mapping: mapping(fields.get("attributeMapping"), file_text),
        condition: fields
            .get("attributeCondition")
            .and_then(|c| cel(c, file_text)),
        null_condition: None,
        disabled: text(fields, "disabled"),
        span,
    }
}

/// `bindings: [{role, members: [..], condition: {expression}}]`; Config Connector writes
/// members as `{member: ..}` maps.
fn policy_bindings(
    node: &Node,
    scope: Scope,
    target: Option<Spanned<String>>,
    source: &str,
) -> Vec<Binding> {
    let Some(bindings) = node.get("bindings").and_then(Node::as_seq) else {
        return Vec::new();
    };
    bindings
        .iter()
        .filter_map(|binding| {
            let role = text(binding, "role")?;
            let members: Vec<Spanned<String>> = binding
                .get("members")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|m| spanned_text(m).or_else(|| text(m, "member")))
                .collect();
            Some(Binding {
                source: source.to_owned(),
                scope,
                target: target.clone(),
                role,
                members_symbolic: false,
                members,
                condition: binding.get("condition").and_then(|c| text(c, "expression")),
                span: binding.span,
            })
        })
        .collect()
}

/// The scope of a Config Connector `resourceRef` (`kind: Project`, `IAMServiceAccount`, …).
fn reference_scope(reference: Option<&Node>) -> (Scope, Option<Spanned<String>>) {
    let Some(reference) = reference else {
        return (Scope::Unknown, None);
    };
    let scope = match reference.get("kind").and_then(Node::as_str) {
        Some("Project") => Scope::Project,
        Some("Folder") => Scope::Folder,
        Some("Organization") => Scope::Organization,
        Some("IAMServiceAccount") => Scope::ServiceAccount,
        Some(_) => Scope::Resource,
        None => Scope::Unknown,
    };
    (
        scope,
        text(reference, "external").or_else(|| text(reference, "name")),
    )
}

fn config_connector(root: &Node, file_text: &str, out: &mut GcpResources) {
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or_default();
    let spec = root.get("spec");
    let metadata_name = root.get("metadata").and_then(|m| text(m, "name"));
    match (kind, spec) {
        ("IAMWorkloadIdentityPoolProvider", Some(spec)) => {
            let id = text(spec, "resourceID").or(metadata_name);
            let pool = spec
                .get("workloadIdentityPoolRef")
                .and_then(|r| text(r, "external").or_else(|| text(r, "name")))
                .map(|p| p.map(|p| p.rsplit('/').next().unwrap_or_default().to_owned()));
            let id_text = id.as_ref().map_or("${provider}", |i| i.value.as_str());
            let name = provider_name(
                PROJECT_NUMBER,
                pool.as_ref().map_or("${pool}", |p| p.value.as_str()),
                id_text,
            );
            let label = format!("IAMWorkloadIdentityPoolProvider {id_text}");
            let name = Spanned::new(name, id.as_ref().map_or(root.span, |i| i.span));
            out.providers
                .push(provider(spec, file_text, label, name, pool, root.span));
        }
        ("IAMPolicyMember", Some(spec)) => {
            let (scope, target) = reference_scope(spec.get("resourceRef"));
            let member = text(spec, "member").or_else(|| {
                spec.get("memberFrom")
                    .and_then(|m| m.get("serviceAccountRef"))
                    .and_then(|r| text(r, "external"))
            });
            if let (Some(role), Some(member)) = (text(spec, "role"), member) {
                out.bindings.push(Binding {
                    source: kind.to_owned(),
                    scope,
                    target,
                    role,
                    members: vec![member],
                    members_symbolic: false,
                    condition: spec.get("condition").and_then(|c| text(c, "expression")),
                    span: root.span,
                });
            }
        }
        ("IAMPartialPolicy" | "IAMPolicy", Some(spec)) => {
            let (scope, target) = reference_scope(spec.get("resourceRef"));
            out.bindings
                .extend(policy_bindings(spec, scope, target, kind));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;
    use crate::limits::Limits;
    use crate::source::FileId;
    use crate::yaml::parse_yaml;

    #[test]
    fn describe_output_and_policies() {
        let text = r#"{
  "attributeCondition": "assertion.namespace_path.startsWith(\"acme\")",
  "attributeMapping": {"google.subject": "assertion.sub", "attribute.project_id": "assertion.project_id"},
  "name": "projects/123/locations/global/workloadIdentityPools/gitlab/providers/gitlab-com",
  "oidc": {"allowedAudiences": ["https://gitlab.com"], "issuerUri": "https://gitlab.com"},
  "state": "ACTIVE"
}"#;
        let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
        assert!(is_export(&root));
        let gcp = load(&root, text);
        let provider = &gcp.providers[0];
        assert_eq!(provider.pool.as_ref().unwrap().value, "gitlab");
        let condition = provider.condition.as_ref().unwrap();
        assert_eq!(
            condition.text,
            "assertion.namespace_path.startsWith(\"acme\")"
        );
        assert_eq!(&text[condition.span_of(36, 42).range()], r#"\"acme\""#);
        assert_eq!(
            provider.audiences.as_ref().unwrap().values[0].value,
            "https://gitlab.com"
        );

        let policy = r#"{"bindings": [{"role": "roles/iam.workloadIdentityUser", "members": ["principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gitlab/*"]}], "etag": "BwX", "version": 1}"#;
        let root = parse_json(FileId(0), policy, &Limits::default()).unwrap();
        assert!(is_export(&root));
        let gcp = load(&root, policy);
        assert_eq!(gcp.bindings[0].scope, Scope::Unknown);
        assert!(gcp.bindings[0].members[0].value.ends_with("/*"));

        let aws = r#"{"Statement": [], "bindings": []}"#;
        assert!(!is_export(
            &parse_json(FileId(0), aws, &Limits::default()).unwrap()
        ));
    }

    #[test]
    fn config_connector() {
        let text = "apiVersion: iam.cnrm.cloud.google.com/v1beta1
kind: IAMWorkloadIdentityPoolProvider
metadata:
  name: gitlab-com
spec:
  projectRef:
    external: projects/my-project
  location: global
  workloadIdentityPoolRef:
    name: gitlab
  attributeCondition: assertion.project_id == '5678'
  attributeMapping:
    google.subject: assertion.sub
  oidc:
    issuerUri: https://gitlab.com
";
        let root = parse_yaml(FileId(0), text, &Limits::default()).unwrap();
        assert!(is_export(&root));
        let gcp = load(&root, text);
        let provider = &gcp.providers[0];
        assert_eq!(
            provider.name.value,
            "projects/${project_number}/locations/global/workloadIdentityPools/gitlab/providers/gitlab-com"
        );
        let condition = provider.condition.as_ref().unwrap();
        assert_eq!(&text[condition.span_of(0, 9).range()], "assertion");
        let member = "apiVersion: iam.cnrm.cloud.google.com/v1beta1
kind: IAMPolicyMember
spec:
  member: principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/gitlab/attribute.project_id/5678
  role: roles/owner
  resourceRef:
    kind: Project
    external: projects/my-project
";
        let root = parse_yaml(FileId(0), member, &Limits::default()).unwrap();
        let gcp = load(&root, member);
        assert_eq!(gcp.bindings[0].scope, Scope::Project);
        assert_eq!(gcp.bindings[0].role.value, "roles/owner");
    }
}
