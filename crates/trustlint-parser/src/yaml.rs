//! YAML loading (GitLab CI, CloudFormation) into the spanned [`Node`] tree, with the
//! limits that keep hostile input (alias bombs, deep nesting) from exhausting time,
//! memory or stack.
//!
//! Built on `serde-saphyr`; what the tree holds:
//!
//! - **First document only.** A stream with several documents gives its first one; errors
//!   in later documents are ignored (Psych's `safe_load`, GitLab's loader, also stops at
//!   the first document). Garbage that is not a new document is still an error.
//!   An empty file, or one holding only comments, gives a `Null` node spanning the file.
//! - **Spans** are UTF-8 byte ranges where the value is written: a scalar's whole token
//!   (quotes included; a block scalar from its `|`/`>` indicator), a container from its
//!   opening token (`[`, `{`, the first `-`, or the first key of a block map) to the end of
//!   its last child (and its closing bracket). Tags and anchors are not part of the span.
//! - **Aliases** (`*a`) are expanded: the copied nodes keep the span of the anchored
//!   definition and get `used_at` = the alias token.
//! - **Merge keys** (`<<: *a`, `<<: [*a, *b]`) are applied: the merged entries keep the
//!   span of their definition and get `used_at` = the alias inside the `<<` entry. Entries
//!   written in the map override merged ones; merged entries come after the written ones.
//! - **Duplicate keys** are all kept, in source order (GitLab accepts them and the last one
//!   wins, which is what [`Node::get`] returns); a rule can warn about them.
//! - **Tags**: application tags are kept as written in [`Node::tag`] (`!reference`, `!Sub`,
//!   `!Ref`, `!GetAtt`, any unknown tag); the value under the tag is loaded as usual.
//!   Core-schema tags (`!!str`, `!!int`, …, and the non-specific `!`) are applied by the
//!   loader and not kept.
//! - **Scalars** follow YAML 1.1 like Ruby's Psych: `true/yes/on` and `false/no/off` (any
//!   case) are booleans, but `y`/`n` stay strings (as in Psych, unlike serde-saphyr's
//!   default); `~`, `null` and empty are null; numbers keep their source text (`012`,
//!   `0x1F`, `1_000`, `.inf`).

use std::cell::Cell;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::options::AliasLimits;
use serde_saphyr::{
    Budget, DefaultMessageFormatter, DuplicateKeyPolicy, Error as YamlError, Location,
    MergeKeyPolicy, MessageFormatter, NonFiniteFloatPolicy, Options, Spanned, Tagged,
};

use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::{FileId, Span};
use crate::tree::{Entry, Node, Value};

/// Floor of the alias replay budget: at most this many nodes may come from alias and merge
/// expansion in a small file (see [`replay_budget`]).
const MIN_REPLAYED_NODES: usize = 50_000;

/// Alias expansion may add this many nodes per byte of input above the floor, so the work
/// stays linear in the file size (capped by [`Limits::max_nodes`]).
const REPLAYED_NODES_PER_BYTE: usize = 16;

/// Stack of the parser thread: a base plus a generous allowance per nesting level
/// (measured: under 64 KiB per level in debug builds, far less in release builds).
const STACK_BASE: usize = 2 * 1024 * 1024;
const STACK_PER_LEVEL: usize = 128 * 1024;

/// Deeper limits are lowered to this, keeping the parser stack under 512 MiB.
const MAX_SUPPORTED_DEPTH: usize = (512 * 1024 * 1024 - STACK_BASE) / STACK_PER_LEVEL;

/// Prefix of the tags of the YAML core schema (`!!str` is `tag:yaml.org,2002:str`).
const CORE_TAG_PREFIX: &str = "tag:yaml.org,2002:";

thread_local! {
    /// The stack size the current thread was created with, when its creator declared it
    /// ([`declare_thread_stack`]); 0 when unknown.
    static THREAD_STACK: Cell<usize> = const { Cell::new(0) };
}

/// The stack a thread needs to parse YAML within `limits` on itself.
pub fn parser_stack_bytes(limits: &Limits) -> usize {
    let depth = limits.max_depth.min(MAX_SUPPORTED_DEPTH);
    STACK_BASE.saturating_add(depth.saturating_mul(STACK_PER_LEVEL))
}

/// Declares that the current thread was created with a stack of `bytes` bytes (call it
/// first thing on the thread, e.g. from a thread pool's start handler): [`parse_yaml`]
/// then parses on this thread whenever the stack is large enough, instead of starting a
/// thread of its own for each file (which costs more than parsing a small file, and
/// serialises the workers on the kernel's memory-map lock).
pub fn declare_thread_stack(bytes: usize) {
    THREAD_STACK.with(|stack| stack.set(bytes));
}

/// At most this many documents are read from one stream by [`parse_yaml_documents`].
pub const MAX_DOCUMENTS: usize = 1000;

