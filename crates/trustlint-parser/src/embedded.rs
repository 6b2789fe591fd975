//! Policies written inside strings (a JSON string in CloudFormation or `get-role` output,
//! a Terraform heredoc, URL-encoded export documents): the string is decoded, re-parsed
//! with the strict JSON loader, and every span of the inner tree is mapped back through
//! the escapes to the file through an [`OffsetMap`], falling back to the span of the
//! whole string literal when the mapping is unknown.

use crate::iam::{load_policy, PolicyDocument};
use crate::json::parse_json;
use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::Span;
use crate::tree::{Entry, Node, Value};

/// Maps byte offsets of a decoded string to byte offsets of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetMap {
    /// The literal's span: where an offset that can't be mapped points.
    literal: Span,
    /// `outer[i]`: file offset of the source text that produced decoded byte `i`;
    /// `outer[len]`: the end of the source text. Empty when the mapping is unknown.
    outer: Vec<usize>,
}

impl OffsetMap {
    /// Every inner offset maps to the whole literal.
    pub fn whole(literal: Span) -> Self {
        OffsetMap {
            literal,
            outer: Vec::new(),
        }
    }

    /// The decoded text of the JSON string literal `raw` (quotes included) written at
    /// `literal` in the file, and its map. `None` when `raw` is not a JSON string literal.
    pub fn json_literal(raw: &str, literal: Span) -> Option<(String, OffsetMap)> {
        let body = raw.strip_prefix('"')?.strip_suffix('"')?;
        let base = literal.start as usize + 1;
        let mut decoded = String::with_capacity(body.len());
        let mut outer = Vec::with_capacity(body.len() + 1);
        let mut chars = body.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let produced = if c == '\\' {
                let (_, escape) = chars.next()?;
                match escape {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let unit = hex_unit(&mut chars)?;
                        if (0xD800..0xDC00).contains(&unit) {
                            let (_, backslash) = chars.next()?;
                            let (_, u) = chars.next()?;
                            if backslash != '\\' || u != 'u' {
                                return None;
                            }
                            let low = hex_unit(&mut chars)?;
                            let code =
                                0x10000 + ((unit - 0xD800) << 10) + (low.checked_sub(0xDC00)?);
                            char::from_u32(code)?
                        } else {
                            char::from_u32(unit)?
                        }
                    }
                    _ => return None,
                }
            } else {
                c
            };
            let before = decoded.len();
            decoded.push(produced);
            outer.extend(std::iter::repeat_n(base + at, decoded.len() - before));
        }
        outer.push(base + body.len());
        Some((decoded, OffsetMap { literal, outer }))
    }

    /// The map of `decoded`, a text whose lines are written in the file inside `literal`
    /// (`raw` is the literal's text) in order, possibly indented (YAML block scalars,
    /// heredocs, plain text). Lines not found fall back to the whole literal.
    pub fn by_lines(raw: &str, literal: Span, decoded: &str) -> OffsetMap {
        let mut builder = OffsetMap::builder(literal);
        match builder.lines(decoded, raw, literal.start as usize) {
            Some(end) => builder.finish(end),
            None => OffsetMap::whole(literal),
        }
    }

    /// Decodes `%XX` escapes (RFC 3986, as IAM returns policy documents) in `text`, which
    /// this map maps, and returns the decoded text with the composed map. `None` when
    /// the result is not UTF-8 or an escape is broken.
    pub fn percent_decode(&self, text: &str) -> Option<(String, OffsetMap)> {
        let bytes = text.as_bytes();
        let mut decoded = Vec::with_capacity(bytes.len());
        let mut outer = Vec::with_capacity(bytes.len() + 1);
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            outer.push(self.outer_offset(at));
            if byte == b'%' {
                let hex = text.get(at + 1..at + 3)?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                at += 3;
            } else {
                decoded.push(byte);
                at += 1;
            }
        }
        outer.push(self.outer_offset(bytes.len()));
        let decoded = String::from_utf8(decoded).ok()?;
        let outer = if self.outer.is_empty() {
            Vec::new()
        } else {
            outer
        };
        Some((
            decoded,
            OffsetMap {
                literal: self.literal,
                outer,
            },
        ))
    }

    /// Starts a map built piece by piece (see [`OffsetMapBuilder`]).
    pub fn builder(literal: Span) -> OffsetMapBuilder {
        OffsetMapBuilder {
            literal,
            outer: Vec::new(),
        }
    }

    fn outer_offset(&self, inner: usize) -> usize {
        self.outer
            .get(inner)
            .copied()
            .unwrap_or(self.literal.start as usize)
    }

    /// The file span of an inner span (of a tree parsed from the decoded text).
    pub fn span(&self, inner: Span) -> Span {
        match (
            self.outer.get(inner.start as usize),
            self.outer.get(inner.end as usize),
        ) {
            (Some(&start), Some(&end)) if start <= end => Span::new(self.literal.file, start, end),
            _ => self.literal,
        }
    }

    /// The tree with every span mapped to the file.
    pub fn node(&self, node: Node) -> Node {
        let value = match node.value {
            Value::Seq(items) => Value::Seq(items.into_iter().map(|n| self.node(n)).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|e| Entry {
                        key: self.node(e.key),
                        value: self.node(e.value),
                    })
                    .collect(),
            ),
            scalar => scalar,
        };
        Node {
            span: self.span(node.span),
            used_at: node.used_at.map(|s| self.span(s)),
            tag: node.tag,
            value,
        }
    }

    /// The problem with its span mapped to the file.
    pub fn problem(&self, mut problem: Problem) -> Problem {
        problem.span = self.span(problem.span);
        problem
    }
}

