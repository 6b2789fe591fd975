//! TL208 redundant-permission: an action pattern, or a whole statement, already covered
//! by another of the same policy (`s3:GetObject` beside `s3:*`): noise that hides what
//! the policy really grants.

use std::collections::BTreeSet;

use trustlint_parser::iam::{PolicyDocument, Statement};
use trustlint_parser::input::Document;
use trustlint_parser::spanned::Spanned;
use trustlint_parser::Span;

use super::pattern_covers;
use crate::analysis::catalog::ActionSet;
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
        let listed: Vec<Listed<'_>> = access
            .statements()
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
            .collect();
        let mut reported = BTreeSet::new();
        for (i, this) in listed.iter().enumerate() {
            self.within_statement(this, &mut reported, out);
            for (j, other) in listed.iter().enumerate() {
                if i != j && covers_statement(other, this) {
                    let mutual = covers_statement(this, other);
                    if !mutual || j < i {
                        self.across_statements(this, other, &mut reported, out);
                        break;
                    }
                }
            }
        }
    }
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
