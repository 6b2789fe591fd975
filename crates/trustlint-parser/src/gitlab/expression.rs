//! GitLab CI/CD variable expressions — the language of `rules:if`, `workflow:rules:if`
//! and `only:variables`/`except:variables` — lexed with nom into a typed, spanned
//! [`Condition`], and GitLab's concrete evaluation of one under a variable assignment.
//!
//! The language (GitLab's `Gitlab::Ci::Pipeline::Expression` lexer and parser, docs
//! "CI/CD variable expressions"):
//! - operands: `$NAME` or `${NAME}` (name: ASCII letters, digits, `_`), `"text"` or
//!   `'text'` (no escapes: the text runs to the next quote of the same kind), `null`,
//!   and `/regex/flags` (flags from `ismU`; `\/` stands for `/`);
//! - comparisons `==`, `!=`, `=~`, `!~` between two operands (a regex, or a variable
//!   holding one, goes on the right of `=~`/`!~`); a lone operand is true when its
//!   value is present (a defined, non-empty variable; a non-empty string);
//! - `&&` binds tighter than `||`; parentheses group; whitespace is insignificant.
//!
//! Spans: [`parse`] gives byte offsets into the expression; [`parse_text`] maps them into
//! the file when the written scalar is the expression itself or the expression in one
//! pair of quotes without escapes, and otherwise gives every node the whole scalar's span.
//! Regex syntax is not checked here (GitLab checks it with RE2).

use std::fmt;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while, take_while1};
use nom::character::complete::char as one_char;
use nom::combinator::{map, not, peek, value};
use nom::sequence::{delimited, preceded, terminated};
use nom::{IResult, Parser};

use crate::gitlab::model::Pipeline;
use crate::gitlab::value::Text;
use crate::problem::Problem;
use crate::source::{FileId, Span};

/// The deepest parenthesis nesting accepted (GitLab has no limit; this bounds recursion).
pub const MAX_NESTING: usize = 64;

/// A parsed expression: `||` and `&&` are n-ary (operands in written order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// True when any part is.
    Or(Vec<Condition>),
    /// True when every part is.
    And(Vec<Condition>),
    Compare(Comparison),
    /// A lone operand: true when its value is present.
    Value(Operand),
}

/// `left op right`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub left: Operand,
    pub op: CompareOp,
    /// Where the operator is written.
    pub op_span: Span,
    pub right: Operand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `==`
    Equals,
    /// `!=`
    NotEquals,
    /// `=~`
    Matches,
    /// `!~`
    NotMatches,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Equals => "==",
            CompareOp::NotEquals => "!=",
            CompareOp::Matches => "=~",
            CompareOp::NotMatches => "!~",
        }
    }

    /// Is this the negated form (`!=`, `!~`)?
    pub fn is_negated(self) -> bool {
        matches!(self, CompareOp::NotEquals | CompareOp::NotMatches)
    }
}

/// One operand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    Variable(Variable),
    String(Literal),
    /// `null`.
    Null(Span),
    Regex(Regex),
}

impl Operand {
    pub fn span(&self) -> Span {
        match self {
            Operand::Variable(v) => v.span,
            Operand::String(s) => s.span,
            Operand::Null(span) => *span,
            Operand::Regex(r) => r.span,
        }
    }
}

/// `$NAME` or `${NAME}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// Written `${NAME}`.
    pub braced: bool,
    pub span: Span,
}

/// A quoted string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub value: String,
    /// `"` or `'`.
    pub quote: char,
    pub span: Span,
}

/// `/pattern/flags`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regex {
    /// The text between the slashes as written (`\/` kept).
    pub source: String,
    /// The pattern GitLab compiles: `source` with `\/` replaced by `/`.
    pub pattern: String,
    /// Flags from `ismU`, as written.
    pub flags: String,
    pub span: Span,
}

impl Regex {
    /// Does the `i` flag make the match case-insensitive?
    pub fn ignore_case(&self) -> bool {
        self.flags.contains('i')
    }
}

/// Why an expression doesn't parse, located at the offending token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
    pub help: String,
}

impl SyntaxError {
    /// The problem GitLab's rejection of the expression is reported as (`TL003`);
    /// `keyword` names where the expression is written, e.g. `rules:if`.
    pub fn problem(&self, keyword: &str, expression: &str) -> Problem {
        Problem::invalid_ci_config(
            self.span,
            format!(
                "`{keyword}` expression `{expression}` is invalid: {}; GitLab rejects the configuration",
                self.message
            ),
        )
        .with_help(self.help.clone())
    }
}

