//! TL108 set-operator-on-claim: `ForAllValues:` (vacuously true when the key is absent:
//! error) or `ForAnyValue:` (meant for multivalued keys: warning) on an OIDC `sub` or
//! `aud` key, which is single-valued.

use trustlint_parser::iam::{ConditionOperator, PolicyDocument, SetQualifier};
use trustlint_parser::input::Document;

use super::claim_conditions;
use super::fixes::rename_claim_operator;
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct SetOperatorOnClaim;

impl Rule for SetOperatorOnClaim {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL108
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
            let Some(qualifier) = operator.qualifier else {
                continue;
            };
            let key = &condition.key.value;
            let to = ConditionOperator {
                qualifier: None,
                ..operator
            };
            let (message, severity) = match qualifier {
                SetQualifier::ForAllValues => (
                    format!(
                        "`{operator}` on `{key}` is true for a request that lacks `{key}` (every one of no values matches): a token without the claim passes, and for the single-valued claim it adds nothing else"
                    ),
                    Severity::Error,
                ),
                SetQualifier::ForAnyValue => (
                    format!(
                        "`{operator}` is meant for multivalued keys; `{key}` is single-valued, so the set operator only obscures the check"
                    ),
                    Severity::Warning,
                ),
            };
            let mut finding = Finding::new(self.meta(), condition.operator.span, message)
                .with_severity(severity)
                .with_help(format!("use `{to}`"))
                .with_related(condition.key.span, "a single-valued claim");
            finding.fix = rename_claim_operator(cx, document, statement, condition, to);
            out.push(finding);
        }
    }
}
