//! GitLab's documented Azure examples (`tests/data/azure-docs`, see its README): no
//! error except TL703 on the flexible credentials, which match `sub` alone where
//! Microsoft now requires a `project_id`, `namespace_id` or `user_id` clause. The
//! single-branch credential with the page's job (no `rules:`, so it also runs on other
//! branches and tags) is a TL702 warning: those runs are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;

use serde_json::Value;

mod common;
use common::{json_report, trustlint, workspace_root};

/// `(code, severity, file)` of every finding of `trustlint check` on `paths` in `dir`.
fn findings(dir: &Path, paths: &[&str]) -> Vec<(String, String, String)> {
    let (_, report): (_, Value) = json_report(
        trustlint(dir)
            .args(["check", "--format", "json", "--fail-on", "never"])
            .args(paths),
    );
    let mut found: Vec<(String, String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let text = |key: &str| d[key].as_str().unwrap().to_owned();
            (text("code"), text("severity"), text("file"))
        })
        .collect();
    found.sort();
    found
}

fn tl703_on(files: &[&str]) -> Vec<(String, String, String)> {
    files
        .iter()
        .map(|f| ("TL703".to_owned(), "error".to_owned(), (*f).to_owned()))
        .collect()
}

#[test]
fn documented_examples_as_written_give_only_tl703() {
    let dir = workspace_root().join("tests/data/azure-docs/verbatim");
    for file in ["body.json", ".gitlab-ci.yml"] {
        assert_eq!(findings(&dir, &[file]), [], "{file}");
    }
    for file in ["body-branches.json", "body-tags.json"] {
        assert_eq!(findings(&dir, &[file]), tl703_on(&[file]), "{file}");
    }
}

#[test]
fn documented_examples_on_one_instance_give_no_error_but_tl703() {
    let dir = workspace_root().join("tests/data/azure-docs/instance");
    assert_eq!(
        findings(&dir, &["."]),
        tl703_on(&["body-branches.json", "body-tags.json"])
    );
    let pair = findings(&dir, &[".gitlab-ci.yml", "body.json"]);
    assert_eq!(
        pair,
        [(
            "TL702".to_owned(),
            "warning".to_owned(),
            "body.json".to_owned()
        )]
    );
}
