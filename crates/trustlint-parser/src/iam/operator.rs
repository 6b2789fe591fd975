//! IAM condition operators: the base operator (`StringLike`, `ArnEquals`, `Null`, …), the
//! set qualifier (`ForAnyValue:` / `ForAllValues:`) and the `…IfExists` suffix, parsed from
//! and printed back to the exact (case-sensitive) AWS spelling.

use std::fmt;
use std::str::FromStr;

use crate::suggest::did_you_mean;

/// Every base condition operator of the IAM policy language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BaseOperator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// The type of value a base operator compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperatorFamily {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    IpAddress,
    Arn,
    Null,
}

impl BaseOperator {
    /// All base operators, in the order of the IAM user guide.
    pub const ALL: [BaseOperator; 27] = [
        BaseOperator::StringEquals,
        BaseOperator::StringNotEquals,
        BaseOperator::StringEqualsIgnoreCase,
        BaseOperator::StringNotEqualsIgnoreCase,
        BaseOperator::StringLike,
        BaseOperator::StringNotLike,
        BaseOperator::NumericEquals,
        BaseOperator::NumericNotEquals,
        BaseOperator::NumericLessThan,
        BaseOperator::NumericLessThanEquals,
        BaseOperator::NumericGreaterThan,
        BaseOperator::NumericGreaterThanEquals,
        BaseOperator::DateEquals,
        BaseOperator::DateNotEquals,
        BaseOperator::DateLessThan,
        BaseOperator::DateLessThanEquals,
        BaseOperator::DateGreaterThan,
        BaseOperator::DateGreaterThanEquals,
        BaseOperator::Bool,
        BaseOperator::BinaryEquals,
        BaseOperator::IpAddress,
        BaseOperator::NotIpAddress,
        BaseOperator::ArnEquals,
        BaseOperator::ArnLike,
        BaseOperator::ArnNotEquals,
        BaseOperator::ArnNotLike,
        BaseOperator::Null,
    ];

    /// The AWS spelling.
    pub fn name(self) -> &'static str {
        match self {
            BaseOperator::StringEquals => "StringEquals",
            BaseOperator::StringNotEquals => "StringNotEquals",
            BaseOperator::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            BaseOperator::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            BaseOperator::StringLike => "StringLike",
            BaseOperator::StringNotLike => "StringNotLike",
            BaseOperator::NumericEquals => "NumericEquals",
            BaseOperator::NumericNotEquals => "NumericNotEquals",
            BaseOperator::NumericLessThan => "NumericLessThan",
            BaseOperator::NumericLessThanEquals => "NumericLessThanEquals",
            BaseOperator::NumericGreaterThan => "NumericGreaterThan",
            BaseOperator::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            BaseOperator::DateEquals => "DateEquals",
            BaseOperator::DateNotEquals => "DateNotEquals",
            BaseOperator::DateLessThan => "DateLessThan",
            BaseOperator::DateLessThanEquals => "DateLessThanEquals",
            BaseOperator::DateGreaterThan => "DateGreaterThan",
            BaseOperator::DateGreaterThanEquals => "DateGreaterThanEquals",
            BaseOperator::Bool => "Bool",
            BaseOperator::BinaryEquals => "BinaryEquals",
            BaseOperator::IpAddress => "IpAddress",
            BaseOperator::NotIpAddress => "NotIpAddress",
            BaseOperator::ArnEquals => "ArnEquals",
            BaseOperator::ArnLike => "ArnLike",
            BaseOperator::ArnNotEquals => "ArnNotEquals",
            BaseOperator::ArnNotLike => "ArnNotLike",
            BaseOperator::Null => "Null",
        }
    }

    /// The base operator with exactly this (case-sensitive) spelling.
    pub fn from_name(name: &str) -> Option<BaseOperator> {
        BaseOperator::ALL.into_iter().find(|op| op.name() == name)
    }

    pub fn family(self) -> OperatorFamily {
        use BaseOperator as B;
        match self {
            B::StringEquals
            | B::StringNotEquals
            | B::StringEqualsIgnoreCase
            | B::StringNotEqualsIgnoreCase
            | B::StringLike
            | B::StringNotLike => OperatorFamily::String,
            B::NumericEquals
            | B::NumericNotEquals
            | B::NumericLessThan
            | B::NumericLessThanEquals
            | B::NumericGreaterThan
            | B::NumericGreaterThanEquals => OperatorFamily::Numeric,
            B::DateEquals
            | B::DateNotEquals
            | B::DateLessThan
            | B::DateLessThanEquals
            | B::DateGreaterThan
            | B::DateGreaterThanEquals => OperatorFamily::Date,
            B::Bool => OperatorFamily::Bool,
            B::BinaryEquals => OperatorFamily::Binary,
            B::IpAddress | B::NotIpAddress => OperatorFamily::IpAddress,
            B::ArnEquals | B::ArnLike | B::ArnNotEquals | B::ArnNotLike => OperatorFamily::Arn,
            B::Null => OperatorFamily::Null,
        }
    }

    /// True for the operators that match when the value is *not* among the listed ones
    /// (and so are true when the key is absent from the request).
    pub fn is_negated(self) -> bool {
        use BaseOperator as B;
        matches!(
            self,
            B::StringNotEquals
                | B::StringNotEqualsIgnoreCase
                | B::StringNotLike
                | B::NumericNotEquals
                | B::DateNotEquals
                | B::NotIpAddress
                | B::ArnNotEquals
                | B::ArnNotLike
        )
    }

    pub fn is_case_insensitive(self) -> bool {
        matches!(
            self,
            BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase
        )
    }

    /// True for the operators that expand `*` and `?` in their values.
    pub fn is_pattern(self) -> bool {
        use BaseOperator as B;
        matches!(
            self,
            B::StringLike | B::StringNotLike | B::ArnLike | B::ArnNotLike
        )
    }
}

