//! The access an identity policy grants, statement by statement, as sets of catalog
//! actions after the policy's unconditional `Deny` statements have taken their share.
//!
//! Semantics (IAM policy evaluation): an explicit `Deny` wins over any `Allow`. A `Deny`
//! is applied here only when it certainly applies: it has no conditions and its
//! `Resource` covers every resource of the `Allow` (`*`, the same pattern, or a
//! `prefix*` that covers it). A conditional `Deny` may not apply to a request, so the
//! access it would remove is still reported as granted; a conditional `Allow` is reported
//! as granted too (its message says "under its conditions").

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use trustlint_parser::iam::{BaseOperator, Condition, PolicyDocument, Statement};
use trustlint_parser::input::Document;
use trustlint_parser::spanned::Spanned;
use trustlint_parser::ProblemKind;
use trustlint_parser::Span;

use super::catalog::{ActionId, ActionSet, Catalog, ResourcePattern};

/// One `Allow` statement of an identity policy and the actions it grants.
#[derive(Debug)]
pub struct Grant<'p> {
    pub statement: &'p Statement,
    written: Arc<WrittenActions>,
    effective: Arc<ActionSet>,
    type_wide: Option<TypeWideResources>,
}

/// The `Resource` patterns of a statement that name every resource of a type in every
/// account and region ([`is_every_resource_of_type`]), each by its position among the
/// statement's resources: read once per policy for the rules that ask action by action
/// ([`Grant::every_resource_for`]). `None` when there are none, as there mostly are.
type TypeWideResources = Arc<[(usize, ResourcePattern)]>;

/// The catalog actions one statement's `Action` or `NotAction` names (shared by every
/// rule asking).
#[derive(Debug)]
pub struct WrittenActions {
    /// The catalog actions each `Action` pattern matches, in order (empty for `NotAction`).
    pub patterns: Vec<ActionSet>,
    /// Every action the statement names: the union of `patterns`, or for `NotAction`
    /// every catalog action but the listed ones.
    pub all: ActionSet,
}

/// The action sets of an identity policy: each statement's, and what each `Allow`
/// grants after the unconditional `Deny` statements.
#[derive(Debug)]
pub struct PolicySets {
    written: Vec<Arc<WrittenActions>>,
    effective: Vec<Arc<ActionSet>>,
    /// Each `Allow` statement's type-wide resources, in the order of `effective`.
    type_wide: Vec<Option<TypeWideResources>>,
}

impl<'p> Grant<'p> {
    /// True when `Resource` includes `*`, or the statement uses `NotResource`.
    pub fn on_any_resource(&self) -> bool {
        match &self.statement.resource {
            Some(block) => block.negated || block.value.iter().any(|r| r.value == "*"),
            None => false,
        }
    }