/// Every document of a YAML stream (Kubernetes-style manifests separated by `---` lines),
/// each parsed as [`parse_yaml`] parses a file, its spans (and its problem's) offsets in
/// `text`; at most [`MAX_DOCUMENTS`], the last one running to the end of the text. A
/// stream of one document gives that document.
pub fn parse_yaml_documents(
    file: FileId,
    text: &str,
    limits: &Limits,
) -> Vec<Result<Node, Problem>> {
    let mut starts: Vec<usize> = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let marker = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']));
        if marker && offset > 0 && starts.len() < MAX_DOCUMENTS {
            starts.push(offset);
        }
        offset += line.len();
    }
    let mut ends: Vec<usize> = starts.iter().skip(1).copied().collect();
    ends.push(text.len());
    starts
        .iter()
        .zip(ends)
        .filter_map(|(&start, end)| Some((start, text.get(start..end)?)))
        .filter(|(_, document)| {
            // A document of nothing but its `---` marker (a trailing separator).
            let body = match document.strip_prefix("---") {
                Some(rest) => rest.split_once('\n').map_or("", |(_, body)| body),
                None => document,
            };
            !body.trim().is_empty()
        })
        .map(|(start, document)| {
            let by = u32::try_from(start).unwrap_or(u32::MAX);
            match parse_yaml(file, document, limits) {
                Ok(mut node) => {
                    shift(&mut node, by);
                    Ok(node)
                }
                Err(mut problem) => {
                    problem.span = shifted(problem.span, by);
                    Err(problem)
                }
            }
        })
        .collect()
}

/// `node` with every span moved `by` bytes later (a document parsed apart from the text
/// before it).
fn shift(node: &mut Node, by: u32) {
    node.span = shifted(node.span, by);
    node.used_at = node.used_at.map(|span| shifted(span, by));
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|item| shift(item, by)),
        Value::Map(entries) => entries.iter_mut().for_each(|entry| {
            shift(&mut entry.key, by);
            shift(&mut entry.value, by);
        }),
        _ => {}
    }
}

fn shifted(span: Span, by: u32) -> Span {
    Span {
        start: span.start.saturating_add(by),
        end: span.end.saturating_add(by),
        ..span
    }
}

pub fn parse_yaml(file: FileId, text: &str, limits: &Limits) -> Result<Node, Problem> {
    limits.check_size(file, text.len())?;
    // serde-saphyr recurses once per nesting level, with large frames in debug builds
    // (depth 128 needs 4-8 MiB): parse on a thread whose stack fits the depth limit.
    let limits = Limits {
        max_depth: limits.max_depth.min(MAX_SUPPORTED_DEPTH),
        ..*limits
    };
    let stack = parser_stack_bytes(&limits);
    if THREAD_STACK.with(Cell::get) >= stack {
        return parse_here(file, text, &limits);
    }
    let start_failed = |message: String| Problem::parse(Span::new(file, 0, 0), message);
    std::thread::scope(|scope| {
        let parser = std::thread::Builder::new()
            .name("trustlint-yaml".to_string())
            .stack_size(stack)
            .spawn_scoped(scope, || parse_here(file, text, &limits));
        match parser {
            Ok(parser) => parser.join().unwrap_or_else(|_| {
                Err(start_failed(
                    "internal error: the YAML parser panicked".to_string(),
                ))
            }),
            Err(error) => Err(start_failed(format!(
                "cannot start a thread to parse YAML: {error}"
            ))),
        }
    })
}

/// [`parse_yaml`] on the current thread, whose stack must fit `limits.max_depth`.
fn parse_here(file: FileId, text: &str, limits: &Limits) -> Result<Node, Problem> {
    let replay = replay_budget(text.len(), limits);
    let mut first: Option<Item> = None;
    let outcome = serde_saphyr::with_deserializer_from_str_with_options(
        text,
        options(limits, replay),
        |de| {
            first = Some(Item::deserialize(de)?);
            Ok(())
        },
    );
    let converter = Converter {
        file,
        text,
        max_depth: limits.max_depth,
    };
    match (outcome, first) {
        (Ok(()), Some(root)) => converter.root(root),
        (Err(error), Some(root)) => {
            // The first document was read; the error comes after it. Keep the document when
            // the error belongs to a later document, as GitLab does.
            let root = converter.node(root, 0, false)?;
            let error_at = converter.error_span(&error).start as usize;
            if is_multiple_documents(&error)
                || document_marker_between(text, root.span.end as usize, error_at)
            {
                Ok(converter.whole_file_if_empty(root))
            } else {
                Err(converter.problem(&error, limits, replay))
            }
        }
        (Err(error), None) => Err(converter.problem(&error, limits, replay)),
        (Ok(()), None) => Ok(Node::new(Span::new(file, 0, text.len()), Value::Null)),
    }
}

/// How many nodes alias and merge expansion may produce for a file of `len` bytes.
fn replay_budget(len: usize, limits: &Limits) -> usize {
    len.saturating_mul(REPLAYED_NODES_PER_BYTE)
        .max(MIN_REPLAYED_NODES)
        .min(limits.max_nodes)
}

fn options(limits: &Limits, replay: usize) -> Options {
    let mut budget = Budget::default();
    budget.max_depth = limits.max_depth;
    budget.max_aliases = limits.max_aliases;
    budget.max_nodes = limits.max_nodes;
    // Every node is at least one event; leave room for ends so `max_nodes` is the real cap.
    budget.max_events = budget.max_events.max(limits.max_nodes.saturating_mul(3));
    // Flow collections deeper than the limit are rejected by the scanner itself.
    budget.flow_nesting_limit = budget.flow_nesting_limit.min(limits.max_depth);
    // The aliases-per-anchor heuristic rejects ordinary CI files (one `&defaults` merged
    // into 150 jobs); the alias count and the replay budget bound the work instead.
    budget.enforce_alias_anchor_ratio = false;

    let mut alias_limits = AliasLimits::default();
    alias_limits.max_total_replayed_events = replay;

    let mut options = Options::default();
    options.budget = Some(budget);
    options.alias_limits = alias_limits;
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    options.merge_keys = MergeKeyPolicy::Merge;
    options.non_finite_float_policy = NonFiniteFloatPolicy::PassThrough;
    options.ignore_binary_tag_for_string = true;
    options.emit_comments = false;
    options.with_snippet = false;
    options
}