impl fmt::Display for BaseOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The set operator prefix for multivalued keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SetQualifier {
    /// `ForAnyValue:` — true when at least one request value matches (false when absent).
    ForAnyValue,
    /// `ForAllValues:` — true when every request value matches (true when absent).
    ForAllValues,
}

impl SetQualifier {
    pub const ALL: [SetQualifier; 2] = [SetQualifier::ForAnyValue, SetQualifier::ForAllValues];

    pub fn name(self) -> &'static str {
        match self {
            SetQualifier::ForAnyValue => "ForAnyValue",
            SetQualifier::ForAllValues => "ForAllValues",
        }
    }

    pub fn from_name(name: &str) -> Option<SetQualifier> {
        SetQualifier::ALL.into_iter().find(|q| q.name() == name)
    }
}

impl fmt::Display for SetQualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A complete condition operator such as `ForAllValues:StringNotEqualsIfExists`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConditionOperator {
    pub qualifier: Option<SetQualifier>,
    pub base: BaseOperator,
    /// The `…IfExists` suffix: true when the key is absent from the request.
    pub if_exists: bool,
}

const IF_EXISTS: &str = "IfExists";

/// Why a condition operator could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OperatorError {
    /// The name is not an IAM condition operator; `suggestion` is the likely intended one.
    Unknown { suggestion: Option<String> },
    /// `NullIfExists` (or a qualified form): `Null` already tests presence.
    NullIfExists,
}

impl ConditionOperator {
    pub fn new(base: BaseOperator) -> Self {
        ConditionOperator {
            qualifier: None,
            base,
            if_exists: false,
        }
    }

    /// See [`BaseOperator::is_negated`].
    pub fn is_negated(&self) -> bool {
        self.base.is_negated()
    }

    pub fn is_case_insensitive(&self) -> bool {
        self.base.is_case_insensitive()
    }

    /// See [`BaseOperator::is_pattern`].
    pub fn is_pattern(&self) -> bool {
        self.base.is_pattern()
    }

    /// A likely intended spelling for an unknown operator: each part (qualifier, base
    /// name, `IfExists`) corrected on its own.
    pub fn suggest(text: &str) -> Option<String> {
        let (qualifier, rest) = match text.split_once(':') {
            Some((qualifier, rest)) => {
                let names = SetQualifier::ALL.map(SetQualifier::name);
                (Some(did_you_mean(qualifier, &names)?), rest)
            }
            None => (None, text),
        };
        let (stem, if_exists) = match rest.to_ascii_lowercase().rfind("ifexist") {
            Some(position) if position > 0 => (rest.get(..position).unwrap_or(rest), true),
            _ => (rest, false),
        };
        let base = did_you_mean(stem, &BaseOperator::ALL.map(BaseOperator::name))?;
        let mut suggestion = String::new();
        if let Some(qualifier) = qualifier {
            suggestion.push_str(qualifier);
            suggestion.push(':');
        }
        suggestion.push_str(base);
        if if_exists && base != BaseOperator::Null.name() {
            suggestion.push_str(IF_EXISTS);
        }
        (suggestion != text).then_some(suggestion)
    }
}

impl FromStr for ConditionOperator {
    type Err = OperatorError;

