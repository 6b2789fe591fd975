//! The command-line contract: exit codes, detection, JSON shape and order, config errors,
//! `rules` and `explain`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;

use serde_json::Value;

mod common;
use common::{json_report, scratch, trustlint, AUD_ONLY_TRUST};

#[test]
fn aud_only_trust_reports_tl101_at_the_statement_and_exits_1() {
    let dir = scratch("aud_only", &[("trust.json", AUD_ONLY_TRUST)]);
    let (code, report) =
        json_report(trustlint(&dir).args(["check", "--format", "json", "trust.json"]));
    assert_eq!(code, 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 1, "{report:#}");
    let d = &diagnostics[0];
    assert_eq!(d["code"], "TL101");
    assert_eq!(d["rule"], "oidc-trust-missing-sub");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], "trust.json");
    assert_eq!(
        d["range"]["start"],
        serde_json::json!({"line": 4, "column": 5})
    );
    assert_eq!(
        d["range"]["end"],
        serde_json::json!({"line": 9, "column": 6})
    );
    let offset = d["range"]["offset"].as_u64().unwrap() as usize;
    let length = d["range"]["length"].as_u64().unwrap() as usize;
    let statement = &AUD_ONLY_TRUST[offset..offset + length];
    assert!(
        statement.starts_with('{') && statement.ends_with('}'),
        "{statement}"
    );
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(report["summary"]["errors"], 1);
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "trustlint");
}

#[test]
fn broken_json_is_tl001_with_position_and_other_files_are_still_checked() {
    let dir = scratch(
        "broken",
        &[
            (
                "a-broken.json",
                "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [}\n",
            ),
            ("b-trust.json", AUD_ONLY_TRUST),
            ("tsconfig.json", "{ // comments are fine in tsconfig\n}"),
            ("package.json", "{\"name\": \"x\"}"),
        ],
    );
    let (code, report) = json_report(trustlint(&dir).args(["check", "--format", "json", "."]));
    assert_eq!(code, 1);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let summary: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d["file"].as_str().unwrap(),
                d["code"].as_str().unwrap(),
                d["range"]["start"]["line"]
            )
        })
        .collect();
    assert_eq!(
        summary,
        ["a-broken.json TL001 3", "b-trust.json TL101 4"],
        "{report:#}"
    );
    assert_eq!(
        report["summary"]["files"], 2,
        "tsconfig.json and package.json are not ours"
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let dir = scratch(
        "stable",
        &[
            ("one.json", AUD_ONLY_TRUST),
            ("two/two.json", AUD_ONLY_TRUST),
            ("three.json", "{"),
        ],
    );
    let run = || {
        trustlint(&dir)
            .args(["check", "--format", "json", "--jobs", "2", "."])
            .output()
            .unwrap()
            .stdout
    };
    let first = run();
    for _ in 0..3 {
        assert_eq!(run(), first);
    }
}

#[test]
fn clean_input_exits_0_and_fail_on_moves_the_threshold() {
    let dir = scratch("clean", &[("trust.json", AUD_ONLY_TRUST)]);
    trustlint(&dir)
        .args(["check", "--select", "TL002", "trust.json"])
        .assert()
        .code(0);
    trustlint(&dir)
        .args(["check", "--ignore", "TL101", "trust.json"])
        .assert()
        .code(0);
    trustlint(&dir)
        .args(["check", "--fail-on", "never", "trust.json"])
        .assert()
        .code(0);
    trustlint(&dir)
        .args(["check", "--fail-on", "error", "trust.json"])
        .assert()
        .code(1);
}

#[test]
fn run_failures_exit_2() {
    let dir = scratch("failures", &[("trust.json", AUD_ONLY_TRUST)]);
    trustlint(&dir)
        .args(["check", "missing.json"])
        .assert()
        .code(2);
    trustlint(&dir)
        .args(["check", "--select", "TL99", "trust.json"])
        .assert()
        .code(2);
    trustlint(&dir)
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2);
    trustlint(&dir)
        .args(["check", "--config", "nope.toml"])
        .assert()
        .code(2);
    let bad_config = scratch(
        "bad_config",
        &[
            ("trustlint.toml", "[gitlab]\nhots = \"x\"\n"),
            ("trust.json", AUD_ONLY_TRUST),
        ],
    );
    let output = trustlint(&bad_config.join(""))
        .args(["check", "trust.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `host`"), "{stderr}");
}

#[test]
fn config_is_found_upward_and_applies() {
    let dir = scratch(
        "config_upward",
        &[
            (
                "trustlint.toml",
                "[rules]\nseverity = { TL101 = \"note\" }\n",
            ),
            ("sub/trust.json", AUD_ONLY_TRUST),
        ],
    );
    let (code, report) =
        json_report(trustlint(&dir.join("sub")).args(["check", "--format", "json", "trust.json"]));
    assert_eq!(code, 0, "a note is below the default --fail-on warning");
    assert_eq!(report["diagnostics"][0]["severity"], "note");
    let (_, report) = json_report(trustlint(&dir.join("sub")).args([
        "check",
        "--format",
        "json",
        "--fail-on",
        "note",
        "trust.json",
    ]));
    assert_eq!(report["summary"]["notes"], 1);
}

