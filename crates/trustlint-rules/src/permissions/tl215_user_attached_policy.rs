//! TL215 user-attached-policy: an IAM user with inline or directly attached policies
//! (account exports' `UserDetailList`, CloudFormation `AWS::IAM::User`, Terraform
//! `aws_iam_user` with its policies and attachments): permissions are easier to review and revoke when
//! they come through groups or roles (AWS Security Hub IAM.2, CIS AWS Foundations 1.15).

use trustlint_parser::iam::IdentityKind;
use trustlint_parser::input::{Content, Document};

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct UserAttachedPolicy;

impl Rule for UserAttachedPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL215
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::Iam(resources) = &document.content else {
            return;
        };
        for user in resources
            .identities
            .iter()
            .filter(|i| i.kind == IdentityKind::User)
        {
            let mut held: Vec<String> = user
                .inline_policies
                .iter()
                .map(|p| match &p.name {
                    Some(name) => format!("inline `{}`", name.value),
                    None => "an inline policy".to_string(),
                })
                .collect();
            held.extend(user.managed_policy_arns.iter().map(|arn| {
                let name = arn.value.rsplit('/').next().unwrap_or(&arn.value);
                let condition = if user.attachment_is_conditional(arn) {
                    " (if its `count` or `for_each` creates the attachment)"
                } else {
                    ""
                };
                format!("attached `{name}`{condition}")
            }));
            if held.is_empty() {
                continue;
            }
            out.push(
                Finding::new(
                    self.meta(),
                    user.name.span,
                    format!(
                        "IAM user `{}` holds policies of its own ({}): grant users access through groups or roles, so it is reviewed and revoked in one place",
                        user.name.value,
                        held.join(", ")
                    ),
                )
                .with_help("put the user in a group that has these policies (or let it assume a role), and remove them from the user"),
            );
        }
    }
}
