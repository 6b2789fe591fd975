//! TL212 condition-key-mismatch: a condition that does not test what it seems to. A key
//! that none of the statement's actions lists in the action catalog (global `aws:` keys
//! and the keys a service documents for all its actions aside) is absent from their
//! requests; a known key under an operator of another type (`aws:CurrentTime` with
//! `StringEquals`, a Boolean key with `StringLike`) does not compare as written. Either
//! way the condition is never true (the statement never applies), or with a negated
//! operator, `…IfExists` or `ForAllValues` always true (it guards nothing). A statement
//! with a condition that can never hold again ([`super::dead_condition`]) is a note:
//! the other TL2xx rules leave it out. Only identity policies: keys from other services
//! (OIDC provider claims like `gitlab.com:sub`) are TL1xx's.

use trustlint_parser::iam::{
    BaseOperator, Condition, OperatorFamily, PolicyDocument, SetQualifier, Statement,
};
use trustlint_parser::input::Document;

use super::{dead_condition, describe_actions, WrittenActions};
use crate::analysis::catalog::{Catalog, KeyType};
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct ConditionKeyMismatch;

/// The types of the global condition keys (AWS global condition context keys; the
/// `aws:` keys services list carry no type of their own). `aws:EpochTime` is both Date
/// and Numeric; tag keys are templates (`aws:RequestTag/…`).
const GLOBAL_KEY_TYPES: &[(&str, KeyType)] = &[
    ("aws:currenttime", KeyType::Date),
    ("aws:tokenissuetime", KeyType::Date),
    ("aws:multifactorauthage", KeyType::Numeric),
    ("aws:multifactorauthpresent", KeyType::Bool),
    ("aws:securetransport", KeyType::Bool),
    ("aws:viaawsservice", KeyType::Bool),
    ("aws:principalisawsservice", KeyType::Bool),
    ("aws:assumedroot", KeyType::Bool),
    ("aws:sourceip", KeyType::IpAddress),
    ("aws:vpcsourceip", KeyType::IpAddress),
    ("aws:ec2instancesourceprivateipv4", KeyType::IpAddress),
    ("aws:sourcearn", KeyType::Arn),
    ("aws:principalarn", KeyType::Arn),
    ("aws:sourceaccount", KeyType::String),
    ("aws:sourceorgid", KeyType::String),
    ("aws:sourcevpc", KeyType::String),
    ("aws:sourcevpce", KeyType::String),
    ("aws:principalaccount", KeyType::String),
    ("aws:principalorgid", KeyType::String),
    ("aws:principaltype", KeyType::String),
    ("aws:resourceaccount", KeyType::String),
    ("aws:resourceorgid", KeyType::String),
    ("aws:requestedregion", KeyType::String),
    ("aws:username", KeyType::String),
    ("aws:userid", KeyType::String),
    ("aws:useragent", KeyType::String),
    ("aws:referer", KeyType::String),
    ("aws:calledviafirst", KeyType::String),
    ("aws:calledvialast", KeyType::String),
    ("aws:sourceidentity", KeyType::String),
    ("aws:federatedprovider", KeyType::String),
];

impl Rule for ConditionKeyMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL212
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
        for (statement, written) in access.statements() {
            if let Some(dead) = dead_condition(statement) {
                out.push(Finding {
                    severity: Severity::Note,
                    ..Finding::new(
                        self.meta(),
                        dead.key.span,
                        format!(
                            "this statement can never apply: `{}` on `{}` is false for every request from now on (its dates are past), so it {} nothing",
                            dead.operator.value.base.name(),
                            dead.key.value,
                            if statement.is_allow() { "allows" } else { "denies" }
                        ),
                    )
                    .with_help("remove the statement, or give the date it was meant to have")
                });
                continue;
            }
            for condition in &statement.conditions {
                if let Some(finding) = self.check_condition(statement, written, condition) {
                    out.push(finding);
                }
            }
        }
    }
}

