//! The expression language of Entra *flexible* federated identity credentials
//! (`claimsMatchingExpression.value`, language version 1), as Microsoft documents it
//! (learn.microsoft.com `workload-identities-flexible-federated-identity-credentials`,
//! "language structure" and "expression language functionality"):
//!
//! ```text
//! expression := clause ( " and " clause )*
//! clause     := "claims['" name "']" " " operator " " "'" comparand "'"
//! operator   := "eq" | "matches"
//! ```
//!
//! `eq` compares the claim exactly; `matches` is a wildcard match in which `?` stands for
//! one character and `*` for any run of characters (none included). A claim the token
//! lacks matches nothing. Microsoft asks for single spaces; runs of spaces or tabs are
//! accepted here (reading an expression as broken when Entra takes it would be a false
//! finding). A `'` always ends a name or comparand: the documents say single quotes "are
//! interpreted as escape characters" without saying how a comparand holds one, so an
//! expression with a quote inside a comparand is reported as not read.
//!
//! Offsets are byte offsets into the expression text; callers map them to the file.

use std::ops::Range;

/// Longest expression read (a bound against hostile input; Microsoft documents no
/// limit).
pub const MAX_EXPRESSION_LEN: usize = 16 * 1024;

/// Most clauses read.
pub const MAX_CLAUSES: usize = 64;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Matches,
}

impl Operator {
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Matches => "matches",
        }
    }
}

/// One `claims['name'] op 'comparand'` clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clause {
    pub claim: String,
    /// The claim name (inside its quotes).
    pub claim_at: Range<usize>,
    pub operator: Operator,
    pub operator_at: Range<usize>,
    pub comparand: String,
    /// The comparand (inside its quotes).
    pub comparand_at: Range<usize>,
    /// The whole clause.
    pub at: Range<usize>,
}

impl Clause {
    /// Whether a claim value satisfies the clause, by Microsoft's rules.
    pub fn admits(&self, value: &str) -> bool {
        match self.operator {
            Operator::Eq => value == self.comparand,
            Operator::Matches => wildcard_match(&self.comparand, value),
        }
    }
}

/// A parsed expression: its clauses, all of which must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expression {
    pub clauses: Vec<Clause>,
}

impl Expression {
    /// Whether a token whose claims `claim` gives (`None`: absent) satisfies the
    /// expression: every clause's claim present and admitted.
    pub fn admits(&self, claim: &dyn Fn(&str) -> Option<String>) -> bool {
        self.clauses
            .iter()
            .all(|clause| claim(&clause.claim).is_some_and(|value| clause.admits(&value)))
    }

    /// The clauses on `claim`.
    pub fn on<'e>(&'e self, claim: &'e str) -> impl Iterator<Item = &'e Clause> + 'e {
        self.clauses.iter().filter(move |c| c.claim == claim)
    }
}

/// Why an expression can't be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub at: Range<usize>,
}

/// Parses an expression.
pub fn parse(text: &str) -> Result<Expression, ParseError> {
    if text.len() > MAX_EXPRESSION_LEN {
        return Err(ParseError {
            message: format!("the expression is longer than {MAX_EXPRESSION_LEN} bytes"),
            at: 0..text.len(),
        });
    }
    let mut parser = Parser { text, at: 0 };
    let mut clauses = Vec::new();
    parser.blanks();
    loop {
        if clauses.len() >= MAX_CLAUSES {
            return Err(parser.error(format!("more than {MAX_CLAUSES} clauses")));
        }
        clauses.push(parser.clause()?);
        let before = parser.at;
        let blanks = parser.blanks();
        if parser.at == text.len() {
            break;
        }
        if !blanks {
            return Err(parser.error("expected ` and ` between clauses".to_string()));
        }
        if parser.word() != Some("and") {
            parser.at = before;
            parser.blanks();
            return Err(parser.error(
                "expected `and` (the only operator joining clauses) or the end".to_string(),
            ));
        }
        if !parser.blanks() {
            return Err(parser.error("expected a space after `and`".to_string()));
        }
    }
    Ok(Expression { clauses })
}

struct Parser<'t> {
    text: &'t str,
    at: usize,
}