fn is_multiple_documents(error: &YamlError) -> bool {
    matches!(innermost(error), YamlError::MultipleDocuments { .. })
}

/// Whether a line between `from` and `to` starts with a document marker (`---` or `...`).
fn document_marker_between(text: &str, from: usize, to: usize) -> bool {
    let Some(between) = text.get(from.min(to)..to.min(text.len())) else {
        // Not on character boundaries: look at the bytes instead.
        let bytes = text.as_bytes();
        let range = from.min(to).min(bytes.len())..to.min(bytes.len());
        return bytes
            .get(range)
            .is_some_and(|b| marker_after_newline(b.split(|&c| c == b'\n').skip(1)));
    };
    marker_after_newline(between.as_bytes().split(|&c| c == b'\n').skip(1))
}

fn marker_after_newline<'a>(mut lines: impl Iterator<Item = &'a [u8]>) -> bool {
    lines.any(|line| {
        (line.starts_with(b"---") || line.starts_with(b"..."))
            && line
                .get(3)
                .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
    })
}

/// The error inside alias and snippet wrappers.
fn innermost(error: &YamlError) -> &YamlError {
    let mut error = error.without_snippet();
    // Wrappers nest a few levels at most; the bound only guards against a cycle.
    for _ in 0..16 {
        match error {
            YamlError::AliasError { error: inner, .. } => error = inner.without_snippet(),
            _ => break,
        }
    }
    error
}

/// One node as serde-saphyr hands it over: value, tag and both locations.
type Item = Spanned<Tagged<Raw>>;

