//! Discovery: which files a run reads. Named files are always read; folders are walked in
//! parallel honouring `.gitignore` (hidden folders such as `.gitlab/` included, `.git`
//! skipped), keeping files whose name makes them candidates or that match `ci-files`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
use ignore::{WalkBuilder, WalkState};
use trustlint_parser::input::{is_candidate_name, Discovery, InputKind};

/// A file to read, how it was found, and its kind when forced.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    pub discovery: Discovery,
    pub kind: Option<InputKind>,
}

/// Globs of files to read as GitLab CI (`[gitlab] ci-files`), relative to the config folder.
#[derive(Debug)]
pub struct CiFiles {
    set: GlobSet,
    base: PathBuf,
}

impl CiFiles {
    pub fn new(globs: &[String], base: &Path) -> Result<CiFiles, String> {
        let mut builder = GlobSetBuilder::new();
        for glob in globs {
            let glob = Glob::new(glob).map_err(|e| format!("[gitlab] ci-files: {e}"))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| format!("[gitlab] ci-files: {e}"))?;
        Ok(CiFiles {
            set,
            base: base.to_path_buf(),
        })
    }

    fn matches(&self, path: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let relative = path
            .strip_prefix(&self.base)
            .or_else(|_| path.strip_prefix("./"))
            .unwrap_or(path);
        self.set.is_match(relative) || self.set.is_match(path)
    }
}

/// Collects the candidates under `paths`, sorted by path and without duplicates.
/// `forced` applies to the paths named (`--kind`).
pub fn discover(
    paths: &[PathBuf],
    forced: Option<InputKind>,
    ci_files: &CiFiles,
    threads: usize,
) -> Result<Vec<Candidate>, String> {
    let found = Mutex::new(Vec::new());
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if metadata.is_file() {
            let kind = forced.or_else(|| ci_files.matches(path).then_some(InputKind::GitlabCi));
            push(&found, path.clone(), Discovery::Named, kind);
            continue;
        }
        WalkBuilder::new(path)
            .hidden(false)
            .require_git(false)
            .threads(threads)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build_parallel()
            .run(|| {
                Box::new(|entry| {
                    let Ok(entry) = entry else {
                        return WalkState::Continue;
                    };
                    if entry.file_type().is_some_and(|t| t.is_file()) {
                        let path = entry.path();
                        if ci_files.matches(path) {
                            push(
                                &found,
                                path.to_path_buf(),
                                Discovery::Walked,
                                Some(InputKind::GitlabCi),
                            );
                        } else if is_candidate_name(path) {
                            push(&found, path.to_path_buf(), Discovery::Walked, None);
                        }
                    }
                    WalkState::Continue
                })
            });
    }
    let mut found = found
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    found.sort();
    // A file named and also walked keeps its first (named) entry.
    found.dedup_by(|later, earlier| later.path == earlier.path);
    Ok(found)
}

fn push(
    found: &Mutex<Vec<Candidate>>,
    path: PathBuf,
    discovery: Discovery,
    kind: Option<InputKind>,
) {
    let mut found = found
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    found.push(Candidate {
        path,
        discovery,
        kind,
    });
}
