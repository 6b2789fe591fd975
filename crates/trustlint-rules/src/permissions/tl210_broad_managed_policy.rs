//! TL210 broad-managed-policy: an AWS managed policy that grants broad access
//! (`PowerUserAccess`, `IAMFullAccess`, any `*FullAccess`, see [`super::managed`]) on a
//! role that GitLab CI can assume (its trust admits an OIDC provider), or an
//! `iam:Attach*Policy` grant whose `iam:PolicyARN` condition admits one.

use trustlint_parser::iam::{OperatorFamily, PolicyDocument, Role};
use trustlint_parser::input::Document;
use trustlint_parser::spanned::Spanned;

use super::managed::{admitted_by, attached_verb, classify, Breadth};
use crate::analysis::catalog::Catalog;
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use crate::trust::oidc_grants;

const ATTACH_ACTIONS: &[&str] = &[
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
];

#[derive(Debug)]
pub struct BroadManagedPolicy;

impl Rule for BroadManagedPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL210
    }

    fn check_role(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        role: &Role,
        out: &mut Vec<Finding>,
    ) {
        let ci_trusted = role
            .trust
            .as_ref()
            .is_some_and(|t| !oidc_grants(t, cx.settings).is_empty());
        if !ci_trusted {
            return;
        }
        for arn in &role.managed_policy_arns {
            let what = match classify(&arn.value) {
                // AdministratorAccess is TL201's.
                Some(Breadth::Known(policy)) if !policy.admin => {
                    format!("`{}` ({})", policy.name, policy.grants)
                }
                Some(Breadth::FullAccess) => {
                    "an AWS managed `…FullAccess` policy (all of a service)".to_string()
                }
                _ => continue,
            };
            out.push(
                Finding::new(
                    self.meta(),
                    arn.span,
                    format!(
                        "role `{}`, which GitLab CI jobs can assume through OIDC, {} {what} attached: every job that can assume it holds all of that",
                        role.name.value,
                        attached_verb(role, arn)
                    ),
                )
                .with_help("replace the managed policy with an inline or customer managed policy listing the actions and resources the pipeline needs"),
            );
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
        let catalog = Catalog::get();
        let attach: Vec<_> = ATTACH_ACTIONS
            .iter()
            .filter_map(|a| catalog.lookup(a))
            .collect();
        for grant in &access.grants {
            let Some(action) = attach
                .iter()
                .find(|&&id| grant.effective().contains(id))
                .and_then(|&id| catalog.action(id))
            else {
                continue;
            };
            for condition in grant.statement.conditions_on("iam:PolicyARN") {
                let operator = &condition.operator.value;
                if operator.is_negated()
                    || !matches!(
                        operator.base.family(),
                        OperatorFamily::String | OperatorFamily::Arn
                    )
                {
                    continue;
                }
                for value in &condition.values {
                    if let Some(finding) = attachable(self.meta(), value, &action.qualified_name())
                    {
                        out.push(finding);
                    }
                }
            }
        }
    }
}

/// The finding for an `iam:PolicyARN` value that admits broad managed policies.
fn attachable(rule: &'static RuleMeta, value: &Spanned<String>, action: &str) -> Option<Finding> {
    let admitted = admitted_by(&value.value);
    let what = if admitted.is_empty() {
        if classify(&value.value) != Some(Breadth::FullAccess) {
            return None;
        }
        format!(
            "`{}` (an AWS managed policy with all of a service)",
            value.value
        )
    } else {
        let names: Vec<String> = admitted
            .iter()
            .map(|p| format!("`{}` ({})", p.name, p.grants))
            .collect();
        names.join(", ")
    };
    let admin = admitted.iter().any(|p| p.admin);
    let finding = Finding::new(
        rule,
        value.span,
        format!(
            "this statement lets its holder attach {what} with `{action}`{}",
            if admin { ": that is administrator access" } else { "" }
        ),
    )
    .with_help("allow attaching only the narrow policies the pipeline manages (name them exactly in `iam:PolicyARN`)");
    Some(if admin {
        finding.with_severity(Severity::Error)
    } else {
        finding
    })
}
