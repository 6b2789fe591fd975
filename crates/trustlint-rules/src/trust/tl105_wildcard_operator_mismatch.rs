//! TL105 wildcard-operator-mismatch: `StringEquals`-family operators on values holding
//! `*` or `?` (compared literally, so the intended tokens are denied), and, as a note,
//! `StringLike` blocks whose values hold no wildcard at all.

use trustlint_parser::iam::placeholder::is_placeholder;
use trustlint_parser::iam::{
    BaseOperator, Condition, ConditionOperator, OperatorFamily, PolicyDocument,
};
use trustlint_parser::input::Document;

use super::fixes::rename_operator;
use super::variable_syntax;
use crate::analysis::glob::{Operator, Pattern, VariableSyntax};
use crate::finding::{Applicability, Finding, Fix, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct WildcardOperatorMismatch;

impl Rule for WildcardOperatorMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL105
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        if !policy.is_trust_policy() {
            return;
        }
        let syntax = variable_syntax(policy);
        for statement in &policy.statements {
            for condition in &statement.conditions {
                let operator = condition.operator.value;
                let Some(like) = like_counterpart(operator.base) else {
                    continue;
                };
                for value in &condition.values {
                    if !has_wildcard(&value.value, syntax) {
                        continue;
                    }
                    let key = &condition.key.value;
                    let text = &value.value;
                    let message = if operator.is_negated() {
                        format!("`{operator}` excludes only the literal text `{text}` from `{key}`: `*` and `?` are not wildcards here, so the values this pattern was meant to exclude pass")
                    } else {
                        format!("`{operator}` compares `{text}` literally: `*` and `?` are not wildcards here, so only a token whose `{key}` is exactly `{text}` matches and the tokens this pattern was meant for are denied")
                    };
                    let mut finding = Finding::new(self.meta(), value.span, message)
                        .with_related(condition.operator.span, "operator without wildcards");
                    finding.fix = like.and_then(|like| {
                        let to = ConditionOperator {
                            base: like,
                            ..operator
                        };
                        rename_operator(
                            cx,
                            document,
                            statement,
                            condition.operator.span,
                            operator,
                            to,
                        )
                    });
                    finding = match like {
                        Some(like) => finding.with_help(format!("use `{}` to match the pattern", ConditionOperator { base: like, ..operator })),
                        None => finding.with_help("there is no case-insensitive pattern operator: list the exact values, or use `StringLike` with the exact case"),
                    };
                    out.push(finding);
                }
            }
            // `StringLike` blocks without any wildcard: a note, once per operator.
            let mut seen = Vec::new();
            for condition in &statement.conditions {
                let operator = condition.operator.value;
                // Qualified and `IfExists` forms are TL107's and TL108's to rewrite.
                if !operator.is_pattern()
                    || operator.base.family() != OperatorFamily::String
                    || operator.qualifier.is_some()
                    || operator.if_exists
                    || seen.contains(&condition.operator.span)
                {
                    continue;
                }
                seen.push(condition.operator.span);
                let block: Vec<&Condition> = statement
                    .conditions
                    .iter()
                    .filter(|c| c.operator.span == condition.operator.span)
                    .collect();
                let literal = block.iter().flat_map(|c| c.values.iter()).all(|v| {
                    !is_placeholder(&v.value)
                        && Pattern::literal_text_of(&v.value, Operator::Like, syntax).is_some()
                });
                if !literal || block.iter().all(|c| c.values.is_empty()) {
                    continue;
                }
                let equals = if operator.base == BaseOperator::StringLike {
                    BaseOperator::StringEquals
                } else {
                    BaseOperator::StringNotEquals
                };
                let to = ConditionOperator {
                    base: equals,
                    ..operator
                };
                let mut finding = Finding::new(
                    self.meta(),
                    condition.operator.span,
                    format!("`{operator}` is used but none of its values has a wildcard: `{to}` says what is meant"),
                )
                .with_severity(Severity::Note)
                .with_help(format!("use `{to}`"));
                // Without a wildcard, both operators match the same values.
                finding.fix = rename_operator(
                    cx,
                    document,
                    statement,
                    condition.operator.span,
                    operator,
                    to,
                )
                .map(|fix| Fix {
                    applicability: Applicability::Safe,
                    ..fix
                });
                out.push(finding);
            }
        }
    }
}

/// For the `StringEquals` family: `Some(Some(pattern operator))`, or `Some(None)` for the
/// `…IgnoreCase` forms, which have no pattern counterpart; `None` for other operators.
fn like_counterpart(base: BaseOperator) -> Option<Option<BaseOperator>> {
    match base {
        BaseOperator::StringEquals => Some(Some(BaseOperator::StringLike)),
        BaseOperator::StringNotEquals => Some(Some(BaseOperator::StringNotLike)),
        BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase => {
            Some(None)
        }
        _ => None,
    }
}

/// Whether `text` read as a `StringLike` pattern has a wildcard (escapes such as `${*}`
/// and placeholders don't count).
fn has_wildcard(text: &str, syntax: VariableSyntax) -> bool {
    !is_placeholder(text) && Pattern::has_wildcards_of(text, Operator::Like, syntax)
}
