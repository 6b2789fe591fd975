//! `aws iam` command output read into the role model: `get-role`, `get-role-policy`,
//! `get-policy-version` and `get-account-authorization-details`, and the reports of
//! which services roles used ([`crate::access_report`]). Policy documents may be
//! JSON objects or URL-encoded strings (what the IAM API itself returns); both keep
//! their spans in the export file.

use crate::access_report::{is_access_report, load_access_report};
use crate::embedded::load_policy_value;
use crate::iam::role::{IamResources, Identity, IdentityKind, NamedPolicy, Role, Tag};
use crate::limits::Limits;
use crate::problem::Problem;
use crate::spanned::{spanned_text, Spanned};
use crate::tree::Node;

/// The top-level keys that make a JSON file an `aws iam` export.
const EXPORT_KEYS: &[&str] = &[
    "Role",
    "PolicyVersion",
    "RoleDetailList",
    "UserDetailList",
    "GroupDetailList",
];

/// True when the JSON root is the output of one of the supported `aws iam` commands.
pub fn is_export(root: &Node) -> bool {
    EXPORT_KEYS.iter().any(|key| root.get(key).is_some())
        || is_access_report(root)
        || (root.get("PolicyDocument").is_some() && root.get("PolicyName").is_some())
}

/// Reads an export. Problems in embedded policies are pushed.
pub fn load_export(
    root: &Node,
    text: &str,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> IamResources {
    let mut reader = Reader {
        text,
        limits,
        problems,
    };
    let mut resources = IamResources {
        usage: load_access_report(root),
        ..IamResources::default()
    };
    if let Some(role) = root.get("Role") {
        resources.roles.extend(reader.role(role));
    }
    if root.get("PolicyDocument").is_some() {
        resources.policies.extend(reader.inline_policy(root));
    }
    if let Some(version) = root.get("PolicyVersion") {
        resources
            .policies
            .extend(reader.policy_version(version, None, None));
    }
    for role in root
        .get("RoleDetailList")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        resources.roles.extend(reader.role(role));
    }
    for (list, kind) in [
        ("UserDetailList", IdentityKind::User),
        ("GroupDetailList", IdentityKind::Group),
    ] {
        for identity in root.get(list).and_then(Node::as_seq).unwrap_or_default() {
            resources.identities.extend(reader.identity(identity, kind));
        }
    }
    for policy in root
        .get("Policies")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        resources.policies.extend(reader.managed_policy(policy));
    }
    resources
}

struct Reader<'a> {
    text: &'a str,
    limits: &'a Limits,
    problems: &'a mut Vec<Problem>,
}

impl Reader<'_> {
    fn role(&mut self, node: &Node) -> Option<Role> {
        let name = spanned_text(node.get("RoleName")?)?;
        let trust = node
            .get("AssumeRolePolicyDocument")
            .and_then(|doc| self.document(doc));
        let inline_policies = node
            .get("RolePolicyList")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|policy| self.inline_policy(policy))
            .collect();
        let managed_policy_arns = attached_policy_arns(node);
        let (tags, tags_known) = key_value_tags(node.get("Tags"), spanned_text);
        Some(Role {
            span: node.span,
            name,
            arn: node.get("Arn").and_then(spanned_text),
            trust,
            inline_policies,
            managed_policy_arns,
            conditional_attachments: Vec::new(),
            max_session_duration: node.get("MaxSessionDuration").and_then(spanned_text),
            tags,
            tags_known,
        })
    }

    /// A `UserDetailList` or `GroupDetailList` item.
    fn identity(&mut self, node: &Node, kind: IdentityKind) -> Option<Identity> {
        let (name_key, policies_key) = match kind {
            IdentityKind::User => ("UserName", "UserPolicyList"),
            IdentityKind::Group => ("GroupName", "GroupPolicyList"),
        };
        let inline_policies = node
            .get(policies_key)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|policy| self.inline_policy(policy))
            .collect();
        Some(Identity {
            kind,
            span: node.span,
            name: spanned_text(node.get(name_key)?)?,
            arn: node.get("Arn").and_then(spanned_text),
            inline_policies,
            managed_policy_arns: attached_policy_arns(node),
            conditional_attachments: Vec::new(),
        })
    }

    /// `{PolicyName, PolicyDocument}`: a `get-role-policy` output or a `RolePolicyList` item.
    fn inline_policy(&mut self, node: &Node) -> Option<NamedPolicy> {
        let document = self.document(node.get("PolicyDocument")?)?;
        Some(NamedPolicy {
            name: node.get("PolicyName").and_then(spanned_text),
            arn: None,
            document,
        })
    }

    /// A `Policies` item of `get-account-authorization-details`: its default version.
    fn managed_policy(&mut self, node: &Node) -> Option<NamedPolicy> {
        let versions = node.get("PolicyVersionList")?.as_seq()?;
        let default = versions
            .iter()
            .find(|v| {
                v.get("IsDefaultVersion")
                    .and_then(Node::scalar_text)
                    .as_deref()
                    == Some("true")
            })
            .or_else(|| versions.first())?;
        self.policy_version(
            default,
            node.get("PolicyName").and_then(spanned_text),
            node.get("Arn").and_then(spanned_text),
        )
    }

    fn policy_version(
        &mut self,
        node: &Node,
        name: Option<Spanned<String>>,
        arn: Option<Spanned<String>>,
    ) -> Option<NamedPolicy> {
        let document = self.document(node.get("Document")?)?;
        Some(NamedPolicy {
            name,
            arn,
            document,
        })
    }

    fn document(&mut self, node: &Node) -> Option<crate::iam::PolicyDocument> {
        load_policy_value(node, self.text, self.limits, self.problems)
    }
}