/// Builds an [`OffsetMap`] from the pieces of a decoded text: pieces copied verbatim
/// from the file and pieces (evaluated interpolations) that map to one span as a whole.
#[derive(Debug)]
pub struct OffsetMapBuilder {
    literal: Span,
    outer: Vec<usize>,
}

impl OffsetMapBuilder {
    /// `len` decoded bytes written verbatim at file offset `start`.
    pub fn verbatim(&mut self, len: usize, start: usize) {
        self.outer.extend((0..len).map(|i| start + i));
    }

    /// `len` decoded bytes produced by the text at `span`.
    pub fn produced_by(&mut self, len: usize, span: Span) {
        self.outer
            .extend(std::iter::repeat_n(span.start as usize, len));
    }

    /// `decoded` found line by line, in order, in `raw` written at file offset `start`
    /// (dedented heredocs, YAML block scalars). Returns the file offset after the last
    /// line; `None` when a line is not found.
    pub fn lines(&mut self, decoded: &str, raw: &str, start: usize) -> Option<usize> {
        let mut cursor = 0;
        for line in decoded.split_inclusive('\n') {
            let content = line.trim_end_matches('\n');
            let at = cursor + raw.get(cursor..)?.find(content)?;
            self.verbatim(content.len(), start + at);
            cursor = at + content.len();
            if content.len() < line.len() {
                self.verbatim(1, start + cursor);
                cursor += 1;
            }
        }
        Some(start + cursor.min(raw.len()))
    }

    /// The map, the decoded text ending at file offset `end`.
    pub fn finish(mut self, end: usize) -> OffsetMap {
        self.outer.push(end);
        OffsetMap {
            literal: self.literal,
            outer: self.outer,
        }
    }
}

fn hex_unit(chars: &mut impl Iterator<Item = (usize, char)>) -> Option<u32> {
    let mut unit = 0;
    for _ in 0..4 {
        let (_, digit) = chars.next()?;
        unit = unit * 16 + digit.to_digit(16)?;
    }
    Some(unit)
}

/// The decoded text of a string node and its offset map: JSON string literals are
/// unescaped, other strings (YAML, HCL) are found line by line in the file text.
pub fn string_with_map(node: &Node, file_text: &str) -> Option<(String, OffsetMap)> {
    let decoded = node.as_str()?;
    let raw = file_text.get(node.span.range()).unwrap_or_default();
    if raw.starts_with('"') {
        if let Some(found) = OffsetMap::json_literal(raw, node.span) {
            if found.0 == decoded {
                return Some(found);
            }
        }
    }
    Some((
        decoded.to_string(),
        OffsetMap::by_lines(raw, node.span, decoded),
    ))
}

/// Parses the JSON text `decoded` (URL-encoded or not) into a tree whose spans point
/// into the file through `map`.
pub fn parse_embedded(decoded: &str, map: &OffsetMap, limits: &Limits) -> Result<Node, Problem> {
    let trimmed = decoded.trim_start();
    if trimmed.starts_with("%7B") || trimmed.starts_with("%7b") {
        if let Some((text, map)) = map.percent_decode(decoded) {
            return parse_mapped(&text, &map, limits);
        }
    }
    parse_mapped(decoded, map, limits)
}

