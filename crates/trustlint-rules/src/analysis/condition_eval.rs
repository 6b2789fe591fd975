//! Exact evaluation of IAM condition blocks against a request context: every operator
//! family (string, numeric, date, `Bool`, binary, IP address, ARN, `Null`), `…IfExists`,
//! `ForAnyValue:`/`ForAllValues:`, `…IgnoreCase`, several keys (AND), several values (OR
//! for positive operators, NOR for negated ones), absent keys, and several statements
//! with an explicit `Deny` overriding every `Allow`.
//!
//! Semantics (IAM user guide, "Condition operators", "Multivalued context keys",
//! "Conditions with multiple context keys or values"):
//! - a key absent from the request (or present with no value) makes a condition false,
//!   except: negated operators are true, `…IfExists` is true, `ForAllValues:` is true
//!   (vacuously), `ForAnyValue:` (negated or not) is false, and `Null` tests exactly
//!   presence (`"true"`: the key is absent);
//! - for one request value, a positive operator holds when some policy value matches
//!   it, a negated operator when none does (`StringNotEquals [a, b]`: neither `a` nor `b`);
//! - `ForAnyValue:` holds when some request value satisfies the operator, `ForAllValues:`
//!   when every one does; without a set qualifier a multivalued key behaves like
//!   `ForAnyValue:` for positive operators and like its negation for negated ones (so a
//!   negated operator stays the exact complement of its positive form);
//! - `ArnEquals` and `ArnLike` are the same test: each of the six `:`-separated parts is
//!   matched separately and may use `*` and `?` (the last part keeps its own colons).
//!
//! Values that are not written in the policy (placeholders such as `AWS_ACCOUNT`,
//! `<account-id>`, `${var.x}`, and IAM policy variables under `2012-10-17`) are symbolic:
//! a comparison involving one is [`Truth::Unknown`] and the three-valued (Kleene) logic
//! carries that through, so callers can report their check as partial.

use std::collections::HashMap;
use std::net::IpAddr;

use trustlint_parser::iam::placeholder::{has_interpolation, is_placeholder};
use trustlint_parser::iam::{
    BaseOperator, Condition, ConditionOperator, Effect, OperatorFamily, SetQualifier,
};

use super::glob::{Case, Operator, Pattern, VariableApprox, VariableSyntax};

/// A three-valued truth: `Unknown` when the answer depends on a symbolic value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Truth {
    False,
    True,
    Unknown,
}

impl Truth {
    pub fn from_bool(value: bool) -> Truth {
        if value {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// Kleene conjunction.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    /// Disjunction of many (false when empty).
    pub fn any(items: impl IntoIterator<Item = Truth>) -> Truth {
        items.into_iter().fold(Truth::False, Truth::or)
    }

    /// Conjunction of many (true when empty).
    pub fn all(items: impl IntoIterator<Item = Truth>) -> Truth {
        items.into_iter().fold(Truth::True, Truth::and)
    }
}

impl std::ops::Not for Truth {
    type Output = Truth;

    /// Kleene negation.
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// The context keys of one request and their values; keys compare ignoring ASCII case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    values: HashMap<String, Vec<String>>,
}

impl RequestContext {
    pub fn new() -> RequestContext {
        RequestContext::default()
    }

    /// The same context with `key` carrying `values` (a multivalued key; an empty list
    /// counts as absent).
    pub fn with_values<S: AsRef<str>>(mut self, key: &str, values: &[S]) -> RequestContext {
        self.values.insert(
            key.to_ascii_lowercase(),
            values.iter().map(|v| v.as_ref().to_owned()).collect(),
        );
        self
    }

    /// The same context with `key` carrying one value.
    pub fn with(self, key: &str, value: &str) -> RequestContext {
        self.with_values(key, &[value])
    }

    /// The values of `key`; `None` when absent or empty.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(Vec::as_slice)
            .filter(|values| !values.is_empty())
    }
}

/// The outcome of evaluating a policy's statements for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Some `Allow` matches and no `Deny` does.
    Allow,
    /// Some `Deny` matches.
    ExplicitDeny,
    /// No statement matches.
    ImplicitDeny,
    /// The outcome depends on symbolic values.
    Unknown,
}

