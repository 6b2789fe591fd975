//! Building a [`PolicyDocument`] from the spanned [`Node`] tree (JSON today, YAML
//! CloudFormation templates tomorrow), reporting everything AWS would reject as an
//! [`ProblemKind::InvalidPolicy`](crate::problem::ProblemKind::InvalidPolicy) problem
//! (rule TL002) at the offending key or value.
//!
//! Loading is best effort: a broken part (one statement, one condition, one value) is
//! reported and skipped, the rest is kept, so later rules still see the valid statements.
//!
//! Deliberately *not* problems:
//! - a missing `Version` (or `2008-10-17`): S3 and other resource policies accept it
//!   and read it as `2008-10-17`, under which policy variables are literal text (see
//!   [`PolicyDocument::supports_policy_variables`]). IAM managed policies require
//!   `2012-10-17` ("Policy document must be version 2012-10-17 or greater"), but the
//!   loader does not know where a document is used, so a rule that does may report it;
//! - a statement without `Resource` (trust policies have none) or without `Principal`
//!   (identity policies have none); only a statement with neither is reported;
//! - placeholders and interpolations (`AWS_ACCOUNT`, `<account-id>`, `${var.x}`,
//!   `${aws:username}`) and CloudFormation intrinsic functions (`!Ref`, `Fn::Sub`);
//! - an empty `Sid`, repeated or not (Terraform writes `"Sid": ""`);
//! - what IAM accepts although it looks wrong: an action name IAM does not know or
//!   with odd characters after the `:` (`iam: asdf`), an ARN with fewer than six parts
//!   but no empty part (`arn:aws:fdsasf`), a condition key without a `prefix:`, an empty
//!   list of condition values, an unknown operator with an empty map, a top-level
//!   `Conditions` key (legacy), JSON numbers and booleans as condition values.
//!
//! The checks follow IAM's own validation (its error messages: "Syntax errors in
//! policy", "The policy failed legacy parsing", "Policy statement must contain actions",
//! "Resource … must be in ARN format or "*"", "Statement IDs (SID) must be
//! alpha-numeric", "… must be unique").
//!
//! Of duplicate keys in one map, the first is kept and every later one reported.

use std::collections::HashMap;
use std::fmt;

use crate::iam::action::check_action;
use crate::iam::arn::{check_resource, OidcProviderArn};
use crate::iam::condition::Condition;
use crate::iam::date::is_valid_date;
use crate::iam::intrinsic::{is_intrinsic, value_text};
use crate::iam::operator::{ConditionOperator, OperatorError, OperatorFamily};
use crate::iam::placeholder::{has_interpolation, is_placeholder};
use crate::iam::policy::{PolicyDocument, VERSION_2008, VERSION_2012};
use crate::iam::principal::{Principal, PrincipalEntry, PrincipalKind};
use crate::iam::statement::{Block, Effect, Statement};
use crate::problem::Problem;
use crate::source::Span;
use crate::spanned::Spanned;
use crate::suggest::did_you_mean;
use crate::tree::{Entry, Node, Value};

/// The keys of a policy document.
pub const DOCUMENT_KEYS: &[&str] = &["Version", "Id", "Statement"];

/// A legacy top-level key IAM still accepts (ignored here).
const LEGACY_DOCUMENT_KEY: &str = "Conditions";

/// The keys of a statement.
pub const STATEMENT_KEYS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Builds the policy model from a parsed document, pushing a TL002 problem for each thing
/// AWS would reject. `None` only when the root is not a map.
pub fn load_policy(root: &Node, problems: &mut Vec<Problem>) -> Option<PolicyDocument> {
    Loader {
        problems,
        sids: HashMap::new(),
    }
    .document(root)
}

struct Loader<'p> {
    problems: &'p mut Vec<Problem>,
    /// Non-empty `Sid`s seen so far, with the 1-based number of their first statement
    /// (a map: a policy of N statements is checked in N steps, not N²).
    sids: HashMap<String, usize>,
}

/// The keys of one statement as written, for the checks that need the whole statement.
#[derive(Default)]
struct SeenKeys {
    present: Vec<&'static str>,
    /// Known keys that an unknown key probably misspells (`effect` → `Effect`).
    misspelled: Vec<&'static str>,
}

impl SeenKeys {
    /// True when the key is written, or written with a typo (already reported).
    fn mentions(&self, key: &str) -> bool {
        self.present.contains(&key) || self.misspelled.contains(&key)
    }
}

