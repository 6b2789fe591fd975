//! GitLab's documented Vault setup (`doc/ci/secrets/hashicorp_vault.md` and the Vault
//! tutorial: the `myproject-staging`/`myproject-production` roles, their policies, the
//! mount configuration, the `secrets: vault` job and the manual login job) gives no
//! error from any rule, and a correct role (`project_id` + `ref_protected` + the exact
//! audience) with a job that matches it gives no finding at all.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

mod common;
use common::{json_report, trustlint, workspace_root};

fn errors_and_codes(folder: &str) -> (u64, Vec<String>) {
    let dir = workspace_root().join("fixtures/TL606/good").join(folder);
    let (_, report) = json_report(trustlint(&dir).args(["check", "--format", "json", "."]));
    let codes = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    (report["summary"]["errors"].as_u64().unwrap(), codes)
}

#[test]
fn gitlab_documented_vault_examples_give_no_error() {
    for folder in ["gitlab-documented-job", "gitlab-documented-manual-login"] {
        let (errors, codes) = errors_and_codes(folder);
        assert_eq!(errors, 0, "{folder}: {codes:?}");
    }
}

#[test]
fn a_correct_role_and_a_matching_job_are_clean() {
    let (_, codes) = errors_and_codes("correct-role-and-job");
    assert!(codes.is_empty(), "{codes:?}");
}
