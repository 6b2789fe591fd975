//! `serde_json`'s pretty format (two spaces per level) written value by value, for the
//! items of the JSON report: the bytes `serde_json::to_writer_pretty` writes for the same
//! value (its tests compare the two), without a serializer between, and with strings
//! escaped a machine word at a time where they need no escape, as they mostly don't.

use crate::INDENT;

const _: () = assert!(matches!(INDENT, [b' ', b' ']), "indentation is spaces");

/// Writes JSON values into `bytes`, nested `depth` levels deep.
#[derive(Debug)]
pub(crate) struct PrettyJson<'b> {
    bytes: &'b mut Vec<u8>,
    depth: usize,
    /// Whether the innermost open object or array has an entry yet.
    has_entry: bool,
}

impl<'b> PrettyJson<'b> {
    /// A writer of one value whose first line is already indented `depth` levels.
    pub(crate) fn new(bytes: &'b mut Vec<u8>, depth: usize) -> PrettyJson<'b> {
        PrettyJson {
            bytes,
            depth,
            has_entry: false,
        }
    }

    /// An object whose fields `fill` writes ([`PrettyJson::field`]).
    pub(crate) fn object(&mut self, fill: impl FnOnce(&mut Self)) {
        self.nested(b'{', b'}', fill);
    }

    /// An array of `items`, each written by `each`.
    pub(crate) fn array<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Self, T),
    ) {
        self.nested(b'[', b']', |json| {
            for item in items {
                json.entry();
                each(json, item);
            }
        });
    }

    /// Starts the field `name` of the open object: its value is written next. `name` is
    /// one of the report's own field names, which have nothing to escape.
    pub(crate) fn field(&mut self, name: &'static str) -> &mut Self {
        debug_assert!(first_to_escape(name.as_bytes()).is_none());
        self.entry();
        self.bytes.push(b'"');
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.extend_from_slice(b"\": ");
        self
    }

    pub(crate) fn string(&mut self, text: &str) {
        self.bytes.push(b'"');
        escape_into(self.bytes, text.as_bytes());
        self.bytes.push(b'"');
    }

    pub(crate) fn number(&mut self, value: u32) {
        let mut digits = [0u8; 10];
        let mut start = digits.len();
        let mut rest = value;
        loop {
            start -= 1;
            if let Some(digit) = digits.get_mut(start) {
                *digit = b'0' + (rest % 10) as u8;
            }
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        self.bytes
            .extend_from_slice(digits.get(start..).unwrap_or_default());
    }

    pub(crate) fn null(&mut self) {
        self.bytes.extend_from_slice(b"null");
    }

    /// The optional string `text`, `null` when there is none.
    pub(crate) fn optional_string(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.string(text),
            None => self.null(),
        }
    }

    fn nested(&mut self, open: u8, close: u8, fill: impl FnOnce(&mut Self)) {
        self.bytes.push(open);
        let outer = std::mem::replace(&mut self.has_entry, false);
        self.depth += 1;
        fill(self);
        self.depth -= 1;
        if self.has_entry {
            self.bytes.push(b'\n');
            self.indent();
        }
        self.bytes.push(close);
        self.has_entry = outer;
    }

    /// The line of the open object's or array's next entry.
    fn entry(&mut self) {
        self.bytes
            .extend_from_slice(if self.has_entry { b",\n" } else { b"\n" });
        self.has_entry = true;
        self.indent();
    }

    fn indent(&mut self) {
        let width = self.depth * INDENT.len();
        self.bytes.resize(self.bytes.len() + width, b' ');
    }
}

/// Appends `text` to `bytes` escaped as `serde_json` escapes a string's contents: `"` and
/// `\` with a backslash, the control characters below U+0020 as `\b`, `\t`, `\n`, `\f`,
/// `\r` or `\u00XX`, everything else as it is.
fn escape_into(bytes: &mut Vec<u8>, mut text: &[u8]) {
    while let Some(at) = first_to_escape(text) {
        let (plain, rest) = text.split_at(at);
        bytes.extend_from_slice(plain);
        let Some((&special, rest)) = rest.split_first() else {
            return;
        };
        match special {
            b'"' => bytes.extend_from_slice(b"\\\""),
            b'\\' => bytes.extend_from_slice(b"\\\\"),
            0x08 => bytes.extend_from_slice(b"\\b"),
            b'\t' => bytes.extend_from_slice(b"\\t"),
            b'\n' => bytes.extend_from_slice(b"\\n"),
            0x0c => bytes.extend_from_slice(b"\\f"),
            b'\r' => bytes.extend_from_slice(b"\\r"),
            control => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                bytes.extend_from_slice(b"\\u00");
                bytes.push(HEX[usize::from(control >> 4)]);
                bytes.push(HEX[usize::from(control & 0xf)]);
            }
        }
        text = rest;
    }
    bytes.extend_from_slice(text);
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Where the first byte [`escape_into`] escapes is: eight bytes are tested at once until
/// some may be one.
fn first_to_escape(text: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Non-zero when some byte of `word` is below `n` (n at most 0x80).
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let mut chunks = text.chunks_exact(8);
    let mut plain = 0;
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        if below(word, 0x20) | below(quote, 1) | below(backslash, 1) != 0 {
            break;
        }
        plain += 8;
    }
    text.get(plain..)?
        .iter()
        .position(|&byte| needs_escape(byte))
        .map(|at| plain + at)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn written(fill: impl FnOnce(&mut PrettyJson<'_>)) -> String {
        let mut bytes = Vec::new();
        fill(&mut PrettyJson::new(&mut bytes, 0));
        String::from_utf8(bytes).unwrap()
    }

    proptest! {
        /// Any string, control characters, quotes, backslashes and non-ASCII included,
        /// comes out as serde_json writes it.
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(text in "[\\x00-\\x7f\"\\\\é€😀]{0,40}") {
            prop_assert_eq!(written(|json| json.string(&text)), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn numbers_are_written_as_serde_json_writes_them(value: u32) {
            prop_assert_eq!(written(|json| json.number(value)), value.to_string());
        }
    }

    #[test]
    fn nested_values_are_laid_out_as_serde_json_lays_them_out() {
        let text = written(|json| {
            json.object(|json| {
                json.field("a").number(1);
                json.field("empty")
                    .array(std::iter::empty::<u32>(), |_, _| {});
                json.field("list").array([1, 2], |json, n| {
                    json.object(|json| {
                        json.field("n").number(n);
                        json.field("text")
                            .optional_string((n == 1).then_some("x\ny"));
                    });
                });
                json.field("none").object(|_| {});
            });
        });
        let expected = serde_json::json!({
            "a": 1,
            "empty": [],
            "list": [{"n": 1, "text": "x\ny"}, {"n": 2, "text": null}],
            "none": {},
        });
        assert_eq!(text, serde_json::to_string_pretty(&expected).unwrap());
    }
}
