//! Loads every `*.yml`/`*.yaml` file of the shared corpus (`../shared/corpus`) with the
//! YAML loader: no file may panic or hang, and real-world files should parse.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use trustlint_parser::yaml::parse_yaml;
use trustlint_parser::{FileId, Limits, Node, Value};

#[path = "../../../tests/common/corpus.rs"]
mod corpus;

/// Checks span invariants under `node`; returns a description of the first violation.
fn check_spans(text: &str, node: &Node) -> Result<(), String> {
    let span = node.span;
    let (start, end) = (span.start as usize, span.end as usize);
    if start > end
        || end > text.len()
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return Err(format!("bad span {start}..{end}"));
    }
    let written = &text[start..end];
    match &node.value {
        Value::String(s) if node.used_at.is_none() && node.tag.is_none() => {
            let quoted = written.starts_with(['"', '\'']);
            if quoted && !written.ends_with(&written[..1]) {
                return Err(format!("quoted scalar span {written:?}"));
            }
            if !quoted
                && !s.contains(['\n', ' '])
                && !written.starts_with(['|', '>'])
                && written != s
            {
                return Err(format!("plain scalar {s:?} has span text {written:?}"));
            }
        }
        Value::Number(n) if !written.contains(n.as_str()) => {
            return Err(format!("number {n:?} has span text {written:?}"));
        }
        Value::Seq(items) => {
            for item in items {
                check_spans(text, item)?;
            }
        }
        Value::Map(entries) => {
            for entry in entries {
                check_spans(text, &entry.key)?;
                check_spans(text, &entry.value)?;
                let plain = node.used_at.is_none() && entry.key.used_at.is_none();
                if plain && (entry.key.span.start < span.start || entry.value.span.end > span.end) {
                    return Err(format!(
                        "entry at {} outside its map {start}..{end}",
                        entry.key.span.start
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_yaml_file_loads_without_panic() {
    let Some(dir) = corpus::shared_corpus("") else {
        return;
    };
    let mut files = Vec::new();
    collect_yaml(&dir, &mut files);
    files.sort();

    let limits = Limits::default();
    let mut parsed = 0;
    let mut problems = Vec::new();
    let mut not_utf8 = Vec::new();
    let mut slowest = (Duration::ZERO, PathBuf::new());
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            not_utf8.push(path);
            continue;
        };
        let started = Instant::now();
        let result = parse_yaml(FileId(0), &text, &limits);
        let elapsed = started.elapsed();
        if elapsed > slowest.0 {
            slowest = (elapsed, path.clone());
        }
        match result {
            Ok(root) => {
                if let Err(violation) = check_spans(&text, &root) {
                    panic!("{}: {violation}", path.display());
                }
                parsed += 1;
            }
            Err(problem) => {
                assert!(
                    problem.span.end as usize <= text.len(),
                    "{}",
                    path.display()
                );
                let shown = path.strip_prefix(&dir).unwrap_or(path);
                let line = text[..problem.span.start as usize].matches('\n').count() + 1;
                problems.push(format!("{}:{line}: {}", shown.display(), problem.message));
            }
        }
    }

    eprintln!(
        "yaml corpus: {} files, {parsed} parsed, {} gave a problem, {} not UTF-8; slowest {:?} ({})",
        files.len(),
        problems.len(),
        not_utf8.len(),
        slowest.0,
        slowest.1.display()
    );
    for problem in &problems {
        eprintln!("  problem: {problem}");
    }
    for path in &not_utf8 {
        eprintln!("  not UTF-8: {}", path.display());
    }
}
