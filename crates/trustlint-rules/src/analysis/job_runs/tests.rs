//! Tests of [`JobRuns`]: hand-written cases, and a property test against a direct,
//! concrete evaluation of the same rules for concrete ref names.

use proptest::prelude::*;
use trustlint_parser::gitlab::{load_file, NoIncludes};
use trustlint_parser::{FileId, Limits};

use super::*;

fn pipeline(yaml: &str) -> Pipeline {
    let (pipeline, problems) =
        load_file(FileId(0), yaml, &NoIncludes, &Limits::default(), true).unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    pipeline
}

fn runs_with(yaml: &str, settings: &Settings) -> JobRuns {
    let pipeline = pipeline(yaml);
    JobRuns::of(&pipeline, pipeline.job("job").unwrap(), settings)
}

fn runs(yaml: &str) -> JobRuns {
    runs_with(yaml, &Settings::default())
}

fn on(runs: &JobRuns, source: PipelineSource, ref_type: RefType, name: &str) -> bool {
    runs.cases
        .iter()
        .any(|c| c.source == source && c.ref_type == ref_type && c.names.contains(name))
}

use PipelineSource::{MergeRequestEvent as Mr, Push, Schedule, Web};
use RefType::{Branch, Tag};

#[test]
fn default_only_is_branches_and_tags() {
    let r = runs("job:\n  script: x\n");
    assert!(r.exact);
    assert!(on(&r, Push, Branch, "feature/x") && on(&r, Push, Tag, "v1"));
    assert!(!r.merge_requests());
    let (ref_type, name, because) = r.unprotected_example(&Settings::default()).unwrap();
    assert_eq!((ref_type, because), (Branch, None));
    assert_ne!(name, "main");
}

#[test]
fn default_branch_rule_is_protected() {
    let r =
        runs("job:\n  script: x\n  rules:\n    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n");
    assert!(r.exact);
    assert!(on(&r, Push, Branch, "main") && on(&r, Schedule, Branch, "main"));
    assert!(!on(&r, Push, Branch, "dev") && !on(&r, Push, Tag, "main"));
    assert!(!r.merge_requests());
    assert_eq!(r.unprotected_example(&Settings::default()), None);
    assert!(r.names(Tag).is_empty());
}

#[test]
fn release_regex_reaches_unprotected_branches() {
    let yaml = "job:\n  script: x\n  rules:\n    - if: $CI_COMMIT_BRANCH =~ /^release/\n";
    let r = runs(yaml);
    assert!(r.exact);
    assert!(on(&r, Push, Branch, "release/1.0") && !on(&r, Push, Branch, "main"));
    let (ref_type, name, because) = r.unprotected_example(&Settings::default()).unwrap();
    assert_eq!((ref_type, name.as_str()), (Branch, "release"));
    assert_eq!(
        because.map(|s| s.start),
        Some(yaml.find("$CI_COMMIT_BRANCH").unwrap() as u32)
    );
    let settings = Settings {
        protected_refs: vec!["release*".to_string()],
        ..Settings::default()
    };
    assert_eq!(
        runs_with(yaml, &settings).unprotected_example(&settings),
        None
    );
}

#[test]
fn only_merge_requests() {
    let r = runs("job:\n  script: x\n  only: [merge_requests]\n");
    assert!(r.merge_requests());
    assert!(r.cases.iter().all(|c| c.source == Mr));
    assert!(on(&r, Mr, Branch, "feature/x"));
}

#[test]
fn tags_rule() {
    let r = runs("job:\n  script: x\n  rules:\n    - if: $CI_COMMIT_TAG\n");
    assert!(on(&r, Push, Tag, "v1.0") && !on(&r, Push, Branch, "main"));
    assert_eq!(r.unprotected_example(&Settings::default()).unwrap().0, Tag);
    let settings = Settings {
        protected_refs: vec!["main".to_string(), "v*".to_string()],
        ..Settings::default()
    };
    let r = runs_with(
        "job:\n  script: x\n  rules:\n    - if: $CI_COMMIT_TAG =~ /^v/\n",
        &settings,
    );
    assert_eq!(r.unprotected_example(&settings), None);
}

#[test]
fn protected_rule_stays_protected_in_merge_requests() {
    let r = runs("job:\n  script: x\n  rules:\n    - if: $CI_COMMIT_REF_PROTECTED == \"true\"\n");
    assert!(on(&r, Push, Branch, "main") && !on(&r, Push, Tag, "main"));
    assert!(!on(&r, Push, Branch, "dev"));
    // Protected merge-request pipelines need a protected source branch.
    assert!(on(&r, Mr, Branch, "main") && !on(&r, Mr, Branch, "dev"));
    assert_eq!(r.unprotected_example(&Settings::default()), None);
}

