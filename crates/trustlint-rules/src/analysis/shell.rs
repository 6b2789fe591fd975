//! A light reading of job scripts (POSIX shells, with PowerShell's `$env:NAME`): variable
//! references, the simple commands of a script line, their words, output redirections
//! and URLs — what the ID-token rules need to follow a token, not a shell parser — and
//! the exact file span of a piece of a script line.

use trustlint_parser::gitlab::Text;
use trustlint_parser::{SourceMap, Span};

/// A variable reference in a text: `$NAME`, `${NAME}`, `${NAME…}` or `$env:NAME`.
/// `start..end` are the byte offsets of the whole reference in the text's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reference {
    pub name: String,
    pub start: usize,
    pub end: usize,
}

/// Every variable reference of `value`. `$$` is no reference: in a script it is the
/// shell's process id, in a `variables:` value GitLab's escape for a literal `$`.
pub(crate) fn references(value: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(dollar) = value.get(at..).and_then(|rest| rest.find('$')) {
        let dollar = at + dollar;
        let run = value
            .get(dollar..)
            .map_or(1, |rest| rest.len() - rest.trim_start_matches('$').len());
        at = dollar + run;
        if run % 2 == 0 {
            continue;
        }
        if let Some(reference) = reference_at(value, at - 1) {
            at = reference.end;
            out.push(reference);
        }
    }
    out
}

fn reference_at(value: &str, start: usize) -> Option<Reference> {
    let rest = value.get(start + 1..)?;
    if let Some(inner) = rest.strip_prefix('{') {
        let name = inner.get(..name_len(inner))?;
        let close = inner.find('}')?;
        (!name.is_empty() && close >= name.len()).then(|| Reference {
            name: name.to_string(),
            start,
            end: start + 2 + close + 1,
        })
    } else {
        let body = rest.strip_prefix("env:").unwrap_or(rest);
        let name = body.get(..name_len(body))?;
        (!name.is_empty()).then(|| Reference {
            name: name.to_string(),
            start,
            end: start + 1 + (rest.len() - body.len()) + name.len(),
        })
    }
}

/// The length of the variable name (`[A-Za-z_][A-Za-z0-9_]*`) that `text` starts with.
fn name_len(text: &str) -> usize {
    if !text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return 0;
    }
    text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())
}

/// Whether `word` names a variable, e.g. `AWS_WEB_IDENTITY_TOKEN_FILE`.
pub(crate) fn is_name(word: &str) -> bool {
    !word.is_empty() && name_len(word) == word.len()
}

/// The file span of `text.value[start..end]` ([`Text::span_of`]: exact when it can be
/// located, else the whole scalar).
pub(crate) fn span_in(text: &Text, sources: &SourceMap, start: usize, end: usize) -> Span {
    sources
        .get(text.span.file)
        .map_or(text.span, |file| text.span_of(start..end, file))
}

/// One simple command of a script line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Command {
    /// Byte range in the line's value.
    pub start: usize,
    pub end: usize,
    /// Its output feeds the next command (`a | b`).
    pub piped: bool,
    /// It runs inside `$(…)` or backticks: its output is captured, not printed.
    pub captured: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    Single,
    Double,
    Subst,
    Backtick,
}

