//! TL118 partial-trust-check: a value the trust rules need is a placeholder or an
//! interpolation that can't be resolved offline (`${var.project}` in a `sub` pattern, a
//! provider written as `${aws_iam_openid_connect_provider.x.arn}` with keys
//! `${var.url}:sub`), so some checks were skipped. One note per OIDC grant (or per
//! unresolved provider), naming the values and the rules they kept from running.
//!
//! Only what actually blocks a check counts: a placeholder account in the `Federated`
//! ARN, or a `Federated` placeholder whose condition keys name the provider, blocks
//! nothing; an unknown `aud` under `StringEquals` still restricts `aud` to one value, so
//! TL102's answer is known.

use std::collections::BTreeSet;

use trustlint_parser::iam::placeholder::{has_interpolation, is_placeholder};
use trustlint_parser::iam::{BaseOperator, Condition, PolicyDocument};
use trustlint_parser::input::Document;
use trustlint_parser::{ProblemKind, Span};

use super::{
    carve_outs, sub_operator, unresolved_providers, GrantAnalysis, ProviderKind,
};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

/// The checks that need the whole `sub` language of a grant exactly.
const LANGUAGE_CHECKS: &[&str] = &["TL101", "TL112"];
/// The same, for GitLab providers.
const GITLAB_LANGUAGE_CHECKS: &[&str] = &["TL101", "TL104", "TL112", "TL115", "TL117"];
/// The checks that read the GitLab `sub` grammar.
const GITLAB_CHECKS: &[&str] = &["TL103", "TL104", "TL115", "TL116", "TL117"];
/// The checks that need to know the provider and its condition keys.
const PROVIDER_CHECKS: &[&str] = &[
    "TL101", "TL102", "TL103", "TL104", "TL106", "TL112", "TL115", "TL116", "TL117",
];

#[derive(Debug)]
pub struct PartialTrustCheck;

impl Rule for PartialTrustCheck {
    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        for problem in document
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::PartialTrust)
        {
            let mut finding = Finding::new(self.meta(), problem.span, problem.message.clone());
            if let Some(help) = &problem.help {
                finding = finding.with_help(help.clone());
            }
            out.push(finding);
        }
    }

    fn meta(&self) -> &'static RuleMeta {
        &meta::TL118
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        for (statement, principal) in unresolved_providers(policy) {
            let keys: Vec<String> = statement
                .conditions
                .iter()
                .map(|c| format!("`{}`", c.key.value))
                .collect();
            let keys = if keys.is_empty() {
                "the statement has no condition naming it".to_owned()
            } else {
                format!(
                    "its condition keys ({}) don't name it either",
                    keys.join(", ")
                )
            };
            out.push(
                Finding::new(
                    self.meta(),
                    principal.span,
                    format!(
                        "the OIDC provider `{}` can't be resolved offline and {keys}: {} could not be checked for this statement",
                        principal.value,
                        list(PROVIDER_CHECKS.iter().copied())
                    ),
                )
                .with_help("check the rendered policy (`terraform show -json` of a plan, `aws iam get-role`), or write the provider's host in the condition keys"),
            );
        }
        // A statement requiring another provider's claim admits nobody (TL106): nothing
        // a placeholder hides changes that.
        for analysis in cx.grant_analyses(policy)
            .into_iter()
            .filter(|a| !a.foreign)
        {
            let unknowns = unknowns(policy, &analysis);
            let Some((first, rest)) = unknowns.split_first() else {
                continue;
            };
            let codes: BTreeSet<&str> = unknowns.iter().flat_map(|u| u.codes.clone()).collect();
            let what = if rest.is_empty() {
                "it"
            } else {
                "these values"
            };
            let also = match rest.len() {
                0 => String::new(),
                1 => " (and 1 more value)".to_owned(),
                n => format!(" (and {n} more values)"),
            };
            let mut finding = Finding::new(
                self.meta(),
                first.span,
                format!(
                    "{}{also} can't be resolved offline: {} could not be checked for {what}",
                    first.subject,
                    list(codes.into_iter())
                ),
            )
            .with_help("check the rendered policy (`terraform show -json` of a plan, `aws iam get-role`), or give the value literally")
            .with_related(analysis.grant.principal.span, analysis.grant.trusted_here());
            for unknown in rest {
                finding = finding.with_related(
                    unknown.span,
                    format!("{} is not known either", unknown.subject),
                );
            }
            out.push(finding);
        }
    }
}

/// A value that can't be resolved offline and the checks it kept from running.
struct Unknown {
    span: Span,
    /// The placeholder and where it is (`` `${var.project}` in `gitlab.com:sub` ``).
    subject: String,
    codes: BTreeSet<&'static str>,
}

