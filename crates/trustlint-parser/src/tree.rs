//! The spanned syntax tree shared by the JSON and YAML loaders: every key and value keeps
//! the span where it is written, and (for YAML aliases and `<<:` merges) where it is used.
//! Typed models (IAM policies, GitLab CI) are built from this tree, never from text.

use crate::source::Span;

/// One value of a JSON or YAML document.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the value is written (for an alias: the anchored definition).
    pub span: Span,
    /// Where the value is used, when that differs from `span` (an alias or a `<<:` merge).
    pub used_at: Option<Span>,
    /// A YAML tag as written (`!reference`, `!Sub`, `!GetAtt`); `None` for JSON and untagged YAML.
    pub tag: Option<String>,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number, kept as its source text (`012`, `1.0`, `1e3` stay distinguishable).
    Number(String),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

/// One `key: value` pair of a map, in source order (duplicates kept).
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

impl Entry {
    /// The key as text when it is a string (YAML allows other scalars as keys).
    pub fn key_str(&self) -> Option<&str> {
        self.key.as_str()
    }
}

impl Node {
    pub fn new(span: Span, value: Value) -> Self {
        Node {
            span,
            used_at: None,
            tag: None,
            value,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The last entry with this exact key (YAML and GitLab: the last duplicate wins).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The last entry with this exact key.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?
            .iter()
            .rev()
            .find(|e| e.key_str() == Some(key))
    }

    /// A scalar as the string AWS or GitLab would see (`true`, `12`, text); `None` for
    /// null and containers.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A word for the value's type, for messages ("expected a string, found a list").
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// The span where the value is used (an alias site), else where it is written.
    pub fn use_span(&self) -> Span {
        self.used_at.unwrap_or(self.span)
    }
}
