//! The resolved value tree of a GitLab CI configuration: like [`Node`], every value keeps
//! the span where it is written, and it also keeps the chain ([`Via`]) through which it
//! reached the place where it is used (YAML alias or merge key, `include:`, `extends:`,
//! `!reference`, `default:`, global `variables:`). Maps hold each key once (GitLab reads
//! YAML into a hash: the last duplicate wins); unresolved `!reference` tags stay
//! [`Kind::Reference`] until resolution replaces them.

use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::sync::Arc;

use crate::source::{SourceFile, Span};
use crate::spanned::Spanned;
use crate::tree::{Node, Value};

/// One step of the way a value travelled from where it is written to where it is used,
/// nearest to the use first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A YAML alias (`*name`) or `<<:` merge key at `at`.
    Alias { at: Span },
    /// The file `path` was included by the `include:` entry at `at`.
    Include { path: Arc<str>, at: Span },
    /// Inherited from job `job` through the `extends:` value at `at`.
    Extends { job: Arc<str>, at: Span },
    /// Copied by the `!reference` tag at `at`.
    Reference { at: Span },
    /// Inherited from the `default:` section (or a legacy global keyword) at `at`.
    Default { at: Span },
    /// Inherited from the global `variables:` section at `at`.
    Global { at: Span },
}

/// The steps ([`Via`]) through which a value travelled, nearest first. One chain is
/// shared by every value that travelled the same way (a whole inherited subtree), so
/// cloning a value or its chain copies no steps. It is one pointer wide (a pipeline holds
/// a chain in every value and every typed text).
#[derive(Clone, Debug, Default)]
pub struct ViaChain(Option<Arc<Box<[Via]>>>);

impl ViaChain {
    /// The chain of `steps`.
    pub fn new(steps: Vec<Via>) -> ViaChain {
        if steps.is_empty() {
            ViaChain(None)
        } else {
            ViaChain(Some(Arc::new(steps.into_boxed_slice())))
        }
    }

    /// The steps, nearest first.
    pub fn as_slice(&self) -> &[Via] {
        self.0.as_deref().map_or(&[], |steps| steps)
    }

    /// This chain with `step` in front.
    pub fn prepended(&self, step: &Via) -> ViaChain {
        let mut steps = Vec::with_capacity(self.len() + 1);
        steps.push(step.clone());
        steps.extend_from_slice(self);
        ViaChain::new(steps)
    }

    /// Where the steps are held: the same for the same chain (not merely equal steps)
    /// while it lives; 0 for the empty chain.
    fn address(&self) -> usize {
        self.0
            .as_ref()
            .map_or(0, |steps| Arc::as_ptr(steps) as usize)
    }
}

impl Deref for ViaChain {
    type Target = [Via];

    fn deref(&self) -> &[Via] {
        self.as_slice()
    }
}

impl PartialEq for ViaChain {
    fn eq(&self, other: &ViaChain) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for ViaChain {}

/// A resolved value.
#[derive(Clone, Debug, PartialEq)]
pub struct Val {
    /// Where the value is written.
    pub span: Span,
    /// How it got to where it is used (nearest first); empty when written in place.
    pub via: ViaChain,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Null,
    Bool(bool),
    /// A number as written.
    Number(Arc<str>),
    /// Text; shared (not copied) by every clone of the value and by its [`Text`]s.
    String(Arc<str>),
    Seq(Box<[Val]>),
    Map(Box<[Field]>),
    /// An unresolved `!reference [job, key, …]`; the path items as written.
    Reference(Box<[Spanned<String>]>),
}

/// One `key: value` entry of a resolved map.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The key; shared by the field's clones.
    pub key: Spanned<Arc<str>>,
    pub value: Val,
}

impl Val {
    /// Converts a spanned tree, turning `!reference` tags into [`Kind::Reference`], alias
    /// and merge sites into [`Via::Alias`] (on the aliased value and everything inside
    /// it), and keeping the last of duplicate keys. Equal keys and scalars share one
    /// text (a pipeline writes `script`, `stage`, `when` … in every job).
    pub fn from_node(node: &Node) -> Val {
        Val::convert(node, &ViaChain::default(), &mut HashSet::new())
    }

