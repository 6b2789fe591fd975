//! Shell scripts as simple commands: the words of each command (quotes removed, each
//! with the span of its raw text) and the here-documents it feeds, which is what the
//! relying-party readers need to find `vault write auth/…/role/…`, `gcloud iam
//! workload-identity-pools providers create-oidc …` or `az ad app federated-credential
//! create --parameters …` — not a shell interpreter: no expansion, no control flow
//! (`if`, `for`, `case` words are ordinary words), `$(…)` and `` `…` `` kept inside
//! their word.
//!
//! A `*.sh` file is an input ([`crate::input`]): its loader reads its commands with
//! every relying-party reader.

use crate::source::{FileId, Span};

/// At most this many commands are read from one text (a bound against hostile input).
pub const MAX_COMMANDS: usize = 100_000;

/// One word of a command, its quotes removed (`\` escapes applied outside single quotes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// The raw word, quotes included.
    pub span: Span,
    /// Whether any part of the word was quoted.
    pub quoted: bool,
}

/// A here-document (`<<EOF` … `EOF`): its body verbatim, so offsets in `body` are offsets
/// from `span.start` in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    pub body: String,
    pub span: Span,
    /// `false` for a quoted delimiter (`<<'EOF'`): the shell expands nothing in the body.
    pub expands: bool,
}

/// A simple command: its words (redirections are words too) and its here-documents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<Word>,
    pub heredocs: Vec<Heredoc>,
    pub span: Span,
}

impl Command {
    /// The words' texts.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(|w| w.text.as_str())
    }

    /// Whether the command's first words are `prefix` (e.g. `["vault", "write"]`).
    pub fn starts_with(&self, prefix: &[&str]) -> bool {
        self.words.len() >= prefix.len() && self.words.iter().zip(prefix).all(|(w, p)| w.text == *p)
    }
}

/// The commands of `text`, whose first byte is at `offset` in `file`.
pub fn commands(file: FileId, text: &str, offset: usize) -> Vec<Command> {
    Splitter {
        file,
        text,
        offset,
        at: 0,
        out: Vec::new(),
    }
    .run()
}

/// Whether a file name makes a file a shell script (`*.sh`, `*.bash`).
pub fn is_script_name(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "sh" || ext == "bash")
}

struct Splitter<'t> {
    file: FileId,
    text: &'t str,
    offset: usize,
    at: usize,
    out: Vec<Command>,
}

/// A here-document whose body starts on the line after its command.
struct Pending {
    delimiter: String,
    strip_tabs: bool,
    expands: bool,
    command: usize,
}