/// The `PolicyArn`s of an export item's `AttachedManagedPolicies`.
fn attached_policy_arns(node: &Node) -> Vec<Spanned<String>> {
    node.get("AttachedManagedPolicies")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|attached| attached.get("PolicyArn").and_then(spanned_text))
        .collect()
}

/// `[{"Key": …, "Value": …}]` tags (IAM exports and CloudFormation), each part read
/// with `text`, and whether every tag could be read (`false` for a list that is not
/// written out, such as CloudFormation's `Tags: !Ref Tags`, or an item without a
/// readable `Key` and `Value`).
pub(crate) fn key_value_tags(
    node: Option<&Node>,
    text: fn(&Node) -> Option<Spanned<String>>,
) -> (Vec<Tag>, bool) {
    let Some(node) = node else {
        return (Vec::new(), true);
    };
    let Some(items) = node.as_seq() else {
        return (Vec::new(), false);
    };
    let tags: Vec<Tag> = items
        .iter()
        .filter_map(|tag| {
            Some(Tag {
                key: text(tag.get("Key")?)?,
                value: text(tag.get("Value")?)?,
            })
        })
        .collect();
    let known = tags.len() == items.len();
    (tags, known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;
    use crate::FileId;

    fn load(text: &str) -> (IamResources, Vec<Problem>) {
        let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
        assert!(is_export(&root));
        let mut problems = Vec::new();
        let resources = load_export(&root, text, &Limits::default(), &mut problems);
        (resources, problems)
    }

    #[test]
    fn get_role_with_url_encoded_trust() {
        let text = r#"{"Role": {"RoleName": "deploy", "Arn": "arn:aws:iam::1:role/deploy", "MaxSessionDuration": 3600,
            "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%7D%5D%7D",
            "Tags": [{"Key": "team", "Value": "ci"}]}}"#;
        let (resources, problems) = load(text);
        let role = &resources.roles[0];
        assert_eq!(role.name.value, "deploy");
        assert_eq!(role.max_session_duration.as_ref().unwrap().value, "3600");
        assert_eq!(role.tags[0].value.value, "ci");
        let trust = role.trust.as_ref().unwrap();
        let effect = trust.statements[0].effect.unwrap();
        assert_eq!(&text[effect.span.range()], "%22Allow%22");
        assert!(problems.iter().all(|p| p.kind != crate::ProblemKind::Parse));
    }

    #[test]
    fn authorization_details_roles_and_policies() {
        let text = r#"{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::1:role/r",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
            "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}}],
            "AttachedManagedPolicies": [{"PolicyName": "m", "PolicyArn": "arn:aws:iam::1:policy/m"}]}],
            "Policies": [{"PolicyName": "m", "Arn": "arn:aws:iam::1:policy/m", "PolicyVersionList": [
                {"Document": {"Statement": []}, "IsDefaultVersion": false},
                {"Document": {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}, "IsDefaultVersion": true}]}]}"#;
        let (resources, _) = load(text);
        let role = &resources.roles[0];
        assert_eq!(role.inline_policies.len(), 1);
        assert_eq!(role.managed_policy_arns[0].value, "arn:aws:iam::1:policy/m");
        let managed = resources.managed_policy("arn:aws:iam::1:policy/m").unwrap();
        assert!(managed.document.statements[0].is_deny());
        assert_eq!(resources.documents().count(), 3);
    }

    #[test]
    fn authorization_details_users_and_groups() {
        let text = r#"{"UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::1:user/u",
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": []}}],
            "AttachedManagedPolicies": [{"PolicyName": "m", "PolicyArn": "arn:aws:iam::aws:policy/m"}]}],
            "GroupDetailList": [{"GroupName": "g", "GroupPolicyList": [
                {"PolicyName": "q", "PolicyDocument": {"Statement": []}}]}]}"#;
        let (resources, _) = load(text);
        let [user, group] = resources.identities.as_slice() else {
            panic!("{:?}", resources.identities);
        };
        assert_eq!(
            (user.kind, user.name.value.as_str()),
            (IdentityKind::User, "u")
        );
        assert_eq!(group.kind, IdentityKind::Group);
        assert_eq!(group.inline_policies.len(), 1);
        assert_eq!(resources.documents().count(), 2);
        assert_eq!(
            resources.attached_by("arn:aws:iam::aws:policy/m"),
            ["user `u`"]
        );
    }

    #[test]
    fn policy_version_and_role_policy() {
        let (resources, _) =
            load(r#"{"PolicyVersion": {"Document": {"Statement": []}, "VersionId": "v1"}}"#);
        assert_eq!(resources.policies.len(), 1);
        let (resources, _) = load(
            r#"{"RoleName": "r", "PolicyName": "p", "PolicyDocument": "{\"Statement\": []}"}"#,
        );
        assert_eq!(resources.policies[0].name.as_ref().unwrap().value, "p");
    }
}
