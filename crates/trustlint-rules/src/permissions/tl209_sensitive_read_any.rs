//! TL209 sensitive-read-any: read access to secrets on `Resource: "*"`: every Secrets
//! Manager secret, SSM parameter, KMS key or S3 object of the account.

use std::collections::BTreeMap;

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;
use trustlint_parser::Span;

use super::PolicyAccess;
use crate::analysis::catalog::Catalog;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct SensitiveReadAny;

/// The actions that read secret material, and what they read.
const SENSITIVE_READS: &[(&str, &str)] = &[
    (
        "secretsmanager:GetSecretValue",
        "every secret in Secrets Manager",
    ),
    (
        "ssm:GetParameter",
        "every SSM parameter, SecureStrings included",
    ),
    (
        "ssm:GetParameters",
        "every SSM parameter, SecureStrings included",
    ),
    (
        "ssm:GetParametersByPath",
        "every SSM parameter, SecureStrings included",
    ),
    (
        "ssm:GetParameterHistory",
        "every SSM parameter, SecureStrings included",
    ),
    (
        "kms:Decrypt",
        "anything encrypted under a KMS key whose key policy lets IAM policies grant access",
    ),
    (
        "s3:GetObject",
        "every object in every bucket of the account",
    ),
];

impl Rule for SensitiveReadAny {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL209
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let Some(access) = PolicyAccess::of(cx, document, policy) else {
            return;
        };
        let catalog = Catalog::get();
        for grant in access.grants.iter().filter(|g| !g.is_admin()) {
            let Some(star) = grant.star_resource() else {
                continue;
            };
            // The sensitive actions and what they expose, by the text granting them.
            let mut by_span: BTreeMap<Span, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
            for (name, what) in SENSITIVE_READS {
                let Some(id) = catalog
                    .lookup(name)
                    .filter(|id| grant.effective().contains(*id))
                else {
                    continue;
                };
                let (names, whats) = by_span.entry(grant.span_granting(id)).or_default();
                names.push(name);
                if !whats.contains(what) {
                    whats.push(what);
                }
            }
            for (span, (names, whats)) in by_span {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                out.push(
                    Finding::new(
                        self.meta(),
                        span,
                        format!(
                            "this grants {} on `*`{}: its holder can read {}",
                            listed.join(", "),
                            grant.conditional_note(),
                            whats.join("; ")
                        ),
                    )
                    .with_help("limit these actions to the ARNs the pipeline reads (one secret, one parameter path, one key, one bucket)")
                    .with_related(star.span, "on every resource"),
                );
            }
        }
    }
}
