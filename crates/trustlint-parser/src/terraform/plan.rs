//! Terraform plan and state JSON (`terraform show -json`): the `aws_iam_*` resources of
//! `planned_values` (or `values`) and their child modules. Policies there are JSON
//! strings; their spans map through the string escapes into the plan file.

use crate::embedded::load_policy_value;
use crate::iam::role::{IamResources, NamedPolicy, OidcProvider, Role, Tag};
use crate::limits::Limits;
use crate::problem::Problem;
use crate::spanned::spanned_text;
use crate::spanned::Spanned;
use crate::tree::Node;

/// Deepest module nesting followed.
const MAX_MODULE_DEPTH: usize = 32;

/// True for `terraform show -json` output of a plan or a state.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("values").is_some())
}

/// Reads the IAM resources of a plan or state.
pub fn load_plan(
    root: &Node,
    text: &str,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> IamResources {
    let mut resources = IamResources::default();
    let module = root
        .get("planned_values")
        .or_else(|| root.get("values"))
        .and_then(|values| values.get("root_module"));
    let mut modules: Vec<(&Node, usize)> = module.map(|m| (m, 0)).into_iter().collect();
    let mut role_policies = Vec::new();
    while let Some((module, depth)) = modules.pop() {
        if depth < MAX_MODULE_DEPTH {
            let children = module
                .get("child_modules")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            modules.extend(children.iter().map(|child| (child, depth + 1)));
        }
        for resource in module
            .get("resources")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            let (Some(kind), Some(values)) = (
                resource.get("type").and_then(Node::as_str),
                resource.get("values"),
            ) else {
                continue;
            };
            let mut document = |node: Option<&Node>| {
                node.and_then(|n| load_policy_value(n, text, limits, problems))
            };
            match kind {
                "aws_iam_role" => {
                    let trust = document(values.get("assume_role_policy"));
                    let inline_policies = values
                        .get("inline_policy")
                        .and_then(Node::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|inline| {
                            Some(NamedPolicy {
                                name: inline.get("name").and_then(spanned_text),
                                arn: None,
                                document: document(inline.get("policy"))?,
                            })
                        })
                        .collect();
                    let name = values
                        .get("name")
                        .and_then(spanned_text)
                        .or_else(|| address(resource));
                    let Some(name) = name else {
                        continue;
                    };
                    resources.roles.push(Role {
                        span: resource.span,
                        name,
                        arn: values.get("arn").and_then(spanned_text),
                        trust,
                        inline_policies,
                        managed_policy_arns: strings(values.get("managed_policy_arns")),
                        conditional_attachments: Vec::new(),
                        max_session_duration: values
                            .get("max_session_duration")
                            .and_then(spanned_text),
                        // `tags_all` adds the provider's `default_tags`.
                        tags: map_tags(
                            values
                                .get("tags_all")
                                .filter(|all| all.as_map().is_some())
                                .or_else(|| values.get("tags")),
                        ),
                        tags_known: true,
                    });
                }
                "aws_iam_policy" | "aws_iam_role_policy" => {
                    let Some(policy) = document(values.get("policy")) else {
                        continue;
                    };
                    let named = NamedPolicy {
                        name: values.get("name").and_then(spanned_text),
                        arn: values.get("arn").and_then(spanned_text),
                        document: policy,
                    };
                    match values.get("role").and_then(Node::as_str) {
                        Some(role) if kind == "aws_iam_role_policy" => {
                            role_policies.push((role.to_string(), named));
                        }
                        _ => resources.policies.push(named),
                    }
                }
                "aws_iam_role_policy_attachment" => {
                    if let (Some(role), Some(arn)) = (
                        values.get("role").and_then(Node::as_str),
                        values.get("policy_arn").and_then(spanned_text),
                    ) {
                        if let Some(role) =
                            resources.roles.iter_mut().find(|r| r.name.value == role)
                        {
                            role.managed_policy_arns.push(arn);
                        }
                    }
                }
                "aws_iam_openid_connect_provider" => resources.providers.push(OidcProvider {
                    span: resource.span,
                    logical_name: resource
                        .get("name")
                        .and_then(Node::as_str)
                        .map(str::to_string),
                    arn: values.get("arn").and_then(spanned_text),
                    url: values.get("url").and_then(spanned_text),
                    client_ids: strings(values.get("client_id_list")),
                    thumbprints: strings(values.get("thumbprint_list")),
                }),
                _ => {}
            }
        }
    }
    for (role, policy) in role_policies {
        match resources.roles.iter_mut().find(|r| r.name.value == role) {
            Some(role) => role.inline_policies.push(policy),
            None => resources.policies.push(policy),
        }
    }
    resources
}

fn address(resource: &Node) -> Option<Spanned<String>> {
    resource.get("address").and_then(spanned_text)
}

fn strings(node: Option<&Node>) -> Vec<Spanned<String>> {
    node.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(spanned_text)
        .collect()
}

fn map_tags(node: Option<&Node>) -> Vec<Tag> {
    node.and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| {
            Some(Tag {
                key: spanned_text(&entry.key)?,
                value: spanned_text(&entry.value)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;
    use crate::FileId;

    #[test]
    fn plan_role_with_string_trust() {
        let text = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
            {"address": "aws_iam_role.deploy", "type": "aws_iam_role", "name": "deploy", "values": {
                "name": "deploy", "max_session_duration": 3600, "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"}}]}",
                "tags": {"team": "ci"}}}],
            "child_modules": [{"resources": [{"type": "aws_iam_role_policy", "values": {"role": "deploy", "name": "p",
                "policy": "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}}]}]}}}"#;
        let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
        assert!(is_plan(&root));
        let mut problems = Vec::new();
        let resources = load_plan(&root, text, &Limits::default(), &mut problems);
        let role = &resources.roles[0];
        assert_eq!(role.name.value, "deploy");
        assert_eq!(role.tags[0].key.value, "team");
        assert_eq!(role.inline_policies.len(), 1);
        let effect = role.trust.as_ref().unwrap().statements[0].effect.unwrap();
        assert_eq!(&text[effect.span.range()], r#"\"Allow\""#);
    }
}