/// The value of a node before spans are resolved against the text.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    /// A number; its text is taken from the source, this is the fallback.
    Number(String),
    String(String),
    Seq(Vec<Item>),
    Map(Vec<(Item, Item)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<Raw, E> {
        Ok(Raw::String(v.to_string()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::String(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Item>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Item>()? {
            let value = map.next_value::<Item>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

/// Turns serde-saphyr's nodes into [`Node`]s with byte spans into `text`.
struct Converter<'t> {
    file: FileId,
    text: &'t str,
    max_depth: usize,
}

impl Converter<'_> {
    fn root(&self, root: Item) -> Result<Node, Problem> {
        Ok(self.whole_file_if_empty(self.node(root, 0, false)?))
    }

    fn whole_file_if_empty(&self, node: Node) -> Node {
        if node.value == Value::Null && node.tag.is_none() && node.span.is_empty() {
            // Nothing written: an empty document or only comments.
            return Node::new(Span::new(self.file, 0, self.text.len()), Value::Null);
        }
        node
    }

    fn node(&self, item: Item, depth: usize, is_key: bool) -> Result<Node, Problem> {
        let Spanned {
            value: Tagged(raw, raw_tag),
            referenced,
            defined,
        } = item;
        let (start, len) = self.location(&defined).unwrap_or((0, 0));
        let start = start.min(self.text.len());
        let end = start.saturating_add(len).min(self.text.len());
        let written = self.text.get(start..end).unwrap_or("");
        let used_at = self
            .location(&referenced)
            .filter(|&(at, _)| at != start)
            .map(|(at, len)| self.span(at, at.saturating_add(len)));
        let core_tag = raw_tag
            .as_deref()
            .is_some_and(|t| t.starts_with(CORE_TAG_PREFIX));
        let tag = raw_tag.filter(|t| !t.starts_with(CORE_TAG_PREFIX) && t != "!");

        let (span, value) = match raw {
            Raw::Null => (self.span(start, end), Value::Null),
            Raw::Bool(b) => {
                // Psych reads a plain `y`/`n` as a string; serde-saphyr as a boolean.
                let value = if !core_tag && matches!(written, "y" | "Y" | "n" | "N") {
                    Value::String(written.to_string())
                } else {
                    Value::Bool(b)
                };
                (self.span(start, end), value)
            }
            Raw::Number(fallback) => (
                self.span(start, end),
                Value::Number(number_text(written).unwrap_or(fallback)),
            ),
            Raw::String(s) => {
                let quoted = written.starts_with(['"', '\'']);
                let start = if is_key || quoted {
                    start
                } else {
                    self.block_scalar_start(start).unwrap_or(start)
                };
                (self.span(start, end), Value::String(s))
            }
            Raw::Seq(raw_items) => {
                self.check_depth(start, depth)?;
                let items = raw_items
                    .into_iter()
                    .map(|item| self.node(item, depth + 1, false))
                    .collect::<Result<Vec<_>, _>>()?;
                let last = self.content_end(start, end, used_at, items.iter());
                (
                    self.span(start, self.closed(start, last)),
                    Value::Seq(items),
                )
            }
            Raw::Map(raw_entries) => {
                self.check_depth(start, depth)?;
                let entries = raw_entries
                    .into_iter()
                    .map(|(key, value)| {
                        Ok(Entry {
                            key: self.node(key, depth + 1, true)?,
                            value: self.node(value, depth + 1, false)?,
                        })
                    })
                    .collect::<Result<Vec<_>, Problem>>()?;
                let children = entries.iter().flat_map(|e| [&e.key, &e.value]);
                let last = self.content_end(start, end, used_at, children);
                (
                    self.span(start, self.closed(start, last)),
                    Value::Map(entries),
                )
            }
        };
        Ok(Node {
            span,
            used_at,
            tag,
            value,
        })
    }

    fn check_depth(&self, start: usize, depth: usize) -> Result<(), Problem> {
        if depth >= self.max_depth {
            return Err(Problem::parse(
                self.span(start, start.saturating_add(1)),
                format!("YAML nesting deeper than {} levels", self.max_depth),
            ));
        }
        Ok(())
    }

    /// The end of a container's written content: the furthest end of a child written
    /// inside it. Children merged in from elsewhere count with their `<<` site.
    fn content_end<'n>(
        &self,
        start: usize,
        opener_end: usize,
        used_at: Option<Span>,
        children: impl Iterator<Item = &'n Node>,
    ) -> usize {
        let mut end = opener_end;
        for child in children {
            if child.span.start as usize >= start {
                end = end.max(child.span.end as usize);
            }
            if let Some(site) = child.used_at {
                if Some(site) != used_at && site.start as usize >= start {
                    end = end.max(site.end as usize);
                }
            }
        }
        end
    }

    /// Extends a flow collection (`[`/`{` at `start`) past its closing bracket, skipping
    /// blanks, commas and comments after the last child.
    fn closed(&self, start: usize, end: usize) -> usize {
        let closer = match self.text.as_bytes().get(start) {
            Some(b'[') => b']',
            Some(b'{') => b'}',
            _ => return end,
        };
        let bytes = self.text.as_bytes();
        let mut at = end;
        while let Some(&b) = bytes.get(at) {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | b',' => at += 1,
                b'#' => {
                    while bytes.get(at).is_some_and(|&c| c != b'\n') {
                        at += 1;
                    }
                }
                b if b == closer => return at + 1,
                _ => break,
            }
        }
        end
    }

    /// For a block scalar whose content starts at `start`, the offset of its `|`/`>`
    /// indicator on the header line above.
    fn block_scalar_start(&self, start: usize) -> Option<usize> {
        let text = self.text;
        let before = text.get(..start)?;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        if !before
            .get(line_start..)?
            .chars()
            .all(|c| c == ' ' || c == '\t')
        {
            return None;
        }
        // The header is the closest line above that is not blank.
        let mut end = line_start.checked_sub(1)?;
        let header_start = loop {
            let start = text.get(..end)?.rfind('\n').map_or(0, |i| i + 1);
            if !text.get(start..end)?.trim().is_empty() {
                break start;
            }
            end = start.checked_sub(1)?;
        };
        let header = text.get(header_start..end)?;
        // Drop a trailing comment: `#` after a blank starts one.
        let code_len = header
            .char_indices()
            .find(|&(i, c)| {
                c == '#'
                    && header
                        .get(..i)
                        .is_some_and(|s| s.ends_with([' ', '\t']) || s.is_empty())
            })
            .map_or(header.len(), |(i, _)| i);
        let code = header.get(..code_len)?.trim_end();
        let token_start = code.rfind([' ', '\t']).map_or(0, |i| i + 1);
        let token = code.get(token_start..)?;
        let mut chars = token.chars();
        let is_indicator = matches!(chars.next(), Some('|' | '>'))
            && chars.all(|c| c == '-' || c == '+' || c.is_ascii_digit());
        is_indicator.then_some(header_start + token_start)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// Byte offset and byte length of a serde-saphyr location (`None` when unknown).
    fn location(&self, location: &Location) -> Option<(usize, usize)> {
        if *location == Location::UNKNOWN {
            return None;
        }
        let span = location.span();
        if let (Some(offset), Some(len)) = (span.byte_offset(), span.byte_len()) {
            return Some((to_usize(offset), to_usize(len)));
        }
        if span != serde_saphyr::Span::UNKNOWN {
            // Character offsets (errors from the scanner carry no byte offsets).
            let start = self.char_to_byte(0, to_usize(span.offset()));
            let end = self.char_to_byte(start, to_usize(span.len()));
            return Some((start, end - start));
        }
        if location.line() == 0 {
            return None;
        }
        let line = to_usize(location.line() - 1);
        let line_start = if line == 0 {
            0
        } else {
            self.text
                .match_indices('\n')
                .nth(line - 1)
                .map_or(self.text.len(), |(i, _)| i + 1)
        };
        let start = self.char_to_byte(line_start, to_usize(location.column()).saturating_sub(1));
        Some((start, 0))
    }

    /// The byte offset `chars` characters after byte offset `from` (clamped to the text).
    fn char_to_byte(&self, from: usize, chars: usize) -> usize {
        let rest = self.text.get(from..).unwrap_or("");
        from + rest
            .char_indices()
            .nth(chars)
            .map_or(rest.len(), |(i, _)| i)
    }

    fn error_span(&self, error: &YamlError) -> Span {
        let (start, len) = error
            .location()
            .and_then(|location| self.location(&location))
            .unwrap_or((0, 0));
        let start = start.min(self.text.len());
        let end = if len == 0 {
            // Point at one character when the library gives no length.
            self.char_to_byte(start, 1)
        } else {
            start.saturating_add(len).min(self.text.len())
        };
        self.span(start, end)
    }

    fn problem(&self, error: &YamlError, limits: &Limits, replay: usize) -> Problem {
        let inner = innermost(error);
        let depth_message = || format!("YAML nesting deeper than {} levels", limits.max_depth);
        let message = match inner {
            YamlError::Budget { breach, .. } => match breach {
                BudgetBreach::Depth { .. } => depth_message(),
                BudgetBreach::Aliases { .. } => format!(
                    "YAML alias expansion exceeds the limit of {} aliases (possible alias bomb)",
                    limits.max_aliases
                ),
                BudgetBreach::Nodes { .. } => format!(
                    "YAML document exceeds the limit of {} nodes, counting alias expansions \
                     (possible alias bomb)",
                    limits.max_nodes
                ),
                _ => format!(
                    "YAML document exceeds a safety limit: {}",
                    library_message(inner)
                ),
            },
            YamlError::AliasReplayLimitExceeded { .. } => format!(
                "YAML alias expansion exceeds the limit of {replay} nodes (possible alias bomb)"
            ),
            YamlError::AliasExpansionLimitExceeded { .. }
            | YamlError::AliasReplayStackDepthExceeded { .. }
            | YamlError::AliasReplayCounterOverflow { .. } => format!(
                "YAML alias expansion exceeds a safety limit (possible alias bomb): {}",
                library_message(inner)
            ),
            YamlError::RecursiveReferencesRequireWeakTypes { .. } => {
                "invalid YAML: an alias refers to a node that contains it".to_string()
            }
            _ => {
                let message = library_message(inner);
                if message == "recursion limit exceeded" {
                    depth_message()
                } else {
                    format!("invalid YAML: {message}")
                }
            }
        };
        Problem::parse(self.error_span(error), message)
    }
}

/// serde-saphyr's own message (without location), with control characters escaped.
fn library_message(error: &YamlError) -> String {
    let mut message = String::new();
    for c in DefaultMessageFormatter.format_message(error).chars() {
        if c.is_control() {
            message.extend(c.escape_default());
        } else {
            message.push(c);
        }
    }
    message
}

/// A number's source text, without the quotes of a tagged quoted scalar (`!!int "12"`).
fn number_text(written: &str) -> Option<String> {
    let text = written.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|&q| text.strip_prefix(q).and_then(|t| t.strip_suffix(q)))
        .unwrap_or(text);
    (!unquoted.is_empty()).then(|| unquoted.to_string())
}

fn to_usize(value: u64) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_of_a_stream_keep_their_offsets() {
        let text = "a: 1\n---\nb: x\n--- \nc: [\n---\n\n";
        let documents = parse_yaml_documents(FileId(0), text, &Limits::default());
        assert_eq!(documents.len(), 3, "the empty last document is left out");
        let b = documents[1].as_ref().unwrap().get("b").unwrap();
        assert_eq!(&text[b.span.range()], "x");
        let problem = documents[2].as_ref().unwrap_err();
        assert!(problem.span.range().start >= text.find("c:").unwrap());
        let one = parse_yaml_documents(FileId(0), "---\nonly: 1\n", &Limits::default());
        assert_eq!(one.len(), 1);
    }
    use std::time::{Duration, Instant};

    fn parse(text: &str) -> Result<Node, Problem> {
        parse_yaml(FileId(0), text, &Limits::default())
    }

    fn at(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    fn line_of(text: &str, offset: u32) -> usize {
        text[..offset as usize].matches('\n').count() + 1
    }

    /// Parses hostile input, checking it fails quickly with a problem.
    fn rejects_quickly(text: &str, expected: &str) -> Problem {
        let started = Instant::now();
        let problem = parse(text).expect_err("hostile input must be rejected");
        let elapsed = started.elapsed();
        eprintln!("rejected in {elapsed:?}: {}", problem.message);
        assert!(
            elapsed < Duration::from_secs(30), // hang detection only; speed is measured by `make bench`
            "took {elapsed:?}: {}",
            problem.message
        );
        assert!(
            problem.message.contains(expected),
            "message {:?} should contain {expected:?}",
            problem.message
        );
        assert!(problem.span.end as usize <= text.len());
        problem
    }

    #[test]
    fn spans_of_keys_and_scalars() {
        let text = "# head\nname: \"quoted\"\ncount: 012\nsingle: 'it''s'\nplain: a b\n";
        let root = parse(text).unwrap();
        let entries = root.as_map().unwrap();
        assert_eq!(entries.len(), 4);
        assert_eq!(at(text, entries[0].key.span), "name");
        assert_eq!(at(text, entries[0].value.span), "\"quoted\"");
        assert_eq!(entries[0].value.as_str(), Some("quoted"));
        assert_eq!(at(text, entries[1].value.span), "012");
        assert_eq!(entries[1].value.value, Value::Number("012".into()));
        assert_eq!(at(text, entries[2].value.span), "'it''s'");
        assert_eq!(entries[2].value.as_str(), Some("it's"));
        assert_eq!(at(text, entries[3].value.span), "a b");
        // The block map spans from its first key to its last value.
        assert_eq!(at(text, root.span), &text[7..text.len() - 1]);
        assert!(root.used_at.is_none() && root.tag.is_none());
    }

    #[test]
    fn spans_of_containers() {
        let text = "flow: [1, {a: b} ] # c\nblock:\n  - x\n  - y: z\nempty: {}\n";
        let root = parse(text).unwrap();
        let flow = root.get("flow").unwrap();
        assert_eq!(at(text, flow.span), "[1, {a: b} ]");
        assert_eq!(at(text, flow.as_seq().unwrap()[1].span), "{a: b}");
        let block = root.get("block").unwrap();
        assert_eq!(at(text, block.span), "- x\n  - y: z");
        assert_eq!(at(text, block.as_seq().unwrap()[1].span), "y: z");
        assert_eq!(at(text, root.get("empty").unwrap().span), "{}");
    }

    #[test]
    fn block_scalars_span_from_their_indicator() {
        let text = "script: |  # keep | this\n  echo a\n  echo b\nnext: >-\n  folded\n  text\n";
        let root = parse(text).unwrap();
        let script = root.get("script").unwrap();
        assert_eq!(script.as_str(), Some("echo a\necho b\n"));
        assert_eq!(
            at(text, script.span),
            "|  # keep | this\n  echo a\n  echo b\n"
        );
        let next = root.get("next").unwrap();
        assert_eq!(next.as_str(), Some("folded text"));
        assert!(at(text, next.span).starts_with(">-\n  folded"));
        // A key after an empty block scalar is not part of it.
        let text = "a: |\nb: 1\n";
        let root = parse(text).unwrap();
        assert_eq!(at(text, root.as_map().unwrap()[1].key.span), "b");
    }

    #[test]
    fn multi_line_flow_and_crlf() {
        let text = "m: {a: 1, # c\r\n  b: [x,\r\n  y] , }\r\ns: |\r\n  line\r\n";
        let root = parse(text).unwrap();
        let m = root.get("m").unwrap();
        assert_eq!(at(text, m.span), "{a: 1, # c\r\n  b: [x,\r\n  y] , }");
        assert_eq!(at(text, m.get("b").unwrap().span), "[x,\r\n  y]");
        let s = root.get("s").unwrap();
        assert_eq!(s.as_str(), Some("line\n"));
        assert!(at(text, s.span).starts_with("|\r\n  line"));
    }

    #[test]
    fn byte_offsets_with_non_ascii_text() {
        let text = "é: \"ça\"\nnext: 1 # ü\nlast: [ü, ö]\n";
        let root = parse(text).unwrap();
        let entries = root.as_map().unwrap();
        assert_eq!(at(text, entries[0].key.span), "é");
        assert_eq!(at(text, entries[0].value.span), "\"ça\"");
        assert_eq!(at(text, entries[1].key.span), "next");
        assert_eq!(at(text, entries[2].value.span), "[ü, ö]");
        assert_eq!(at(text, entries[2].value.as_seq().unwrap()[1].span), "ö");
    }

    #[test]
    fn byte_order_mark_keeps_offsets_into_the_file() {
        let text = "\u{feff}a: 1\n";
        let root = parse(text).unwrap();
        assert_eq!(at(text, root.as_map().unwrap()[0].key.span), "a");
    }

    #[test]
    fn anchors_and_aliases() {
        let text = "base: &b\n  image: alpine\nn: &n 12\njob: *b\ncount: *n\n";
        let root = parse(text).unwrap();
        let job = root.get("job").unwrap();
        assert_eq!(at(text, job.span), "image: alpine");
        assert_eq!(job.used_at.map(|s| at(text, s)), Some("*b"));
        let image = job.get("image").unwrap();
        assert_eq!(image.as_str(), Some("alpine"));
        assert_eq!(at(text, image.span), "alpine");
        assert_eq!(image.used_at.map(|s| at(text, s)), Some("*b"));
        let count = root.get("count").unwrap();
        assert_eq!(count.value, Value::Number("12".into()));
        assert_eq!(at(text, count.span), "12");
        assert_eq!(at(text, count.use_span()), "*n");
        // The definitions themselves are plain nodes.
        assert!(root.get("base").unwrap().used_at.is_none());
        assert!(root.get("n").unwrap().used_at.is_none());
    }

    #[test]
    fn merge_keys() {
        let text = "\
.a: &a
  image: alpine
  tags: [x]
.b: &b
  stage: test
one:
  <<: *a
  tags: [own]
two:
  <<: [*a, *b]
  script: run
";
        let root = parse(text).unwrap();
        let one = root.get("one").unwrap();
        assert_eq!(one.as_map().unwrap().len(), 2, "`tags` is overridden");
        assert_eq!(at(text, one.span), "<<: *a\n  tags: [own]");
        let tags = one.get("tags").unwrap();
        assert_eq!(at(text, tags.span), "[own]");
        assert!(tags.used_at.is_none());
        let image = one.entry("image").unwrap();
        assert_eq!(image.key.span, Span::new(FileId(0), 9, 14));
        assert_eq!(at(text, image.value.span), "alpine");
        assert_eq!(image.key.used_at.map(|s| at(text, s)), Some("*a"));
        assert_eq!(image.value.used_at.map(|s| line_of(text, s.start)), Some(7));

        let two = root.get("two").unwrap();
        let keys: Vec<_> = two.as_map().unwrap().iter().map(|e| e.key_str()).collect();
        assert_eq!(keys.len(), 4);
        for key in ["image", "tags", "stage", "script"] {
            assert!(keys.contains(&Some(key)), "{key} in {keys:?}");
        }
        let stage = two.get("stage").unwrap();
        assert_eq!(at(text, stage.span), "test");
        let site = stage.used_at.unwrap();
        assert_eq!(at(text, site), "*b");
        assert_eq!(line_of(text, site.start), 10);
        assert_eq!(at(text, two.span), "<<: [*a, *b]\n  script: run");
    }

    #[test]
    fn many_merges_of_one_anchor_are_fine() {
        let mut text = String::from(".d: &d\n  image: x\n");
        for i in 0..300 {
            text.push_str(&format!("job{i}:\n  <<: *d\n  script: [a]\n"));
        }
        let root = parse(&text).unwrap();
        assert_eq!(root.as_map().unwrap().len(), 301);
    }

    #[test]
    fn tags_are_kept() {
        let text = "\
script:
  - !reference [.setup, script]
arn: !Sub \"arn:${AWS::AccountId}\"
ref: !Ref Bucket
att: !GetAtt Role.Arn
cond: !If [IsProd, a, b]
join: !Join ['', [a, b]]
odd: !whatever {x: 1}
empty: !custom
core: !!str 12
int: !!int \"7\"
";
        let root = parse(text).unwrap();
        let reference = &root.get("script").unwrap().as_seq().unwrap()[0];
        assert_eq!(reference.tag.as_deref(), Some("!reference"));
        let items: Vec<_> = reference
            .as_seq()
            .unwrap()
            .iter()
            .map(Node::as_str)
            .collect();
        assert_eq!(items, [Some(".setup"), Some("script")]);
        assert_eq!(at(text, reference.span), "[.setup, script]");
        let sub = root.get("arn").unwrap();
        assert_eq!(sub.tag.as_deref(), Some("!Sub"));
        assert_eq!(sub.as_str(), Some("arn:${AWS::AccountId}"));
        assert_eq!(at(text, sub.span), "\"arn:${AWS::AccountId}\"");
        assert_eq!(root.get("ref").unwrap().tag.as_deref(), Some("!Ref"));
        let att = root.get("att").unwrap();
        assert_eq!(
            (att.tag.as_deref(), att.as_str()),
            (Some("!GetAtt"), Some("Role.Arn"))
        );
        let cond = root.get("cond").unwrap();
        assert_eq!(cond.tag.as_deref(), Some("!If"));
        assert_eq!(cond.as_seq().map(<[Node]>::len), Some(3));
        assert_eq!(root.get("join").unwrap().tag.as_deref(), Some("!Join"));
        let odd = root.get("odd").unwrap();
        assert_eq!(odd.tag.as_deref(), Some("!whatever"));
        assert!(odd.get("x").is_some());
        let empty = root.get("empty").unwrap();
        assert_eq!(
            (empty.tag.as_deref(), &empty.value),
            (Some("!custom"), &Value::Null)
        );
        let core = root.get("core").unwrap();
        assert_eq!((core.tag.as_deref(), core.as_str()), (None, Some("12")));
        let int = root.get("int").unwrap();
        assert_eq!(
            (int.tag.as_deref(), &int.value),
            (None, &Value::Number("7".into()))
        );
    }

    #[test]
    fn duplicate_keys_are_kept_and_the_last_wins() {
        let text = "a: 1\nb: 2\na: 3\n";
        let root = parse(text).unwrap();
        let entries = root.as_map().unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(root.get("a").unwrap().value, Value::Number("3".into()));
        assert_eq!(at(text, entries[2].key.span), "a");
        assert_eq!(entries[2].key.span.start, 10);
    }

    #[test]
    fn yaml_1_1_scalars_like_psych() {
        let text = "[yes, No, on, OFF, true, False, y, n, Y, ~, null, '', 0x1F, 1_000, .inf, -.Inf, 1e3, +12, 12:30, 2024-01-01]";
        let root = parse(text).unwrap();
        let values: Vec<_> = root
            .as_seq()
            .unwrap()
            .iter()
            .map(|n| n.value.clone())
            .collect();
        let s = |v: &str| Value::String(v.into());
        let n = |v: &str| Value::Number(v.into());
        assert_eq!(
            values,
            [
                Value::Bool(true),
                Value::Bool(false),
                Value::Bool(true),
                Value::Bool(false),
                Value::Bool(true),
                Value::Bool(false),
                s("y"),
                s("n"),
                s("Y"),
                Value::Null,
                Value::Null,
                s(""),
                n("0x1F"),
                n("1_000"),
                n(".inf"),
                n("-.Inf"),
                n("1e3"),
                n("+12"),
                s("12:30"),
                s("2024-01-01"),
            ]
        );
        // Keys too: `on` is a boolean key, `y` a string key.
        let root = parse("on: 1\ny: 2\n").unwrap();
        let keys: Vec<_> = root
            .as_map()
            .unwrap()
            .iter()
            .map(|e| e.key.value.clone())
            .collect();
        assert_eq!(keys, [Value::Bool(true), s("y")]);
    }

    #[test]
    fn empty_documents_are_null_spanning_the_file() {
        for text in [
            "",
            "\n\n",
            "# only\n# comments\n",
            "---\n",
            "--- # c\n...\n",
        ] {
            let root = parse(text).unwrap();
            assert_eq!(root.value, Value::Null, "{text:?}");
            assert_eq!(root.span, Span::new(FileId(0), 0, text.len()), "{text:?}");
        }
        let root = parse("~\n").unwrap();
        assert_eq!((root.value, root.span.len()), (Value::Null, 1));
    }

    #[test]
    fn first_document_only() {
        let root = parse("a: 1\n---\nb: 2\n").unwrap();
        assert!(root.get("a").is_some() && root.get("b").is_none());
        let root = parse("--- \na: 1\n...\n--- ]]] [\n").unwrap();
        assert!(root.get("a").is_some());
        let root = parse("a: 1\n---\n]]]\n").unwrap();
        assert!(root.get("a").is_some());
        let root = parse("--- # empty\n...\n---\n]]]\n").unwrap();
        assert_eq!(root.value, Value::Null);
        // Comments are no document: `]]]` is the first one.
        assert!(parse("# comment\n---\n]]]\n").is_err());
        // Garbage in the same document is still an error.
        let problem = parse("a: 1\n]]]\n").unwrap_err();
        assert!(problem.message.starts_with("invalid YAML"), "{problem:?}");
    }

    #[test]
    fn errors_point_at_the_right_line() {
        let text = "a: 1\nb: c: d\n";
        let problem = parse(text).unwrap_err();
        assert_eq!(
            problem.message,
            "invalid YAML: mapping values are not allowed in this context"
        );
        assert_eq!(line_of(text, problem.span.start), 2);

        let text = "é: ü\nlist: [1, 2\nx: y\n";
        let problem = parse(text).unwrap_err();
        assert!(problem.message.starts_with("invalid YAML"), "{problem:?}");
        assert!(text.is_char_boundary(problem.span.start as usize));
        assert!(text.is_char_boundary(problem.span.end as usize));

        let text = "ok: 1\nbad: *nope\n";
        let problem = parse(text).unwrap_err();
        assert!(problem.message.contains("anchor"), "{problem:?}");
        assert_eq!(line_of(text, problem.span.start), 2);

        let text = "a:\n  - 1\n - 2\n";
        let problem = parse(text).unwrap_err();
        assert_eq!(line_of(text, problem.span.start), 3, "{problem:?}");
    }

    #[test]
    fn recursive_alias_is_an_error() {
        let problem = parse("a: &a [*a]\n").unwrap_err();
        assert!(problem.message.starts_with("invalid YAML"), "{problem:?}");
    }

    #[test]
    fn file_size_is_checked_first() {
        let limits = Limits {
            max_file_bytes: 4,
            ..Limits::default()
        };
        let problem = parse_yaml(FileId(0), "a: 12345", &limits).unwrap_err();
        assert!(problem.message.contains("over the limit of 4 bytes"));
    }

    #[test]
    fn nesting_up_to_the_limit_is_fine() {
        // Runs on the 2 MiB stack of a test thread, like a rayon worker.
        let depth = Limits::default().max_depth;
        let flow = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let root = parse(&flow).unwrap();
        assert_eq!(at(&flow, root.span), flow);
        let block: String = (0..depth)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        assert!(parse(&block).is_ok());
        let anchors: String = std::iter::once("a0: &a0 x\n".to_string())
            .chain((1..depth - 1).map(|i| format!("a{i}: &a{i} [*a{}]\n", i - 1)))
            .collect();
        assert!(parse(&anchors).is_ok());
    }

    #[test]
    fn billion_laughs() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let problem = rejects_quickly(&text, "possible alias bomb");
        assert!(line_of(&text, problem.span.start) > 1);
    }

    #[test]
    fn deep_flow_nesting() {
        rejects_quickly(&"[".repeat(100_000), "nesting deeper than 128 levels");
        rejects_quickly(&"{a: ".repeat(100_000), "nesting deeper than 128 levels");
        let closed = format!("{}{}", "{a: ".repeat(100_000), "}".repeat(100_000));
        rejects_quickly(&closed, "nesting deeper than 128 levels");
    }

    #[test]
    fn deep_block_nesting() {
        rejects_quickly(&"- ".repeat(100_000), "nesting deeper than 128 levels");
        let stairs: String = (0..2_000)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        rejects_quickly(&stairs, "nesting deeper than 128 levels");
        let keys: String = (0..2_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        rejects_quickly(&keys, "nesting deeper than 128 levels");
    }

    #[test]
    fn long_anchor_chain() {
        let text: String = std::iter::once("a0: &a0 x\n".to_string())
            .chain((1..10_000).map(|i| format!("a{i}: &a{i} [*a{}]\n", i - 1)))
            .collect();
        rejects_quickly(&text, "nesting deeper than 128 levels");
    }

    #[test]
    fn many_aliases() {
        let limits = Limits {
            max_aliases: 10,
            ..Limits::default()
        };
        let text = format!("a: &a x\nb: [{}]\n", ["*a"; 11].join(", "));
        let problem = parse_yaml(FileId(0), &text, &limits).unwrap_err();
        assert_eq!(
            problem.message,
            "YAML alias expansion exceeds the limit of 10 aliases (possible alias bomb)"
        );
    }

    #[test]
    fn garbage() {
        for text in [
            "\t:\n- ][",
            "]",
            "{",
            "'",
            "\"\\q\"",
            "&",
            "*",
            "? ? ?",
            "- - - ]",
            "%YAML 9\n",
        ] {
            let started = Instant::now();
            let _ = parse(text);
            assert!(started.elapsed() < Duration::from_secs(30), "{text:?}"); // hang detection only
        }
        rejects_quickly("\t:\n- ][", "invalid YAML");
    }
}