    /// Parses the exact AWS spelling; names are case-sensitive.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let unknown = || OperatorError::Unknown {
            suggestion: ConditionOperator::suggest(text),
        };
        let (qualifier, rest) = match text.split_once(':') {
            Some((qualifier, rest)) => (
                Some(SetQualifier::from_name(qualifier).ok_or_else(unknown)?),
                rest,
            ),
            None => (None, text),
        };
        if let Some(base) = BaseOperator::from_name(rest) {
            return Ok(ConditionOperator {
                qualifier,
                base,
                if_exists: false,
            });
        }
        let base_name = rest.strip_suffix(IF_EXISTS).ok_or_else(unknown)?;
        let base = BaseOperator::from_name(base_name).ok_or_else(unknown)?;
        if base == BaseOperator::Null {
            return Err(OperatorError::NullIfExists);
        }
        Ok(ConditionOperator {
            qualifier,
            base,
            if_exists: true,
        })
    }
}

impl fmt::Display for ConditionOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(qualifier) = self.qualifier {
            write!(f, "{qualifier}:")?;
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str(IF_EXISTS)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConditionOperator, OperatorError> {
        text.parse()
    }

    #[test]
    fn round_trip_every_operator_qualifier_and_if_exists() {
        let qualifiers = [
            None,
            Some(SetQualifier::ForAnyValue),
            Some(SetQualifier::ForAllValues),
        ];
        let mut count = 0;
        for base in BaseOperator::ALL {
            for qualifier in qualifiers {
                for if_exists in [false, true] {
                    let op = ConditionOperator {
                        qualifier,
                        base,
                        if_exists,
                    };
                    let text = op.to_string();
                    if base == BaseOperator::Null && if_exists {
                        assert_eq!(parse(&text), Err(OperatorError::NullIfExists), "{text}");
                        continue;
                    }
                    assert_eq!(parse(&text), Ok(op), "{text}");
                    count += 1;
                }
            }
        }
        assert_eq!(count, 27 * 6 - 3);
    }

    #[test]
    fn parses_documented_examples() {
        let op = parse("ForAnyValue:StringLike").unwrap();
        assert_eq!(op.qualifier, Some(SetQualifier::ForAnyValue));
        assert_eq!(op.base, BaseOperator::StringLike);
        assert!(!op.if_exists);
        let op = parse("StringEqualsIfExists").unwrap();
        assert_eq!(
            (op.qualifier, op.base, op.if_exists),
            (None, BaseOperator::StringEquals, true)
        );
        let op = parse("ForAllValues:StringNotEqualsIfExists").unwrap();
        assert_eq!(op.qualifier, Some(SetQualifier::ForAllValues));
        assert!(op.is_negated() && op.if_exists);
        assert_eq!(op.to_string(), "ForAllValues:StringNotEqualsIfExists");
    }

    #[test]
    fn names_are_case_sensitive_and_suggested() {
        assert_eq!(
            parse("stringlike"),
            Err(OperatorError::Unknown {
                suggestion: Some("StringLike".into())
            })
        );
        assert_eq!(
            parse("StringEqual"),
            Err(OperatorError::Unknown {
                suggestion: Some("StringEquals".into())
            })
        );
        assert_eq!(
            parse("ForAnyValues:StringLike"),
            Err(OperatorError::Unknown {
                suggestion: Some("ForAnyValue:StringLike".into())
            })
        );
        assert_eq!(
            parse("StringEqualsIfexists"),
            Err(OperatorError::Unknown {
                suggestion: Some("StringEqualsIfExists".into())
            })
        );
        assert_eq!(
            parse("StringLikeIfExist"),
            Err(OperatorError::Unknown {
                suggestion: Some("StringLikeIfExists".into())
            })
        );
        assert_eq!(
            parse("bad"),
            Err(OperatorError::Unknown { suggestion: None })
        );
        assert_eq!(parse("NullIfExists"), Err(OperatorError::NullIfExists));
        assert!(parse("IfExists").is_err());
        assert!(parse(":StringLike").is_err());
        assert!(parse("ForAnyValue:").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn classification() {
        let negated: Vec<_> = BaseOperator::ALL
            .into_iter()
            .filter(|b| b.is_negated())
            .map(BaseOperator::name)
            .collect();
        assert_eq!(
            negated,
            [
                "StringNotEquals",
                "StringNotEqualsIgnoreCase",
                "StringNotLike",
                "NumericNotEquals",
                "DateNotEquals",
                "NotIpAddress",
                "ArnNotEquals",
                "ArnNotLike"
            ]
        );
        let patterns: Vec<_> = BaseOperator::ALL
            .into_iter()
            .filter(|b| b.is_pattern())
            .map(BaseOperator::name)
            .collect();
        assert_eq!(
            patterns,
            ["StringLike", "StringNotLike", "ArnLike", "ArnNotLike"]
        );
        assert!(BaseOperator::StringEqualsIgnoreCase.is_case_insensitive());
        assert!(!BaseOperator::StringEquals.is_case_insensitive());
        assert_eq!(BaseOperator::ArnLike.family(), OperatorFamily::Arn);
    }
}
