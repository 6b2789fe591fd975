//! CEL (Common Expression Language) as Google Cloud attribute mappings and conditions
//! use it: a parser keeping the byte range of every sub-expression, and a concrete
//! evaluator over a token's claims ([`eval`]).
//!
//! The grammar is CEL's (https://github.com/google/cel-spec/blob/master/doc/langdef.md):
//! ternary `?:`, `||`, `&&`, relations (`== != < <= > >= in`), `+ -`, `* / %`, unary
//! `! -`, member access, indexing, calls, list and map literals, string (quoted, raw,
//! triple-quoted), int, uint, double, bool and null literals. Depth and size are
//! bounded ([`MAX_DEPTH`], [`MAX_LEN`]); anything else is an [`Error`].

use std::collections::BTreeMap;

/// Longest expression parsed (GCP allows 4096 bytes for a condition, 2048 per mapping).
pub const MAX_LEN: usize = 16 * 1024;
/// Deepest nesting parsed and evaluated.
pub const MAX_DEPTH: usize = 64;

/// A parse error: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// An expression and the byte range of its text.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// A literal: a string, int, uint, double, bool or `null` [`Val`].
    Lit(Val),
    Ident(String),
    /// `operand.field`
    Select(Box<Expr>, String),
    /// `operand[index]`
    Index(Box<Expr>, Box<Expr>),
    /// `name(args)` or `target.name(args)`.
    Call {
        target: Option<Box<Expr>>,
        name: String,
        args: Vec<Expr>,
    },
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
    /// `condition ? then : otherwise`
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl Expr {
    /// The dotted path of a field access on an identifier (`assertion.project_id` →
    /// `["assertion", "project_id"]`, also `assertion["project_id"]`).
    pub fn path(&self) -> Option<Vec<&str>> {
        match &self.kind {
            Kind::Ident(name) => Some(vec![name.as_str()]),
            Kind::Select(operand, field) => {
                let mut path = operand.path()?;
                path.push(field.as_str());
                Some(path)
            }
            Kind::Index(operand, index) => match &index.kind {
                Kind::Lit(Val::Str(field)) => {
                    let mut path = operand.path()?;
                    path.push(field.as_str());
                    Some(path)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Calls `f` on this expression and every sub-expression (pre-order).
    pub fn walk<'e>(&'e self, f: &mut impl FnMut(&'e Expr)) {
        f(self);
        match &self.kind {
            Kind::Select(a, _) | Kind::Not(a) | Kind::Neg(a) => a.walk(f),
            Kind::Index(a, b) | Kind::Binary(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Kind::Call { target, args, .. } => {
                if let Some(target) = target {
                    target.walk(f);
                }
                args.iter().for_each(|a| a.walk(f));
            }
            Kind::List(items) => items.iter().for_each(|a| a.walk(f)),
            Kind::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.walk(f);
                v.walk(f);
            }),
            Kind::Cond(a, b, c) => {
                a.walk(f);
                b.walk(f);
                c.walk(f);
            }
            _ => {}
        }
    }
}

/// Parses a CEL expression.
pub fn parse(text: &str) -> Result<Expr, Error> {
    if text.len() > MAX_LEN {
        return Err(Error {
            start: 0,
            end: text.len(),
            message: format!("expression longer than {MAX_LEN} bytes"),
        });
    }
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
        end: text.len(),
    };
    let expr = parser.expr()?;
    match parser.tokens.get(parser.at) {
        None => Ok(expr),
        Some(token) => Err(Error {
            start: token.start,
            end: token.end,
            message: "unexpected text after the expression".into(),
        }),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Str(String),
    Int(i64),
    Uint(u64),
    Double(f64),
    Ident(String),
    Punct(&'static str),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

const PUNCTS: [&str; 23] = [
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "?", ":", ".", ",", "[", "]", "(", ")", "{",
    "}", "+", "-", "*", "/",
];

fn lex(text: &str) -> Result<Vec<Token>, Error> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    let error = |start: usize, end: usize, message: &str| Error {
        start,
        end,
        message: message.to_string(),
    };
    while at < bytes.len() {
        let c = bytes[at];
        if c.is_ascii_whitespace() {
            at += 1;
            continue;
        }
        if text[at..].starts_with("//") {
            at = text[at..].find('\n').map_or(bytes.len(), |n| at + n);
            continue;
        }
        let start = at;
        let tok = if c == b'"' || c == b'\'' {
            let (value, end) = string(text, at, false)
                .ok_or_else(|| error(at, bytes.len(), "unterminated or invalid string"))?;
            at = end;
            Tok::Str(value)
        } else if (c == b'r' || c == b'R') && matches!(bytes.get(at + 1), Some(b'"' | b'\'')) {
            let (value, end) = string(text, at + 1, true)
                .ok_or_else(|| error(at, bytes.len(), "unterminated string"))?;
            at = end;
            Tok::Str(value)
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = text[at..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .map_or(bytes.len(), |n| at + n);
            let word = &text[at..end];
            at = end;
            Tok::Ident(word.to_string())
        } else if c.is_ascii_digit() {
            let (tok, end) = number(text, at).ok_or_else(|| error(at, at + 1, "invalid number"))?;
            at = end;
            tok
        } else if c == b'%' {
            at += 1;
            Tok::Punct("%")
        } else {
            let punct = PUNCTS
                .iter()
                .find(|p| text[at..].starts_with(**p))
                .ok_or_else(|| {
                    let end = text[at..]
                        .chars()
                        .next()
                        .map_or(at + 1, |ch| at + ch.len_utf8());
                    error(at, end, "unexpected character")
                })?;
            at += punct.len();
            Tok::Punct(punct)
        };
        tokens.push(Token {
            tok,
            start,
            end: at,
        });
    }
    Ok(tokens)
}

/// A string literal starting with its quote at `at`: its value and the offset after it.
fn string(text: &str, at: usize, raw: bool) -> Option<(String, usize)> {
    let rest = &text[at..];
    let quote = &rest[..1];
    let triple: String = quote.repeat(3);
    let (delimiter, mut i) = if rest.starts_with(&triple) {
        (triple.as_str(), 3)
    } else {
        (quote, 1)
    };
    let mut out = String::new();
    loop {
        let tail = rest.get(i..)?;
        if tail.starts_with(delimiter) {
            return Some((out, at + i + delimiter.len()));
        }
        let ch = tail.chars().next()?;
        if ch == '\n' && delimiter.len() == 1 {
            return None;
        }
        if ch == '\\' && !raw {
            let escaped = tail[1..].chars().next()?;
            i += 1 + escaped.len_utf8();
            match escaped {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'a' => out.push('\u{7}'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'v' => out.push('\u{b}'),
                '\\' | '"' | '\'' | '`' | '?' => out.push(escaped),
                'x' | 'X' | 'u' | 'U' => {
                    let len = match escaped {
                        'x' | 'X' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let digits = rest.get(i..i + len)?;
                    out.push(char::from_u32(u32::from_str_radix(digits, 16).ok()?)?);
                    i += len;
                }
                '0'..='3' => {
                    let digits = rest.get(i - 1..i + 2)?;
                    out.push(char::from_u32(u32::from_str_radix(digits, 8).ok()?)?);
                    i += 2;
                }
                _ => return None,
            }
        } else {
            out.push(ch);
            i += ch.len_utf8();
        }
    }
}

fn number(text: &str, at: usize) -> Option<(Tok, usize)> {
    let rest = &text[at..];
    if let Some(hex) = rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        let len = hex
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(hex.len());
        let value = u64::from_str_radix(&hex[..len], 16).ok()?;
        let mut end = at + 2 + len;
        if matches!(text.as_bytes().get(end), Some(b'u' | b'U')) {
            end += 1;
            return Some((Tok::Uint(value), end));
        }
        return Some((Tok::Int(i64::try_from(value).ok()?), end));
    }
    let mut len = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let mut float = false;
    let bytes = rest.as_bytes();
    if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(u8::is_ascii_digit) {
        float = true;
        len += 1;
        len += rest[len..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len() - len);
    }
    if matches!(bytes.get(len), Some(b'e' | b'E')) {
        let mut exp = len + 1;
        if matches!(bytes.get(exp), Some(b'+' | b'-')) {
            exp += 1;
        }
        if bytes.get(exp).is_some_and(u8::is_ascii_digit) {
            float = true;
            len = exp
                + rest[exp..]
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(rest.len() - exp);
        }
    }
    let digits = &rest[..len];
    if float {
        return Some((Tok::Double(digits.parse().ok()?), at + len));
    }
    if matches!(bytes.get(len), Some(b'u' | b'U')) {
        return Some((Tok::Uint(digits.parse().ok()?), at + len + 1));
    }
    Some((Tok::Int(digits.parse().ok()?), at + len))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.tok)
    }

    fn is(&self, punct: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(p)) if *p == punct)
    }

    fn error(&self, message: &str) -> Error {
        let (start, end) = self
            .tokens
            .get(self.at)
            .map_or((self.end, self.end), |t| (t.start, t.end));
        Error {
            start,
            end,
            message: message.to_string(),
        }
    }

    fn expect(&mut self, punct: &str) -> Result<usize, Error> {
        if self.is(punct) {
            self.at += 1;
            Ok(self.tokens[self.at - 1].end)
        } else {
            Err(self.error(&format!("expected `{punct}`")))
        }
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("expression nested too deeply"));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        let condition = self.binary(0)?;
        let out = if self.is("?") {
            self.at += 1;
            let then = self.expr()?;
            self.expect(":")?;
            let otherwise = self.expr()?;
            Expr {
                start: condition.start,
                end: otherwise.end,
                kind: Kind::Cond(Box::new(condition), Box::new(then), Box::new(otherwise)),
            }
        } else {
            condition
        };
        self.depth -= 1;
        Ok(out)
    }

    fn operator(&self, level: usize) -> Option<Op> {
        let tok = self.peek()?;
        let op = match tok {
            Tok::Punct("||") => Op::Or,
            Tok::Punct("&&") => Op::And,
            Tok::Punct("==") => Op::Eq,
            Tok::Punct("!=") => Op::Ne,
            Tok::Punct("<") => Op::Lt,
            Tok::Punct("<=") => Op::Le,
            Tok::Punct(">") => Op::Gt,
            Tok::Punct(">=") => Op::Ge,
            Tok::Ident(word) if word == "in" => Op::In,
            Tok::Punct("+") => Op::Add,
            Tok::Punct("-") => Op::Sub,
            Tok::Punct("*") => Op::Mul,
            Tok::Punct("/") => Op::Div,
            Tok::Punct("%") => Op::Rem,
            _ => return None,
        };
        (precedence(op) == level).then_some(op)
    }

    /// Left-associative binary operators of precedence `level` and above.
    fn binary(&mut self, level: usize) -> Result<Expr, Error> {
        if level > 4 {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.operator(level) {
            self.at += 1;
            self.enter()?;
            let right = self.binary(level + 1)?;
            self.depth -= 1;
            left = Expr {
                start: left.start,
                end: right.end,
                kind: Kind::Binary(op, Box::new(left), Box::new(right)),
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        let start = self.tokens.get(self.at).map_or(self.end, |t| t.start);
        if self.is("!") || self.is("-") {
            let not = self.is("!");
            self.at += 1;
            self.enter()?;
            let operand = self.unary()?;
            self.depth -= 1;
            let end = operand.end;
            let kind = if not {
                Kind::Not(Box::new(operand))
            } else {
                Kind::Neg(Box::new(operand))
            };
            return Ok(Expr { kind, start, end });
        }
        self.member()
    }

    fn member(&mut self) -> Result<Expr, Error> {
        let mut expr = self.primary()?;
        let mut steps = 0;
        loop {
            steps += 1;
            if steps > MAX_DEPTH {
                return Err(self.error("expression nested too deeply"));
            }
            if self.is(".") {
                self.at += 1;
                let Some(Token {
                    tok: Tok::Ident(name),
                    end,
                    ..
                }) = self.tokens.get(self.at).cloned()
                else {
                    return Err(self.error("expected a field name"));
                };
                self.at += 1;
                if self.is("(") {
                    self.at += 1;
                    let (args, end) = self.list(")")?;
                    expr = Expr {
                        start: expr.start,
                        end,
                        kind: Kind::Call {
                            target: Some(Box::new(expr)),
                            name,
                            args,
                        },
                    };
                } else {
                    expr = Expr {
                        start: expr.start,
                        end,
                        kind: Kind::Select(Box::new(expr), name),
                    };
                }
            } else if self.is("[") {
                self.at += 1;
                let index = self.expr()?;
                let end = self.expect("]")?;
                expr = Expr {
                    start: expr.start,
                    end,
                    kind: Kind::Index(Box::new(expr), Box::new(index)),
                };
            } else {
                return Ok(expr);
            }
        }
    }

    /// Comma-separated expressions up to `close` (consumed): them, and the end offset.
    fn list(&mut self, close: &str) -> Result<(Vec<Expr>, usize), Error> {
        let mut items = Vec::new();
        while !self.is(close) {
            items.push(self.expr()?);
            if !self.is(close) {
                self.expect(",")?;
            }
        }
        let end = self.expect(close)?;
        Ok((items, end))
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let Some(token) = self.tokens.get(self.at).cloned() else {
            return Err(self.error("expected an expression"));
        };
        self.at += 1;
        let (start, end) = (token.start, token.end);
        let kind = match token.tok {
            Tok::Str(s) => Kind::Lit(Val::Str(s)),
            Tok::Int(n) => Kind::Lit(Val::Int(n)),
            Tok::Uint(n) => Kind::Lit(Val::Uint(n)),
            Tok::Double(n) => Kind::Lit(Val::Double(n)),
            Tok::Ident(word) => match word.as_str() {
                "true" => Kind::Lit(Val::Bool(true)),
                "false" => Kind::Lit(Val::Bool(false)),
                "null" => Kind::Lit(Val::Null),
                "in" => {
                    self.at -= 1;
                    return Err(self.error("expected an expression"));
                }
                _ if self.is("(") => {
                    self.at += 1;
                    let (args, end) = self.list(")")?;
                    return Ok(Expr {
                        start,
                        end,
                        kind: Kind::Call {
                            target: None,
                            name: word,
                            args,
                        },
                    });
                }
                _ => Kind::Ident(word),
            },
            Tok::Punct("(") => {
                self.enter()?;
                let inner = self.expr()?;
                self.depth -= 1;
                let end = self.expect(")")?;
                return Ok(Expr {
                    end,
                    start,
                    ..inner
                });
            }
            Tok::Punct("[") => {
                self.enter()?;
                let (items, end) = self.list("]")?;
                self.depth -= 1;
                return Ok(Expr {
                    start,
                    end,
                    kind: Kind::List(items),
                });
            }
            Tok::Punct("{") => {
                self.enter()?;
                let mut entries = Vec::new();
                while !self.is("}") {
                    let key = self.expr()?;
                    self.expect(":")?;
                    let value = self.expr()?;
                    entries.push((key, value));
                    if !self.is("}") {
                        self.expect(",")?;
                    }
                }
                let end = self.expect("}")?;
                self.depth -= 1;
                return Ok(Expr {
                    start,
                    end,
                    kind: Kind::Map(entries),
                });
            }
            Tok::Punct(_) => {
                self.at -= 1;
                return Err(self.error("expected an expression"));
            }
        };
        Ok(Expr { kind, start, end })
    }
}

fn precedence(op: Op) -> usize {
    match op {
        Op::Or => 0,
        Op::And => 1,
        Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::In => 2,
        Op::Add | Op::Sub => 3,
        Op::Mul | Op::Div | Op::Rem => 4,
    }
}

/// A CEL value.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Str(String),
    Int(i64),
    Uint(u64),
    Double(f64),
    Bool(bool),
    Null,
    List(Vec<Val>),
    Map(BTreeMap<String, Val>),
}

/// Why an evaluation fails: CEL's runtime errors (no such field, no matching overload)
/// deny the token; [`EvalError::Unsupported`] is what this evaluator does not do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// A CEL error: the exchange is rejected.
    Cel(String),
    /// Outside what this evaluator implements (the caller must not conclude).
    Unsupported(String),
}

/// Evaluates `expr` with the variables `vars` (`assertion`, `attribute`, `google`, each
/// a map).
pub fn eval(expr: &Expr, vars: &BTreeMap<String, Val>) -> Result<Val, EvalError> {
    Eval { vars }.eval(expr, 0)
}

struct Eval<'v> {
    vars: &'v BTreeMap<String, Val>,
}

fn cel_error<T>(message: &str) -> Result<T, EvalError> {
    Err(EvalError::Cel(message.to_string()))
}

impl Eval<'_> {
    fn bool(&self, expr: &Expr, depth: usize) -> Result<bool, EvalError> {
        match self.eval(expr, depth)? {
            Val::Bool(b) => Ok(b),
            _ => cel_error("no matching overload: expected bool"),
        }
    }

    fn string(&self, expr: &Expr, depth: usize) -> Result<String, EvalError> {
        match self.eval(expr, depth)? {
            Val::Str(s) => Ok(s),
            _ => cel_error("no matching overload: expected string"),
        }
    }

    fn eval(&self, expr: &Expr, depth: usize) -> Result<Val, EvalError> {
        if depth > MAX_DEPTH * 2 {
            return Err(EvalError::Unsupported("too deep".into()));
        }
        let depth = depth + 1;
        Ok(match &expr.kind {
            Kind::Lit(value) => value.clone(),
            Kind::Ident(name) => match self.vars.get(name) {
                Some(v) => v.clone(),
                None => return cel_error("undeclared reference"),
            },
            Kind::Select(operand, field) => match self.eval(operand, depth)? {
                Val::Map(map) => match map.get(field) {
                    Some(v) => v.clone(),
                    None => return cel_error("no such key"),
                },
                _ => return cel_error("field selection on a non-map"),
            },
            Kind::Index(operand, index) => {
                match (self.eval(operand, depth)?, self.eval(index, depth)?) {
                    (Val::Map(map), Val::Str(key)) => match map.get(&key) {
                        Some(v) => v.clone(),
                        None => return cel_error("no such key"),
                    },
                    (Val::List(items), Val::Int(i)) => {
                        match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                            Some(v) => v.clone(),
                            None => return cel_error("index out of range"),
                        }
                    }
                    _ => return cel_error("no matching overload for index"),
                }
            }
            Kind::List(items) => Val::List(
                items
                    .iter()
                    .map(|item| self.eval(item, depth))
                    .collect::<Result<_, _>>()?,
            ),
            Kind::Map(_) => return Err(EvalError::Unsupported("map literal".into())),
            Kind::Not(operand) => Val::Bool(!self.bool(operand, depth)?),
            Kind::Neg(operand) => match self.eval(operand, depth)? {
                Val::Int(n) => Val::Int(n.checked_neg().ok_or(EvalError::Cel("overflow".into()))?),
                Val::Double(n) => Val::Double(-n),
                _ => return cel_error("no matching overload for -"),
            },
            Kind::Cond(condition, then, otherwise) => {
                if self.bool(condition, depth)? {
                    self.eval(then, depth)?
                } else {
                    self.eval(otherwise, depth)?
                }
            }
            Kind::Binary(op, left, right) => self.binary(*op, left, right, depth)?,
            Kind::Call { target, name, args } => self.call(target.as_deref(), name, args, depth)?,
        })
    }

    fn binary(&self, op: Op, left: &Expr, right: &Expr, depth: usize) -> Result<Val, EvalError> {
        match op {
            // CEL's commutative logic: an error on one side is absorbed when the other
            // side decides.
            Op::Or | Op::And => {
                let decisive = op == Op::Or;
                let l = self.bool(left, depth);
                if l == Ok(decisive) {
                    return Ok(Val::Bool(decisive));
                }
                let r = self.bool(right, depth);
                if r == Ok(decisive) {
                    return Ok(Val::Bool(decisive));
                }
                match (l, r) {
                    (Ok(_), Ok(_)) => Ok(Val::Bool(!decisive)),
                    (Err(EvalError::Unsupported(e)), _) | (_, Err(EvalError::Unsupported(e))) => {
                        Err(EvalError::Unsupported(e))
                    }
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            _ => {
                let (l, r) = (self.eval(left, depth)?, self.eval(right, depth)?);
                binary_values(op, l, r)
            }
        }
    }

    fn call(
        &self,
        target: Option<&Expr>,
        name: &str,
        args: &[Expr],
        depth: usize,
    ) -> Result<Val, EvalError> {
        match (target, name, args) {
            (None, "has", [field]) => {
                let Kind::Select(operand, key) = &field.kind else {
                    return cel_error("has() needs a field selection");
                };
                match self.eval(operand, depth)? {
                    Val::Map(map) => Ok(Val::Bool(map.contains_key(key))),
                    _ => cel_error("has() on a non-map"),
                }
            }
            (None, "size", [arg]) | (Some(arg), "size", []) => match self.eval(arg, depth)? {
                Val::Str(s) => Ok(Val::Int(
                    i64::try_from(s.chars().count()).unwrap_or(i64::MAX),
                )),
                Val::List(items) => Ok(Val::Int(i64::try_from(items.len()).unwrap_or(i64::MAX))),
                Val::Map(map) => Ok(Val::Int(i64::try_from(map.len()).unwrap_or(i64::MAX))),
                _ => cel_error("no matching overload for size"),
            },
            (None, "string", [arg]) => Ok(Val::Str(match self.eval(arg, depth)? {
                Val::Str(s) => s,
                Val::Int(n) => n.to_string(),
                Val::Uint(n) => n.to_string(),
                Val::Bool(b) => b.to_string(),
                Val::Double(_) => return Err(EvalError::Unsupported("string(double)".into())),
                _ => return cel_error("no matching overload for string"),
            })),
            (None, "int", [arg]) => Ok(Val::Int(match self.eval(arg, depth)? {
                Val::Int(n) => n,
                Val::Uint(n) => i64::try_from(n).map_err(|_| EvalError::Cel("overflow".into()))?,
                Val::Str(s) => s
                    .parse()
                    .map_err(|_| EvalError::Cel("invalid int".into()))?,
                _ => return Err(EvalError::Unsupported("int() of this type".into())),
            })),
            (Some(target), "startsWith" | "endsWith" | "contains", [arg]) => {
                let (s, arg) = (self.string(target, depth)?, self.string(arg, depth)?);
                Ok(Val::Bool(match name {
                    "startsWith" => s.starts_with(&arg),
                    "endsWith" => s.ends_with(&arg),
                    _ => s.contains(&arg),
                }))
            }
            (Some(target), "lowerAscii", []) => {
                Ok(Val::Str(self.string(target, depth)?.to_ascii_lowercase()))
            }
            (Some(target), "upperAscii", []) => {
                Ok(Val::Str(self.string(target, depth)?.to_ascii_uppercase()))
            }
            _ => Err(EvalError::Unsupported(format!("function `{name}`"))),
        }
    }
}

fn binary_values(op: Op, l: Val, r: Val) -> Result<Val, EvalError> {
    Ok(match (op, l, r) {
        (Op::Eq | Op::Ne, l, r) => {
            let equal = match (&l, &r) {
                (Val::Str(_), Val::Str(_))
                | (Val::Bool(_), Val::Bool(_))
                | (Val::Int(_), Val::Int(_))
                | (Val::Uint(_), Val::Uint(_))
                | (Val::Null, Val::Null)
                | (Val::List(_), Val::List(_)) => l == r,
                (Val::Null, _) | (_, Val::Null) => false,
                _ => return cel_error("no matching overload for =="),
            };
            Val::Bool(equal == (op == Op::Eq))
        }
        // Without heterogeneous equality (`1 == "1"` is an error, not `false`): a
        // member of another type makes `in` an error unless an equal member is found.
        (Op::In, needle, Val::List(items)) => {
            let mut error = None;
            for item in items {
                match binary_values(Op::Eq, needle.clone(), item) {
                    Ok(Val::Bool(true)) => return Ok(Val::Bool(true)),
                    Ok(_) => {}
                    Err(e) => error = Some(e),
                }
            }
            match error {
                Some(e) => return Err(e),
                None => Val::Bool(false),
            }
        }
        (Op::In, Val::Str(key), Val::Map(map)) => Val::Bool(map.contains_key(&key)),
        (Op::Add, Val::Str(a), Val::Str(b)) => Val::Str(a + &b),
        (Op::Add, Val::Int(a), Val::Int(b)) => {
            Val::Int(a.checked_add(b).ok_or(EvalError::Cel("overflow".into()))?)
        }
        (Op::Add, Val::List(mut a), Val::List(b)) => {
            a.extend(b);
            Val::List(a)
        }
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, Val::Int(a), Val::Int(b)) => {
            Val::Bool(compare(op, a.cmp(&b)))
        }
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, Val::Str(a), Val::Str(b)) => {
            Val::Bool(compare(op, a.cmp(&b)))
        }
        (Op::Sub | Op::Mul | Op::Div | Op::Rem | Op::Lt | Op::Le | Op::Gt | Op::Ge, _, _) => {
            return Err(EvalError::Unsupported("arithmetic".into()))
        }
        _ => return cel_error("no matching overload"),
    })
}

