//! The role predicate against a concrete login written from `claims.go` and
//! `path_login.go` on sampled roles and tokens.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use trustlint_parser::federation::vault::{
    BoundClaim, BoundClaims, Origin, Role, Scalar, ScalarKind,
};
use trustlint_parser::{FileId, Span};

use super::*;
use crate::analysis::claim_predicate::Token;

/// `github.com/ryanuber/go-glob`'s `Glob`: `*` is the only wildcard.
fn go_glob(pattern: &str, subject: &str) -> bool {
    if pattern.is_empty() {
        return subject.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return subject == pattern;
    }
    let leading = pattern.starts_with('*');
    let trailing = pattern.ends_with('*');
    let end = parts.len() - 1;
    let mut rest = subject;
    for (i, part) in parts.iter().enumerate().take(end) {
        let Some(idx) = rest.find(part) else {
            return false;
        };
        if i == 0 && !leading && idx != 0 {
            return false;
        }
        rest = &rest[idx + part.len()..];
    }
    trailing || rest.ends_with(parts[end])
}

/// Vault's role write check and login on a token whose claims are all strings:
/// `createIdentity`, then `validateBoundClaims` (audiences aside).
fn vault_admits(role: &Role, token: &Token) -> bool {
    let Some(user_claim) = &role.user_claim else {
        return false;
    };
    if token.get(&user_claim.text).is_none() {
        return false;
    }
    if let Some(subject) = &role.bound_subject {
        if token.get("sub") != Some(subject.text.as_str()) {
            return false;
        }
    }
    let glob = is_glob(role);
    // `path_role.go`: in glob mode a role with a non-string bound value is never written.
    if glob
        && role
            .bound_claims
            .iter()
            .flat_map(|c| &c.claims)
            .flat_map(|e| &e.values)
            .any(|v| v.kind != ScalarKind::String)
    {
        return false;
    }
    for entry in role.bound_claims.iter().flat_map(|c| &c.claims) {
        let Some(actual) = token.get(claim_name(&entry.claim.text)) else {
            return false;
        };
        let mut found = false;
        for expected in &entry.values {
            if glob {
                if expected.kind != ScalarKind::String {
                    return false; // "received claim is not a glob string"
                }
                if go_glob(&expected.text, actual) {
                    found = true;
                    break;
                }
            } else if expected.kind == ScalarKind::String && expected.text == actual {
                // A bool or json.Number never equals a string.
                found = true;
                break;
            }
        }
        if !found {
            return false;
        }
    }
    true
}

fn span() -> Span {
    Span::new(FileId(0), 0, 0)
}

fn value(text: &str, kind: ScalarKind) -> Scalar {
    Scalar::new(text, kind, span())
}

const CLAIMS: [&str; 4] = ["project_path", "ref", "ref_protected", "namespace_id"];
const TEXTS: [&str; 8] = ["g/p", "g/p/q", "main", "true", "1", "*", "g/*", "ma*n"];

fn role_strategy() -> impl Strategy<Value = Role> {
    let entry = (
        0..CLAIMS.len(),
        proptest::collection::vec((0..TEXTS.len(), 0..3u8), 0..3),
    );
    (
        proptest::collection::vec(entry, 0..3),
        any::<bool>(),
        proptest::option::of(0..TEXTS.len()),
    )
        .prop_map(|(entries, glob, subject)| Role {
            span: span(),
            origin: Origin::Command,
            path: None,
            name: None,
            role_type: Some(value("jwt", ScalarKind::String)),
            bound_audiences: None,
            bound_subject: subject.map(|s| value(TEXTS[s], ScalarKind::String)),
            bound_claims_type: glob.then(|| value("glob", ScalarKind::String)),
            bound_claims: Some(BoundClaims {
                span: span(),
                claims: entries
                    .into_iter()
                    .map(|(claim, values)| BoundClaim {
                        claim: value(CLAIMS[claim], ScalarKind::String),
                        values: values
                            .into_iter()
                            .map(|(text, kind)| {
                                let kind = match kind {
                                    0 => ScalarKind::String,
                                    1 => ScalarKind::Bool,
                                    _ => ScalarKind::Number,
                                };
                                value(TEXTS[text], kind)
                            })
                            .collect(),
                        span: span(),
                        malformed: false,
                    })
                    .collect(),
                unknown: false,
                insert_at: None,
            }),
            user_claim: Some(value("project_path", ScalarKind::String)),
            user_claim_json_pointer: false,
            claim_mappings: Vec::new(),
            token_policies: None,
            insert_at: None,
        })
}

fn token_strategy() -> impl Strategy<Value = Token> {
    proptest::collection::vec(proptest::option::of(0..TEXTS.len()), CLAIMS.len() + 1).prop_map(
        |values| {
            let mut token = Token::new();
            for (i, value) in values.iter().enumerate() {
                if let Some(v) = value {
                    let claim = CLAIMS.get(i).copied().unwrap_or("sub");
                    token.set(claim, TEXTS[*v].to_owned());
                }
            }
            token
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn predicate_agrees_with_vaults_login(role in role_strategy(), token in token_strategy()) {
        let predicate = role_predicate(&role);
        prop_assert_eq!(predicate.eval(&token), Some(vault_admits(&role, &token)));
    }

    #[test]
    fn star_glob_is_go_glob(pattern in "[ab*/]{0,6}", subject in "[ab/]{0,6}") {
        let values = Values::star_glob(&pattern).unwrap();
        prop_assert_eq!(values.matches(&subject), go_glob(&pattern, &subject));
    }
}

#[test]
fn glob_crosses_slashes_and_string_mode_is_typed() {
    let mut role = role_strategy()
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .unwrap()
        .current();
    role.bound_subject = None;
    role.bound_claims_type = Some(value("glob", ScalarKind::String));
    role.bound_claims = Some(BoundClaims {
        span: span(),
        claims: vec![BoundClaim {
            claim: value("project_path", ScalarKind::String),
            values: vec![value("group/*", ScalarKind::String)],
            span: span(),
            malformed: false,
        }],
        unknown: false,
        insert_at: None,
    });
    let deep = Token::new().with("project_path", "group/sub/deep");
    assert_eq!(role_predicate(&role).eval(&deep), Some(true));
    role.bound_claims_type = None;
    if let Some(claims) = &mut role.bound_claims {
        claims.claims[0].values = vec![value("true", ScalarKind::Bool)];
        claims.claims[0].claim = value("/ref_protected", ScalarKind::String);
    }
    let protected = Token::new()
        .with("project_path", "g/p")
        .with("ref_protected", "true");
    assert_eq!(role_predicate(&role).eval(&protected), Some(false));
}
