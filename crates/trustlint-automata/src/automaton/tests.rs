//! Unit tests of the automata.

use super::*;

fn dfa(expr: &Expr) -> Dfa {
    Dfa::from_expr(expr).unwrap()
}

#[test]
fn merged_alphabets_read_each_character_as_each_side_does() {
    let cases = [
        ("", ""),
        ("ac", "b"),
        ("abc", "abc"),
        ("b", "acd"),
        ("x", ""),
    ];
    for (left, right) in cases {
        let (a, b) = (Alphabet::new(left.chars()), Alphabet::new(right.chars()));
        let (joint, symbols) = a.merge(&b);
        assert_eq!(joint, Alphabet::new(left.chars().chain(right.chars())));
        assert_eq!(symbols.len(), joint.width());
        for (symbol, &(mine, theirs)) in symbols.iter().enumerate() {
            match joint.chars().get(symbol) {
                Some(&c) => assert_eq!((mine, theirs), (a.symbol_of(c), b.symbol_of(c))),
                None => assert_eq!((mine, theirs), (a.other_symbol(), b.other_symbol())),
            }
        }
    }
}

/// An alphabet's characters sorted and deduplicated, controls read as one: what its
/// symbols are, however the alphabet finds them.
fn sorted_canonical(text: &str) -> Vec<char> {
    let mut chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_ascii_control() { '\0' } else { c })
        .collect();
    chars.sort_unstable();
    chars.dedup();
    chars
}

#[test]
fn symbols_are_positions_in_the_sorted_characters() {
    let texts = [
        "",
        "a",
        "zyxa",
        "\t\n\u{7f}:/",
        "\u{0}\u{7f}",
        "é~a\u{16A0}",
        "\u{16A0}\u{10FFFF}",
        "project_path:acme/app:ref_type:branch:ref:main",
    ];
    let probes = "\u{0}\u{1}\t a:/z~\u{7f}\u{80}é\u{16A0}\u{10FFFF}x";
    for text in texts {
        let alphabet = Alphabet::new(text.chars());
        let sorted = sorted_canonical(text);
        assert_eq!(alphabet.chars(), sorted.as_slice(), "{text:?}");
        for c in probes.chars().chain(text.chars()) {
            let c_canonical = if c.is_ascii_control() { '\0' } else { c };
            let expected = sorted.binary_search(&c_canonical).unwrap_or(sorted.len());
            assert_eq!(alphabet.symbol_of(c), expected, "{c:?} in {text:?}");
        }
        // An automaton over the alphabet reads ASCII by its own table, the same symbols.
        let dfa = Dfa::everything().over_alphabet(&alphabet);
        assert_eq!(dfa.alphabet(), &alphabet, "{text:?}");
        for c in probes
            .chars()
            .chain(text.chars())
            .chain((0u8..128).map(char::from))
        {
            assert_eq!(dfa.symbol_of(c), alphabet.symbol_of(c), "{c:?} in {text:?}");
        }
        assert_eq!(Alphabet::of_texts([text]), alphabet, "{text:?}");
        for other in texts {
            assert_eq!(
                Alphabet::of_texts([text, other]),
                Alphabet::new(text.chars().chain(other.chars())),
                "{text:?} and {other:?}"
            );
            let lacking = alphabet.lacking([other, probes]);
            let expected: Vec<char> = sorted_canonical(&format!("{other}{probes}"))
                .into_iter()
                .filter(|c| !sorted.contains(c))
                .collect();
            assert_eq!(
                lacking.chars(),
                expected.as_slice(),
                "{other:?} beside {text:?}"
            );
            assert_eq!(lacking, Alphabet::new(expected.iter().copied()));
            let joint = alphabet.union(&Alphabet::new(other.chars()));
            let both = format!("{text}{other}");
            assert_eq!(joint, Alphabet::new(both.chars()), "{text:?} ∪ {other:?}");
            assert_eq!(joint.chars(), sorted_canonical(&both).as_slice());
        }
        assert!(!sorted.contains(&alphabet.other_representative()));
    }
}

