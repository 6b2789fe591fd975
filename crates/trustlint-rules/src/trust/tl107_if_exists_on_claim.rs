//! TL107 if-exists-on-claim: an `…IfExists` operator on an OIDC `sub` or `aud` key.

use trustlint_parser::iam::{ConditionOperator, PolicyDocument};
use trustlint_parser::input::Document;

use super::claim_conditions;
use super::fixes::rename_claim_operator;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct IfExistsOnClaim;

impl Rule for IfExistsOnClaim {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL107
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        for (statement, condition) in claim_conditions(policy) {
            let operator = condition.operator.value;
            if !operator.if_exists {
                continue;
            }
            let key = &condition.key.value;
            let to = ConditionOperator {
                if_exists: false,
                ..operator
            };
            let mut finding = Finding::new(
                self.meta(),
                condition.operator.span,
                format!(
                    "`{operator}` is true whenever `{key}` is absent: a token without that key (another provider's, or any token if the key is mistyped) passes this condition unchecked; the provider's tokens always carry the claim, so `IfExists` only weakens the check"
                ),
            )
            .with_help(format!("use `{to}`"))
            .with_related(condition.key.span, "the claim every token carries");
            finding.fix = rename_claim_operator(cx, document, statement, condition, to);
            out.push(finding);
        }
    }
}
