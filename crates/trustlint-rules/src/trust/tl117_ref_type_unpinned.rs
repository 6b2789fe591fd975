//! TL117 ref-type-unpinned: a GitLab trust that admits a branch and a tag of the same
//! name (`ref_type:*:ref:main`, a branch and a same-named tag in two statements, or a
//! `sub-claim` without `ref_type`): tags are unprotected by default, so a pushed tag
//! named like the protected branch gets its credentials.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::{gitlab_roles, variable_syntax, SubValue};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct RefTypeUnpinned;

impl Rule for RefTypeUnpinned {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL117
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let syntax = variable_syntax(policy);
        let analyses = cx.grant_analyses(policy);
        for role in gitlab_roles(&analyses) {
            let Some((branch, tag)) = role.unpinned_ref_type() else {
                continue;
            };
            let values = role.values();
            // The value admitting the tag is the hole; prefer one admitting both. A tag
            // listed exactly (no wildcard) is a deliberate choice, unless the claim has
            // no `ref_type` at all.
            let deliberate = |v: &SubValue<'_>| branch != tag && !v.has_wildcards(syntax);
            let culprit = values
                .iter()
                .filter(|(_, v)| !deliberate(v))
                .find(|(_, v)| v.language.contains(&branch) && v.language.contains(&tag))
                .or_else(|| {
                    values
                        .iter()
                        .filter(|(_, v)| !deliberate(v))
                        .find(|(_, v)| v.language.contains(&tag))
                });
            let Some((analysis, value)) = culprit else {
                continue;
            };
            let written = &value.value.value;
            let message = if branch == tag {
                format!(
                    "the project's sub claim has no `ref_type` (`[gitlab] sub-claim`): `{branch}`, admitted through `{written}`, is carried by a branch and by a tag of that name alike, and tags are unprotected by default — any Developer can push one and assume this role"
                )
            } else {
                format!(
                    "the ref name is fixed but not its type: besides the branch (`{branch}`), the tag `{tag}` is admitted through `{written}`, and tags are unprotected by default — any Developer can push a tag of that name and assume this role"
                )
            };
            out.push(
                Finding::new(self.meta(), value.value.span, message)
                    .with_help("pin the type: `…:ref_type:branch:ref:NAME` (and include `ref_type` in the project's sub claim)")
                    .with_related(analysis.grant.principal.span, analysis.grant.trusted_here()),
            );
        }
    }
}
