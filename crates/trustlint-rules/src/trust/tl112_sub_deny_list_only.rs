//! TL112 sub-deny-list-only: an OIDC trust whose `sub` is restricted only by exclusions
//! (`StringNotEquals`/`StringNotLike`, or `Deny` carve-outs): every other project on the
//! provider can assume the role.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;


use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct SubDenyListOnly;

impl Rule for SubDenyListOnly {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL112
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        for analysis in cx.grant_analyses(policy) {
            if !analysis.deny_list_only() {
                continue;
            }
            let grant = &analysis.grant;
            let host = grant.provider.condition_key_prefix();
            let key = grant.provider.condition_key("sub");
            let example = analysis
                .exact_subs()
                .and_then(|subs| subs.example().ok().flatten())
                .unwrap_or_default();
            let (primary, how) = match analysis.sub_conditions().next() {
                Some(condition) => (
                    condition.operator.span,
                    format!("only by `{}`", condition.operator.value),
                ),
                None => (grant.statement.span, "only by `Deny` statements".to_owned()),
            };
            out.push(
                Finding::new(
                    self.meta(),
                    primary,
                    format!(
                        "`{key}` is restricted {how}: every sub not excluded — for example `{example}`, any project on {host} — can assume this role"
                    ),
                )
                .with_help(format!(
                    "allow-list instead: `StringEquals` on `{key}` with the exact subs, e.g. \"{}\"",
                    grant.kind.example_sub(cx.settings)
                ))
                .with_related(grant.principal.span, grant.trusted_here()),
            );
        }
    }
}