impl Splitter<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.offset + start, self.offset + end)
    }

    fn peek(&self) -> Option<char> {
        self.text
            .get(self.at..)
            .and_then(|rest| rest.chars().next())
    }

    fn run(mut self) -> Vec<Command> {
        let mut words: Vec<Word> = Vec::new();
        let mut start = 0;
        let mut pending: Vec<Pending> = Vec::new();
        while let Some(c) = self.peek() {
            if self.out.len() >= MAX_COMMANDS {
                break;
            }
            match c {
                ' ' | '\t' | '\r' => self.at += 1,
                '\\' if self
                    .text
                    .get(self.at + 1..)
                    .is_some_and(|r| r.starts_with('\n')) =>
                {
                    self.at += 2
                }
                '#' => self.skip_line(),
                '\n' | ';' | '&' | '|' | '(' | ')' => {
                    self.at += 1;
                    self.finish(&mut words, start);
                    if c == '\n' {
                        for heredoc in pending.drain(..) {
                            let body = self.heredoc_body(&heredoc);
                            if let Some(command) = self.out.get_mut(heredoc.command) {
                                command.heredocs.push(body);
                            }
                        }
                    }
                    start = self.at;
                }
                '<' if self
                    .text
                    .get(self.at..)
                    .is_some_and(|r| r.starts_with("<<")) =>
                {
                    let heredoc = self.heredoc_operator(&mut words);
                    if let Some(mut heredoc) = heredoc {
                        // The command is pushed when it ends; it will be at this index.
                        heredoc.command = self.out.len();
                        pending.push(heredoc);
                    }
                }
                _ => {
                    if words.is_empty() {
                        start = self.at;
                    }
                    let word = self.word();
                    words.push(word);
                }
            }
        }
        self.finish(&mut words, start);
        self.out
    }

    fn skip_line(&mut self) {
        let rest = self.text.get(self.at..).unwrap_or_default();
        self.at += rest.find('\n').unwrap_or(rest.len());
    }

    fn finish(&mut self, words: &mut Vec<Word>, start: usize) {
        if words.is_empty() {
            return;
        }
        let end = words
            .last()
            .map_or(start, |w| w.span.range().end - self.offset);
        let span = self.span(start, end);
        self.out.push(Command {
            words: std::mem::take(words),
            heredocs: Vec::new(),
            span,
        });
    }

    /// Reads `<<[-]DELIM`, `<<'DELIM'`, `<<"DELIM"` (or a `<<<` here-string, kept as a
    /// word).
    fn heredoc_operator(&mut self, words: &mut Vec<Word>) -> Option<Pending> {
        let rest = self.text.get(self.at..).unwrap_or_default();
        if rest.starts_with("<<<") {
            self.at += 3;
            let word = self.word();
            words.push(word);
            return None;
        }
        self.at += 2;
        let strip_tabs = self.peek() == Some('-');
        if strip_tabs {
            self.at += 1;
        }
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.at += 1;
        }
        let word = self.word();
        let expands = !word.quoted;
        (!word.text.is_empty()).then_some(Pending {
            delimiter: word.text,
            strip_tabs,
            expands,
            command: 0,
        })
    }

    /// The body of a here-document starting at the current position (a line start), up
    /// to the line holding only its delimiter (or the end of the text).
    fn heredoc_body(&mut self, pending: &Pending) -> Heredoc {
        let body_start = self.at;
        let mut body_end = self.text.len();
        let mut next = self.text.len();
        let mut line_start = self.at;
        while line_start < self.text.len() {
            let rest = self.text.get(line_start..).unwrap_or_default();
            let line_len = rest.find('\n').unwrap_or(rest.len());
            let line = rest.get(..line_len).unwrap_or_default();
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = if pending.strip_tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if line == pending.delimiter {
                body_end = line_start;
                next = (line_start + line_len + 1).min(self.text.len());
                break;
            }
            line_start += line_len + 1;
        }
        self.at = next;
        Heredoc {
            body: self
                .text
                .get(body_start..body_end)
                .unwrap_or_default()
                .to_string(),
            span: self.span(body_start, body_end),
            expands: pending.expands,
        }
    }

    /// One word from the current position: quotes removed, `$(…)`, `${…}` and `` `…` ``
    /// kept whole.
    fn word(&mut self) -> Word {
        let start = self.at;
        let mut text = String::new();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' => break,
                '<' if self
                    .text
                    .get(self.at..)
                    .is_some_and(|r| r.starts_with("<<")) =>
                {
                    break
                }
                '\'' => {
                    quoted = true;
                    self.at += 1;
                    let rest = self.text.get(self.at..).unwrap_or_default();
                    let len = rest.find('\'').unwrap_or(rest.len());
                    text.push_str(rest.get(..len).unwrap_or_default());
                    self.at = (self.at + len + 1).min(self.text.len());
                }
                '"' => {
                    quoted = true;
                    self.at += 1;
                    self.double_quoted(&mut text);
                }
                '\\' => {
                    self.at += 1;
                    if let Some(next) = self.peek() {
                        self.at += next.len_utf8();
                        if next != '\n' {
                            text.push(next);
                        }
                    }
                }
                '$' if self
                    .text
                    .get(self.at + 1..)
                    .is_some_and(|r| r.starts_with('(') || r.starts_with('{')) =>
                {
                    let open = self.at + 1;
                    let end = self.balanced(open);
                    text.push_str(self.text.get(self.at..end).unwrap_or_default());
                    self.at = end;
                }
                '`' => {
                    let rest = self.text.get(self.at + 1..).unwrap_or_default();
                    let end = rest.find('`').map_or(self.text.len(), |i| self.at + 2 + i);
                    text.push_str(self.text.get(self.at..end).unwrap_or_default());
                    self.at = end;
                }
                _ => {
                    text.push(c);
                    self.at += c.len_utf8();
                }
            }
        }
        Word {
            text,
            span: self.span(start, self.at),
            quoted,
        }
    }

    /// Inside `"…"` (the opening quote read): `\` escapes `$`, `` ` ``, `"`, `\` and a
    /// newline; the closing quote is consumed.
    fn double_quoted(&mut self, text: &mut String) {
        while let Some(c) = self.peek() {
            self.at += c.len_utf8();
            match c {
                '"' => return,
                '\\' => match self.peek() {
                    Some(next @ ('$' | '`' | '"' | '\\')) => {
                        self.at += 1;
                        text.push(next);
                    }
                    Some('\n') => self.at += 1,
                    _ => text.push('\\'),
                },
                _ => text.push(c),
            }
        }
    }

    /// The end (exclusive) of the bracketed group opening at `open` (`(` or `{`),
    /// counting nested brackets and skipping quoted text; the end of the text when it
    /// never closes.
    fn balanced(&self, open: usize) -> usize {
        let bytes = self.text.as_bytes();
        let (opening, closing) = match bytes.get(open) {
            Some(b'{') => (b'{', b'}'),
            _ => (b'(', b')'),
        };
        let mut depth = 0usize;
        let mut i = open;
        let mut quote: Option<u8> = None;
        while let Some(&b) = bytes.get(i) {
            match quote {
                Some(q) if b == q => quote = None,
                Some(b'"') if b == b'\\' => i += 1,
                Some(_) => {}
                None if b == b'\'' || b == b'"' => quote = Some(b),
                None if b == b'\\' => i += 1,
                None if b == opening => depth += 1,
                None if b == closing => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                None => {}
            }
            i += 1;
        }
        self.text.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Vec<String>> {
        commands(FileId(0), text, 0)
            .into_iter()
            .map(|c| c.words.into_iter().map(|w| w.text).collect())
            .collect()
    }

    #[test]
    fn splits_commands_and_words() {
        assert_eq!(
            words("vault write auth/jwt/role/ci \\\n  role_type=jwt 'bound_claims_type=glob' && echo \"a b\" # c\nls"),
            vec![
                vec!["vault", "write", "auth/jwt/role/ci", "role_type=jwt", "bound_claims_type=glob"],
                vec!["echo", "a b"],
                vec!["ls"],
            ]
        );
        assert_eq!(
            words("x=$(gcloud describe --format='value(name)') ; echo ${A:-b c}"),
            vec![
                vec!["x=$(gcloud describe --format='value(name)')"],
                vec!["echo", "${A:-b c}"],
            ]
        );
    }

    #[test]
    fn heredocs_keep_their_body_and_span() {
        let text = "vault write auth/jwt/role/r - <<EOF\n{\"a\": 1}\nEOF\necho done\ncat <<-'END' | x\n\tbody $X\n\tEND\n";
        let commands = commands(FileId(0), text, 10);
        assert_eq!(commands.len(), 4);
        let heredoc = &commands[0].heredocs[0];
        assert_eq!(heredoc.body, "{\"a\": 1}\n");
        let range = heredoc.span.range();
        assert_eq!(&text[range.start - 10..range.end - 10], heredoc.body);
        assert!(heredoc.expands);
        assert_eq!(commands[1].words[0].text, "echo");
        let quoted = &commands[2].heredocs[0];
        assert_eq!(quoted.body, "\tbody $X\n");
        assert!(!quoted.expands);
    }

    #[test]
    fn word_spans_cover_the_raw_word() {
        let text = "az login --federated-token \"$TOKEN\"";
        let command = &commands(FileId(0), text, 0)[0];
        let last = command.words.last().unwrap();
        assert_eq!(last.text, "$TOKEN");
        assert_eq!(&text[last.span.range()], "\"$TOKEN\"");
        assert!(command.starts_with(&["az", "login"]));
    }

    #[test]
    fn unterminated_input_ends() {
        for text in [
            "echo 'open",
            "echo \"open",
            "x $(open",
            "cat <<EOF\nno end",
            "a `b",
            "\\",
            "<<",
            "<<<",
        ] {
            let _ = commands(FileId(0), text, 0);
        }
    }
}
