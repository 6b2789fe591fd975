//! TL202 service-wildcard-action: an `Allow` of `SERVICE:*`, every action of a service,
//! present and future.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use crate::analysis::catalog::{AccessLevel, Catalog};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct ServiceWildcardAction;

impl Rule for ServiceWildcardAction {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL202
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
        let catalog = Catalog::get();
        for grant in access.grants.iter().filter(|g| !g.is_admin()) {
            for (pattern, set) in grant.patterns() {
                let Some((prefix, "*")) = pattern.value.split_once(':') else {
                    continue;
                };
                if prefix.contains(['*', '?']) {
                    continue;
                }
                let mut remaining = set.clone();
                remaining.intersect_with(grant.effective());
                if remaining.is_empty() {
                    continue;
                }
                let service = catalog.service(prefix).map_or(prefix, |s| s.name());
                let writes = remaining
                    .iter()
                    .filter_map(|id| catalog.action(id))
                    .filter(|a| {
                        a.access_level() != AccessLevel::List
                            && a.access_level() != AccessLevel::Read
                    })
                    .count();
                out.push(
                    Finding::new(
                        self.meta(),
                        pattern.span,
                        format!(
                            "`{}` allows all {} actions of {service}{}, {writes} of them Write, Tagging or Permissions management, and every action AWS adds to it later",
                            pattern.value,
                            remaining.len(),
                            grant.conditional_note()
                        ),
                    )
                    .with_help(format!(
                        "list the `{prefix}:` actions the pipeline calls instead of `{prefix}:*`"
                    )),
                );
            }
        }
    }
}
