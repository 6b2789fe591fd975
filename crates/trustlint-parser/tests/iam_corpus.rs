//! Loads every IAM policy of the shared corpus (`shared/corpus/iam/{policies,trust}`)
//! through the JSON loader and the IAM model: no panic, and a printed list of every
//! parse and TL002 problem to review (the corpus has intentionally broken policies).

use std::path::{Path, PathBuf};

use trustlint_parser::iam::load_policy;
use trustlint_parser::json::parse_json;
use trustlint_parser::{FileId, Limits, SourceFile};

#[path = "../../../tests/common/corpus.rs"]
mod corpus;

fn json_files(folder: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
}

#[test]
fn corpus_policies_load_without_panic() {
    let Some(corpus) = corpus::shared_corpus("") else {
        return;
    };
    let mut files = Vec::new();
    for folder in ["iam/policies", "iam/trust"] {
        json_files(&corpus.join(folder), &mut files);
    }
    assert!(
        !files.is_empty(),
        "no policy files under {}",
        corpus.display()
    );

    let mut parse_errors = 0;
    let mut not_policies = 0;
    let mut with_tl002 = 0;
    let mut report = Vec::new();
    for (index, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        let id = FileId(u32::try_from(index).unwrap());
        let source = SourceFile::new(id, path.clone(), text.as_str());
        let name = path
            .strip_prefix(&corpus)
            .unwrap_or(path)
            .display()
            .to_string();
        let root = match parse_json(id, &text, &Limits::default()) {
            Ok(root) => root,
            Err(problem) => {
                parse_errors += 1;
                report.push(format!("{name}: parse: {}", problem.message));
                continue;
            }
        };
        if root.get("Statement").is_none() && root.get("Version").is_none() {
            // Some other shape (e.g. an account authorization dump), not a policy.
            not_policies += 1;
            report.push(format!("{name}: not a policy document, skipped"));
            continue;
        }
        let mut problems = Vec::new();
        let document = load_policy(&root, &mut problems);
        assert!(document.is_some() || !problems.is_empty(), "{name}");
        if !problems.is_empty() {
            with_tl002 += 1;
        }
        for problem in problems {
            let at = source.line_col(problem.span.start);
            report.push(format!(
                "{name}:{}:{}: TL002 {} [{}]",
                at.line,
                at.column,
                problem.message,
                source.slice(problem.span).lines().next().unwrap_or("")
            ));
        }
    }
    eprintln!(
        "iam corpus: {} files, {parse_errors} parse errors, {not_policies} not policies, {with_tl002} files with TL002 problems",
        files.len()
    );
    for line in &report {
        eprintln!("  {line}");
    }
}
