use std::collections::BTreeMap;

use proptest::prelude::*;
use trustlint_parser::federation::gcp::cel::{self, EvalError, Val};
use trustlint_parser::federation::gcp::{Cel, Mapping, MappingEntry, Provider};
use trustlint_parser::spanned::Spanned;
use trustlint_parser::{FileId, Span};

use super::*;
use crate::analysis::claim_predicate::{tenancy, Tenancy, Token};
use crate::settings::Settings;

fn span() -> Span {
    Span::new(FileId(0), 0, 0)
}

fn provider(condition: Option<&str>, mapping: &[(&str, &str)]) -> Provider {
    Provider {
        label: "p".into(),
        name: Spanned::new(
            "projects/1/locations/global/workloadIdentityPools/w/providers/p".into(),
            span(),
        ),
        pool: None,
        issuer: Some(Spanned::new("https://gitlab.com".into(), span())),
        audiences: None,
        mapping: Mapping::Known(
            mapping
                .iter()
                .map(|(target, expr)| MappingEntry {
                    target: Spanned::new((*target).into(), span()),
                    expression: Cel::whole((*expr).into(), span()),
                })
                .collect(),
        ),
        condition: condition.map(|c| Cel::whole(c.into(), span())),
        null_condition: None,
        disabled: None,
        span: span(),
    }
}

/// The concrete CEL evaluation GCP does: each mapping evaluated on the token (an
/// attribute whose expression fails is not set), then the condition. `None` when the
/// evaluator does not support a part.
fn concrete(provider: &Provider, token: &Token) -> Option<bool> {
    let assertion: BTreeMap<String, Val> = token
        .claims()
        .map(|(k, v)| {
            let value = if k == "runner_id" {
                Val::Int(v.parse().unwrap_or(0))
            } else {
                Val::Str(v.to_owned())
            };
            (k.to_owned(), value)
        })
        .collect();
    let mut vars = BTreeMap::from([("assertion".to_owned(), Val::Map(assertion))]);
    let mut attributes = BTreeMap::new();
    let mut google = BTreeMap::new();
    if let Mapping::Known(entries) = &provider.mapping {
        for entry in entries {
            match cel::eval(&entry.expression.parse().ok()?, &vars) {
                Ok(value) => {
                    // A boolean mapped to an attribute is read as the string `"true"` /
                    // `"false"` (the translation's assumption, from GitLab's guide).
                    let value = match value {
                        Val::Bool(b) => Val::Str(b.to_string()),
                        other => other,
                    };
                    let target = &entry.target.value;
                    if let Some(name) = target.strip_prefix("attribute.") {
                        attributes.insert(name.to_owned(), value);
                    } else if let Some(name) = target.strip_prefix("google.") {
                        google.insert(name.to_owned(), value);
                    }
                }
                Err(EvalError::Unsupported(_)) => return None,
                Err(EvalError::Cel(_)) => {}
            }
        }
    }
    vars.insert("attribute".into(), Val::Map(attributes));
    vars.insert("google".into(), Val::Map(google));
    let Some(condition) = &provider.condition else {
        return Some(true);
    };
    match cel::eval(&condition.parse().ok()?, &vars) {
        Ok(Val::Bool(b)) => Some(b),
        Ok(_) | Err(EvalError::Cel(_)) => Some(false),
        Err(EvalError::Unsupported(_)) => None,
    }
}

fn admits(provider: &Provider) -> Predicate {
    Translator::new(provider).condition(provider).admits
}