/// The unknown values of one grant that block a check: in its provider, in the `sub`
/// conditions of its statement and of the `Deny` carve-outs, and in `StringLike`
/// conditions on `aud`.
fn unknowns(policy: &PolicyDocument, analysis: &GrantAnalysis<'_>) -> Vec<Unknown> {
    let grant = &analysis.grant;
    let gitlab = grant.kind.is_gitlab();
    let mut out = Vec::new();
    if grant.kind == ProviderKind::Other && has_interpolation(&grant.provider.provider) {
        out.push(Unknown {
            span: grant.principal.span,
            subject: format!(
                "the provider host `{}`, which decides whether GitLab's `sub` rules apply,",
                grant.provider.provider
            ),
            codes: GITLAB_CHECKS.iter().copied().collect(),
        });
    }
    let language_inexact = analysis.subs.as_ref().is_some_and(|subs| !subs.is_exact());
    let language_checks: &[&str] = match (language_inexact, gitlab) {
        (false, _) => &[],
        (true, true) => GITLAB_LANGUAGE_CHECKS,
        (true, false) => LANGUAGE_CHECKS,
    };
    let sub_key = grant.provider.condition_key("sub");
    let mut sub_conditions: Vec<(&Condition, bool)> = grant
        .conditions_on("sub")
        .map(|condition| (condition, true))
        .collect();
    for deny in carve_outs(policy, grant, &sub_key) {
        sub_conditions.extend(deny.conditions.iter().map(|condition| (condition, false)));
    }
    for (condition, in_allow) in sub_conditions {
        if !has_unknown_value(condition) {
            continue;
        }
        let positive = in_allow && sub_operator(condition).is_some_and(|op| !op.is_negated());
        let value_checks: &[&str] = match (gitlab && positive, condition.operator.value.base) {
            (true, BaseOperator::StringLike) => &["TL103", "TL116"],
            (true, _) => &["TL116"],
            (false, _) => &[],
        };
        let codes: BTreeSet<&'static str> = value_checks
            .iter()
            .chain(language_checks)
            .copied()
            .collect();
        if !codes.is_empty() {
            out.extend(unknown_values(condition, &codes));
        }
    }
    let mut unknown_claims = grant.unknown_claim_conditions().peekable();
    let claim_checks: BTreeSet<&'static str> = if unknown_claims.peek().is_some() {
        ["TL101", "TL102"]
            .iter()
            .chain(if gitlab {
                GITLAB_LANGUAGE_CHECKS
            } else {
                LANGUAGE_CHECKS
            })
            .copied()
            .collect()
    } else {
        BTreeSet::new()
    };
    for condition in unknown_claims {
        let key = &condition.key.value;
        let claim = key.get(grant.provider.condition_key_prefix().len() + 1..);
        out.push(Unknown {
            span: condition.key.span,
            subject: format!(
                "`{}` in the condition key `{key}` (it may be the check on `sub` or on `aud`)",
                claim.and_then(placeholder_in).unwrap_or(key)
            ),
            codes: claim_checks.clone(),
        });
    }
    for condition in grant
        .conditions_on("aud")
        .filter(|c| c.operator.value.base == BaseOperator::StringLike && has_unknown_value(c))
    {
        out.extend(unknown_values(condition, &BTreeSet::from(["TL102"])));
    }
    out
}

/// Whether a value of `condition` holds a placeholder or interpolation (most hold none:
/// then no set of codes is built for it).
fn has_unknown_value(condition: &Condition) -> bool {
    condition
        .values
        .iter()
        .any(|value| placeholder_in(&value.value).is_some())
}

/// The values of `condition` holding a placeholder or interpolation.
fn unknown_values(condition: &Condition, codes: &BTreeSet<&'static str>) -> Vec<Unknown> {
    condition
        .values
        .iter()
        .filter_map(|value| {
            let placeholder = placeholder_in(&value.value)?;
            Some(Unknown {
                span: value.span,
                subject: format!("`{placeholder}` in `{}`", condition.key.value),
                codes: codes.clone(),
            })
        })
        .collect()
}

/// The placeholder a value holds: its first `${…}` or `{{…}}` (nested braces included)
/// other than IAM's escapes `${*}`, `${?}` and `${$}`, else the whole value when it is a
/// placeholder (`<project>`, `SUB_CLAIM`).
fn placeholder_in(value: &str) -> Option<&str> {
    if !has_interpolation(value) {
        // The common case, told by one scan.
        return is_placeholder(value).then_some(value);
    }
    let mut from = 0;
    while let Some(start) = [value.get(from..)?.find("${"), value.get(from..)?.find("{{")]
        .into_iter()
        .flatten()
        .min()
        .map(|offset| from + offset)
    {
        let Some(segment) = braced(value.get(start..)?) else {
            return value.get(start..);
        };
        if !["${*}", "${?}", "${$}"].contains(&segment) {
            return Some(segment);
        }
        from = start + segment.len();
    }
    (!has_interpolation(value) && is_placeholder(value)).then_some(value)
}

/// The text up to the brace that closes the first one (`${a{b}}` of `${a{b}}:x`).
fn braced(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    for (offset, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return text.get(..=offset);
                }
            }
            _ => {}
        }
    }
    None
}

/// `TL101, TL104 and TL112`.
fn list<'c>(codes: impl Iterator<Item = &'c str>) -> String {
    let codes: Vec<&str> = codes.collect();
    match codes.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_owned(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_quoted_from_their_value() {
        assert_eq!(
            placeholder_in("project_path:${var.project}:ref_type:branch:ref:*"),
            Some("${var.project}")
        );
        assert_eq!(placeholder_in("{{ sub }}"), Some("{{ sub }}"));
        assert_eq!(placeholder_in("<project>"), Some("<project>"));
        assert_eq!(placeholder_in("x${unterminated"), Some("${unterminated"));
        assert_eq!(
            placeholder_in("${[for r in var.repos : \"project_path:${var.group}/${r}\"]}:*"),
            Some("${[for r in var.repos : \"project_path:${var.group}/${r}\"]}")
        );
        assert_eq!(
            placeholder_in("project_path:a/b:ref_type:branch:ref:${*}"),
            None
        );
        assert_eq!(placeholder_in("${*}${var.x}"), Some("${var.x}"));
        assert_eq!(
            placeholder_in("project_path:a/b:ref_type:branch:ref:main"),
            None
        );
    }

    #[test]
    fn codes_read_as_a_list() {
        assert_eq!(list(["TL101"].into_iter()), "TL101");
        assert_eq!(
            list(["TL101", "TL104", "TL112"].into_iter()),
            "TL101, TL104 and TL112"
        );
    }
}
