//! The GitLab CI/CD catalog component (`templates/trustlint/template.yml`) and the
//! include template (`templates/trustlint.gitlab-ci.yml`): both pass GitLab's CI schema
//! (`tests/data/gitlab-ci.schema.json`, offline) and trustlint itself; the component takes
//! the inputs it documents and installs and caches a released version.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;

use serde_json::Value;

mod common;
use common::{trustlint, workspace_root};

const COMPONENT: &str = "templates/trustlint/template.yml";
const TEMPLATE: &str = "templates/trustlint.gitlab-ci.yml";

/// The YAML documents of a file, as JSON values.
fn documents(path: &str) -> Vec<Value> {
    let text = fs::read_to_string(workspace_root().join(path)).unwrap();
    serde_saphyr::from_multiple(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn gitlab_ci_schema() -> jsonschema::Validator {
    let path = workspace_root().join("tests/data/gitlab-ci.schema.json");
    let schema: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_templates_pass_gitlabs_ci_schema() {
    let schema = gitlab_ci_schema();
    let component = documents(COMPONENT);
    assert_eq!(component.len(), 2, "a `spec:` header and the job");
    for (path, documents) in [(COMPONENT, component), (TEMPLATE, documents(TEMPLATE))] {
        for document in &documents {
            let errors = errors(&schema, document);
            assert!(errors.is_empty(), "{path}: {errors:#?}");
        }
    }
    // The schema does reject a wrong job: it is not accepting everything.
    let wrong = serde_json::json!({"trustlint": {"stage": ["lint"], "script": 3}});
    assert!(!errors(&schema, &wrong).is_empty());
}

#[test]
fn the_component_takes_its_inputs_and_installs_a_cached_release() {
    let component = documents(COMPONENT);
    let inputs = component[0]["spec"]["inputs"].as_object().unwrap();
    let names: Vec<&str> = inputs.keys().map(String::as_str).collect();
    for input in ["version", "paths", "formats", "fail-on", "stage", "config"] {
        assert!(names.contains(&input), "no input {input}: {names:?}");
        assert!(inputs[input]["description"].is_string(), "{input}");
    }
    let job = &component[1]["trustlint"];
    assert_eq!(job["stage"], "$[[ inputs.stage ]]");
    assert_eq!(job["cache"]["key"], "trustlint-$[[ inputs.version ]]");
    let install = job["before_script"][0].as_str().unwrap();
    assert!(
        install.contains("cargo install --locked")
            && install.contains("trustlint@$TRUSTLINT_VERSION"),
        "{install}"
    );
    assert_eq!(
        job["variables"]["TRUSTLINT_VERSION"],
        "$[[ inputs.version ]]"
    );
    let reports = &job["artifacts"]["reports"];
    assert_eq!(reports["codequality"], "gl-code-quality-report.json");
    assert_eq!(reports["sast"], "gl-sast-report.json");
    // The default version is the one this repository releases.
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(inputs["version"]["default"], version);
    let docs = fs::read_to_string(workspace_root().join("docs/gitlab-ci.md")).unwrap();
    assert!(
        docs.contains(&format!(
            "component: $CI_SERVER_FQDN/trustlint/trustlint/trustlint@{version}"
        )),
        "docs/gitlab-ci.md shows the component at the current version"
    );
}

#[test]
fn trustlint_finds_nothing_in_its_own_templates() {
    let output = trustlint(&workspace_root())
        .args([
            "check",
            "--kind",
            "gitlab-ci",
            "--format",
            "json",
            "--fail-on",
            "note",
        ])
        .args([COMPONENT, TEMPLATE])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 2, "{report:#}");
    assert_eq!(report["diagnostics"], serde_json::json!([]), "{report:#}");
    assert_eq!(output.status.code(), Some(0));
}
