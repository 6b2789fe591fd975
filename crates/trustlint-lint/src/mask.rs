//! Masking of secret values, the run's one pass over its files: every span a finding
//! marked as secret ([`Finding::secrets`](trustlint_rules::Finding), the findings of
//! every rule that ran, also those later suppressed, filtered out or baselined) is
//! overwritten with `*` in the run's copy of its file, so no snippet, region or
//! fingerprint can carry the secret. Byte offsets stay valid (one `*` per byte).

use std::collections::BTreeMap;
use std::path::Path;

use trustlint_parser::{SourceMap, Span};

/// `sources` with every span of `secrets` masked. By path: a file read both on its own
/// and through a local `include:` (or in two parts of the run) has two ids and the same
/// text, and a secret found under one id is masked under both.
pub fn mask(sources: SourceMap, secrets: &[Span]) -> SourceMap {
    let mut by_path: BTreeMap<&Path, Vec<Span>> = BTreeMap::new();
    for span in secrets {
        if let Some(file) = sources.get(span.file) {
            by_path.entry(&file.path).or_default().push(*span);
        }
    }
    if by_path.is_empty() {
        return sources;
    }
    let mut masked = SourceMap::starting_at(sources.first_id());
    for file in sources.files() {
        match by_path.get(file.path.as_path()) {
            Some(spans) => masked.add(file.path.clone(), mask_text(&file.text, spans)),
            None => masked.push(file.clone()),
        };
    }
    masked
}

/// `text` with every character inside `spans` replaced by as many `*` as it has bytes
/// (line breaks are kept, so lines and offsets don't move).
fn mask_text(text: &str, spans: &[Span]) -> String {
    text.char_indices()
        .flat_map(|(offset, ch)| {
            let secret = ch != '\n' && spans.iter().any(|span| span.range().contains(&offset));
            let (replacement, count) = if secret {
                ('*', ch.len_utf8())
            } else {
                (ch, 1)
            };
            std::iter::repeat_n(replacement, count)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use trustlint_parser::FileId;

    #[test]
    fn masks_bytes_and_keeps_offsets() {
        let text = "key: s3cr€t\nnext: 1\n";
        let start = 5;
        let end = text.find('\n').unwrap();
        let masked = mask_text(text, &[Span::new(FileId(0), start, end)]);
        assert_eq!(masked, "key: ********\nnext: 1\n");
        assert_eq!(masked.len(), text.len());
    }
}