fn compare(op: Op, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Lt => ordering == Less,
        Op::Le => ordering != Greater,
        Op::Gt => ordering == Greater,
        _ => ordering != Less,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(claims: &[(&str, &str)]) -> BTreeMap<String, Val> {
        let assertion = claims
            .iter()
            .map(|(k, v)| ((*k).to_string(), Val::Str((*v).to_string())))
            .collect();
        BTreeMap::from([("assertion".to_string(), Val::Map(assertion))])
    }

    fn run(text: &str, claims: &[(&str, &str)]) -> Result<Val, EvalError> {
        eval(&parse(text).expect(text), &vars(claims))
    }

    #[test]
    fn parses_real_conditions_with_spans() {
        let text = r#"assertion.namespace_path.startsWith("acme") && assertion.ref == 'main'"#;
        let expr = parse(text).unwrap();
        let Kind::Binary(Op::And, left, right) = &expr.kind else {
            panic!("{expr:?}")
        };
        assert_eq!(
            &text[left.start..left.end],
            r#"assertion.namespace_path.startsWith("acme")"#
        );
        assert_eq!(&text[right.start..right.end], "assertion.ref == 'main'");
        let ternary = parse(r#"assertion.namespace_path.startsWith("g") ? "1" : "0""#).unwrap();
        assert!(matches!(ternary.kind, Kind::Cond(..)));
        let list =
            parse("assertion.project_id in ['1', \"2\"] && !has(assertion.environment)").unwrap();
        assert!(matches!(list.kind, Kind::Binary(Op::And, ..)));
        assert!(parse("string(assertion.runner_id) + '-' + assertion['sub']").is_ok());
        assert!(parse(r#"attribute.x.matches("^a[0-9]+$") || size(google.groups) > 0"#).is_ok());
    }

    #[test]
    fn rejects_bad_text_without_panicking() {
        for text in [
            "", "(", "a.", "a ? b", "'x", "1 +", "a[", "{1:", "\"\"\"x", "r'", "0x", "in", "1e",
            "\\", "€",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
        let deep = "(".repeat(500) + "1" + &")".repeat(500);
        assert!(parse(&deep).is_err());
        let chain = "!".repeat(500) + "true";
        assert!(parse(&chain).is_err());
    }

    #[test]
    fn strings_and_numbers() {
        let lit = |text: &str| match parse(text).unwrap().kind {
            Kind::Lit(value) => value,
            other => panic!("{other:?}"),
        };
        assert_eq!(lit(r#""a\"b\x41\u00e9""#), Val::Str("a\"bAé".into()));
        assert_eq!(lit(r"r'a\d'"), Val::Str("a\\d".into()));
        assert_eq!(lit("'''a'b'''"), Val::Str("a'b".into()));
        assert_eq!(lit("12u"), Val::Uint(12));
        assert_eq!(lit("0x1F"), Val::Int(31));
        assert_eq!(lit("1.5"), Val::Double(1.5));
    }

    #[test]
    fn evaluates_like_cel() {
        let claims = [("namespace_path", "acme-evil"), ("ref_protected", "true")];
        assert_eq!(
            run(r#"assertion.namespace_path.startsWith("acme")"#, &claims),
            Ok(Val::Bool(true))
        );
        assert_eq!(
            run(r#"assertion.namespace_path.startsWith("acme/")"#, &claims),
            Ok(Val::Bool(false))
        );
        // A "true" string compared with true is a type error, not false.
        assert!(matches!(
            run("assertion.ref_protected == true", &claims),
            Err(EvalError::Cel(_))
        ));
        // A missing claim is an error, absorbed by a decisive other side of ||.
        assert!(matches!(
            run("assertion.environment == 'prod'", &claims),
            Err(EvalError::Cel(_))
        ));
        assert_eq!(
            run(
                "assertion.environment == 'prod' || assertion.ref_protected == 'true'",
                &claims
            ),
            Ok(Val::Bool(true))
        );
        assert_eq!(
            run("has(assertion.environment)", &claims),
            Ok(Val::Bool(false))
        );
        assert_eq!(
            run("assertion.namespace_path in ['a', 'acme-evil']", &claims),
            Ok(Val::Bool(true))
        );
        assert_eq!(
            run("assertion.namespace_path + ':' + string(1)", &claims),
            Ok(Val::Str("acme-evil:1".into()))
        );
        assert_eq!(
            run("size(assertion.namespace_path) == 9", &claims),
            Ok(Val::Bool(true))
        );
        assert!(matches!(
            run("assertion.namespace_path.matches('a')", &claims),
            Err(EvalError::Unsupported(_))
        ));
    }
}
