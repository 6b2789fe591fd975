//! The claims model against AWS's own evaluation: for random trust statements over the
//! `gitlab.com` provider's keys (`sub`, `aud`, `project_id`, `namespace_id`,
//! `ref_protected`, and keys AWS never fills), what the grant analysis concludes — the
//! `sub` language, the ids pinned, `protected_only`, "denies every token" — decides,
//! for sampled concrete tokens, exactly what the condition evaluator decides on the whole
//! statement with every key the token carries in the request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use proptest::prelude::*;
use trustlint_parser::input::{self, Content, Discovery, InputKind, Workspace};
use trustlint_parser::{FileId, Limits, SourceFile};
use trustlint_rules::analysis::aws_party::{AwsTrust, TrustTerms};
use trustlint_rules::analysis::claim_predicate::Token as Claims;
use trustlint_rules::analysis::condition_eval::{
    decide, evaluate_block, Decision, RequestContext, Truth,
};
use trustlint_rules::analysis::glob::VariableSyntax;
use trustlint_rules::analysis::grants::GrantAnalysis;
use trustlint_rules::analysis::relying_party::RelyingParty;
use trustlint_rules::{Context, Settings};

const PROVIDER: &str = "arn:aws:iam::210987654321:oidc-provider/gitlab.com";

/// One concrete token: the claims AWS puts in the request for `gitlab.com`.
#[derive(Debug, Clone)]
struct Token {
    project: &'static str,
    project_id: &'static str,
    namespace_id: &'static str,
    ref_name: &'static str,
    ref_protected: &'static str,
}

impl Token {
    fn sub(&self) -> String {
        format!(
            "project_path:{}:ref_type:branch:ref:{}",
            self.project, self.ref_name
        )
    }

    /// The request AWS evaluates: the keys it fills for `gitlab.com` (never
    /// `project_path` or `ref`).
    /// An empty `namespace_id` is a token without the claim (another issuer's, or a
    /// request without the key), to test the absent-key semantics.
    fn request(&self) -> RequestContext {
        let request = RequestContext::new()
            .with("gitlab.com:aud", "https://gitlab.com")
            .with("gitlab.com:sub", &self.sub())
            .with("gitlab.com:project_id", self.project_id)
            .with("gitlab.com:ref_protected", self.ref_protected);
        if self.namespace_id.is_empty() {
            request
        } else {
            request.with("gitlab.com:namespace_id", self.namespace_id)
        }
    }
}

impl Token {
    /// The token as the claims engine reads it (the claims AWS fills, by claim name).
    fn claims(&self) -> Claims {
        let claims = Claims::new()
            .with("aud", "https://gitlab.com")
            .with("sub", &self.sub())
            .with("project_id", self.project_id)
            .with("ref_protected", self.ref_protected);
        if self.namespace_id.is_empty() {
            claims
        } else {
            claims.with("namespace_id", self.namespace_id)
        }
    }
}

fn token_strategy() -> impl Strategy<Value = Token> {
    (
        prop::sample::select(vec![
            ("acme/web", "1", "10"),
            ("acme/api", "2", "10"),
            ("evil/web", "3", "30"),
        ]),
        prop::sample::select(vec!["main", "feature", "v1"]),
        prop::sample::select(vec!["true", "false"]),
    )
        .prop_map(
            |((project, project_id, namespace_id), ref_name, ref_protected)| Token {
                project,
                project_id,
                namespace_id,
                ref_name,
                ref_protected,
            },
        )
}