/// One condition (operator, key, values) to evaluate, independent of spans.
#[derive(Debug, Clone, Copy)]
pub struct ConditionRef<'a> {
    pub operator: ConditionOperator,
    pub key: &'a str,
    pub values: &'a [&'a str],
}

/// Evaluates a parsed condition; `syntax` says whether `${…}` are policy variables.
pub fn evaluate(condition: &Condition, request: &RequestContext, syntax: VariableSyntax) -> Truth {
    let values: Vec<&str> = condition.value_texts().collect();
    evaluate_ref(
        ConditionRef {
            operator: condition.operator.value,
            key: &condition.key.value,
            values: &values,
        },
        request,
        syntax,
    )
}

/// Evaluates a statement's condition block: every condition must hold (an empty block
/// holds).
pub fn evaluate_block(
    conditions: &[Condition],
    request: &RequestContext,
    syntax: VariableSyntax,
) -> Truth {
    Truth::all(conditions.iter().map(|c| evaluate(c, request, syntax)))
}

/// The decision of several statements (each its effect and condition block) that all
/// apply to the request's principal and action: an explicit `Deny` overrides any
/// `Allow`; nothing matching is an implicit deny.
pub fn decide<'a>(
    statements: impl IntoIterator<Item = (Effect, &'a [Condition])>,
    request: &RequestContext,
    syntax: VariableSyntax,
) -> Decision {
    let mut allow = Truth::False;
    let mut deny = Truth::False;
    for (effect, conditions) in statements {
        let holds = evaluate_block(conditions, request, syntax);
        match effect {
            Effect::Allow => allow = allow.or(holds),
            Effect::Deny => deny = deny.or(holds),
        }
    }
    match (deny, allow) {
        (Truth::True, _) => Decision::ExplicitDeny,
        (Truth::False, Truth::True) => Decision::Allow,
        (Truth::False, Truth::False) => Decision::ImplicitDeny,
        _ => Decision::Unknown,
    }
}

/// Evaluates one condition given as parts.
pub fn evaluate_ref(
    condition: ConditionRef<'_>,
    request: &RequestContext,
    syntax: VariableSyntax,
) -> Truth {
    let operator = condition.operator;
    let present = request.get(condition.key);
    if operator.base == BaseOperator::Null {
        return Truth::any(condition.values.iter().map(|value| {
            if is_placeholder(value) {
                Truth::Unknown
            } else if value.eq_ignore_ascii_case("true") {
                Truth::from_bool(present.is_none())
            } else if value.eq_ignore_ascii_case("false") {
                Truth::from_bool(present.is_some())
            } else {
                Truth::False
            }
        }));
    }
    let Some(request_values) = present else {
        return Truth::from_bool(absent_result(operator));
    };
    let holds_for = |value: &str| {
        let matched = Truth::any(
            condition
                .values
                .iter()
                .map(|policy| compare(operator.base, policy, value, syntax)),
        );
        if operator.is_negated() {
            !matched
        } else {
            matched
        }
    };
    match operator.qualifier {
        Some(SetQualifier::ForAnyValue) => Truth::any(request_values.iter().map(|v| holds_for(v))),
        Some(SetQualifier::ForAllValues) => Truth::all(request_values.iter().map(|v| holds_for(v))),
        None if operator.is_negated() => Truth::all(request_values.iter().map(|v| holds_for(v))),
        None => Truth::any(request_values.iter().map(|v| holds_for(v))),
    }
}

/// The result of a (non-`Null`) condition whose key is absent from the request.
pub fn absent_result(operator: ConditionOperator) -> bool {
    if operator.if_exists {
        return true;
    }
    match operator.qualifier {
        Some(SetQualifier::ForAllValues) => true,
        Some(SetQualifier::ForAnyValue) => false,
        None => operator.is_negated(),
    }
}

/// Whether a condition is false for every request that lacks its key.
pub fn false_when_absent(condition: &Condition, syntax: VariableSyntax) -> bool {
    evaluate(condition, &RequestContext::new(), syntax) == Truth::False
}

