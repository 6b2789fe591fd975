//! Strict JSON loading (no comments, no trailing commas, no JSON5) into the spanned
//! [`Node`] tree, keeping the byte range of every key and value and every duplicate key.

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, ParseOptions};

use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::{FileId, Span};
use crate::tree::{Entry, Node, Value};

const BOM: &str = "\u{feff}";

/// Parses one JSON document. A syntax error or a limit gives a [`Problem`] at the place
/// it happened.
pub fn parse_json(file: FileId, text: &str, limits: &Limits) -> Result<Node, Problem> {
    let (body, shift) = match text.strip_prefix(BOM) {
        Some(rest) => (rest, BOM.len()),
        None => (text, 0),
    };
    limits.check_size(file, text.len())?;
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed =
        jsonc_parser::parse_to_ast(body, &CollectOptions::default(), &strict).map_err(|error| {
            let range = error.range();
            Problem::parse(
                Span::new(file, range.start + shift, range.end + shift),
                format!("invalid JSON: {}", error.kind()),
            )
        })?;
    let Some(value) = parsed.value else {
        return Err(Problem::parse(
            Span::new(file, 0, text.len()),
            "invalid JSON: the file holds no value",
        ));
    };
    let converter = Converter {
        file,
        shift,
        max_depth: limits.max_depth,
    };
    converter.node(&value, 0)
}

struct Converter {
    file: FileId,
    shift: usize,
    max_depth: usize,
}

impl Converter {
    fn span(&self, range: jsonc_parser::common::Range) -> Span {
        Span::new(self.file, range.start + self.shift, range.end + self.shift)
    }

    fn node(&self, value: &ast::Value<'_>, depth: usize) -> Result<Node, Problem> {
        Ok(match value {
            ast::Value::StringLit(s) => {
                Node::new(self.span(s.range), Value::String(s.value.to_string()))
            }
            ast::Value::NumberLit(n) => {
                Node::new(self.span(n.range), Value::Number(n.value.to_string()))
            }
            ast::Value::BooleanLit(b) => Node::new(self.span(b.range), Value::Bool(b.value)),
            ast::Value::NullKeyword(n) => Node::new(self.span(n.range), Value::Null),
            ast::Value::Array(array) => {
                let span = self.span(array.range);
                self.check_depth(span, depth)?;
                let items = array
                    .elements
                    .iter()
                    .map(|element| self.node(element, depth + 1))
                    .collect::<Result<_, _>>()?;
                Node::new(span, Value::Seq(items))
            }
            ast::Value::Object(object) => {
                let span = self.span(object.range);
                self.check_depth(span, depth)?;
                let entries = object
                    .properties
                    .iter()
                    .map(|prop| self.entry(prop, depth + 1))
                    .collect::<Result<_, _>>()?;
                Node::new(span, Value::Map(entries))
            }
        })
    }

    fn entry(&self, prop: &ast::ObjectProp<'_>, depth: usize) -> Result<Entry, Problem> {
        let key = match &prop.name {
            ast::ObjectPropName::String(s) => {
                Node::new(self.span(s.range), Value::String(s.value.to_string()))
            }
            ast::ObjectPropName::Word(w) => {
                Node::new(self.span(w.range), Value::String(w.value.to_string()))
            }
        };
        Ok(Entry {
            key,
            value: self.node(&prop.value, depth)?,
        })
    }

    fn check_depth(&self, span: Span, depth: usize) -> Result<(), Problem> {
        if depth >= self.max_depth {
            return Err(Problem::parse(
                Span::new(span.file, span.start as usize, span.start as usize + 1),
                format!("nesting deeper than {} levels", self.max_depth),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Node, Problem> {
        parse_json(FileId(0), text, &Limits::default())
    }

    #[test]
    fn keeps_spans_of_keys_and_values() -> Result<(), Problem> {
        let text = r#"{"a": [1, "x"], "a": true}"#;
        let root = parse(text)?;
        let entries = root.as_map().unwrap_or_default();
        assert_eq!(entries.len(), 2, "duplicate keys are kept");
        assert_eq!(&text[entries[0].key.span.range()], "\"a\"");
        let items = entries[0].value.as_seq().unwrap_or_default();
        assert_eq!(&text[items[1].span.range()], "\"x\"");
        assert_eq!(root.get("a").map(|n| &n.value), Some(&Value::Bool(true)));
        Ok(())
    }

    #[test]
    fn error_has_position() {
        let text = "{\n  \"a\": 1,\n}";
        let problem = parse(text).err();
        assert!(problem.is_some_and(|p| p.span.start > 0 && p.message.contains("invalid JSON")));
    }

    #[test]
    fn comments_and_trailing_commas_are_rejected() {
        assert!(parse("{\"a\": 1 // c\n}").is_err());
        assert!(parse("[1,]").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn bom_keeps_offsets_into_the_file() -> Result<(), Problem> {
        let text = "\u{feff}{\"a\": 1}";
        let root = parse(text)?;
        let entries = root.as_map().unwrap_or_default();
        assert_eq!(&text[entries[0].key.span.range()], "\"a\"");
        Ok(())
    }

    #[test]
    fn deep_nesting_is_a_problem_not_a_crash() {
        let text = format!("{}{}", "[".repeat(400), "]".repeat(400));
        let problem = parse(&text).err();
        assert!(problem.is_some_and(|p| p.message.contains("nesting")));
        let text = "[".repeat(100_000);
        assert!(parse(&text).is_err());
    }
}
