//! Property tests of the pattern-reasoning engine: automata agree with direct matching
//! and with brute-force enumeration; the `sub` grammar automaton agrees with the parser.
// Test helpers outside `#[test]` functions unwrap too.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use proptest::prelude::*;
use trustlint_rules::analysis::automaton::Dfa;
use trustlint_rules::analysis::glob::{matches, Case, Pattern, VariableApprox};
use trustlint_rules::analysis::sub_claim::{all_subs, parse_sub, SubComponents};
use trustlint_rules::analysis::sub_questions::{Bound, SubGrammar, SubOperator};

/// Characters of values: the pattern characters plus `x`, which patterns never use.
const VALUE_CHARS: [char; 5] = ['a', 'b', ':', '/', 'x'];
const BRUTE_FORCE_LENGTH: usize = 5;

fn pattern_strategy(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec!['a', 'b', ':', '/', '*', '?']),
        0..=max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn value_strategy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop::sample::select(vec!['a', 'b', ':', '/', 'x', 'é', '*']),
        0..=8,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// The default-components grammar, built once.
fn default_grammar() -> &'static SubGrammar {
    static GRAMMAR: OnceLock<SubGrammar> = OnceLock::new();
    GRAMMAR.get_or_init(|| SubGrammar::new(SubComponents::default()).unwrap())
}

const COMPONENT_LISTS: [&[&str]; 4] = [
    &["project_path", "ref_type", "ref"],
    &["project_path", "ref", "ref_type"],
    &["project_path", "ref"],
    &["project_path", "job_project_id"],
];

/// The sub languages of `COMPONENT_LISTS`, built once.
fn sub_languages() -> &'static [(SubComponents, Dfa)] {
    static LANGUAGES: OnceLock<Vec<(SubComponents, Dfa)>> = OnceLock::new();
    LANGUAGES.get_or_init(|| {
        COMPONENT_LISTS
            .iter()
            .map(|names| {
                let components = SubComponents::from_names(names).unwrap();
                let language = all_subs(&components).unwrap();
                (components, language)
            })
            .collect()
    })
}

fn dfa(pattern: &str) -> Dfa {
    Dfa::from_expr(&Pattern::like(pattern).to_expr(Case::Sensitive, VariableApprox::AnyString))
        .unwrap()
}

/// Every string over `VALUE_CHARS` up to `BRUTE_FORCE_LENGTH`, shortest first.
fn all_short_strings() -> Vec<String> {
    let mut out = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..BRUTE_FORCE_LENGTH {
        layer = layer
            .iter()
            .flat_map(|s| VALUE_CHARS.iter().map(move |c| format!("{s}{c}")))
            .collect();
        out.extend(layer.iter().cloned());
    }
    out
}

