//! Loads every Terraform, CloudFormation and account-export file of the shared corpus
//! (`shared/corpus/iam/{terraform,cloudformation,account-dumps}`) through kind detection
//! and the role model: no panic, every file recognised, and printed counts of roles,
//! policies, providers and problems to review, and per Terraform project the roles found
//! and how many have a trust policy that could be read (references resolve across the
//! `*.tf` files of a folder, as in a `trustlint check` of the corpus).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeMap;
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
fn corpus_iac_files_load_without_panic() {
    let Some(corpus) = corpus::shared_corpus("iam") else {
        return;
    };
    for folder in ["terraform", "cloudformation", "account-dumps"] {
        let mut files = Vec::new();
        files_under(&corpus.join(folder), &mut files);
        assert!(!files.is_empty(), "no files under {folder}");
        let (mut roles, mut policies, mut providers, mut problems) = (0, 0, 0, 0);
        let id = |index: usize| FileId(u32::try_from(index).unwrap());
        let limits = Limits::default();
        let siblings = LocalFiles::new(id(files.len()), limits.max_file_bytes)
            .with_run_files(files.iter().enumerate().map(|(i, p)| (p.clone(), id(i))));
        let root = corpus.join(folder);
        let reader = siblings.rooted(&root);
        let modules = FolderModules::new(&reader);
        // Per project (first folder below `folder`): roles, roles with a readable trust.
        let mut projects: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        for (index, path) in files.iter().enumerate() {
            let text = std::fs::read_to_string(path).unwrap();
            let source = SourceFile::new(id(index), path.clone(), text);
            let document = load_with(&source, None, Discovery::Walked, &limits, &reader, &modules)
                .unwrap_or_else(|| panic!("{}: not recognised", path.display()));
            let Content::Iam(resources) = &document.content else {
                panic!("{}: not loaded: {:?}", path.display(), document.problems);
            };
            roles += resources.roles.len();
            let project = path
                .strip_prefix(&root)
                .ok()
                .and_then(|p| p.components().next())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_default();
            let counts = projects.entry(project).or_default();
            counts.0 += resources.roles.len();
            counts.1 += resources.roles.iter().filter(|r| r.trust.is_some()).count();
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
        if folder == "terraform" {
            for (project, (found, readable)) in &projects {
                eprintln!("terraform/{project}: {found} roles, {readable} with a readable trust");
            }
        }
        eprintln!(
            "{folder}: {} files, {roles} roles, {policies} standalone policies, {providers} OIDC providers, {problems} problems",
            files.len()
        );
    }
}

/// The Google Cloud folder (`shared/corpus/gcp`): no parse problem, and the workload
/// identity providers and bindings read from each file, printed for the record.
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
