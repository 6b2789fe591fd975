//! Permissions-policy rules (TL2xx): one file per rule, reading the access an identity
//! policy grants ([`crate::analysis::permissions`]); `exposure` (what a statement exposes
//! to others) and `managed` (AWS managed policies) are shared by several of them, and
//! this module summarises the findings in AWS's own managed policies.

mod exposure;
mod managed;
include!(concat!(env!("OUT_DIR"), "/rules_permissions.rs"));

pub use crate::analysis::permissions::*;

use trustlint_parser::iam::{IamResources, NamedPolicy, PolicyDocument};

use crate::analysis::catalog::{ActionSet, Catalog};
use crate::finding::{Finding, Severity};

/// AWS-owned resources (`arn:aws:iam::aws:policy/...`) cannot be changed by anyone.
pub(crate) fn is_aws_owned(resource: &str) -> bool {
    resource
        .split(':')
        .nth(4)
        .is_some_and(|account| account == "aws")
}

/// The AWS managed policy (`arn:aws:iam::aws:policy/…`) of an account export that
/// `policy` is, if it is one.
pub(crate) fn aws_managed<'r>(
    resources: &'r IamResources,
    policy: &PolicyDocument,
) -> Option<&'r NamedPolicy> {
    resources.policies.iter().find(|named| {
        std::ptr::eq(&named.document, policy)
            && named
                .arn
                .as_ref()
                .is_some_and(|arn| is_aws_owned(&arn.value))
    })
}

/// What one rule found in an AWS managed policy of an account export, as the export's
/// owner can act on it: nothing where no role, user or group of the export attaches the
/// policy (AWS ships hundreds, and only AWS can edit them); else one note per rule and
/// policy, at its first finding, naming who attaches it and how many more there are.
pub(crate) fn summarise_aws_managed(
    resources: &IamResources,
    policy: &NamedPolicy,
    found: Vec<Finding>,
    out: &mut Vec<Finding>,
) {
    let Some(arn) = &policy.arn else {
        return;
    };
    let attached_by = resources.attached_by(&arn.value);
    let count = found.len();
    let Some(first) = found
        .into_iter()
        .min_by_key(|f| (f.primary.start, f.primary.end))
    else {
        return;
    };
    if attached_by.is_empty() {
        return;
    }
    let name = policy
        .name
        .as_ref()
        .map_or(arn.value.as_str(), |n| n.value.as_str());
    let more = match count {
        1 => String::new(),
        n => format!(" ({} more like this in the policy)", n - 1),
    };
    out.push(Finding {
        severity: Severity::Note,
        message: format!(
            "in the AWS managed policy `{name}`, attached to {}: {}{more}",
            attached_by.join(", "),
            first.message
        ),
        help: Some(
            "only AWS can edit this policy: if this access matters, detach it and attach a customer managed policy with the access needed".into(),
        ),
        ..first
    });
}

/// Up to `limit` qualified action names of a set, for messages: "a, b, c and 12 more".
pub fn describe_actions(set: &ActionSet, limit: usize) -> String {
    let catalog = Catalog::get();
    let names: Vec<String> = set
        .iter()
        .filter_map(|id| catalog.action(id))
        .take(limit)
        .map(|a| format!("`{}`", a.qualified_name()))
        .collect();
    let rest = set.len().saturating_sub(names.len());
    if rest == 0 {
        names.join(", ")
    } else {
        format!("{} and {rest} more", names.join(", "))
    }
}