impl Loader<'_> {
    fn report(&mut self, span: Span, message: impl Into<String>) {
        self.problems.push(Problem::invalid_policy(span, message));
    }

    fn report_with_help(
        &mut self,
        span: Span,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.problems
            .push(Problem::invalid_policy(span, message).with_help(help));
    }

    /// The entries of a map with string keys, each key once: later duplicates and
    /// non-string keys are reported and left out.
    fn unique_entries<'n>(
        &mut self,
        entries: &'n [Entry],
        context: &dyn fmt::Display,
    ) -> Vec<(&'n str, &'n Entry)> {
        let mut unique: Vec<(&'n str, &'n Entry)> = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some(key) = entry.key_str() else {
                self.report(
                    entry.key.span,
                    format!(
                        "a key in {context} must be a string, found {}",
                        entry.key.type_name()
                    ),
                );
                continue;
            };
            if unique.iter().any(|(seen, _)| *seen == key) {
                self.report_with_help(
                    entry.key.span,
                    format!("duplicate key `{key}` in {context}"),
                    "AWS rejects a policy with a key written twice in the same object; keep one",
                );
                continue;
            }
            unique.push((key, entry));
        }
        unique
    }

    fn document(&mut self, root: &Node) -> Option<PolicyDocument> {
        let Some(entries) = root.as_map() else {
            self.report(
                root.span,
                format!(
                    "a policy document must be an object, found {}",
                    root.type_name()
                ),
            );
            return None;
        };
        let mut document = PolicyDocument {
            span: root.span,
            version: None,
            id: None,
            statements: Vec::new(),
            statement_key_span: None,
        };
        let mut statement_misspelled = false;
        for (key, entry) in self.unique_entries(entries, &"the policy document") {
            match key {
                "Version" => document.version = self.version(&entry.value),
                "Id" => document.id = self.scalar("Id", &entry.value),
                "Statement" => {
                    document.statement_key_span = Some(entry.key.span);
                    document.statements = self.statements(&entry.value);
                }
                LEGACY_DOCUMENT_KEY => {}
                _ => {
                    let suggestion = did_you_mean(key, DOCUMENT_KEYS);
                    statement_misspelled |= suggestion == Some("Statement");
                    self.unknown_key(
                        entry.key.span,
                        key,
                        "top-level key",
                        suggestion,
                        "a policy has only `Version`, `Id` and `Statement`",
                    );
                }
            }
        }
        if document.statement_key_span.is_none() && !statement_misspelled {
            self.report_with_help(
                root.span,
                "policy has no `Statement`",
                "add \"Statement\": [ { \"Effect\": …, \"Action\": …, … } ]",
            );
        }
        Some(document)
    }

    fn unknown_key(
        &mut self,
        span: Span,
        key: &str,
        what: &str,
        suggestion: Option<&str>,
        valid: &str,
    ) {
        let message = format!("unknown {what} `{key}`");
        match suggestion {
            Some(suggestion) => {
                let case_note = if suggestion.eq_ignore_ascii_case(key) {
                    " (keys are case-sensitive)"
                } else {
                    ""
                };
                self.report_with_help(
                    span,
                    message,
                    format!("did you mean `{suggestion}`?{case_note}"),
                );
            }
            None => self.report_with_help(span, message, valid.to_string()),
        }
    }

    fn version(&mut self, node: &Node) -> Option<Spanned<String>> {
        let version = self.scalar("Version", node)?;
        if version.value != VERSION_2012 && version.value != VERSION_2008 {
            self.report_with_help(
                node.span,
                format!(
                    "`Version` is `{}`; AWS accepts only `{VERSION_2012}` or `{VERSION_2008}`",
                    version.value
                ),
                format!(
                    "use \"{VERSION_2012}\" (the policy language version, not a date of your own)"
                ),
            );
        }
        Some(version)
    }

    /// A scalar as text (intrinsics rendered); a list, map or null is reported.
    fn scalar(&mut self, key: &str, node: &Node) -> Option<Spanned<String>> {
        match value_text(node) {
            Some(text) => Some(Spanned::new(text, node.span)),
            None => {
                self.report(
                    node.span,
                    format!("`{key}` must be a string, found {}", node.type_name()),
                );
                None
            }
        }
    }

    fn statements(&mut self, node: &Node) -> Vec<Statement> {
        if is_intrinsic(node) {
            return Vec::new();
        }
        match &node.value {
            Value::Map(_) => self.statement(node, 1).into_iter().collect(),
            Value::Seq(items) if items.is_empty() => {
                self.report_with_help(
                    node.span,
                    "`Statement` is an empty list",
                    "a policy needs at least one statement",
                );
                Vec::new()
            }
            Value::Seq(items) => {
                let mut statements: Vec<Statement> = items
                    .iter()
                    .enumerate()
                    .filter_map(|(index, item)| {
                        if is_intrinsic(item) {
                            return None;
                        }
                        if item.as_map().is_none() {
                            self.report(
                                item.span,
                                format!(
                                    "a statement must be an object, found {}",
                                    item.type_name()
                                ),
                            );
                            return None;
                        }
                        self.statement(item, index + 1)
                    })
                    .collect();
                // Kept for the run: no spare capacity (the list was filtered).
                statements.shrink_to_fit();
                statements
            }
            _ => {
                self.report(
                    node.span,
                    format!(
                        "`Statement` must be an object or a list of objects, found {}",
                        node.type_name()
                    ),
                );
                Vec::new()
            }
        }
    }

    fn statement(&mut self, node: &Node, number: usize) -> Option<Statement> {
        let entries = node.as_map()?;
        let mut statement = Statement {
            span: node.span,
            sid: None,
            effect: None,
            principal: None,
            action: None,
            resource: None,
            conditions: Vec::new(),
            condition_key_span: None,
            conditions_incomplete: false,
        };
        let mut seen = SeenKeys::default();
        for (key, entry) in self.unique_entries(entries, &"a statement") {
            let Some(known) = STATEMENT_KEYS.iter().copied().find(|k| *k == key) else {
                let suggestion = did_you_mean(key, STATEMENT_KEYS);
                seen.misspelled.extend(suggestion);
                self.unknown_key(
                    entry.key.span,
                    key,
                    "statement key",
                    suggestion,
                    "a statement has only `Sid`, `Effect`, `Principal`/`NotPrincipal`, `Action`/`NotAction`, `Resource`/`NotResource` and `Condition`",
                );
                continue;
            };
            seen.present.push(known);
            let value = &entry.value;
            match known {
                "Sid" => statement.sid = self.sid(value, number),
                "Effect" => statement.effect = self.effect(value),
                "Principal" | "NotPrincipal" => {
                    let principal = self.principal(known, value);
                    self.set_block(
                        &mut statement.principal,
                        known,
                        entry,
                        principal,
                        "Principal",
                        "NotPrincipal",
                    );
                }
                "Action" | "NotAction" => {
                    self.not_empty(known, value);
                    let actions = self
                        .strings(&known, value, false)
                        .map(|actions| self.checked(actions, check_action));
                    self.set_block(
                        &mut statement.action,
                        known,
                        entry,
                        actions,
                        "Action",
                        "NotAction",
                    );
                }
                "Resource" | "NotResource" => {
                    self.not_empty(known, value);
                    let resources = self
                        .strings(&known, value, false)
                        .map(|resources| self.checked(resources, check_resource));
                    self.set_block(
                        &mut statement.resource,
                        known,
                        entry,
                        resources,
                        "Resource",
                        "NotResource",
                    );
                }
                _ => {
                    statement.condition_key_span = Some(entry.key.span);
                    let problems_before = self.problems.len();
                    statement.conditions = self.conditions(value);
                    statement.conditions_incomplete = self.problems.len() > problems_before;
                }
            }
        }
        self.required_keys(&statement, &seen);
        Some(statement)
    }

    /// Stores a `Principal`/`Action`/`Resource` block, reporting the second of a pair
    /// such as `Action` + `NotAction` (the first written is kept).
    fn set_block<T>(
        &mut self,
        slot: &mut Option<Block<T>>,
        key: &str,
        entry: &Entry,
        value: Option<T>,
        positive: &str,
        negative: &str,
    ) {
        let negated = key == negative;
        if slot.as_ref().is_some_and(|block| block.negated != negated) {
            self.report_with_help(
                entry.key.span,
                format!("statement has both `{positive}` and `{negative}`"),
                format!(
                    "a statement takes either `{positive}` or `{negative}`, not both; remove one"
                ),
            );
            return;
        }
        if let Some(value) = value {
            *slot = Some(Block {
                negated,
                key_span: entry.key.span,
                span: entry.value.span,
                value,
            });
        }
    }

    fn required_keys(&mut self, statement: &Statement, seen: &SeenKeys) {
        if !seen.mentions("Effect") {
            self.report_with_help(
                statement.span,
                "statement has no `Effect`",
                "add \"Effect\": \"Allow\" or \"Effect\": \"Deny\"",
            );
        }
        let has_action = seen.mentions("Action") || seen.mentions("NotAction");
        if !has_action {
            self.report_with_help(
                statement.span,
                "statement has no `Action` or `NotAction`",
                "add the actions the statement allows or denies, e.g. \"Action\": \"sts:AssumeRoleWithWebIdentity\"",
            );
        }
        let has_principal = seen.mentions("Principal") || seen.mentions("NotPrincipal");
        let has_resource = seen.mentions("Resource") || seen.mentions("NotResource");
        if has_action && !has_principal && !has_resource {
            self.report_with_help(
                statement.span,
                "statement has neither `Principal` nor `Resource`",
                "an identity (permissions) policy statement needs `Resource`; a trust or resource-based policy statement needs `Principal`",
            );
        }
    }

    fn sid(&mut self, node: &Node, number: usize) -> Option<Spanned<String>> {
        let sid = self.scalar("Sid", node)?;
        let text = sid.value.as_str();
        if text.is_empty() || has_interpolation(text) {
            return Some(sid);
        }
        if let Some(bad) = text.chars().find(|c| !c.is_ascii_alphanumeric()) {
            self.report_with_help(
                node.span,
                format!("`Sid` `{text}` contains `{bad}`: IAM accepts only letters and digits in a `Sid`"),
                "IAM identity and role trust policies require a Sid matching [A-Za-z0-9]* (S3, SNS and other resource policies allow more)",
            );
        }
        if let Some(&first) = self.sids.get(text) {
            self.report_with_help(
                node.span,
                format!("duplicate `Sid` `{text}`: statement {first} already uses it"),
                "every `Sid` in a policy must be unique",
            );
        } else {
            self.sids.insert(text.to_string(), number);
        }
        Some(sid)
    }

    fn effect(&mut self, node: &Node) -> Option<Spanned<Effect>> {
        if is_intrinsic(node) {
            return None;
        }
        let Some(text) = node.as_str() else {
            self.report(
                node.span,
                format!(
                    "`Effect` must be the string `Allow` or `Deny`, found {}",
                    node.type_name()
                ),
            );
            return None;
        };
        if let Some(effect) = Effect::from_name(text) {
            return Some(Spanned::new(effect, node.span));
        }
        let message = format!("`Effect` must be `Allow` or `Deny`, found `{text}`");
        match did_you_mean(text, &["Allow", "Deny"]) {
            Some(suggestion) => {
                self.report_with_help(
                    node.span,
                    message,
                    format!("did you mean `{suggestion}`? (the value is case-sensitive)"),
                );
            }
            None => self.report(node.span, message),
        }
        None
    }

    fn principal(&mut self, key: &str, node: &Node) -> Option<Principal> {
        if is_intrinsic(node) {
            return None;
        }
        match &node.value {
            Value::String(text) if text == "*" => Some(Principal::Any(node.span)),
            Value::String(text) => {
                let kind = if OidcProviderArn::is_one(text)
                    || !text.starts_with("arn:") && text.contains('.')
                {
                    "Federated"
                } else {
                    "AWS"
                };
                self.report_with_help(
                    node.span,
                    format!("`{key}` must be `\"*\"` or a map of principal types, found the string `{text}`"),
                    format!("write {{\"{kind}\": \"{text}\"}}"),
                );
                None
            }
            Value::Map(entries) => {
                let mut principals = Vec::new();
                for (name, entry) in self.unique_entries(entries, &format_args!("`{key}`")) {
                    let Some(kind) = PrincipalKind::from_name(name) else {
                        let names = PrincipalKind::ALL.map(PrincipalKind::name);
                        self.unknown_key(
                            entry.key.span,
                            name,
                            "principal type",
                            did_you_mean(name, &names),
                            "the principal types are `AWS`, `Federated`, `Service` and `CanonicalUser`",
                        );
                        continue;
                    };
                    let Some(values) =
                        self.strings(&format_args!("{key}.{name}"), &entry.value, false)
                    else {
                        continue;
                    };
                    principals.push(PrincipalEntry {
                        kind: Spanned::new(kind, entry.key.span),
                        values,
                    });
                }
                Some(Principal::Entries(principals))
            }
            _ => {
                self.report(
                    node.span,
                    format!(
                        "`{key}` must be `\"*\"` or a map of principal types, found {}",
                        node.type_name()
                    ),
                );
                None
            }
        }
    }

    /// One string or a list of strings (with `scalars`, also numbers and booleans, as
    /// condition values allow). A wrong element is reported and skipped; a wrong whole
    /// value gives `None`.
    fn strings(
        &mut self,
        key: &dyn fmt::Display,
        node: &Node,
        scalars: bool,
    ) -> Option<Vec<Spanned<String>>> {
        let accepted = |item: &Node| {
            is_intrinsic(item)
                || matches!(item.value, Value::String(_))
                || scalars && matches!(item.value, Value::Number(_) | Value::Bool(_))
        };
        let expected = if scalars {
            "a string, number or boolean"
        } else {
            "a string"
        };
        if accepted(node) {
            return Some(
                value_text(node)
                    .map(|text| Spanned::new(text, node.span))
                    .into_iter()
                    .collect(),
            );
        }
        let Some(items) = node.as_seq() else {
            self.report(
                node.span,
                format!(
                    "`{key}` must be {expected} or a list of them, found {}",
                    node.type_name()
                ),
            );
            return None;
        };
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            match value_text(item) {
                Some(text) if accepted(item) => values.push(Spanned::new(text, item.span)),
                _ => self.report(
                    item.span,
                    format!(
                        "each item of `{key}` must be {expected}, found {}",
                        item.type_name()
                    ),
                ),
            }
        }
        Some(values)
    }

    /// Reports an empty list as the value of `Action`, `Resource` and their `Not` forms.
    fn not_empty(&mut self, key: &str, node: &Node) {
        if node.as_seq().is_some_and(<[Node]>::is_empty) {
            let what = if key.ends_with("Action") {
                "actions"
            } else {
                "resources"
            };
            self.report_with_help(
                node.span,
                format!("`{key}` is an empty list"),
                format!(
                    "a statement must name at least one of its {what}; AWS rejects an empty list"
                ),
            );
        }
    }

    /// Reports the values that fail `check`, keeps the others.
    fn checked(
        &mut self,
        values: Vec<Spanned<String>>,
        check: fn(&str) -> Result<(), String>,
    ) -> Vec<Spanned<String>> {
        values
            .into_iter()
            .filter(|value| match check(&value.value) {
                Ok(()) => true,
                Err(message) => {
                    self.report(value.span, message);
                    false
                }
            })
            .collect()
    }

    fn conditions(&mut self, node: &Node) -> Vec<Condition> {
        if is_intrinsic(node) {
            return Vec::new();
        }
        let Some(entries) = node.as_map() else {
            self.report(
                node.span,
                format!(
                    "`Condition` must be a map of operators to maps of keys and values, found {}",
                    node.type_name()
                ),
            );
            return Vec::new();
        };
        let mut conditions = Vec::new();
        for (name, entry) in self.unique_entries(entries, &"`Condition`") {
            let block = &entry.value;
            if block.as_map().is_some_and(<[Entry]>::is_empty) {
                // IAM accepts any operator name, even an unknown one, with no keys.
                continue;
            }
            let Some(operator) = self.operator(name, entry.key.span) else {
                continue;
            };
            if is_intrinsic(block) {
                continue;
            }
            let Some(keys) = block.as_map() else {
                self.report(
                    block.span,
                    format!(
                        "the value of condition operator `{name}` must be a map of condition keys to values, found {}",
                        block.type_name()
                    ),
                );
                continue;
            };
            let context = format_args!("condition operator `{name}`");
            for (key, key_entry) in self.unique_entries(keys, &context) {
                if let Some(condition) = self.condition(operator, entry.key.span, key, key_entry) {
                    conditions.push(condition);
                }
            }
        }
        conditions
    }

    fn operator(&mut self, name: &str, span: Span) -> Option<ConditionOperator> {
        match name.parse::<ConditionOperator>() {
            Ok(operator) => Some(operator),
            Err(OperatorError::NullIfExists) => {
                self.report_with_help(
                    span,
                    format!("`{name}` is not a condition operator: `Null` cannot take `IfExists`"),
                    "`Null` already tests whether the key is present; use `Null`",
                );
                None
            }
            Err(OperatorError::Unknown { suggestion }) => {
                let message = format!("unknown condition operator `{name}`");
                match suggestion {
                    Some(suggestion) => {
                        self.report_with_help(span, message, format!("did you mean `{suggestion}`? (operators are case-sensitive)"));
                    }
                    None => self.report_with_help(
                        span,
                        message,
                        "operators are `String…`, `Numeric…`, `Date…`, `Bool`, `BinaryEquals`, `IpAddress`, `NotIpAddress`, `Arn…` and `Null`, optionally with `ForAnyValue:`/`ForAllValues:` and `…IfExists`",
                    ),
                }
                None
            }
        }
    }

    fn condition(
        &mut self,
        operator: ConditionOperator,
        operator_span: Span,
        key: &str,
        entry: &Entry,
    ) -> Option<Condition> {
        let values = self.strings(&key, &entry.value, true)?;
        if operator.base.family() == OperatorFamily::Date {
            for value in &values {
                if !is_placeholder(&value.value) && !is_valid_date(&value.value) {
                    self.report_with_help(
                        value.span,
                        format!("`{}` is not a date for `{operator}`", value.value),
                        "write an ISO 8601 date-time such as \"2019-07-16T12:00:00Z\", or epoch seconds",
                    );
                }
            }
        }
        Some(Condition {
            operator: Spanned::new(operator, operator_span),
            key: Spanned::new(key.to_string(), entry.key.span),
            values,
            values_span: entry.value.span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::operator::{BaseOperator, SetQualifier};
    use crate::json::parse_json;
    use crate::problem::ProblemKind;
    use crate::{FileId, Limits};

    fn load(text: &str) -> (Option<PolicyDocument>, Vec<Problem>) {
        let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
        let mut problems = Vec::new();
        let document = load_policy(&root, &mut problems);
        (document, problems)
    }

    /// Asserts exactly one problem, with this message, at this text; returns its help.
    #[track_caller]
    fn single(text: &str, message: &str, at: &str) -> Option<String> {
        let (_, problems) = load(text);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        let problem = &problems[0];
        assert_eq!(problem.kind, ProblemKind::InvalidPolicy);
        assert_eq!(problem.message, message);
        assert_eq!(&text[problem.span.range()], at);
        problem.help.clone()
    }

    #[track_caller]
    fn clean(text: &str) -> PolicyDocument {
        let (document, problems) = load(text);
        assert!(problems.is_empty(), "{problems:#?}");
        document.unwrap()
    }

    /// A permissions policy with one statement holding `body`.
    fn stmt(body: &str) -> String {
        format!(r#"{{"Version": "2012-10-17", "Statement": [{{{body}}}]}}"#)
    }

    const TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.example.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "gitlab.example.com:sub": "project_path:mygroup/myproject:ref_type:branch:ref:main",
          "gitlab.example.com:aud": ["https://gitlab.example.com", "sts.amazonaws.com"]
        },
        "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "team-*"},
        "Bool": {"aws:SecureTransport": true},
        "NumericLessThan": {"aws:MultiFactorAuthAge": 3600}
      }
    }
  ]
}"#;

    #[test]
    fn trust_policy_model() {
        let document = clean(TRUST);
        assert!(document.is_trust_policy());
        assert!(document.supports_policy_variables());
        assert_eq!(
            &TRUST[document.statement_key_span.unwrap().range()],
            "\"Statement\""
        );
        let statement = &document.statements[0];
        assert!(statement.is_allow());
        assert!(
            statement.resource.is_none(),
            "trust policies have no Resource"
        );
        let principal = statement.principal().unwrap();
        let federated: Vec<&str> = principal.federated().map(|v| v.as_str()).collect();
        assert_eq!(
            federated,
            ["arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.example.com"]
        );
        let (value, provider) = principal.oidc_providers().next().unwrap();
        assert_eq!(
            &TRUST[value.span.range()],
            "\"arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.example.com\""
        );
        assert_eq!(provider.condition_key_prefix(), "gitlab.example.com");
        assert!(provider.account_is_placeholder());
        assert_eq!(
            statement.actions()[0].as_str(),
            "sts:AssumeRoleWithWebIdentity"
        );

        let conditions = &statement.conditions;
        assert_eq!(conditions.len(), 5);
        let sub = &conditions[0];
        assert_eq!(sub.operator.value.base, BaseOperator::StringEquals);
        assert_eq!(&TRUST[sub.operator.span.range()], "\"StringEquals\"");
        assert_eq!(&TRUST[sub.key.span.range()], "\"gitlab.example.com:sub\"");
        assert_eq!(
            sub.key_prefix_and_name(),
            Some(("gitlab.example.com", "sub"))
        );
        assert_eq!(sub.values.len(), 1, "a single string is one value");
        let aud = &conditions[1];
        assert_eq!(
            aud.value_texts().collect::<Vec<_>>(),
            ["https://gitlab.example.com", "sts.amazonaws.com"]
        );
        assert_eq!(&TRUST[aud.values[1].span.range()], "\"sts.amazonaws.com\"");
        let tags = &conditions[2];
        assert_eq!(
            tags.operator.value.qualifier,
            Some(SetQualifier::ForAnyValue)
        );
        assert!(tags.operator.value.if_exists && tags.operator.value.is_pattern());
        assert_eq!(conditions[3].values[0].as_str(), "true");
        assert_eq!(conditions[4].values[0].as_str(), "3600");
        assert_eq!(statement.conditions_on("GITLAB.EXAMPLE.COM:SUB").count(), 1);
        assert_eq!(sub.key_lower(), "gitlab.example.com:sub");
    }

    #[test]
    fn permissions_policy_model_single_and_list_forms() {
        let text = r#"{"Version": "2012-10-17", "Id": "p1", "Statement": {"Sid": "One", "Effect": "Deny", "NotAction": ["s3:Get*", "s3:List*"], "NotResource": "arn:aws:s3:::b/*"}}"#;
        let document = clean(text);
        assert!(!document.is_trust_policy());
        assert_eq!(document.id.as_ref().unwrap().as_str(), "p1");
        assert_eq!(document.statements.len(), 1, "a single statement object");
        let statement = &document.statements[0];
        assert!(statement.is_deny());
        assert_eq!(statement.sid.as_ref().unwrap().as_str(), "One");
        let action = statement.action.as_ref().unwrap();
        assert!(action.negated);
        assert_eq!(&text[action.key_span.range()], "\"NotAction\"");
        assert_eq!(action.value.len(), 2);
        assert!(
            statement.actions().is_empty(),
            "actions() is the positive form only"
        );
        let resource = statement.resource.as_ref().unwrap();
        assert!(resource.negated);
        assert_eq!(resource.value[0].as_str(), "arn:aws:s3:::b/*");
    }

    #[test]
    fn principal_forms() {
        let text = stmt(
            r#""Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*""#,
        );
        let document = clean(&text);
        let principal = document.statements[0].principal().unwrap();
        assert!(principal.is_any());
        assert!(matches!(principal, Principal::Any(_)));
        let text = stmt(
            r#""Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "222222222222"], "Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole""#,
        );
        let document = clean(&text);
        let principal = document.statements[0].principal().unwrap();
        assert!(!principal.is_any());
        assert_eq!(principal.values_of(PrincipalKind::Aws).count(), 2);
        assert_eq!(principal.values_of(PrincipalKind::Service).count(), 1);
        assert_eq!(principal.federated().count(), 0);
    }

    #[test]
    fn missing_version_is_accepted_as_2008() {
        let document =
            clean(r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#);
        assert_eq!(document.effective_version(), "2008-10-17");
        assert!(!document.supports_policy_variables());
    }

    #[test]
    fn root_not_an_object() {
        let (document, problems) = load("[1]");
        assert!(document.is_none());
        assert_eq!(
            problems[0].message,
            "a policy document must be an object, found a list"
        );
    }

    #[test]
    fn bad_version() {
        let text = r#"{"Version": "2012-10-18", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#;
        single(
            text,
            "`Version` is `2012-10-18`; AWS accepts only `2012-10-17` or `2008-10-17`",
            "\"2012-10-18\"",
        );
        single(
            r#"{"Version": [], "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#,
            "`Version` must be a string, found a list",
            "[]",
        );
    }

    #[test]
    fn missing_statement() {
        let text = r#"{"Version": "2012-10-17"}"#;
        single(text, "policy has no `Statement`", text);
    }

    #[test]
    fn statement_of_wrong_type() {
        single(
            r#"{"Statement": "x"}"#,
            "`Statement` must be an object or a list of objects, found a string",
            "\"x\"",
        );
        single(
            r#"{"Statement": [1]}"#,
            "a statement must be an object, found a number",
            "1",
        );
    }

    #[test]
    fn unknown_top_level_key() {
        let help = single(
            r#"{"Version": "2012-10-17", "Statment": []}"#,
            "unknown top-level key `Statment`",
            "\"Statment\"",
        );
        assert_eq!(help.as_deref(), Some("did you mean `Statement`?"));
        let help = single(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}, "Owner": "me"}"#,
            "unknown top-level key `Owner`",
            "\"Owner\"",
        );
        assert!(help
            .unwrap()
            .contains("only `Version`, `Id` and `Statement`"));
    }

    #[test]
    fn unknown_statement_key() {
        let text = stmt(r#""effect": "Allow", "Action": "*", "Resource": "*""#);
        let help = single(&text, "unknown statement key `effect`", "\"effect\"");
        assert_eq!(
            help.as_deref(),
            Some("did you mean `Effect`? (keys are case-sensitive)")
        );
        let text = stmt(r#""Effect": "Allow", "Actions": "*", "Resource": "*""#);
        let help = single(&text, "unknown statement key `Actions`", "\"Actions\"");
        assert_eq!(help.as_deref(), Some("did you mean `Action`?"));
    }

    #[test]
    fn missing_effect() {
        let text = stmt(r#""Action": "*", "Resource": "*""#);
        single(
            &text,
            "statement has no `Effect`",
            r#"{"Action": "*", "Resource": "*"}"#,
        );
    }

    #[test]
    fn bad_effect() {
        let text = stmt(r#""Effect": "allow", "Action": "*", "Resource": "*""#);
        let help = single(
            &text,
            "`Effect` must be `Allow` or `Deny`, found `allow`",
            "\"allow\"",
        );
        assert_eq!(
            help.as_deref(),
            Some("did you mean `Allow`? (the value is case-sensitive)")
        );
        let text = stmt(r#""Effect": true, "Action": "*", "Resource": "*""#);
        single(
            &text,
            "`Effect` must be the string `Allow` or `Deny`, found a boolean",
            "true",
        );
    }

    #[test]
    fn action_and_not_action() {
        let text =
            stmt(r#""Effect": "Allow", "Action": "s3:*", "NotAction": "s3:Get*", "Resource": "*""#);
        single(
            &text,
            "statement has both `Action` and `NotAction`",
            "\"NotAction\"",
        );
        let (document, _) = load(&text);
        let action = document.unwrap().statements[0].action.clone().unwrap();
        assert!(!action.negated, "the first written is kept");
    }

    #[test]
    fn no_action() {
        let text = stmt(r#""Effect": "Allow", "Resource": "*""#);
        single(
            &text,
            "statement has no `Action` or `NotAction`",
            r#"{"Effect": "Allow", "Resource": "*"}"#,
        );
    }

    #[test]
    fn resource_and_not_resource() {
        let text =
            stmt(r#""Effect": "Allow", "Action": "s3:*", "NotResource": "*", "Resource": "*""#);
        single(
            &text,
            "statement has both `Resource` and `NotResource`",
            "\"Resource\"",
        );
    }

    #[test]
    fn principal_and_not_principal() {
        let text = stmt(
            r#""Effect": "Deny", "Principal": "*", "NotPrincipal": {"AWS": "*"}, "Action": "s3:*", "Resource": "*""#,
        );
        single(
            &text,
            "statement has both `Principal` and `NotPrincipal`",
            "\"NotPrincipal\"",
        );
    }

    #[test]
    fn neither_principal_nor_resource() {
        let text = stmt(r#""Effect": "Allow", "Action": "s3:*""#);
        let help = single(
            &text,
            "statement has neither `Principal` nor `Resource`",
            r#"{"Effect": "Allow", "Action": "s3:*"}"#,
        );
        assert!(help
            .unwrap()
            .contains("identity (permissions) policy statement needs `Resource`"));
    }

    #[test]
    fn trust_without_resource_and_permissions_without_principal_are_fine() {
        clean(&stmt(
            r#""Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole""#,
        ));
        clean(&stmt(
            r#""Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*""#,
        ));
    }

    #[test]
    fn wrong_types() {
        let text = stmt(r#""Effect": "Allow", "Action": 12, "Resource": "*""#);
        single(
            &text,
            "`Action` must be a string or a list of them, found a number",
            "12",
        );
        let text = stmt(r#""Effect": "Allow", "Action": {"s3": "Get"}, "Resource": "*""#);
        single(
            &text,
            "`Action` must be a string or a list of them, found a map",
            r#"{"s3": "Get"}"#,
        );
        let text = stmt(r#""Effect": "Allow", "Action": ["s3:Get*", null], "Resource": "*""#);
        single(
            &text,
            "each item of `Action` must be a string, found null",
            "null",
        );
        let text = stmt(r#""Effect": "Allow", "Action": "s3:Get*", "Resource": [true]"#);
        single(
            &text,
            "each item of `Resource` must be a string, found a boolean",
            "true",
        );
        let text =
            stmt(r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": []"#);
        single(
            &text,
            "`Condition` must be a map of operators to maps of keys and values, found a list",
            "[]",
        );
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"StringEquals": "x"}"#,
        );
        single(
            &text,
            "the value of condition operator `StringEquals` must be a map of condition keys to values, found a string",
            "\"x\"",
        );
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"StringEquals": {"aws:x": {"a": 1}}}"#,
        );
        single(
            &text,
            "`aws:x` must be a string, number or boolean or a list of them, found a map",
            r#"{"a": 1}"#,
        );
        let text = stmt(r#""Effect": "Allow", "Principal": {"AWS": 12}, "Action": "s3:Get*""#);
        single(
            &text,
            "`Principal.AWS` must be a string or a list of them, found a number",
            "12",
        );
    }

    #[test]
    fn bad_principals() {
        let text = stmt(
            r#""Effect": "Allow", "Principal": {"Federeated": "arn:aws:iam::1:oidc-provider/gitlab.com"}, "Action": "sts:AssumeRoleWithWebIdentity""#,
        );
        let help = single(
            &text,
            "unknown principal type `Federeated`",
            "\"Federeated\"",
        );
        assert_eq!(help.as_deref(), Some("did you mean `Federated`?"));
        let text = stmt(
            r#""Effect": "Allow", "Principal": "arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.com", "Action": "sts:AssumeRoleWithWebIdentity""#,
        );
        let help = single(
            &text,
            "`Principal` must be `\"*\"` or a map of principal types, found the string `arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.com`",
            "\"arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.com\"",
        );
        assert_eq!(
            help.as_deref(),
            Some("write {\"Federated\": \"arn:aws:iam::AWS_ACCOUNT:oidc-provider/gitlab.com\"}")
        );
    }

    #[test]
    fn unknown_condition_operator() {
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"StringEqual": {"aws:x": "y"}}"#,
        );
        let help = single(
            &text,
            "unknown condition operator `StringEqual`",
            "\"StringEqual\"",
        );
        assert_eq!(
            help.as_deref(),
            Some("did you mean `StringEquals`? (operators are case-sensitive)")
        );
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"bad": {"aws:x": "y"}}"#,
        );
        single(&text, "unknown condition operator `bad`", "\"bad\"");
    }

    #[test]
    fn null_if_exists() {
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"NullIfExists": {"aws:x": "true"}}"#,
        );
        single(
            &text,
            "`NullIfExists` is not a condition operator: `Null` cannot take `IfExists`",
            "\"NullIfExists\"",
        );
    }

    #[test]
    fn accepted_by_iam_although_odd() {
        // IAM accepts these (see the module comment); they are not TL002.
        let document = clean(&stmt(
            r#""Effect": "Allow", "Action": ["iam: asdf", "*:Get*"], "Resource": ["arn:aws:fdsasf"], "Condition": {"StringEquals": {"a": [], "s3:prefix": "x"}, "x": {}}"#,
        ));
        let conditions = &document.statements[0].conditions;
        assert_eq!(conditions.len(), 2);
        assert!(conditions[0].values.is_empty());
        clean(
            r#"{"Version": "2012-10-17", "Conditions": {}, "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
        );
    }

    #[test]
    fn bad_dates() {
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": ["2019-07-16T12:00:00Z", "bad"]}}"#,
        );
        single(
            &text,
            "`bad` is not a date for `DateGreaterThan`",
            "\"bad\"",
        );
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"ForAnyValue:DateLessThanIfExists": {"aws:CurrentTime": "2019-13-01"}}"#,
        );
        single(
            &text,
            "`2019-13-01` is not a date for `ForAnyValue:DateLessThanIfExists`",
            "\"2019-13-01\"",
        );
        clean(&stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": ["${var.until}", 1563278400]}}"#,
        ));
    }

    #[test]
    fn empty_lists() {
        single(
            r#"{"Version": "2012-10-17", "Statement": []}"#,
            "`Statement` is an empty list",
            "[]",
        );
        let text = stmt(r#""Effect": "Allow", "Action": [], "Resource": "*""#);
        single(&text, "`Action` is an empty list", "[]");
        let text = stmt(r#""Effect": "Allow", "Action": "s3:*", "NotResource": []"#);
        single(&text, "`NotResource` is an empty list", "[]");
    }

    #[test]
    fn duplicate_sid() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "stmt", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
            {"Sid": "", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
            {"Sid": "", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
            {"Sid": "stmt", "Effect": "Allow", "Action": "s3:Put*", "Resource": "*"}]}"#;
        let (_, problems) = load(text);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(
            problems[0].message,
            "duplicate `Sid` `stmt`: statement 1 already uses it"
        );
        assert_eq!(
            problems[0].span.start as usize,
            text.rfind("\"stmt\"").unwrap()
        );
    }

    #[test]
    fn sid_characters() {
        let text = stmt(
            r#""Sid": "Allow Read!", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*""#,
        );
        single(
            &text,
            "`Sid` `Allow Read!` contains ` `: IAM accepts only letters and digits in a `Sid`",
            "\"Allow Read!\"",
        );
        clean(&stmt(
            r#""Sid": "AllowRead1", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*""#,
        ));
    }

    #[test]
    fn malformed_action() {
        let text =
            stmt(r#""Effect": "Allow", "Action": ["s3:GetObject", "GetObject"], "Resource": "*""#);
        single(
            &text,
            "action `GetObject` has no service prefix: write `service:action` (e.g. `s3:GetObject`) or `*`",
            "\"GetObject\"",
        );
        let (document, _) = load(&text);
        assert_eq!(
            document.unwrap().statements[0].actions().len(),
            1,
            "the valid action is kept"
        );
    }

    #[test]
    fn malformed_resource() {
        let text = stmt(r#""Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "s3""#);
        single(
            &text,
            "resource `s3` is neither `*` nor an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`)",
            "\"s3\"",
        );
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:ListAllMyBuckets", "NotResource": ["arn:aws:s3::b"]"#,
        );
        single(
            &text,
            "resource ARN `arn:aws:s3::b` is malformed: write `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (six parts, region and account may be empty)",
            "\"arn:aws:s3::b\"",
        );
    }

    #[test]
    fn duplicate_keys() {
        let text = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}, "Version": "2012-10-17"}"#;
        let help = single(
            text,
            "duplicate key `Version` in the policy document",
            "\"Version\"",
        );
        assert!(help.unwrap().contains("written twice"));
        assert_eq!(
            load(text).1[0].span.start as usize,
            text.rfind("\"Version\"").unwrap(),
            "the second is reported"
        );
        let text =
            stmt(r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Effect": "Deny""#);
        single(&text, "duplicate key `Effect` in a statement", "\"Effect\"");
        let text = stmt(
            r#""Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"StringEquals": {"aws:x": "1", "aws:x": "2"}}"#,
        );
        single(
            &text,
            "duplicate key `aws:x` in condition operator `StringEquals`",
            "\"aws:x\"",
        );
    }

    #[test]
    fn placeholders_and_variables_are_not_problems() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": "${aws_iam_openid_connect_provider.gitlab.arn}"},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringLike": {"${var.url}:sub": "project_path:${var.group}/*", "${var.url}": "x"}}},
            {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::<account-id>:oidc-provider/gitlab.com"},
             "Action": "sts:AssumeRoleWithWebIdentity"},
            {"Sid": "${var.sid}", "Effect": "Allow", "Action": ["${var.action}", "iam:*"], "Resource": ["${var.roles}", "arn:aws:iam::${AWS::AccountId}:role/x", "arn:aws:iam::*:user/${aws:username}", "AWS_ROLE_ARN"]},
            {"Effect": "Allow", "Action": "ssm:PutParameter", "Resource": [{"Fn::Sub": "arn:aws:ssm:*:${AWS::AccountId}:*"}, {"Ref": "ParameterArn"}]}
        ]}"#;
        let document = clean(text);
        let resources = document.statements[3].resources();
        assert_eq!(resources[0].as_str(), "arn:aws:ssm:*:${AWS::AccountId}:*");
        assert_eq!(resources[1].as_str(), "${ParameterArn}");
    }

    #[test]
    fn broken_statement_keeps_the_others() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},
            "junk"]}"#;
        let (document, problems) = load(text);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        let document = document.unwrap();
        assert_eq!(document.statements.len(), 2);
        assert!(document.statements[0].is_allow());
        assert!(document.statements[1].effect.is_none());
    }
}