/// The simple commands of a script line, split at newlines, `;`, `&&`, `||`, `&` and
/// `|` outside quotes; a command substitution is a command of its own; `# comments`
/// are left out.
pub(crate) fn commands(value: &str) -> Vec<Command> {
    let mut out = Vec::new();
    let mut stack: Vec<Quote> = Vec::new();
    let mut start = 0;
    let mut chars = value.char_indices().peekable();
    let close = |out: &mut Vec<Command>, stack: &[Quote], start: usize, end: usize, piped| {
        if value.get(start..end).is_some_and(|c| !c.trim().is_empty()) {
            out.push(Command {
                start,
                end,
                piped,
                captured: stack
                    .iter()
                    .any(|q| matches!(q, Quote::Subst | Quote::Backtick)),
            });
        }
    };
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let top = stack.last().copied();
        match (top, c) {
            (Some(Quote::Single), '\'') => {
                stack.pop();
            }
            (Some(Quote::Single), _) => {}
            (_, '\\') => {
                chars.next();
            }
            (Some(Quote::Double), '"') => {
                stack.pop();
            }
            (_, '$') if next == Some('(') => {
                close(&mut out, &stack, start, at, false);
                chars.next();
                stack.push(Quote::Subst);
                start = at + 2;
            }
            (_, '`') => {
                close(&mut out, &stack, start, at, false);
                if top == Some(Quote::Backtick) {
                    stack.pop();
                } else {
                    stack.push(Quote::Backtick);
                }
                start = at + 1;
            }
            (Some(Quote::Double), _) => {}
            (Some(Quote::Subst), ')') => {
                close(&mut out, &stack, start, at, false);
                stack.pop();
                start = at + 1;
            }
            (_, '#')
                if value
                    .get(..at)
                    .is_some_and(|b| b.is_empty() || b.ends_with(char::is_whitespace)) =>
            {
                close(&mut out, &stack, start, at, false);
                while chars.next_if(|&(_, n)| n != '\n').is_some() {}
                start = chars.peek().map_or(value.len(), |&(i, _)| i);
            }
            (_, '\'') => stack.push(Quote::Single),
            (_, '"') => stack.push(Quote::Double),
            (_, '\n' | ';') => {
                close(&mut out, &stack, start, at, false);
                start = at + 1;
            }
            (_, '&' | '|') => {
                let doubled = next == Some(c);
                close(&mut out, &stack, start, at, c == '|' && !doubled);
                if doubled {
                    chars.next();
                }
                start = at + if doubled { 2 } else { 1 };
            }
            _ => {}
        }
    }
    close(&mut out, &stack, start, value.len(), false);
    out
}

/// Whether `word` can be (part of) a word of `text` once quotes and escapes are removed:
/// its bytes appear in order with nothing but quotes, backslashes and line breaks between
/// them (`vault`, `va\ult`, `"va"ult`). A line without it runs no such program: its
/// commands need not be read.
pub(crate) fn may_hold(text: &str, word: &str) -> bool {
    let skipped = |byte: &u8| matches!(byte, b'\\' | b'\'' | b'"' | b'\n' | b'\r');
    let text = text.as_bytes();
    let word = word.as_bytes();
    let Some(first) = word.first() else {
        return true;
    };
    (0..text.len()).any(|start| {
        text.get(start) == Some(first) && {
            let mut rest = text.iter().skip(start).filter(|byte| !skipped(byte));
            word.iter().all(|expected| rest.next() == Some(expected))
        }
    })
}

/// The words of a command with quotes and escapes removed.
pub(crate) fn words(command: &str) -> Vec<String> {
    Words(command.chars()).collect()
}

/// The words of a command, one after the other (see [`words`]).
struct Words<'a>(std::str::Chars<'a>);

impl Iterator for Words<'_> {
    type Item = String;

    fn next(&mut self) -> Option<String> {
        let chars = &mut self.0;
        let mut word = String::new();
        let mut quote = None;
        let mut in_word = false;
        while let Some(c) = chars.next() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some('"') | None, '\\') => {
                    if let Some(escaped) = chars.next() {
                        if escaped != '\n' {
                            word.push(escaped);
                            in_word = true;
                        } else if quote.is_none() && in_word {
                            return Some(word);
                        }
                    }
                }
                (Some(_), c) => word.push(c),
                (None, '\'' | '"') => {
                    quote = Some(c);
                    in_word = true;
                }
                (None, c) if c.is_whitespace() => {
                    if in_word {
                        return Some(word);
                    }
                }
                (None, c) => {
                    word.push(c);
                    in_word = true;
                }
            }
        }
        in_word.then_some(word)
    }
}

/// The program a command runs (its first word that is not a `NAME=value` assignment or a
/// wrapper such as `sudo`), without its directory: `/usr/bin/base64 -w0` → `base64`.
pub(crate) fn program(words: &[String]) -> Option<&str> {
    let word = words.iter().find(|word| names_program(word))?;
    Some(word.rsplit('/').next().unwrap_or(word))
}

