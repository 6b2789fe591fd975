//! GitLab CI regular expressions (`=~ /re/flags` in `rules:if`, `/re/` in `only:refs`)
//! as exact languages: the strings in which the pattern finds a match (an unanchored
//! search, as RE2's `PartialMatch` and GitLab's `scan`), as an automaton.
//!
//! Patterns are parsed with `regex-syntax` in ASCII mode, which reads them as RE2 does:
//! `\d`, `\w`, `\s` and `\b` are ASCII-only, `.` is any character but a newline. Converted
//! exactly: literals, `.`, classes (negated ones included), `^` and `$` (also `\A`, `\z`)
//! at the start and end of the pattern or of its top-level alternatives, `*`, `+`, `?`
//! and `{n,m}` up to [`MAX_REPEAT`] copies, alternation, groups, and the `i` flag (ASCII
//! case folding; RE2 also folds a few non-ASCII letters). Anything else — word
//! boundaries, anchors inside the pattern, larger repetitions, classes covering part of
//! the non-ASCII characters, invalid patterns, automata over the size bound — gives
//! `None`: the caller treats the match as unknown. Ref names never contain a newline,
//! so the `m` and `s` flags change nothing for them and are ignored.

use std::collections::BTreeSet;

use regex_syntax::hir::{Class, Hir, HirKind, Look};
use regex_syntax::ParserBuilder;

use crate::automaton::{CharClass, Dfa, Expr};

/// The most copies a bounded repetition (`{n,m}`) expands to.
pub const MAX_REPEAT: u32 = 32;

/// The strings in which `pattern` (with GitLab `flags` such as `i`) finds a match, or
/// `None` when the pattern is outside the supported subset or invalid.
pub fn search_language(pattern: &str, flags: &str) -> Option<Dfa> {
    let hir = ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .case_insensitive(flags.contains('i'))
        .build()
        .parse(pattern)
        .ok()?;
    Dfa::from_expr(&search(&hir)?).ok()
}

/// The strings containing a match of `hir`: the union over its anchored alternatives.
fn search(hir: &Hir) -> Option<Expr> {
    Some(Expr::Alt(
        alternatives(hir)?
            .into_iter()
            .map(|a| anchored(a.expr, a.start, a.end))
            .collect(),
    ))
}

/// The most anchored alternatives a pattern is split into.
const MAX_ALTERNATIVES: usize = 64;

/// One way a pattern matches: `expr`, anchored at the start and/or end of the text.
#[derive(Clone)]
struct Alternative {
    start: bool,
    expr: Expr,
    end: bool,
    /// Nothing but anchors so far (so a `^` may still follow).
    empty: bool,
}

/// `hir` as anchored alternatives: `^`/`$` may sit anywhere an alternative begins or
/// ends (`^main$|^stable-`, which the parser factors into `^(main$|stable-)`);
/// elsewhere they are unsupported.
fn alternatives(hir: &Hir) -> Option<Vec<Alternative>> {
    let plain = |expr: Expr, empty: bool| Alternative {
        start: false,
        expr,
        end: false,
        empty,
    };
    Some(match hir.kind() {
        _ if is_start(hir) => vec![Alternative {
            start: true,
            ..plain(Expr::Empty, true)
        }],
        _ if is_end(hir) => vec![Alternative {
            end: true,
            ..plain(Expr::Empty, true)
        }],
        HirKind::Capture(capture) => alternatives(&capture.sub)?,
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(alternatives(branch)?);
            }
            all
        }
        HirKind::Concat(items) => {
            let mut done = vec![plain(Expr::Empty, true)];
            for item in items {
                let next = alternatives(item)?;
                let mut joined = Vec::new();
                for a in &done {
                    for b in &next {
                        joined.push(join(a, b)?);
                    }
                }
                if joined.len() > MAX_ALTERNATIVES {
                    return None;
                }
                done = joined;
            }
            done
        }
        _ => vec![plain(exact(hir)?, matches!(hir.kind(), HirKind::Empty))],
    })
}

/// `a` followed by `b`, unless an anchor lands inside the match.
fn join(a: &Alternative, b: &Alternative) -> Option<Alternative> {
    if (a.end && !b.empty) || (b.start && !a.empty) {
        return None;
    }
    Some(Alternative {
        start: a.start || b.start,
        expr: Expr::Seq(vec![a.expr.clone(), b.expr.clone()]),
        end: a.end || b.end,
        empty: a.empty && b.empty,
    })
}

/// `expr` preceded and followed by any text unless anchored there.
fn anchored(expr: Expr, start: bool, end: bool) -> Expr {
    let mut parts = Vec::new();
    if !start {
        parts.push(Expr::any_string());
    }
    parts.push(expr);
    if !end {
        parts.push(Expr::any_string());
    }
    Expr::Seq(parts)
}

fn is_start(hir: &Hir) -> bool {
    matches!(
        hir.kind(),
        HirKind::Look(Look::Start | Look::StartLF | Look::StartCRLF)
    )
}

fn is_end(hir: &Hir) -> bool {
    matches!(
        hir.kind(),
        HirKind::Look(Look::End | Look::EndLF | Look::EndCRLF)
    )
}

