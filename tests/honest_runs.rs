//! Honest runs: a path named for checking that is not read is never a silent clean run;
//! local includes resolve at the root of the repository holding the file; the nearest
//! configuration upward from each file applies to it; the same findings from any folder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command as Process;

use serde_json::Value;

mod common;
use common::{json_report, scratch, trustlint, workspace_root, AUD_ONLY_TRUST};

/// `trustlint check --format json ARGS` in `dir`: exit status and report.
fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    json_report(
        trustlint(dir)
            .args(["check", "--format", "json"])
            .args(args),
    )
}

/// `(code, FIELD)` of every diagnostic.
fn codes_and(report: &Value, field: &str) -> Vec<(String, String)> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d[field].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `(code, file)` of every diagnostic.
fn found(report: &Value) -> Vec<(String, String)> {
    codes_and(report, "file")
}

fn pair(code: &str, file: &str) -> (String, String) {
    (code.to_string(), file.to_string())
}

#[test]
fn a_named_file_of_no_known_kind_is_a_note_not_a_clean_run() {
    let dir = scratch(
        "honest_unrecognised",
        &[
            ("roles.json", r#"{"Roles": []}"#),
            ("README.md", "# notes\n"),
            ("notes.yml", "key: value\n"),
        ],
    );
    let (code, report) = check(&dir, &["roles.json", "README.md", "notes.yml"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        found(&report),
        [
            pair("TL006", "README.md"),
            pair("TL006", "notes.yml"),
            pair("TL006", "roles.json")
        ]
    );
    let human = trustlint(&dir)
        .args(["check", "--quiet", "roles.json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(!text.contains("no findings"), "{text}");
    assert!(text.contains("note[TL006]"), "{text}");
}

#[test]
fn a_named_folder_where_nothing_is_recognised_says_so() {
    let dir = scratch(
        "honest_empty_folder",
        &[
            ("service/package.json", r#"{"name": "x"}"#),
            ("service/README.md", "# x\n"),
            ("iam/trust.json", AUD_ONLY_TRUST),
        ],
    );
    let (_, report) = check(&dir, &["service", "iam"]);
    assert_eq!(
        found(&report),
        [pair("TL101", "iam/trust.json"), pair("TL006", "service")]
    );
    let message = report["diagnostics"][1]["help"].as_str().unwrap();
    assert!(message.contains("--kind"), "{message}");
}

#[test]
fn standard_input_and_pipes_are_read() {
    let dir = scratch("honest_stdin", &[]);
    fs::create_dir_all(&dir).unwrap();
    let output = trustlint(&dir)
        .args(["check", "--format", "json", "-"])
        .write_stdin(AUD_ONLY_TRUST)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(found(&report), [pair("TL101", "-")]);

    // A named pipe, as `<(cat trust.json)` gives, with and without --kind.
    for kind in [None, Some("iam-policy")] {
        let fifo = dir.join("trust-pipe");
        let _ = fs::remove_file(&fifo);
        let made = Process::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|status| status.success()) {
            eprintln!("skipped the named-pipe case: mkfifo is not available");
            return;
        }
        let writer_path = fifo.clone();
        let writer = std::thread::spawn(move || {
            let mut pipe = fs::OpenOptions::new()
                .write(true)
                .open(writer_path)
                .unwrap();
            pipe.write_all(AUD_ONLY_TRUST.as_bytes()).unwrap();
        });
        let mut args = vec!["trust-pipe"];
        if let Some(kind) = kind {
            args.extend(["--kind", kind]);
        }
        let (code, report) = check(&dir, &args);
        writer.join().unwrap();
        assert_eq!(code, 1, "{report:#}");
        assert_eq!(found(&report), [pair("TL101", "trust-pipe")]);
    }
}

#[test]
fn kind_applies_to_the_files_of_named_folders() {
    // A broken file without the signs of an IAM input is skipped in a folder, unless the
    // folder is named with --kind iam-policy.
    let dir = scratch(
        "honest_kind_folder",
        &[("policies/deploy.json", "{\"Version\": \"2012-10-17\",}")],
    );
    let (_, report) = check(&dir, &["policies"]);
    assert_eq!(found(&report), [pair("TL006", "policies")]);
    let (_, report) = check(&dir, &["--kind", "iam-policy", "policies"]);
    assert_eq!(found(&report), [pair("TL001", "policies/deploy.json")]);
}

#[test]
fn what_the_walk_cannot_read_is_an_error() {
    let dir = scratch(
        "honest_unreadable",
        &[
            ("repo/iam/trust.json", AUD_ONLY_TRUST),
            ("repo/locked/trust.json", AUD_ONLY_TRUST),
        ],
    );
    let locked = dir.join("repo/locked");
    set_mode(&locked, 0o000);
    // Root reads everything: run as `nobody` then (setpriv, util-linux).
    let as_root = Process::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let output = if as_root {
        set_mode(&dir, 0o755);
        set_mode(&dir.join("repo"), 0o755);
        Process::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(assert_cmd::cargo::cargo_bin("trustlint"))
            .args(["check", "--format", "json", "repo"])
            .current_dir(&dir)
            .output()
    } else {
        trustlint(&dir)
            .args(["check", "--format", "json", "repo"])
            .output()
    };
    set_mode(&locked, 0o755);
    let output = output.expect("setpriv runs the binary as nobody");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&output.stderr));
    });
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    assert_eq!(
        found(&report),
        [
            pair("TL101", "repo/iam/trust.json"),
            pair("TL001", "repo/locked")
        ]
    );
    let diagnostic = &report["diagnostics"][1];
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read:"),
        "{report:#}"
    );
    assert!(!diagnostic["help"].as_str().unwrap().contains("syntax"));
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn the_size_limit_is_configurable_and_not_a_syntax_error() {
    let dir = scratch(
        "honest_size_limit",
        &[
            ("trust.json", AUD_ONLY_TRUST),
            ("trustlint.toml", "[limits]\nmax-file-size = 100\n"),
        ],
    );
    let (_, report) = check(&dir, &["trust.json"]);
    assert_eq!(found(&report), [pair("TL001", "trust.json")]);
    let help = report["diagnostics"][0]["help"].as_str().unwrap();
    assert!(help.contains("max-file-size"), "{help}");
    assert!(!help.contains("syntax"), "{help}");
    fs::write(
        dir.join("trustlint.toml"),
        "[limits]\nmax-file-size = \"1KiB\"\n",
    )
    .unwrap();
    let (_, report) = check(&dir, &["trust.json"]);
    assert_eq!(found(&report), [pair("TL101", "trust.json")]);
}

