//! The permissions rules on the corpus identity policies: every BishopFox iam-vulnerable
//! escalation scenario (`privesc*`, and the `fn*` ones other tools miss) is reported
//! (TL205, TL206, or TL201 for the administrator ones), and its false-positive scenarios
//! (`fp*`) are not.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};

use trustlint_parser::input::{self, Discovery, Workspace};
use trustlint_parser::{FileId, Limits, SourceFile};
use trustlint_rules::{engine, registry, Context, Settings};

#[path = "../../../tests/common/corpus.rs"]
mod corpus;

fn corpus() -> Option<PathBuf> {
    corpus::shared_corpus("iam/policies/iam-vulnerable")
}

/// The codes the registry's rules report for one file.
fn codes(path: &Path) -> Vec<&'static str> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = SourceFile::new(FileId(0), path.to_path_buf(), text.as_str());
    let mut workspace = Workspace::default();
    workspace.documents.extend(input::load(
        &file,
        None,
        Discovery::Named,
        &Limits::default(),
    ));
    workspace.sources.push(file);
    let settings = Settings::default();
    let cx = Context::new(&workspace, &settings);
    engine::run(registry::all(), &cx)
        .iter()
        .map(|f| f.code())
        .collect()
}

#[test]
fn escalation_scenarios_are_reported() {
    let Some(dir) = corpus() else { return };
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with("privesc") && !name.starts_with("fn")
            || name == "fn1-privesc3-partial.json"
        {
            continue;
        }
        let found = codes(&path);
        assert!(
            ["TL201", "TL205", "TL206"]
                .iter()
                .any(|c| found.contains(c)),
            "{name}: {found:?}"
        );
        checked += 1;
    }
    assert!(checked >= 34, "only {checked} scenarios");
}

#[test]
fn false_positive_scenarios_are_not() {
    let Some(dir) = corpus() else { return };
    // fp5's condition (a token issued before 2020) can never hold, which the rules do
    // not evaluate: it is reported, as documented. `ec2:RunInstances` without
    // `iam:PassRole` (fn1-privesc3-partial) launches instances without a role: TL203 only.
    for name in [
        "fp1-allow-and-deny.json",
        "fp3-deny-iam.json",
        "fp4-nonExploitableResourceConstraint.json",
        "deny-all.json",
        "fn1-privesc3-partial.json",
    ] {
        let found = codes(&dir.join(name));
        assert!(
            !found.contains(&"TL205") && !found.contains(&"TL201"),
            "{name}: {found:?}"
        );
    }
    let found = codes(&dir.join("fp2-allow-all.json"));
    assert_eq!(found, ["TL201"]);
}
