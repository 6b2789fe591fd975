//! The pre-commit hook (`.pre-commit-hooks.yaml`): its filter lets every input kind
//! trigger a whole-repository check, and, where pre-commit is installed,
//! `pre-commit try-repo` installs the hook from this repository and runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

mod common;
use common::{scratch, workspace_root};

fn hook() -> Value {
    let text = fs::read_to_string(workspace_root().join(".pre-commit-hooks.yaml")).unwrap();
    let hooks: Vec<Value> = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(hooks.len(), 1);
    hooks[0].clone()
}

#[test]
fn the_hook_runs_for_every_input_kind_and_checks_the_whole_repository() {
    let hook = hook();
    assert_eq!(hook["id"], "trustlint");
    assert_eq!(hook["entry"], "trustlint check");
    assert_eq!(
        hook["pass_filenames"], false,
        "trustlint decides which files are inputs"
    );
    // pre-commit matches `files` with Python's `re.search`; this pattern means the same
    // in Rust's syntax.
    let files = regex::Regex::new(hook["files"].as_str().unwrap()).unwrap();
    for triggers in [
        ".gitlab-ci.yml",
        "ci/deploy.gitlab-ci.yaml",
        "ci/included-jobs.yml",
        "cloudformation/deploy-role.yaml",
        "iam/trust.json",
        "plan.json",
        "infra/main.tf",
        "trustlint.toml",
        ".trustlint.toml",
        "sub/trustlint.toml",
    ] {
        assert!(files.is_match(triggers), "{triggers} must trigger the hook");
    }
    for skipped in [
        "README.md",
        "Cargo.toml",
        "src/main.rs",
        "notrustlint.toml",
        "x.tfvars",
    ] {
        assert!(
            !files.is_match(skipped),
            "{skipped} must not trigger the hook"
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// `pre-commit try-repo` on this repository in a scratch repository holding a
/// CloudFormation template whose trust admits every project (TL101).
#[test]
fn pre_commit_try_repo_installs_and_runs_the_hook() {
    let available = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !available {
        println!("skipped: pre-commit is not installed (pip install pre-commit)");
        return;
    }
    let template = fs::read_to_string(
        workspace_root().join("fixtures/TL101/bad/cloudformation-star-sub.yaml"),
    )
    .unwrap();
    let dir = scratch(
        "pre_commit_repo",
        &[
            ("deploy-role.yaml", template.as_str()),
            ("README.md", "# a project\n"),
        ],
    );
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    // The hook's environment (a cargo build of this repository) is kept between runs
    // under the target folder, built without LTO; nothing is fetched.
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let try_repo = |file: &str| {
        let output = Command::new("pre-commit")
            .args(["try-repo"])
            .arg(workspace_root())
            .args(["trustlint", "--files", file])
            .current_dir(&dir)
            .env("PRE_COMMIT_HOME", tmp.join("pre-commit-home"))
            .env("CARGO_TARGET_DIR", tmp.join("pre-commit-cargo"))
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
            .env("CARGO_NET_OFFLINE", "true")
            .env("GIT_AUTHOR_NAME", "trustlint tests")
            .env("GIT_AUTHOR_EMAIL", "tests@trustlint.invalid")
            .env("GIT_COMMITTER_NAME", "trustlint tests")
            .env("GIT_COMMITTER_EMAIL", "tests@trustlint.invalid")
            .env_remove("CI_SERVER_HOST")
            .env_remove("CI_PROJECT_PATH")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), text)
    };
    let (code, text) = try_repo("deploy-role.yaml");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("trustlint") && text.contains("Failed") && text.contains("TL101"),
        "{text}"
    );
    let (code, text) = try_repo("README.md");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Skipped"), "{text}");
}
