//! `trustlint check --fix` / `--unsafe-fixes` / `--diff`: for every rule with a fix, each
//! bad fixture fixed on a copy gives the file of `tests/data/fixed/<CODE>/` and checks
//! clean for that rule, a second `--fix` changes nothing; safe fixes alone leave unsafe
//! ones; `--diff` writes nothing; on a copy of the demo, a fix changes only what it claims.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::path::{Path, PathBuf};

mod common;
use common::{copy, json_report, trustlint, workspace_root};

/// A fresh folder outside the repository (no git remote, no configuration above it).
fn temp_folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("trustlint-fixes-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file under `path` (itself when a file), relative to it, with its text.
fn files(path: &Path) -> Vec<(PathBuf, String)> {
    if path.is_file() {
        return vec![(PathBuf::new(), fs::read_to_string(path).unwrap())];
    }
    let mut out = Vec::new();
    for entry in fs::read_dir(path).unwrap() {
        let entry = entry.unwrap();
        for (below, text) in files(&entry.path()) {
            let name = Path::new(&entry.file_name()).to_path_buf();
            let path = if below.as_os_str().is_empty() {
                name
            } else {
                name.join(below)
            };
            out.push((path, text));
        }
    }
    out.sort();
    out
}

/// The codes of a JSON report's findings.
fn codes(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["code"].as_str().unwrap().to_string())
        .collect()
}

/// The codes of the findings that have a fix in the JSON report of `entry`.
fn fixable(dir: &Path, entry: &str) -> Vec<String> {
    let (_, report) = json_report(trustlint(dir).args(["check", "--format", "json", entry]));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| !finding["fix"].is_null())
        .map(|finding| finding["code"].as_str().unwrap().to_string())
        .collect()
}

/// `trustlint check --fix --unsafe-fixes ENTRY` in `dir`, which must succeed.
fn fix_all(dir: &Path, entry: &str) {
    trustlint(dir)
        .args([
            "check",
            "--fix",
            "--unsafe-fixes",
            "--fail-on",
            "never",
            entry,
        ])
        .assert()
        .success();
}

#[test]
fn every_fixed_fixture_is_what_fix_writes_and_checks_clean_for_its_rule() {
    let fixed = workspace_root().join("tests/data/fixed");
    let mut rules: Vec<PathBuf> = fs::read_dir(&fixed)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    rules.sort();
    assert!(rules.len() >= 9, "{rules:?}");
    for rule in rules {
        let code = rule.file_name().unwrap().to_str().unwrap().to_string();
        let dir = temp_folder(&code);
        for expected in fs::read_dir(&rule).unwrap() {
            let expected = expected.unwrap().path();
            let name = expected.file_name().unwrap().to_str().unwrap().to_string();
            let bad = workspace_root()
                .join("fixtures")
                .join(&code)
                .join("bad")
                .join(&name);
            copy(&bad, &dir.join(&name));
            assert!(
                fixable(&dir, &name).contains(&code),
                "{code}/{name}: no fix to apply"
            );
            // --diff shows the change and writes nothing.
            let diff = trustlint(&dir)
                .args(["check", "--diff", "--unsafe-fixes", &name])
                .output()
                .unwrap();
            assert_eq!(diff.status.code(), Some(1), "{code}/{name}");
            assert!(
                String::from_utf8_lossy(&diff.stdout).contains("+++ b/"),
                "{code}/{name}"
            );
            assert_eq!(
                files(&dir.join(&name)),
                files(&bad),
                "{code}/{name}: --diff wrote"
            );
            fix_all(&dir, &name);
            assert_eq!(files(&dir.join(&name)), files(&expected), "{code}/{name}");
            let (_, report) = json_report(
                trustlint(&dir).args(["check", "--format", "json", "--select", &code, &name]),
            );
            assert!(!codes(&report).contains(&code), "{code}/{name}: {report}");
            // A second run has nothing left to change.
            let again = trustlint(&dir)
                .args(["check", "--diff", "--unsafe-fixes", &name])
                .output()
                .unwrap();
            assert_eq!(again.status.code(), Some(0), "{code}/{name}");
            assert!(again.stdout.is_empty(), "{code}/{name}");
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

#[test]
fn safe_fixes_alone_leave_the_unsafe_ones() {
    let dir = temp_folder("safe");
    let bad = workspace_root().join("fixtures/TL105/bad");
    copy(&bad, &dir.join("bad"));
    // The JSON report says which fixes `--fix` applies: the safe ones.
    let (_, report) = json_report(trustlint(&dir).args(["check", "--format", "json", "bad"]));
    let mut applicability: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == "TL105" && !finding["fix"].is_null())
        .map(|finding| {
            let file = finding["file"].as_str().unwrap();
            let name = Path::new(file).file_name().unwrap().to_str().unwrap();
            let applicability = finding["fix"]["applicability"].as_str().unwrap();
            (name.to_string(), applicability.to_string())
        })
        .collect();
    applicability.sort();
    applicability.dedup();
    let safe: Vec<&str> = applicability
        .iter()
        .filter(|(_, applicability)| applicability == "safe")
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        safe,
        ["like-without-wildcard-note.json"],
        "{applicability:?}"
    );
    assert!(
        applicability.iter().any(|(_, a)| a == "unsafe"),
        "{applicability:?}"
    );
    trustlint(&dir)
        .args(["check", "--fix", "--fail-on", "never", "bad"])
        .assert()
        .success();
    // The note's fix (StringLike without wildcards) is safe; the others widen a condition.
    let changed: Vec<String> = files(&dir.join("bad"))
        .into_iter()
        .zip(files(&bad))
        .filter(|(after, before)| after != before)
        .map(|(after, _)| after.0.display().to_string())
        .collect();
    assert_eq!(changed, ["like-without-wildcard-note.json"]);
    assert!(fixable(&dir, "bad").contains(&"TL105".to_string()));
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn fix_on_a_copy_of_the_demo_changes_only_what_it_claims() {
    let demo = workspace_root().join("fixtures/demo");
    let dir = temp_folder("demo");
    copy(&demo, &dir.join("demo"));
    let (_, original) = json_report(trustlint(&dir).args(["check", "--format", "json", "demo"]));
    // The demo as it is: no finding has a fix, nothing changes.
    assert!(fixable(&dir, "demo").is_empty());
    fix_all(&dir, "demo");
    assert_eq!(files(&dir.join("demo")), files(&demo));
    // With the `aud` condition written `StringLike` (TL105 note, a safe fix), --fix
    // claims one fix, and makes the file the demo's again: nothing else changes.
    let trust = dir.join("demo/iam/deploy-trust.json");
    let text = fs::read_to_string(&trust).unwrap();
    let like = text.replacen("\"StringEquals\"", "\"StringLike\"", 1);
    assert_ne!(like, text);
    fs::write(&trust, like).unwrap();
    assert_eq!(fixable(&dir, "demo"), ["TL105"]);
    let output = trustlint(&dir)
        .args(["check", "--fix", "--fail-on", "never", "demo"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("applied 1 fix in 1 file"), "{said}");
    assert_eq!(files(&dir.join("demo")), files(&demo));
    let (_, after) = json_report(trustlint(&dir).args(["check", "--format", "json", "demo"]));
    assert_eq!(codes(&after), codes(&original));
    let _ = fs::remove_dir_all(&dir);
}
