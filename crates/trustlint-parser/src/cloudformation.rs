//! CloudFormation templates (YAML or JSON) read into the role model: `AWS::IAM::Role`,
//! `AWS::IAM::User` (its `Policies` and `ManagedPolicyArns`), `AWS::IAM::Policy`, `AWS::IAM::RolePolicy`, `AWS::IAM::ManagedPolicy` and
//! `AWS::IAM::OIDCProvider`. References to an OIDC provider of the same template
//! (`!Ref Provider`, `!GetAtt Provider.Arn`, `${Provider}` in `!Sub`) are resolved to its
//! ARN; every other intrinsic stays symbolic (`${…}` text, see [`crate::iam::intrinsic`]).

use crate::aws_export::key_value_tags;
use crate::embedded::load_policy_value;
use crate::iam::intrinsic::{intrinsic_call, value_text};
use crate::iam::role::{IamResources, Identity, IdentityKind, NamedPolicy, OidcProvider, Role};
use crate::iam::PolicyDocument;
use crate::limits::Limits;
use crate::problem::Problem;
use crate::spanned::{spanned_text, Spanned};
use crate::tree::{Entry, Node, Value};

const IAM_TYPE_PREFIX: &str = "AWS::IAM::";

/// True when the root is a CloudFormation template: it has `AWSTemplateFormatVersion`,
/// or `Resources` holding an `AWS::IAM::*` resource.
pub fn is_template(root: &Node) -> bool {
    root.get("AWSTemplateFormatVersion").is_some()
        || resources(root).any(|(_, resource)| {
            resource_type(resource).is_some_and(|t| t.starts_with(IAM_TYPE_PREFIX))
        })
}

fn resources(root: &Node) -> impl Iterator<Item = (&str, &Node)> {
    root.get("Resources")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|entry| Some((entry.key_str()?, &entry.value)))
}

/// The property holding the resource policy of a CloudFormation resource type that has
/// one (who may access a bucket, key, queue, topic, secret, repository or parameter).
fn resource_policy_key(kind: &str) -> Option<&'static str> {
    match kind {
        "AWS::S3::BucketPolicy" | "AWS::SQS::QueuePolicy" | "AWS::SNS::TopicPolicy" => {
            Some("PolicyDocument")
        }
        "AWS::KMS::Key" => Some("KeyPolicy"),
        "AWS::SecretsManager::ResourcePolicy" => Some("ResourcePolicy"),
        "AWS::ECR::Repository" => Some("RepositoryPolicyText"),
        "AWS::SSM::ResourcePolicy" => Some("Policy"),
        _ => None,
    }
}

fn resource_type(resource: &Node) -> Option<&str> {
    resource.get("Type")?.as_str()
}

