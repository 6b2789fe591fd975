//! TL203 wildcard-resource: `Resource: "*"` (or an ARN pattern that is every resource of
//! its type in every account, like `arn:*:cloudtrail:*:*:trail/*`) on write, tagging or
//! permissions-management actions that could be limited to specific resources (they have
//! resource types in the catalog), with no condition scoping the resources instead.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::{describe_actions, PolicyAccess};
use crate::analysis::catalog::{AccessLevel, ActionSet, Catalog};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct WildcardResource;

/// Condition keys that scope a statement to some resources the way `Resource` would.
const RESOURCE_SCOPING_KEYS: &[&str] = &[
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
];

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
        let Some(access) = PolicyAccess::of(cx, document, policy) else {
            return;
        };
        let catalog = Catalog::get();
        for grant in access.grants.iter().filter(|g| !g.is_admin()) {
            let Some(star) = grant.star_resource().or_else(|| {
                grant
                    .statement
                    .resources()
                    .iter()
                    .find(|r| is_effectively_star(&r.value))
            }) else {
                continue;
            };
            let scoped = grant.statement.conditions.iter().any(|c| {
                let key = c.key_lower();
                key.contains(":resourcetag/") || RESOURCE_SCOPING_KEYS.contains(&key.as_str())
            });
            if scoped || grant.statement.conditions_incomplete {
                continue;
            }
            let mut changing = ActionSet::empty();
            for id in grant.effective().iter() {
                if catalog.action(id).is_some_and(|a| {
                    a.has_resource_types()
                        && matches!(
                            a.access_level(),
                            AccessLevel::Write
                                | AccessLevel::Tagging
                                | AccessLevel::PermissionsManagement
                        )
                }) {
                    changing.insert(id);
                }
            }
            if changing.is_empty() {
                continue;
            }
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
            let resource = if star.value == "*" {
                "`Resource: \"*\"`".to_string()
            } else {
                format!(
                    "`{}`, every resource of its type in any account,",
                    star.value
                )
            };
            out.push(
                Finding::new(
                    self.meta(),
                    star.span,
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

/// Whether an ARN pattern names every resource of a type in every account and region:
/// the account is `*`, the region `*` or empty, and the resource `*`, `TYPE/*` or
/// `TYPE:*` (`arn:*:cloudtrail:*:*:trail/*`).
fn is_effectively_star(resource: &str) -> bool {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let [arn, _partition, _service, region, account, rest] = parts.as_slice() else {
        return false;
    };
    let any = |field: &str| field.is_empty() || field == "*";
    let rest_is_all = *rest == "*"
        || rest
            .strip_suffix("/*")
            .or_else(|| rest.strip_suffix(":*"))
            .is_some_and(|kind| kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    *arn == "arn" && any(region) && *account == "*" && rest_is_all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effectively_star() {
        assert!(is_effectively_star("arn:*:cloudtrail:*:*:trail/*"));
        assert!(is_effectively_star("arn:*:lambda:*:*:function:*"));
        assert!(!is_effectively_star(
            "arn:aws:cloudtrail:*:123456789012:trail/*"
        ));
        assert!(!is_effectively_star("arn:*:s3:::my-bucket/*"));
        assert!(is_effectively_star("arn:aws:sqs:*:*:*"));
        assert!(!is_effectively_star("*"));
    }
}