    /// The `Resource` value `*`, when present.
    pub fn star_resource(&self) -> Option<&'p Spanned<String>> {
        self.statement.resources().iter().find(|r| r.value == "*")
    }

    /// Where the statement gives `action` effectively every resource it can act on
    /// (TL203, TL206, TL209, TL213, TL214 share this one notion): `Resource: "*"`; an ARN
    /// pattern that is every resource of one of the action's types in every account and
    /// region ([`is_every_resource_of_type`]: `arn:aws:iam::*:role/*`,
    /// `arn:aws:secretsmanager:*:*:secret:*`, `arn:aws:s3:::*`, `arn:aws:s3:::*/*`); or
    /// `NotResource` unless it lists such a pattern itself (then it may exclude all).
    pub fn every_resource_for(&self, action: ActionId) -> Option<EveryResource<'p>> {
        let block = self.statement.resource.as_ref()?;
        let entry = Catalog::get().action(action)?;
        let mut of_its_type =
            self.type_wide
                .iter()
                .flat_map(|wide| wide.iter())
                .filter(|(_, pattern)| {
                    entry
                        .resource_types()
                        .any(|t| t.could_match_pattern(pattern))
                });
        let star = block.value.iter().find(|r| r.value == "*");
        if block.negated {
            return (star.is_none() && of_its_type.next().is_none()).then_some(EveryResource {
                span: block.key_span,
                written: None,
            });
        }
        star.or_else(|| of_its_type.find_map(|(index, _)| block.value.get(*index)))
            .map(|r| EveryResource {
                span: r.span,
                written: Some(r.value.as_str()),
            })
    }

    /// True when the statement allows every action on every resource with nothing
    /// denied: the administrator statement (TL201). Other rules skip it.
    pub fn is_admin(&self) -> bool {
        self.admin_pattern().is_some()
            && self.statement.resources().iter().any(|r| r.value == "*")
            && self.effective().len() == Catalog::get().len()
    }

    /// The `Action` value `*` or `*:*`, when present.
    pub fn admin_pattern(&self) -> Option<&'p Spanned<String>> {
        self.statement
            .actions()
            .iter()
            .find(|a| a.value == "*" || a.value == "*:*")
    }

    /// Each `Action` pattern with the catalog actions it matches (none for `NotAction`).
    pub fn patterns(&self) -> impl Iterator<Item = (&'p Spanned<String>, &ActionSet)> {
        self.statement.actions().iter().zip(&self.written.patterns)
    }

    /// What the statement grants after the unconditional `Deny` statements covering its
    /// resources.
    pub fn effective(&self) -> &ActionSet {
        &self.effective
    }

    /// The text that grants `action`: the first `Action` pattern matching it, or the
    /// `NotAction` key.
    pub fn span_granting(&self, action: ActionId) -> Span {
        self.patterns()
            .find(|(_, set)| set.contains(action))
            .map(|(pattern, _)| pattern.span)
            .or_else(|| self.statement.action.as_ref().map(|b| b.key_span))
            .unwrap_or(self.statement.span)
    }

    /// Whether a condition scopes the statement to some resources the way `Resource`
    /// would (`aws:ResourceTag/…`, `…:ResourceTag/…`, `aws:ResourceAccount`,
    /// `aws:ResourceOrgID`, `aws:ResourceOrgPaths`), or its conditions could not all be
    /// read: then "every resource" is not what it grants (TL203, TL213, TL214).
    pub fn scoped_by_condition(&self) -> bool {
        self.statement.conditions_incomplete
            || self.statement.conditions.iter().any(|c| {
                let key = c.key_lower();
                key.contains(":resourcetag/") || RESOURCE_SCOPING_KEYS.contains(&key.as_str())
            })
    }

    /// "" or " (under its conditions)", for messages.
    pub fn conditional_note(&self) -> &'static str {
        if self.statement.conditions.is_empty() {
            ""
        } else {
            " (under its conditions)"
        }
    }
}

/// Condition keys that scope a statement to some resources the way `Resource` would.
const RESOURCE_SCOPING_KEYS: &[&str] = &[
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
];

/// The text by which a statement reaches effectively every resource of an action
/// ([`Grant::every_resource_for`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct EveryResource<'p> {
    /// The `Resource` value, or the `NotResource` key.
    pub span: Span,
    /// The `Resource` value; `None` for `NotResource`.
    pub written: Option<&'p str>,
}

impl EveryResource<'_> {
    /// How a message names it: "`*`", "`arn:aws:iam::*:role/*` (every resource of its
    /// type in any account)", "`NotResource` (every resource but those it lists)".
    pub fn describe(&self) -> String {
        match self.written {
            Some("*") => "`*`".to_string(),
            Some(pattern) => {
                format!("`{pattern}` (every resource of its type in any account)")
            }
            None => "`NotResource` (every resource but those it lists)".to_string(),
        }
    }
}

