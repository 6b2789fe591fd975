//! Property tests of the condition evaluator against a brute-force reference written
//! from the IAM user guide's definitions: set semantics over the request values, the
//! absent-key table, a naive recursive glob, and Deny-overrides-Allow.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use trustlint_parser::iam::placeholder::is_placeholder;
use trustlint_parser::iam::{BaseOperator, ConditionOperator, SetQualifier};
use trustlint_parser::iam::{Condition, Effect};
use trustlint_parser::spanned::Spanned;
use trustlint_parser::{FileId, Span};
use trustlint_rules::analysis::automaton::Dfa;
use trustlint_rules::analysis::condition_eval::{
    decide, evaluate_ref, ConditionRef, Decision, RequestContext, Truth,
};
use trustlint_rules::analysis::glob::VariableSyntax;
use trustlint_rules::analysis::sub_questions::{Bound, SubClause, SubGrammar, SubOperator};

const STRING_OPERATORS: [BaseOperator; 6] = [
    BaseOperator::StringEquals,
    BaseOperator::StringNotEquals,
    BaseOperator::StringEqualsIgnoreCase,
    BaseOperator::StringNotEqualsIgnoreCase,
    BaseOperator::StringLike,
    BaseOperator::StringNotLike,
];

/// Naive recursive glob: `*` any run, `?` one character, when `wildcards`.
fn naive_match(pattern: &[char], value: &[char], wildcards: bool, fold: bool) -> bool {
    match pattern.split_first() {
        None => value.is_empty(),
        Some(('*', rest)) if wildcards => {
            (0..=value.len()).any(|i| naive_match(rest, &value[i..], wildcards, fold))
        }
        Some(('?', rest)) if wildcards => {
            !value.is_empty() && naive_match(rest, &value[1..], wildcards, fold)
        }
        Some((&c, rest)) => match value.split_first() {
            Some((&d, tail)) => {
                let same = c == d || (fold && c.to_lowercase().eq(d.to_lowercase()));
                same && naive_match(rest, tail, wildcards, fold)
            }
            None => false,
        },
    }
}

fn reference_positive(base: BaseOperator, policy: &str, value: &str) -> bool {
    let p: Vec<char> = policy.chars().collect();
    let v: Vec<char> = value.chars().collect();
    naive_match(&p, &v, base.is_pattern(), base.is_case_insensitive())
}

/// The reference: what the IAM user guide defines, one case at a time.
fn reference(operator: ConditionOperator, values: &[String], request: Option<&[String]>) -> bool {
    let request = request.filter(|r| !r.is_empty());
    if operator.base == BaseOperator::Null {
        return values
            .iter()
            .any(|p| (p == "true" && request.is_none()) || (p == "false" && request.is_some()));
    }
    let positive = |v: &String| {
        values
            .iter()
            .any(|p| reference_positive(operator.base, p, v))
    };
    let satisfied = |v: &String| positive(v) != operator.is_negated();
    match request {
        None => {
            operator.if_exists
                || match operator.qualifier {
                    Some(SetQualifier::ForAllValues) => true,
                    Some(SetQualifier::ForAnyValue) => false,
                    None => operator.is_negated(),
                }
        }
        Some(vs) => match operator.qualifier {
            Some(SetQualifier::ForAnyValue) => vs.iter().any(satisfied),
            Some(SetQualifier::ForAllValues) => vs.iter().all(satisfied),
            None => vs.iter().any(positive) != operator.is_negated(),
        },
    }
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(vec!['a', 'A', 'b', '*', '?']), 0..=max)
        .prop_map(|c| c.into_iter().collect())
        // Symbolic names (`AAA`) are placeholders: evaluated as unknown, tested apart.
        .prop_filter("a placeholder", |s: &String| !is_placeholder(s))
}

fn operator() -> impl Strategy<Value = ConditionOperator> {
    (
        prop::sample::select(STRING_OPERATORS.to_vec()),
        prop::option::of(prop::sample::select(SetQualifier::ALL.to_vec())),
        any::<bool>(),
    )
        .prop_map(|(base, qualifier, if_exists)| ConditionOperator {
            qualifier,
            base,
            if_exists,
        })
}

fn request_values() -> impl Strategy<Value = Option<Vec<String>>> {
    prop::option::of(proptest::collection::vec(text(4), 0..=3))
}

fn evaluate(
    operator: ConditionOperator,
    values: &[String],
    request: &Option<Vec<String>>,
) -> Truth {
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    let mut context = RequestContext::new();
    if let Some(r) = request {
        context = context.with_values("Host:Sub", r);
    }
    evaluate_ref(
        ConditionRef {
            operator,
            key: "host:sub",
            values: &values,
        },
        &context,
        VariableSyntax::Substituted,
    )
}

