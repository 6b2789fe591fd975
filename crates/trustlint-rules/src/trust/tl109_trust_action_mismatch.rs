//! TL109 trust-action-mismatch: an `Allow` for an OIDC `Federated` principal whose
//! actions are not exactly `sts:AssumeRoleWithWebIdentity` (optionally `sts:TagSession`):
//! a wildcard (`sts:*`, `*`), `NotAction`, or an action OIDC tokens can't use.

use trustlint_parser::iam::placeholder::is_placeholder;
use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::fixes::replace_key;
use super::{covers_web_identity, ASSUME_WITH_WEB_IDENTITY};
use crate::analysis::glob::matches_ignore_case;
use crate::finding::{Applicability, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

/// The only other action a web-identity trust may allow (session tags).
const TAG_SESSION: &str = "sts:TagSession";

#[derive(Debug)]
pub struct TrustActionMismatch;

impl Rule for TrustActionMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL109
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        for statement in policy.statements.iter().filter(|s| s.is_allow()) {
            let Some(principal) = statement.principal() else {
                continue;
            };
            let Some((value, provider)) = principal.oidc_providers().next() else {
                continue;
            };
            let host = provider.condition_key_prefix().to_owned();
            let Some(block) = &statement.action else {
                continue;
            };
            let related = |f: Finding| {
                f.with_related(value.span, format!("tokens of `{host}` are trusted here"))
            };
            if block.negated {
                out.push(related(
                    Finding::new(
                        self.meta(),
                        block.key_span,
                        format!("`NotAction` with the OIDC principal `{host}` allows every action except the listed ones, not just `{ASSUME_WITH_WEB_IDENTITY}`"),
                    )
                    .with_help(format!("write `\"Action\": \"{ASSUME_WITH_WEB_IDENTITY}\"`")),
                ));
                continue;
            }
            let web_identity = covers_web_identity(statement);
            for action in &block.value {
                let text = &action.value;
                let exact = text.eq_ignore_ascii_case(ASSUME_WITH_WEB_IDENTITY)
                    || text.eq_ignore_ascii_case(TAG_SESSION);
                if exact || is_placeholder(text) {
                    continue;
                }
                let message = if matches_ignore_case(text, ASSUME_WITH_WEB_IDENTITY) {
                    format!("`{text}` allows the OIDC principal `{host}` more than `{ASSUME_WITH_WEB_IDENTITY}` (every action the pattern matches)")
                } else if web_identity {
                    format!("`{text}` can't be used by OIDC tokens of `{host}`: only `{ASSUME_WITH_WEB_IDENTITY}` (and `{TAG_SESSION}`) apply to a Federated OIDC principal")
                } else {
                    format!("tokens of `{host}` can't assume this role: they call `{ASSUME_WITH_WEB_IDENTITY}`, but this statement allows `{text}` (AccessDenied)")
                };
                let mut finding = related(
                    Finding::new(self.meta(), action.span, message)
                        .with_help(format!("allow exactly `{ASSUME_WITH_WEB_IDENTITY}` (add `{TAG_SESSION}` only if you pass session tags)")),
                );
                if block.value.len() == 1 {
                    finding.fix =
                        replace_key(cx, document, action.span, text, ASSUME_WITH_WEB_IDENTITY).map(
                            |edit| Fix {
                                description: format!(
                                    "replace `{text}` with `{ASSUME_WITH_WEB_IDENTITY}`"
                                ),
                                edits: vec![edit],
                                applicability: Applicability::Unsafe,
                            },
                        );
                }
                out.push(finding);
            }
        }
    }
}
