//! Trust-policy rules (TL1xx) and what they share: finding the statements that let an
//! OIDC provider's tokens assume the role.

mod tl101_oidc_trust_missing_sub;

pub use tl101_oidc_trust_missing_sub::OidcTrustMissingSub;

use trustlint_parser::iam::{
    BaseOperator, Condition, OidcProviderArn, PolicyDocument, Principal, SetQualifier, Statement,
};
use trustlint_parser::spanned::Spanned;

use crate::analysis::glob::{matches_ignore_case, VariableSyntax};
use crate::analysis::sub_questions::{Bound, SubClause, SubGrammar, SubLanguage, SubOperator};

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

/// The `sub` languages of a policy's conditions, exact to IAM's semantics for a claim
/// that every token carries as one value (so `IfExists` and the set qualifiers change
/// nothing).
#[derive(Debug)]
pub struct SubReasoner {
    grammar: SubGrammar,
}

impl SubReasoner {
    /// A reasoner for one policy: `${…}` are policy variables only in `2012-10-17`.
    pub fn new(grammar: &SubGrammar, policy: &PolicyDocument) -> SubReasoner {
        let syntax = if policy.supports_policy_variables() {
            VariableSyntax::Substituted
        } else {
            VariableSyntax::Literal
        };
        SubReasoner {
            grammar: grammar.with_variable_syntax(syntax),
        }
    }

    /// The subs a statement's conditions on `key` admit; `None` when a condition on the
    /// key uses an operator that is not a string comparison (not modelled) or the
    /// language is too complex.
    pub fn admitted(&self, statement: &Statement, key: &str, bound: Bound) -> Option<SubLanguage> {
        let mut clauses = Vec::new();
        for condition in statement.conditions.iter().filter(|c| c.key_is(key)) {
            match sub_operator(condition) {
                Some(operator) => {
                    let values: Vec<&str> = condition.value_texts().collect();
                    clauses.push(SubClause::new(operator, &values));
                }
                None if condition.operator.value.base == BaseOperator::Null => {
                    // `Null: true` demands the claim be absent: no token qualifies.
                    if condition
                        .value_texts()
                        .any(|v| v.eq_ignore_ascii_case("true"))
                    {
                        return Some(self.grammar.none());
                    }
                }
                None => return None,
            }
        }
        self.grammar.statement(&clauses, bound).ok()
    }

    /// The subs an `Allow` for `grant` admits once every `Deny` for the same provider and
    /// action whose conditions are all on `sub` has taken its share. `None`: not exact.
    pub fn effective(&self, policy: &PolicyDocument, grant: &OidcGrant<'_>) -> Option<SubLanguage> {
        let key = grant.provider.condition_key("sub");
        let mut admitted = self.admitted(grant.statement, &key, Bound::Upper)?;
        for deny in policy.statements.iter().filter(|s| {
            s.is_deny()
                && covers_web_identity(s)
                && applies_to_provider(s, &grant.provider)
                && s.conditions.iter().all(|c| c.key_is(&key))
        }) {
            let denied = self.admitted(deny, &key, Bound::Lower)?;
            admitted = admitted.difference(&denied).ok()?;
        }
        Some(admitted)
    }
}

/// The string operator of a condition on `sub`, if it is one.
fn sub_operator(condition: &Condition) -> Option<SubOperator> {
    Some(match condition.operator.value.base {
        BaseOperator::StringEquals => SubOperator::Equals,
        BaseOperator::StringNotEquals => SubOperator::NotEquals,
        BaseOperator::StringEqualsIgnoreCase => SubOperator::EqualsIgnoreCase,
        BaseOperator::StringNotEqualsIgnoreCase => SubOperator::NotEqualsIgnoreCase,
        BaseOperator::StringLike => SubOperator::Like,
        BaseOperator::StringNotLike => SubOperator::NotLike,
        _ => return None,
    })
}