/// The strings `hir` matches exactly (no assertions allowed).
fn exact(hir: &Hir) -> Option<Expr> {
    Some(match hir.kind() {
        HirKind::Empty => Expr::Empty,
        HirKind::Literal(literal) => Expr::literal(std::str::from_utf8(&literal.0).ok()?),
        HirKind::Class(class) => Expr::Class(char_class(class)?),
        HirKind::Look(_) => return None,
        HirKind::Capture(capture) => exact(&capture.sub)?,
        HirKind::Concat(items) => Expr::Seq(items.iter().map(exact).collect::<Option<_>>()?),
        HirKind::Alternation(branches) => {
            Expr::Alt(branches.iter().map(exact).collect::<Option<_>>()?)
        }
        HirKind::Repetition(repetition) => {
            let sub = exact(&repetition.sub)?;
            let min = repetition.min;
            if min > MAX_REPEAT {
                return None;
            }
            let mut parts: Vec<Expr> = (0..min).map(|_| sub.clone()).collect();
            match repetition.max {
                None => parts.push(Expr::Star(Box::new(sub))),
                Some(max) if max.saturating_sub(min) <= MAX_REPEAT => {
                    let optional = Expr::Alt(vec![Expr::Empty, sub]);
                    parts.extend((min..max).map(|_| optional.clone()));
                }
                Some(_) => return None,
            }
            Expr::Seq(parts)
        }
    })
}

/// A class of the pattern as characters: its ASCII part exactly, plus either no
/// non-ASCII character or all of them (a byte class holding every byte from 0x80 up
/// matches every multi-byte UTF-8 character).
fn char_class(class: &Class) -> Option<CharClass> {
    let (ascii, all_high, no_high): (BTreeSet<char>, bool, bool) = match class {
        Class::Bytes(bytes) => {
            let mut ascii = BTreeSet::new();
            let mut high = 0usize;
            for range in bytes.ranges() {
                for byte in range.start()..=range.end() {
                    if byte.is_ascii() {
                        ascii.insert(char::from(byte));
                    } else {
                        high += 1;
                    }
                }
            }
            (ascii, high == 0x80, high == 0)
        }
        Class::Unicode(unicode) => {
            let mut ascii = BTreeSet::new();
            let mut high = 0u64;
            for range in unicode.ranges() {
                let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                for code in start.min(0x80)..end.saturating_add(1).min(0x80) {
                    ascii.extend(char::from_u32(code));
                }
                if end >= 0x80 {
                    high += u64::from(end) - u64::from(start.max(0x80)) + 1;
                }
            }
            // Every scalar value from U+0080 up: U+0080..=U+10FFFF minus the surrogates.
            (ascii, high == 0x10_FFFF - 0x7F - 0x800, high == 0)
        }
    };
    if no_high {
        Some(CharClass::OneOf(ascii))
    } else if all_high {
        Some(CharClass::NoneOf(
            (0u8..0x80)
                .map(char::from)
                .filter(|c| !ascii.contains(c))
                .collect(),
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(pattern: &str) -> Dfa {
        search_language(pattern, "").unwrap()
    }

    #[test]
    fn unanchored_search() {
        let l = lang("release");
        assert!(l.contains("release"));
        assert!(l.contains("pre-release-1"));
        assert!(!l.contains("releas"));
    }

    #[test]
    fn anchors() {
        let l = lang("^release/");
        assert!(l.contains("release/1.0"));
        assert!(!l.contains("x-release/1"));
        let l = lang(r"^v\d+\.\d+$");
        assert!(l.contains("v1.20"));
        assert!(!l.contains("v1.2a"));
        assert!(!l.contains("v1"));
        let l = lang("^(main|master)$");
        assert!(l.contains("main") && l.contains("master"));
        assert!(!l.contains("mainx"));
        let l = lang("^main$|^stable-");
        assert!(l.contains("stable-1") && !l.contains("xmain"));
        assert!(lang("^").contains(""));
    }

    #[test]
    fn classes_and_flags() {
        let l = lang(r"^[^/]+$");
        assert!(l.contains("feature") && !l.contains("a/b"));
        assert!(l.contains("é"));
        let l = lang(r"^\w+$");
        assert!(l.contains("ab_1") && !l.contains("é") && !l.contains("a-b"));
        let l = search_language("^MAIN$", "i").unwrap();
        assert!(l.contains("main") && l.contains("Main"));
        let l = lang("^a.c$");
        assert!(l.contains("abc") && l.contains("aéc"));
        let l = lang("^x{2,3}$");
        assert!(l.contains("xx") && l.contains("xxx") && !l.contains("xxxx"));
    }

    #[test]
    fn unsupported_is_none() {
        assert!(search_language(r"\bmain", "").is_none());
        assert!(search_language(r"a^b", "").is_none());
        assert!(search_language(r"x{100}", "").is_none());
        assert!(search_language(r"(", "").is_none());
        assert!(search_language(r"[\x{100}-\x{200}]", "").is_none());
    }
}
