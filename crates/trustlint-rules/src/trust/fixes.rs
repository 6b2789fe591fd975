//! Mechanical fixes of trust policies: rewriting a key of the `Condition` block (an
//! operator such as `StringEquals` → `StringLike`, or a condition key) in place, keeping
//! its quotes.

use trustlint_parser::iam::{Condition, ConditionOperator, Statement};
use trustlint_parser::input::Document;
use trustlint_parser::Span;

use super::block_is_claims_only;
use crate::finding::{Applicability, Edit, Fix};
use crate::rule::Context;

/// An edit replacing the key written at `span` (whose text is `old`, quoted or not) with
/// `new`; `None` when the source text there is not exactly that key (escapes).
pub fn replace_key(
    cx: &Context<'_>,
    document: &Document,
    span: Span,
    old: &str,
    new: &str,
) -> Option<Edit> {
    let written = cx.source(document)?.slice(span);
    let inner = if written == old {
        span
    } else if written.len() == old.len() + 2
        && written.starts_with('"')
        && written.ends_with('"')
        && written.get(1..written.len() - 1) == Some(old)
    {
        Span {
            file: span.file,
            start: span.start + 1,
            end: span.end - 1,
        }
    } else {
        return None;
    };
    Some(Edit {
        span: inner,
        replacement: new.to_owned(),
    })
}

/// A fix renaming the operator written at `span` to `to`, unless the statement already
/// has a `to` block (the rename would duplicate a key; merging is left to the user).
pub fn rename_operator(
    cx: &Context<'_>,
    document: &Document,
    statement: &Statement,
    span: Span,
    from: ConditionOperator,
    to: ConditionOperator,
) -> Option<Fix> {
    if statement.conditions.iter().any(|c| c.operator.value == to) {
        return None;
    }
    let edit = replace_key(cx, document, span, &from.to_string(), &to.to_string())?;
    Some(Fix {
        description: format!("replace `{from}` with `{to}`"),
        edits: vec![edit],
        applicability: Applicability::Unsafe,
    })
}

/// A fix replacing the operator of `condition` with `to`, when every condition of that
/// operator block is on an OIDC `sub`/`aud` key (so the rename changes nothing else).
pub fn rename_claim_operator(
    cx: &Context<'_>,
    document: &Document,
    statement: &Statement,
    condition: &Condition,
    to: ConditionOperator,
) -> Option<Fix> {
    if !block_is_claims_only(statement, condition) {
        return None;
    }
    let operator = &condition.operator;
    rename_operator(cx, document, statement, operator.span, operator.value, to)
}
