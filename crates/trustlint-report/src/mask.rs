//! Masking of secret values: every span a finding marks as secret is overwritten with
//! `*` in a copy of its file before any report reads the text, so no snippet, region or
//! fingerprint can carry the secret. Byte offsets stay valid (one `*` per byte).

use std::collections::BTreeMap;
use std::path::Path;

use trustlint_parser::{SourceMap, Span};
use trustlint_rules::Finding;

/// The sources a report may print: the originals, or copies with the secrets masked.
#[derive(Debug)]
pub(crate) enum MaskedSources<'a> {
    Original(&'a SourceMap),
    Masked(SourceMap),
}

impl<'a> MaskedSources<'a> {
    pub(crate) fn new(findings: &[Finding], sources: &'a SourceMap) -> MaskedSources<'a> {
        // By path: a file read both on its own and through a local `include:` has two ids
        // (and the same text), and a secret found under one id is masked under both.
        let mut secrets: BTreeMap<&Path, Vec<Span>> = BTreeMap::new();
        for span in findings.iter().flat_map(|f| &f.secrets) {
            if let Some(file) = sources.get(span.file) {
                secrets.entry(&file.path).or_default().push(*span);
            }
        }
        if secrets.is_empty() {
            return MaskedSources::Original(sources);
        }
        let mut masked = SourceMap::starting_at(sources.first_id());
        for file in sources.files() {
            match secrets.get(file.path.as_path()) {
                Some(spans) => masked.add(file.path.clone(), mask_text(&file.text, spans)),
                None => masked.push(file.clone()),
            };
        }
        MaskedSources::Masked(masked)
    }

    /// The sources as an owned map (the masked copy, or a copy sharing the originals' text
    /// and line starts).
    pub(crate) fn into_owned(self) -> SourceMap {
        match self {
            MaskedSources::Original(sources) => {
                let mut copy = SourceMap::starting_at(sources.first_id());
                for file in sources.files() {
                    copy.push(file.clone());
                }
                copy
            }
            MaskedSources::Masked(sources) => sources,
        }
    }

    pub(crate) fn sources(&self) -> &SourceMap {
        match self {
            MaskedSources::Original(sources) => sources,
            MaskedSources::Masked(sources) => sources,
        }
    }
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
