//! The claims engine against brute force: for random predicates over a few claims and a
//! finite space of tokens (each claim a small set of values, or absent), the symbolic
//! answers agree with evaluating the predicate on every token of the space —
//! `satisfying` finds a witness exactly when some token satisfies the predicate (and the
//! witness does); `tenancy` says "bound" only when no admitted token stays admitted once
//! it comes from another project, and "open" with a witness the predicate admits; and
//! concrete evaluation of a negation is the negation of the evaluation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use trustlint_parser::{FileId, Span};
use trustlint_rules::analysis::automaton::{Dfa, Expr};
use trustlint_rules::analysis::claim_predicate::{
    satisfying, tenancy, ClaimSpace, Predicate, Satisfiable, Tenancy, Token, Values,
};
use trustlint_rules::Settings;

/// The claims of the sampled space and the values each takes (`None`: absent).
const SPACE: [(&str, &[Option<&str>]); 4] = [
    (
        "project_path",
        &[Some("grp/app"), Some("grp-evil/app"), Some("other/grp/x")],
    ),
    ("ref", &[Some("main"), Some("feature/x")]),
    ("ref_protected", &[Some("true"), Some("false")]),
    ("environment", &[Some("production"), None]),
];

/// The texts tests compare with.
const WORDS: [&str; 7] = [
    "grp",
    "grp/",
    "grp/app",
    "main",
    "true",
    "production",
    "feature",
];

fn span() -> Span {
    Span::new(FileId(0), 0, 0)
}

fn values(kind: u8, word: &str) -> Option<Values> {
    match kind % 6 {
        0 => Values::equals(&[word]),
        1 => Values::prefix(word),
        2 => Values::suffix(word),
        3 => Values::contains(word),
        4 => Values::star_glob(&format!("{word}*")),
        _ => Some(Values::Present),
    }
}

fn predicate() -> impl Strategy<Value = Predicate> {
    let leaf = (0..SPACE.len(), any::<u8>(), 0..WORDS.len()).prop_map(|(claim, kind, word)| {
        Predicate::test(SPACE[claim].0, values(kind, WORDS[word]), span())
    });
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(Predicate::and),
            prop::collection::vec(inner.clone(), 1..3).prop_map(Predicate::or),
            inner.prop_map(Predicate::not),
        ]
    })
}

/// The space as the engine sees it.
fn claim_space() -> ClaimSpace {
    let mut space = ClaimSpace::default();
    for (claim, values) in SPACE {
        let present: Vec<&str> = values.iter().flatten().copied().collect();
        let dfa = Dfa::from_expr(&Expr::one_of_strings(&present)).unwrap();
        space.set(claim, dfa);
    }
    space
}

/// Every token of the space (the environment present or not).
fn tokens() -> Vec<Token> {
    let mut out = vec![Token::new()];
    for (claim, values) in SPACE {
        out = out
            .into_iter()
            .flat_map(|token| {
                values.iter().map(move |value| match value {
                    Some(value) => token.clone().with(claim, value),
                    None => token.clone(),
                })
            })
            .collect();
    }
    out
}

/// The engine's space split by whether `environment` is present (a [`ClaimSpace`] says
/// "present with these values" or "absent" per claim, not both).
fn spaces() -> Vec<(ClaimSpace, bool)> {
    let present = claim_space();
    let mut absent = claim_space();
    absent.absent("environment");
    vec![(present, true), (absent, false)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn satisfying_agrees_with_brute_force(predicate in predicate()) {
        let all = tokens();
        for (space, environment) in spaces() {
            let some = all
                .iter()
                .filter(|t| t.get("environment").is_some() == environment)
                .find(|t| predicate.eval(t) == Some(true));
            match satisfying(&predicate, &space) {
                Satisfiable::Yes(witness) => {
                    prop_assert_eq!(predicate.eval(&witness), Some(true), "{:?}", witness);
                    prop_assert!(some.is_some(), "witness {:?} outside the space", witness);
                }
                Satisfiable::No => prop_assert!(some.is_none(), "missed {:?}", some),
                Satisfiable::Unknown(..) => prop_assert!(false, "no unknown part"),
            }
        }
    }

    #[test]
    fn negation_negates(predicate in predicate()) {
        for token in tokens() {
            let not = Predicate::not(predicate.clone());
            prop_assert_eq!(not.eval(&token), predicate.eval(&token).map(|v| !v));
        }
    }

    #[test]
    fn tenancy_agrees_with_an_intruder(predicate in predicate()) {
        match tenancy(&predicate, &Settings::default()) {
            Tenancy::Bound { .. } => {
                // No admitted token stays admitted once it comes from another project.
                for token in tokens().into_iter().filter(|t| predicate.eval(t) == Some(true)) {
                    let intruder = token.clone().with("project_path", "intruder/app");
                    prop_assert_ne!(predicate.eval(&intruder), Some(true), "{:?}", token);
                }
            }
            Tenancy::Open { witness, .. } => {
                prop_assert_eq!(predicate.eval(&witness), Some(true), "{:?}", witness);
            }
            Tenancy::Unknown(..) => prop_assert!(false, "no unknown part"),
        }
    }
}
