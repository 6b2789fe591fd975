//! Terraform inputs read into the role model: HCL files (`*.tf`, parsed with hcl-edit so
//! every value keeps its span) and plan JSON (`terraform show -json`, see [`plan`]).
//!
//! HCL resources read: `aws_iam_role` (`assume_role_policy`, `inline_policy`,
//! `managed_policy_arns`, `max_session_duration`, `tags`), `aws_iam_policy`,
//! `aws_iam_role_policy`, `aws_iam_role_policy_attachment`,
//! `aws_iam_openid_connect_provider` and `data "aws_iam_policy_document"`
//! ([`policy_document`]). Policies may be `jsonencode({...})`, heredoc or string JSON, or
//! references to policy documents; [`eval`] resolves what the file determines.
//! A policy document no role or policy of the file uses is checked on its own.

pub mod eval;
pub mod plan;
pub mod policy_document;

use std::cell::RefCell;

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span as _;

use crate::embedded::{not_json, parse_embedded, string_with_map, OffsetMap};
use crate::iam::role::{IamResources, NamedPolicy, OidcProvider, Role, Tag};
use crate::iam::{load_policy, PolicyDocument};
use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::{FileId, Span};
use crate::spanned::Spanned;
use crate::tree::Node;
use eval::{labels, Env, Resolved};
use policy_document::document_node;

pub use plan::{is_plan, load_plan};

