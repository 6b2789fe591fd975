//! Helpers shared by the CLI's integration tests: the binary with a clean environment,
//! scratch folders, and the workspace root.

#![allow(clippy::unwrap_used, clippy::panic, dead_code)] // tests fail loudly; each test binary uses a subset

pub mod corpus;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A GitLab trust policy that checks `aud` but no `sub`: TL101 wherever it is checked.
pub const AUD_ONLY_TRUST: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/gitlab.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"gitlab.com:aud": "https://gitlab.com"}}
    }
  ]
}
"#;

/// The repository root (fixtures/, rules/, docs/).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The `trustlint` binary run in `dir`, without the GitLab CI variables of the machine.
pub fn trustlint(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("trustlint").unwrap();
    command
        .current_dir(dir)
        .env_remove("CI_SERVER_HOST")
        .env_remove("CI_PROJECT_PATH")
        .env_remove("CI_DEFAULT_BRANCH");
    command
}

/// Runs `command` (a check with `--format json`): its exit status and JSON report.
pub fn json_report(command: &mut Command) -> (i32, serde_json::Value) {
    let output = command.output().unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), report)
}

/// A fresh folder under the target dir holding `files`.
pub fn scratch(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

/// Copies a file, or a folder with everything in it, to `to`.
pub fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs::copy(from, to).unwrap();
    }
}
