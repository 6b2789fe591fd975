//! The Azure files of the shared corpus (`shared/corpus/azure`): every Terraform file
//! loads without a parse problem and the federated credentials, identities and role
//! assignments they declare are read (counted here, so a reader that stops finding them
//! fails); the Terragrunt stack (`*.stack.hcl`) is not an input and is skipped when
//! walked (named, the CLI reports it with TL006: tests/corpus.rs).

use std::path::{Path, PathBuf};

use trustlint_parser::federation::azure::{AzureResources, Origin};
use trustlint_parser::input::{is_candidate_name, load, Content, Discovery};
use trustlint_parser::problem::ProblemKind;
use trustlint_parser::{FileId, Limits, SourceFile};

#[path = "../../../tests/common/corpus.rs"]
mod corpus;

/// Every file below `root`, sorted.
fn files(root: &Path) -> Vec<PathBuf> {
    let mut pending = vec![root.to_path_buf()];
    let mut found = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn azure_corpus_loads_and_its_credentials_are_read() {
    let Some(corpus) = corpus::shared_corpus("azure") else {
        return;
    };
    let paths = files(&corpus);
    assert!(!paths.is_empty(), "no files under {}", corpus.display());
    let mut total = AzureResources::default();
    let mut skipped = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let source = SourceFile::new(
            FileId(u32::try_from(index).unwrap()),
            path.clone(),
            text.as_str(),
        );
        let name = path.strip_prefix(&corpus).unwrap().display().to_string();
        let Some(document) = load(&source, None, Discovery::Walked, &Limits::default()) else {
            assert!(!is_candidate_name(path), "{name}: a candidate not loaded");
            skipped.push(name);
            continue;
        };
        let parse: Vec<_> = document
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::Parse)
            .collect();
        assert!(parse.is_empty(), "{name}: {parse:?}");
        if let Content::Iam(resources) = document.content {
            let azure = resources.federation.azure;
            eprintln!(
                "{name}: {} credentials, {} identities, {} role assignments",
                azure.credentials.len(),
                azure.identities.len(),
                azure.role_assignments.len()
            );
            total.credentials.extend(azure.credentials);
            total.identities.extend(azure.identities);
            total.role_assignments.extend(azure.role_assignments);
        }
    }
    assert_eq!(
        skipped,
        ["gruntwork-io__terragrunt-scale-catalog/stacks/azure/gitlab/pipelines-bootstrap/terragrunt.stack.hcl"]
    );
    // smarongiu: one standard credential per subject (`count`), the app, its service
    // principal and their role assignment; gruntwork: a standard credential, and a
    // flexible one as a `jsonencode`d Graph body posted by `az rest`.
    assert_eq!(total.credentials.len(), 3);
    assert!(total.credentials.iter().any(|c| c.repeated));
    let flexible = total
        .credentials
        .iter()
        .find(|c| c.origin == Origin::TerraformBody)
        .expect("the jsonencode'd flexible credential");
    assert!(flexible.expression.is_some());
    assert_eq!(total.identities.len(), 2);
    assert_eq!(total.role_assignments.len(), 1);
}