impl Condition {
    /// From the first to the last token of the condition (enclosing parentheses excluded).
    pub fn span(&self) -> Span {
        match self {
            Condition::Or(parts) | Condition::And(parts) => match (parts.first(), parts.last()) {
                (Some(first), Some(last)) => first.span().to(last.span()),
                _ => Span::default(),
            },
            Condition::Compare(c) => c.left.span().to(c.right.span()),
            Condition::Value(operand) => operand.span(),
        }
    }

    /// Every operand, in written order.
    pub fn operands(&self) -> Vec<&Operand> {
        let mut out = Vec::new();
        self.collect_operands(&mut out);
        out
    }

    fn collect_operands<'a>(&'a self, out: &mut Vec<&'a Operand>) {
        match self {
            Condition::Or(parts) | Condition::And(parts) => {
                parts.iter().for_each(|p| p.collect_operands(out));
            }
            Condition::Compare(c) => out.extend([&c.left, &c.right]),
            Condition::Value(operand) => out.push(operand),
        }
    }

    /// GitLab's evaluation: `variable` gives a variable's value (`None` when undefined),
    /// `matches(regex, text)` whether `regex` (with its flags) finds a match in `text`.
    /// `=~` with an undefined left side matches against the empty string; a variable on
    /// the right of `=~` holding `/re/flags` is that regex, other text is taken as the
    /// pattern itself; an undefined one makes `=~` false and `!~` true.
    pub fn evaluate(
        &self,
        variable: &dyn Fn(&str) -> Option<String>,
        matches: &dyn Fn(&Regex, &str) -> bool,
    ) -> bool {
        match self {
            Condition::Or(parts) => parts.iter().any(|p| p.evaluate(variable, matches)),
            Condition::And(parts) => parts.iter().all(|p| p.evaluate(variable, matches)),
            Condition::Value(operand) => match operand {
                Operand::Variable(v) => variable(&v.name).is_some_and(|s| !s.is_empty()),
                Operand::String(s) => !s.value.is_empty(),
                Operand::Null(_) => false,
                Operand::Regex(_) => true,
            },
            Condition::Compare(c) => {
                let value = |operand: &Operand| match operand {
                    Operand::Variable(v) => variable(&v.name),
                    Operand::String(s) => Some(s.value.clone()),
                    Operand::Null(_) => None,
                    Operand::Regex(r) => Some(format!("/{}/{}", r.pattern, r.flags)),
                };
                match c.op {
                    CompareOp::Equals | CompareOp::NotEquals => {
                        (value(&c.left) == value(&c.right)) != c.op.is_negated()
                    }
                    CompareOp::Matches | CompareOp::NotMatches => {
                        let regex = match &c.right {
                            Operand::Regex(r) => Some(r.clone()),
                            other => value(other).map(|text| regex_of_text(&text, other.span())),
                        };
                        match regex {
                            Some(regex) => {
                                let text = value(&c.left).unwrap_or_default();
                                matches(&regex, &text) != c.op.is_negated()
                            }
                            None => c.op.is_negated(),
                        }
                    }
                }
            }
        }
    }
}

/// The regex a variable's text stands for on the right of `=~` (and an `only:refs`
/// entry): `/re/flags` is that regex; any other text is searched for literally (GitLab
/// falls back to `String#scan` with the text).
pub fn regex_of_text(text: &str, span: Span) -> Regex {
    if let Ok(("", regex)) = regex_token(text) {
        return Regex { span, ..regex };
    }
    let pattern: String = text
        .chars()
        .flat_map(|c| {
            let escape = "\\.+*?()|[]{}^$#&-~".contains(c);
            escape.then_some('\\').into_iter().chain([c])
        })
        .collect();
    Regex {
        source: pattern.replace('/', "\\/"),
        pattern,
        flags: String::new(),
        span,
    }
}