/// Does the request value `value` match the policy value `policy` under the positive
/// form of `base` (`StringNotLike` compares like `StringLike`)?
fn compare(base: BaseOperator, policy: &str, value: &str, syntax: VariableSyntax) -> Truth {
    let family = base.family();
    if family == OperatorFamily::String {
        let operator = if base.is_pattern() {
            Operator::Like
        } else {
            Operator::Equals
        };
        let pattern = Pattern::parse(policy, operator, syntax);
        let symbolic = match syntax {
            VariableSyntax::Substituted => {
                pattern.has_variables() || (!has_interpolation(policy) && is_placeholder(policy))
            }
            VariableSyntax::Literal => is_placeholder(policy),
        };
        if symbolic {
            return Truth::Unknown;
        }
        let case = if base.is_case_insensitive() {
            Case::Insensitive
        } else {
            Case::Sensitive
        };
        return Truth::from_bool(pattern.matches_with(value, case, VariableApprox::NoMatch));
    }
    if is_placeholder(policy) {
        return Truth::Unknown;
    }
    let matched = match family {
        OperatorFamily::Numeric => compare_ordered(base, parse_number(policy), parse_number(value)),
        OperatorFamily::Date => compare_ordered(base, parse_date(policy), parse_date(value)),
        OperatorFamily::Bool => policy.eq_ignore_ascii_case(value),
        OperatorFamily::Binary => policy == value,
        OperatorFamily::IpAddress => ip_in_block(policy, value),
        OperatorFamily::Arn => arn_matches(policy, value, syntax),
        OperatorFamily::String | OperatorFamily::Null => false,
    };
    Truth::from_bool(matched)
}

/// Numeric and date operators: the request value `value` against the policy's `limit`;
/// an unparsable side never matches.
fn compare_ordered(base: BaseOperator, limit: Option<f64>, value: Option<f64>) -> bool {
    use BaseOperator as B;
    let (Some(limit), Some(value)) = (limit, value) else {
        return false;
    };
    match base {
        B::NumericLessThan | B::DateLessThan => value < limit,
        B::NumericLessThanEquals | B::DateLessThanEquals => value <= limit,
        B::NumericGreaterThan | B::DateGreaterThan => value > limit,
        B::NumericGreaterThanEquals | B::DateGreaterThanEquals => value >= limit,
        // Equals and the negated NotEquals (compared in positive form).
        _ => value == limit,
    }
}