#[test]
fn merge_request_target_branch_admits_every_source_branch_exactly() {
    let yaml =
        "job:\n  script: x\n  rules:\n    - if: $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == \"main\"\n";
    let r = runs(yaml);
    assert!(r.exact);
    assert!(on(&r, Mr, Branch, "main") && on(&r, Mr, Branch, "feature/x"));
    assert!(!on(&r, Push, Branch, "main") && !on(&r, Push, Tag, "v1"));
    // Surely on no source branch: a later rule still admits the other merge requests.
    let yaml = "job:\n  script: x\n  rules:\n    - if: $CI_MERGE_REQUEST_TARGET_BRANCH_NAME =~ /^release/\n      when: never\n    - if: $CI_MERGE_REQUEST_IID\n";
    let r = runs(yaml);
    assert!(r.exact);
    assert!(on(&r, Mr, Branch, "feature/x"));
    // No branch is named `a b`: that comparison never holds.
    let r = runs(
        "job:\n  script: x\n  rules:\n    - if: $CI_MERGE_REQUEST_TARGET_BRANCH_NAME == \"a b\"\n",
    );
    assert!(r.never_runs());
}

#[test]
fn first_match_and_never() {
    let yaml = "job:\n  script: x\n  rules:\n    - if: $CI_COMMIT_BRANCH == \"main\"\n      when: never\n    - when: always\n";
    let r = runs(yaml);
    assert!(r.exact);
    assert!(!on(&r, Push, Branch, "main") && on(&r, Push, Branch, "dev"));
    assert!(on(&r, Mr, Branch, "main") && on(&r, Push, Tag, "main"));
}

#[test]
fn unknown_variables_widen() {
    let r = runs("job:\n  script: x\n  rules:\n    - if: $DEPLOY == \"yes\"\n      when: never\n    - if: $CI_COMMIT_BRANCH\n");
    assert!(!r.exact);
    assert!(on(&r, Push, Branch, "dev"));
    assert!(!on(&r, Push, Tag, "v1"));
}

#[test]
fn null_rules_are_unset_and_empty_rules_never_run() {
    assert!(on(
        &runs("job:\n  script: x\n  rules: null\n"),
        Push,
        Tag,
        "v1"
    ));
    assert!(runs("job:\n  script: x\n  rules: []\n").never_runs());
}

#[test]
fn unresolved_references_are_unknown() {
    let (pipeline, _) = load_file(
        FileId(0),
        "include: other.yml\njob:\n  script: x\n  rules:\n    - if: !reference [.rules, if]\n      when: never\n    - when: always\n",
        &NoIncludes,
        &Limits::default(),
        true,
    )
    .unwrap();
    let r = JobRuns::of(
        &pipeline,
        pipeline.job("job").unwrap(),
        &Settings::default(),
    );
    assert!(!r.exact && on(&r, Push, Branch, "dev"));
}

#[test]
fn changes_make_a_clause_may_only() {
    let r = runs("job:\n  script: x\n  rules:\n    - if: $CI_COMMIT_BRANCH\n      changes: [a]\n      when: never\n    - when: on_success\n");
    assert!(!r.exact);
    assert!(on(&r, Push, Branch, "dev"));
}

#[test]
fn literal_job_variables() {
    let yaml = "job:\n  script: x\n  variables:\n    TARGET: prod\n  rules:\n    - if: $TARGET == \"prod\" && $CI_COMMIT_BRANCH == \"main\"\n";
    let r = runs(yaml);
    assert!(on(&r, Push, Branch, "main") && !on(&r, Push, Branch, "dev"));
    // Web pipelines can set TARGET themselves.
    assert!(!r.exact);
    assert!(on(&r, Web, Branch, "main") && !on(&r, Web, Branch, "dev"));
}

#[test]
fn project_variables_come_from_the_settings() {
    let yaml = "job:\n  script: x\n  rules:\n    - if: $CI_PROJECT_NAMESPACE !~ /^acme($|\\/)/\n      when: never\n    - if: $CI_PROJECT_NAME == \"web\" && $CI_COMMIT_BRANCH\n";
    let ours = Settings {
        gitlab_project: Some("acme/web".to_string()),
        ..Settings::default()
    };
    let r = runs_with(yaml, &ours);
    assert!(r.exact && on(&r, Push, Branch, "dev"));
    let theirs = Settings {
        gitlab_project: Some("fork/web".to_string()),
        ..Settings::default()
    };
    assert!(runs_with(yaml, &theirs).never_runs());
    assert!(!runs(yaml).exact);
}

