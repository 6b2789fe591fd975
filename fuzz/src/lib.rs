//! Shared code of the fuzz targets: turning fuzzer bytes into text the way the CLI does,
//! and the whole check of one file: the lint pipeline (`trustlint_lint::lint` on the text
//! in memory: load, every rule, suppressions, filters, masking, fingerprints) and every
//! reporter.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use trustlint_lint::{lint, LintRequest};
use trustlint_parser::input::InputKind;
use trustlint_report::{Format, HumanStyle, Report};

/// The bytes as text: invalid UTF-8 is replaced, as the CLI does before reporting the
/// file as unreadable, so every input reaches a parser.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Where the inputs are said to be: a folder that does not exist, so that no
/// configuration, repository or `include:`d file of the machine running the fuzzer applies.
const FOLDER: &str = "/nonexistent/trustlint-fuzz";

/// The file names (and forced kinds) one input is checked under: a `.json` file (kind
/// detected from content), a forced IAM policy, a `.gitlab-ci.yml` and a `.tf` file
/// (kinds from the name).
const AS: &[(&str, Option<InputKind>)] = &[
    ("policy.json", None),
    ("role.trust.json", Some(InputKind::IamPolicy)),
    (".gitlab-ci.yml", None),
    ("main.tf", None),
];

/// The whole check of `text` as each kind of file: the lint pipeline with default
/// settings, and every report (human plain, colour and quiet, JSON, SARIF, code quality,
/// GitLab SAST) written to a sink.
pub fn check_all_ways(text: &str) {
    for &(name, kind) in AS {
        check_one(name, kind, text);
    }
}

fn check_one(name: &str, kind: Option<InputKind>, text: &str) {
    let path = Path::new(FOLDER).join(name);
    let mut request = LintRequest::in_memory([(PathBuf::from(&path), text.to_string())]);
    request.kind = kind;
    // Nothing but a configuration or a selector can make a run fail.
    let outcome = lint(&request).expect("a run of one in-memory file");
    let report = Report {
        findings: &outcome.findings,
        fingerprints: &outcome.fingerprints,
        sources: &outcome.sources,
        files_checked: outcome.files_checked,
        started: SystemTime::UNIX_EPOCH,
    };
    let styles = [
        HumanStyle {
            color: false,
            quiet: false,
        },
        HumanStyle {
            color: true,
            quiet: false,
        },
        HumanStyle {
            color: false,
            quiet: true,
        },
    ];
    // Writing to a sink cannot fail: an error is a reporter bug, so it crashes the target.
    for style in styles {
        trustlint_report::write(&report, Format::Human, style, &mut io::sink())
            .expect("human report to a sink");
    }
    for format in [
        Format::Json,
        Format::Sarif,
        Format::CodeQuality,
        Format::GitlabSast,
    ] {
        trustlint_report::write(&report, format, HumanStyle::default(), &mut io::sink())
            .expect("report to a sink");
    }
}
