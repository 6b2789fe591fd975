//! The resolved value tree of a GitLab CI configuration: like [`Node`], every value keeps
//! the span where it is written, and it also keeps the chain ([`Via`]) through which it
//! reached the place where it is used (YAML alias or merge key, `include:`, `extends:`,
//! `!reference`, `default:`, global `variables:`). Lists and maps are shared, not copied,
//! by the values that inherit them, and the chain of an inherited subtree is held once, on
//! its root ([`ViaChain::below`]): read the values inside with their whole chains through
//! [`Val::entries`], [`Val::items`] and [`Val::child`]. Maps hold each key once (GitLab
//! reads YAML into a hash: the last duplicate wins); unresolved `!reference` tags stay
//! [`Kind::Reference`] until resolution replaces them.

use std::borrow::Cow;
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

/// The steps ([`Via`]) through which a value travelled, nearest first, and those every
/// value inside it travelled too ([`ViaChain::below`]): a subtree reached as a whole
/// (through `extends`, `default:`, `!reference`, an include) is shared with its source,
/// not copied, and the steps of that travel are held once, on its root. The values inside
/// hold their chains as seen from the value that holds them; [`Val::entries`],
/// [`Val::items`] and [`Val::child`] give them with their whole chain. One chain is shared
/// by every value that travelled the same way, so cloning a value or its chain copies no
/// steps; it is one pointer wide.
#[derive(Clone, Debug, Default)]
pub struct ViaChain(Option<Arc<Chain>>);

#[derive(Debug)]
struct Chain {
    /// The value's own steps.
    steps: Box<[Via]>,
    /// The steps in front of the chain of every value inside it.
    below: Box<[Via]>,
}

impl ViaChain {
    /// The chain of `steps` (of a value whose insides hold their whole chains).
    pub fn new(steps: Vec<Via>) -> ViaChain {
        ViaChain::of(steps, Vec::new())
    }

    fn of(steps: Vec<Via>, below: Vec<Via>) -> ViaChain {
        if steps.is_empty() && below.is_empty() {
            ViaChain(None)
        } else {
            ViaChain(Some(Arc::new(Chain {
                steps: steps.into_boxed_slice(),
                below: below.into_boxed_slice(),
            })))
        }
    }

    /// The steps, nearest first.
    pub fn as_slice(&self) -> &[Via] {
        self.0.as_deref().map_or(&[], |chain| &chain.steps)
    }

    /// The steps every value inside travelled in front of its own, nearest first.
    pub fn below(&self) -> &[Via] {
        self.0.as_deref().map_or(&[], |chain| &chain.below)
    }

    /// This chain with `step` in front of its own steps.
    pub fn prepended(&self, step: &Via) -> ViaChain {
        ViaChain::of(
            joined(std::slice::from_ref(step), self),
            self.below().to_vec(),
        )
    }

    /// This chain with `steps` instead of its own steps (those below kept).
    pub(crate) fn with_steps(&self, steps: Vec<Via>) -> ViaChain {
        ViaChain::of(steps, self.below().to_vec())
    }

    /// The chain of the same value reached one step further away: `step` in front of its
    /// own steps and of those of everything inside it.
    fn through(&self, step: &Via) -> ViaChain {
        let step = std::slice::from_ref(step);
        ViaChain::of(joined(step, self), joined(step, self.below()))
    }

    /// The whole chain of a value held (with this chain) by a value whose chain is
    /// `holder`.
    fn held_by(&self, holder: &ViaChain) -> ViaChain {
        let above = holder.below();
        if above.is_empty() {
            return self.clone();
        }
        // Mostly a value travelled the way its holder did: then it shares the holder's chain.
        let same = |whole: &[Via], own: &[Via]| {
            whole.len() == above.len() + own.len() && whole.iter().eq(above.iter().chain(own))
        };
        if same(holder, self) && same(holder.below(), self.below()) {
            return holder.clone();
        }
        ViaChain::of(joined(above, self), joined(above, self.below()))
    }

    /// The own steps alone: for a value whose insides were given their whole chains.
    pub(crate) fn settled(&self) -> ViaChain {
        if self.below().is_empty() {
            self.clone()
        } else {
            ViaChain::new(self.as_slice().to_vec())
        }
    }

    /// Where the steps are held: the same for the same chain (not merely equal steps)
    /// while it lives; 0 for the empty chain.
    fn address(&self) -> usize {
        self.0
            .as_ref()
            .map_or(0, |chain| Arc::as_ptr(chain) as usize)
    }
}

fn joined(front: &[Via], back: &[Via]) -> Vec<Via> {
    let mut steps = Vec::with_capacity(front.len() + back.len());
    steps.extend_from_slice(front);
    steps.extend_from_slice(back);
    steps
}

/// Gives values held by one value their whole chains; values that shared a chain share
/// the whole one (a map's entries mostly travelled alike).
struct Holder<'a> {
    via: &'a ViaChain,
    done: Vec<(usize, ViaChain)>,
}

impl Holder<'_> {
    fn whole(&mut self, value: &Val) -> Val {
        let address = value.via.address();
        let via = match self.done.iter().find(|(known, _)| *known == address) {
            Some((_, whole)) => whole.clone(),
            None => {
                let whole = value.via.held_by(self.via);
                self.done.push((address, whole.clone()));
                whole
            }
        };
        Val {
            span: value.span,
            via,
            kind: value.kind.clone(),
        }
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
        self.as_slice() == other.as_slice() && self.below() == other.below()
    }
}

impl Eq for ViaChain {}