#[test]
fn workflow_intersects() {
    let yaml = "workflow:\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"\njob:\n  script: x\n";
    assert!(runs(yaml).never_runs());
    let yaml = "workflow:\n  rules:\n    - if: $CI_COMMIT_TAG\n      when: never\n    - when: always\njob:\n  script: x\n";
    let r = runs(yaml);
    assert!(r.names(Tag).is_empty() && on(&r, Push, Branch, "dev"));
}

#[test]
fn only_and_except_refs() {
    let yaml = "job:\n  script: x\n  only: [main, /^v\\d+$/, tags]\n  except: [/^v9/]\n";
    let r = runs(yaml);
    assert!(r.exact);
    assert!(on(&r, Push, Branch, "main") && on(&r, Push, Tag, "main"));
    assert!(on(&r, Push, Branch, "v1") && !on(&r, Push, Branch, "v9"));
    assert!(on(&r, Push, Tag, "anything") && !on(&r, Push, Tag, "v99"));
    assert!(!on(&r, Push, Branch, "dev"));
    // Names and patterns don't match merge-request pipelines.
    assert!(!r.merge_requests());
    let r = runs("job:\n  script: x\n  only:\n    refs: [branches]\n    variables: [$CI_COMMIT_BRANCH == \"dev\"]\n");
    assert!(on(&r, Push, Branch, "dev") && !on(&r, Push, Branch, "main"));
    let project = "job:\n  script: x\n  only: [main@acme/web]\n";
    let known = Settings {
        gitlab_project: Some("acme/other".to_string()),
        ..Settings::default()
    };
    assert!(runs_with(project, &known).never_runs());
    assert!(!runs(project).exact);
}

// --- the property test ---------------------------------------------------------------

const NAMES: &[&str] = &[
    "main",
    "dev",
    "release/1.0",
    "release-2",
    "v1",
    "v12",
    "MAIN",
    "feature/x",
    "x",
    "true",
];
const VARIABLES: &[&str] = &[
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_TAG",
    "CI_COMMIT_REF_NAME",
    "CI_PIPELINE_SOURCE",
    "CI_DEFAULT_BRANCH",
    "CI_COMMIT_REF_PROTECTED",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
    "CI_MERGE_REQUEST_IID",
    "MY_VAR",
    "UNSET",
];
/// Variables whose values the analysis knows exactly in every case.
const KNOWN_VARIABLES: &[&str] = &[
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_TAG",
    "CI_COMMIT_REF_NAME",
    "CI_PIPELINE_SOURCE",
    "CI_DEFAULT_BRANCH",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
];
const TEXTS: &[&str] = &[
    "main",
    "dev",
    "v1",
    "release/1.0",
    "push",
    "merge_request_event",
    "schedule",
    "true",
    "false",
    "",
];
const REGEXES: &[&str] = &[
    "/^release/",
    r"/^v\d+$/",
    "/main/",
    "/^(main|dev)$/i",
    "/^$/",
    r"/^release[-\/]\d/",
    "/./",
    "/^[a-z]+$/",
];

/// The concrete value of a variable in a pipeline of `source` on ref `name`.
fn concrete(
    variable: &str,
    source: PipelineSource,
    ref_type: RefType,
    name: &str,
) -> Option<String> {
    let mr = source == Mr;
    let name = Some(name.to_string());
    match variable {
        "CI_PIPELINE_SOURCE" => Some(source.name().to_string()),
        "CI_COMMIT_REF_NAME" => name,
        "CI_COMMIT_BRANCH" => name.filter(|_| ref_type == Branch && !mr),
        "CI_COMMIT_TAG" => name.filter(|_| ref_type == Tag),
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME" => name.filter(|_| mr),
        "CI_MERGE_REQUEST_IID" => mr.then(|| "7".to_string()),
        "CI_DEFAULT_BRANCH" => Some("main".to_string()),
        "CI_COMMIT_REF_PROTECTED" => {
            Some((!mr && ref_type == Branch && name.as_deref() == Some("main")).to_string())
        }
        "MY_VAR" => Some("release/1.0".to_string()),
        _ => None,
    }
}

fn regex_matches(regex: &Regex, text: &str) -> bool {
    regex::bytes::RegexBuilder::new(&regex.pattern)
        .case_insensitive(regex.ignore_case())
        .unicode(false)
        .build()
        .unwrap()
        .is_match(text.as_bytes())
}

/// GitLab's first-match evaluation of `rules` for one concrete pipeline.
fn first_match(
    rules: &[RuleClause],
    source: PipelineSource,
    ref_type: RefType,
    name: &str,
) -> bool {
    let variable = |v: &str| concrete(v, source, ref_type, name);
    for rule in rules {
        let holds = rule.condition.as_ref().is_none_or(|c| {
            expression::parse(&c.value)
                .unwrap()
                .evaluate(&variable, &regex_matches)
        });
        if holds {
            return rule
                .when
                .as_ref()
                .is_none_or(|w| w.value.as_ref() != "never");
        }
    }
    false
}

