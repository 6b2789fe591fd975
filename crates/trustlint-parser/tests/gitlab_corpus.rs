//! GitLab's own CI data (`../shared/corpus/gitlab-ci`) through the GitLab CI model:
//! every current official template and every schema positive test loads with no parse
//! (`TL001`) or invalid-config (`TL003`) problem; negative tests are caught at the rate
//! printed (misses listed); legacy templates, projects and tool tests load without panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use trustlint_parser::files::LocalFiles;
use trustlint_parser::gitlab::NoIncludes;
use trustlint_parser::input::{is_gitlab_ci_name, load_with, Content, Discovery, InputKind};
use trustlint_parser::terraform::NoModules;
use trustlint_parser::{FileId, Limits, ProblemKind, SourceFile};

#[path = "../../../tests/common/corpus.rs"]
mod corpus;
mod yaml_files;

use yaml_files::yaml_files;

fn corpus() -> Option<PathBuf> {
    corpus::shared_corpus("gitlab-ci")
}

/// The problems (kind, line:message) of one file loaded as GitLab CI, includes read
/// below `root` when given.
fn problems(path: &Path, root: Option<&Path>) -> Vec<(ProblemKind, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let file = SourceFile::new(FileId(0), path.to_path_buf(), text);
    let limits = Limits::default();
    let files = LocalFiles::new(FileId(1), limits.max_file_bytes);
    // Files not named as GitLab CI are read with `--kind gitlab-ci`.
    let kind = (!is_gitlab_ci_name(path)).then_some(InputKind::GitlabCi);
    let document = match root {
        Some(root) => {
            let reader = files.rooted(root);
            load_with(&file, kind, Discovery::Named, &limits, &reader, &NoModules)
        }
        None => load_with(
            &file,
            kind,
            Discovery::Named,
            &limits,
            &NoIncludes,
            &NoModules,
        ),
    }
    .unwrap();
    assert!(matches!(
        document.content,
        Content::GitlabCi(_) | Content::Unparsed
    ));
    document
        .problems
        .iter()
        .map(|p| {
            let line = if p.span.file == FileId(0) {
                file.line_col(p.span.start).line.to_string()
            } else {
                format!("included file {}", p.span.file.0)
            };
            (p.kind, format!("{line}: {}", p.message))
        })
        .collect()
}

fn rejected(problems: &[(ProblemKind, String)]) -> Vec<String> {
    problems
        .iter()
        .filter(|(kind, _)| matches!(kind, ProblemKind::Parse | ProblemKind::InvalidCiConfig))
        .map(|(_, message)| message.clone())
        .collect()
}

/// Positive schema tests GitLab itself would reject: a job holding `workflow:` (GitLab:
/// "config contains unknown keys: workflow"; `ci.json`'s own `job_template` refuses it
/// too, with `additionalProperties: false`), and `rules:if: $var == true` (the schema only
/// checks that `if` is a string; GitLab's expression lexer has no `true`: "Unknown lexeme
/// found!"). trustlint reports them; they are skipped here.
const INVALID_POSITIVE_TESTS: &[&str] = &[
    "rules_needs.yml",
    "workflow/auto_cancel/on_job_failure.yml",
    "workflow/auto_cancel/on_new_commit.yml",
];

fn assert_all_valid(dir: &Path) -> usize {
    let files = yaml_files(dir);
    let mut failures = Vec::new();
    for path in &files {
        let relative = path
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if INVALID_POSITIVE_TESTS.contains(&relative.as_str()) {
            assert!(
                !rejected(&problems(path, None)).is_empty(),
                "{relative} is reported"
            );
            continue;
        }
        let found = rejected(&problems(path, None));
        if !found.is_empty() {
            failures.push(format!("{}: {found:#?}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files rejected:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn current_templates_are_valid() {
    let Some(corpus) = corpus() else { return };
    let count = assert_all_valid(&corpus.join("templates/current"));
    eprintln!("templates/current: {count} files, none rejected");
    assert!(count >= 100);
}

#[test]
fn schema_positive_tests_are_valid() {
    let Some(corpus) = corpus() else { return };
    let count = assert_all_valid(&corpus.join("schema-tests/positive_tests"));
    eprintln!(
        "schema-tests/positive_tests: {count} files, none rejected but the {} GitLab rejects too",
        INVALID_POSITIVE_TESTS.len()
    );
    assert!(count >= 30);
}

#[test]
fn schema_negative_tests_are_mostly_caught() {
    let Some(corpus) = corpus() else { return };
    let files = yaml_files(&corpus.join("schema-tests/negative_tests"));
    let mut misses = Vec::new();
    for path in &files {
        let found = rejected(&problems(path, None));
        let name = path.strip_prefix(&corpus).unwrap().display().to_string();
        match found.first() {
            Some(first) => eprintln!("caught {name}: {first}"),
            None => misses.push(name),
        }
    }
    let caught = files.len() - misses.len();
    eprintln!(
        "schema-tests/negative_tests: {caught} of {} caught; missed:\n  {}",
        files.len(),
        misses.join("\n  ")
    );
    assert!(caught * 100 >= files.len() * MIN_NEGATIVE_PERCENT);
}

/// The share of GitLab's negative schema tests trustlint must catch.
const MIN_NEGATIVE_PERCENT: usize = 95;

#[test]
fn other_gitlab_files_load_without_panic() {
    let Some(corpus) = corpus() else { return };
    for sub in ["templates/legacy-gitlab-ci-yml", "projects", "tool-tests"] {
        let files = yaml_files(&corpus.join(sub));
        let mut with_problems = Vec::new();
        for path in &files {
            let root = project_root(&corpus, path);
            let found = rejected(&problems(path, Some(&root)));
            if !found.is_empty() {
                with_problems.push(format!(
                    "{}: {}",
                    path.strip_prefix(&corpus).unwrap().display(),
                    found.join(" | ")
                ));
            }
        }
        eprintln!(
            "{sub}: {} files loaded, {} with TL001/TL003 problems:\n  {}",
            files.len(),
            with_problems.len(),
            with_problems.join("\n  ")
        );
    }
}

/// The folder local includes resolve in: the project's folder for `projects/<name>/…`,
/// else the file's own folder.
fn project_root(corpus: &Path, path: &Path) -> PathBuf {
    let relative = path.strip_prefix(corpus).unwrap();
    let mut parts = relative.components();
    match (parts.next(), parts.next()) {
        (Some(first), Some(project)) if first.as_os_str() == "projects" => {
            corpus.join("projects").join(project)
        }
        _ => path.parent().unwrap().to_path_buf(),
    }
}
