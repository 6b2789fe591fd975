//! Every machine-readable format of the demo and of every fixture against its schema
//! (docs/schemas/), the SARIF invariants GitHub and GitLab rely on, inline suppressions,
//! baselines, and the project path from the git remote.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod common;
use common::{scratch, trustlint, workspace_root, AUD_ONLY_TRUST};

/// Runs `check` and returns the exit code and standard output.
fn check(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = trustlint(dir).arg("check").args(args).output().unwrap();
    assert!(
        output.status.code().unwrap() <= 1,
        "{args:?}: stderr {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn report(dir: &Path, format: &str, paths: &[&str]) -> Value {
    let mut args = vec!["--format", format, "--fail-on", "never"];
    args.extend(paths);
    let (_, stdout) = check(dir, &args);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{format}: not JSON ({e}): {stdout}"))
}

/// The demo (checked from its folder) and every fixture (named, from the workspace root).
fn inputs() -> Vec<(PathBuf, String)> {
    let root = workspace_root();
    let mut fixtures: Vec<String> = Vec::new();
    for rule in fs::read_dir(root.join("fixtures")).unwrap() {
        let rule = rule.unwrap().path();
        if !rule
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("TL")
        {
            continue;
        }
        for expectation in ["bad", "good"] {
            if let Ok(entries) = fs::read_dir(rule.join(expectation)) {
                fixtures.extend(entries.map(|e| {
                    let path = e.unwrap().path();
                    path.strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .to_string()
                }));
            }
        }
    }
    fixtures.sort();
    assert!(fixtures.len() > 20, "{} fixtures", fixtures.len());
    let mut inputs = vec![(root.join("fixtures/demo"), ".".to_string())];
    inputs.extend(fixtures.into_iter().map(|fixture| (root.clone(), fixture)));
    inputs
}

fn validator(schema: &str) -> jsonschema::Validator {
    let path = workspace_root().join("docs/schemas").join(schema);
    let schema: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn assert_valid(validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{instance:#}");
}

#[test]
fn every_format_of_the_demo_and_every_fixture_validates() {
    let schemas = [
        ("json", validator("json.schema.json")),
        ("codequality", validator("codequality.schema.json")),
        ("gitlab-sast", validator("gitlab-sast.schema.json")),
    ];
    let rule_codes = rule_codes();
    let mut findings = 0;
    for (dir, path) in inputs() {
        let what = format!("{path} in {}", dir.display());
        let mut count = 0;
        for (format, validator) in &schemas {
            let output = report(&dir, format, &[&path]);
            assert_valid(validator, &output, &format!("{what} as {format}"));
            match *format {
                "json" => count = output["diagnostics"].as_array().unwrap().len(),
                "codequality" => {
                    let mut prints: Vec<&str> = output
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|issue| issue["fingerprint"].as_str().unwrap())
                        .collect();
                    prints.sort_unstable();
                    prints.dedup();
                    assert_eq!(
                        prints.len(),
                        count,
                        "{what}: unique code quality fingerprints"
                    );
                }
                _ => {}
            }
        }
        findings += count;
        let sarif = report(&dir, "sarif", &[&path]);
        check_sarif(&sarif, &rule_codes, count, &what);
    }
    assert!(findings > 20, "{findings} findings");
}

/// Every rule code, as `trustlint rules` lists them.
fn rule_codes() -> Vec<String> {
    let output = Command::cargo_bin("trustlint")
        .unwrap()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice::<Value>(&output.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| rule["code"].as_str().unwrap().to_string())
        .collect()
}

/// What the official schema can't say: rule indexes point at their rule, every result
/// has a fingerprint, columns are code points, every rule has help and a security
/// severity.
fn check_sarif(sarif: &Value, expected_rules: &[String], findings: usize, what: &str) {
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<String> = rules
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, expected_rules, "every rule in tool.driver.rules");
    for rule in rules {
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## Fix"));
        assert!(rule["helpUri"]
            .as_str()
            .unwrap()
            .ends_with(&format!("docs/rules/{}.md", rule["id"].as_str().unwrap())));
        assert!(rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .is_ok());
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), findings, "{what}");
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "{what}");
        assert_eq!(
            result["partialFingerprints"]["trustlint/v1"]
                .as_str()
                .unwrap()
                .len(),
            32
        );
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn sarif_has_related_locations_and_fixes_where_findings_have_them() {
    let root = workspace_root();
    let sarif = report(&root, "sarif", &["fixtures/TL101/bad/star-sub.json"]);
    let result = &sarif["runs"][0]["results"][0];
    let related = result["relatedLocations"].as_array().unwrap();
    assert!(!related.is_empty());
    assert_eq!(related[0]["id"], 1);
    assert!(related[0]["message"]["text"]
        .as_str()
        .unwrap()
        .ends_with('.'));
}

