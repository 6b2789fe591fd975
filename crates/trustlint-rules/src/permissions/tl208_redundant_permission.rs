//! TL208 redundant-permission: an action pattern, or a whole statement, already covered
//! by another of the same policy (`s3:GetObject` beside `s3:*`): noise that hides what
//! the policy really grants.

use std::collections::{BTreeSet, HashMap};

use trustlint_parser::iam::{PolicyDocument, Statement};
use trustlint_parser::input::Document;
use trustlint_parser::spanned::Spanned;
use trustlint_parser::Span;

use super::{pattern_covers, WrittenActions};
use crate::analysis::catalog::{ActionId, ActionSet};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct RedundantPermission;

/// A statement with `Action` (not `NotAction`) and `Resource` (not `NotResource`), and
/// the catalog actions of each pattern matching any.
struct Listed<'p> {
    statement: &'p Statement,
    patterns: Vec<(&'p Spanned<String>, &'p ActionSet)>,
    all: &'p ActionSet,
}

impl Rule for RedundantPermission {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL208
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
        let listed = listed(access.statements());
        let mut reported = BTreeSet::new();
        for (this, cover) in listed.iter().zip(covering(&listed)) {
            self.within_statement(this, &mut reported, out);
            if let Some(other) = cover.and_then(|j| listed.get(j)) {
                self.across_statements(this, other, &mut reported, out);
            }
        }
    }
}

/// The statements with `Action` and `Resource` (not their `Not` forms), each with the
/// catalog actions of its patterns.
fn listed<'p>(
    statements: impl Iterator<Item = (&'p Statement, &'p WrittenActions)>,
) -> Vec<Listed<'p>> {
    statements
        .filter(|(s, _)| {
            s.action.as_ref().is_some_and(|b| !b.negated)
                && s.resource.as_ref().is_some_and(|b| !b.negated)
        })
        .map(|(statement, written)| Listed {
            statement,
            patterns: statement
                .actions()
                .iter()
                .zip(&written.patterns)
                .filter(|(_, set)| !set.is_empty())
                .collect(),
            all: &written.all,
        })
        .collect()
}

/// Statements naming more actions than this are not indexed by action (each is a
/// candidate for every statement when candidates are taken by action).
const MAX_INDEXED_ACTIONS: usize = 256;

/// Policies of at most this many statements are paired by trying every other statement
/// (cheaper than building the indexes of [`covering_by_index`] for a few).
const MAX_PAIRED_DIRECTLY: usize = 16;