/// Reads the IAM resources of a template. Problems in policies are pushed.
pub fn load_template(
    root: &Node,
    text: &str,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> IamResources {
    let providers: Vec<OidcProvider> = resources(root)
        .filter(|(_, r)| resource_type(r) == Some("AWS::IAM::OIDCProvider"))
        .map(|(logical, r)| provider(logical, r))
        .collect();
    let resolver = Resolver {
        providers: providers
            .iter()
            .filter_map(|p| Some((p.logical_name.clone()?, p.arn.as_ref()?.value.clone())))
            .collect(),
    };
    let mut loader = Loader {
        text,
        limits,
        problems,
        resolver,
    };
    let mut roles: Vec<(&str, Role)> = resources(root)
        .filter(|(_, r)| resource_type(r) == Some("AWS::IAM::Role"))
        .map(|(logical, r)| (logical, loader.role(logical, r)))
        .collect();
    let identities = resources(root)
        .filter(|(_, r)| resource_type(r) == Some("AWS::IAM::User"))
        .map(|(logical, r)| loader.user(logical, r))
        .collect();
    let mut policies = Vec::new();
    for (logical, resource) in resources(root) {
        let kind = resource_type(resource);
        if let Some(key) = kind.and_then(resource_policy_key) {
            policies.extend(loader.resource_policy(logical, resource, key));
            continue;
        }
        let managed = kind == Some("AWS::IAM::ManagedPolicy");
        if !(managed || kind == Some("AWS::IAM::Policy") || kind == Some("AWS::IAM::RolePolicy")) {
            continue;
        }
        let Some(policy) = loader.policy(logical, resource, managed) else {
            continue;
        };
        let targets = attached_roles(resource);
        if managed {
            for target in &targets {
                if let Some((_, role)) = roles.iter_mut().find(|(l, _)| *l == target.value) {
                    role.managed_policy_arns
                        .push(Spanned::new(format!("${{{logical}}}"), target.span));
                }
            }
            policies.push(policy);
            continue;
        }
        match targets.as_slice() {
            [target] => match roles.iter_mut().find(|(l, _)| *l == target.value) {
                Some((_, role)) => role.inline_policies.push(policy),
                None => policies.push(policy),
            },
            _ => policies.push(policy),
        }
    }
    IamResources {
        roles: roles.into_iter().map(|(_, role)| role).collect(),
        identities,
        policies,
        providers,
        ..IamResources::default()
    }
}

/// The logical names of the roles a policy resource names (`Roles: [!Ref R]`,
/// `RoleName: !Ref R`), spanned at the reference.
fn attached_roles(resource: &Node) -> Vec<Spanned<String>> {
    let properties = resource.get("Properties");
    let listed = properties
        .and_then(|p| p.get("Roles"))
        .and_then(Node::as_seq)
        .unwrap_or_default();
    let single = properties.and_then(|p| p.get("RoleName"));
    listed
        .iter()
        .chain(single)
        .filter_map(|node| match intrinsic_call(node) {
            Some(("Ref", target)) => Some(Spanned::new(target.as_str()?.to_string(), node.span)),
            _ => None,
        })
        .collect()
}

fn provider(logical: &str, resource: &Node) -> OidcProvider {
    let properties = resource.get("Properties");
    let property = |key: &str| properties.and_then(|p| p.get(key));
    let url = property("Url").and_then(spanned_value);
    let arn = url.as_ref().map(|url| {
        let host = url.value.trim_start_matches("https://");
        Spanned::new(
            format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:oidc-provider/{host}"),
            url.span,
        )
    });
    let list = |key: &str| {
        property(key)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(spanned_value)
            .collect()
    };
    OidcProvider {
        span: resource.span,
        logical_name: Some(logical.to_string()),
        arn,
        url,
        client_ids: list("ClientIdList"),
        thumbprints: list("ThumbprintList"),
    }
}

/// The `ManagedPolicyArns` of a role's or user's properties.
fn managed_policy_arns(properties: Option<&Node>) -> Vec<Spanned<String>> {
    properties
        .and_then(|p| p.get("ManagedPolicyArns"))
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(spanned_value)
        .collect()
}

/// A scalar or intrinsic as text (`${…}` for what is unknown offline), with its span.
fn spanned_value(node: &Node) -> Option<Spanned<String>> {
    value_text(node).map(|text| Spanned::new(text, node.span))
}

struct Loader<'a> {
    text: &'a str,
    limits: &'a Limits,
    problems: &'a mut Vec<Problem>,
    resolver: Resolver,
}

