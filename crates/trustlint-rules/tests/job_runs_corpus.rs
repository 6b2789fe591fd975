//! [`JobRuns`] on every job of GitLab's CI corpus (`../shared/corpus/gitlab-ci`): it never
//! panics, stays fast, and its answers are summarised (how many jobs it places exactly,
//! never run, run in merge-request pipelines, or run on an unprotected ref).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use trustlint_parser::gitlab::{load_file, NoIncludes};
use trustlint_parser::{FileId, Limits};
use trustlint_rules::analysis::job_runs::JobRuns;
use trustlint_rules::Settings;

#[path = "../../../tests/common/corpus.rs"]
mod corpus;

fn corpus() -> Option<PathBuf> {
    corpus::shared_corpus("gitlab-ci")
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_job_is_placed() {
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    yaml_files(&corpus, &mut files);
    files.sort();
    let settings = Settings::default();
    let (mut jobs, mut exact, mut never, mut merge_requests, mut unprotected) = (0, 0, 0, 0, 0);
    let mut slowest = (Duration::ZERO, String::new());
    let started = Instant::now();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let Ok((pipeline, _)) = load_file(FileId(0), &text, &NoIncludes, &Limits::default(), true)
        else {
            continue;
        };
        for job in &pipeline.jobs {
            let start = Instant::now();
            let runs = JobRuns::of(&pipeline, job, &settings);
            let took = start.elapsed();
            if took > slowest.0 {
                slowest = (took, format!("{} job `{}`", path.display(), job.name.value));
            }
            jobs += 1;
            exact += usize::from(runs.exact);
            never += usize::from(runs.never_runs());
            merge_requests += usize::from(runs.merge_requests());
            unprotected += usize::from(runs.unprotected_example(&settings).is_some());
        }
    }
    eprintln!(
        "{jobs} jobs in {} files ({:?}): {exact} exact, {never} never run, {merge_requests} in merge-request pipelines, {unprotected} on an unprotected ref; slowest {:?}: {}",
        files.len(),
        started.elapsed(),
        slowest.0,
        slowest.1
    );
    assert!(jobs > 1000);
    assert!(slowest.0 < Duration::from_secs(5), "{}", slowest.1);
}
