//! TL116 sub-unmatchable: a value of a positive `sub` condition that no GitLab token can
//! carry (`ref_type:mr`, no `project_path:` prefix, components out of the project's
//! `sub-claim` order): that value admits no pipeline.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::{variable_syntax, SubVerdict};
use crate::analysis::glob::{Operator, Pattern};
use crate::analysis::sub_claim::SubError;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct SubUnmatchable;

impl Rule for SubUnmatchable {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL116
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let syntax = variable_syntax(policy);
        for analysis in cx.grant_analyses(policy) {
            let grant = &analysis.grant;
            if !grant.kind.is_gitlab()
                || analysis.foreign
                || grant.statement.conditions_incomplete
                || *analysis.verdict() == SubVerdict::NoToken
            {
                continue;
            }
            let Some(reasoner) = &analysis.reasoner else {
                continue;
            };
            let components = reasoner.grammar().components();
            let order = components
                .as_slice()
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ");
            for value in analysis.positive_sub_values() {
                let pattern = value.pattern(syntax);
                // `StringEquals` on a value with `*`/`?` is TL105's (the operator is wrong).
                let literal_wildcard = value.operator.pattern_operator() == Operator::Equals
                    && Pattern::has_wildcards_of(&value.value.value, Operator::Like, syntax);
                // A value matching some sub (its language, within the grammar, is not
                // empty) is matchable: the diagnosis is for the rest.
                if pattern.has_variables() || literal_wildcard || !value.language.is_empty() {
                    continue;
                }
                let Ok(Some(unmatchable)) = reasoner
                    .grammar()
                    .diagnose_unmatchable(&pattern, value.operator.case())
                else {
                    continue;
                };
                let help = match &unmatchable.reason {
                    SubError::InvalidRefType { .. } => "GitLab's `ref_type` is `branch` or `tag`; a merge-request pipeline carries `ref_type:branch` with its source branch as `ref`".to_owned(),
                    SubError::MissingPrefix { .. } => "a GitLab sub starts with `project_path:`, e.g. `project_path:mygroup/myproject:ref_type:branch:ref:main`".to_owned(),
                    SubError::InvalidValue { component, .. } => format!("write a `{component}` value GitLab can produce"),
                    _ => format!("write the components in the project's sub claim order ({order}; `[gitlab] sub-claim`)"),
                };
                out.push(
                    Finding::new(
                        self.meta(),
                        value.value.span,
                        format!(
                            "no GitLab token's `sub` matches `{}`: {} (`{}` is no sub GitLab issues), so this value admits no pipeline — AccessDenied for the jobs it was written for",
                            value.value.value, unmatchable.reason, unmatchable.example
                        ),
                    )
                    .with_help(help)
                    .with_related(grant.principal.span, grant.trusted_here()),
                );
            }
        }
    }
}
