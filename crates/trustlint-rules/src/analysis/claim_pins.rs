//! What an AWS trust statement requires of a GitLab token's claims besides `sub` and
//! `aud` (FEDERATION.md §1): for the `gitlab.com` provider AWS also fills
//! `gitlab.com:project_id`, `namespace_id`, `ref_protected` and six more keys
//! ([`crate::analysis::claims`]), and for every provider a key it never fills
//! (`gitlab.com:project_path`, `gitlab.example.com:project_id`) is absent from every
//! request.
//!
//! Each condition is judged as AWS evaluates it ([`crate::analysis::condition_eval`]):
//! the conditions of a statement hold together (AND), a condition on a key the request
//! lacks is false unless its operator is negated or `…IfExists`. The answers are exact:
//! a tenant pin is a finite set of ids written out, `protected_only` is decided by
//! evaluating the `ref_protected` conditions on both values the claim takes.

use std::collections::BTreeSet;

use trustlint_parser::iam::placeholder::{has_interpolation, is_placeholder};
use trustlint_parser::iam::{BaseOperator, Condition, OidcProviderArn, Statement};

use super::claims::{aws_key, AwsKey};
use super::condition_eval::{evaluate, false_when_absent, RequestContext, Truth};
use super::glob::VariableSyntax;

/// The claims that name a project or group by a stable id.
const TENANT_CLAIMS: [&str; 2] = ["project_id", "namespace_id"];

/// What one statement's conditions require of the claims other than `sub` and `aud`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimPins {
    /// The projects or groups the statement admits, by id: each pinned claim with the
    /// ids every condition on it admits (an empty set: no token satisfies them).
    pub tenant: Vec<TenantPin>,
    /// The statement admits only tokens of protected refs (`ref_protected` is `"true"`).
    pub protected_only: bool,
    /// The conditions on keys AWS never fills for the provider.
    pub unpopulated: Vec<Unpopulated>,
}

/// A claim of [`TENANT_CLAIMS`] pinned to ids written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantPin {
    /// `project_id` or `namespace_id`.
    pub claim: &'static str,
    /// The ids admitted.
    pub ids: BTreeSet<String>,
    /// The index of the first condition pinning it, in the statement's conditions.
    pub condition: usize,
}

/// A condition on a key AWS never fills for the provider (TL120).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpopulated {
    /// Its index in the statement's conditions.
    pub condition: usize,
    /// True when the condition is false for every request (a positive operator without
    /// `…IfExists`): the statement admits no token. Otherwise it restricts nothing.
    pub denies_every_token: bool,
}

impl ClaimPins {
    /// What `statement`'s conditions require of a token of `provider`, a GitLab provider.
    pub fn of(statement: &Statement, provider: &OidcProviderArn, syntax: VariableSyntax) -> Self {
        let prefix = provider.condition_key_prefix();
        let mut pins = ClaimPins::default();
        let mut ref_protected: Vec<&Condition> = Vec::new();
        for (index, condition) in statement.conditions.iter().enumerate() {
            if has_interpolation(&condition.key.value) {
                continue;
            }
            match aws_key(prefix, &condition.key.value) {
                AwsKey::Claim(claim) if TENANT_CLAIMS.contains(&claim.name) => {
                    if let Some(ids) = written_ids(condition) {
                        pins.pin(claim.name, ids, index);
                    }
                }
                AwsKey::Claim(claim) if claim.name == "ref_protected" => {
                    ref_protected.push(condition);
                }
                AwsKey::Unpopulated { .. } => pins.unpopulated.push(Unpopulated {
                    condition: index,
                    denies_every_token: false_when_absent(condition, syntax),
                }),
                AwsKey::Claim(_) | AwsKey::Amr | AwsKey::NotProviderKey => {}
            }
        }
        if !ref_protected.is_empty() {
            let key = provider.condition_key("ref_protected");
            let holds = |value: &str| {
                let request = RequestContext::new().with(&key, value);
                ref_protected
                    .iter()
                    .map(|c| evaluate(c, &request, syntax))
                    .fold(Truth::True, Truth::and)
            };
            pins.protected_only = holds("true") == Truth::True && holds("false") == Truth::False;
        }
        pins
    }

    /// Adds a pin of `claim` to `ids` (several conditions on one claim hold together).
    fn pin(&mut self, claim: &'static str, ids: BTreeSet<String>, condition: usize) {
        match self.tenant.iter_mut().find(|pin| pin.claim == claim) {
            Some(pin) => pin.ids.retain(|id| ids.contains(id)),
            None => self.tenant.push(TenantPin {
                claim,
                ids,
                condition,
            }),
        }
    }

    /// Whether the statement admits only the projects or groups of finitely many ids.
    pub fn is_tenant_bound(&self) -> bool {
        !self.tenant.is_empty()
    }

    /// Whether no token satisfies the statement: a condition on a key AWS never fills is
    /// false for every request, or the conditions on one id claim admit no id together.
    pub fn denies_every_token(&self) -> bool {
        self.unpopulated.iter().any(|u| u.denies_every_token)
            || self.tenant.iter().any(|pin| pin.ids.is_empty())
    }
}

/// The ids a condition on an id claim admits, when they are written out: a positive
/// string comparison (`StringEquals`, or `StringLike` without wildcards) whose values are
/// all literal. `None` for any other condition (a pattern, a negation, a variable),
/// which pins no finite set.
fn written_ids(condition: &Condition) -> Option<BTreeSet<String>> {
    let operator = &condition.operator.value;
    let equality = matches!(
        operator.base,
        BaseOperator::StringEquals
            | BaseOperator::StringEqualsIgnoreCase
            | BaseOperator::StringLike
    );
    // A set qualifier changes nothing for a claim every token carries once.
    if !equality || condition.values.is_empty() {
        return None;
    }
    condition
        .value_texts()
        .map(|value| {
            let literal =
                !value.contains(['*', '?']) && !has_interpolation(value) && !is_placeholder(value);
            literal.then(|| value.to_owned())
        })
        .collect()
}