#[test]
fn ignore_paths_from_config() {
    let dir = scratch(
        "config_ignore",
        &[
            (
                "trustlint.toml",
                "[[ignore]]\npath = \"legacy/**\"\ncodes = [\"TL101\"]\n",
            ),
            ("legacy/trust.json", AUD_ONLY_TRUST),
            ("trust.json", AUD_ONLY_TRUST),
        ],
    );
    let (_, report) = json_report(trustlint(&dir).args(["check", "--format", "json", "."]));
    let files: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].clone())
        .collect();
    assert_eq!(files, [serde_json::json!("trust.json")]);
}

#[test]
fn named_file_is_tl001_even_without_iam_signs() {
    let dir = scratch("named_broken", &[("notes.json", "{ not json")]);
    let (code, report) =
        json_report(trustlint(&dir).args(["check", "--format", "json", "notes.json"]));
    assert_eq!(code, 1);
    assert_eq!(report["diagnostics"][0]["code"], "TL001");
}

#[test]
fn gitignored_files_are_skipped_and_gitlab_folder_is_walked() {
    let dir = scratch(
        "walk",
        &[
            (".gitignore", "ignored/\n"),
            ("ignored/trust.json", AUD_ONLY_TRUST),
            (
                ".gitlab/ci/deploy.gitlab-ci.yml",
                "deploy:\n  script: [\"true\"]\n   x: 1\n",
            ),
        ],
    );
    let (_, report) = json_report(trustlint(&dir).args(["check", "--format", "json", "."]));
    let files: Vec<_> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(files, [".gitlab/ci/deploy.gitlab-ci.yml"], "{report:#}");
}

#[test]
fn human_output_has_snippet_help_and_summary() {
    let dir = scratch("human", &[("trust.json", AUD_ONLY_TRUST)]);
    let output = trustlint(&dir)
        .args(["check", "trust.json"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("error[TL101]"), "{text}");
    assert!(text.contains("trust.json:4:5"), "{text}");
    assert!(text.contains("\"Effect\": \"Allow\""), "snippet: {text}");
    assert!(text.contains("trustlint explain TL101"), "{text}");
    assert!(
        text.contains("trustlint: 1 error, 0 warnings, 0 notes in 1 file"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "no colour when not on a terminal");
}

#[test]
fn quiet_output_is_one_line_per_finding() {
    let dir = scratch("quiet", &[("trust.json", AUD_ONLY_TRUST)]);
    let output = trustlint(&dir)
        .args(["check", "--quiet", "trust.json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("trust.json:4:5: error[TL101] this statement trusts"),
        "{text}"
    );
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let dir = scratch("output", &[("trust.json", AUD_ONLY_TRUST)]);
    trustlint(&dir)
        .args([
            "check",
            "--format",
            "json",
            "--output",
            "report.json",
            "trust.json",
        ])
        .assert()
        .code(1)
        .stdout("");
    let report: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["diagnostics"][0]["code"], "TL101");
}

#[test]
fn rules_and_explain() {
    let dir = scratch("rules", &[]);
    fs::create_dir_all(&dir).unwrap();
    let output = trustlint(&dir).arg("rules").output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("TL101") && text.contains("oidc-trust-missing-sub"),
        "{text}"
    );
    let output = trustlint(&dir).args(["explain", "tl101"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("# TL101 oidc-trust-missing-sub") && text.contains("## Fix"),
        "{text}"
    );
    trustlint(&dir).args(["explain", "tl100"]).assert().code(2);
}

/// Checking only the pipeline still checks the roles its jobs assume: the `[[roles]]`
/// files are loaded although not named, and the cross-file findings point into them.
#[test]
fn roles_bound_in_the_config_are_checked_with_the_pipeline_alone() {
    let dir = scratch(
        "bound-roles",
        &[
            (
                ".gitlab-ci.yml",
                "release:\n  id_tokens:\n    AWS_TOKEN:\n      aud: https://gitlab.com\n  rules:\n    - if: $CI_COMMIT_TAG\n  script:\n    - aws sts assume-role-with-web-identity --role-arn arn:aws:iam::111122223333:role/deploy --role-session-name x --web-identity-token $AWS_TOKEN\n",
            ),
            (
                "iam/trust.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/gitlab.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"gitlab.com:aud": "https://gitlab.com", "gitlab.com:sub": "project_path:acme/web:ref_type:branch:ref:main"}}}]}"#,
            ),
            (
                "trustlint.toml",
                "[gitlab]\nproject = \"acme/web\"\n\n[[roles]]\narn = \"arn:aws:iam::111122223333:role/deploy\"\ntrust = \"iam/trust.json\"\n",
            ),
        ],
    );
    let (status, report) =
        json_report(trustlint(&dir).args(["check", "--format", "json", ".gitlab-ci.yml"]));
    assert_eq!(status, 1);
    let tl402 = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "TL402")
        .unwrap_or_else(|| panic!("no TL402: {report:#}"));
    assert_eq!(tl402["severity"], "error");
    assert_eq!(tl402["file"], ".gitlab-ci.yml");
    assert!(tl402["message"].as_str().unwrap().contains("ref_type:tag"));
    assert!(tl402["related"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["file"] == "iam/trust.json"));
    assert_eq!(report["summary"]["files"], 2);
}
