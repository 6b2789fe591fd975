//! Finding fingerprints that survive unrelated edits: a hash of the rule code, the file's
//! path, the whitespace-normalized text of the primary span (secrets already masked) and
//! the finding's occurrence index among findings with the same three, so moving a
//! statement down or editing another one keeps the fingerprint. Line numbers are left
//! out on purpose. Computed once per run, over the reported findings of every part and
//! the masked files, after the filters ([`crate::LintOutcome::fingerprints`]); used by
//! baselines, SARIF `partialFingerprints` and the GitLab reports.

use std::collections::HashMap;

use rayon::prelude::*;

use trustlint_parser::SourceMap;
use trustlint_rules::Finding;

/// One fingerprint per finding (in the findings' order), 32 hex digits.
pub fn fingerprints(findings: &[Finding], sources: &SourceMap) -> Vec<String> {
    let keys: Vec<u128> = findings
        .par_iter()
        .map(|finding| content_hash(finding, sources))
        .collect();
    // Each key's occurrence index, in the findings' order; then the hashes, written on
    // every core.
    let mut occurrences: HashMap<u128, u32> = HashMap::with_capacity(keys.len());
    let indexed: Vec<(u128, u32)> = keys
        .into_iter()
        .map(|key| {
            let occurrence = occurrences.entry(key).or_insert(0);
            let index = *occurrence;
            *occurrence += 1;
            (key, index)
        })
        .collect();
    indexed
        .into_par_iter()
        .map(|(key, index)| {
            let mut hash = Fnv128::new();
            hash.write(&key.to_be_bytes());
            hash.write(&index.to_be_bytes());
            format!("{:032x}", hash.finish())
        })
        .collect()
}

/// The hash of what identifies a finding apart from its position.
fn content_hash(finding: &Finding, sources: &SourceMap) -> u128 {
    let mut hash = Fnv128::new();
    hash.write(finding.rule.code.as_bytes());
    hash.write(&[0]);
    if let Some(file) = sources.get(finding.primary.file) {
        hash.write(file.display_path().as_bytes());
        hash.write(&[0]);
        // An empty span (a position, say where a parse failed) is identified by its line.
        let text = if finding.primary.is_empty() {
            file.line_text(file.line_col(finding.primary.start).line)
        } else {
            file.slice(finding.primary)
        };
        for word in text.split_whitespace() {
            hash.write(word.as_bytes());
            hash.write(b" ");
        }
    }
    hash.finish()
}

/// FNV-1a, 128 bits: tiny, deterministic on every platform and build.
struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

    fn new() -> Self {
        Fnv128(Self::OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u128::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u128 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use trustlint_parser::Span;
    use trustlint_rules::meta;

    use super::*;

    fn fingerprint_of(text: &str, needle: &str) -> Vec<String> {
        let mut sources = SourceMap::new();
        let file = sources.add(PathBuf::from("iam/trust.json"), text);
        let findings: Vec<Finding> = text
            .match_indices(needle)
            .map(|(start, _)| {
                Finding::new(
                    &meta::TL101,
                    Span::new(file, start, start + needle.len()),
                    "m",
                )
            })
            .collect();
        fingerprints(&findings, &sources)
    }

    #[test]
    fn survives_unrelated_edits_and_reindentation() {
        let before = fingerprint_of("{\n  \"a\": 1,\n  \"b\":   2\n}", "\"b\":   2");
        let after = fingerprint_of("{\n\n  \"z\": 0,\n  \"a\": 1,\n\"b\":   2\n}", "\"b\":   2");
        assert_eq!(before, after);
        assert_eq!(before[0].len(), 32);
    }

    #[test]
    fn repeated_text_gets_distinct_fingerprints() {
        let prints = fingerprint_of("x x x", "x");
        assert_eq!(prints.len(), 3);
        assert_ne!(prints[0], prints[1]);
        assert_ne!(prints[1], prints[2]);
    }

    #[test]
    fn code_and_file_matter() {
        let mut sources = SourceMap::new();
        let a = sources.add(PathBuf::from("a.json"), "same");
        let b = sources.add(PathBuf::from("b.json"), "same");
        let findings = [
            Finding::new(&meta::TL101, Span::new(a, 0, 4), "m"),
            Finding::new(&meta::TL002, Span::new(a, 0, 4), "m"),
            Finding::new(&meta::TL101, Span::new(b, 0, 4), "m"),
        ];
        let prints = fingerprints(&findings, &sources);
        assert_ne!(prints[0], prints[1]);
        assert_ne!(prints[0], prints[2]);
    }
}