impl<'t> Parser<'t> {
    fn rest(&self) -> &'t str {
        self.text.get(self.at..).unwrap_or_default()
    }

    fn error(&self, message: String) -> ParseError {
        let end = self
            .rest()
            .char_indices()
            .nth(1)
            .map_or(self.text.len(), |(i, _)| self.at + i);
        ParseError {
            message,
            at: self.at..end,
        }
    }

    /// Skips spaces and tabs; whether there were any.
    fn blanks(&mut self) -> bool {
        let rest = self.rest();
        let skipped = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        self.at += skipped;
        skipped > 0
    }

    /// Consumes a run of ASCII letters.
    fn word(&mut self) -> Option<&'t str> {
        let rest = self.rest();
        let len = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let word = rest.get(..len).filter(|w| !w.is_empty())?;
        self.at += len;
        Some(word)
    }

    fn expect(&mut self, literal: &str, what: &str) -> Result<(), ParseError> {
        if self.rest().starts_with(literal) {
            self.at += literal.len();
            Ok(())
        } else {
            Err(self.error(format!("expected {what}")))
        }
    }

    /// A single-quoted string (the opening quote next): its text and the range inside
    /// the quotes.
    fn quoted(&mut self, what: &str) -> Result<(String, Range<usize>), ParseError> {
        self.expect("'", &format!("{what} in single quotes"))?;
        let start = self.at;
        let Some(len) = self.rest().find('\'') else {
            self.at = start.saturating_sub(1);
            return Err(self.error(format!("the quote opening this {what} never closes")));
        };
        self.at += len + 1;
        Ok((
            self.text
                .get(start..start + len)
                .unwrap_or_default()
                .to_string(),
            start..start + len,
        ))
    }

    fn clause(&mut self) -> Result<Clause, ParseError> {
        let start = self.at;
        self.expect("claims[", "a claim lookup `claims['<name>']`")?;
        let (claim, claim_at) = self.quoted("claim name")?;
        if claim.is_empty() {
            self.at = claim_at.start;
            return Err(self.error("the claim name is empty".to_string()));
        }
        self.expect("]", "`]` after the claim name")?;
        if !self.blanks() {
            return Err(self.error("expected a space before the operator".to_string()));
        }
        let operator_start = self.at;
        let operator = match self.word() {
            Some("eq") => Operator::Eq,
            Some("matches") => Operator::Matches,
            _ => {
                self.at = operator_start;
                return Err(self.error(
                    "expected the operator `eq` or `matches` (the only ones Microsoft documents)"
                        .to_string(),
                ));
            }
        };
        let operator_at = operator_start..self.at;
        if !self.blanks() {
            return Err(self.error("expected a space before the comparand".to_string()));
        }
        let (comparand, comparand_at) = self.quoted("comparand")?;
        let after = self.rest().chars().next();
        if after.is_some_and(|c| c != ' ' && c != '\t') {
            return Err(self.error(
                "text right after the comparand's closing quote (a quote inside a comparand \
                 can't be read)"
                    .to_string(),
            ));
        }
        Ok(Clause {
            claim,
            claim_at,
            operator,
            operator_at,
            comparand,
            comparand_at,
            at: start..self.at,
        })
    }
}

