//! Trust-policy rules (TL1xx) and what they share: finding the statements that let an
//! OIDC provider's tokens assume the role.

mod tl101_oidc_trust_missing_sub;

pub use tl101_oidc_trust_missing_sub::OidcTrustMissingSub;

use trustlint_parser::iam::{Condition, OidcProviderArn, PolicyDocument, Principal, Statement};
use trustlint_parser::spanned::Spanned;

use crate::analysis::glob::matches_ignore_case;

/// The action an OIDC token assumes a role with.
pub const ASSUME_WITH_WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// An `Allow` statement through which tokens of one OIDC provider can assume the role.
#[derive(Debug)]
pub struct OidcGrant<'a> {
    pub statement: &'a Statement,
    /// The `Federated` value naming the provider.
    pub principal: &'a Spanned<String>,
    pub provider: OidcProviderArn,
}

impl OidcGrant<'_> {
    /// The conditions on this provider's `claim` key (e.g. `sub`), ignoring key case.
    pub fn conditions_on(&self, claim: &str) -> impl Iterator<Item = &Condition> {
        let key = self.provider.condition_key(claim);
        self.statement
            .conditions
            .iter()
            .filter(move |c| c.key_is(&key))
    }
}

/// Every (Allow statement, OIDC provider) pair whose actions include
/// `sts:AssumeRoleWithWebIdentity`.
pub fn oidc_grants(policy: &PolicyDocument) -> Vec<OidcGrant<'_>> {
    policy
        .statements
        .iter()
        .filter(|statement| statement.is_allow() && covers_web_identity(statement))
        .flat_map(|statement| {
            statement
                .principal()
                .into_iter()
                .flat_map(|principal| principal.oidc_providers())
                .map(move |(principal, provider)| OidcGrant {
                    statement,
                    principal,
                    provider,
                })
        })
        .collect()
}

/// Whether `Action`/`NotAction` covers `sts:AssumeRoleWithWebIdentity` (IAM action
/// patterns are case-insensitive globs).
pub fn covers_web_identity(statement: &Statement) -> bool {
    let Some(block) = &statement.action else {
        return false;
    };
    let listed = block
        .value
        .iter()
        .any(|action| matches_ignore_case(&action.value, ASSUME_WITH_WEB_IDENTITY));
    listed != block.negated
}

/// Whether a statement applies to tokens of `provider`: its `Principal` is `*` or names
/// the provider, or its `NotPrincipal` does not name it.
pub fn applies_to_provider(statement: &Statement, provider: &OidcProviderArn) -> bool {
    let Some(block) = &statement.principal else {
        return false;
    };
    let named = block
        .value
        .oidc_providers()
        .any(|(_, arn)| arn.provider.eq_ignore_ascii_case(&provider.provider));
    match &block.value {
        Principal::Any(_) => !block.negated,
        Principal::Entries(_) => named != block.negated,
    }
}

/// Whether a condition can never hold for a token of `provider` because it requires a
/// key that only another OIDC provider's tokens carry (`other.host:sub`): such a
/// statement admits nobody from `provider` (TL106 reports it).
pub fn requires_foreign_claim(condition: &Condition, provider: &OidcProviderArn) -> bool {
    let Some((prefix, claim)) = condition.key_prefix_and_name() else {
        return false;
    };
    let is_oidc_claim = ["sub", "aud", "amr"]
        .iter()
        .any(|c| claim.eq_ignore_ascii_case(c));
    let foreign = is_oidc_claim
        && !prefix.eq_ignore_ascii_case(provider.condition_key_prefix())
        && prefix.contains('.');
    foreign && false_when_absent(condition)
}

/// Whether a condition evaluates to false when its key is absent from the request
/// (DOMAIN.md: positive operators are false; negated ones, `…IfExists` and
/// `ForAllValues:` are true; `Null` is false only when it requires presence).
pub fn false_when_absent(condition: &Condition) -> bool {
    use trustlint_parser::iam::{BaseOperator, SetQualifier};
    let operator = &condition.operator.value;
    if operator.base == BaseOperator::Null {
        return condition
            .values
            .iter()
            .all(|v| v.value.eq_ignore_ascii_case("false"));
    }
    if operator.if_exists || operator.qualifier == Some(SetQualifier::ForAllValues) {
        return false;
    }
    operator.qualifier == Some(SetQualifier::ForAnyValue) || !operator.is_negated()
}
