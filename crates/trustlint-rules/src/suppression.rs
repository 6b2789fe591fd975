//! Inline suppressions (docs/suppressions.md): a comment
//! `# trustlint: ignore[TL101, TL104]` (or `// trustlint: …` in HCL) in a YAML or HCL
//! file silences findings of those codes starting on its own line or the line below.
//! This module reads the comments and matches them with the findings (the engine's last
//! phase, [`crate::engine::suppress`]); what is wrong with a comment (no codes, an unknown
//! code, a code that silenced nothing while its rule ran) is kept in [`Suppressions`]
//! for the rules' [`crate::Rule::check_suppressions`] hook, where TL005 reports it.

use std::collections::HashMap;
use std::path::Path;

use trustlint_parser::input::{InputKind, Workspace};
use trustlint_parser::{FileId, SourceFile, Span};

use crate::finding::Finding;
use crate::meta;

/// The comment marker after `#` or `//`.
const MARKER: &str = "trustlint:";

/// One code named in a suppression comment.
#[derive(Debug)]
struct Suppressed {
    code: String,
    /// The code's text in the comment.
    span: Span,
    used: bool,
}

/// One `trustlint: ignore[...]` comment.
#[derive(Debug)]
struct Suppression {
    /// The 1-based line of the comment; it covers this line and the next.
    line: u32,
    codes: Vec<Suppressed>,
}

/// What is wrong with one suppression comment, or one code of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flaw {
    /// A comment that is not a valid suppression (no codes, an unknown code, an unknown
    /// directive): `message` says why.
    Refused { span: Span, message: String },
    /// A code (at `span`, as `code` names it in upper case) whose rule ran and which
    /// silenced no finding.
    Unused { span: Span, code: String },
}

/// What the suppressions of a run silenced nothing with, or could not be read as: the
/// flaws of every comment, in file and line order.
#[derive(Debug, Default)]
pub struct Suppressions {
    pub flaws: Vec<Flaw>,
}

/// Removes the findings the comments of the workspace's files suppress, and returns
/// the rest with the comments' flaws. `rule_ran` tells whether a code's rule ran in this
/// run: a suppression of a rule that did not run is not unused.
pub fn apply(
    findings: Vec<Finding>,
    workspace: &Workspace,
    rule_ran: &dyn Fn(&str) -> bool,
) -> (Vec<Finding>, Suppressions) {
    let mut suppressed = vec![false; findings.len()];
    // The findings of each file, gathered when a first file has suppressions (most runs
    // have none).
    let mut by_file: Option<HashMap<FileId, Vec<usize>>> = None;
    let mut flaws = Vec::new();
    for document in &workspace.documents {
        let Some(file) = workspace.sources.get(document.file) else {
            continue;
        };
        if !(document.kind == InputKind::GitlabCi || has_comment_syntax(&file.path)) {
            continue;
        }
        let (mut suppressions, refused) = scan(file);
        flaws.extend(refused);
        if suppressions.is_empty() {
            continue;
        }
        let by_file = by_file.get_or_insert_with(|| {
            let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
            for (index, finding) in findings.iter().enumerate() {
                by_file.entry(finding.primary.file).or_default().push(index);
            }
            by_file
        });
        for &index in by_file.get(&file.id).map_or(&[][..], Vec::as_slice) {
            let Some(finding) = findings.get(index) else {
                continue;
            };
            if suppress(&mut suppressions, file, finding) {
                if let Some(flag) = suppressed.get_mut(index) {
                    *flag = true;
                }
            }
        }
        for code in suppressions.into_iter().flat_map(|s| s.codes) {
            if !code.used && rule_ran(&code.code) {
                flaws.push(Flaw::Unused {
                    span: code.span,
                    code: code.code,
                });
            }
        }
    }
    let kept: Vec<Finding> = findings
        .into_iter()
        .zip(suppressed)
        .filter_map(|(finding, suppressed)| (!suppressed).then_some(finding))
        .collect();
    (kept, Suppressions { flaws })
}

/// HCL files, where `//` also starts a comment.
fn is_hcl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "tf" || ext == "hcl")
}

/// Files whose comments can hold suppressions besides GitLab CI files.
fn has_comment_syntax(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| matches!(ext, "yml" | "yaml" | "tf" | "hcl"))
}

/// Whether a suppression on the finding's start line or the line above names its code;
/// marks the codes that matched as used.
fn suppress(suppressions: &mut [Suppression], file: &SourceFile, finding: &Finding) -> bool {
    let line = file.line_col(finding.primary.start).line;
    let lines = [line, line.saturating_sub(1)];
    let mut matched = false;
    for suppression in suppressions.iter_mut().filter(|s| lines.contains(&s.line)) {
        for code in suppression
            .codes
            .iter_mut()
            .filter(|c| c.code == finding.rule.code)
        {
            code.used = true;
            matched = true;
        }
    }
    matched
}

/// Every suppression comment of a file, and the refused ones.
fn scan(file: &SourceFile) -> (Vec<Suppression>, Vec<Flaw>) {
    let mut suppressions = Vec::new();
    let mut refused = Vec::new();
    // Most files have no comment at all: one search of the text instead of one per line.
    if !file.text.contains(MARKER) {
        return (suppressions, refused);
    }
    for line in 1..=file.line_count() {
        match parse_line(file, line) {
            Some(Ok(suppression)) => suppressions.push(suppression),
            Some(Err(problem)) => refused.push(problem),
            None => {}
        }
    }
    (suppressions, refused)
}