const SUPPRESSED: &str = "deploy:
  script: ./deploy.sh
  # trustlint: ignore[TL001]
  variables: [unclosed
";

#[test]
fn inline_suppressions_silence_the_line_below_and_unused_ones_are_notes() {
    let dir = scratch(
        "suppress",
        &[
            ("used/.gitlab-ci.yml", SUPPRESSED),
            (
                "unused/.gitlab-ci.yml",
                "# trustlint: ignore[TL001]\njob:\n  script: x\n",
            ),
            (
                "too-far/.gitlab-ci.yml",
                "# trustlint: ignore[TL001]\n\njob: [x\n",
            ),
        ],
    );
    let codes = |path: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec!["--format", "json", "--fail-on", "never", path];
        args.extend(extra);
        let (_, stdout) = check(&dir, &args);
        let report: Value = serde_json::from_str(&stdout).unwrap();
        report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes("used", &[]), Vec::<String>::new());
    assert_eq!(codes("unused", &[]), ["TL005"]);
    // Too far away: the finding stays and the suppression is unused.
    assert_eq!(codes("too-far", &[]), ["TL005", "TL001"]);
    // A suppression of a rule that did not run is not "unused".
    assert_eq!(
        codes("unused", &["--ignore", "TL001"]),
        Vec::<String>::new()
    );
    // TL005 itself can be switched off.
    assert_eq!(
        codes("unused", &["--ignore", "TL005"]),
        Vec::<String>::new()
    );
    // Exit status: a suppressed error doesn't fail the run; a note doesn't by default.
    assert_eq!(
        trustlint(&dir)
            .args(["check", "used"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        trustlint(&dir)
            .args(["check", "unused"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn write_baseline_then_baseline_exits_0_on_the_demo() {
    let demo = workspace_root().join("fixtures/demo");
    let baseline = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-baseline.json");
    let baseline = baseline.to_str().unwrap();
    let (code, _) = check(&demo, &["--write-baseline", baseline]);
    assert_eq!(code, 0, "--write-baseline exits 0");
    let written: Value = serde_json::from_str(&fs::read_to_string(baseline).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    let (code, stdout) = check(&demo, &["--baseline", baseline, "--format", "json"]);
    assert_eq!(code, 0, "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn baseline_survives_unrelated_edits_but_reports_new_findings() {
    let dir = scratch("baseline_edits", &[("trust.json", AUD_ONLY_TRUST)]);
    let (code, _) = check(&dir, &["--write-baseline", "b.json", "."]);
    assert_eq!(code, 0);
    // Unrelated edits: a new statement above, re-indentation, blank lines.
    let moved = AUD_ONLY_TRUST
        .replacen(
            "\"Statement\": [\n",
            "\"Statement\": [\n\n    {\"Sid\": \"Read\", \"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}, \"Action\": \"sts:AssumeRole\"},\n",
            1,
        )
        .replace("      \"Effect\"", "        \"Effect\"");
    fs::write(dir.join("trust.json"), &moved).unwrap();
    let (code, stdout) = check(&dir, &["--baseline", "b.json", "--format", "json", "."]);
    assert_eq!(code, 0, "{stdout}");
    // A new finding is reported.
    let added = moved.replace(
        "\"Statement\": [\n",
        "\"Statement\": [\n    {\"Effect\": \"Allow\", \"Principal\": {\"Federated\": \"arn:aws:iam::123456789012:oidc-provider/gitlab.com\"}, \"Action\": \"sts:AssumeRoleWithWebIdentity\"},\n",
    );
    fs::write(dir.join("trust.json"), added).unwrap();
    let (code, stdout) = check(&dir, &["--baseline", "b.json", "--format", "json", "."]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let new = report["diagnostics"].as_array().unwrap();
    assert!(!new.is_empty());
    for diagnostic in new {
        assert_eq!(
            diagnostic["range"]["start"]["line"], 4,
            "only the new statement: {diagnostic:#}"
        );
    }
    // A broken baseline is a run failure.
    fs::write(dir.join("bad.json"), "{}").unwrap();
    let status = trustlint(&dir)
        .args(["check", "--baseline", "bad.json", "trust.json"])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(2));
}

#[test]
fn project_comes_from_the_gitlab_remote_unless_set() {
    let dir = scratch(
        "git_remote",
        &[
            ("trust.json", AUD_ONLY_TRUST),
            (
                ".git/config",
                "[remote \"origin\"]\n\turl = git@gitlab.com:platform/deployer.git\n",
            ),
        ],
    );
    let help = |command: &mut Command| -> String {
        let output = command.output().unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap();
        report["diagnostics"][0]["help"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let args = ["check", "--format", "json", "."];
    assert!(help(trustlint(&dir).args(args)).contains("project_path:platform/deployer:"));
    assert!(help(
        trustlint(&dir)
            .args(args)
            .env("CI_PROJECT_PATH", "ci/project")
    )
    .contains("project_path:ci/project:"));
    assert!(help(
        trustlint(&dir)
            .args(args)
            .args(["--gitlab-project", "flag/project"])
    )
    .contains("project_path:flag/project:"));
    // A remote that is not GitLab is not a project.
    fs::write(
        dir.join(".git/config"),
        "[remote \"origin\"]\n\turl = https://github.com/platform/deployer.git\n",
    )
    .unwrap();
    assert!(!help(trustlint(&dir).args(args)).contains("platform/deployer"));
}

#[test]
fn sast_and_codequality_severities_and_ids() {
    let root = workspace_root();
    let sast = report(
        &root,
        "gitlab-sast",
        &["fixtures/TL101/bad/no-condition.json"],
    );
    let vulnerability = &sast["vulnerabilities"][0];
    assert_eq!(vulnerability["severity"], "High");
    assert_eq!(vulnerability["identifiers"][0]["value"], "TL101");
    assert_eq!(vulnerability["id"].as_str().unwrap().len(), 36);
    let quality = report(
        &root,
        "codequality",
        &["fixtures/TL101/bad/no-condition.json"],
    );
    assert_eq!(quality[0]["severity"], "critical");
    assert_eq!(quality[0]["check_name"], "TL101");
    assert_eq!(
        quality[0]["location"]["path"],
        "fixtures/TL101/bad/no-condition.json"
    );
}
