//! trustlint-report: turns findings into output formats (human, json, sarif, GitLab code
//! quality, GitLab SAST). It never decides what is a finding or how severe it is, nor
//! masks or fingerprints: it renders the outcome of a run (`trustlint-lint`), whose files
//! already have their secrets masked and whose findings have their fingerprints.

mod codequality;
mod gitlab_sast;
mod human;
mod json;
mod location;
mod pretty;
mod rule_docs;
mod sarif;

use std::io::{self, Write};
use std::time::SystemTime;

use rayon::prelude::*;

use trustlint_parser::SourceMap;
use trustlint_rules::{Finding, Severity};

pub use rule_docs::{help_uri, rule_page};

/// Where a report's list of items goes ([`write_pretty_json`]): serialized as a
/// marker, a string no other text of a report holds (the rest of a report is the tool's
/// own metadata and counts), which the items replace.
pub(crate) struct Items;

/// The text [`Items`] is serialized as.
const ITEMS_MARKER: &str = "\u{0}trustlint items\u{0}";

impl serde::Serialize for Items {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(ITEMS_MARKER)
    }
}

/// How many items are made and rendered at once: a report of many findings never holds
/// all its rendered items at once, and each batch is rendered into the buffers of the
/// one before (each page of new memory costs a page fault when first written: the 1.5 MB
/// report of a thousand trust policies took ~300 of the run's ~2 500 in fresh buffers).
const ITEMS_AT_ONCE: usize = 256;

/// The room a rendered item is given at first (a diagnostic of the JSON report with a
/// related place takes about 1 KiB).
const ITEM_BYTES: usize = 1024;

/// Writes `value` as indented JSON and a final newline, its [`Items`] (it holds one)
/// written as the array of `count` items, item `i` rendered by `render(i, bytes, depth)`
/// (as an element of an array `depth - 1` levels deep: [`render_serialized`]): the bytes
/// `serde_json::to_writer_pretty` writes with that array in its place. The items are
/// rendered on every core, [`ITEMS_AT_ONCE`] at a time, and written in order, through a
/// buffer that goes to `out` in large blocks.
fn write_pretty_json<T, F>(
    value: &T,
    count: usize,
    render: F,
    out: &mut dyn Write,
) -> io::Result<()>
where
    T: serde::Serialize,
    F: Fn(usize, &mut Vec<u8>, usize) -> io::Result<()> + Sync,
{
    let around = serde_json::to_vec_pretty(value)?;
    let marker = serde_json::to_vec(ITEMS_MARKER)?;
    let at = find(&around, &marker)
        .filter(|&at| find(around.get(at + 1..).unwrap_or_default(), &marker).is_none())
        .ok_or_else(|| io::Error::other("a report holds its items once"))?;
    let (before, after) = around.split_at(at);
    let after = after.get(marker.len()..).unwrap_or_default();
    // The array is written where the marker was, on a line indented as deep as the array
    // is nested; its items one level deeper.
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let depth = before
        .get(line_start..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| b == b' ')
        .count()
        / INDENT.len();
    let mut buffered = io::BufWriter::with_capacity(64 * 1024, out);
    buffered.write_all(before)?;
    buffered.write_all(b"[")?;
    // Each batch is cut into a few runs of items, each rendered into one buffer, the
    // same buffers batch after batch.
    let runs = rayon::current_num_threads() * 2;
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    let mut start = 0;
    while start < count {
        let end = count.min(start + ITEMS_AT_ONCE);
        let length = (end - start).div_ceil(runs);
        let froms: Vec<usize> = (start..end).step_by(length).collect();
        buffers.resize_with(froms.len(), Vec::new);
        let rendered: Vec<io::Result<()>> = buffers
            .par_iter_mut()
            .zip(froms)
            .map(|(bytes, from)| {
                bytes.clear();
                // About what an item takes, so that the buffer seldom grows (a copy).
                bytes.reserve(length * ITEM_BYTES);
                for index in from..end.min(from + length) {
                    Nested {
                        depth: depth + 1,
                        has_value: false,
                    }
                    .next_line(bytes, index == 0)?;
                    render(index, bytes, depth + 1)?;
                }
                Ok(())
            })
            .collect();
        for (bytes, result) in buffers.iter().zip(rendered) {
            result?;
            buffered.write_all(bytes)?;
        }
        start = end;
    }
    Nested {
        depth: depth + 1,
        has_value: count > 0,
    }
    .close(&mut buffered, b"]")?;
    buffered.write_all(after)?;
    writeln!(buffered)?;
    buffered.flush()
}

/// `serde_json`'s indentation, one level.
const INDENT: &[u8] = b"  ";