/// [`program`] of a command's text, reading only the words up to the program's.
pub(crate) fn program_of(command: &str) -> Option<String> {
    let word = Words(command.chars()).find(|word| names_program(word))?;
    Some(word.rsplit('/').next().unwrap_or(&word).to_string())
}

/// Whether a word of a command, read from its start, is the program it runs.
fn names_program(word: &str) -> bool {
    const WRAPPERS: &[&str] = &["sudo", "env", "exec", "time", "command", "nohup", "export"];
    !WRAPPERS.contains(&word)
        && !word.starts_with('-')
        && !word.split_once('=').is_some_and(|(name, _)| is_name(name))
}

/// Where a command's standard output goes: the target of its last `>`/`>>` (or `1>`,
/// `&>`) redirection, or the file `tee` writes.
pub(crate) fn output_file(words: &[String]) -> Option<String> {
    if program(words) == Some("tee") {
        return words
            .iter()
            .skip_while(|w| !w.ends_with("tee"))
            .skip(1)
            .find(|w| !w.starts_with('-'))
            .cloned();
    }
    let mut target = None;
    let mut iter = words.iter().peekable();
    while let Some(word) = iter.next() {
        let rest = ["&>>", "&>", "1>>", "1>", ">>", ">"]
            .iter()
            .find_map(|op| word.strip_prefix(op));
        match rest {
            Some(rest) if rest.starts_with('&') => {}
            Some("") => target = iter.peek().map(|w| w.to_string()),
            Some(rest) => target = Some(rest.to_string()),
            None => {}
        }
    }
    target
}

/// The hosts of the `scheme://host/…` URLs among `words`, lowercase (`None` for a host
/// built from variables).
pub(crate) fn url_hosts(words: &[String]) -> Vec<Option<String>> {
    words
        .iter()
        .filter_map(|w| w.split_once("://").map(|(_, rest)| rest))
        .map(|rest| {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
            let host = authority.rsplit('@').next().unwrap_or(authority);
            let host = if host.starts_with('[') {
                host.split_inclusive(']').next().unwrap_or(host)
            } else {
                host.split(':').next().unwrap_or(host)
            };
            (!host.contains('$') && !host.is_empty()).then(|| host.to_ascii_lowercase())
        })
        .collect()
}

