//! The CLI conveniences of docs/cli.md: rule selection by code prefix and
//! rule name, `explain` by name, `--color`, `--statistics`, config `exclude`, shell
//! completions and the rule-docs link of human output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::path::Path;

use serde_json::Value;

mod common;
use common::{scratch, trustlint, AUD_ONLY_TRUST};

/// The codes a JSON report holds, after running `args` in `dir`, and the exit status.
fn codes(dir: &Path, args: &[&str]) -> (i32, Vec<String>) {
    let output = trustlint(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let codes = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    (output.status.code().unwrap(), codes)
}

#[test]
fn select_and_ignore_take_code_prefixes_and_rule_names() {
    let dir = scratch("select_prefix", &[("trust.json", AUD_ONLY_TRUST)]);
    assert_eq!(codes(&dir, &["trust.json"]), (1, vec!["TL101".into()]));
    for selected in ["TL1", "tl10", "TL101", "oidc-trust-missing-sub", "TL2,TL1"] {
        assert_eq!(
            codes(&dir, &["--select", selected, "trust.json"]),
            (1, vec!["TL101".into()]),
            "--select {selected}"
        );
    }
    for (flag, value) in [
        ("--select", "TL2"),
        ("--select", "TL40"),
        ("--ignore", "TL1"),
        ("--ignore", "OIDC-trust-missing-sub"),
    ] {
        assert_eq!(
            codes(&dir, &[flag, value, "trust.json"]),
            (0, vec![]),
            "{flag} {value}"
        );
    }
    // Ignoring wins over selecting.
    assert_eq!(
        codes(
            &dir,
            &["--select", "TL1", "--ignore", "TL101", "trust.json"]
        ),
        (0, vec![])
    );
}

#[test]
fn unknown_selectors_fail_with_a_suggestion() {
    let dir = scratch("select_unknown", &[("trust.json", AUD_ONLY_TRUST)]);
    for (selector, hint) in [
        (
            "oidc-trust-missing-su",
            "did you mean `oidc-trust-missing-sub`",
        ),
        ("TL9", "unknown rule"),
        (
            "no-such-rule-anywhere",
            "`trustlint rules` lists codes and names",
        ),
    ] {
        let output = trustlint(&dir)
            .args(["check", "--select", selector, "trust.json"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("unknown rule `{selector}`")) && stderr.contains(hint),
            "{stderr}"
        );
    }
}

#[test]
fn config_rules_and_path_ignores_take_prefixes_and_names() {
    for (config, expected) in [
        ("[rules]\nignore = [\"oidc-trust-missing-sub\"]\n", 0),
        ("[rules]\nignore = [\"TL1\"]\n", 0),
        ("[rules]\nselect = [\"TL10\"]\n", 1),
        ("[[ignore]]\npath = \"trust.json\"\ncodes = [\"TL1\"]\n", 0),
    ] {
        let dir = scratch(
            "config_selectors",
            &[("trust.json", AUD_ONLY_TRUST), ("trustlint.toml", config)],
        );
        assert_eq!(codes(&dir, &["trust.json"]).0, expected, "{config}");
    }
    let dir = scratch(
        "config_selector_unknown",
        &[
            ("trust.json", AUD_ONLY_TRUST),
            ("trustlint.toml", "[rules]\nignore = [\"TL9\"]\n"),
        ],
    );
    let output = trustlint(&dir)
        .args(["check", "trust.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown rule `TL9`"));
}

#[test]
fn explain_takes_a_rule_name() {
    let dir = scratch("explain_name", &[("empty.txt", "")]);
    let output = trustlint(&dir)
        .args(["explain", "oidc-trust-missing-sub"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("# TL101 oidc-trust-missing-sub"));
    let output = trustlint(&dir)
        .args(["explain", "oidc-trust-missing-su"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("did you mean `oidc-trust-missing-sub`")
    );
}

/// The human report of `trust.json` with `args` and `NO_COLOR` set or not.
fn human(dir: &Path, args: &[&str], no_color_env: bool) -> (i32, String) {
    let mut command = trustlint(dir);
    command.args(["check"]).args(args).arg("trust.json");
    if no_color_env {
        command.env("NO_COLOR", "1");
    } else {
        command.env_remove("NO_COLOR");
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn color_always_forces_ansi_even_with_no_color_and_never_or_no_color_turn_it_off() {
    let dir = scratch("color", &[("trust.json", AUD_ONLY_TRUST)]);
    let ansi = |text: &str| text.contains('\u{1b}');
    for no_color_env in [false, true] {
        let (code, text) = human(&dir, &["--color", "always"], no_color_env);
        assert!(code == 1 && ansi(&text), "{text}");
        for args in [
            &["--color", "never"][..],
            &["--no-color"],
            &["--color", "auto"],
            &[],
        ] {
            let (code, text) = human(&dir, args, no_color_env);
            assert!(code == 1 && !ansi(&text), "{args:?}: {text}");
        }
    }
    let (code, _) = human(&dir, &["--no-color", "--color", "always"], false);
    assert_eq!(code, 2, "--no-color and --color conflict");
}

#[test]
fn human_findings_link_their_rule_docs() {
    let dir = scratch("docs_link", &[("trust.json", AUD_ONLY_TRUST)]);
    let (_, text) = human(&dir, &[], true);
    assert!(
        text.contains("trustlint explain TL101 or https://")
            && text.contains("/docs/rules/TL101.md"),
        "{text}"
    );
}

#[test]
fn statistics_count_reported_suppressed_and_baselined_findings() {
    let dir = scratch(
        "statistics",
        &[
            ("a/trust.json", AUD_ONLY_TRUST),
            ("b/trust.json", AUD_ONLY_TRUST),
            ("c/trust.json", AUD_ONLY_TRUST),
            (
                "pipeline.gitlab-ci.yml",
                "deploy:\n  script: ./deploy.sh\n  # trustlint: ignore[TL001]\n  variables: [unclosed\n",
            ),
            (
                "trustlint.toml",
                "[[ignore]]\npath = \"c/**\"\ncodes = [\"TL101\"]\n",
            ),
        ],
    );
    trustlint(&dir)
        .args(["check", "--write-baseline", "baseline.json", "a"])
        .assert()
        .code(0);
    let output = trustlint(&dir)
        .args([
            "check",
            "--quiet",
            "--statistics",
            "--baseline",
            "baseline.json",
            ".",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .skip_while(|line| !line.starts_with("code "))
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(
        lines,
        [
            vec!["code", "rule", "reported", "suppressed", "baselined"],
            vec!["TL001", "parse-error", "0", "1", "0"],
            vec!["TL101", "oidc-trust-missing-sub", "1", "1", "1"],
            vec!["total", "1", "2", "1"],
        ],
        "{text}"
    );
    // With a machine-readable report on standard output, they go to standard error.
    let output = trustlint(&dir)
        .args(["check", "--format", "json", "--statistics", "."])
        .output()
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&output.stdout).is_ok());
    assert!(String::from_utf8_lossy(&output.stderr).contains("oidc-trust-missing-sub"));
}

#[test]
fn config_exclude_skips_walked_files_but_not_named_ones() {
    let dir = scratch(
        "exclude",
        &[
            ("iam/trust.json", AUD_ONLY_TRUST),
            ("vendor/lib/trust.json", AUD_ONLY_TRUST),
            ("generated/x.gen.json", AUD_ONLY_TRUST),
            (
                "trustlint.toml",
                "exclude = [\"vendor\", \"**/*.gen.json\"]\n",
            ),
        ],
    );
    let output = trustlint(&dir)
        .args(["check", "--format", "json", "."])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let files: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["iam/trust.json"], "{report:#}");
    assert_eq!(
        codes(&dir, &["vendor/lib/trust.json"]),
        (1, vec!["TL101".into()]),
        "a named file is checked"
    );
    fs::write(dir.join("trustlint.toml"), "exclude = [\"[\"]\n").unwrap();
    let output = trustlint(&dir).args(["check", "."]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("exclude:"));
}

#[test]
fn completions_are_generated_for_every_shell() {
    let dir = scratch("completions", &[("empty.txt", "")]);
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef trustlint"),
        ("fish", "complete -c trustlint"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[trustlint]"),
    ] {
        let output = trustlint(&dir)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            text.contains(marker) && text.contains("statistics"),
            "{shell}: {text}"
        );
    }
    trustlint(&dir)
        .args(["completions", "tcsh"])
        .assert()
        .code(2);
}

/// Bash itself reads the bash completions and completes a subcommand, when it is there.
#[test]
fn bash_loads_the_completions() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("skipped: bash is not installed");
        return;
    }
    let dir = scratch("completions_bash", &[("empty.txt", "")]);
    let output = trustlint(&dir)
        .args(["completions", "bash"])
        .output()
        .unwrap();
    fs::write(dir.join("trustlint.bash"), &output.stdout).unwrap();
    let script = "source ./trustlint.bash; COMP_WORDS=(trustlint expl); COMP_CWORD=1; \
                  _trustlint trustlint expl trustlint; echo \"${COMPREPLY[@]}\"";
    let output = std::process::Command::new("bash")
        .args(["-c", script])
        .current_dir(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("explain"),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
