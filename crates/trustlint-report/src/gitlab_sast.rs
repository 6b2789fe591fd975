//! GitLab's SAST security report (`artifacts:reports:sast`, `gl-sast-report.json`,
//! security-report-schemas 15.x): the scan (analyzer, scanner, times, status) and one
//! vulnerability per finding, identified by its rule and tracked by its fingerprint.
//! Schema: docs/schemas/gitlab-sast.schema.json.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use trustlint_rules::Severity;

use crate::location::Location;
use crate::rule_docs::{help_uri, HOME};
use crate::{Items, Report};

/// The security-report-schemas version the report declares.
const SCHEMA_VERSION: &str = "15.2.1";

#[derive(Serialize)]
struct SastReport<V> {
    version: &'static str,
    scan: Scan,
    /// The [`Vulnerability`]s ([`Items`]).
    vulnerabilities: V,
}

#[derive(Serialize)]
struct Scan {
    analyzer: Component,
    scanner: Component,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: String,
    end_time: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Component {
    id: &'static str,
    name: &'static str,
    version: &'static str,
    url: &'static str,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: String,
    name: String,
    description: &'a str,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    solution: Option<&'a str>,
    identifiers: [Identifier; 1],
    location: VulnerabilityLocation,
}

#[derive(Serialize)]
struct Identifier {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: &'static str,
    url: String,
}

#[derive(Serialize)]
struct VulnerabilityLocation {
    file: String,
    start_line: u32,
    end_line: u32,
}

/// GitLab's scale: Critical, High, Medium, Low, Info, Unknown.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "High",
        Severity::Warning => "Medium",
        Severity::Note => "Low",
    }
}

/// A fingerprint (32 hex digits) written as a UUID, the form GitLab recommends for ids.
fn uuid(fingerprint: &str) -> String {
    let part = |range: std::ops::Range<usize>| fingerprint.get(range).unwrap_or("0");
    format!(
        "{}-{}-{}-{}-{}",
        part(0..8),
        part(8..12),
        part(12..16),
        part(16..20),
        part(20..32)
    )
}

/// `YYYY-MM-DDTHH:MM:SS` in UTC, the form the schema requires.
fn timestamp(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let of_day = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub(crate) fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let trustlint = || Component {
        id: "trustlint",
        name: "trustlint",
        version: env!("CARGO_PKG_VERSION"),
        url: HOME,
        vendor: Vendor { name: "trustlint" },
    };
    let prints = report.fingerprints;
    let vulnerability = |index: usize| {
        let (finding, fingerprint) = report.findings.get(index).zip(prints.get(index))?;
        let location = Location::of(report.sources, finding.primary);
        let rule = finding.rule;
        Some(Vulnerability {
            id: uuid(fingerprint),
            name: format!("{} {}: {}", rule.code, rule.name, rule.summary),
            description: &finding.message,
            severity: severity(finding.severity),
            solution: finding.help.as_deref(),
            identifiers: [Identifier {
                kind: "trustlint_rule",
                name: format!("{} {}", rule.code, rule.name),
                value: rule.code,
                url: help_uri(rule.code),
            }],
            location: VulnerabilityLocation {
                file: location.path,
                start_line: location.start_line,
                end_line: location.end_line,
            },
        })
    };
    let sast = SastReport {
        version: SCHEMA_VERSION,
        scan: Scan {
            analyzer: trustlint(),
            scanner: trustlint(),
            kind: "sast",
            start_time: timestamp(report.started),
            end_time: timestamp(SystemTime::now()),
            status: "success",
        },
        vulnerabilities: Items,
    };
    let count = report.findings.len().min(prints.len());
    crate::write_pretty_json(
        &sast,
        count,
        |index, bytes, depth| crate::render_serialized(bytes, &vulnerability(index), depth),
        out,
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn timestamps_are_utc_civil_dates() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00");
        let leap = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(timestamp(leap), "2024-02-29T12:34:56");
    }

    #[test]
    fn ids_are_uuid_shaped() {
        let id = uuid("0123456789abcdef0123456789abcdef");
        assert_eq!(id, "01234567-89ab-cdef-0123-456789abcdef");
    }
}