/// A file path as scripts compare it: quotes and `${…}` braces dropped, relative to the
/// project folder (`$CI_PROJECT_DIR/` and `./` removed).
pub(crate) fn normalize_path(path: &str) -> String {
    let mut path = path.trim().replace("${", "$").replace('}', "");
    for prefix in ["$CI_PROJECT_DIR/", "$PWD/", "./"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            path = rest.to_string();
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use trustlint_parser::gitlab::Text;

    fn names(value: &str) -> Vec<(String, &str)> {
        references(value)
            .into_iter()
            .map(|r| (r.name.clone(), &value[r.start..r.end]))
            .collect()
    }

    #[test]
    fn finds_references_and_skips_escapes() {
        assert_eq!(
            names("a $X ${Y} ${Z:0:5} $$W $$$V $env:P $1 ${}"),
            vec![
                ("X".to_string(), "$X"),
                ("Y".to_string(), "${Y}"),
                ("Z".to_string(), "${Z:0:5}"),
                ("V".to_string(), "$V"),
                ("P".to_string(), "$env:P"),
            ]
        );
    }

    #[test]
    fn splits_commands_outside_quotes() {
        let line = r#"X="$(echo "$T" | base64)"; jq '.a | .b' f && echo "a;b" > out"#;
        let parts: Vec<_> = commands(line)
            .iter()
            .map(|c| (line[c.start..c.end].trim(), c.piped, c.captured))
            .collect();
        assert_eq!(
            parts,
            vec![
                ("X=\"", false, false),
                ("echo \"$T\"", true, true),
                ("base64", false, true),
                ("\"", false, false),
                ("jq '.a | .b' f", false, false),
                ("echo \"a;b\" > out", false, false),
            ]
        );
    }

    #[test]
    fn leaves_comments_out() {
        let line = "# login: --web-identity-token $T\necho a#b $X # $Y\n";
        let parts: Vec<_> = commands(line)
            .iter()
            .map(|c| line[c.start..c.end].trim())
            .collect();
        assert_eq!(parts, vec!["echo a#b $X"]);
    }

    #[test]
    fn reads_words_programs_and_outputs() {
        let w = words(r#"sudo /usr/bin/tee -a "my file" >/dev/null"#);
        assert_eq!(
            w,
            vec!["sudo", "/usr/bin/tee", "-a", "my file", ">/dev/null"]
        );
        assert_eq!(program(&w), Some("tee"));
        assert_eq!(output_file(&w).as_deref(), Some("my file"));
        assert_eq!(
            output_file(&words("cat x >/dev/null")).as_deref(),
            Some("/dev/null")
        );
        let w = words("echo \"$T\" > $AWS_WEB_IDENTITY_TOKEN_FILE 2>&1");
        assert_eq!(
            output_file(&w).as_deref(),
            Some("$AWS_WEB_IDENTITY_TOKEN_FILE")
        );
        assert_eq!(output_file(&words("printf '%s' x | tee out.jwt")), None);
        assert_eq!(
            output_file(&words("tee -a out.jwt")).as_deref(),
            Some("out.jwt")
        );
        assert_eq!(program(&words("A=1 export B")), Some("B"));
    }

    #[test]
    fn reads_url_hosts() {
        let w = words("curl -H 'x' https://user@Example.com:8443/p $VAULT_ADDR/v1 http://$H/x");
        assert_eq!(url_hosts(&w), vec![Some("example.com".to_string()), None]);
    }

    #[test]
    fn maps_pieces_of_block_scalars_to_the_file() {
        let mut sources = SourceMap::new();
        let source = "s: >\n  aws sts\n  --web-identity-token $T\n  --x $T\n";
        let file = sources.add(PathBuf::from("a.yml"), source);
        let text = Text {
            value: "aws sts --web-identity-token $T --x $T\n".into(),
            span: Span::new(file, 3, source.len()),
            via: Default::default(),
        };
        let second = text.value.rfind("$T").unwrap();
        let span = span_in(&text, &sources, second, second + 2);
        assert_eq!(span.start as usize, source.rfind("$T").unwrap());
        assert_eq!(span.len(), 2);
        // Not mappable (the piece is written differently): the whole scalar.
        let folded = text.value.find("sts --web").unwrap();
        assert_eq!(
            span_in(&text, &sources, folded, folded + 9),
            Span::new(file, 3, source.len())
        );
    }

    #[test]
    fn normalizes_paths() {
        assert_eq!(normalize_path("${CI_PROJECT_DIR}/out/t"), "out/t");
        assert_eq!(normalize_path("./t"), "t");
    }

    #[test]
    fn may_hold_sees_through_quotes_and_escapes() {
        assert!(may_hold("vault write auth/jwt/role/ci", "vault"));
        assert!(may_hold("/usr/bin/va\\ult login", "vault"));
        assert!(may_hold("\"va\"'ul't read", "vault"));
        assert!(may_hold("vvault", "vault"));
        assert!(!may_hold("vaul t write", "vault"));
        assert!(!may_hold("echo $VAULT_ADDR", "vault"));
        assert!(may_hold("anything", ""));
    }

    proptest::proptest! {
        /// A line `may_hold` rejects has no word (as the script parser reads them, quotes
        /// and escapes removed) that holds the word: lines made of the word's letters with
        /// quotes, escapes, blanks and operators between and around them.
        #[test]
        fn may_hold_never_rejects_a_line_with_the_word(
            before in "[ '\"\\\\x;|$()]{0,6}",
            gaps in proptest::collection::vec("['\"\\\\\n x]{0,2}", 5),
            after in "[ '\"\\\\x;|$()]{0,6}",
        ) {
            let mut text = before;
            for (letter, gap) in "vault".chars().zip(&gaps) {
                text.push(letter);
                text.push_str(gap);
            }
            text.push_str(&after);
            let commands = trustlint_parser::script::commands(trustlint_parser::FileId(0), &text, 0);
            let holds = commands.iter().flat_map(|c| &c.words).any(|w| w.text.contains("vault"));
            proptest::prop_assert!(may_hold(&text, "vault") || !holds, "{text:?}");
        }
    }
}
