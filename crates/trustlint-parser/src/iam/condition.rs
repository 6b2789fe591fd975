//! One condition of a statement: an operator, a context key and its values, flattened
//! from the `Condition` block (one [`Condition`] per operator × key pair).

use crate::iam::operator::ConditionOperator;
use crate::source::Span;
use crate::spanned::Spanned;

/// `"OPERATOR": { "KEY": VALUE | [VALUE, …] }`, one key of one operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// The operator, spanned at its key in the `Condition` map.
    pub operator: Spanned<ConditionOperator>,
    /// The context key as written (keys are case-insensitive: compare with
    /// [`Condition::key_lower`] or [`Condition::key_is`]).
    pub key: Spanned<String>,
    /// The values as the strings AWS compares (`true` and `12` for JSON booleans and
    /// numbers; CloudFormation intrinsics as `Fn::Sub` text).
    pub values: Vec<Spanned<String>>,
    /// The span of the whole value (the string, or the list).
    pub values_span: Span,
}

impl Condition {
    /// The key in lower case, for case-insensitive comparisons.
    pub fn key_lower(&self) -> String {
        self.key.value.to_ascii_lowercase()
    }

    /// True when the key equals `key` ignoring ASCII case.
    pub fn key_is(&self, key: &str) -> bool {
        self.key.value.eq_ignore_ascii_case(key)
    }

    /// The key split at its last `:` into prefix and name: `("gitlab.example.com/gitlab",
    /// "sub")`, `("aws", "SourceIp")`. `None` when the key has no `:`.
    pub fn key_prefix_and_name(&self) -> Option<(&str, &str)> {
        self.key.value.rsplit_once(':')
    }

    /// The text of every value.
    pub fn value_texts(&self) -> impl Iterator<Item = &str> {
        self.values.iter().map(|v| v.value.as_str())
    }
}
