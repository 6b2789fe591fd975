//! Baselines: `--write-baseline FILE` records the fingerprint of every current finding,
//! `--baseline FILE` reports only findings whose fingerprint it does not hold. The
//! fingerprints are the reports' own (code, file, normalized text of the span, occurrence),
//! so a baseline survives edits elsewhere in the files.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};
use trustlint_parser::SourceMap;
use trustlint_rules::Finding;

/// The baseline file's format version.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// One recorded finding; only `fingerprint` is compared, the rest is for readers.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    fingerprint: String,
    code: String,
    file: String,
    message: String,
}

/// Writes the baseline of `findings` (with their `fingerprints`, in order).
pub fn write(
    path: &Path,
    findings: &[Finding],
    fingerprints: &[String],
    sources: &SourceMap,
) -> Result<(), String> {
    let baseline = BaselineFile {
        version: VERSION,
        findings: findings
            .iter()
            .zip(fingerprints)
            .map(|(finding, fingerprint)| Entry {
                fingerprint: fingerprint.clone(),
                code: finding.rule.code.to_string(),
                file: sources
                    .get(finding.primary.file)
                    .map(|file| file.display_path())
                    .unwrap_or_default(),
                message: finding.message.clone(),
            })
            .collect(),
    };
    let text = serde_json::to_string_pretty(&baseline)
        .map_err(|e| format!("cannot write the baseline: {e}"))?;
    fs::write(path, text + "\n")
        .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))
}

/// The fingerprints a baseline file holds.
pub fn load(path: &Path) -> Result<HashSet<String>, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let baseline: BaselineFile = serde_json::from_str(&text)
        .map_err(|e| format!("invalid baseline {}: {e}", path.display()))?;
    if baseline.version != VERSION {
        return Err(format!(
            "baseline {} has version {}, this trustlint reads version {VERSION}",
            path.display(),
            baseline.version
        ));
    }
    Ok(baseline
        .findings
        .into_iter()
        .map(|entry| entry.fingerprint)
        .collect())
}