impl Loader<'_> {
    fn role(&mut self, logical: &str, resource: &Node) -> Role {
        let properties = resource.get("Properties");
        let property = |key: &str| properties.and_then(|p| p.get(key));
        let name = property("RoleName")
            .and_then(spanned_value)
            .unwrap_or_else(|| Spanned::new(logical.to_string(), resource.span));
        let trust = property("AssumeRolePolicyDocument").and_then(|doc| self.document(doc));
        let (tags, tags_known) = key_value_tags(property("Tags"), spanned_value);
        Role {
            span: resource.span,
            name,
            arn: None,
            trust,
            inline_policies: self.inline_policies(properties),
            managed_policy_arns: managed_policy_arns(properties),
            conditional_attachments: Vec::new(),
            max_session_duration: property("MaxSessionDuration").and_then(spanned_text),
            tags,
            tags_known,
        }
    }

    /// An `AWS::IAM::User`: its name (`UserName`, else the logical name) and policies.
    fn user(&mut self, logical: &str, resource: &Node) -> Identity {
        let properties = resource.get("Properties");
        Identity {
            kind: IdentityKind::User,
            span: resource.span,
            name: properties
                .and_then(|p| p.get("UserName"))
                .and_then(spanned_value)
                .unwrap_or_else(|| Spanned::new(logical.to_string(), resource.span)),
            arn: None,
            inline_policies: self.inline_policies(properties),
            managed_policy_arns: managed_policy_arns(properties),
            conditional_attachments: Vec::new(),
        }
    }

    /// The `Policies` of a role's or user's properties.
    fn inline_policies(&mut self, properties: Option<&Node>) -> Vec<NamedPolicy> {
        properties
            .and_then(|p| p.get("Policies"))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(|policy| {
                let document = self.document(policy.get("PolicyDocument")?)?;
                Some(NamedPolicy {
                    name: policy.get("PolicyName").and_then(spanned_value),
                    arn: None,
                    document,
                })
            })
            .collect()
    }

    fn policy(&mut self, logical: &str, resource: &Node, managed: bool) -> Option<NamedPolicy> {
        let properties = resource.get("Properties")?;
        let document = self.document(properties.get("PolicyDocument")?)?;
        let name_key = if managed {
            "ManagedPolicyName"
        } else {
            "PolicyName"
        };
        Some(NamedPolicy {
            name: properties.get(name_key).and_then(spanned_value),
            arn: managed.then(|| Spanned::new(format!("${{{logical}}}"), resource.span)),
            document,
        })
    }

    /// A resource policy (`AWS::S3::BucketPolicy`, `AWS::KMS::Key`, …), named by its
    /// logical name.
    fn resource_policy(
        &mut self,
        logical: &str,
        resource: &Node,
        key: &str,
    ) -> Option<NamedPolicy> {
        let document = self.document(resource.get("Properties")?.get(key)?)?;
        Some(NamedPolicy {
            name: Some(Spanned::new(logical.to_string(), resource.span)),
            arn: None,
            document,
        })
    }

    fn document(&mut self, node: &Node) -> Option<PolicyDocument> {
        let resolved = self.resolver.node(node);
        // A document written as `!Sub "{…}"` is the string it substitutes into.
        let resolved = match intrinsic_call(&resolved) {
            Some(("Sub", argument)) if argument.as_str().is_some() => Node {
                tag: None,
                ..argument.clone()
            },
            _ => resolved,
        };
        load_policy_value(&resolved, self.text, self.limits, self.problems)
    }
}

/// Replaces references to the template's OIDC providers by their ARNs.
struct Resolver {
    /// Logical name and ARN of each provider.
    providers: Vec<(String, String)>,
}

impl Resolver {
    fn arn_of(&self, target: &str) -> Option<&str> {
        let logical = target.strip_suffix(".Arn").unwrap_or(target);
        self.providers
            .iter()
            .find(|(name, _)| name == logical)
            .map(|(_, arn)| arn.as_str())
    }