#[test]
fn minimisation_is_canonical() {
    let a = Expr::literal("a");
    let stars = dfa(&Expr::Star(Box::new(a.clone())));
    let doubled = dfa(&Expr::Star(Box::new(Expr::Alt(vec![
        a.clone(),
        Expr::Seq(vec![a.clone(), a.clone()]),
    ]))));
    assert_eq!(stars, doubled);
    assert_eq!(stars.state_count(), 2); // a* and the dead state for other characters
    let literal = dfa(&Expr::literal("abc"));
    assert_eq!(literal.state_count(), 5);
    // Suffix-sharing: "xab" | "yab" needs one state per distinct suffix.
    let shared = dfa(&Expr::one_of_strings(&["xab", "yab"]));
    assert_eq!(shared.state_count(), 5);
    let via_union = dfa(&Expr::literal("xab"))
        .union(&dfa(&Expr::literal("yab")))
        .unwrap();
    assert_eq!(shared, via_union);
}

#[test]
fn lists_finite_languages_only() {
    let three = dfa(&Expr::one_of_strings(&["main", "v1", "release"]));
    assert_eq!(
        three.finite_members(10),
        Some(vec![
            "main".to_owned(),
            "release".to_owned(),
            "v1".to_owned()
        ])
    );
    assert_eq!(three.finite_members(2), None);
    assert_eq!(dfa(&Expr::Nothing).finite_members(1), Some(Vec::new()));
    assert_eq!(
        dfa(&Expr::Empty).finite_members(1),
        Some(vec![String::new()])
    );
    let star = dfa(&Expr::Seq(vec![Expr::literal("v"), Expr::any_string()]));
    assert_eq!(star.finite_members(100), None);
    let any_one = dfa(&Expr::Seq(vec![Expr::literal("v"), Expr::any_char()]));
    assert_eq!(any_one.finite_members(100), None);
    assert!(three.is_finite() && dfa(&Expr::Nothing).is_finite());
    assert!(dfa(&Expr::Empty).is_finite());
    assert!(!star.is_finite() && !any_one.is_finite());
    let loop_then_dead = three.union(&star).unwrap();
    assert!(!loop_then_dead.is_finite());
    // A cycle that cannot reach acceptance does not make the language infinite.
    let dead_cycle = three.intersection(&dfa(&Expr::any_string())).unwrap();
    assert!(dead_cycle.is_finite());
}

#[test]
fn literal_and_any() {
    let abc = Dfa::literal("abc").unwrap();
    assert!(abc.contains("abc"));
    assert!(!abc.contains("ab"));
    assert!(!abc.contains("abcd"));
    assert!(!abc.contains("abx"));
    assert_eq!(abc.witness().as_deref(), Some("abc"));
    assert!(Dfa::everything().is_universal());
    assert!(Dfa::nothing().is_empty());
    assert_eq!(Dfa::everything().witness().as_deref(), Some(""));
}

#[test]
fn classes_and_other() {
    let no_colon = dfa(&Expr::plus(Expr::Class(CharClass::none_of([':']))));
    assert!(no_colon.contains("abc/é"));
    assert!(!no_colon.contains("a:b"));
    assert!(!no_colon.contains(""));
    assert_eq!(no_colon.witness().as_deref(), Some("x"));
    let x_free = dfa(&Expr::Seq(vec![
        Expr::literal("x"),
        Expr::Class(CharClass::none_of(['x'])),
    ]));
    assert_eq!(x_free.witness().as_deref(), Some("xy"));
}

#[test]
fn boolean_algebra() {
    let a_star = dfa(&Expr::Seq(vec![Expr::literal("a"), Expr::any_string()]));
    let star_b = dfa(&Expr::Seq(vec![Expr::any_string(), Expr::literal("b")]));
    let both = a_star.intersection(&star_b).unwrap();
    assert!(both.contains("ab"));
    assert!(both.contains("a::b"));
    assert!(!both.contains("a"));
    assert_eq!(both.witness().as_deref(), Some("ab"));
    let either = a_star.union(&star_b).unwrap();
    assert!(either.contains("a") && either.contains("b") && !either.contains("x"));
    let diff = a_star.difference(&star_b).unwrap();
    assert!(diff.contains("a") && !diff.contains("ab"));
    assert!(both.is_subset_of(&a_star).unwrap());
    assert!(!a_star.is_subset_of(&both).unwrap());
    let again = a_star.complement().complement();
    assert_eq!(again, a_star);
    assert!(a_star.is_equivalent(&again).unwrap());
    let cat = Dfa::literal("a").unwrap().concat(&star_b).unwrap();
    assert!(cat.contains("ab") && cat.contains("axb") && !cat.contains("b"));
}

