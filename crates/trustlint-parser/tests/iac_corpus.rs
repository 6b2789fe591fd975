//! Loads every Terraform, CloudFormation and account-export file of the shared corpus
//! (`shared/corpus/iam/{terraform,cloudformation,account-dumps}`) through kind detection
//! and the role model: no panic, every file recognised, and printed counts of roles,
//! policies, providers and problems to review.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};

use trustlint_parser::input::{is_candidate_name, load, Content, Discovery};
use trustlint_parser::{FileId, Limits, SourceFile};

fn files_under(folder: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            files_under(&path, found);
        } else if is_candidate_name(&path) {
            found.push(path);
        }
    }
}

#[test]
fn corpus_iac_files_load_without_panic() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/iam");
    if !corpus.is_dir() {
        eprintln!("corpus absent: skipped ({})", corpus.display());
        return;
    }
    for folder in ["terraform", "cloudformation", "account-dumps"] {
        let mut files = Vec::new();
        files_under(&corpus.join(folder), &mut files);
        assert!(!files.is_empty(), "no files under {folder}");
        let (mut roles, mut policies, mut providers, mut problems) = (0, 0, 0, 0);
        for (index, path) in files.iter().enumerate() {
            let text = std::fs::read_to_string(path).unwrap();
            let source = SourceFile::new(FileId(u32::try_from(index).unwrap()), path.clone(), text);
            let document = load(&source, None, Discovery::Walked, &Limits::default())
                .unwrap_or_else(|| panic!("{}: not recognised", path.display()));
            let Content::Iam(resources) = &document.content else {
                panic!("{}: not loaded: {:?}", path.display(), document.problems);
            };
            roles += resources.roles.len();
            policies += resources.policies.len();
            providers += resources.providers.len();
            problems += document.problems.len();
            for problem in &document.problems {
                eprintln!(
                    "{}: {:?}: {}",
                    path.display(),
                    problem.kind,
                    problem.message
                );
            }
        }
        eprintln!(
            "{folder}: {} files, {roles} roles, {policies} standalone policies, {providers} OIDC providers, {problems} problems",
            files.len()
        );
    }
}