fn parse_mapped(text: &str, map: &OffsetMap, limits: &Limits) -> Result<Node, Problem> {
    match parse_json(map.literal.file, text, limits) {
        Ok(node) => Ok(map.node(node)),
        Err(problem) => Err(map.problem(problem)),
    }
}

/// A policy document given as a map or as a string holding JSON: loaded with its spans in
/// the file. Problems (a string that is not JSON: `Parse`; what AWS rejects: TL002) are
/// pushed; `None` when no document could be read.
pub fn load_policy_value(
    node: &Node,
    file_text: &str,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> Option<PolicyDocument> {
    match &node.value {
        Value::Map(_) => load_policy(node, problems),
        Value::String(_) => {
            let (decoded, map) = string_with_map(node, file_text)?;
            match parse_embedded(&decoded, &map, limits) {
                Ok(root) => load_policy(&root, problems),
                Err(problem) => {
                    problems.push(not_json(problem));
                    None
                }
            }
        }
        _ => None,
    }
}

/// A string that should hold a policy but is not JSON: AWS rejects it (TL002), and
/// the rest of the file is still checked.
pub fn not_json(problem: Problem) -> Problem {
    Problem::invalid_policy(
        problem.span,
        format!(
            "this policy document is not valid JSON: {}",
            problem.message
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileId;

    fn file_span(text: &str, needle: &str) -> Span {
        let at = text.find(needle).unwrap();
        Span::new(FileId(0), at, at + needle.len())
    }

    #[test]
    fn json_literal_maps_through_escapes() {
        let text = r#"{"Doc": "{\"Effect\":\"Allow\",\"Sid\":\"\u00e9x\"}"}"#;
        let literal = file_span(text, r#""{\"Effect"#);
        let literal = Span::new(FileId(0), literal.start as usize, text.len() - 1);
        let (decoded, map) = OffsetMap::json_literal(&text[literal.range()], literal).unwrap();
        assert_eq!(decoded, r#"{"Effect":"Allow","Sid":"éx"}"#);
        let root = parse_embedded(&decoded, &map, &Limits::default()).unwrap();
        let effect = root.get("Effect").unwrap();
        assert_eq!(&text[effect.span.range()], r#"\"Allow\""#);
        let sid = root.get("Sid").unwrap();
        assert_eq!(&text[sid.span.range()], r#"\"\u00e9x\""#);
    }

    #[test]
    fn percent_encoded_inside_json_literal() {
        let text = r#"{"D": "%7B%22Effect%22%3A%22Allow%22%7D"}"#;
        let literal = file_span(text, r#""%7B%22Effect%22%3A%22Allow%22%7D""#);
        let (decoded, map) = OffsetMap::json_literal(&text[literal.range()], literal).unwrap();
        let root = parse_embedded(&decoded, &map, &Limits::default()).unwrap();
        let effect = root.get("Effect").unwrap();
        assert_eq!(effect.as_str(), Some("Allow"));
        assert_eq!(&text[effect.span.range()], "%22Allow%22");
    }

    #[test]
    fn lines_of_an_indented_block() {
        let text = "doc: |\n    {\n      \"Effect\": \"Deny\"\n    }\nnext: 1\n";
        let literal = file_span(text, "|\n    {\n      \"Effect\": \"Deny\"\n    }\n");
        let decoded = "{\n  \"Effect\": \"Deny\"\n}\n";
        let map = OffsetMap::by_lines(&text[literal.range()], literal, decoded);
        let root = parse_embedded(decoded, &map, &Limits::default()).unwrap();
        let effect = root.get("Effect").unwrap();
        assert_eq!(&text[effect.span.range()], "\"Deny\"");
    }

    #[test]
    fn unknown_mapping_falls_back_to_the_literal() {
        let literal = Span::new(FileId(0), 5, 20);
        let map = OffsetMap::whole(literal);
        let root = parse_embedded(r#"{"a": 1}"#, &map, &Limits::default()).unwrap();
        assert_eq!(root.get("a").unwrap().span, literal);
        let problem = parse_embedded("{", &map, &Limits::default()).unwrap_err();
        assert_eq!(problem.span, literal);
    }
}
