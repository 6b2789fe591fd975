//! Loads every file of the shared corpus's Google Cloud folder (`shared/corpus/gcp`,
//! said out loud when absent) through kind detection: no panic, no parse problem, and
//! the workload identity providers and bindings read from each, printed for the record
//! (references resolve across the `*.tf` files of a folder, as in a `trustlint check`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::{Path, PathBuf};

use trustlint_parser::federation::gcp::Mapping;
use trustlint_parser::files::LocalFiles;
use trustlint_parser::input::{is_candidate_name, load_with, Content, Discovery};
use trustlint_parser::problem::ProblemKind;
use trustlint_parser::terraform::FolderModules;
use trustlint_parser::{FileId, Limits, SourceFile};

#[path = "../../../tests/common/corpus.rs"]
mod corpus;

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
fn corpus_gcp_files_load_and_their_providers_are_read() {
    let Some(corpus) = corpus::shared_corpus("gcp") else {
        return;
    };
    let mut files = Vec::new();
    files_under(&corpus, &mut files);
    assert!(!files.is_empty(), "no files under {}", corpus.display());
    let id = |index: usize| FileId(u32::try_from(index).unwrap());
    let limits = Limits::default();
    let siblings = LocalFiles::new(id(files.len()), limits.max_file_bytes)
        .with_run_files(files.iter().enumerate().map(|(i, p)| (p.clone(), id(i))));
    let reader = siblings.rooted(&corpus);
    let modules = FolderModules::new(&reader);
    let (mut providers, mut bindings, mut conditions) = (0, 0, 0);
    for (index, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let source = SourceFile::new(id(index), path.clone(), text);
        let Some(document) =
            load_with(&source, None, Discovery::Walked, &limits, &reader, &modules)
        else {
            continue;
        };
        let shown = path.strip_prefix(&corpus).unwrap().display();
        for problem in &document.problems {
            assert_ne!(
                problem.kind,
                ProblemKind::Parse,
                "{shown}: {}",
                problem.message
            );
        }
        let Content::Iam(resources) = &document.content else {
            continue;
        };
        let gcp = &resources.federation.gcp;
        for provider in &gcp.providers {
            providers += 1;
            let condition = provider.condition.as_ref().map(|c| c.text.as_str());
            conditions += usize::from(condition.is_some());
            let mapped = match &provider.mapping {
                Mapping::Known(entries) => entries.len().to_string(),
                Mapping::Unknown(_) => "unknown".into(),
                Mapping::Absent => "none".into(),
            };
            eprintln!(
                "{shown}: provider {} issuer {:?} audiences {:?} mapping {mapped} condition {condition:?}",
                provider.name.value,
                provider.issuer.as_ref().map(|i| &i.value),
                provider.audiences.as_ref().map(|a| a.values.iter().map(|v| &v.value).collect::<Vec<_>>()),
            );
            if let Some(condition) = &provider.condition {
                if !condition.is_symbolic() {
                    assert!(condition.parse().is_ok(), "{shown}: {condition:?}");
                }
            }
        }
        for binding in &gcp.bindings {
            bindings += 1;
            eprintln!(
                "{shown}: {} {:?} {} -> {:?}",
                binding.source,
                binding.scope,
                binding.role.value,
                binding.members.iter().map(|m| &m.value).collect::<Vec<_>>()
            );
        }
    }
    eprintln!(
        "gcp corpus: {providers} providers ({conditions} with a condition), {bindings} bindings"
    );
    assert!(
        providers >= 5 && bindings >= 5,
        "{providers} providers, {bindings} bindings"
    );
}
