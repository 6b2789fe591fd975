//! One test per rule fixture: each entry of `fixtures/<CODE>/bad/` must trigger its rule,
//! each entry of `fixtures/<CODE>/good/` must not (`cargo test --test fixtures TL101`
//! runs TL101's). An entry is a file, checked from the workspace root, or a folder (a
//! small repository: pipeline, policies, `trustlint.toml`), checked as `.` from inside it
//! so its configuration applies. Each report is kept as a snapshot a reviewer can read:
//! one line per finding with its place, then its help, related places and fix.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

mod common;
use common::{json_report, trustlint, workspace_root};

fn main() {
    let arguments = Arguments::from_args();
    let mut trials = vec![Trial::test(
        "every_rule_has_fixtures",
        every_rule_has_fixtures,
    )];
    for rule_dir in sorted_entries(&workspace_root().join("fixtures")) {
        let code = file_name(&rule_dir);
        if !code.starts_with("TL") {
            continue;
        }
        for expectation in ["bad", "good"] {
            for entry in sorted_entries(&rule_dir.join(expectation)) {
                let name = format!("{code}::{expectation}::{}", file_name(&entry));
                let rule = code.clone();
                trials.push(Trial::test(name, move || {
                    check_fixture(&rule, expectation, &entry)
                }));
            }
        }
    }
    libtest_mimic::run(&arguments, trials).exit();
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

fn check_fixture(code: &str, expectation: &str, entry: &Path) -> Result<(), Failed> {
    let root = workspace_root();
    let (dir, target) = if entry.is_dir() {
        (entry.to_path_buf(), PathBuf::from("."))
    } else {
        (
            root.clone(),
            entry.strip_prefix(&root).unwrap().to_path_buf(),
        )
    };
    let (status, report) = json_report(
        trustlint(&dir)
            .args(["check", "--format", "json", "--fail-on", "never"])
            .arg(&target),
    );
    if status != 0 {
        return Err(format!("exit {status}").into());
    }
    let fired = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == code);
    let must_fire = expectation == "bad";
    if fired != must_fire {
        let wanted = if must_fire { "to fire" } else { "not to fire" };
        return Err(format!("expected {code} {wanted}; found:\n{}", readable(&report)).into());
    }
    let name = format!("{code}__{expectation}__{}", file_name(entry));
    insta::with_settings!({snapshot_path => "snapshots/fixtures", prepend_module_to_snapshot => false, omit_expression => true}, {
        insta::assert_snapshot!(name, readable(&report));
    });
    Ok(())
}

/// A report as a reviewer reads it: the summary, then per finding
/// `CODE severity path:line:col-line:col message`, its help, related places and fix.
fn readable(report: &Value) -> String {
    let summary = &report["summary"];
    let mut text = format!(
        "{} files, {} errors, {} warnings, {} notes\n",
        summary["files"], summary["errors"], summary["warnings"], summary["notes"]
    );
    for d in report["diagnostics"].as_array().unwrap() {
        let _ = writeln!(
            text,
            "\n{} {} {} {}",
            d["code"].as_str().unwrap(),
            d["severity"].as_str().unwrap(),
            place(d),
            d["message"].as_str().unwrap()
        );
        if let Some(help) = d["help"].as_str() {
            let _ = writeln!(text, "  help: {help}");
        }
        for related in d["related"].as_array().into_iter().flatten() {
            let _ = writeln!(
                text,
                "  related {}: {}",
                place(related),
                related["message"].as_str().unwrap()
            );
        }
        if let Some(fix) = d["fix"].as_object() {
            let _ = writeln!(text, "  fix: {}", fix["description"].as_str().unwrap());
            for edit in fix["edits"].as_array().into_iter().flatten() {
                let _ = writeln!(text, "    {} -> {}", place(edit), edit["replacement"]);
            }
        }
    }
    text
}

/// `path:line:col-line:col` of a diagnostic, related place or edit.
fn place(item: &Value) -> String {
    let range = &item["range"];
    format!(
        "{}:{}:{}-{}:{}",
        item["file"].as_str().unwrap_or_default(),
        range["start"]["line"],
        range["start"]["column"],
        range["end"]["line"],
        range["end"]["column"]
    )
}

/// Every rule `trustlint rules` lists has both kinds of fixtures.
fn every_rule_has_fixtures() -> Result<(), Failed> {
    let output = trustlint(&workspace_root())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let rules: Value = serde_json::from_slice(&output.stdout).unwrap();
    let fixtures = workspace_root().join("fixtures");
    let mut missing = Vec::new();
    for rule in rules.as_array().unwrap() {
        let code = rule["code"].as_str().unwrap();
        for kind in ["bad", "good"] {
            if !fixtures.join(code).join(kind).is_dir() {
                missing.push(format!("fixtures/{code}/{kind}"));
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("missing: {}", missing.join(", ")).into())
    }
}
