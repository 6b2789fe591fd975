//! The pipeline through its one call, on texts in memory (as a language server lints
//! unsaved buffers): the files need not exist, suppressions and TL005 apply, secrets are
//! masked in the outcome's files even when their rule is not reported, and every finding
//! has its fingerprint.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::PathBuf;

use trustlint_lint::{lint, LintOutcome, LintRequest};

/// A folder that does not exist: no configuration or repository of the machine applies.
const FOLDER: &str = "/nonexistent/trustlint-lint-test";

const SECRET: &str = "q8Zr3Tk0vLw9Yp2Nx7Bm4Hc6Jd1Fg5Ks8Ae0Ui3O";

fn request(name: &str, text: &str) -> LintRequest {
    LintRequest::in_memory([(PathBuf::from(FOLDER).join(name), text.to_string())])
}

fn codes(outcome: &LintOutcome) -> Vec<&'static str> {
    outcome.findings.iter().map(|f| f.code()).collect()
}

fn pipeline_with_keys() -> String {
    format!(
        "variables:\n  AWS_ACCESS_KEY_ID: AKIA2Q7RTLZN4HWXK5VB\n  AWS_SECRET_ACCESS_KEY: \"{SECRET}\"\n\ndeploy:\n  script: ./deploy.sh\n"
    )
}

#[test]
fn a_text_in_memory_is_linted_under_a_path_that_does_not_exist() {
    let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/gitlab.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"gitlab.com:aud": "https://gitlab.com"}}}]}"#;
    let outcome = lint(&request("trust.json", trust)).unwrap();
    assert!(codes(&outcome).contains(&"TL101"), "{:?}", codes(&outcome));
    assert_eq!(outcome.files_checked, 1);
    assert_eq!(outcome.fingerprints.len(), outcome.findings.len());
    let file = outcome.sources.files().first().unwrap();
    assert_eq!(file.path, PathBuf::from(FOLDER).join("trust.json"));
}

#[test]
fn suppressions_silence_and_tl005_reports_what_silences_nothing() {
    let used =
        "deploy:\n  script: ./deploy.sh\n  # trustlint: ignore[TL001]\n  variables: [unclosed\n";
    let outcome = lint(&request(".gitlab-ci.yml", used)).unwrap();
    assert!(!codes(&outcome).contains(&"TL001"), "{:?}", codes(&outcome));
    assert!(!codes(&outcome).contains(&"TL005"), "{:?}", codes(&outcome));
    assert_eq!(outcome.tally.found.get("TL001"), Some(&1));
    assert_eq!(outcome.tally.unsuppressed.get("TL001"), None);

    let unused = "deploy:\n  # trustlint: ignore[TL301]\n  script: ./deploy.sh\n";
    let outcome = lint(&request(".gitlab-ci.yml", unused)).unwrap();
    assert_eq!(codes(&outcome), ["TL005"]);
    // TL005 not selected: nothing reported; TL301 not selected: its suppression is not
    // unused.
    let mut request_ = request(".gitlab-ci.yml", unused);
    request_.ignore = vec!["TL005".to_string()];
    assert!(codes(&lint(&request_).unwrap()).is_empty());
    let mut request_ = request(".gitlab-ci.yml", unused);
    request_.ignore = vec!["TL301".to_string()];
    assert!(codes(&lint(&request_).unwrap()).is_empty());
}

#[test]
fn secrets_are_masked_in_the_outcome_even_when_their_rule_is_ignored() {
    for ignore in [vec![], vec!["TL301".to_string()]] {
        let mut request = request(".gitlab-ci.yml", &pipeline_with_keys());
        request.ignore = ignore;
        let outcome = lint(&request).unwrap();
        let text = &outcome.sources.files().first().unwrap().text;
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains(&"*".repeat(SECRET.len())), "{text}");
        // The workspace keeps the text as read.
        let read = &outcome.workspaces[0].sources.files()[0].text;
        assert!(read.contains(SECRET));
    }
}

#[test]
fn invalid_selectors_and_missing_paths_are_errors() {
    let mut bad = request(".gitlab-ci.yml", "a: 1\n");
    bad.select = vec!["TL9999".to_string()];
    assert!(lint(&bad).unwrap_err().0.contains("TL9999"));
    let missing = LintRequest {
        paths: vec![PathBuf::from(FOLDER).join("missing.json")],
        ..LintRequest::default()
    };
    assert!(lint(&missing).is_err());
}
