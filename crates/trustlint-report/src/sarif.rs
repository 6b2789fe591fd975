//! SARIF 2.1.0 (docs/output-formats.md): one run, every rule of `rules/` in `tool.driver.rules`
//! with its full help, `helpUri` into the docs, `security-severity`, results with
//! Unicode-code-point columns plus byte offsets, related locations, fixes and
//! `partialFingerprints`. Checked by Microsoft's SARIF validator in `make test`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use trustlint_parser::{SourceMap, Span};
use trustlint_rules::{meta, Finding, RuleMeta, Severity};

use crate::location::Location;
use crate::rule_docs::{help_uri, HOME};
use crate::{Items, Report};

/// The key of our fingerprint in `partialFingerprints` (versioned: a change of the
/// algorithm gets a new key rather than silently different values).
const FINGERPRINT_KEY: &str = "trustlint/v1";
/// Where result paths are relative to: the folder trustlint ran in.
const SRCROOT: &str = "%SRCROOT%";

#[derive(Serialize)]
struct Log<R> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<R>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<R> {
    tool: Tool,
    column_kind: &'static str,
    /// The [`SarifResult`]s ([`Items`]).
    results: R,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    help_uri: String,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    precision: &'static str,
    #[serde(rename = "problem.severity")]
    problem_severity: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [SarifLocation; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
    byte_offset: u32,
    byte_length: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: Content,
}

#[derive(Serialize)]
struct Content {
    text: String,
}

/// SARIF levels are our severities.
fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

/// GitHub's `security-severity` scale: high, medium, low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Note => "2.0",
    }
}

/// SARIF wants messages as complete sentences.
fn sentence(text: &str) -> String {
    let text = text.trim_end();
    if text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

/// `oidc-trust-missing-sub` → `OidcTrustMissingSub`, the SARIF convention for rule names.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// A relative path as a URI reference: every byte outside RFC 3986's unreserved set and
/// `/` percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn descriptor(rule: &'static RuleMeta) -> Descriptor {
    Descriptor {
        id: rule.code,
        name: pascal_case(rule.name),
        short_description: Text {
            text: sentence(rule.summary),
        },
        full_description: Text {
            text: sentence(rule.section("Why").unwrap_or(rule.summary)),
        },
        help: Help {
            text: rule.body(),
            markdown: rule.body(),
        },
        help_uri: help_uri(rule.code),
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: RuleProperties {
            tags: vec!["security", rule.domain],
            precision: "high",
            problem_severity: match rule.severity {
                Severity::Note => "recommendation",
                other => other.as_str(),
            },
            security_severity: security_severity(rule.severity),
        },
    }
}

fn physical(sources: &SourceMap, span: Span) -> PhysicalLocation {
    let (artifact_location, region) = located(sources, span);
    PhysicalLocation {
        artifact_location,
        region,
    }
}

fn located(sources: &SourceMap, span: Span) -> (ArtifactLocation, Region) {
    let location = Location::of(sources, span);
    (
        ArtifactLocation {
            uri: uri(&location.path),
            uri_base_id: SRCROOT,
        },
        Region {
            start_line: location.start_line,
            start_column: location.start_column,
            end_line: location.end_line,
            end_column: location.end_column,
            byte_offset: location.offset,
            byte_length: location.length,
        },
    )
}

fn result(
    sources: &SourceMap,
    finding: &Finding,
    rule_index: usize,
    fingerprint: String,
) -> SarifResult {
    let mut message = sentence(&finding.message);
    if let Some(help) = &finding.help {
        message = format!("{message} {}", sentence(help));
    }
    let related_locations = finding
        .related
        .iter()
        .enumerate()
        .map(|(index, related)| SarifLocation {
            id: Some(index + 1),
            physical_location: physical(sources, related.span),
            message: Some(Text {
                text: sentence(&related.message),
            }),
        })
        .collect();
    let fixes = finding
        .fix
        .iter()
        .map(|fix| {
            let mut changes: BTreeMap<String, Vec<Replacement>> = BTreeMap::new();
            for edit in &fix.edits {
                let (artifact, region) = located(sources, edit.span);
                changes.entry(artifact.uri).or_default().push(Replacement {
                    deleted_region: region,
                    inserted_content: Content {
                        text: edit.replacement.clone(),
                    },
                });
            }
            SarifFix {
                description: Text {
                    text: sentence(&fix.description),
                },
                artifact_changes: changes
                    .into_iter()
                    .map(|(uri, replacements)| ArtifactChange {
                        artifact_location: ArtifactLocation {
                            uri,
                            uri_base_id: SRCROOT,
                        },
                        replacements,
                    })
                    .collect(),
            }
        })
        .collect();
    SarifResult {
        rule_id: finding.rule.code,
        rule_index,
        level: level(finding.severity),
        message: Text { text: message },
        locations: [SarifLocation {
            id: None,
            physical_location: physical(sources, finding.primary),
            message: None,
        }],
        related_locations,
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        fixes,
    }
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Descriptor> = meta::ALL.iter().copied().map(descriptor).collect();
    let prints = report.fingerprints;
    let results = |index: usize| {
        let finding = report.findings.get(index)?;
        let fingerprint = prints.get(index)?;
        let rule_index = meta::ALL
            .iter()
            .position(|rule| rule.code == finding.rule.code)
            .unwrap_or_default();
        Some(result(
            report.sources,
            finding,
            rule_index,
            fingerprint.clone(),
        ))
    };
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "trustlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: HOME,
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results: Items,
        }],
    };
    let count = report.findings.len().min(prints.len());
    crate::write_pretty_json(
        &log,
        count,
        |index, bytes, depth| crate::render_serialized(bytes, &results(index), depth),
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(pascal_case("oidc-trust-missing-sub"), "OidcTrustMissingSub");
        assert_eq!(uri("iam/my role#1.json"), "iam/my%20role%231.json");
        assert_eq!(sentence("who gets in"), "who gets in.");
        assert_eq!(sentence("done."), "done.");
    }
}
