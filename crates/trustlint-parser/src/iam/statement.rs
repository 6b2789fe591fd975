//! One statement of a policy: `Sid`, `Effect`, `Principal`/`NotPrincipal`,
//! `Action`/`NotAction`, `Resource`/`NotResource` and the flattened conditions.

use std::fmt;

use crate::iam::condition::Condition;
use crate::iam::principal::Principal;
use crate::source::Span;
use crate::spanned::Spanned;

/// `Allow` or `Deny` (exact, case-sensitive spelling).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn name(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }

    pub fn from_name(name: &str) -> Option<Effect> {
        match name {
            "Allow" => Some(Effect::Allow),
            "Deny" => Some(Effect::Deny),
            _ => None,
        }
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A statement element that has a `Not` form: `Principal`/`NotPrincipal`,
/// `Action`/`NotAction`, `Resource`/`NotResource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block<T> {
    /// True for the `Not…` form: the statement applies to everything *except* `value`.
    pub negated: bool,
    /// The span of the key (`"NotAction"`).
    pub key_span: Span,
    /// The span of the value as written (string, list or map).
    pub span: Span,
    pub value: T,
}

/// `Principal` or `NotPrincipal`.
pub type PrincipalBlock = Block<Principal>;
/// `Action` or `NotAction`: action patterns such as `s3:Get*` or `*`.
pub type ActionBlock = Block<Vec<Spanned<String>>>;
/// `Resource` or `NotResource`: ARN patterns or `*`.
pub type ResourceBlock = Block<Vec<Spanned<String>>>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The span of the whole statement object.
    pub span: Span,
    pub sid: Option<Spanned<String>>,
    pub effect: Option<Spanned<Effect>>,
    pub principal: Option<PrincipalBlock>,
    pub action: Option<ActionBlock>,
    pub resource: Option<ResourceBlock>,
    /// One per operator × key, in source order.
    pub conditions: Vec<Condition>,
    /// The span of the `Condition` key, when present.
    pub condition_key_span: Option<Span>,
    /// True when part of the `Condition` block was rejected (TL002) and left out of
    /// `conditions`: rules must not conclude that a condition is missing.
    pub conditions_incomplete: bool,
}

impl Statement {
    pub fn is_allow(&self) -> bool {
        self.effect.is_some_and(|e| e.value == Effect::Allow)
    }

    pub fn is_deny(&self) -> bool {
        self.effect.is_some_and(|e| e.value == Effect::Deny)
    }

    /// True when the statement has `Principal` or `NotPrincipal`.
    pub fn has_principal(&self) -> bool {
        self.principal.is_some()
    }

    /// The `Principal` (not `NotPrincipal`) value.
    pub fn principal(&self) -> Option<&Principal> {
        self.principal
            .as_ref()
            .filter(|block| !block.negated)
            .map(|block| &block.value)
    }

    /// The patterns of `Action` (not `NotAction`).
    pub fn actions(&self) -> &[Spanned<String>] {
        self.action
            .as_ref()
            .filter(|block| !block.negated)
            .map_or(&[], |block| &block.value)
    }

    /// The patterns of `Resource` (not `NotResource`).
    pub fn resources(&self) -> &[Spanned<String>] {
        self.resource
            .as_ref()
            .filter(|block| !block.negated)
            .map_or(&[], |block| &block.value)
    }

    /// The conditions on one context key (compared ignoring case, as AWS does).
    pub fn conditions_on<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Condition> {
        self.conditions.iter().filter(move |c| c.key_is(key))
    }
}