    fn convert(node: &Node, inherited: &ViaChain, texts: &mut HashSet<Arc<str>>) -> Val {
        let via = match node.used_at.map(|at| Via::Alias { at }) {
            Some(step) if !inherited.contains(&step) => inherited.prepended(&step),
            _ => inherited.clone(),
        };
        let kind = match &node.value {
            Value::Seq(items) if node.tag.as_deref() == Some("!reference") => Kind::Reference(
                items
                    .iter()
                    .map(|item| Spanned::new(item.scalar_text().unwrap_or_default(), item.span))
                    .collect(),
            ),
            Value::Null => Kind::Null,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Number(n) => Kind::Number(shared(texts, n)),
            Value::String(s) => Kind::String(shared(texts, s)),
            Value::Seq(items) => {
                Kind::Seq(items.iter().map(|i| Val::convert(i, &via, texts)).collect())
            }
            Value::Map(entries) => {
                let mut fields: Vec<Field> = Vec::with_capacity(entries.len());
                let mut index: HashMap<Arc<str>, usize> = HashMap::with_capacity(entries.len());
                for entry in entries {
                    let field = Field {
                        key: Spanned::new(
                            shared(texts, &entry.key.scalar_text().unwrap_or_default()),
                            entry.key.span,
                        ),
                        value: Val::convert(&entry.value, &via, texts),
                    };
                    match index.get(&field.key.value).and_then(|&i| fields.get_mut(i)) {
                        Some(existing) => *existing = field,
                        None => {
                            index.insert(field.key.value.clone(), fields.len());
                            fields.push(field);
                        }
                    }
                }
                Kind::Map(fields.into())
            }
        };
        Val {
            span: node.span,
            via,
            kind,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[Field]> {
        match &self.kind {
            Kind::Map(fields) => Some(fields),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Val]> {
        match &self.kind {
            Kind::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The value of `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Val> {
        self.field(key).map(|f| &f.value)
    }

    /// The entry of `key` in a map.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.as_map()?.iter().find(|f| f.key.value.as_ref() == key)
    }

    /// A scalar as the text GitLab sees (`true`, `12`, text); `None` for null, containers
    /// and references.
    pub fn scalar_text(&self) -> Option<Arc<str>> {
        match &self.kind {
            Kind::String(s) | Kind::Number(s) => Some(Arc::clone(s)),
            Kind::Bool(b) => Some(if *b { "true" } else { "false" }.into()),
            Kind::Null | Kind::Seq(_) | Kind::Map(_) | Kind::Reference(_) => None,
        }
    }

    /// A word for the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Number(_) => "a number",
            Kind::String(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a map",
            Kind::Reference(_) => "a !reference",
        }
    }

    /// Does the tree hold an unresolved `!reference`?
    pub fn has_reference(&self) -> bool {
        match &self.kind {
            Kind::Reference(_) => true,
            Kind::Seq(items) => items.iter().any(Val::has_reference),
            Kind::Map(fields) => fields.iter().any(|f| f.value.has_reference()),
            Kind::Null | Kind::Bool(_) | Kind::Number(_) | Kind::String(_) => false,
        }
    }

    /// The number of values in the tree (this one included).
    pub fn size(&self) -> usize {
        1 + match &self.kind {
            Kind::Seq(items) => items.iter().map(Val::size).sum(),
            Kind::Map(fields) => fields.iter().map(|f| f.value.size()).sum(),
            Kind::Null | Kind::Bool(_) | Kind::Number(_) | Kind::String(_) | Kind::Reference(_) => {
                0
            }
        }
    }

    /// The same value reached one step further away: `step` goes in front of every chain
    /// in the tree.
    pub fn through(mut self, step: &Via) -> Val {
        self.prepend(step, &mut HashMap::new());
        self
    }

    /// Puts `step` in front of every chain of the tree. `done` maps each chain replaced
    /// so far (by [`ViaChain::address`]) to itself and its replacement: values that
    /// shared a chain share its replacement.
    fn prepend(&mut self, step: &Via, done: &mut HashMap<usize, (ViaChain, ViaChain)>) {
        let (_, new) = done
            .entry(self.via.address())
            .or_insert_with(|| (self.via.clone(), self.via.prepended(step)));
        self.via = new.clone();
        match &mut self.kind {
            Kind::Seq(items) => items.iter_mut().for_each(|item| item.prepend(step, done)),
            Kind::Map(fields) => fields.iter_mut().for_each(|f| f.value.prepend(step, done)),
            Kind::Null | Kind::Bool(_) | Kind::Number(_) | Kind::String(_) | Kind::Reference(_) => {
            }
        }
    }

    /// GitLab's `Hash#deep_merge`: `over` wins; where both hold a map under the same key
    /// the maps are merged recursively; anything else (lists included) is replaced.
    pub fn deep_merge(self, over: Val) -> Val {
        match (self.kind, over.kind) {
            (Kind::Map(base), Kind::Map(over_fields)) => {
                let mut base = base.into_vec();
                for field in over_fields {
                    match base.iter_mut().find(|f| f.key.value == field.key.value) {
                        Some(existing) => {
                            let old =
                                std::mem::replace(&mut existing.value, Val::null(field.value.span));
                            existing.value = old.deep_merge(field.value);
                            existing.key = field.key;
                        }
                        None => base.push(field),
                    }
                }
                Val {
                    span: over.span,
                    via: over.via,
                    kind: Kind::Map(base.into()),
                }
            }
            (_, kind) => Val {
                span: over.span,
                via: over.via,
                kind,
            },
        }
    }

    pub(crate) fn null(span: Span) -> Val {
        Val {
            span,
            via: ViaChain::default(),
            kind: Kind::Null,
        }
    }
}

/// The text `text`, shared with an equal one met before (in `texts`).
fn shared(texts: &mut HashSet<Arc<str>>, text: &str) -> Arc<str> {
    if let Some(known) = texts.get(text) {
        return Arc::clone(known);
    }
    let new: Arc<str> = text.into();
    texts.insert(Arc::clone(&new));
    new
}

/// Appends `more` to a map's fields (a map is a boxed slice: most are never extended).
pub(crate) fn extend_fields(fields: &mut Box<[Field]>, more: impl IntoIterator<Item = Field>) {
    let mut all = std::mem::take(fields).into_vec();
    all.extend(more);
    *fields = all.into();
}

/// A scalar of the model as text, with where it is written and how it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// The text, shared with the value it was read from.
    pub value: Arc<str>,
    pub span: Span,
    pub via: ViaChain,
}

impl Text {
    /// The scalar `val` as text; `None` for null, containers and references.
    pub fn of(val: &Val) -> Option<Text> {
        Some(Text {
            value: val.scalar_text()?,
            span: val.span,
            via: val.via.clone(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The span of `self.value[range]` in the source, when it can be located exactly:
    /// the written scalar (in `file`, the file of `self.span`) holds the part as many
    /// times as the value does, so the n-th occurrence in the value is the n-th in the
    /// source (quotes, block indicators, indentation and folded line breaks between
    /// occurrences don't matter). Otherwise (escapes, a part holding whitespace that was
    /// folded, a range that is not on character boundaries) the whole scalar's span.
    pub fn span_of(&self, range: std::ops::Range<usize>, file: &SourceFile) -> Span {
        let Some(part) = self.value.get(range.clone()).filter(|p| !p.is_empty()) else {
            return self.span;
        };
        let written = file.slice(self.span);
        let Some(before) = self.value.get(..range.start) else {
            return self.span;
        };
        let index = before.match_indices(part).count();
        let in_source: Vec<usize> = written.match_indices(part).map(|(at, _)| at).collect();
        if in_source.len() != self.value.match_indices(part).count() {
            return self.span;
        }
        match in_source.get(index) {
            Some(offset) => {
                let start = self.span.range().start + offset;
                Span::new(self.span.file, start, start + part.len())
            }
            None => self.span,
        }
    }
}

/// The texts of a scalar or of a list of scalars (non-scalars skipped).
pub fn texts(val: &Val) -> Vec<Text> {
    match &val.kind {
        Kind::Seq(items) => exact(items.iter().filter_map(Text::of)),
        _ => Text::of(val).into_iter().collect(),
    }
}

/// Collects `items` without spare capacity: a pipeline's model holds thousands of short
/// lists, and a filtered collect reserves room for four items or more.
pub(crate) fn exact<T>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut list: Vec<T> = items.collect();
    list.shrink_to_fit();
    list
}