fn parse_number(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A date as seconds since the epoch: epoch seconds, or ISO 8601
/// `YYYY[-MM[-DD]][THH[:MM[:SS[.fraction]]][Z|±HH[:MM]]]` (UTC when no zone is given).
pub fn parse_date(text: &str) -> Option<f64> {
    let text = text.trim();
    if !text.contains(['-', 'T', 't']) {
        return text.parse::<i64>().ok().map(|s| s as f64);
    }
    let (date, time) = text.split_once(['T', 't']).unwrap_or((text, ""));
    let mut parts = date.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: i64 = parts.next().map_or(Some(1), |d| d.parse().ok())?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (clock, offset) = split_zone(time)?;
    let mut fields = clock.split(':');
    let hours: f64 = fields
        .next()
        .filter(|h| !h.is_empty())
        .map_or(Some(0.0), |h| h.parse().ok())?;
    let minutes: f64 = fields.next().map_or(Some(0.0), |m| m.parse().ok())?;
    let seconds: f64 = fields.next().map_or(Some(0.0), |s| s.parse().ok())?;
    let days = days_from_civil(year, month, day) as f64;
    Some(days * 86_400.0 + hours * 3_600.0 + minutes * 60.0 + seconds - offset)
}

/// Splits a time of day from its zone; the zone as an offset in seconds.
fn split_zone(time: &str) -> Option<(&str, f64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0.0));
    }
    let Some(position) = time.rfind(['+', '-']) else {
        return Some((time, 0.0));
    };
    let (clock, zone) = time.split_at(position);
    let sign = if zone.starts_with('-') { -1.0 } else { 1.0 };
    let zone = zone.get(1..)?;
    let (hours, minutes) = zone.split_once(':').unwrap_or((zone, "0"));
    let hours: f64 = hours.parse().ok()?;
    let minutes: f64 = minutes.parse().ok()?;
    Some((clock, sign * (hours * 3_600.0 + minutes * 60.0)))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Is the address `value` inside the block `policy` (`203.0.113.0/24`, `2001:db8::/32`,
/// or one address)?
fn ip_in_block(policy: &str, value: &str) -> bool {
    let (address, bits) = match policy.split_once('/') {
        Some((address, bits)) => (address, bits.parse::<u32>().ok()),
        None => (policy, None),
    };
    let (Ok(network), Ok(value)) = (address.parse::<IpAddr>(), value.parse::<IpAddr>()) else {
        return false;
    };
    match (network, value) {
        (IpAddr::V4(network), IpAddr::V4(value)) => {
            prefix_equal(u32::from(network).into(), u32::from(value).into(), 32, bits)
        }
        (IpAddr::V6(network), IpAddr::V6(value)) => {
            prefix_equal(u128::from(network), u128::from(value), 128, bits)
        }
        _ => false,
    }
}

/// Do `a` and `b` (numbers of `width` bits) agree on their first `bits` bits?
fn prefix_equal(a: u128, b: u128, width: u32, bits: Option<u32>) -> bool {
    let bits = bits.unwrap_or(width);
    if bits > width {
        return false;
    }
    let shift = width - bits;
    a.checked_shr(shift).unwrap_or(0) == b.checked_shr(shift).unwrap_or(0)
}

/// ARN matching: the six `:`-separated parts compared one by one as `StringLike`
/// patterns (the resource part keeps its own colons).
fn arn_matches(policy: &str, value: &str, syntax: VariableSyntax) -> bool {
    let (Some(patterns), Some(parts)) = (arn_parts(policy), arn_parts(value)) else {
        return policy == "*";
    };
    patterns.iter().zip(parts.iter()).all(|(pattern, part)| {
        Pattern::parse(pattern, Operator::Like, syntax).matches_with(
            part,
            Case::Sensitive,
            VariableApprox::NoMatch,
        )
    })
}

fn arn_parts(text: &str) -> Option<[&str; 6]> {
    let mut parts = text.splitn(6, ':');
    let mut out = [""; 6];
    for slot in &mut out {
        *slot = parts.next()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYNTAX: VariableSyntax = VariableSyntax::Substituted;

    fn eval(operator: &str, key: &str, values: &[&str], request: &RequestContext) -> Truth {
        let operator: ConditionOperator = operator.parse().unwrap();
        evaluate_ref(
            ConditionRef {
                operator,
                key,
                values,
            },
            request,
            SYNTAX,
        )
    }

    #[test]
    fn absent_keys_follow_the_table() {
        let empty = RequestContext::new();
        let cases = [
            ("StringEquals", Truth::False),
            ("StringNotEquals", Truth::True),
            ("StringLikeIfExists", Truth::True),
            ("ForAllValues:StringEquals", Truth::True),
            ("ForAnyValue:StringEquals", Truth::False),
            ("ForAnyValue:StringNotLike", Truth::False),
            ("ArnNotLike", Truth::True),
            ("NumericLessThan", Truth::False),
            ("Bool", Truth::False),
        ];
        for (operator, expected) in cases {
            assert_eq!(eval(operator, "k", &["a"], &empty), expected, "{operator}");
        }
        assert_eq!(eval("Null", "k", &["true"], &empty), Truth::True);
        assert_eq!(eval("Null", "k", &["false"], &empty), Truth::False);
        let present = RequestContext::new().with("K", "x");
        assert_eq!(eval("Null", "k", &["false"], &present), Truth::True);
    }

    #[test]
    fn values_are_or_for_positive_and_nor_for_negated() {
        let request = RequestContext::new().with("gitlab.com:sub", "b");
        assert_eq!(
            eval("StringEquals", "GitLab.com:SUB", &["a", "b"], &request),
            Truth::True
        );
        assert_eq!(
            eval("StringNotEquals", "gitlab.com:sub", &["a", "b"], &request),
            Truth::False
        );
        assert_eq!(
            eval("StringNotEquals", "gitlab.com:sub", &["a", "c"], &request),
            Truth::True
        );
        assert_eq!(
            eval("StringEqualsIgnoreCase", "gitlab.com:sub", &["B"], &request),
            Truth::True
        );
        assert_eq!(
            eval("StringEquals", "gitlab.com:sub", &["B"], &request),
            Truth::False
        );
        assert_eq!(
            eval("StringEquals", "gitlab.com:sub", &["*"], &request),
            Truth::False
        );
        assert_eq!(
            eval("StringLike", "gitlab.com:sub", &["*"], &request),
            Truth::True
        );
    }

    #[test]
    fn set_operators() {
        let request = RequestContext::new().with_values("tags", &["a", "b"]);
        assert_eq!(
            eval(
                "ForAllValues:StringEquals",
                "tags",
                &["a", "b", "c"],
                &request
            ),
            Truth::True
        );
        assert_eq!(
            eval("ForAllValues:StringEquals", "tags", &["a"], &request),
            Truth::False
        );
        assert_eq!(
            eval("ForAnyValue:StringEquals", "tags", &["a"], &request),
            Truth::True
        );
        assert_eq!(
            eval("ForAnyValue:StringNotEquals", "tags", &["a"], &request),
            Truth::True
        );
        assert_eq!(
            eval("ForAllValues:StringNotEquals", "tags", &["a"], &request),
            Truth::False
        );
    }

    #[test]
    fn other_families() {
        let request = RequestContext::new()
            .with("n", "10")
            .with("d", "2020-01-01T00:00:00Z")
            .with("b", "true")
            .with("ip", "203.0.113.7")
            .with("arn", "arn:aws:iam::210987654321:role/deploy");
        assert_eq!(eval("NumericLessThan", "n", &["11"], &request), Truth::True);
        assert_eq!(
            eval("NumericNotEquals", "n", &["10.0"], &request),
            Truth::False
        );
        assert_eq!(
            eval("DateGreaterThan", "d", &["2019-12-31T23:59:59Z"], &request),
            Truth::True
        );
        assert_eq!(
            eval("DateLessThan", "d", &["1577836800"], &request),
            Truth::False
        );
        assert_eq!(
            eval("DateEquals", "d", &["2020-01-01T01:00:00+01:00"], &request),
            Truth::True
        );
        assert_eq!(eval("Bool", "b", &["True"], &request), Truth::True);
        assert_eq!(
            eval("IpAddress", "ip", &["203.0.113.0/24"], &request),
            Truth::True
        );
        assert_eq!(
            eval("NotIpAddress", "ip", &["198.51.100.0/24"], &request),
            Truth::True
        );
        assert_eq!(
            eval("ArnLike", "arn", &["arn:aws:iam::*:role/*"], &request),
            Truth::True
        );
        assert_eq!(
            eval(
                "ArnEquals",
                "arn",
                &["arn:aws:iam::*:role/d?ploy"],
                &request
            ),
            Truth::True
        );
        assert_eq!(
            eval("ArnLike", "arn", &["arn:aws:iam:*:role/*"], &request),
            Truth::False
        );
    }

    #[test]
    fn placeholders_are_unknown() {
        let request = RequestContext::new().with("aws:SourceAccount", "210987654321");
        assert_eq!(
            eval(
                "StringEquals",
                "aws:SourceAccount",
                &["${var.account}"],
                &request
            ),
            Truth::Unknown
        );
        assert_eq!(
            eval("ArnLike", "aws:SourceAccount", &["AWS_ACCOUNT"], &request),
            Truth::Unknown
        );
        assert_eq!(
            eval(
                "StringEquals",
                "aws:SourceAccount",
                &["${var.account}", "210987654321"],
                &request
            ),
            Truth::True
        );
        assert_eq!(
            eval(
                "StringNotEquals",
                "aws:SourceAccount",
                &["<account-id>"],
                &request
            ),
            Truth::Unknown
        );
    }

    #[test]
    fn deny_overrides_allow() {
        use trustlint_parser::iam::load_policy;
        use trustlint_parser::json::parse_json;
        use trustlint_parser::{FileId, Limits};
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"StringLike": {"k": "a*"}}},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"k": "ab"}}}
        ]}"#;
        let root = parse_json(FileId(0), text, &Limits::default()).unwrap();
        let policy = load_policy(&root, &mut Vec::new()).unwrap();
        let decide_for = |value: &str| {
            let request = RequestContext::new().with("k", value);
            decide(
                policy
                    .statements
                    .iter()
                    .map(|s| (s.effect.unwrap().value, s.conditions.as_slice())),
                &request,
                SYNTAX,
            )
        };
        assert_eq!(decide_for("ax"), Decision::Allow);
        assert_eq!(decide_for("ab"), Decision::ExplicitDeny);
        assert_eq!(decide_for("b"), Decision::ImplicitDeny);
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_date("1970-01-02"), Some(86_400.0));
        assert_eq!(parse_date("2020-01-01T00:00:00Z"), Some(1_577_836_800.0));
        assert_eq!(parse_date("bad"), None);
    }
}
