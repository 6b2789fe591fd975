//! IAM string condition values: parsing a `StringLike` pattern or a `StringEquals` value
//! into atoms (`*`, `?`, literal characters, policy variables), direct matching of a value
//! against it, and the character case folding that the `…IgnoreCase` operators use.
//!
//! Semantics (IAM user guide, "Condition operators" and "Policy variables"):
//! - in `StringLike`, `*` matches any run of characters (possibly empty, `:` and `/`
//!   included) and `?` exactly one character; every other character is literal (IAM has
//!   no escape syntax);
//! - in `StringEquals`, `*` and `?` are literal;
//! - in policies with `"Version": "2012-10-17"` ([`VariableSyntax::Substituted`]),
//!   `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`, and any other
//!   `${…}` is a policy variable whose value comes from the request. Variables can't be
//!   resolved offline: they are kept as [`Atom::Variable`] and matching approximates them
//!   as chosen by [`VariableApprox`]; callers should report such checks as partial;
//! - without that version ([`VariableSyntax::Literal`]) `${…}` is plain text.
//!
//! Case-insensitive comparison folds each character on its own with
//! [`fold_case`] (its lowercase form when that is a single character); this is a
//! documented approximation of AWS's `…IgnoreCase`, which documents no folding rules.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::automaton::{CharClass, Expr};

/// Which kind of operator a value belongs to: it decides whether `*`/`?` are wildcards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `StringLike`/`StringNotLike`: `*` and `?` are wildcards.
    Like,
    /// `StringEquals`/`StringNotEquals` (and `…IgnoreCase`): `*` and `?` are literal.
    Equals,
}

/// Whether `${…}` is policy-variable syntax (policy `Version` `2012-10-17`) or plain text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariableSyntax {
    /// `Version: 2012-10-17`: `${*}`, `${?}`, `${$}` are escapes, other `${…}` are variables.
    Substituted,
    /// `Version: 2008-10-17` or no version: `${…}` is literal text.
    Literal,
}

/// Case sensitivity of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Case {
    /// Characters must be equal.
    Sensitive,
    /// Characters are compared after [`fold_case`].
    Insensitive,
}

/// How an unresolved policy variable is treated when a pattern is matched offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VariableApprox {
    /// A variable may stand for any string (widens what the pattern matches).
    AnyString,
    /// A value containing a variable matches nothing (narrows what the pattern matches).
    NoMatch,
}

/// One element of a parsed pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Atom {
    /// A literal character.
    Char(char),
    /// `?` in a `StringLike` pattern: exactly one character.
    AnyOne,
    /// `*` in a `StringLike` pattern: any run of characters, possibly empty.
    AnyRun,
    /// A policy variable `${name}` (the text between the braces), not resolvable offline.
    Variable(String),
}

/// A parsed IAM string condition value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    source: String,
    atoms: Vec<Atom>,
}

impl Pattern {
    /// Parses `text` as a value of an operator of kind `operator` under `syntax`.
    pub fn parse(text: &str, operator: Operator, syntax: VariableSyntax) -> Pattern {
        // Room for every character at once (a byte count is at least the characters').
        let mut atoms = Vec::with_capacity(text.len());
        // Where the text goes on after a variable.
        let mut resume = 0;
        for (at, c) in text.char_indices() {
            if at < resume {
                continue;
            }
            // `${name}`: the name runs to the first `}` (`$`, `{` and `}` are one byte long).
            let variable = (c == '$' && syntax == VariableSyntax::Substituted)
                .then(|| text.get(at + 1..)?.strip_prefix('{')?.split_once('}'))
                .flatten();
            if let Some((name, _)) = variable {
                atoms.push(match name {
                    "*" => Atom::Char('*'),
                    "?" => Atom::Char('?'),
                    "$" => Atom::Char('$'),
                    _ => Atom::Variable(name.to_owned()),
                });
                resume = at + "${}".len() + name.len();
                continue;
            }
            atoms.push(match (operator, c) {
                (Operator::Like, '*') => Atom::AnyRun,
                (Operator::Like, '?') => Atom::AnyOne,
                _ => Atom::Char(c),
            });
        }
        Pattern {
            source: text.to_owned(),
            atoms,
        }
    }

