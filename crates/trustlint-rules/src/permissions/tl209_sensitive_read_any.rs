//! TL209 sensitive-read-any: read access to secrets on effectively every resource
//! (`Resource: "*"`, `…:secret:*`, `…:key/*`, `arn:aws:s3:::*/*`, `NotResource`:
//! [`super::Grant::every_resource_for`]): every Secrets Manager secret, SSM parameter, KMS
//! key or S3 object of the account.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;
use trustlint_parser::Span;

use super::EveryResource;
use crate::analysis::catalog::{ActionId, Catalog};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct SensitiveReadAny;

/// The sensitive actions granted at one place, and what they expose.
type NamesAndExposures = (Vec<&'static str>, Vec<&'static str>);

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

/// The catalog id of each of [`SENSITIVE_READS`], with its name and what it reads.
fn sensitive_reads() -> &'static [(ActionId, &'static str, &'static str)] {
    static IDS: OnceLock<Vec<(ActionId, &'static str, &'static str)>> = OnceLock::new();
    IDS.get_or_init(|| {
        let catalog = Catalog::get();
        SENSITIVE_READS
            .iter()
            .filter_map(|&(name, what)| Some((catalog.lookup(name)?, name, what)))
            .collect()
    })
}

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
        let Some(access) = cx.policy_access(document, policy) else {
            return;
        };
        for grant in access.grants.iter().filter(|g| !g.is_admin()) {
            // The sensitive actions and what they expose, by the text granting them and
            // the text giving them every resource.
            let mut by_span: BTreeMap<(Span, EveryResource<'_>), NamesAndExposures> =
                BTreeMap::new();
            for &(id, name, what) in sensitive_reads() {
                let Some(every) = grant
                    .effective()
                    .contains(id)
                    .then(|| grant.every_resource_for(id))
                    .flatten()
                else {
                    continue;
                };
                let (names, whats) = by_span.entry((grant.span_granting(id), every)).or_default();
                names.push(name);
                if !whats.contains(&what) {
                    whats.push(what);
                }
            }
            for ((span, every), (names, whats)) in by_span {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                out.push(
                    Finding::new(
                        self.meta(),
                        span,
                        format!(
                            "this grants {} on {}{}: its holder can read {}",
                            listed.join(", "),
                            every.describe(),
                            grant.conditional_note(),
                            whats.join("; ")
                        ),
                    )
                    .with_help("limit these actions to the ARNs the pipeline reads (one secret, one parameter path, one key, one bucket)")
                    .with_related(every.span, "on every resource"),
                );
            }
        }
    }
}