fn condition(operator: ConditionOperator, values: &[String]) -> Condition {
    let span = Span::new(FileId(0), 0, 0);
    Condition {
        operator: Spanned::new(operator, span),
        key: Spanned::new("HOST:sub".to_string(), span),
        values: values
            .iter()
            .map(|v| Spanned::new(v.clone(), span))
            .collect(),
        values_span: span,
    }
}

/// The automaton operator of a string base operator.
fn sub_operator(base: BaseOperator) -> SubOperator {
    match base {
        BaseOperator::StringEquals => SubOperator::Equals,
        BaseOperator::StringNotEquals => SubOperator::NotEquals,
        BaseOperator::StringEqualsIgnoreCase => SubOperator::EqualsIgnoreCase,
        BaseOperator::StringNotEqualsIgnoreCase => SubOperator::NotEqualsIgnoreCase,
        BaseOperator::StringLike => SubOperator::Like,
        _ => SubOperator::NotLike,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The automata the rules reason with and the evaluator agree on every value of a
    /// claim that is present once (as `sub` always is).
    #[test]
    fn automata_agree_with_the_evaluator(
        clauses in proptest::collection::vec(
            (prop::sample::select(STRING_OPERATORS.to_vec()), proptest::collection::vec(text(3), 1..=2)),
            0..=3,
        ),
        value in text(4),
    ) {
        let grammar = SubGrammar::generic(Dfa::everything());
        let sub_clauses: Vec<SubClause> = clauses
            .iter()
            .map(|(base, values)| SubClause::new(sub_operator(*base), values))
            .collect();
        let language = grammar.statement(&sub_clauses, Bound::Upper).unwrap();
        let request = Some(vec![value.clone()]);
        let evaluated = Truth::all(
            clauses
                .iter()
                .map(|(base, values)| evaluate(ConditionOperator::new(*base), values, &request)),
        );
        prop_assert_eq!(Truth::from_bool(language.contains(&value)), evaluated);
    }

    #[test]
    fn string_operators_agree_with_the_reference(
        op in operator(),
        values in proptest::collection::vec(text(4), 1..=3),
        request in request_values(),
    ) {
        let expected = reference(op, &values, request.as_deref());
        prop_assert_eq!(evaluate(op, &values, &request), Truth::from_bool(expected));
    }

    #[test]
    fn null_agrees_with_the_reference(
        values in proptest::collection::vec(prop::sample::select(vec!["true".to_string(), "false".to_string()]), 1..=2),
        request in request_values(),
    ) {
        let op = ConditionOperator::new(BaseOperator::Null);
        let expected = reference(op, &values, request.as_deref());
        prop_assert_eq!(evaluate(op, &values, &request), Truth::from_bool(expected));
    }

    #[test]
    fn negated_operators_are_complements_on_single_values(
        index in 0usize..3,
        values in proptest::collection::vec(text(4), 1..=3),
        value in text(5),
    ) {
        let positive = [BaseOperator::StringEquals, BaseOperator::StringEqualsIgnoreCase, BaseOperator::StringLike][index];
        let negated = [BaseOperator::StringNotEquals, BaseOperator::StringNotEqualsIgnoreCase, BaseOperator::StringNotLike][index];
        let request = Some(vec![value]);
        let p = evaluate(ConditionOperator::new(positive), &values, &request);
        let n = evaluate(ConditionOperator::new(negated), &values, &request);
        prop_assert_eq!(!p, n);
    }

    #[test]
    fn deny_overrides_allow(
        statements in proptest::collection::vec((any::<bool>(), operator(), proptest::collection::vec(text(3), 1..=2)), 0..=4),
        request in request_values(),
    ) {
        let truths: Vec<(bool, bool)> = statements
            .iter()
            .map(|(deny, op, values)| (*deny, reference(*op, values, request.as_deref())))
            .collect();
        let expected = if truths.iter().any(|(deny, t)| *deny && *t) {
            "deny"
        } else if truths.iter().any(|(deny, t)| !*deny && *t) {
            "allow"
        } else {
            "implicit"
        };
        let blocks: Vec<(Effect, Vec<Condition>)> = statements
            .iter()
            .map(|(is_deny, op, values)| {
                let effect = if *is_deny { Effect::Deny } else { Effect::Allow };
                (effect, vec![condition(*op, values)])
            })
            .collect();
        let mut context = RequestContext::new();
        if let Some(r) = &request {
            context = context.with_values("host:sub", r);
        }
        let decision = decide(
            blocks.iter().map(|(e, c)| (*e, c.as_slice())),
            &context,
            VariableSyntax::Substituted,
        );
        let got = match decision {
            Decision::ExplicitDeny => "deny",
            Decision::Allow => "allow",
            Decision::ImplicitDeny => "implicit",
            Decision::Unknown => "unknown",
        };
        prop_assert_eq!(got, expected);
    }
}