    /// [`Pattern::literal_text`] of `text` parsed with `operator` and `syntax`, read off
    /// the text when it cannot hold a variable (the common case).
    pub fn literal_text_of(
        text: &str,
        operator: Operator,
        syntax: VariableSyntax,
    ) -> Option<String> {
        if may_hold_variables(text, syntax) {
            return Pattern::parse(text, operator, syntax).literal_text();
        }
        (operator == Operator::Equals || !has_wildcard_chars(text)).then(|| text.to_owned())
    }

    /// [`Pattern::has_wildcards`] of `text` parsed with `operator` and `syntax`, read off
    /// the text when it cannot hold a variable.
    pub fn has_wildcards_of(text: &str, operator: Operator, syntax: VariableSyntax) -> bool {
        if may_hold_variables(text, syntax) {
            return Pattern::parse(text, operator, syntax).has_wildcards();
        }
        operator == Operator::Like && has_wildcard_chars(text)
    }

    /// [`Pattern::literal_then_any_run`] of `text` parsed as a `StringLike` value with
    /// `syntax`, read off the text when it cannot hold a variable.
    pub fn literal_then_any_run_of(text: &str, syntax: VariableSyntax) -> Option<String> {
        if may_hold_variables(text, syntax) {
            return Pattern::parse(text, Operator::Like, syntax).literal_then_any_run();
        }
        let start = text.strip_suffix('*')?;
        (!has_wildcard_chars(start)).then(|| start.to_owned())
    }

    /// A `StringLike` pattern in a `2012-10-17` policy.
    pub fn like(text: &str) -> Pattern {
        Pattern::parse(text, Operator::Like, VariableSyntax::Substituted)
    }

    /// A `StringEquals` value in a `2012-10-17` policy.
    pub fn equals(text: &str) -> Pattern {
        Pattern::parse(text, Operator::Equals, VariableSyntax::Substituted)
    }

    /// The text the pattern was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed atoms, in order.
    pub fn atoms(&self) -> &[Atom] {
        &self.atoms
    }

    /// True when the pattern contains `*` or `?` wildcards.
    pub fn has_wildcards(&self) -> bool {
        self.atoms
            .iter()
            .any(|a| matches!(a, Atom::AnyOne | Atom::AnyRun))
    }

    /// True when the pattern contains a policy variable (not matchable offline).
    pub fn has_variables(&self) -> bool {
        self.atoms.iter().any(|a| matches!(a, Atom::Variable(_)))
    }

