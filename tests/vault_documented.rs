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

/// The correct role and job with one change to one file.
fn with_mistake(name: &str, file: &str, from: &str, to: &str) -> Vec<String> {
    let source = workspace_root().join("fixtures/TL606/good/correct-role-and-job");
    let dir = std::env::temp_dir().join(format!("trustlint-vault-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{name}: `{from}` not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    let (_, report) = json_report(trustlint(&dir).args(["check", "--format", "json", "."]));
    let _ = std::fs::remove_dir_all(&dir);
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn each_catalogued_mistake_alone_gives_its_rule() {
    let role = "vault.tf";
    let job = ".gitlab-ci.yml";
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "no-project",
            role,
            "    project_id    = \"22\"\n",
            "",
            "TL601",
        ),
        (
            "no-audience",
            role,
            "  bound_audiences = [\"https://vault.example.com\"]\n",
            "",
            "TL602",
        ),
        (
            "other-audience",
            job,
            "aud: https://vault.example.com",
            "aud: http://vault.example.com",
            "TL602",
        ),
        (
            "group-glob",
            role,
            "  bound_claims = {\n    project_id    = \"22\"\n",
            "  bound_claims_type = \"glob\"\n  bound_claims = {\n    namespace_path = \"acme*\"\n",
            "TL603",
        ),
        (
            "no-role-type",
            role,
            "  role_type       = \"jwt\"\n",
            "",
            "TL604",
        ),
        (
            "issuer-without-scheme",
            role,
            "bound_issuer       = \"https://gitlab.com\"",
            "bound_issuer       = \"gitlab.com\"",
            "TL604",
        ),
        (
            "legacy-subject",
            role,
            "  role_type       = \"jwt\"\n",
            "  role_type       = \"jwt\"\n  bound_subject   = \"job_1212\"\n",
            "TL604",
        ),
        (
            "unprotected-writer",
            role,
            "    ref_protected = \"true\"\n",
            "",
            "TL605",
        ),
        (
            "unknown-role",
            job,
            "VAULT_AUTH_ROLE: web-deploy",
            "VAULT_AUTH_ROLE: web-deploy2",
            "TL606",
        ),
        (
            "tags-only",
            job,
            "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH",
            "$CI_COMMIT_TAG",
            "TL606",
        ),
    ];
    for (name, file, from, to, code) in cases {
        let codes = with_mistake(name, file, from, to);
        assert!(
            codes.iter().any(|c| c == code),
            "{name}: expected {code}, got {codes:?}"
        );
    }
}