impl ConditionKeyMismatch {
    fn check_condition(
        &self,
        statement: &Statement,
        written: &WrittenActions,
        condition: &Condition,
    ) -> Option<Finding> {
        let base = condition.operator.value.base;
        if base.family() == OperatorFamily::Null {
            return None;
        }
        let key = condition.key.value.as_str();
        let (prefix, _) = key.split_once(':')?;
        let kind = if prefix.eq_ignore_ascii_case("aws") {
            let lower = key.to_ascii_lowercase();
            GLOBAL_KEY_TYPES
                .iter()
                .find(|(k, _)| *k == lower)
                .map(|(_, kind)| *kind)
        } else {
            // Keys of no service (OIDC provider claims) are TL1xx's.
            let info = Catalog::get().service(prefix)?.condition_key(key);
            let service_wide = info.is_some_and(|i| i.service_wide);
            if let Some(finding) = self.unsupported(statement, written, condition, service_wide) {
                return Some(finding);
            }
            info.and_then(|i| i.kind)
        }?;
        let family = base.family();
        if fits(kind, base) {
            return None;
        }
        Some(
            Finding::new(
                self.meta(),
                condition.key.span,
                format!(
                    "`{key}` is a {} key, but `{}` compares {} values: {}",
                    kind.name(),
                    base.name(),
                    family_name(family),
                    consequence(condition)
                ),
            )
            .with_help(format!(
                "use {} operator, e.g. `{}`",
                article(kind),
                operator_for(kind)
            ))
            .with_related(condition.operator.span, "the operator"),
        )
    }

    /// A finding when no action of the statement lists `condition`'s key, nor is it a
    /// key its service documents for all its actions with an action of that service in
    /// the statement.
    fn unsupported(
        &self,
        statement: &Statement,
        written: &WrittenActions,
        condition: &Condition,
        service_wide: bool,
    ) -> Option<Finding> {
        let negated_actions = statement.action.as_ref().is_none_or(|b| b.negated);
        if negated_actions || written.all.is_empty() {
            return None;
        }
        let catalog = Catalog::get();
        let key = condition.key.value.as_str();
        let prefix = key.split(':').next().unwrap_or(key);
        let supported = written
            .all
            .iter()
            .filter_map(|id| catalog.action(id))
            .any(|action| {
                action.supports_key(key)
                    || (service_wide && action.service.prefix().eq_ignore_ascii_case(prefix))
            });
        if supported {
            return None;
        }
        Some(
            Finding::new(
                self.meta(),
                condition.key.span,
                format!(
                    "`{key}` is not a condition key of {}, so it is absent from the requests: {}",
                    describe_actions(&written.all, 3),
                    consequence(condition)
                ),
            )
            .with_help("use a key these actions support (the Service Authorization Reference lists them per action), or move the condition to a statement with the actions it is meant for"),
        )
    }
}

/// What a condition that cannot compare as written does.
fn consequence(condition: &Condition) -> &'static str {
    let operator = &condition.operator.value;
    if operator.is_negated()
        || operator.if_exists
        || operator.qualifier == Some(SetQualifier::ForAllValues)
    {
        "this condition is always true and guards nothing"
    } else {
        "this condition is never true, so the statement never applies"
    }
}

/// Whether an operator compares values of a key's type the way it reads: its own
/// family, or String operators on ARN keys and exact String comparisons of Boolean,
/// Numeric and IP address keys (AWS compares their text). `aws:EpochTime` aside, a
/// Date key needs a Date operator.
fn fits(kind: KeyType, base: BaseOperator) -> bool {
    let family = base.family();
    let exact_string = matches!(
        base,
        BaseOperator::StringEquals | BaseOperator::StringNotEquals
    );
    match kind {
        KeyType::String => matches!(family, OperatorFamily::String | OperatorFamily::Arn),
        KeyType::Arn => matches!(family, OperatorFamily::Arn | OperatorFamily::String),
        KeyType::Bool => family == OperatorFamily::Bool || exact_string,
        KeyType::Numeric => family == OperatorFamily::Numeric || exact_string,
        KeyType::Date => family == OperatorFamily::Date,
        KeyType::IpAddress => family == OperatorFamily::IpAddress || exact_string,
    }
}

fn family_name(family: OperatorFamily) -> &'static str {
    match family {
        OperatorFamily::String => "String",
        OperatorFamily::Numeric => "Numeric",
        OperatorFamily::Date => "Date",
        OperatorFamily::Bool => "Boolean",
        OperatorFamily::Binary => "Binary",
        OperatorFamily::IpAddress => "IP address",
        OperatorFamily::Arn => "ARN",
        OperatorFamily::Null => "Null",
    }
}

fn article(kind: KeyType) -> &'static str {
    match kind {
        KeyType::Arn => "an ARN or String",
        KeyType::IpAddress => "an IP address",
        KeyType::String => "a String",
        KeyType::Bool => "a Bool",
        KeyType::Numeric => "a Numeric",
        KeyType::Date => "a Date",
    }
}

fn operator_for(kind: KeyType) -> &'static str {
    match kind {
        KeyType::String => "StringEquals",
        KeyType::Arn => "ArnLike",
        KeyType::Bool => "Bool",
        KeyType::Numeric => "NumericLessThan",
        KeyType::Date => "DateGreaterThan",
        KeyType::IpAddress => "IpAddress",
    }
}