/// Microsoft's `matches`: `?` is one character, `*` any run of characters (none
/// included), everything else itself, case-sensitive. Linear in practice: the classic
/// backtrack-to-the-last-star walk, at most `pattern × value` steps.
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let value: Vec<char> = value.chars().collect();
    let (mut p, mut v) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, v));
                p += 1;
            }
            Some(&c) if c == '?' || c == value[v] => {
                p += 1;
                v += 1;
            }
            _ => match star {
                Some((star_p, star_v)) => {
                    p = star_p + 1;
                    v = star_v + 1;
                    star = Some((star_p, star_v + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_documented_examples() {
        let text = "claims['sub'] matches 'project_id:57382910:*' and claims['project_id'] eq '57382910' and claims['namespace_id'] eq '77'";
        let expression = parse(text).unwrap();
        assert_eq!(expression.clauses.len(), 3);
        let first = &expression.clauses[0];
        assert_eq!(first.claim, "sub");
        assert_eq!(&text[first.claim_at.clone()], "sub");
        assert_eq!(first.operator, Operator::Matches);
        assert_eq!(&text[first.operator_at.clone()], "matches");
        assert_eq!(&text[first.comparand_at.clone()], "project_id:57382910:*");
        assert_eq!(
            &text[expression.clauses[2].at.clone()],
            "claims['namespace_id'] eq '77'"
        );
    }

    #[test]
    fn rejects_what_the_language_does_not_have() {
        for (text, what) in [
            ("claims['sub'] == 'x'", "operator"),
            ("claims['sub'] matches 'x' or claims['sub'] eq 'y'", "`and`"),
            ("claims['sub'] matches \"x\"", "single quotes"),
            ("claims[sub] eq 'x'", "single quotes"),
            ("claims['sub'] eq 'it's'", "comparand"),
            ("claims['sub'] eq 'x", "never closes"),
            ("claims['sub'] eq 'x' and", "after `and`"),
            ("claims['sub'] eq 'x' and ", "claim lookup"),
            ("", "claim lookup"),
            ("claims['']  eq 'x'", "empty"),
            ("claims['sub']eq 'x'", "space"),
            ("claims['sub'] eq 'x'and claims['a'] eq 'b'", "comparand"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.message.contains(what), "{text}: {}", error.message);
            assert!(error.at.end <= text.len() && error.at.start <= error.at.end);
        }
    }

    #[test]
    fn wildcards_follow_microsoft() {
        assert!(wildcard_match(
            "project_path:g/p:*",
            "project_path:g/p:ref_type:branch:ref:main"
        ));
        assert!(wildcard_match("a*", "a"));
        assert!(wildcard_match("ref:????", "ref:main"));
        assert!(!wildcard_match("ref:????", "ref:mai"));
        assert!(!wildcard_match("Ref", "ref"));
        assert!(wildcard_match("*/p:*", "g/sub/p:x"));
        assert!(!wildcard_match("a*b", "a/c"));
    }

    fn naive(pattern: &[char], value: &[char]) -> bool {
        match pattern.split_first() {
            None => value.is_empty(),
            Some(('*', rest)) => (0..=value.len()).any(|i| naive(rest, &value[i..])),
            Some((&c, rest)) => value
                .split_first()
                .is_some_and(|(&v, tail)| (c == '?' || c == v) && naive(rest, tail)),
        }
    }

    proptest! {
        #[test]
        fn wildcard_agrees_with_the_definition(pattern in "[ab*?:]{0,8}", value in "[ab:]{0,8}") {
            let p: Vec<char> = pattern.chars().collect();
            let v: Vec<char> = value.chars().collect();
            prop_assert_eq!(wildcard_match(&pattern, &value), naive(&p, &v));
        }

        #[test]
        fn parse_never_panics_and_ranges_fit(text in "[claims\\[\\]' a-z_=*]{0,60}") {
            match parse(&text) {
                Ok(expression) => for clause in &expression.clauses {
                    prop_assert!(text.get(clause.at.clone()).is_some());
                    prop_assert_eq!(&text[clause.comparand_at.clone()], clause.comparand.as_str());
                },
                Err(error) => prop_assert!(text.get(error.at.clone()).is_some()),
            }
        }

        #[test]
        fn printed_clauses_read_back(parts in proptest::collection::vec(("[a-z_]{1,8}", any::<bool>(), "[a-z0-9:/*?]{0,12}"), 1..5)) {
            let text = parts
                .iter()
                .map(|(claim, eq, comparand)| format!("claims['{claim}'] {} '{comparand}'", if *eq { "eq" } else { "matches" }))
                .collect::<Vec<_>>()
                .join(" and ");
            let expression = parse(&text).unwrap();
            prop_assert_eq!(expression.clauses.len(), parts.len());
            for (clause, (claim, eq, comparand)) in expression.clauses.iter().zip(&parts) {
                prop_assert_eq!(&clause.claim, claim);
                prop_assert_eq!(clause.operator == Operator::Eq, *eq);
                prop_assert_eq!(&clause.comparand, comparand);
            }
        }
    }
}