/// One condition of the generated statement: `(operator, key, values)`.
fn condition_strategy() -> impl Strategy<Value = (&'static str, &'static str, Vec<&'static str>)> {
    prop_oneof![
        (
            prop::sample::select(vec!["StringEquals", "StringLike", "StringNotLike"]),
            prop::collection::vec(
                prop::sample::select(vec![
                    "project_path:acme/web:ref_type:branch:ref:main",
                    "project_path:acme/*:ref_type:branch:ref:*",
                    "project_path:acme/web:ref_type:branch:ref:*",
                    "*:ref:feature",
                    "*",
                ]),
                1..3
            )
        )
            .prop_map(|(op, values)| (op, "gitlab.com:sub", values)),
        (
            prop::sample::select(vec!["StringEquals", "StringEqualsIfExists"]),
            prop::collection::vec(prop::sample::select(vec!["1", "2", "3"]), 1..3),
        )
            .prop_map(|(op, values)| (op, "gitlab.com:project_id", values)),
        prop::collection::vec(prop::sample::select(vec!["10", "30"]), 1..2).prop_map(|values| (
            "StringEquals",
            "gitlab.com:namespace_id",
            values
        )),
        Just(("StringLike", "gitlab.com:project_id", vec!["*"])),
        Just(("StringEquals", "gitlab.com:ref_protected", vec!["true"])),
        prop::sample::select(vec![
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIfExists"
        ])
        .prop_map(|op| (op, "gitlab.com:project_path", vec!["acme/web"])),
    ]
}