impl fmt::Display for Condition {
    /// The expression with every `||` and `&&` group in parentheses (so it parses back to
    /// the same structure).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = |f: &mut fmt::Formatter<'_>, parts: &[Condition], op: &str| {
            f.write_str("(")?;
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                write!(f, "{part}")?;
            }
            f.write_str(")")
        };
        match self {
            Condition::Or(parts) => group(f, parts, "||"),
            Condition::And(parts) => group(f, parts, "&&"),
            Condition::Compare(c) => write!(f, "{} {} {}", c.left, c.op.as_str(), c.right),
            Condition::Value(operand) => write!(f, "{operand}"),
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Variable(v) if v.braced => write!(f, "${{{}}}", v.name),
            Operand::Variable(v) => write!(f, "${}", v.name),
            Operand::String(s) => write!(f, "{q}{}{q}", s.value, q = s.quote),
            Operand::Null(_) => f.write_str("null"),
            Operand::Regex(r) => write!(f, "/{}/{}", r.source, r.flags),
        }
    }
}

/// Parses an expression; spans are byte offsets into `text` (in file 0).
pub fn parse(text: &str) -> Result<Condition, SyntaxError> {
    let whole = Span::new(FileId(0), 0, text.len());
    Descent::new(text, Locator::exact(FileId(0), 0, whole))?.expression()
}

/// Parses the expression `condition` (a scalar of the CI file); `written` is the source
/// text of `condition.span` when the caller has it. Spans point into the file exactly
/// when the written scalar is the expression or the expression in one pair of quotes
/// without escapes; otherwise every span is the whole scalar.
pub fn parse_text(condition: &Text, written: Option<&str>) -> Result<Condition, SyntaxError> {
    let whole = condition.span;
    let value = condition.as_str();
    let locator = match written {
        Some(w) if w == value => Locator::exact(whole.file, whole.start as usize, whole),
        Some(w)
            if w.len() == value.len() + 2
                && (w.starts_with('"') && w.ends_with('"')
                    || w.starts_with('\'') && w.ends_with('\''))
                && w.get(1..w.len() - 1) == Some(value) =>
        {
            Locator::exact(whole.file, whole.start as usize + 1, whole)
        }
        _ => Locator {
            file: whole.file,
            start: 0,
            exact: false,
            whole,
        },
    };
    Descent::new(value, locator)?.expression()
}

/// How offsets in the expression become spans.
#[derive(Clone, Copy, Debug)]
struct Locator {
    file: FileId,
    /// The file offset of the expression's first byte.
    start: usize,
    exact: bool,
    /// The whole written scalar.
    whole: Span,
}

impl Locator {
    fn exact(file: FileId, start: usize, whole: Span) -> Locator {
        Locator {
            file,
            start,
            exact: true,
            whole,
        }
    }