/// `lang`'s shortest member, checked against brute force: a string of length up to the
/// bound is found by enumeration exactly when the witness is that short.
fn check_witness(lang: &Dfa, member: impl Fn(&str) -> bool) -> Result<(), TestCaseError> {
    let witness = lang.witness();
    prop_assert_eq!(lang.is_empty(), witness.is_none());
    if let Some(w) = &witness {
        prop_assert!(member(w), "witness {w:?} is not a member");
        prop_assert!(lang.contains(w));
    }
    let found = all_short_strings().into_iter().find(|s| member(s));
    match (&witness, &found) {
        (Some(w), Some(f)) => prop_assert!(w.chars().count() <= f.chars().count()),
        (Some(w), None) => prop_assert!(w.chars().count() > BRUTE_FORCE_LENGTH),
        (None, Some(f)) => prop_assert!(false, "empty language holds {f:?}"),
        (None, None) => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn automaton_membership_agrees_with_matching(p in pattern_strategy(7), v in value_strategy()) {
        prop_assert_eq!(dfa(&p).contains(&v), matches(&p, &v));
    }

    #[test]
    fn case_insensitive_membership_agrees(p in "[aAbB:*?]{0,6}", v in "[aAbBx:]{0,8}") {
        let pattern = Pattern::like(&p);
        let automaton = Dfa::from_expr(&pattern.to_expr(Case::Insensitive, VariableApprox::AnyString)).unwrap();
        prop_assert_eq!(
            automaton.contains(&v),
            pattern.matches_with(&v, Case::Insensitive, VariableApprox::AnyString)
        );
    }

    #[test]
    fn boolean_operations_agree_with_matching(
        p in pattern_strategy(5),
        q in pattern_strategy(5),
        v in value_strategy(),
    ) {
        let (a, b) = (dfa(&p), dfa(&q));
        let (mp, mq) = (matches(&p, &v), matches(&q, &v));
        prop_assert_eq!(a.intersection(&b).unwrap().contains(&v), mp && mq);
        prop_assert_eq!(a.union(&b).unwrap().contains(&v), mp || mq);
        prop_assert_eq!(a.difference(&b).unwrap().contains(&v), mp && !mq);
        prop_assert_eq!(a.complement().contains(&v), !mp);
        prop_assert_eq!(a.concat(&b).unwrap().contains(&v), matches(&format!("{p}{q}"), &v));
    }

    #[test]
    fn witnesses_and_emptiness_agree_with_brute_force(
        p in pattern_strategy(4),
        q in pattern_strategy(4),
    ) {
        let (a, b) = (dfa(&p), dfa(&q));
        check_witness(&a, |s| matches(&p, s))?;
        check_witness(&a.intersection(&b).unwrap(), |s| matches(&p, s) && matches(&q, s))?;
        check_witness(&a.difference(&b).unwrap(), |s| matches(&p, s) && !matches(&q, s))?;
        check_witness(&a.complement(), |s| !matches(&p, s))?;
    }

    #[test]
    fn inclusion_agrees_with_brute_force(p in pattern_strategy(4), q in pattern_strategy(4)) {
        let (a, b) = (dfa(&p), dfa(&q));
        let included = a.is_subset_of(&b).unwrap();
        let counterexample = all_short_strings()
            .into_iter()
            .find(|s| matches(&p, s) && !matches(&q, s));
        if included {
            prop_assert_eq!(counterexample, None);
        } else {
            let w = a.difference(&b).unwrap().witness().unwrap();
            prop_assert!(matches(&p, &w) && !matches(&q, &w));
        }
        prop_assert_eq!(
            a.is_equivalent(&b).unwrap(),
            included && b.is_subset_of(&a).unwrap()
        );
        // Equal languages have equal minimal automata.
        if a.is_equivalent(&b).unwrap() {
            let alphabet = a.alphabet().union(b.alphabet());
            prop_assert_eq!(a.over_alphabet(&alphabet).complement().complement(), b.over_alphabet(&alphabet).complement().complement());
        }
    }

    #[test]
    fn sub_automaton_agrees_with_parser(
        parts in proptest::collection::vec(prop::sample::select(vec![
            "project_path", "ref_type", "ref", "branch", "tag", "mr", "a", "a/b", "a/b/c",
            "a//b", "/a", ".", "a..b", "@", "a@{b", "x.lock", "x.lock/y", ".x", "a/.b", "",
            "a b", "a~", "main", "v1.0", "job_project_id", "42", "042",
        ]), 0..8),
    ) {
        let sub = parts.join(":");
        for (components, language) in sub_languages() {
            prop_assert_eq!(
                language.contains(&sub),
                parse_sub(&sub, components).is_ok(),
                "{} under {:?}",
                sub,
                components
            );
        }
    }

    #[test]
    fn clauses_agree_with_direct_matching(
        values in proptest::collection::vec(
            "(project_path:)?(a|b|\\*|\\?){0,3}(/(a|\\*))?(:ref_type:)?(branch|tag|\\*)?(:ref:)?(main|\\*|a)?",
            1..3,
        ),
        project in "(a|b|ab)/(a|b)",
        ref_type in "branch|tag|mr",
        ref_name in "main|a|a/b|\\.x",
    ) {
        let grammar = default_grammar();
        let sub = format!("project_path:{project}:ref_type:{ref_type}:ref:{ref_name}");
        let valid = parse_sub(&sub, grammar.components()).is_ok();
        let any = values.iter().any(|p| matches(p, &sub));
        let like = grammar.clause(SubOperator::Like, &values, Bound::Upper).unwrap();
        prop_assert_eq!(like.contains(&sub), valid && any);
        let not_like = grammar.clause(SubOperator::NotLike, &values, Bound::Upper).unwrap();
        prop_assert_eq!(not_like.contains(&sub), valid && !any);
        let equals = grammar.clause(SubOperator::Equals, &values, Bound::Upper).unwrap();
        prop_assert_eq!(equals.contains(&sub), valid && values.iter().any(|v| v == &sub));
    }

}

proptest! {
    // Each case builds several sub languages: fewer cases keep the suite fast.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn namespace_reports_are_sound(
        pattern in "project_path:(a|b|/|\\*|\\?){0,5}(:ref_type:branch:ref:(main|\\*))?",
        project in "(a|b|ab)/(a|b)(/a)?",
    ) {
        let grammar = default_grammar();
        let parsed = Pattern::like(&pattern);
        let report = grammar.named_namespace(&parsed);
        let outside_example = grammar.outside_example(&parsed, Case::Sensitive).unwrap();
        if let Some(example) = &outside_example {
            prop_assert!(matches(&pattern, example));
            let claim = parse_sub(example, grammar.components()).unwrap();
            let path = claim.project_path.unwrap();
            if let Some(ns) = &report.namespace {
                let below = format!("{ns}/");
                prop_assert!(path != *ns && !path.starts_with(&below));
            }
        }
        // No outside example: no concrete sub outside the namespace matches.
        if let (None, Some(ns)) = (&outside_example, &report.namespace) {
            let sub = format!("project_path:{project}:ref_type:branch:ref:main");
            let outside = project != *ns && !project.starts_with(&format!("{ns}/"));
            prop_assert!(!(outside && matches(&pattern, &sub)), "{} matches {}", pattern, sub);
        }
    }
}
