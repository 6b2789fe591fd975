//! AWS managed policies that grant broad access, kept as data in
//! `rules/data/aws_managed_policies.txt`, and the lookup of a policy ARN in it (TL201 for
//! `AdministratorAccess`, TL210 for the others).

use std::sync::OnceLock;

use trustlint_parser::iam::Role;
use trustlint_parser::spanned::Spanned;

use crate::analysis::glob::matches_ignore_case;

const MANAGED_TEXT: &str = include_str!("../../rules/data/aws_managed_policies.txt");

/// A known broad AWS managed policy.
#[derive(Debug, PartialEq, Eq)]
pub struct ManagedPolicy {
    pub name: &'static str,
    /// True for `AdministratorAccess`-level access (TL201's level).
    pub admin: bool,
    pub grants: &'static str,
}

fn known() -> &'static [ManagedPolicy] {
    static KNOWN: OnceLock<Vec<ManagedPolicy>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        MANAGED_TEXT
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let mut fields = line.split('\t');
                Some(ManagedPolicy {
                    name: fields.next()?,
                    admin: fields.next()? == "admin",
                    grants: fields.next()?,
                })
            })
            .collect()
    })
}

/// How broad an AWS managed policy is.
#[derive(Debug, PartialEq, Eq)]
pub enum Breadth {
    /// A policy of `rules/data/aws_managed_policies.txt`.
    Known(&'static ManagedPolicy),
    /// Another AWS managed `…FullAccess` policy.
    FullAccess,
}

/// How broad the AWS managed policy an ARN names is
/// (`arn:aws:iam::aws:policy/PowerUserAccess`, any partition, also with a path or a
/// `${AWS::Partition}`); `None` for a narrow or customer-managed policy.
pub fn classify(arn: &str) -> Option<Breadth> {
    let name = aws_managed_name(arn)?;
    match known().iter().find(|p| p.name == name) {
        Some(found) => Some(Breadth::Known(found)),
        None => name.ends_with("FullAccess").then_some(Breadth::FullAccess),
    }
}

/// The known broad policies an `iam:PolicyARN` condition value (an ARN or an `ArnLike`
/// pattern) admits.
pub fn admitted_by(pattern: &str) -> Vec<&'static ManagedPolicy> {
    known()
        .iter()
        .filter(|p| matches_ignore_case(pattern, &format!("arn:aws:iam::aws:policy/{}", p.name)))
        .collect()
}

/// The policy name of an AWS managed policy ARN: account `aws`, resource `policy/…`.
/// `${…}` interpolations (`${AWS::Partition}`) count as one opaque field value.
fn aws_managed_name(arn: &str) -> Option<String> {
    let mut plain = String::with_capacity(arn.len());
    let mut rest = arn;
    while let Some(start) = rest.find("${") {
        plain.push_str(rest.get(..start)?);
        let end = rest.get(start..)?.find('}')? + start;
        plain.push('$');
        rest = rest.get(end + 1..)?;
    }
    plain.push_str(rest);
    let mut parts = plain.splitn(6, ':');
    let (scheme, _partition, service, _region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if scheme != "arn" || service != "iam" || account != "aws" {
        return None;
    }
    resource
        .strip_prefix("policy/")?
        .rsplit('/')
        .next()
        .map(str::to_string)
}

/// How a message says that `role` has the managed policy `arn` attached: "has", or
/// "may have" with the reason when the attachment may not exist
/// ([`Role::attachment_is_conditional`]).
pub fn attached_verb(role: &Role, arn: &Spanned<String>) -> &'static str {
    if role.attachment_is_conditional(arn) {
        "may have (its attachment has a `count` or `for_each` that can't be evaluated offline)"
    } else {
        "has"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_managed_policies() {
        let Some(Breadth::Known(admin)) = classify("arn:aws:iam::aws:policy/AdministratorAccess")
        else {
            panic!("AdministratorAccess is known")
        };
        assert!(admin.admin);
        assert!(matches!(
            classify("arn:aws:iam::aws:policy/PowerUserAccess"),
            Some(Breadth::Known(p)) if p.name == "PowerUserAccess" && !p.admin
        ));
        assert_eq!(
            classify("arn:aws:iam::aws:policy/AmazonSQSFullAccess"),
            Some(Breadth::FullAccess)
        );
        assert!(classify("arn:aws:iam::aws:policy/ReadOnlyAccess").is_none());
        assert!(classify("arn:aws:iam::123456789012:policy/AdministratorAccess").is_none());
        assert!(matches!(
            classify("arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"),
            Some(Breadth::Known(p)) if p.admin
        ));
        assert!(matches!(
            classify("arn:aws-us-gov:iam::aws:policy/job-function/PowerUserAccess"),
            Some(Breadth::Known(_))
        ));
        assert_eq!(admitted_by("arn:aws:iam::aws:policy/*").len(), 14);
        assert!(admitted_by("arn:aws:iam::aws:policy/ReadOnlyAccess").is_empty());
    }
}