/// Whether an ARN pattern names every resource of a type in every account and region:
/// the region is `*` or empty, the account `*` or empty (S3 ARNs have none), and the
/// resource `*`, `*/*`, `TYPE/*` or `TYPE:*` (`arn:*:cloudtrail:*:*:trail/*`,
/// `arn:aws:s3:::*/*`). A path prefix (`role/ci/*`) or one account is narrower.
pub fn is_every_resource_of_type(resource: &str) -> bool {
    // Asked for every action a statement grants: no allocation.
    let mut parts = resource.splitn(6, ':');
    let (Some(arn), Some(_partition), Some(service), Some(region), Some(account), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let any = |field: &str| field.is_empty() || field == "*";
    // Without an account (S3), the resource starts with a name, not a type.
    let of_one_type = account == "*"
        && rest
            .strip_suffix("/*")
            .or_else(|| rest.strip_suffix(":*"))
            .is_some_and(|kind| {
                !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
    let rest_is_all = rest == "*" || rest == "*/*" || of_one_type;
    arn == "arn" && !service.is_empty() && any(region) && any(account) && rest_is_all
}

/// The access an identity policy grants: its `Allow` statements.
#[derive(Debug)]
pub struct PolicyAccess<'p> {
    pub grants: Vec<Grant<'p>>,
    policy: &'p PolicyDocument,
    sets: Arc<PolicySets>,
}

impl<'p> PolicyAccess<'p> {
    /// The access of an identity policy from its action sets ([`policy_sets`], which
    /// the analysis context keeps for the document: [`crate::context::Context::policy_access`]);
    /// `None` for a trust or resource policy (a statement with `Principal`), which TL1xx
    /// judge, and for a policy AWS would reject (TL002 says why): it grants nothing.
    pub fn of(
        document: &Document,
        policy: &'p PolicyDocument,
        sets: impl FnOnce() -> Arc<PolicySets>,
    ) -> Option<PolicyAccess<'p>> {
        if !is_valid_identity_policy(document, policy) {
            return None;
        }
        let sets = sets();
        let grants = policy
            .statements
            .iter()
            .zip(&sets.written)
            .filter(|(statement, _)| statement.is_allow())
            .zip(sets.effective.iter().zip(&sets.type_wide))
            .filter(|((statement, _), _)| !never_holds(statement))
            .map(|((statement, written), (effective, type_wide))| Grant {
                statement,
                written: Arc::clone(written),
                effective: Arc::clone(effective),
                type_wide: type_wide.clone(),
            })
            .collect();
        Some(PolicyAccess {
            grants,
            policy,
            sets,
        })
    }

    /// Every statement of the policy with the actions it names, in order.
    pub fn statements(&self) -> impl Iterator<Item = (&'p Statement, &WrittenActions)> {
        self.policy
            .statements
            .iter()
            .zip(self.sets.written.iter().map(Arc::as_ref))
    }
}

/// The action sets of `policy`'s statements, and what each `Allow` grants.
pub fn policy_sets(policy: &PolicyDocument) -> PolicySets {
    let catalog = Catalog::get();
    let written: Vec<Arc<WrittenActions>> = policy
        .statements
        .iter()
        .map(|statement| Arc::new(written_actions(catalog, statement)))
        .collect();
    let statements = || policy.statements.iter().zip(&written);
    let denies: Vec<_> = statements()
        .filter(|(s, _)| s.is_deny() && s.conditions.is_empty() && !s.conditions_incomplete)
        .collect();
    let allows = || statements().filter(|(s, _)| s.is_allow());
    let type_wide = allows().map(|(s, _)| type_wide_resources(s)).collect();
    let effective = allows()
        .map(|(statement, actions)| {
            let mut effective = actions.all.clone();
            for (deny, denied) in &denies {
                if deny_covers_resources(deny, statement) {
                    effective.subtract(&denied.all);
                }
            }
            Arc::new(effective)
        })
        .collect();
    PolicySets {
        written,
        effective,
        type_wide,
    }
}

/// A statement's type-wide `Resource` patterns ([`TypeWideResources`]).
fn type_wide_resources(statement: &Statement) -> Option<TypeWideResources> {
    let block = statement.resource.as_ref()?;
    let wide: Vec<(usize, ResourcePattern)> = block
        .value
        .iter()
        .enumerate()
        .filter(|(_, r)| is_every_resource_of_type(&r.value))
        .map(|(index, r)| (index, ResourcePattern::new(&r.value)))
        .collect();
    (!wide.is_empty()).then(|| wide.into())
}

/// Whether a policy is an identity policy (no statement with `Principal`; trust and
/// resource policies are TL1xx's) that AWS would accept (a rejected one grants nothing;
/// TL002 says why).
pub fn is_valid_identity_policy(document: &Document, policy: &PolicyDocument) -> bool {
    let inside = |span: Span| {
        span.file == policy.span.file
            && span.start >= policy.span.start
            && span.end <= policy.span.end
    };
    !policy.is_trust_policy()
        && !document
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::InvalidPolicy && inside(p.span))
}

/// The expansion of each pattern of `Action` (none for `NotAction`), and the statement's
/// whole action set (`NotAction`: every catalog action but the listed ones).
pub(crate) fn written_actions(catalog: &Catalog, statement: &Statement) -> WrittenActions {
    let Some(block) = &statement.action else {
        return WrittenActions {
            patterns: Vec::new(),
            all: ActionSet::empty(),
        };
    };
    let patterns: Vec<ActionSet> = block
        .value
        .iter()
        .map(|pattern| catalog.expand(&pattern.value))
        .collect();
    let mut listed = ActionSet::empty();
    for set in &patterns {
        listed.union_with(set);
    }
    if block.negated {
        let mut all = ActionSet::all();
        all.subtract(&listed);
        WrittenActions {
            patterns: Vec::new(),
            all,
        }
    } else {
        WrittenActions {
            patterns,
            all: listed,
        }
    }
}