#[test]
fn minimal_canonical_form() {
    let one = dfa(&Expr::Alt(vec![Expr::literal("ab"), Expr::literal("ab")]));
    let two = Dfa::literal("ab").unwrap();
    assert_eq!(one, two);
    // start, after a, after ab, dead
    assert_eq!(two.state_count(), 4);
}

#[test]
fn field_projection() {
    let lang = dfa(&Expr::Alt(vec![
        Expr::literal("p:acme/x:r:main"),
        Expr::literal("p:other/y:r:dev"),
    ]));
    let second = lang.field_values(':', 1).unwrap();
    assert!(second.contains("acme/x") && second.contains("other/y"));
    assert!(!second.contains("acme") && !second.contains("main"));
    let last = lang.field_values(':', 3).unwrap();
    assert!(last.contains("main") && last.contains("dev") && !last.contains("r"));
    assert!(lang.field_values(':', 4).unwrap().is_empty());
}

#[test]
fn field_replacement() {
    let lang = Dfa::literal("p:a:t:tag:r:main").unwrap();
    let replaced = lang.with_field_replaced(':', 3, "tag").unwrap();
    assert!(replaced.contains("p:a:t:branch:r:main"));
    assert!(replaced.contains("p:a:t::r:main"));
    assert!(!replaced.contains("p:b:t:branch:r:main"));
    assert!(!replaced.contains("p:a:t:branch:r:dev"));
    let last = Dfa::literal("a:b")
        .unwrap()
        .with_field_replaced(':', 1, "b")
        .unwrap();
    assert!(last.contains("a:zz") && !last.contains("a") && !last.contains("a:b:c"));
}

#[test]
fn too_complex_is_reported() {
    // "the 15th character from the end is `a`" needs 2^15 states.
    let mut parts = vec![Expr::any_string(), Expr::literal("a")];
    parts.extend((0..14).map(|_| Expr::any_char()));
    let result = Dfa::from_expr(&Expr::Seq(parts));
    assert!(matches!(result, Err(AutomatonError::TooComplex { .. })));
}

#[test]
fn remembered_witnesses_are_those_searched_afresh() {
    use crate::glob::{Case, Pattern, VariableApprox};
    // Subs of one project and ref type, and of any path and ref.
    let subs = Expr::Alt(vec![
        Pattern::like("p:a/b:t:branch:r:*").to_expr(Case::Sensitive, VariableApprox::AnyString),
        Pattern::like("p:*/*:t:*:r:*").to_expr(Case::Sensitive, VariableApprox::AnyString),
        Expr::Seq(vec![
            Expr::literal("p:"),
            Expr::Class(CharClass::none_of(['x', ':'])),
            Expr::literal(":t:tag:r:v"),
        ]),
    ]);
    let remembering = dfa(&subs);
    let searches: [(&str, &[&str]); 7] = [
        ("p:a/b:t:branch:r:", &["p:a/b:t:branch:r:feature/"]),
        ("p:a/b:t:branch:r:", &[]),
        ("p:", &["p:a", "p:b/", "p:x"]),
        ("p:", &["p:"]),
        ("p:q", &["p:q/", "p:q:", "p:r"]),
        (
            "p:",
            &["p:a", "p:b", "p:c", "p:d", "p:x", "p:y", "p:z", "p:/"],
        ),
        ("", &["p:a"]),
    ];
    // Alphabets the callers' languages are over: none, the representatives, others.
    let alphabets = [
        Alphabet::default(),
        Alphabet::new("xyz".chars()),
        Alphabet::new("abxyzqwkvj/:".chars()),
        Alphabet::new("é0".chars()),
    ];
    for _ in 0..2 {
        for (start, excluded) in searches {
            for alphabet in &alphabets {
                let afresh = remembering
                    .clone()
                    .witness_starting_with(start, excluded, alphabet);
                assert_eq!(
                    remembering.witness_starting_with(start, excluded, alphabet),
                    afresh,
                    "{start:?} without {excluded:?} over {alphabet:?}"
                );
                let from = remembering.state_after(0, start);
                let representative = alphabet
                    .union(remembering.alphabet())
                    .other_representative();
                assert_eq!(
                    remembering.witness_from(from, representative),
                    remembering.clone().witness_from(from, representative),
                    "{start:?} over {alphabet:?}"
                );
            }
        }
    }
}
