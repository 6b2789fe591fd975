//! TL207 unknown-action: an `Action`/`NotAction` value (name or wildcard pattern) that
//! matches no action of the catalog: a typo, a retired action or an unknown service. AWS
//! accepts it and it silently grants (or denies) nothing.

use std::borrow::Cow;

use trustlint_parser::iam::placeholder::is_placeholder;
use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;
use trustlint_parser::spanned::Spanned;

use crate::analysis::catalog::Catalog;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct UnknownAction;

impl Rule for UnknownAction {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL207
    }

    fn check_policy(
        &self,
        _cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let catalog = Catalog::get();
        for statement in &policy.statements {
            let Some(block) = &statement.action else {
                continue;
            };
            for pattern in &block.value {
                if let Some(finding) = check(self.meta(), catalog, pattern) {
                    out.push(finding);
                }
            }
        }
    }
}

fn check(rule: &'static RuleMeta, catalog: &Catalog, pattern: &Spanned<String>) -> Option<Finding> {
    let text = pattern.value.as_str();
    if text == "*" || is_placeholder(text) {
        return None;
    }
    // Values without exactly one `:` are TL002's.
    let (service, name) = text.split_once(':')?;
    if name.contains(':') || catalog.matches_any(text) {
        return None;
    }
    let has_wildcard = |s: &str| s.contains(['*', '?']);
    let known_service = catalog.service(service);
    let (message, suggestion) = match known_service {
        None if !has_wildcard(service) => (
            format!("no AWS service has the prefix `{service}`: this entry has no effect"),
            catalog
                .suggest_prefix(service)
                .map(|p| format!("{p}:{name}")),
        ),
        None => (
            format!("`{text}` matches no action of any AWS service: this entry has no effect"),
            None,
        ),
        Some(found) => (
            format!(
                "{} has no action {} `{name}`: this entry has no effect",
                found.name(),
                if has_wildcard(name) {
                    "matching"
                } else {
                    "named"
                }
            ),
            catalog
                .suggest_action(found, name)
                .map(|n| format!("{}:{n}", found.prefix())),
        ),
    };
    let help: Cow<'static, str> = match suggestion {
        Some(s) => format!("did you mean `{s}`?").into(),
        None => "check the action name in the AWS Service Authorization Reference".into(),
    };
    Some(Finding::new(rule, pattern.span, message).with_help(help))
}