/// Whether an unconditional `Deny` certainly applies to every resource of `allow`.
fn deny_covers_resources(deny: &Statement, allow: &Statement) -> bool {
    let Some(denied) = deny.resource.as_ref().filter(|b| !b.negated) else {
        return false;
    };
    if denied.value.iter().any(|d| d.value == "*") {
        return true;
    }
    let Some(allowed) = allow.resource.as_ref().filter(|b| !b.negated) else {
        return false;
    };
    allowed.value.iter().all(|a| {
        denied
            .value
            .iter()
            .any(|d| pattern_covers(&d.value, &a.value))
    })
}

/// Whether every string the `inner` ARN pattern matches is matched by `outer`: equal
/// patterns (ignoring case), or `outer` is `prefix*` with `inner` starting with `prefix`.
pub fn pattern_covers(outer: &str, inner: &str) -> bool {
    if outer.eq_ignore_ascii_case(inner) {
        return true;
    }
    match outer.strip_suffix('*') {
        Some(prefix) if !prefix.contains(['*', '?']) => inner
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix)),
        _ => false,
    }
}

/// Whether a statement's conditions can never all hold, so it grants nothing
/// ([`dead_condition`]).
pub fn never_holds(statement: &Statement) -> bool {
    dead_condition(statement).is_some()
}

/// The condition that can never hold, making its statement dead (TL212 says so): a
/// `DateLessThan`/`DateLessThanEquals` (no `IfExists`, no set qualifier) on
/// `aws:CurrentTime` or `aws:TokenIssueTime` whose dates are all in a past year (or past
/// epoch seconds). The time is the request's; an absent `aws:TokenIssueTime` (long-term
/// keys) makes the operator false too.
pub fn dead_condition(statement: &Statement) -> Option<&Condition> {
    let mut on_time = statement
        .conditions
        .iter()
        .filter(|c| {
            let operator = &c.operator.value;
            matches!(
                operator.base,
                BaseOperator::DateLessThan | BaseOperator::DateLessThanEquals
            ) && !operator.if_exists
                && operator.qualifier.is_none()
                && (c.key_is("aws:CurrentTime") || c.key_is("aws:TokenIssueTime"))
                && !c.values.is_empty()
        })
        .peekable();
    // The clock is read only for a statement that has such a condition.
    on_time.peek()?;
    let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) else {
        return None;
    };
    // A year that has surely begun before now (two days of slack for the approximation).
    let this_year_at_least = 1970 + (now.as_secs().saturating_sub(2 * 86_400) / 31_556_952);
    let in_the_past = |value: &str| {
        if value.contains(['-', 't', 'T']) {
            value
                .get(..4)
                .filter(|year| year.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|year| year.parse::<u64>().ok())
                .is_some_and(|year| year < this_year_at_least)
        } else {
            value
                .parse::<u64>()
                .is_ok_and(|seconds| seconds < now.as_secs())
        }
    };
    on_time.find(|c| c.value_texts().all(in_the_past))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_of_type() {
        assert!(is_every_resource_of_type("arn:*:cloudtrail:*:*:trail/*"));
        assert!(is_every_resource_of_type("arn:*:lambda:*:*:function:*"));
        assert!(is_every_resource_of_type("arn:aws:sqs:*:*:*"));
        assert!(is_every_resource_of_type("arn:aws:iam::*:role/*"));
        assert!(is_every_resource_of_type(
            "arn:aws:secretsmanager:*:*:secret:*"
        ));
        assert!(is_every_resource_of_type("arn:aws:kms:*:*:key/*"));
        assert!(is_every_resource_of_type("arn:aws:s3:::*"));
        assert!(is_every_resource_of_type("arn:aws:s3:::*/*"));
        assert!(!is_every_resource_of_type(
            "arn:aws:cloudtrail:*:123456789012:trail/*"
        ));
        assert!(!is_every_resource_of_type("arn:aws:iam::*:role/ci/*"));
        assert!(!is_every_resource_of_type(
            "arn:aws:iam::*:user/${aws:username}"
        ));
        assert!(!is_every_resource_of_type("arn:*:s3:::my-bucket/*"));
        assert!(!is_every_resource_of_type("arn:aws:kms:eu-west-1:*:key/*"));
        assert!(!is_every_resource_of_type("*"));
    }

    #[test]
    fn covers() {
        assert!(pattern_covers("*", "arn:aws:s3:::b"));
        assert!(pattern_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/key"));
        assert!(pattern_covers("arn:aws:s3:::B", "arn:aws:s3:::b"));
        assert!(!pattern_covers("arn:aws:s3:::b", "arn:aws:s3:::b/*"));
        assert!(!pattern_covers("arn:aws:s3:::*/x", "arn:aws:s3:::b/x"));
    }
}