fn leaf(variables: &'static [&'static str]) -> impl Strategy<Value = String> {
    let variable = proptest::sample::select(variables);
    let text = proptest::sample::select(TEXTS);
    let regex = proptest::sample::select(REGEXES);
    prop_oneof![
        variable.clone().prop_map(|v| format!("${v}")),
        (variable.clone(), prop_oneof![Just("=="), Just("!=")], text)
            .prop_map(|(v, op, t)| format!("${v} {op} \"{t}\"")),
        (variable.clone(), prop_oneof![Just("=="), Just("!=")])
            .prop_map(|(v, op)| format!("${v} {op} null")),
        (variable.clone(), prop_oneof![Just("=~"), Just("!~")], regex)
            .prop_map(|(v, op, r)| format!("${v} {op} {r}")),
        (variable.clone(), variable).prop_map(|(a, b)| format!("${a} == ${b}")),
    ]
}

fn condition(variables: &'static [&'static str]) -> impl Strategy<Value = String> {
    leaf(variables).prop_recursive(3, 8, 3, |inner| {
        (
            proptest::collection::vec(inner, 2..4),
            prop_oneof![Just(" && "), Just(" || ")],
        )
            .prop_map(|(parts, op)| format!("({})", parts.join(op)))
    })
}

/// A `rules:` list whose clauses use the `when` values in `whens` and conditions on
/// `variables`.
fn rules_yaml(
    whens: &'static [&'static str],
    variables: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let clause = (
        proptest::option::weighted(0.85, condition(variables)),
        proptest::sample::select(whens),
    )
        .prop_map(|(condition, when)| {
            let mut clause = String::from("    -");
            if let Some(condition) = condition {
                clause.push_str(&format!(" if: '{condition}'\n     "));
            }
            clause.push_str(&format!(" when: {when}\n"));
            clause
        });
    proptest::collection::vec(clause, 1..4).prop_map(|clauses| clauses.concat())
}

/// Checks `JobRuns` against the concrete evaluation for every case and name: it must
/// include every concrete run, and equal them when exact (which it must be when
/// `must_be_exact`).
fn check_against_concrete(
    job_rules: &str,
    workflow_rules: Option<&str>,
    must_be_exact: bool,
) -> Result<(), TestCaseError> {
    let mut yaml = String::from("variables:\n  MY_VAR: release/1.0\n");
    if let Some(rules) = workflow_rules {
        yaml.push_str(&format!("workflow:\n  rules:\n{rules}"));
    }
    yaml.push_str(&format!("job:\n  script: x\n  rules:\n{job_rules}"));
    let pipeline = pipeline(&yaml);
    let job = pipeline.job("job").unwrap();
    let runs = JobRuns::of(&pipeline, job, &Settings::default());
    prop_assert!(runs.exact || !must_be_exact, "{yaml}\nnot exact");
    let workflow = pipeline
        .workflow
        .as_ref()
        .map(|w| w.rules.as_slice())
        .unwrap_or_default();
    for source in PipelineSource::ALL {
        for &ref_type in source.ref_types() {
            for name in NAMES {
                let created = workflow.is_empty() || first_match(workflow, source, ref_type, name);
                let concrete = created && first_match(&job.rules, source, ref_type, name);
                let symbolic = on(&runs, source, ref_type, name);
                prop_assert!(
                    !concrete || symbolic,
                    "{yaml}\n{source:?} {ref_type} {name}: runs but not found"
                );
                if runs.exact {
                    prop_assert_eq!(
                        concrete,
                        symbolic,
                        "{}\n{:?} {} {}",
                        yaml,
                        source,
                        ref_type,
                        name
                    );
                }
            }
        }
    }
    Ok(())
}

const JOB_WHENS: &[&str] = &["on_success", "never", "manual"];
const WORKFLOW_WHENS: &[&str] = &["always", "never"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn includes_every_concrete_run(
        job_rules in rules_yaml(JOB_WHENS, VARIABLES),
        workflow_rules in proptest::option::weighted(0.3, rules_yaml(WORKFLOW_WHENS, VARIABLES)),
    ) {
        check_against_concrete(&job_rules, workflow_rules.as_deref(), false)?;
    }

    #[test]
    fn equals_concrete_runs_when_variables_are_known(
        job_rules in rules_yaml(JOB_WHENS, KNOWN_VARIABLES),
        workflow_rules in proptest::option::weighted(0.3, rules_yaml(WORKFLOW_WHENS, KNOWN_VARIABLES)),
    ) {
        check_against_concrete(&job_rules, workflow_rules.as_deref(), true)?;
    }
}
