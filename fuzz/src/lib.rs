//! Shared code of the fuzz targets: turning fuzzer bytes into text the way the CLI does,
//! and the whole check of one file (load, every rule, both reporters).

use std::io;
use std::path::PathBuf;
use std::time::SystemTime;

use trustlint_parser::input::{self, Discovery, InputKind, Workspace};
use trustlint_parser::{FileId, Limits, SourceFile};
use trustlint_report::{Format, HumanStyle, Report};
use trustlint_rules::{engine, registry, Context, Settings};

/// The bytes as text: invalid UTF-8 is replaced, as the CLI does before reporting the
/// file as unreadable, so every input reaches a parser.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// The file names (and forced kinds) one input is checked under: a walked `.json` file
/// (kind detected from content), a `.gitlab-ci.yml` and a `.tf` file (kinds from the name).
const AS: &[(&str, Option<InputKind>, Discovery)] = &[
    ("policy.json", None, Discovery::Walked),
    (
        "role.trust.json",
        Some(InputKind::IamPolicy),
        Discovery::Named,
    ),
    (".gitlab-ci.yml", None, Discovery::Named),
    ("main.tf", None, Discovery::Walked),
];

/// The whole check of `text` as each kind of file: load, all rules with default
/// settings, and the human (plain, colour, quiet) and JSON reports written to a sink.
pub fn check_all_ways(text: &str) {
    for &(name, kind, discovery) in AS {
        check_one(name, kind, discovery, text);
    }
}

fn check_one(name: &str, kind: Option<InputKind>, discovery: Discovery, text: &str) {
    let file = SourceFile::new(FileId(0), PathBuf::from(name), text);
    let document = input::load(&file, kind, discovery, &Limits::default());
    let mut workspace = Workspace::default();
    workspace.sources.push(file);
    workspace.documents.extend(document);
    let settings = Settings::default();
    let cx = Context::new(&workspace, &settings);
    let findings = engine::run(registry::all(), &cx);
    let report = Report {
        findings: &findings,
        sources: &workspace.sources,
        files_checked: workspace.documents.len(),
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
    trustlint_report::write(
        &report,
        Format::Json,
        HumanStyle::default(),
        &mut io::sink(),
    )
    .expect("JSON report to a sink");
}
