//! TL201 admin-access: an `Allow` of every action (`*` or `*:*`) on every resource that no
//! `Deny` narrows, or a role with the AWS managed `AdministratorAccess` attached: its
//! holder is an administrator of the account.

use trustlint_parser::iam::{PolicyDocument, Role};
use trustlint_parser::input::Document;

use super::managed::{attached_verb, classify, Breadth};
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct AdminAccess;

impl Rule for AdminAccess {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL201
    }

    fn check_role(
        &self,
        _cx: &Context<'_>,
        _document: &Document,
        role: &Role,
        out: &mut Vec<Finding>,
    ) {
        for arn in &role.managed_policy_arns {
            if let Some(Breadth::Known(policy)) =
                classify(&arn.value).filter(|b| matches!(b, Breadth::Known(p) if p.admin))
            {
                let (verb, severity) = if role.attachment_is_conditional(arn) {
                    (attached_verb(role, arn), Severity::Warning)
                } else {
                    ("has", self.meta().severity)
                };
                out.push(
                    Finding::new(
                        self.meta(),
                        arn.span,
                        format!(
                            "role `{}` {verb} the AWS managed `{}` policy attached ({}): whoever can assume it is an administrator of the account",
                            role.name.value, policy.name, policy.grants
                        ),
                    )
                    .with_severity(severity)
                    .with_help("detach it and attach a policy listing the actions the pipeline needs on the resources it deploys"),
                );
            }
        }
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let Some(access) = cx.policy_access(document, policy) else {
            return;
        };
        for grant in access.grants.iter().filter(|g| g.is_admin()) {
            let (Some(action), Some(resource)) = (grant.admin_pattern(), grant.star_resource())
            else {
                continue;
            };
            out.push(
                Finding::new(
                    self.meta(),
                    action.span,
                    format!(
                        "this statement allows every action (`{}`) on every resource{}: whoever holds this policy is an administrator of the account, able to read every secret, change every resource and grant itself anything",
                        action.value,
                        grant.conditional_note()
                    ),
                )
                .with_help("list only the actions the pipeline needs (e.g. `s3:PutObject`) on the resources it deploys to")
                .with_related(resource.span, "on every resource"),
            );
        }
    }
}