/// Parses a `.tf` file and reads its IAM resources. A syntax error is the `Err`;
/// problems of the policies are pushed.
pub fn load_hcl(
    file: FileId,
    text: &str,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> Result<IamResources, Problem> {
    limits.check_size(file, text.len())?;
    let body: Body = hcl_edit::parser::parse_body(text).map_err(|error| {
        let offset = error.location().offset().min(text.len());
        let width = text
            .get(offset..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        Problem::parse(
            Span::new(file, offset, offset + width),
            format!("invalid HCL: {}", error.message()),
        )
    })?;
    let loader = Loader {
        env: Env::new(file, text, &body),
        limits,
        problems: RefCell::new(problems),
        used_documents: RefCell::new(Vec::new()),
    };
    Ok(loader.resources(&body))
}

struct Loader<'a, 'p> {
    env: Env<'a>,
    limits: &'a Limits,
    problems: RefCell<&'p mut Vec<Problem>>,
    /// Names of the policy documents some role or policy uses.
    used_documents: RefCell<Vec<&'a str>>,
}

impl<'a> Loader<'a, '_> {
    fn resources(&self, body: &'a Body) -> IamResources {
        let mut resources = IamResources::default();
        let blocks: Vec<(&str, &str, &Block)> = body
            .blocks()
            .filter(|b| b.ident.as_str() == "resource")
            .filter_map(|b| labels(b).map(|(kind, name)| (kind, name, b)))
            .collect();
        let mut roles: Vec<(&str, Role)> = blocks
            .iter()
            .filter(|(kind, ..)| *kind == "aws_iam_role")
            .map(|(_, name, block)| (*name, self.role(name, block)))
            .collect();
        for (kind, name, block) in &blocks {
            let attribute = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
            match *kind {
                "aws_iam_policy" => resources.policies.extend(self.named_policy(name, block)),
                "aws_iam_role_policy" => {
                    let Some(policy) = self.named_policy(name, block) else {
                        continue;
                    };
                    match self
                        .role_label(attribute("role"))
                        .and_then(|r| find(&mut roles, r))
                    {
                        Some(role) => role.inline_policies.push(NamedPolicy {
                            arn: None,
                            ..policy
                        }),
                        None => resources.policies.push(policy),
                    }
                }
                "aws_iam_role_policy_attachment" => {
                    let arn = attribute("policy_arn").and_then(|e| self.env.string_node(e, 0));
                    let role = self
                        .role_label(attribute("role"))
                        .and_then(|r| find(&mut roles, r));
                    if let (Some(arn), Some(role)) = (arn, role) {
                        role.managed_policy_arns.push(spanned(&arn));
                    }
                }
                "aws_iam_openid_connect_provider" => {
                    resources.providers.push(self.provider(name, block));
                }
                _ => {}
            }
        }
        resources.roles = roles.into_iter().map(|(_, role)| role).collect();
        let unused: Vec<(&str, &Block)> = body
            .blocks()
            .filter(|b| b.ident.as_str() == "data")
            .filter_map(|b| match labels(b) {
                Some(("aws_iam_policy_document", name)) => Some((name, b)),
                _ => None,
            })
            .filter(|(name, _)| !self.used_documents.borrow().contains(name))
            .filter(|(name, _)| !self.included_by_another(body, name))
            .collect();
        for (name, block) in unused {
            let document = document_node(&self.env, block, 0).and_then(|root| self.load(&root));
            resources
                .policies
                .extend(document.map(|document| NamedPolicy {
                    name: Some(Spanned::new(name.to_string(), self.env.span(block.span()))),
                    arn: None,
                    document,
                }));
        }
        resources
    }

    /// True when a policy document of the file lists document `name` in its
    /// `source_policy_documents` or `override_policy_documents`.
    fn included_by_another(&self, body: &'a Body, name: &str) -> bool {
        body.blocks()
            .filter(|b| b.ident.as_str() == "data")
            .flat_map(|b| {
                ["source_policy_documents", "override_policy_documents"]
                    .into_iter()
                    .filter_map(|key| b.body.get_attribute(key))
            })
            .filter_map(|attribute| match &attribute.value {
                Expression::Array(items) => Some(items),
                _ => None,
            })
            .flat_map(|items| items.iter())
            .any(|item| {
                matches!(self.env.resolve(item, 0), Some(Resolved::PolicyDocument(used, _)) if used == name)
            })
    }

    /// The label of the role an `aws_iam_role.NAME.name`/`.id` reference names.
    fn role_label(&self, expr: Option<&'a Expression>) -> Option<&'a str> {
        let Expression::Traversal(traversal) = expr? else {
            return None;
        };
        let Expression::Variable(root) = &traversal.expr else {
            return None;
        };
        if root.as_str() != "aws_iam_role" {
            return None;
        }
        traversal.operators.iter().find_map(|op| match op.value() {
            hcl_edit::expr::TraversalOperator::GetAttr(name) => Some(name.as_str()),
            _ => None,
        })
    }

    fn role(&self, label: &str, block: &'a Block) -> Role {
        let attribute = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
        let span = self.env.span(block.span());
        let name = attribute("name")
            .or_else(|| attribute("name_prefix"))
            .and_then(|e| self.env.string_node(e, 0))
            .map_or_else(|| Spanned::new(label.to_string(), span), |n| spanned(&n));
        let inline_policies = block
            .body
            .blocks()
            .filter(|b| b.ident.as_str() == "inline_policy")
            .filter_map(|inline| {
                let document = self.policy(&inline.body.get_attribute("policy")?.value, 0)?;
                Some(NamedPolicy {
                    name: inline
                        .body
                        .get_attribute("name")
                        .and_then(|a| self.env.string_node(&a.value, 0))
                        .map(|n| spanned(&n)),
                    arn: None,
                    document,
                })
            })
            .collect();
        Role {
            span,
            name,
            arn: None,
            trust: attribute("assume_role_policy").and_then(|e| self.policy(e, 0)),
            inline_policies,
            managed_policy_arns: self.strings(attribute("managed_policy_arns")),
            max_session_duration: attribute("max_session_duration")
                .and_then(|e| self.env.string_node(e, 0))
                .map(|n| spanned(&n)),
            tags: self.tags(attribute("tags")),
        }
    }

    fn named_policy(&self, label: &str, block: &'a Block) -> Option<NamedPolicy> {
        let policy = block.body.get_attribute("policy")?;
        let document = self.policy(&policy.value, 0)?;
        let name = block
            .body
            .get_attribute("name")
            .and_then(|a| self.env.string_node(&a.value, 0))
            .map(|n| spanned(&n));
        let kind = labels(block).map_or("aws_iam_policy", |(kind, _)| kind);
        Some(NamedPolicy {
            name,
            arn: Some(Spanned::new(
                format!("${{{kind}.{label}.arn}}"),
                self.env.span(block.span()),
            )),
            document,
        })
    }

    fn provider(&self, label: &str, block: &'a Block) -> OidcProvider {
        let attribute = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
        let span = self.env.span(block.span());
        let url = attribute("url").and_then(|e| self.env.string_node(e, 0));
        OidcProvider {
            span,
            logical_name: Some(label.to_string()),
            arn: self
                .env
                .provider_arn(block, 0)
                .map(|arn| Spanned::new(arn, url.as_ref().map_or(span, |u| u.span))),
            url: url.map(|u| spanned(&u)),
            client_ids: self.strings(attribute("client_id_list")),
            thumbprints: self.strings(attribute("thumbprint_list")),
        }
    }

    /// The items of a list attribute as strings.
    fn strings(&self, expr: Option<&'a Expression>) -> Vec<Spanned<String>> {
        let Some(expr) = expr else {
            return Vec::new();
        };
        let node = self.env.node(expr, 0);
        node.as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(|item| item.scalar_text().map(|t| Spanned::new(t, item.span)))
            .collect()
    }

    fn tags(&self, expr: Option<&'a Expression>) -> Vec<Tag> {
        let Some(expr) = expr else {
            return Vec::new();
        };
        let node = self.env.node(expr, 0);
        node.as_map()
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| {
                Some(Tag {
                    key: spanned(&entry.key),
                    value: Spanned::new(entry.value.scalar_text()?, entry.value.span),
                })
            })
            .collect()
    }

    /// A policy attribute's document: `jsonencode({...})`, a heredoc or string of JSON,
    /// or a reference to a policy document or to a local/variable holding one. `None`
    /// when it can't be evaluated offline.
    fn policy(&self, expr: &'a Expression, depth: usize) -> Option<PolicyDocument> {
        if depth > 8 {
            return None;
        }
        match expr {
            Expression::FuncCall(call)
                if call.name.namespace.is_empty() && call.name.name.as_str() == "jsonencode" =>
            {
                let argument = call.args.iter().next()?;
                self.load(&self.env.node(argument, depth))
            }
            Expression::HeredocTemplate(heredoc) => {
                let literal = self.env.span(heredoc.span());
                let (text, map) = self
                    .env
                    .template_with_map(&heredoc.template, literal, depth)?;
                let interpolated = heredoc.template.iter().any(|e| e.is_interpolation());
                self.parse(&text, &map, interpolated)
            }
            Expression::StringTemplate(template) => {
                let literal = self.env.span(expr.span());
                let (text, map) = self.env.template_with_map(template, literal, depth)?;
                self.parse(&text, &map, true)
            }
            Expression::String(_) => {
                let node = self.env.string_node(expr, depth)?;
                let (text, map) = string_with_map(&node, self.env.text)?;
                self.parse(&text, &map, false)
            }
            Expression::Parenthesis(inner) => self.policy(inner.inner(), depth + 1),
            Expression::Traversal(_) | Expression::Variable(_) => {
                match self.env.resolve(expr, depth)? {
                    Resolved::PolicyDocument(name, block) => {
                        self.used_documents.borrow_mut().push(name);
                        self.load(&document_node(&self.env, block, 0)?)
                    }
                    Resolved::Expr(target) => self.policy(target, depth + 1),
                    Resolved::Text(_) => None,
                }
            }
            _ => None,
        }
    }

    /// Parses policy JSON from a string. When the string interpolates values, a parse
    /// failure is blamed on what could not be evaluated and the policy stays unchecked.
    fn parse(&self, text: &str, map: &OffsetMap, interpolated: bool) -> Option<PolicyDocument> {
        match parse_embedded(text, map, self.limits) {
            Ok(root) => self.load(&root),
            Err(problem) => {
                if !interpolated {
                    self.problems.borrow_mut().push(not_json(problem));
                }
                None
            }
        }
    }

    fn load(&self, root: &Node) -> Option<PolicyDocument> {
        load_policy(root, &mut self.problems.borrow_mut())
    }
}

fn find<'r>(roles: &'r mut [(&str, Role)], label: &str) -> Option<&'r mut Role> {
    roles
        .iter_mut()
        .find(|(l, _)| *l == label)
        .map(|(_, role)| role)
}