/// A pipeline including `/ci/common.yml` and `ci/deploy.yml` of its repository, from a
/// sub-folder of the repository.
fn repository(name: &str) -> std::path::PathBuf {
    let dir = scratch(
        name,
        &[
            (
                "group/app/services/api/.gitlab-ci.yml",
                "include:\n  - local: /ci/common.yml\n  - local: ci/deploy.yml\n\nbuild:\n  stage: build\n  script: make\n",
            ),
            ("group/app/ci/common.yml", "stages: [build]\n"),
            (
                "group/app/ci/deploy.yml",
                "deploy:\n  stage: deploy\n  script: ./deploy.sh\n",
            ),
            (
                "group/lib/.gitlab-ci.yml",
                "include:\n  - local: /ci/common.yml\n\ntest:\n  stage: test\n  script: make test\n",
            ),
            ("group/lib/ci/common.yml", "stages: [build, test]\n"),
        ],
    );
    fs::create_dir_all(dir.join("group/app/.git")).unwrap();
    fs::create_dir_all(dir.join("group/lib/.git")).unwrap();
    dir
}

#[test]
fn local_includes_resolve_at_the_repository_root_whatever_is_scanned() {
    let dir = repository("honest_repository_root");
    let expected_app = [(
        "TL003".to_string(),
        "job `deploy` is in stage `deploy`, which `stages:` does not define: GitLab rejects the configuration".to_string(),
    )];
    let messages = |report: &Value| codes_and(report, "message");
    // From the repository root, from a sub-folder, from the folder of both
    // repositories, and from elsewhere: the same verdicts.
    let (_, at_root) = check(&dir.join("group/app"), &["."]);
    assert_eq!(messages(&at_root), expected_app, "{at_root:#}");
    let (_, in_sub) = check(&dir.join("group/app/services/api"), &["."]);
    assert_eq!(messages(&in_sub), expected_app, "{in_sub:#}");
    let (_, both) = check(&dir, &["group"]);
    assert_eq!(messages(&both), expected_app, "{both:#}");
    let (_, elsewhere) = check(&workspace_root(), &[dir.join("group").to_str().unwrap()]);
    assert_eq!(messages(&elsewhere), expected_app, "{elsewhere:#}");
}

#[test]
fn the_nearest_configuration_applies_to_each_file() {
    let dir = scratch(
        "honest_config_per_path",
        &[
            ("a/trust.json", AUD_ONLY_TRUST),
            ("a/trustlint.toml", "[rules]\nignore = [\"TL101\"]\n"),
            ("b/trust.json", AUD_ONLY_TRUST),
            ("b/sub/trust.json", AUD_ONLY_TRUST),
            ("b/sub/.trustlint.toml", "[rules]\nignore = [\"TL101\"]\n"),
        ],
    );
    let expected = [pair("TL101", "b/trust.json")];
    let (_, report) = check(&dir, &["."]);
    assert_eq!(found(&report), expected, "{report:#}");
    // Started from another folder, with the paths as absolute ones.
    let (_, report) = check(
        &workspace_root(),
        &[
            dir.join("a").to_str().unwrap(),
            dir.join("b").to_str().unwrap(),
        ],
    );
    let files: Vec<String> = found(&report).into_iter().map(|(_, f)| f).collect();
    assert_eq!(files.len(), 1, "{report:#}");
    assert!(files[0].ends_with("b/trust.json"), "{report:#}");
    // --config still wins for every file.
    fs::write(dir.join("none.toml"), "").unwrap();
    let (_, report) = check(&dir, &["--config", "none.toml", "."]);
    assert_eq!(found(&report).len(), 3, "{report:#}");
}