    fn span(&self, from: usize, to: usize) -> Span {
        if self.exact {
            Span::new(self.file, self.start + from, self.start + to)
        } else {
            self.whole
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Variable { name: String, braced: bool },
    String { value: String, quote: char },
    Null,
    Regex(Regex),
    Compare(CompareOp),
    And,
    Or,
    Open,
    Close,
}

impl Kind {
    fn describe(&self) -> String {
        match self {
            Kind::Variable { name, .. } => format!("variable `${name}`"),
            Kind::String { .. } => "a string".to_string(),
            Kind::Null => "`null`".to_string(),
            Kind::Regex(_) => "a regular expression".to_string(),
            Kind::Compare(op) => format!("`{}`", op.as_str()),
            Kind::And => "`&&`".to_string(),
            Kind::Or => "`||`".to_string(),
            Kind::Open => "`(`".to_string(),
            Kind::Close => "`)`".to_string(),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn name(input: &str) -> IResult<&str, &str> {
    take_while1(is_name_char)(input)
}

fn variable_token(input: &str) -> IResult<&str, Kind> {
    preceded(
        one_char('$'),
        alt((
            map(delimited(one_char('{'), name, one_char('}')), |n: &str| {
                Kind::Variable {
                    name: n.to_string(),
                    braced: true,
                }
            }),
            map(name, |n: &str| Kind::Variable {
                name: n.to_string(),
                braced: false,
            }),
        )),
    )
    .parse(input)
}

fn string_token(input: &str) -> IResult<&str, Kind> {
    let quoted = |quote: char| {
        map(
            delimited(
                one_char(quote),
                take_till(move |c| c == quote),
                one_char(quote),
            ),
            move |s: &str| Kind::String {
                value: s.to_string(),
                quote,
            },
        )
    };
    alt((quoted('"'), quoted('\''))).parse(input)
}

fn null_token(input: &str) -> IResult<&str, Kind> {
    value(
        Kind::Null,
        terminated(tag("null"), not(peek(take_while1(is_name_char)))),
    )
    .parse(input)
}

fn operator_token(input: &str) -> IResult<&str, Kind> {
    alt((
        value(Kind::Compare(CompareOp::Equals), tag("==")),
        value(Kind::Compare(CompareOp::NotEquals), tag("!=")),
        value(Kind::Compare(CompareOp::Matches), tag("=~")),
        value(Kind::Compare(CompareOp::NotMatches), tag("!~")),
        value(Kind::And, tag("&&")),
        value(Kind::Or, tag("||")),
        value(Kind::Open, tag("(")),
        value(Kind::Close, tag(")")),
    ))
    .parse(input)
}

/// The body of `/…/`: up to the first `/` not escaped by `\` (at least one character).
fn regex_body(input: &str) -> IResult<&str, &str> {
    let mut escaped = false;
    for (i, c) in input.char_indices() {
        match c {
            '/' if !escaped && i > 0 => return Ok((&input[i..], &input[..i])),
            '/' if !escaped => break,
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(
        input,
        nom::error::ErrorKind::TakeUntil,
    )))
}

fn regex_token(input: &str) -> IResult<&str, Regex> {
    map(
        (
            delimited(one_char('/'), regex_body, one_char('/')),
            take_while(|c| matches!(c, 'i' | 's' | 'm' | 'U')),
        ),
        |(source, flags): (&str, &str)| Regex {
            source: source.to_string(),
            pattern: source.replace("\\/", "/"),
            flags: flags.to_string(),
            span: Span::default(),
        },
    )
    .parse(input)
}

fn token(input: &str) -> IResult<&str, Kind> {
    alt((
        variable_token,
        string_token,
        null_token,
        map(regex_token, Kind::Regex),
        operator_token,
    ))
    .parse(input)
}

/// Splits `text` into tokens, or says where the first one that isn't a token starts.
fn lex(text: &str, at: &Locator) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        let start = text.len() - rest.len();
        if rest.is_empty() {
            return Ok(tokens);
        }
        match token(rest) {
            Ok((after, kind)) => {
                let end = text.len() - after.len();
                let kind = match kind {
                    Kind::Regex(regex) => Kind::Regex(Regex {
                        span: at.span(start, end),
                        ..regex
                    }),
                    other => other,
                };
                tokens.push(Token { kind, start, end });
                rest = after;
            }
            Err(_) => {
                let after_regex = tokens
                    .last()
                    .is_some_and(|t: &Token| t.end == start && matches!(t.kind, Kind::Regex(_)));
                return Err(lex_error(rest, start, after_regex, at));
            }
        }
    }
}

/// The error for text at `start` that no token matches (`after_regex`: right after a
/// `/regex/`, where only flags may follow).
fn lex_error(rest: &str, start: usize, after_regex: bool, at: &Locator) -> SyntaxError {
    let first = rest.chars().next().unwrap_or(' ');
    let word_end = rest
        .find(|c: char| c.is_whitespace() || "()&|=!".contains(c) && c != first)
        .unwrap_or(rest.len())
        .max(first.len_utf8());
    let word = rest.get(..word_end).unwrap_or(rest);
    let span = |len: usize| at.span(start, start + len);
    let (len, message, help) = match first {
        c if after_regex && c.is_alphanumeric() => (
            first.len_utf8(),
            format!("`{first}` is not a regular expression flag"),
            "GitLab's flags are `i` (ignore case), `m`, `s` and `U`".to_string(),
        ),
        '"' | '\'' => (
            rest.len(),
            format!("the string starting with {first} is never closed"),
            format!("end the string with {first} (expression strings have no escapes)"),
        ),
        '/' if rest.starts_with("//") => (
            2,
            "`//` is an empty regular expression".to_string(),
            "write a pattern between the slashes, e.g. `/^release-/`".to_string(),
        ),
        '/' => (
            rest.len(),
            "the regular expression starting here is never closed with `/`".to_string(),
            "end the pattern with `/` (write `\\/` for a slash inside it), flags after it: `/^v\\d+/i`".to_string(),
        ),
        '$' => (
            word.len(),
            format!("`{word}` is not a variable name"),
            "a variable is `$NAME` or `${NAME}`, the name made of letters, digits and `_`"
                .to_string(),
        ),
        '=' | '!' | '&' | '|' => (
            word.len(),
            format!("`{word}` is not an operator"),
            "the operators are `==`, `!=`, `=~`, `!~`, `&&` and `||`".to_string(),
        ),
        _ => (
            word.len(),
            format!("`{word}` is not a variable, string, regular expression or operator"),
            "quote literal text (`$CI_COMMIT_BRANCH == \"main\"`) and write variables as `$NAME`"
                .to_string(),
        ),
    };
    SyntaxError {
        span: span(len),
        message,
        help,
    }
}

/// Recursive descent over the tokens: `or := and (|| and)*`, `and := primary (&& primary)*`,
/// `primary := ( or ) | operand (op operand)?`.
struct Descent {
    tokens: Vec<Token>,
    next: usize,
    at: Locator,
    /// The expression's length, for errors in an expression without tokens.
    end: usize,
}

impl Descent {
    fn new(text: &str, at: Locator) -> Result<Descent, SyntaxError> {
        Ok(Descent {
            tokens: lex(text, &at)?,
            next: 0,
            at,
            end: text.len(),
        })
    }

    fn expression(mut self) -> Result<Condition, SyntaxError> {
        if self.tokens.is_empty() {
            return Err(SyntaxError {
                span: self.at.whole,
                message: "the expression is empty".to_string(),
                help: "write a condition such as `$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH`, or remove the `if:`".to_string(),
            });
        }
        let condition = self.or(0)?;
        match self.tokens.get(self.next) {
            None => Ok(condition),
            Some(token) => Err(self.error(
                token,
                format!("{} is unexpected here", token.kind.describe()),
                match token.kind {
                    Kind::Close => "remove the `)` or add the matching `(`".to_string(),
                    _ => "join conditions with `&&` or `||`".to_string(),
                },
            )),
        }
    }

    fn error(&self, token: &Token, message: String, help: String) -> SyntaxError {
        SyntaxError {
            span: self.at.span(token.start, token.end),
            message,
            help,
        }
    }

    /// An error at the end of the expression, shown on its last token.
    fn at_end(&self, message: String, help: String) -> SyntaxError {
        let (start, end) = self
            .tokens
            .last()
            .map_or((self.end, self.end), |t| (t.start, t.end));
        SyntaxError {
            span: self.at.span(start, end),
            message,
            help,
        }
    }

    fn peek(&self) -> Option<&Kind> {
        self.tokens.get(self.next).map(|t| &t.kind)
    }

    fn or(&mut self, depth: usize) -> Result<Condition, SyntaxError> {
        let mut parts = vec![self.and(depth)?];
        while self.peek() == Some(&Kind::Or) {
            self.next += 1;
            parts.push(self.and(depth)?);
        }
        Ok(single_or(parts, Condition::Or))
    }

    fn and(&mut self, depth: usize) -> Result<Condition, SyntaxError> {
        let mut parts = vec![self.primary(depth)?];
        while self.peek() == Some(&Kind::And) {
            self.next += 1;
            parts.push(self.primary(depth)?);
        }
        Ok(single_or(parts, Condition::And))
    }

    fn primary(&mut self, depth: usize) -> Result<Condition, SyntaxError> {
        let Some(token) = self.tokens.get(self.next).cloned() else {
            return Err(self.at_end(
                "the expression ends where a value is expected".to_string(),
                "complete the condition after the last operator".to_string(),
            ));
        };
        if token.kind == Kind::Open {
            if depth >= MAX_NESTING {
                return Err(self.error(
                    &token,
                    format!("parentheses are nested more than {MAX_NESTING} deep"),
                    "simplify the expression".to_string(),
                ));
            }
            self.next += 1;
            let inner = self.or(depth + 1)?;
            return match self.tokens.get(self.next) {
                Some(Token {
                    kind: Kind::Close, ..
                }) => {
                    self.next += 1;
                    Ok(inner)
                }
                Some(other) => Err(self.error(
                    other,
                    format!(
                        "{} is unexpected here: the `(` opened before is not closed",
                        other.kind.describe()
                    ),
                    "close the group with `)` or join conditions with `&&` or `||`".to_string(),
                )),
                None => Err(self.error(
                    &token,
                    "this `(` is never closed".to_string(),
                    "add the matching `)`".to_string(),
                )),
            };
        }
        let left = self.operand(&token)?;
        self.next += 1;
        let Some(Token {
            kind: Kind::Compare(op),
            start,
            end,
        }) = self.tokens.get(self.next).cloned()
        else {
            return Ok(Condition::Value(left));
        };
        self.next += 1;
        let right = match self.tokens.get(self.next).cloned() {
            Some(token) => self.operand(&token)?,
            None => {
                return Err(self.at_end(
                    format!("`{}` has nothing on its right", op.as_str()),
                    "compare with a variable, a quoted string, `null` or a `/regex/`".to_string(),
                ))
            }
        };
        self.next += 1;
        Ok(Condition::Compare(Comparison {
            left,
            op,
            op_span: self.at.span(start, end),
            right,
        }))
    }

    fn operand(&self, token: &Token) -> Result<Operand, SyntaxError> {
        let span = self.at.span(token.start, token.end);
        Ok(match &token.kind {
            Kind::Variable { name, braced } => Operand::Variable(Variable {
                name: name.clone(),
                braced: *braced,
                span,
            }),
            Kind::String { value, quote } => Operand::String(Literal {
                value: value.clone(),
                quote: *quote,
                span,
            }),
            Kind::Null => Operand::Null(span),
            Kind::Regex(regex) => Operand::Regex(regex.clone()),
            other => {
                return Err(self.error(
                    token,
                    format!("{} where a value is expected", other.describe()),
                    "put a variable, a quoted string, `null` or a `/regex/` here".to_string(),
                ))
            }
        })
    }
}

/// The only part itself, or the n-ary node of several.
fn single_or(mut parts: Vec<Condition>, group: fn(Vec<Condition>) -> Condition) -> Condition {
    if parts.len() == 1 {
        if let Some(only) = parts.pop() {
            return only;
        }
    }
    group(parts)
}

/// Checks every expression of a loaded pipeline — `workflow:rules:if`, each job's
/// `rules:if` and `only:variables`/`except:variables` — adding a problem for each one
/// GitLab would reject. `source` is the text of one file (the main one) by id, for exact
/// spans; expressions in other files are reported at their whole scalar.
pub(crate) fn check_pipeline(
    pipeline: &Pipeline,
    source: Option<(FileId, &str)>,
    problems: &mut Vec<Problem>,
) {
    let written = |text: &Text| match source {
        Some((file, source)) if file == text.span.file => source.get(text.span.range()),
        _ => None,
    };
    let mut check = |keyword: &str, text: &Text| {
        // An input interpolation left as written (no known value) is replaced by GitLab
        // before it reads the expression: nothing to judge here.
        if text.value.contains("$[[") {
            return;
        }
        if let Err(error) = parse_text(text, written(text)) {
            problems.push(error.problem(keyword, &text.value));
        }
    };
    let workflow = pipeline.workflow.iter().flat_map(|w| &w.rules);
    for condition in workflow.filter_map(|rule| rule.condition.as_ref()) {
        check("workflow:rules:if", condition);
    }
    for job in &pipeline.jobs {
        for condition in job.rules.iter().filter_map(|rule| rule.condition.as_ref()) {
            check("rules:if", condition);
        }
        for (keyword, filter) in [
            ("only:variables", &job.only),
            ("except:variables", &job.except),
        ] {
            for expression in filter.iter().flat_map(|f| &f.variables) {
                check(keyword, expression);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shown(text: &str) -> String {
        parse(text).unwrap().to_string()
    }

    fn error(text: &str) -> SyntaxError {
        parse(text).unwrap_err()
    }

    #[test]
    fn operands_and_comparisons() {
        assert_eq!(
            shown(r#"$CI_COMMIT_BRANCH == "main""#),
            r#"$CI_COMMIT_BRANCH == "main""#
        );
        assert_eq!(shown("${CI_COMMIT_TAG}"), "${CI_COMMIT_TAG}");
        assert_eq!(shown("$A != null"), "$A != null");
        assert_eq!(shown("'x'==$A"), "'x' == $A");
        assert_eq!(shown(r"$A =~ /^v\d+\/x$/i"), r"$A =~ /^v\d+\/x$/i");
        assert_eq!(shown("$A !~ $PATTERN"), "$A !~ $PATTERN");
        assert_eq!(shown("$A == $B"), "$A == $B");
    }

    #[test]
    fn precedence_and_groups() {
        assert_eq!(shown("$A || $B && $C"), "($A || ($B && $C))");
        assert_eq!(shown("($A || $B) && $C"), "(($A || $B) && $C)");
        assert_eq!(shown("$A && $B && $C"), "($A && $B && $C)");
        assert_eq!(shown("((($A)))"), "$A");
    }

    #[test]
    fn regex_unescapes_slashes() {
        let Condition::Compare(c) = parse(r"$X =~ /a\/b/").unwrap() else {
            panic!()
        };
        let Operand::Regex(r) = c.right else { panic!() };
        assert_eq!(r.pattern, "a/b");
        assert_eq!(r.source, r"a\/b");
        assert_eq!(r.span, Span::new(FileId(0), 6, 12));
    }

    #[test]
    fn spans_are_offsets() {
        let Condition::Compare(c) = parse(r#"$A  ==  "x""#).unwrap() else {
            panic!()
        };
        assert_eq!(c.left.span(), Span::new(FileId(0), 0, 2));
        assert_eq!(c.op_span, Span::new(FileId(0), 4, 6));
        assert_eq!(c.right.span(), Span::new(FileId(0), 8, 11));
    }

    #[test]
    fn errors_are_located() {
        let e = error("$A = \"x\"");
        assert_eq!(e.message, "`=` is not an operator");
        assert_eq!(e.span, Span::new(FileId(0), 3, 4));
        assert!(error("$A == 'x").message.contains("never closed"));
        assert!(error("$A =~ /abc").message.contains("never closed"));
        assert!(error("$A =~ //")
            .message
            .contains("empty regular expression"));
        assert!(error("$A ==").message.contains("nothing on its right"));
        assert!(error("($A").message.contains("never closed"));
        assert!(error("$A)").message.contains("`)` is unexpected"));
        assert!(error("$A && || $B")
            .message
            .contains("where a value is expected"));
        assert!(error("main").message.contains("`main` is not a variable"));
        assert!(error("$A $B").message.contains("unexpected"));
        assert_eq!(
            error("$A =~ /x/ig").message,
            "`g` is not a regular expression flag"
        );
        assert!(error("$A =~ /x/ g")
            .message
            .contains("`g` is not a variable"));
        assert_eq!(error("  ").message, "the expression is empty");
        assert!(error("$").message.contains("not a variable name"));
        let deep = format!("{}$A{}", "(".repeat(100), ")".repeat(100));
        assert!(error(&deep).message.contains("nested"));
    }

    #[test]
    fn maps_into_the_written_scalar() {
        let text = |value: &str, start: usize, len: usize| Text {
            value: value.into(),
            span: Span::new(FileId(3), start, start + len),
            via: Default::default(),
        };
        let plain = text("$A == 'x'", 10, 9);
        let c = parse_text(&plain, Some("$A == 'x'")).unwrap();
        assert_eq!(c.operands()[1].span(), Span::new(FileId(3), 16, 19));
        let quoted = text("$A == 'x'", 10, 11);
        let c = parse_text(&quoted, Some("\"$A == 'x'\"")).unwrap();
        assert_eq!(c.operands()[0].span(), Span::new(FileId(3), 11, 13));
        let escaped = text("$A == \"x\"", 10, 13);
        let c = parse_text(&escaped, Some(r#""$A == \"x\"""#)).unwrap();
        assert_eq!(c.operands()[0].span(), escaped.span);
        let unknown = parse_text(&plain, None).unwrap();
        assert_eq!(unknown.operands()[0].span(), plain.span);
    }

    #[test]
    fn load_reports_each_bad_expression_once_at_its_token() {
        let yaml = r#".template:
  rules:
    - if: '$CI_COMMIT_BRANCH = "main"'
workflow:
  rules:
    - if: $CI_PIPELINE_SOURCE == "push" &&
a:
  extends: .template
  script: x
b:
  extends: .template
  script: x
c:
  script: x
  only:
    variables: ["$DEPLOY == 'yes'", "$X == yes"]
d:
  script: x
  rules:
    - if: "$A == \"x\" ||"
"#;
        let (_, problems) = crate::gitlab::load_file(
            FileId(0),
            yaml,
            &crate::gitlab::NoIncludes,
            &crate::Limits::default(),
            true,
        )
        .unwrap();
        let shown: Vec<(String, &str)> = problems
            .iter()
            .map(|p| (p.message.clone(), &yaml[p.span.range()]))
            .collect();
        assert_eq!(shown.len(), 4, "{shown:#?}");
        assert!(shown[0].0.starts_with("`workflow:rules:if` expression"));
        assert_eq!(shown[0].1, "&&");
        assert!(shown[1].0.starts_with("`rules:if` expression `$CI_COMMIT_BRANCH = \"main\"` is invalid: `=` is not an operator"));
        assert_eq!(shown[1].1, "=");
        assert!(shown[2].0.starts_with("`only:variables`"));
        assert_eq!(shown[2].1, "yes");
        // Escaped double quotes: the whole scalar.
        assert_eq!(shown[3].1, r#""$A == \"x\" ||""#);
        assert!(problems.iter().all(|p| p.help.is_some()));
    }

    #[test]
    fn evaluates_like_gitlab() {
        let vars = |name: &str| match name {
            "A" => Some("main".to_string()),
            "EMPTY" => Some(String::new()),
            "RE" => Some("/^ma/".to_string()),
            _ => None,
        };
        let matches = |r: &Regex, text: &str| text.starts_with(r.pattern.trim_start_matches('^'));
        let eval = |text: &str| parse(text).unwrap().evaluate(&vars, &matches);
        assert!(eval("$A"));
        assert!(!eval("$EMPTY"));
        assert!(!eval("$UNDEFINED"));
        assert!(eval("$UNDEFINED == null"));
        assert!(eval("$EMPTY != null"));
        assert!(eval("$A == 'main' && $A != \"x\""));
        assert!(eval("$A =~ /^ma/"));
        assert!(eval("$A =~ $RE"));
        assert!(!eval("$A =~ $UNDEFINED"));
        assert!(eval("$A !~ $UNDEFINED"));
        assert!(eval("$UNDEFINED =~ /^/"));
        assert!(eval("$UNDEFINED || $A"));
        let literal = regex_of_text("a.b/c", Span::default());
        assert_eq!(literal.pattern, r"a\.b/c");
        assert_eq!(literal.source, r"a\.b\/c");
    }

    fn operand() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Z_][A-Z0-9_]{0,8}".prop_map(|n| format!("${n}")),
            "[A-Z_][A-Z0-9_]{0,8}".prop_map(|n| format!("${{{n}}}")),
            "[a-z0-9 /._-]{0,8}".prop_map(|s| format!("\"{s}\"")),
            "[a-z0-9 \"/._-]{0,8}".prop_map(|s| format!("'{s}'")),
            Just("null".to_string()),
        ]
    }

    fn regex() -> impl Strategy<Value = String> {
        ("[a-z^$.*+?()|\\[\\]\\\\-]{1,8}", "[imsU]{0,2}").prop_map(|(body, flags)| {
            let body = body.trim_end_matches('\\').replace('/', "");
            let body = if body.is_empty() {
                "x".to_string()
            } else {
                body
            };
            format!("/{body}/{flags}")
        })
    }

    fn condition() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            operand(),
            (operand(), prop_oneof![Just("=="), Just("!=")], operand())
                .prop_map(|(l, op, r)| format!("{l} {op} {r}")),
            (operand(), prop_oneof![Just("=~"), Just("!~")], regex())
                .prop_map(|(l, op, r)| format!("{l} {op} {r}")),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            (
                proptest::collection::vec(inner, 2..4),
                prop_oneof![Just("&&"), Just("||")],
            )
                .prop_map(|(parts, op)| format!("({})", parts.join(&format!(" {op} "))))
        })
    }

    proptest! {
        #[test]
        fn well_formed_expressions_round_trip(text in condition()) {
            let parsed = parse(&text).unwrap();
            let shown = parsed.to_string();
            let reparsed = parse(&shown).unwrap();
            prop_assert_eq!(reparsed.to_string(), shown);
        }

        #[test]
        fn arbitrary_input_never_panics(text in "\\PC{0,40}") {
            if let Err(e) = parse(&text) {
                prop_assert!(e.span.end as usize <= text.len());
            }
        }

        #[test]
        fn token_soup_never_panics(parts in proptest::collection::vec(
            prop_oneof![Just("$A"), Just("("), Just(")"), Just("&&"), Just("||"), Just("=="),
                Just("=~"), Just("/x/"), Just("'s'"), Just("null"), Just("!~")], 0..12)) {
            let text = parts.join(" ");
            if let Ok(parsed) = parse(&text) {
                prop_assert!(parse(&parsed.to_string()).is_ok());
            }
        }
    }
}