/// Conditions beyond what the grant analysis reads exactly: negations, case folding,
/// `Null`, `Bool`, set qualifiers and keys AWS never fills.
fn any_condition_strategy() -> impl Strategy<Value = (&'static str, &'static str, Vec<&'static str>)>
{
    prop_oneof![
        condition_strategy(),
        (
            prop::sample::select(vec![
                "StringNotEquals",
                "StringEqualsIgnoreCase",
                "StringNotLikeIfExists",
                "ForAnyValue:StringLike",
                "ForAllValues:StringEquals",
                "ForAnyValue:StringNotEquals",
            ]),
            prop::sample::select(vec![
                "gitlab.com:sub",
                "gitlab.com:project_id",
                "gitlab.com:ref",
                "gitlab.com:ref_protected",
                "gitlab.com:namespace_id",
            ]),
            prop::collection::vec(
                prop::sample::select(vec![
                    "1",
                    "10",
                    "TRUE",
                    "true",
                    "project_path:acme/*",
                    "main"
                ]),
                1..3
            ),
        ),
        (
            Just("Null"),
            prop::sample::select(vec!["gitlab.com:namespace_id", "gitlab.com:project_path"]),
            prop::sample::select(vec![vec!["true"], vec!["false"]]),
        ),
        Just(("Bool", "gitlab.com:ref_protected", vec!["TRUE"])),
    ]
}

/// The trust policy with one `Allow` statement holding `conditions` and `aud`, grouped
/// into one block per operator (a key appears once per operator).
fn policy(conditions: &[(&str, &str, Vec<&str>)]) -> String {
    policy_with_deny(conditions, &[])
}

/// [`policy`] with a `Deny` statement for the same provider holding `deny` (none when
/// empty).
fn policy_with_deny(
    conditions: &[(&str, &str, Vec<&str>)],
    deny: &[(&str, &str, Vec<&str>)],
) -> String {
    let allow = statement("Allow", conditions, true);
    let deny = if deny.is_empty() {
        String::new()
    } else {
        format!(", {}", statement("Deny", deny, false))
    };
    format!(r#"{{"Version": "2012-10-17", "Statement": [{allow}{deny}]}}"#)
}

fn statement(effect: &str, conditions: &[(&str, &str, Vec<&str>)], with_aud: bool) -> String {
    let mut blocks: Vec<(&str, Vec<String>)> = Vec::new();
    if with_aud {
        blocks.push((
            "StringEquals",
            vec!["\"gitlab.com:aud\": \"https://gitlab.com\"".to_owned()],
        ));
    }
    for (operator, key, values) in conditions {
        let values: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
        let entry = format!("\"{key}\": [{}]", values.join(", "));
        match blocks.iter_mut().find(|(op, _)| op == operator) {
            Some((_, entries)) => {
                if !entries.iter().any(|e| e.starts_with(&format!("\"{key}\""))) {
                    entries.push(entry);
                }
            }
            None => blocks.push((operator, vec![entry])),
        }
    }
    let blocks: Vec<String> = blocks
        .iter()
        .map(|(operator, entries)| format!("\"{operator}\": {{{}}}", entries.join(", ")))
        .collect();
    format!(
        r#"{{"Effect": "{effect}", "Principal": {{"Federated": "{PROVIDER}"}}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {{{}}}}}"#,
        blocks.join(", ")
    )
}

/// What the grant analysis decides for `token`: the `sub` language, then the pins.
fn symbolic(analysis: &GrantAnalysis<'_>, token: &Token) -> Option<bool> {
    let subs = analysis.exact_subs()?;
    let pins = &analysis.pins;
    if pins.denies_every_token() {
        return Some(false);
    }
    let pinned = pins.tenant.iter().all(|pin| {
        let id = if pin.claim == "project_id" {
            token.project_id
        } else {
            token.namespace_id
        };
        pin.ids.contains(id)
    });
    let protected = !pins.protected_only || token.ref_protected == "true";
    Some(subs.contains(&token.sub()) && pinned && protected)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_grant_analysis_decides_what_aws_decides(
        conditions in prop::collection::vec(condition_strategy(), 0..4),
        tokens in prop::collection::vec(token_strategy(), 8),
    ) {
        let text = policy(&conditions);
        let file = SourceFile::new(FileId(0), PathBuf::from("trust.json"), text.as_str());
        let document = input::load(&file, Some(InputKind::IamPolicy), Discovery::Named, &Limits::default()).unwrap();
        let mut workspace = Workspace::default();
        workspace.sources.push(file);
        workspace.documents.push(document);
        let settings = Settings::default();
        let cx = Context::new(&workspace, &settings);
        let Content::IamPolicy(policy) = &workspace.documents[0].content else {
            panic!("not a policy: {text}");
        };
        let analyses = cx.grant_analyses(policy);
        prop_assert_eq!(analyses.len(), 1, "{}", text);
        let analysis = &analyses[0];
        // Every statement generated is exact: only string comparisons, no variable.
        prop_assert!(analysis.exact_subs().is_some(), "{}", text);
        for token in &tokens {
            let answer = symbolic(analysis, token).unwrap();
            let statements = policy
                .statements
                .iter()
                .filter_map(|s| Some((s.effect.as_ref()?.value, s.conditions.as_slice())));
            let aws = decide(statements, &token.request(), VariableSyntax::Substituted);
            let allowed = aws == Decision::Allow;
            prop_assert_eq!(answer, allowed, "{} for {:?} (sub {})", text, token, token.sub());
        }
    }

    #[test]
    fn the_trust_predicate_decides_what_aws_decides(
        conditions in prop::collection::vec(any_condition_strategy(), 0..4),
        deny in prop::collection::vec(any_condition_strategy(), 0..2),
        tokens in prop::collection::vec(
            (token_strategy(), any::<bool>()).prop_map(|(mut token, drop)| {
                if drop {
                    token.namespace_id = "";
                }
                token
            }),
            8,
        ),
    ) {
        let text = policy_with_deny(&conditions, &deny);
        let file = SourceFile::new(FileId(0), PathBuf::from("trust.json"), text.as_str());
        let document = input::load(&file, Some(InputKind::IamPolicy), Discovery::Named, &Limits::default()).unwrap();
        let Content::IamPolicy(policy) = &document.content else {
            panic!("not a policy: {text}");
        };
        let settings = Settings::default();
        let audiences = ["https://gitlab.com".to_owned()];
        let span = policy.statements[0].span;
        let terms = TrustTerms::new(Some(policy), None, span, Some(&audiences), &settings);
        let trust = AwsTrust::new(std::sync::Arc::new(terms), span);
        for token in &tokens {
            // Allowed = some Allow holds and no Deny does, in Kleene's logic (a Deny that
            // may hold and an Allow that doesn't is still no access: `decide` calls it
            // unknown only because it can't tell an explicit deny from an implicit one).
            let mut allow = Truth::False;
            let mut deny = Truth::False;
            for statement in &policy.statements {
                let holds = evaluate_block(&statement.conditions, &token.request(), VariableSyntax::Substituted);
                if statement.is_deny() {
                    deny = deny.or(holds);
                } else {
                    allow = allow.or(holds);
                }
            }
            let aws = match allow.and(!deny) {
                Truth::True => Some(true),
                Truth::False => Some(false),
                Truth::Unknown => None,
            };
            let engine = trust.predicate().eval(&token.claims());
            prop_assert_eq!(engine, aws, "{} for {:?} (sub {})", text, token, token.sub());
        }
    }
}