    fn node(&self, node: &Node) -> Node {
        if let Some(resolved) = self.reference(node) {
            return Node::new(node.span, Value::String(resolved));
        }
        let value = match &node.value {
            Value::Seq(items) => Value::Seq(items.iter().map(|n| self.node(n)).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| Entry {
                        key: e.key.clone(),
                        value: self.node(&e.value),
                    })
                    .collect(),
            ),
            Value::String(text) if node.tag.as_deref() == Some("!Sub") => {
                Value::String(self.substitute(text))
            }
            scalar => scalar.clone(),
        };
        Node {
            value,
            ..node.clone()
        }
    }

    /// The ARN a `Ref`/`GetAtt … Arn`/`Sub` of a provider stands for.
    fn reference(&self, node: &Node) -> Option<String> {
        let (function, argument) = intrinsic_call(node)?;
        match function {
            "Ref" => self.arn_of(argument.as_str()?).map(str::to_string),
            "GetAtt" => {
                let path = match &argument.value {
                    Value::String(path) => path.clone(),
                    Value::Seq(parts) => {
                        let parts: Option<Vec<&str>> = parts.iter().map(Node::as_str).collect();
                        parts?.join(".")
                    }
                    _ => return None,
                };
                path.ends_with(".Arn")
                    .then(|| self.arn_of(&path))
                    .flatten()
                    .map(str::to_string)
            }
            "Sub" if node.tag.is_none() => {
                let text = argument.as_str()?;
                let substituted = self.substitute(text);
                (substituted != text).then_some(substituted)
            }
            _ => None,
        }
    }

    fn substitute(&self, text: &str) -> String {
        self.providers
            .iter()
            .fold(text.to_string(), |text, (name, arn)| {
                text.replace(&format!("${{{name}.Arn}}"), arn)
                    .replace(&format!("${{{name}}}"), arn)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;
    use crate::yaml::parse_yaml;
    use crate::FileId;

    const YAML: &str = "AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Provider:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://gitlab.com
      ClientIdList: [https://gitlab.com]
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy
      MaxSessionDuration: 3600
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Action: sts:AssumeRoleWithWebIdentity
            Principal:
              Federated: !Ref Provider
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref Deploy]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Action: s3:*
            Resource: '*'
";

    fn load(root: &Node, text: &str) -> IamResources {
        assert!(is_template(root));
        let mut problems = Vec::new();
        let resources = load_template(root, text, &Limits::default(), &mut problems);
        assert_eq!(problems, Vec::new());
        resources
    }

    #[test]
    fn yaml_template() {
        let root = parse_yaml(FileId(0), YAML, &Limits::default()).unwrap();
        let resources = load(&root, YAML);
        assert_eq!(resources.providers.len(), 1);
        assert_eq!(
            resources.providers[0].client_ids[0].value,
            "https://gitlab.com"
        );
        let role = &resources.roles[0];
        assert_eq!(role.name.value, "deploy");
        assert_eq!(
            role.managed_policy_arns[0].value,
            "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"
        );
        assert_eq!(role.inline_policies.len(), 1);
        let trust = role.trust.as_ref().unwrap();
        let principal = trust.statements[0].principal().unwrap();
        let federated: Vec<_> = principal.federated().collect();
        assert_eq!(
            federated[0].value,
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/gitlab.com"
        );
        assert_eq!(&YAML[federated[0].span.range()], "Provider");
    }

    #[test]
    fn users_with_inline_and_managed_policies() {
        let text = "Resources:
  Ci:
    Type: AWS::IAM::User
    Properties:
      UserName: ci
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonS3FullAccess]
      Policies:
        - PolicyName: push
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: 'ecr:*', Resource: '*'}
  Bare:
    Type: AWS::IAM::User
";
        let root = parse_yaml(FileId(0), text, &Limits::default()).unwrap();
        let resources = load(&root, text);
        let [ci, bare] = resources.identities.as_slice() else {
            panic!("{:?}", resources.identities);
        };
        assert_eq!(
            (ci.kind, ci.name.value.as_str()),
            (IdentityKind::User, "ci")
        );
        assert_eq!(&text[ci.name.span.range()], "ci");
        assert_eq!(
            ci.managed_policy_arns[0].value,
            "arn:aws:iam::aws:policy/AmazonS3FullAccess"
        );
        assert_eq!(ci.inline_policies[0].name.as_ref().unwrap().value, "push");
        assert_eq!(resources.documents().count(), 1);
        assert_eq!(bare.name.value, "Bare");
        assert!(bare.inline_policies.is_empty() && bare.managed_policy_arns.is_empty());
    }

    #[test]
    fn json_template_with_string_document() {
        let text = r#"{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sts:AssumeRole\", \"Principal\": {\"Service\": \"ec2.amazonaws.com\"}}]}"}}}}"#;
        let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
        let resources = load(&root, text);
        let role = &resources.roles[0];
        assert_eq!(role.name.value, "R");
        let effect = role.trust.as_ref().unwrap().statements[0].effect.unwrap();
        assert_eq!(&text[effect.span.range()], r#"\"Allow\""#);
    }

    #[test]
    fn tags_written_as_an_intrinsic_are_unknown() {
        let tags = |tags: &str| {
            let text = format!(
                "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Tags: {tags}\n"
            );
            let root = parse_yaml(FileId(0), &text, &Limits::default()).unwrap();
            let role = load(&root, &text).roles[0].clone();
            let values: Vec<String> = role.tags.iter().map(|t| t.value.value.clone()).collect();
            (values, role.tags_known)
        };
        assert_eq!(
            tags("[{Key: env, Value: prod}]"),
            (vec!["prod".into()], true)
        );
        assert_eq!(
            tags("[{Key: env, Value: !Ref Env}]"),
            (vec!["${Env}".into()], true)
        );
        assert_eq!(tags("!Ref Tags"), (vec![], false));
        assert_eq!(
            tags("[!If [C, {Key: env, Value: prod}, !Ref AWS::NoValue]]"),
            (vec![], false)
        );
    }

    #[test]
    fn plain_yaml_is_not_a_template() {
        let root = parse_yaml(FileId(0), "Resources:\n  a: 1\n", &Limits::default()).unwrap();
        assert!(!is_template(&root));
    }
}
