//! TL110 trust-any-principal: an `Allow` with `Principal: "*"` or `{"AWS": "*"}` and no
//! condition that restricts who the caller is, in a role's trust policy or in a resource
//! policy (S3 bucket, KMS key, SQS queue, SNS topic, Secrets Manager secret, ECR
//! repository, SSM resource policies, from JSON, CloudFormation or Terraform).

use trustlint_parser::iam::{Condition, PolicyDocument, Statement};
use trustlint_parser::input::Document;

use super::{is_sub_or_aud, variable_syntax};
use crate::analysis::condition_eval::false_when_absent;
use crate::analysis::glob::VariableSyntax;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

/// Global condition keys that name the calling principal, its account or organization,
/// or the resource on whose behalf a service calls (lower case).
const CALLER_KEYS: &[&str] = &[
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:userid",
    "aws:username",
];

#[derive(Debug)]
pub struct TrustAnyPrincipal;

impl Rule for TrustAnyPrincipal {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL110
    }

    fn check_policy(
        &self,
        _cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let syntax = variable_syntax(policy);
        for statement in policy.statements.iter().filter(|s| s.is_allow()) {
            let Some(block) = statement.principal.as_ref().filter(|b| !b.negated) else {
                continue;
            };
            if !block.value.is_any() || statement.conditions_incomplete {
                continue;
            }
            let restricted = statement
                .conditions
                .iter()
                .any(|c| restricts_caller(c, syntax));
            if restricted {
                continue;
            }
            let what = if is_trust_statement(statement) {
                "assume this role".to_string()
            } else {
                let actions: Vec<String> = statement
                    .actions()
                    .iter()
                    .map(|a| format!("`{}`", a.value))
                    .collect();
                match actions.as_slice() {
                    [] => "act on this resource".to_string(),
                    _ => format!("call {} on this resource", actions.join(", ")),
                }
            };
            out.push(
                Finding::new(
                    self.meta(),
                    block.span,
                    format!("this `Allow` trusts every principal: any AWS account (and, with `\"*\"`, anonymous callers) can {what}, and no condition restricts the caller"),
                )
                .with_help("name the trusted principals (`{\"AWS\": \"arn:aws:iam::ACCOUNT:role/NAME\"}`), or add `\"StringEquals\": {\"aws:PrincipalAccount\": \"ACCOUNT\"}` or `aws:PrincipalOrgID`"),
            );
        }
    }
}

/// Whether a statement is a role trust statement: its actions are all `sts:` actions
/// (`sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`, `sts:TagSession`, …). Any other
/// statement with `Principal` belongs to a resource policy (bucket, key, queue, topic,
/// secret, repository).
fn is_trust_statement(statement: &Statement) -> bool {
    let actions = statement.actions();
    !actions.is_empty()
        && actions.iter().all(|a| {
            a.value
                .get(..4)
                .is_some_and(|prefix| prefix.eq_ignore_ascii_case("sts:"))
        })
}

/// A positive condition on a caller key (or an OIDC `sub`/`aud`) that fails for a
/// request without the key and whose values are not all `*`.
fn restricts_caller(condition: &Condition, syntax: VariableSyntax) -> bool {
    let caller_key =
        CALLER_KEYS.contains(&condition.key_lower().as_str()) || is_sub_or_aud(condition);
    caller_key
        && !condition.operator.value.is_negated()
        && false_when_absent(condition, syntax)
        && !condition.value_texts().all(|v| v == "*")
}
