//! The whole product over the shared corpus (`../shared/corpus`, skipped with a message
//! when absent): every GitLab CI file and every IAM input is checked without a crash
//! (exit 0 or 1, a JSON report), with the findings per rule printed for the record; and
//! the corpus projects whose pipeline and Terraform are both present are checked
//! together, so their jobs link to the roles the Terraform declares.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::trustlint;

fn corpus() -> Option<PathBuf> {
    common::corpus::shared_corpus("")
}

/// Checks `paths` (with extra arguments) and returns the JSON report; the run must end
/// with exit 0 or 1, never a crash or a usage error.
fn check(paths: &[PathBuf], extra: &[&str]) -> Value {
    let output = trustlint(Path::new("/"))
        .args(["check", "--format", "json", "--fail-on", "never"])
        .args(extra)
        .args(paths)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn counts(report: &Value) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for diagnostic in report["diagnostics"].as_array().unwrap() {
        *counts
            .entry(diagnostic["code"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    counts
}

#[test]
fn every_corpus_input_is_checked_without_a_crash() {
    let Some(corpus) = corpus() else {
        return;
    };
    let walked = check(&[corpus.join("gitlab-ci"), corpus.join("iam")], &[]);
    eprintln!("corpus findings per rule: {:?}", counts(&walked));
    // Schema-test files are not named like CI files: `--kind` forces the named ones.
    let mut schema_files: Vec<PathBuf> = ["positive_tests", "negative_tests"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(corpus.join("gitlab-ci/schema-tests").join(dir)).unwrap())
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    schema_files.sort();
    let schema_tests = check(&schema_files, &["--kind", "gitlab-ci"]);
    assert_eq!(
        schema_tests["summary"]["files"].as_u64().unwrap() as usize,
        schema_files.len()
    );
    eprintln!(
        "schema-tests (as GitLab CI) per rule: {:?}",
        counts(&schema_tests)
    );
    assert!(walked["summary"]["files"].as_u64().unwrap() > 100);
}

#[test]
fn corpus_pipelines_link_to_their_terraform_roles() {
    let Some(corpus) = corpus() else {
        return;
    };
    let projects = [
        "aws-samples__amazon-connect-gitlab-cicd-terraform",
        "bryan-rhm__terraform-aws-gitlab-oidc",
        "saidsef__terraform-aws-gitlab-oidc",
        "terraform-module__terraform-aws-gitlab-oidc-provider",
    ];
    let mut links = 0;
    for project in projects {
        let report = check(
            &[
                corpus.join("gitlab-ci/projects").join(project),
                corpus.join("iam/terraform").join(project),
            ],
            &[],
        );
        let cross: Vec<&Value> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"].as_str().unwrap().starts_with("TL4"))
            .collect();
        eprintln!("{project}: {:?}", counts(&report));
        links += cross.len();
    }
    // Three of the four pipelines assume a role (through a project variable, a
    // placeholder account or a role the module names through `var.role_name`): each is
    // reported as not checked rather than silently skipped.
    assert!(links >= 3, "only {links} cross-file findings");
}

/// `(code, message)` of the diagnostics of `report` in files below `prefix`.
fn findings_below(report: &Value, prefix: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"].as_str().unwrap().starts_with(prefix))
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

/// A folder of several repositories (copied without their `.git`): local includes
/// resolve at each repository's root, and each repository's undefined stages are found
/// from the parent folder as from its own root.
#[test]
fn the_corpus_projects_resolve_their_includes_in_their_own_repository() {
    let Some(corpus) = corpus() else {
        return;
    };
    let projects = corpus.join("gitlab-ci/projects");
    let together = check(std::slice::from_ref(&projects), &[]);
    let missing: Vec<(String, String)> = findings_below(&together, "")
        .into_iter()
        .filter(|(code, message)| code == "TL003" && message.contains("does not exist"))
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
    let stages = |found: Vec<(String, String)>| -> Vec<String> {
        found
            .into_iter()
            .filter(|(code, message)| code == "TL003" && message.contains("`stages:`"))
            .map(|(_, message)| message)
            .collect()
    };
    let mut compared = 0;
    for entry in std::fs::read_dir(&projects).unwrap() {
        let repository = entry.unwrap().path();
        let alone = check(std::slice::from_ref(&repository), &[]);
        // Reports show paths relative to the folder the check runs in, `/`.
        let prefix = format!("{}/", repository.strip_prefix("/").unwrap().display());
        let own = stages(findings_below(&alone, &prefix));
        assert_eq!(own, stages(findings_below(&together, &prefix)), "{prefix}");
        compared += own.len();
    }
    assert!(compared > 0, "no undefined stage in the corpus projects");
}

/// The Azure corpus (`shared/corpus/azure`): every file loads without TL001 and the run
/// finds nothing — each credential, issuer and expression there is a Terraform variable
/// without a default, and the role is `Reader` by default: nothing is decided offline,
/// so nothing is claimed. The Terragrunt stack (`*.stack.hcl`) is no input: skipped
/// when walked, reported (TL006) when named.
#[test]
fn azure_corpus_loads_and_its_findings_are_judged() {
    let Some(azure) = common::corpus::shared_corpus("azure") else {
        return;
    };
    let walked = check(std::slice::from_ref(&azure), &[]);
    assert_eq!(walked["summary"]["files"].as_u64(), Some(5));
    let found = counts(&walked);
    eprintln!("azure corpus findings per rule: {found:?}");
    assert!(!found.contains_key("TL001"), "{found:?}");
    assert!(found.is_empty(), "{found:?}");
    let stack = azure.join(
        "gruntwork-io__terragrunt-scale-catalog/stacks/azure/gitlab/pipelines-bootstrap/terragrunt.stack.hcl",
    );
    let named = check(&[stack], &[]);
    assert_eq!(counts(&named).get("TL006"), Some(&1));
}

/// The Google Cloud folder (`../shared/corpus/gcp`, said out loud when absent): every file
/// loads (no TL001), and its providers without a condition are found.
#[test]
fn gcp_corpus_loads_without_parse_errors() {
    let Some(corpus) = common::corpus::shared_corpus("gcp") else {
        return;
    };
    let report = check(&[corpus], &[]);
    let counts = counts(&report);
    eprintln!("gcp corpus findings per rule: {counts:?}");
    assert_eq!(counts.get("TL001"), None, "{report}");
    assert!(counts.get("TL501").is_some_and(|n| *n >= 4), "{counts:?}");
    assert!(report["summary"]["files"].as_u64().unwrap() >= 20);
}