    /// The names of the policy variables in the pattern, in order.
    pub fn variables(&self) -> Vec<&str> {
        self.atoms
            .iter()
            .filter_map(|a| match a {
                Atom::Variable(name) => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The single string the pattern matches when it has no wildcard and no variable
    /// (escapes resolved), else `None`.
    pub fn literal_text(&self) -> Option<String> {
        literal(&self.atoms)
    }

    /// The literal start of a pattern that is literal characters followed by one `*` at
    /// its end (`project_path:acme/*`): the most common shape of a `StringLike` value.
    pub fn literal_then_any_run(&self) -> Option<String> {
        let (last, literal_atoms) = self.atoms.split_last()?;
        if !matches!(last, Atom::AnyRun) {
            return None;
        }
        literal(literal_atoms)
    }

    /// The literal characters before the first wildcard or variable.
    pub fn literal_prefix(&self) -> String {
        let end = self
            .atoms
            .iter()
            .position(|a| !matches!(a, Atom::Char(_)))
            .unwrap_or(self.atoms.len());
        literal(self.atoms.get(..end).unwrap_or_default()).unwrap_or_default()
    }

    /// Does `value` match, case-sensitively, with variables as [`VariableApprox::AnyString`]?
    pub fn matches(&self, value: &str) -> bool {
        self.matches_with(value, Case::Sensitive, VariableApprox::AnyString)
    }

    /// Direct matching: does `value` match the pattern?
    ///
    /// Runs in O(|pattern| · |value|) time in the worst case (the classic greedy
    /// two-pointer wildcard algorithm, which backtracks only to the last `*`) and
    /// O(|value|) extra space; exact for variable-free patterns.
    pub fn matches_with(&self, value: &str, case: Case, approx: VariableApprox) -> bool {
        let mut ops = Vec::with_capacity(self.atoms.len());
        for atom in &self.atoms {
            ops.push(match atom {
                Atom::Char(c) => MatchOp::Char(*c),
                Atom::AnyOne => MatchOp::One,
                Atom::AnyRun => MatchOp::Run,
                Atom::Variable(_) => match approx {
                    VariableApprox::AnyString => MatchOp::Run,
                    VariableApprox::NoMatch => return false,
                },
            });
        }
        let value: Vec<char> = value.chars().collect();
        wildcard_match(&ops, &value, case)
    }

    /// The language of the pattern as an automaton expression.
    pub fn to_expr(&self, case: Case, approx: VariableApprox) -> Expr {
        let mut parts = Vec::with_capacity(self.atoms.len());
        for atom in &self.atoms {
            parts.push(match atom {
                Atom::Char(c) => Expr::Class(match case {
                    Case::Sensitive => CharClass::char(*c),
                    Case::Insensitive => CharClass::one_of(case_variants(*c)),
                }),
                Atom::AnyOne => Expr::any_char(),
                Atom::AnyRun => Expr::any_string(),
                Atom::Variable(_) => match approx {
                    VariableApprox::AnyString => Expr::any_string(),
                    VariableApprox::NoMatch => return Expr::Nothing,
                },
            });
        }
        Expr::Seq(parts)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Does `value` match the `StringLike` pattern `pattern` (policy version `2012-10-17`,
/// case-sensitive, policy variables as any string)?
pub fn matches(pattern: &str, value: &str) -> bool {
    Pattern::like(pattern).matches(value)
}

/// [`matches()`] with characters compared after [`fold_case`].
pub fn matches_ignore_case(pattern: &str, value: &str) -> bool {
    if !pattern.contains(['*', '?', '$']) {
        // No wildcard, variable or escape: a plain comparison (most action names). ASCII
        // folds as ASCII; a non-ASCII character may fold to an ASCII one (the Kelvin sign
        // to `k`), so only two ASCII texts are compared byte by byte.
        if pattern.is_ascii() && value.is_ascii() {
            return pattern.eq_ignore_ascii_case(value);
        }
        return pattern
            .chars()
            .map(fold_case)
            .eq(value.chars().map(fold_case));
    }
    Pattern::like(pattern).matches_with(value, Case::Insensitive, VariableApprox::AnyString)
}

/// The case folding used by case-insensitive comparison: the lowercase form of `c` when
/// it is a single character, else `c` itself.
pub fn fold_case(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Every character that [`fold_case`]s to the same character as `c` (including `c`).
pub fn case_variants(c: char) -> Vec<char> {
    let folded = fold_case(c);
    let mut out: Vec<char> = fold_preimages().get(&folded).cloned().unwrap_or_default();
    if fold_case(folded) == folded {
        out.push(folded);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// For each folded character, the characters other than itself that fold to it.
fn fold_preimages() -> &'static HashMap<char, Vec<char>> {
    static TABLE: OnceLock<HashMap<char, Vec<char>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<char, Vec<char>> = HashMap::new();
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let folded = fold_case(c);
            if folded != c {
                table.entry(folded).or_default().push(c);
            }
        }
        table
    })
}

/// A pattern element for direct matching, after variables were approximated.
#[derive(Clone, Copy)]
enum MatchOp {
    Char(char),
    One,
    Run,
}

fn chars_equal(a: char, b: char, case: Case) -> bool {
    a == b || (case == Case::Insensitive && fold_case(a) == fold_case(b))
}

/// Greedy wildcard matching with backtracking to the most recent `*` only.
fn wildcard_match(ops: &[MatchOp], value: &[char], case: Case) -> bool {
    let mut p = 0;
    let mut v = 0;
    // (index of the last `*` seen, value position it currently absorbs up to)
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = value.get(v) {
        match ops.get(p) {
            Some(MatchOp::Run) => {
                star = Some((p, v));
                p += 1;
                continue;
            }
            Some(MatchOp::One) => {
                p += 1;
                v += 1;
                continue;
            }
            Some(MatchOp::Char(expected)) if chars_equal(*expected, c, case) => {
                p += 1;
                v += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_p, star_v)) => {
                p = star_p + 1;
                v = star_v + 1;
                star = Some((star_p, star_v + 1));
            }
            None => return false,
        }
    }
    ops.get(p..)
        .unwrap_or(&[])
        .iter()
        .all(|op| matches!(op, MatchOp::Run))
}

/// Can `text` hold a `${…}` under `syntax`? (Else each of its characters is an atom of
/// itself: a wildcard of `StringLike`, or a literal character.)
fn may_hold_variables(text: &str, syntax: VariableSyntax) -> bool {
    syntax == VariableSyntax::Substituted && text.as_bytes().contains(&b'$')
}

/// Does `text` hold `*` or `?`?
fn has_wildcard_chars(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// The text of `atoms` when they are all literal characters, written at once.
fn literal(atoms: &[Atom]) -> Option<String> {
    let mut text = String::with_capacity(atoms.len());
    for atom in atoms {
        match atom {
            Atom::Char(c) => text.push(*c),
            _ => return None,
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The atoms of `text` read character by character, as the grammar of a value says:
    /// the oracle of [`every_short_text_parses_as_the_grammar_says`].
    fn atoms_read_one_by_one(text: &str, operator: Operator, syntax: VariableSyntax) -> Vec<Atom> {
        let chars: Vec<char> = text.chars().collect();
        let mut atoms = Vec::new();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            let opens =
                syntax == VariableSyntax::Substituted && c == '$' && chars.get(i + 1) == Some(&'{');
            let close = chars
                .iter()
                .skip(i + 2)
                .position(|&c| c == '}')
                .filter(|_| opens);
            if let Some(close) = close {
                let name: String = chars.iter().skip(i + 2).take(close).collect();
                atoms.push(match name.as_str() {
                    "*" | "?" | "$" => Atom::Char(name.chars().next().unwrap_or('$')),
                    _ => Atom::Variable(name),
                });
                i += close + 3;
                continue;
            }
            atoms.push(match (operator, c) {
                (Operator::Like, '*') => Atom::AnyRun,
                (Operator::Like, '?') => Atom::AnyOne,
                _ => Atom::Char(c),
            });
            i += 1;
        }
        atoms
    }

    #[test]
    fn every_short_text_parses_as_the_grammar_says() {
        let alphabet = ['a', '*', '?', '$', '{', '}', 'é', ':'];
        let mut texts = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|text| alphabet.iter().map(move |c| format!("{text}{c}")))
                .collect();
            texts.extend(last.iter().cloned());
        }
        texts.extend(["${aws:username}x*".to_owned(), "a${*}${?}${$}b".to_owned()]);
        for text in &texts {
            for operator in [Operator::Like, Operator::Equals] {
                for syntax in [VariableSyntax::Substituted, VariableSyntax::Literal] {
                    let pattern = Pattern::parse(text, operator, syntax);
                    let expected = atoms_read_one_by_one(text, operator, syntax);
                    assert_eq!(pattern.atoms(), expected.as_slice(), "{text:?}");
                    assert_eq!(pattern.source(), text);
                    assert_eq!(
                        Pattern::literal_text_of(text, operator, syntax),
                        pattern.literal_text(),
                        "{text:?}"
                    );
                    assert_eq!(
                        Pattern::has_wildcards_of(text, operator, syntax),
                        pattern.has_wildcards(),
                        "{text:?}"
                    );
                    let like = Pattern::parse(text, Operator::Like, syntax);
                    assert_eq!(
                        Pattern::literal_then_any_run_of(text, syntax),
                        like.literal_then_any_run(),
                        "{text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn star_crosses_colons_and_slashes() {
        assert!(matches(
            "project_path:acme*",
            "project_path:acmeevil/x:ref_type:branch:ref:main"
        ));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "abc"));
        assert!(matches("a*b*c", "a:/b//c"));
        assert!(!matches("a*b*c", "a:/b//"));
        assert!(matches("a?c", "a:c"));
        assert!(!matches("a?c", "ac"));
        assert!(!matches("", "a"));
        assert!(matches("", ""));
        assert!(matches("**?", "x"));
        assert!(!matches("**?", ""));
    }

    #[test]
    fn equals_values_are_literal() {
        let p = Pattern::equals("project_path:acme/*");
        assert!(!p.has_wildcards());
        assert!(p.matches("project_path:acme/*"));
        assert!(!p.matches("project_path:acme/x"));
        assert_eq!(p.literal_text().as_deref(), Some("project_path:acme/*"));
    }

    #[test]
    fn policy_variable_escapes() {
        let p = Pattern::like("a${*}b${?}${$}");
        assert_eq!(p.literal_text().as_deref(), Some("a*b?$"));
        assert!(p.matches("a*b?$"));
        assert!(!p.matches("axb?$"));
        let legacy = Pattern::parse("a${*}", Operator::Like, VariableSyntax::Literal);
        assert!(legacy.matches("a${xyz}"));
        assert!(!legacy.has_variables());
        let unterminated = Pattern::like("a${b");
        assert_eq!(unterminated.literal_text().as_deref(), Some("a${b"));
        // Characters of several bytes around variables, an empty name, a lone `$`.
        let p = Pattern::like("é${v}ü*${}$x${");
        assert_eq!(
            p.atoms(),
            [
                Atom::Char('é'),
                Atom::Variable("v".into()),
                Atom::Char('ü'),
                Atom::AnyRun,
                Atom::Variable(String::new()),
                Atom::Char('$'),
                Atom::Char('x'),
                Atom::Char('$'),
                Atom::Char('{'),
            ]
        );
        assert_eq!(p.literal_prefix(), "é");
        assert_eq!(Pattern::like("ab*c").literal_then_any_run(), None);
        assert_eq!(
            Pattern::like("ab*").literal_then_any_run().as_deref(),
            Some("ab")
        );
    }

    #[test]
    fn policy_variables_are_exposed_and_approximated() {
        let p = Pattern::like("project_path:${aws:username}/x");
        assert!(p.has_variables());
        assert_eq!(p.variables(), vec!["aws:username"]);
        assert_eq!(p.literal_prefix(), "project_path:");
        assert!(p.matches("project_path:anything/at/all/x"));
        assert!(!p.matches_with("project_path:a/x", Case::Sensitive, VariableApprox::NoMatch));
    }

    #[test]
    fn case_insensitive_matching() {
        assert!(matches_ignore_case(
            "Project_Path:ACME*",
            "project_path:acme/x"
        ));
        assert!(!matches("Project_Path:ACME*", "project_path:acme/x"));
        assert!(Pattern::equals("ABC").matches_with(
            "abc",
            Case::Insensitive,
            VariableApprox::NoMatch
        ));
        // Kelvin sign folds to `k`.
        assert!(matches_ignore_case("k", "\u{212A}"));
        assert!(case_variants('k').contains(&'\u{212A}'));
        assert!(case_variants('K').contains(&'k'));
        assert_eq!(case_variants(':'), vec![':']);
    }

    /// The byte comparison of two ASCII texts answers as folding every character does.
    #[test]
    fn plain_comparison_folds_as_characters_do() {
        let texts = [
            "",
            "a",
            "A",
            "k",
            "K",
            "\u{212A}",
            "sts:AssumeRoleWithWebIdentity",
            "STS:assumerolewithwebidentity",
            "sts:AssumeRoleWithWebIdentitY ",
            "[",
            "{",
            "@",
            "`",
            "\u{130}",
            "i",
            "\u{3A3}",
            "\u{3C3}",
            "\u{3C2}",
            "ß",
            "SS",
        ];
        for a in texts {
            for b in texts {
                let folded = a.chars().map(fold_case).eq(b.chars().map(fold_case));
                assert_eq!(matches_ignore_case(a, b), folded, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn long_inputs_stay_fast() {
        let pattern = "*a".repeat(50) + "b";
        let value = "a".repeat(5000);
        assert!(!matches(&pattern, &value));
    }
}