#[test]
fn the_demo_gives_the_same_findings_from_any_folder() {
    let demo = workspace_root().join("fixtures/demo");
    let (_, inside) = check(&demo, &["."]);
    let outside_dir = std::env::temp_dir();
    let (_, outside) = check(&outside_dir, &[demo.to_str().unwrap()]);
    let strip = |report: &Value, prefixes: &[String]| -> Vec<Value> {
        let mut diagnostics = report["diagnostics"].as_array().unwrap().clone();
        for d in &mut diagnostics {
            let file = d["file"].as_str().unwrap().to_string();
            let local = prefixes
                .iter()
                .find_map(|prefix| file.strip_prefix(prefix.as_str()))
                .unwrap_or(&file);
            d["file"] = Value::from(local.to_string());
            d["related"] = Value::Null;
        }
        diagnostics
    };
    // Paths are shown relative to the folder the run starts in when the demo lies below
    // it (a checkout inside the temporary folder), else absolute.
    let mut prefixes = vec![format!("{}/", demo.display())];
    if let Ok(below) = demo.strip_prefix(&outside_dir) {
        prefixes.push(format!("{}/", below.display()));
    }
    assert_eq!(strip(&inside, &[]), strip(&outside, &prefixes));
    assert!(!strip(&inside, &[]).is_empty());
}

/// A trust policy whose text holds escape sequences (a terminal title, a colour), a bell
/// and a right-to-left override.
const HOSTILE_TEXT_TRUST: &str = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Sid\": \"x\u{1b}[31mRED\u{1b}[0m\", \"Effect\": \"Allow\",\n    \"Principal\": {\"Federated\": \"arn:aws:iam::123456789012:oidc-provider/gitlab.com\"},\n    \"Action\": \"sts:AssumeRoleWithWebIdentity\",\n    \"Condition\": {\"StringEquals\": {\"gitlab.com:aud\": \"\u{1b}]0;pwned\u{7}https://gitlab.com\u{202e}\"}}}]\n}\n";

#[test]
fn control_characters_of_scanned_files_never_reach_the_terminal_raw() {
    let dir = scratch(
        "honest_escapes",
        &[("tr\u{1b}[2Just.json", HOSTILE_TEXT_TRUST)],
    );
    for args in [
        &["--quiet"][..],
        &["--no-color"][..],
        &["--format", "human"][..],
    ] {
        let output = trustlint(&dir).args(["check"]).args(args).output().unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(text.contains("TL101"), "{text}");
        let raw: Vec<char> = text
            .chars()
            .filter(|&c| (c.is_control() && c != '\n') || c == '\u{202e}')
            .collect();
        assert!(raw.is_empty(), "{args:?}: raw {raw:?} in {text}");
        assert!(text.contains("\\x1b"), "{args:?}: {text}");
    }
    // Human output with snippets shows the escaped text where the file has it.
    let output = trustlint(&dir)
        .args(["check", "--no-color"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("\\x1b]0;pwned\\x07https://gitlab.com\\u{202e}"),
        "{text}"
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    for args in [
        vec!["check", "--no-color", "fixtures"],
        vec!["rules"],
        vec!["explain", "TL101"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("trustlint"))
            .args(&args)
            .current_dir(workspace_root())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end at once, as `| head -0` does.
        drop(child.stdout.take());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{args:?}: {:?}",
            output.status
        );
    }
}

#[test]
fn the_first_snippet_is_where_the_finding_is() {
    // TL115 points at the `sub` (line 20); its related places, the role's name and the
    // provider, are above it, far enough to be snippets of their own.
    let root = workspace_root();
    let file = "fixtures/TL115/bad/get-role-live-develop.json";
    let quiet = trustlint(&root)
        .args(["check", "--quiet", "--select", "TL115", file])
        .output()
        .unwrap();
    let quiet = String::from_utf8(quiet.stdout).unwrap();
    let location = quiet.split(": ").next().unwrap().to_string();
    assert!(location.ends_with(":20:17"), "{quiet}");
    let human = trustlint(&root)
        .args(["check", "--no-color", "--select", "TL115", file])
        .output()
        .unwrap();
    let human = String::from_utf8(human.stdout).unwrap();
    let first = human
        .split("─[")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap();
    assert_eq!(first, location, "{human}");
}