/// Indentation for the usual depths, written at once.
const SPACES: &[u8; 64] = &[b' '; 64];

fn indent<W: ?Sized + Write>(out: &mut W, depth: usize) -> io::Result<()> {
    match SPACES.get(..depth * INDENT.len()) {
        Some(spaces) => out.write_all(spaces),
        None => (0..depth).try_for_each(|_| out.write_all(INDENT)),
    }
}

/// Adds to `bytes` `item` as the pretty serializer writes it as an element of an array
/// whose elements are `depth` levels deep (its line already started).
fn render_serialized<I: serde::Serialize>(
    bytes: &mut Vec<u8>,
    item: &I,
    depth: usize,
) -> io::Result<()> {
    let formatter = Nested {
        depth,
        has_value: false,
    };
    item.serialize(&mut serde_json::Serializer::with_formatter(
        bytes, formatter,
    ))?;
    Ok(())
}

/// `serde_json`'s pretty formatter (two spaces per level), starting `depth` levels deep:
/// what it writes for a value nested that deep.
struct Nested {
    depth: usize,
    has_value: bool,
}

impl serde_json::ser::Formatter for Nested {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next_line(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next_line(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

impl Nested {
    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            writer.write_all(b"\n")?;
            indent(writer, self.depth)?;
        }
        writer.write_all(bracket)
    }

    fn next_line<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        indent(writer, self.depth)
    }
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    CodeQuality,
    GitlabSast,
}

/// How human output looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HumanStyle {
    pub color: bool,
    /// One line per finding: `path:line:col: severity[CODE] message`.
    pub quiet: bool,
}

/// Everything a reporter needs: the findings (already filtered and sorted) with their
/// fingerprints, the files they point into (secrets masked: a format prints what it finds
/// there), how many files were checked, and when the run started.
#[derive(Debug)]
pub struct Report<'a> {
    pub findings: &'a [Finding],
    /// One per finding, in order (`trustlint_lint::fingerprint`).
    pub fingerprints: &'a [String],
    pub sources: &'a SourceMap,
    pub files_checked: usize,
    pub started: SystemTime,
}

impl Report<'_> {
    /// How many findings of a severity the report holds.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Writes the report in `format`.
pub fn write(
    report: &Report<'_>,
    format: Format,
    style: HumanStyle,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, style, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::CodeQuality => codequality::write(report, out),
        Format::GitlabSast => gitlab_sast::write(report, out),
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::*;

    /// What `serde_json` writes for `value` pretty, with a final newline.
    fn pretty(value: &serde_json::Value) -> String {
        let mut text = serde_json::to_string_pretty(value).unwrap();
        text.push('\n');
        text
    }

    fn written<T: Serialize>(value: &T, items: &[serde_json::Value]) -> String {
        let mut out = Vec::new();
        let render = |i, bytes: &mut Vec<u8>, depth| render_serialized(bytes, &items.get(i), depth);
        write_pretty_json(value, items.len(), render, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[derive(Serialize)]
    struct Outer<I> {
        before: u32,
        runs: [Inner<I>; 1],
        after: &'static str,
    }

    #[derive(Serialize)]
    struct Inner<I> {
        name: &'static str,
        results: I,
    }

    /// A value holding `results` two objects deep, fields after it.
    fn outer<I>(results: I) -> Outer<I> {
        Outer {
            before: 1,
            runs: [Inner { name: "x", results }],
            after: "end",
        }
    }

    /// Items with nested objects, empty containers and a string holding a line break,
    /// in none, one and several (in one batch and in several), at the top and nested two
    /// objects deep.
    #[test]
    fn items_are_written_as_the_serializer_writes_them_in_place() {
        let item = |i: usize| json!({"n": i, "text": "two\nlines", "empty": [], "none": {}, "deep": {"list": [1, {"k": "v"}]}});
        for count in [0, 1, 3, ITEMS_AT_ONCE + 1, 2 * ITEMS_AT_ONCE + 5] {
            let items: Vec<serde_json::Value> = (0..count).map(item).collect();
            assert_eq!(
                written(&Items, &items),
                pretty(&json!(items)),
                "{count} items at the top"
            );
            let mut expected = serde_json::to_string_pretty(&outer(items.clone())).unwrap();
            expected.push('\n');
            assert_eq!(
                written(&outer(Items), &items),
                expected,
                "{count} items nested"
            );
        }
    }

    #[test]
    fn a_value_without_its_items_is_an_error() {
        let mut out = Vec::new();
        let none: [u32; 0] = [];
        let render = |i, bytes: &mut Vec<u8>, depth| render_serialized(bytes, &none.get(i), depth);
        assert!(write_pretty_json(&json!({"a": 1}), 0, render, &mut out).is_err());
    }
}