/// For each statement, the statement that makes it redundant: the first other one (in
/// order) that applies wherever it does ([`covers_statement`]) and that it doesn't cover
/// back, or covers back but comes first.
fn covering(listed: &[Listed<'_>]) -> Vec<Option<usize>> {
    if listed.len() <= MAX_PAIRED_DIRECTLY {
        covering_by_trying_all(listed)
    } else {
        covering_by_index(listed)
    }
}

/// [`covering`] by trying every other statement in order: N² pairs.
fn covering_by_trying_all(listed: &[Listed<'_>]) -> Vec<Option<usize>> {
    listed
        .iter()
        .enumerate()
        .map(|(i, this)| {
            listed.iter().enumerate().find_map(|(j, other)| {
                (i != j && covers_statement(other, this) && (!covers_statement(this, other) || j < i))
                    .then_some(j)
            })
        })
        .collect()
}

/// [`covering`], the same as trying every other statement in order, but only those that
/// can cover a statement are tried: the statements without conditions whose resources
/// could cover its first resource (equal to it, or a `prefix*` of it:
/// [`pattern_covers`]), or those sharing an action with it, whichever are fewer. So a
/// policy of N statements on different resources (or with different actions) takes
/// about N steps, not N².
fn covering_by_index(listed: &[Listed<'_>]) -> Vec<Option<usize>> {
    let mut exact: HashMap<String, Vec<usize>> = HashMap::new();
    let mut prefixed: HashMap<String, Vec<usize>> = HashMap::new();
    let mut lengths: BTreeSet<usize> = BTreeSet::new();
    let mut by_action: HashMap<ActionId, Vec<usize>> = HashMap::new();
    let mut broad = Vec::new();
    let mut unconditional = Vec::new();
    for (j, other) in listed.iter().enumerate() {
        let a = other.statement;
        if a.effect.is_none() || !a.conditions.is_empty() || a.conditions_incomplete {
            continue; // covers nothing
        }
        unconditional.push(j);
        for resource in a.resources() {
            let lower = resource.value.to_ascii_lowercase();
            if let Some(prefix) = lower.strip_suffix('*') {
                if !prefix.contains(['*', '?']) {
                    lengths.insert(prefix.len());
                    prefixed.entry(prefix.to_string()).or_default().push(j);
                }
            }
            exact.entry(lower).or_default().push(j);
        }
        if other.all.len() > MAX_INDEXED_ACTIONS {
            broad.push(j);
        } else {
            for action in other.all.iter() {
                by_action.entry(action).or_default().push(j);
            }
        }
    }
    let none = Vec::new();
    listed
        .iter()
        .enumerate()
        .map(|(i, this)| {
            let by_resource: Vec<usize> = match this.statement.resources().first() {
                // No resource: every statement's resources cover all of its (none).
                None => unconditional.clone(),
                Some(first) => {
                    let first = first.value.to_ascii_lowercase();
                    let prefixes = lengths
                        .iter()
                        .take_while(|&&n| n <= first.len())
                        .filter_map(|&n| first.get(..n))
                        .filter_map(|prefix| prefixed.get(prefix));
                    exact
                        .get(&first)
                        .into_iter()
                        .chain(prefixes)
                        .flatten()
                        .copied()
                        .collect()
                }
            };
            let mut candidates = if this.all.len() > MAX_INDEXED_ACTIONS {
                by_resource
            } else {
                let sharing: usize = this
                    .all
                    .iter()
                    .map(|a| by_action.get(&a).map_or(0, Vec::len))
                    .sum::<usize>()
                    + broad.len();
                if sharing < by_resource.len() {
                    this.all
                        .iter()
                        .flat_map(|a| by_action.get(&a).unwrap_or(&none))
                        .chain(&broad)
                        .copied()
                        .collect()
                } else {
                    by_resource
                }
            };
            candidates.sort_unstable();
            candidates.dedup();
            candidates.into_iter().find(|&j| {
                j != i
                    && listed.get(j).is_some_and(|other| {
                        covers_statement(other, this) && (j < i || !covers_statement(this, other))
                    })
            })
        })
        .collect()
}

impl RedundantPermission {
    fn within_statement(
        &self,
        this: &Listed<'_>,
        reported: &mut BTreeSet<Span>,
        out: &mut Vec<Finding>,
    ) {
        for (i, (pattern, set)) in this.patterns.iter().enumerate() {
            let cover = this.patterns.iter().enumerate().find(|(j, (_, other))| {
                *j != i && set.is_subset_of(other) && (set != other || *j < i)
            });
            if let Some((_, (by, _))) = cover {
                reported.insert(pattern.span);
                out.push(
                    Finding::new(
                        self.meta(),
                        pattern.span,
                        if by.value.eq_ignore_ascii_case(&pattern.value) {
                            format!("`{}` is listed twice in the same statement", pattern.value)
                        } else {
                            format!(
                                "`{}` is already covered by `{}` in the same statement",
                                pattern.value, by.value
                            )
                        },
                    )
                    .with_help(format!("remove `{}`", pattern.value))
                    .with_related(by.span, "covered by this"),
                );
            }
        }
    }

    /// `this` is a statement whose resources `other` covers, with `other` applying at
    /// least as often: report `this` whole, or its patterns that `other` covers.
    fn across_statements(
        &self,
        this: &Listed<'_>,
        other: &Listed<'_>,
        reported: &mut BTreeSet<Span>,
        out: &mut Vec<Finding>,
    ) {
        let other_span = other
            .statement
            .action
            .as_ref()
            .map_or(other.statement.span, |b| b.span);
        let effect = this.statement.effect.map_or("", |e| e.value.name());
        if !this.all.is_empty() && this.all.is_subset_of(other.all) {
            out.push(
                Finding::new(
                    self.meta(),
                    this.statement.span,
                    format!("this {effect} statement is redundant: another statement already covers all its actions on all its resources, with no conditions"),
                )
                .with_help("remove this statement")
                .with_related(other_span, "covered by this statement"),
            );
            return;
        }
        for (pattern, set) in &this.patterns {
            if set.is_subset_of(other.all) && reported.insert(pattern.span) {
                out.push(
                    Finding::new(
                        self.meta(),
                        pattern.span,
                        format!("`{}` is already granted by another statement on the same resources, with no conditions", pattern.value),
                    )
                    .with_help(format!("remove `{}` from this statement", pattern.value))
                    .with_related(other_span, "covered by this statement"),
                );
            }
        }
    }
}

/// Whether `other` applies wherever `this` does: same effect, no conditions, and its
/// resources cover every resource of `this`.
fn covers_statement(other: &Listed<'_>, this: &Listed<'_>) -> bool {
    let (a, b) = (other.statement, this.statement);
    let same_effect = a.effect.map(|e| e.value) == b.effect.map(|e| e.value) && a.effect.is_some();
    same_effect
        && a.conditions.is_empty()
        && !a.conditions_incomplete
        && other.all.intersects(this.all)
        && b.resources().iter().all(|r| {
            a.resources()
                .iter()
                .any(|o| pattern_covers(&o.value, &r.value))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::catalog::Catalog;
    use proptest::prelude::*;
    use trustlint_parser::iam::load_policy;
    use trustlint_parser::json::parse_json;
    use trustlint_parser::FileId;

    const ACTIONS: &[&str] = &[
        "s3:GetObject",
        "s3:PutObject",
        "s3:Get*",
        "s3:*",
        "ec2:RunInstances",
        "*",
        "iam:PassRole",
    ];
    const RESOURCES: &[&str] = &[
        "*",
        "arn:aws:s3:::a",
        "ARN:aws:s3:::A",
        "arn:aws:s3:::a*",
        "arn:aws:s3:::a/*",
        "arn:aws:s3:::a/b",
        "arn:aws:s3:::a?b",
        "arn:aws:s3:::*/b",
        "arn:aws:s3:::b",
        "arn:*",
    ];

    fn statement() -> impl Strategy<Value = String> {
        (
            any::<bool>(),
            prop::collection::vec(0..ACTIONS.len(), 1..3),
            prop::collection::vec(0..RESOURCES.len(), 0..3),
            0..4u8,
        )
            .prop_map(|(deny, actions, resources, condition)| {
                let list = |names: Vec<&str>| {
                    names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                let condition = if condition == 0 {
                    r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#
                } else {
                    ""
                };
                format!(
                    r#"{{"Effect":"{}","Action":[{}],"Resource":[{}]{condition}}}"#,
                    if deny { "Deny" } else { "Allow" },
                    list(actions.into_iter().map(|a| ACTIONS[a]).collect()),
                    list(resources.into_iter().map(|r| RESOURCES[r]).collect()),
                )
            })
    }

    proptest! {
        #[test]
        fn indexing_finds_what_trying_all_finds(statements in prop::collection::vec(statement(), 0..24)) {
            let text = format!(r#"{{"Statement":[{}]}}"#, statements.join(","));
            let root = parse_json(FileId(0), &text, &trustlint_parser::Limits::default()).unwrap();
            let policy = load_policy(&root, &mut Vec::new()).unwrap();
            let written: Vec<WrittenActions> = policy
                .statements
                .iter()
                .map(|s| crate::analysis::permissions::written_actions(Catalog::get(), s))
                .collect();
            let listed = listed(policy.statements.iter().zip(&written));
            prop_assert_eq!(covering_by_index(&listed), covering_by_trying_all(&listed));
        }
    }
}
