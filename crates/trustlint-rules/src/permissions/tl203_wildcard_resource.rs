//! TL203 wildcard-resource: effectively every resource (`Resource: "*"`, an ARN pattern
//! that is every resource of its type in every account, like `arn:*:cloudtrail:*:*:trail/*`,
//! or `NotResource`: [`super::Grant::every_resource_for`]) on write, tagging or
//! permissions-management actions that could be limited to specific resources (they have
//! resource types in the catalog), with no condition scoping the resources instead.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use std::collections::BTreeMap;

use super::{describe_actions, EveryResource};
use crate::analysis::catalog::{AccessLevel, ActionSet, Catalog};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct WildcardResource;

impl Rule for WildcardResource {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL203
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
            if grant.scoped_by_condition() {
                continue;
            }
            // The changing actions, by the text that gives them every resource.
            let mut by_resource: BTreeMap<EveryResource<'_>, ActionSet> = BTreeMap::new();
            for id in grant.effective().iter() {
                let changing = catalog.action(id).is_some_and(|a| {
                    a.has_resource_types()
                        && matches!(
                            a.access_level(),
                            AccessLevel::Write
                                | AccessLevel::Tagging
                                | AccessLevel::PermissionsManagement
                        )
                });
                if let Some(every) = changing.then(|| grant.every_resource_for(id)).flatten() {
                    by_resource
                        .entry(every)
                        .or_insert_with(ActionSet::empty)
                        .insert(id);
                }
            }
            for (every, changing) in by_resource {
                let (count, what) = match changing.len() {
                    1 => (
                        "1 write, tagging or permissions-management action".to_string(),
                        "it",
                    ),
                    n => (
                        format!("{n} write, tagging or permissions-management actions"),
                        "each",
                    ),
                };
                let resource = match every.written {
                    Some("*") => "`Resource: \"*\"`".to_string(),
                    _ => every.describe(),
                };
                out.push(
                    Finding::new(
                        self.meta(),
                        every.span,
                        format!(
                            "{resource} gives {count} all resources{}, though {what} can be limited to specific resources: {}",
                            grant.conditional_note(),
                            describe_actions(&changing, 3)
                        ),
                    )
                    .with_help("replace the wildcard with the ARNs the pipeline changes (e.g. `arn:aws:s3:::my-bucket/*`), or scope with an `aws:ResourceTag/...` condition"),
                );
            }
        }
    }
}