/// A resolved value.
#[derive(Clone, Debug, PartialEq)]
pub struct Val {
    /// Where the value is written.
    pub span: Span,
    /// How it got to where it is used (nearest first; empty when written in place), as
    /// seen from the value holding it (see [`ViaChain`]).
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
    /// Shared (not copied) by every clone of the value.
    Seq(Arc<[Val]>),
    Map(Arc<[Field]>),
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
                // Equal keys are one shared text: a small map finds a duplicate by address.
                let mut index: Option<HashMap<Arc<str>, usize>> =
                    (entries.len() > SMALL_MAP).then(|| HashMap::with_capacity(entries.len()));
                for entry in entries {
                    let field = Field {
                        key: Spanned::new(
                            shared(texts, &entry.key.scalar_text().unwrap_or_default()),
                            entry.key.span,
                        ),
                        value: Val::convert(&entry.value, &via, texts),
                    };
                    let known = match &index {
                        Some(index) => index.get(&field.key.value).copied(),
                        None => fields
                            .iter()
                            .position(|f| Arc::ptr_eq(&f.key.value, &field.key.value)),
                    };
                    match known.and_then(|i| fields.get_mut(i)) {
                        Some(existing) => *existing = field,
                        None => {
                            if let Some(index) = &mut index {
                                index.insert(field.key.value.clone(), fields.len());
                            }
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

    /// The value of `key` in a map, its chain as seen from this map ([`Val::child`] gives
    /// the whole chain).
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
    /// in the tree (held once, on this value: the tree is not copied).
    pub fn through(mut self, step: &Via) -> Val {
        self.via = self.via.through(step);
        self
    }

    /// Whether `other` is this value itself (shared, not merely equal).
    pub(crate) fn is_same(&self, other: &Val) -> bool {
        let same_kind = match (&self.kind, &other.kind) {
            (Kind::Map(mine), Kind::Map(theirs)) => Arc::ptr_eq(mine, theirs),
            (Kind::Seq(mine), Kind::Seq(theirs)) => Arc::ptr_eq(mine, theirs),
            _ => false,
        };
        same_kind && self.span == other.span && self.via.address() == other.via.address()
    }

    /// A map's entries, each value with its whole chain.
    pub fn entries(&self) -> Cow<'_, [Field]> {
        let fields = self.as_map().unwrap_or_default();
        if self.via.below().is_empty() {
            return Cow::Borrowed(fields);
        }
        let mut holder = self.holder();
        Cow::Owned(
            fields
                .iter()
                .map(|f| Field {
                    key: f.key.clone(),
                    value: holder.whole(&f.value),
                })
                .collect(),
        )
    }

    /// A list's items, each with its whole chain.
    pub fn items(&self) -> Cow<'_, [Val]> {
        let items = self.as_seq().unwrap_or_default();
        if self.via.below().is_empty() {
            return Cow::Borrowed(items);
        }
        let mut holder = self.holder();
        Cow::Owned(items.iter().map(|item| holder.whole(item)).collect())
    }

    /// The value of `key` in a map, with its whole chain.
    pub fn child(&self, key: &str) -> Option<Val> {
        self.get(key).map(|value| self.holder().whole(value))
    }

    fn holder(&self) -> Holder<'_> {
        Holder {
            via: &self.via,
            done: Vec::new(),
        }
    }

    /// The same value with the chains of what it holds made whole (one level down), so
    /// that entries can be added or replaced with their whole chains.
    pub(crate) fn settled(self) -> Val {
        if self.via.below().is_empty() {
            return self;
        }
        let kind = match &self.kind {
            Kind::Map(_) => Kind::Map(self.entries().into_owned().into()),
            Kind::Seq(_) => Kind::Seq(self.items().into_owned().into()),
            kind => kind.clone(),
        };
        Val {
            span: self.span,
            via: self.via.settled(),
            kind,
        }
    }

    /// GitLab's `Hash#deep_merge`: `over` wins; where both hold a map under the same key
    /// the maps are merged recursively; anything else (lists included) is replaced. Only
    /// the merged maps are new: every other value is shared with `self` or `over`.
    pub fn deep_merge(self, over: Val) -> Val {
        if !matches!((&self.kind, &over.kind), (Kind::Map(_), Kind::Map(_))) {
            return over;
        }
        let mut base = self.entries().into_owned();
        base.reserve(over.as_map().map_or(0, <[Field]>::len));
        for field in over.entries().iter() {
            match base.iter_mut().find(|f| f.key.value == field.key.value) {
                Some(existing) => {
                    let old = std::mem::replace(&mut existing.value, Val::null(field.value.span));
                    existing.value = old.deep_merge(field.value.clone());
                    existing.key = field.key.clone();
                }
                None => base.push(field.clone()),
            }
        }
        Val {
            span: over.span,
            via: over.via.settled(),
            kind: Kind::Map(base.into()),
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

/// The most entries of a map whose duplicate keys are found without an index.
const SMALL_MAP: usize = 32;

/// The text `text`, shared with an equal one met before (in `texts`).
fn shared(texts: &mut HashSet<Arc<str>>, text: &str) -> Arc<str> {
    if let Some(known) = texts.get(text) {
        return Arc::clone(known);
    }
    let new: Arc<str> = text.into();
    texts.insert(Arc::clone(&new));
    new
}

/// Appends `more` to a map's fields (a map is a shared slice: most are never extended).
pub(crate) fn extend_fields(fields: &mut Arc<[Field]>, more: impl IntoIterator<Item = Field>) {
    let mut all = fields.to_vec();
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

/// The texts of a scalar or of a list of scalars (non-scalars skipped), with their whole
/// chains.
pub fn texts(val: &Val) -> Vec<Text> {
    match &val.kind {
        Kind::Seq(_) => exact(val.items().iter().filter_map(Text::of)),
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
