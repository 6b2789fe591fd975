use proptest::prelude::*;
use trustlint_parser::embedded::OffsetMap;
use trustlint_parser::federation::azure::{expression, ClaimsExpression, Credential, Origin};
use trustlint_parser::spanned::Spanned;
use trustlint_parser::{FileId, Span};

use super::*;
use crate::analysis::claim_predicate::Token;

fn span() -> Span {
    Span::new(FileId(0), 0, 0)
}

fn flexible(text: &str) -> Credential {
    Credential {
        origin: Origin::Graph,
        holder: None,
        name: None,
        issuer: Some(Spanned::new("https://gitlab.com".into(), span())),
        subject: None,
        audiences: None,
        expression: Some(ClaimsExpression {
            value: Spanned::new(text.into(), span()),
            map: OffsetMap::whole(span()),
            language_version: None,
        }),
        repeated: false,
        span: span(),
    }
}

#[test]
fn standard_subjects_are_exact() {
    let mut credential = flexible("");
    credential.expression = None;
    credential.subject = Some(Spanned::new(
        "project_path:g/p:ref_type:branch:ref:*".into(),
        span(),
    ));
    let predicate = predicate(&credential);
    let token = |sub: &str| Token::new().with("sub", sub);
    assert_eq!(
        predicate.eval(&token("project_path:g/p:ref_type:branch:ref:*")),
        Some(true)
    );
    assert_eq!(
        predicate.eval(&token("project_path:g/p:ref_type:branch:ref:main")),
        Some(false)
    );
}

#[test]
fn unsupported_clauses_and_broken_expressions_are_unknown() {
    for text in [
        "claims['ref'] eq 'main'",
        "claims['project_id'] matches '1*'",
        "claims['sub'] == 'x'",
    ] {
        let predicate = predicate(&flexible(text));
        assert_eq!(
            predicate.eval(&Token::new().with("sub", "x").with("ref", "main")),
            None,
            "{text}"
        );
    }
}

fn token_strategy() -> impl Strategy<Value = Token> {
    (
        proptest::option::of("project_(path|id):[ab/]{1,4}:ref_type:(branch|tag):ref:[ab]{0,3}"),
        proptest::option::of("[12]{1,2}"),
        proptest::option::of("[12]{1,2}"),
    )
        .prop_map(|(sub, project, namespace)| {
            let mut token = Token::new();
            for (claim, value) in [
                ("sub", sub),
                ("project_id", project),
                ("namespace_id", namespace),
            ] {
                if let Some(value) = value {
                    token.set(claim, value);
                }
            }
            token
        })
}

fn expression_strategy() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            "[ab/:*?]{0,6}".prop_map(|c| format!("claims['sub'] matches 'project_path:{c}'")),
            "[ab/:]{0,6}".prop_map(|c| format!("claims['sub'] eq 'project_path:{c}'")),
            "[12]{1,2}".prop_map(|c| format!("claims['project_id'] eq '{c}'")),
            "[12]{1,2}".prop_map(|c| format!("claims['namespace_id'] eq '{c}'")),
        ],
        1..4,
    )
    .prop_map(|clauses| clauses.join(" and "))
}

proptest! {
    /// The predicate (the engine's symbolic form) and Microsoft's rules applied directly
    /// to the token (`Expression::admits`) agree on every sampled token.
    #[test]
    fn predicate_agrees_with_microsofts_matching(text in expression_strategy(), token in token_strategy()) {
        let expression = expression::parse(&text).unwrap();
        let direct = expression.admits(&|claim| token.get(claim).map(str::to_owned));
        prop_assert_eq!(predicate(&flexible(&text)).eval(&token), Some(direct));
    }
}

#[test]
fn scopes_and_roles() {
    assert_eq!(
        broad_scope("/subscriptions/abc"),
        Some("a whole subscription")
    );
    assert_eq!(broad_scope("/subscriptions/abc/resourceGroups/rg"), None);
    assert_eq!(
        broad_scope("/providers/Microsoft.Management/managementGroups/root"),
        Some("a management group")
    );
    assert_eq!(broad_scope("/"), Some("the tenant root"));
}