/// The suppression comment on a line: `None` when there is none.
fn parse_line(file: &SourceFile, line: u32) -> Option<Result<Suppression, Flaw>> {
    let text = file.line_text(line);
    let line_start = file.line_start(line);
    let (comment_at, after_marker) = find_marker(text, is_hcl(&file.path))?;
    let span_of =
        |start: usize, end: usize| Span::new(file.id, line_start + start, line_start + end);
    let comment_span = span_of(comment_at, text.len());
    let rest = text.get(after_marker..).unwrap_or_default();
    let directive = rest.trim_start();
    let directive_at = after_marker + (rest.len() - directive.len());
    let Some(after_ignore) = directive.strip_prefix("ignore") else {
        return Some(Err(Flaw::Refused {
            span: comment_span,
            message: format!(
                "unknown trustlint directive `{}`: the only one is `ignore[CODE,...]`",
                directive.split_whitespace().next().unwrap_or_default()
            ),
        }));
    };
    let Some(list) = after_ignore.strip_prefix('[') else {
        return Some(Err(Flaw::Refused {
            span: comment_span,
            message: "`trustlint: ignore` without codes is refused: it would silence every rule, including ones added later".to_string(),
        }));
    };
    let list_at = directive_at + "ignore[".len();
    let Some(close) = list.find(']') else {
        return Some(Err(Flaw::Refused {
            span: comment_span,
            message: "this `trustlint: ignore[` has no closing `]`: it suppresses nothing"
                .to_string(),
        }));
    };
    let mut codes = Vec::new();
    let mut offset = 0;
    for item in list.get(..close).unwrap_or_default().split(',') {
        let code = item.trim();
        let start = list_at + offset + (item.len() - item.trim_start().len());
        offset += item.len() + 1;
        if code.is_empty() {
            continue;
        }
        let span = span_of(start, start + code.len());
        match meta::by_code(code) {
            Some(rule) => codes.push(Suppressed {
                code: rule.code.to_string(),
                span,
                used: false,
            }),
            None => {
                return Some(Err(Flaw::Refused {
                    span,
                    message: format!(
                        "`{code}` in this suppression is not a rule code: it suppresses nothing"
                    ),
                }))
            }
        }
    }
    if codes.is_empty() {
        return Some(Err(Flaw::Refused {
            span: comment_span,
            message: "`trustlint: ignore[]` names no code: it suppresses nothing".to_string(),
        }));
    }
    Some(Ok(Suppression { line, codes }))
}

/// Where a comment holding `trustlint:` starts and where the text after the marker
/// starts: `#` (or `//` in HCL) at the start of the line or after whitespace, then spaces.
fn find_marker(text: &str, hcl: bool) -> Option<(usize, usize)> {
    let mut search_from = 0;
    while let Some(found) = text.get(search_from..)?.find(MARKER) {
        let marker_at = search_from + found;
        let before = text
            .get(..marker_at)
            .unwrap_or_default()
            .trim_end_matches([' ', '\t']);
        let comment_at = before.strip_suffix('#').map(|b| b.len()).or_else(|| {
            hcl.then(|| before.strip_suffix("//").map(|b| b.len()))
                .flatten()
        });
        if let Some(comment_at) = comment_at {
            let opens_comment = text
                .get(..comment_at)
                .unwrap_or_default()
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace);
            if opens_comment {
                return Some((comment_at, marker_at + MARKER.len()));
            }
        }
        search_from = marker_at + MARKER.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(FileId(0), PathBuf::from(".gitlab-ci.yml"), text)
    }

    #[test]
    fn parses_codes_with_their_spans() {
        let f = file("deploy:  # trustlint: ignore[TL101, tl002] because\n");
        let Some(Ok(suppression)) = parse_line(&f, 1) else {
            panic!("no suppression")
        };
        let codes: Vec<_> = suppression
            .codes
            .iter()
            .map(|c| (c.code.as_str(), f.slice(c.span)))
            .collect();
        assert_eq!(codes, [("TL101", "TL101"), ("TL002", "tl002")]);
    }

    #[test]
    fn refuses_bare_and_unknown() {
        for text in [
            "# trustlint: ignore\n",
            "#trustlint: ignore[]\n",
            "# trustlint: ignore[TL999]\n",
            "# trustlint: ignore[TL101\n",
            "# trustlint: skip[TL101]\n",
        ] {
            assert!(matches!(parse_line(&file(text), 1), Some(Err(_))), "{text}");
        }
    }

    #[test]
    fn ignores_text_that_is_not_a_comment() {
        for text in [
            "url: http://x#trustlint: ignore[TL101]\n",
            "name: trustlint: ignore[TL101]\n",
            "plain: 1\n",
        ] {
            assert!(parse_line(&file(text), 1).is_none(), "{text}");
        }
        assert!(parse_line(&file("x: 1 // trustlint: ignore[TL101]\n"), 1).is_none());
        let hcl = SourceFile::new(
            FileId(0),
            PathBuf::from("main.tf"),
            "x = 1 // trustlint: ignore[TL101]\n",
        );
        assert!(parse_line(&hcl, 1).is_some());
    }
}
