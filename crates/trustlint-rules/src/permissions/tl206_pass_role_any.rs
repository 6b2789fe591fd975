//! TL206 pass-role-any: `iam:PassRole` on effectively every role (`Resource: "*"`,
//! `arn:aws:iam::*:role/*`, `NotResource`: [`super::Grant::every_resource_for`]): its
//! holder can hand any role of the account, administrator roles included, to a service it
//! controls.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use crate::analysis::catalog::Catalog;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct PassRoleAny;

impl Rule for PassRoleAny {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL206
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
        let Some(pass_role) = Catalog::get().lookup("iam:PassRole") else {
            return;
        };
        for grant in access.grants.iter().filter(|g| !g.is_admin()) {
            if !grant.effective().contains(pass_role) {
                continue;
            }
            let Some(every) = grant.every_resource_for(pass_role) else {
                continue;
            };
            let services = if grant
                .statement
                .conditions_on("iam:PassedToService")
                .next()
                .is_some()
            {
                "to the services its `iam:PassedToService` condition names"
            } else {
                "to any service"
            };
            out.push(
                Finding::new(
                    self.meta(),
                    grant.span_granting(pass_role),
                    format!(
                        "`iam:PassRole` on {} lets its holder pass any role of the account, administrator roles included, {services}{}, and act with that role's permissions",
                        every.describe(),
                        grant.conditional_note()
                    ),
                )
                .with_help("limit `Resource` to the ARNs of the roles the pipeline must pass (e.g. `arn:aws:iam::123456789012:role/app-task`) and add an `iam:PassedToService` condition")
                .with_related(every.span, "on every role"),
            );
        }
    }
}
