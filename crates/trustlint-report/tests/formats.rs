//! Every format from synthetic findings: a secret marked on a finding, once the run has
//! masked it (`trustlint_lint::mask`), never appears in any output (snippets, regions,
//! fingerprints), and fixes and related places in other files reach SARIF.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::PathBuf;
use std::time::SystemTime;

use serde_json::Value;
use trustlint_parser::{SourceMap, Span};
use trustlint_report::{Format, HumanStyle, Report};
use trustlint_rules::{meta, Applicability, Edit, Finding, Fix};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn render(report: &Report<'_>, format: Format, quiet: bool) -> String {
    let mut out = Vec::new();
    let style = HumanStyle {
        color: false,
        quiet,
    };
    trustlint_report::write(report, format, style, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

struct Fixture {
    /// As a run hands them to the reports: secrets masked.
    sources: SourceMap,
    findings: Vec<Finding>,
    fingerprints: Vec<String>,
}

impl Fixture {
    /// The fixture's findings and files, as the run masks and fingerprints them.
    fn new(sources: SourceMap, findings: Vec<Finding>) -> Fixture {
        let secrets: Vec<Span> = findings.iter().flat_map(|f| f.secrets.clone()).collect();
        let sources = trustlint_lint::mask::mask(sources, &secrets);
        let fingerprints = trustlint_lint::fingerprint::fingerprints(&findings, &sources);
        Fixture {
            sources,
            findings,
            fingerprints,
        }
    }

    fn report(&self) -> Report<'_> {
        Report {
            findings: &self.findings,
            fingerprints: &self.fingerprints,
            sources: &self.sources,
            files_checked: 2,
            started: SystemTime::now(),
        }
    }
}

fn fixture() -> Fixture {
    fixture_with(SECRET)
}

/// The fixture with `secret` as the secret's value.
fn fixture_with(secret: &str) -> Fixture {
    let mut sources = SourceMap::new();
    let ci_text = format!(
        "deploy:\n  variables:\n    AWS_SECRET_ACCESS_KEY: {secret}\n  script: ./deploy.sh\n"
    );
    let ci = sources.add(PathBuf::from(".gitlab-ci.yml"), ci_text.clone());
    let trust = sources.add(
        PathBuf::from("iam/trust.json"),
        "{\"Condition\": {\"StringLike\": {\"gitlab.com:sub\": \"*\"}}}\n",
    );
    let secret_start = ci_text.find(secret).unwrap();
    let secret = Span::new(ci, secret_start, secret_start + secret.len());
    let line_start = ci_text.find("AWS_SECRET").unwrap();
    let whole_line = Span::new(ci, line_start, secret.end as usize);
    let star = Span::new(trust, 47, 50);
    let mut with_fix = Finding::new(&meta::TL101, star, "every project can assume the role")
        .with_help("pin the sub")
        .with_related(whole_line, "the job that uses the role");
    with_fix.fix = Some(Fix {
        description: "pin the project".to_string(),
        edits: vec![Edit {
            span: star,
            replacement: "\"project_path:g/p:ref_type:branch:ref:main\"".to_string(),
        }],
        applicability: Applicability::Unsafe,
    });
    let findings = vec![
        // The secret's own finding, and a finding whose snippet shows the secret's line.
        Finding::new(&meta::TL001, whole_line, "a secret key in the pipeline").with_secret(secret),
        Finding::new(
            &meta::TL005,
            Span::new(ci, line_start, line_start + 5),
            "note here",
        ),
        with_fix,
    ];
    Fixture::new(sources, findings)
}

#[test]
fn no_format_prints_a_secret() {
    let fixture = fixture();
    let report = fixture.report();
    for (format, quiet) in [
        (Format::Human, false),
        (Format::Human, true),
        (Format::Json, false),
        (Format::Sarif, false),
        (Format::CodeQuality, false),
        (Format::GitlabSast, false),
    ] {
        let text = render(&report, format, quiet);
        assert!(
            !text.contains(SECRET),
            "{format:?} prints the secret:\n{text}"
        );
        assert!(
            !text.contains("wJalr"),
            "{format:?} prints part of the secret"
        );
        if format == Format::Human && !quiet {
            assert!(text.contains("AWS_SECRET_ACCESS_KEY: ****"), "{text}");
        }
    }
}

#[test]
fn fingerprints_do_not_depend_on_the_secret() {
    // The same findings over another secret value of the same length.
    let other = fixture_with(&"x".repeat(SECRET.len()));
    assert_eq!(fixture().fingerprints, other.fingerprints);
}

#[test]
fn sarif_carries_fixes_and_related_places_in_other_files() {
    let fixture = fixture();
    let report = fixture.report();
    let sarif: Value = serde_json::from_str(&render(&report, Format::Sarif, false)).unwrap();
    let result = &sarif["runs"][0]["results"][2];
    assert_eq!(result["ruleId"], "TL101");
    let change = &result["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "iam/trust.json");
    assert_eq!(change["replacements"][0]["deletedRegion"]["byteOffset"], 47);
    let related = &result["relatedLocations"][0]["physicalLocation"];
    assert_eq!(related["artifactLocation"]["uri"], ".gitlab-ci.yml");
    assert_eq!(related["region"]["startLine"], 3);
}