fn spanned(node: &Node) -> Spanned<String> {
    Spanned::new(node.scalar_text().unwrap_or_default(), node.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (IamResources, Vec<Problem>) {
        let mut problems = Vec::new();
        let resources = load_hcl(FileId(0), text, &Limits::default(), &mut problems).unwrap();
        (resources, problems)
    }

    const ROLE: &str = r#"
variable "host" {
  default = "gitlab.example.com"
}
variable "project" {}

locals {
  audience = "https://${var.host}"
}

resource "aws_iam_openid_connect_provider" "gitlab" {
  url            = "https://${var.host}"
  client_id_list = [local.audience]
}

data "aws_iam_policy_document" "base" {
  statement {
    effect    = "Deny"
    actions   = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["*"]
    }
  }
}

data "aws_iam_policy_document" "trust" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.gitlab.arn]
    }
    condition {
      test     = "StringLike"
      variable = "${trimprefix(aws_iam_openid_connect_provider.gitlab.url, "https://")}:sub"
      values   = ["project_path:${var.project}:*"]
    }
    condition {
      test     = "StringLike"
      variable = "${var.host}:sub"
      values   = ["project_path:other/*"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "deploy-${var.project}"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 7200
  managed_policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  tags = {
    team = "ci"
  }
}

resource "aws_iam_role_policy" "inline" {
  role   = aws_iam_role.deploy.id
  policy = <<-JSON
    {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
  JSON
}

resource "aws_iam_role_policy_attachment" "extra" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}
"#;

    #[test]
    fn role_from_policy_document_with_references() {
        let (resources, problems) = load(ROLE);
        assert_eq!(problems, Vec::new());
        assert_eq!(resources.providers.len(), 1);
        let provider = &resources.providers[0];
        assert_eq!(provider.client_ids[0].value, "https://gitlab.example.com");
        let role = &resources.roles[0];
        assert_eq!(role.name.value, "deploy-${var.project}");
        assert_eq!(role.max_session_duration.as_ref().unwrap().value, "7200");
        assert_eq!(role.tags[0].key.value, "team");
        let arns: Vec<&str> = role
            .managed_policy_arns
            .iter()
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "arn:aws:iam::aws:policy/PowerUserAccess"
            ]
        );
        assert_eq!(role.inline_policies.len(), 1);
        // Only documents no role uses are standalone: both are used here.
        assert!(resources.policies.is_empty());

        let trust = role.trust.as_ref().unwrap();
        assert_eq!(trust.effective_version(), "2012-10-17");
        assert_eq!(
            trust.statements.len(),
            2,
            "the source document's statement comes first"
        );
        assert!(trust.statements[0].is_deny());
        let allow = &trust.statements[1];
        assert!(allow.is_allow());
        let federated: Vec<_> = allow.principal().unwrap().federated().collect();
        assert_eq!(
            federated[0].value,
            "arn:${partition}:iam::${account_id}:oidc-provider/gitlab.example.com"
        );
        assert_eq!(
            &ROLE[federated[0].span.range()],
            "aws_iam_openid_connect_provider.gitlab.arn"
        );
        let subs: Vec<_> = allow.conditions_on("gitlab.example.com:sub").collect();
        assert_eq!(subs.len(), 1, "same test and variable: values merged");
        let values: Vec<&str> = subs[0].value_texts().collect();
        assert_eq!(
            values,
            ["project_path:${var.project}:*", "project_path:other/*"]
        );
        assert_eq!(
            &ROLE[subs[0].values[1].span.range()],
            "\"project_path:other/*\""
        );
    }

    #[test]
    fn heredoc_spans_point_into_the_heredoc() {
        let (resources, _) = load(ROLE);
        let inline = &resources.roles[0].inline_policies[0].document;
        let effect = inline.statements[0].effect.unwrap();
        assert_eq!(&ROLE[effect.span.range()], "\"Allow\"");
    }

    #[test]
    fn dynamic_statements_and_unknown_references_stay_unevaluated() {
        let text = r#"
data "aws_iam_policy_document" "d" {
  dynamic "statement" {
    for_each = var.x
    content {}
  }
}
resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.d.json
}
resource "aws_iam_role" "s" {
  assume_role_policy = var.trust
}
resource "aws_iam_policy" "p" {
  policy = "not json"
}
"#;
        let (resources, problems) = load(text);
        assert!(resources.roles.iter().all(|r| r.trust.is_none()));
        assert_eq!(resources.roles[0].name.value, "r");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, crate::ProblemKind::InvalidPolicy);
        assert_eq!(
            &text[problems[0].span.range()],
            "not",
            "the error inside the string"
        );
    }

    #[test]
    fn syntax_error_is_a_parse_problem() {
        let mut problems = Vec::new();
        let error = load_hcl(
            FileId(0),
            "resource \"a\" {",
            &Limits::default(),
            &mut problems,
        )
        .unwrap_err();
        assert_eq!(error.kind, crate::ProblemKind::Parse);
    }
}
