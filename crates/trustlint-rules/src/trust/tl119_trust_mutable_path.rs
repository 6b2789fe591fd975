//! TL119 trust-mutable-path: a GitLab trust whose `sub` conditions name the project by
//! its path, with no stable id beside it (`gitlab.com:project_id`/`namespace_id`
//! pinned to written ids, or a `project_id`-first `sub`): a recycled path mints the same
//! claims. A note, with GitLab's and AWS's guidance for the provider's host.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::SubVerdict;
use crate::analysis::claims::is_gitlab_com;
use crate::analysis::sub_claim::Component;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct TrustMutablePath;

impl Rule for TrustMutablePath {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL119
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        for analysis in cx.grant_analyses(policy) {
            let grant = &analysis.grant;
            let judged = matches!(
                analysis.verdict(),
                SubVerdict::Narrower | SubVerdict::EveryRef { .. }
            );
            if !grant.kind.is_gitlab() || !judged || analysis.pins.is_tenant_bound() {
                continue;
            }
            let by_path = analysis.reasoner.as_ref().is_some_and(|reasoner| {
                reasoner.grammar().components().as_slice().first() == Some(&Component::ProjectPath)
            });
            let values = analysis.positive_sub_values();
            let Some(first) = values.first() else {
                continue;
            };
            if !by_path {
                continue;
            }
            let host = grant.provider.condition_key_prefix();
            let sub = grant.provider.condition_key("sub");
            let help = if is_gitlab_com(host) {
                format!(
                    "pin the stable ids beside `{sub}`, as GitLab's AWS guide does: `\"{}\": \"<project id>\"` (and `{}`) in the same `StringEquals` block",
                    grant.provider.condition_key("project_id"),
                    grant.provider.condition_key("namespace_id"),
                )
            } else {
                format!(
                    "AWS has no id keys for `{host}`: configure the project's ID token `sub` to start with `project_id` (`project_id:<id>:ref_type:branch:ref:{}`) and compare that (`[gitlab] sub-claim`)",
                    cx.settings.default_branch
                )
            };
            let mut finding = Finding::new(
                self.meta(),
                first.value.span,
                format!(
                    "this trust identifies the project only by its path (`{}`): if the project or its group is deleted, renamed or transferred, whoever registers the path again gets tokens with the same `sub`",
                    first.value.value
                ),
            )
            .with_help(help)
            .with_related(grant.principal.span, grant.trusted_here());
            for value in values.iter().skip(1) {
                finding = finding.with_related(value.value.span, "also a path");
            }
            out.push(finding);
        }
    }
}