#[test]
fn prefix_without_boundary_lets_another_group_in() {
    let settings = Settings::default();
    let p = provider(
        Some(r#"assertion.namespace_path.startsWith("acme")"#),
        &[("google.subject", "assertion.sub")],
    );
    let Tenancy::Open { witness, .. } = tenancy(&admits(&p), &settings) else {
        panic!("bound")
    };
    assert!(witness.project().is_some());
    let bounded = provider(
        Some(
            r#"assertion.namespace_path == "acme" || assertion.namespace_path.startsWith("acme/")"#,
        ),
        &[],
    );
    assert!(matches!(
        tenancy(&admits(&bounded), &settings),
        Tenancy::Bound { .. }
    ));
    let by_attribute = provider(
        Some("attribute.project_id == '42'"),
        &[("attribute.project_id", "assertion.project_id")],
    );
    assert!(matches!(
        tenancy(&admits(&by_attribute), &settings),
        Tenancy::Bound { .. }
    ));
}

#[test]
fn type_errors_and_unknowns() {
    let token = Token::new()
        .with("ref_protected", "true")
        .with("project_id", "42");
    let bool_compare = provider(Some("assertion.ref_protected == true"), &[]);
    assert_eq!(admits(&bool_compare).eval(&token), Some(false));
    let size = provider(Some("size(assertion.project_id) > 1"), &[]);
    assert_eq!(admits(&size).eval(&token), None);
    let unmapped = provider(Some("attribute.nope == 'x'"), &[]);
    assert_eq!(admits(&unmapped).eval(&token), None);
    let member = Translator::new(&bool_compare).member(
        "principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/w/*",
        span(),
    );
    assert!(matches!(member, Some(Predicate::Const(true))));
}

const CLAIMS: [&str; 5] = [
    "namespace_path",
    "project_id",
    "ref",
    "ref_protected",
    "runner_id",
];
const VALUES: [&str; 7] = [
    "acme",
    "acme/app",
    "acme-evil",
    "42",
    "true",
    "main",
    "false",
];

fn leaf() -> impl Strategy<Value = String> {
    let operand = prop_oneof![
        (0..CLAIMS.len()).prop_map(|i| format!("assertion.{}", CLAIMS[i])),
        (0..CLAIMS.len()).prop_map(|i| format!("string(assertion.{})", CLAIMS[i])),
        Just("attribute.a".to_owned()),
        Just("attribute.b".to_owned()),
        Just("google.subject".to_owned()),
    ];
    let value = (0..VALUES.len()).prop_map(|i| format!("'{}'", VALUES[i]));
    prop_oneof![
        (operand.clone(), value.clone()).prop_map(|(o, v)| format!("{o} == {v}")),
        (operand.clone(), value.clone()).prop_map(|(o, v)| format!("{o} != {v}")),
        (operand.clone(), value.clone(), 0..3usize).prop_map(|(o, v, m)| {
            let method = ["startsWith", "endsWith", "contains"][m];
            format!("{o}.{method}({v})")
        }),
        (operand.clone(), value.clone(), value).prop_map(|(o, a, b)| format!("{o} in [{a}, {b}]")),
        operand.clone().prop_map(|o| format!("{o} == true")),
        (0..CLAIMS.len()).prop_map(|i| format!("has(assertion.{})", CLAIMS[i])),
        Just("true".to_owned()),
        Just("false".to_owned()),
    ]
}

fn condition() -> impl Strategy<Value = String> {
    leaf().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} && {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} || {b})")),
            inner.clone().prop_map(|a| format!("!({a})")),
            (inner.clone(), inner.clone(), inner)
                .prop_map(|(a, b, c)| format!("({a} ? {b} : {c})")),
        ]
    })
}

fn mapping_expr() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..CLAIMS.len()).prop_map(|i| format!("assertion.{}", CLAIMS[i])),
        (0..CLAIMS.len()).prop_map(|i| format!("string(assertion.{})", CLAIMS[i])),
        (0..CLAIMS.len(), 0..VALUES.len()).prop_map(|(i, v)| format!(
            "assertion.{}.startsWith('{}') ? 'yes' : 'no'",
            CLAIMS[i], VALUES[v]
        )),
        (0..CLAIMS.len()).prop_map(|i| format!(
            "'prefix-' + 'x' + (assertion.{} == 'main' ? 'm' : 'o')",
            CLAIMS[i]
        )),
    ]
}

fn token() -> impl Strategy<Value = Token> {
    proptest::collection::vec(proptest::option::of(0..VALUES.len()), CLAIMS.len()).prop_map(
        |picks| {
            let mut token = Token::new();
            for (claim, pick) in CLAIMS.iter().zip(picks) {
                if let Some(v) = pick {
                    let value = if *claim == "runner_id" {
                        "42"
                    } else {
                        VALUES[v]
                    };
                    token = token.with(claim, value);
                }
            }
            token
        },
    )
}

proptest! {
    /// The translation agrees with a direct concrete CEL evaluation of the mapping and
    /// the condition on every sampled token (where the translation is exact).
    #[test]
    fn translation_agrees_with_concrete_cel(
        condition in condition(),
        a in mapping_expr(),
        b in mapping_expr(),
        subject in mapping_expr(),
        tokens in proptest::collection::vec(token(), 1..12),
    ) {
        let p = provider(
            Some(&condition),
            &[("google.subject", &subject), ("attribute.a", &a), ("attribute.b", &b)],
        );
        let predicate = admits(&p);
        for token in &tokens {
            let Some(expected) = concrete(&p, token) else { continue };
            if let Some(got) = predicate.eval(token) {
                prop_assert_eq!(got, expected, "{} on {:?}", condition, token);
            }
        }
    }
}
