//! Runs every rule fixture: each entry of `fixtures/<CODE>/bad/` must trigger its rule,
//! each entry of `fixtures/<CODE>/good/` must not, and the JSON report of every fixture is
//! snapshotted with insta. An entry is a file, checked from the workspace root, or a
//! folder (a small repository: pipeline, policies, `trustlint.toml`), checked as `.` from
//! inside it so its configuration applies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::workspace_root;

fn check_json(root: &Path, relative: &Path) -> Value {
    let output = Command::cargo_bin("trustlint")
        .unwrap()
        .current_dir(root)
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(relative)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}: exit {:?}, stderr: {}",
        relative.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

fn sorted_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn every_rule_fixture_triggers_or_not() {
    let root = workspace_root();
    let fixtures = root.join("fixtures");
    let mut checked = 0;
    for rule_dir in sorted_files(&fixtures) {
        let code = rule_dir.file_name().unwrap().to_string_lossy().to_string();
        if !code.starts_with("TL") {
            continue;
        }
        for (expectation, must_trigger) in [("bad", true), ("good", false)] {
            let files = sorted_files(&rule_dir.join(expectation));
            assert!(!files.is_empty(), "fixtures/{code}/{expectation} is empty");
            for file in files {
                let relative = file.strip_prefix(&root).unwrap().to_path_buf();
                let report = if file.is_dir() {
                    check_json(&file, Path::new("."))
                } else {
                    check_json(&root, &relative)
                };
                let found = codes(&report).contains(&code);
                assert_eq!(
                    found,
                    must_trigger,
                    "{}: expected {code} {}; report: {report:#}",
                    relative.display(),
                    if must_trigger {
                        "to fire"
                    } else {
                        "not to fire"
                    },
                );
                let name = format!(
                    "{code}__{expectation}__{}",
                    file.file_name().unwrap().to_string_lossy()
                );
                insta::with_settings!({snapshot_path => "snapshots", prepend_module_to_snapshot => false}, {
                    insta::assert_json_snapshot!(name, report);
                });
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} fixtures found");
}

#[test]
fn every_rule_has_fixtures() {
    let root = workspace_root();
    for meta in trustlint_rules_codes() {
        for expectation in ["bad", "good"] {
            let dir = root.join("fixtures").join(&meta).join(expectation);
            assert!(
                dir.is_dir(),
                "rule {meta} has no fixtures/{meta}/{expectation}"
            );
        }
    }
}

/// The codes `trustlint rules --format json` lists.
fn trustlint_rules_codes() -> Vec<String> {
    let output = Command::cargo_bin("trustlint")
        .unwrap()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect()
}
