//! The generated corpus against its parse-only floor (`make bench`): issue 9's target
//! "full checking within 3× of the parse-only floor" measured on the corpus the peers
//! are compared on (bench/generate.py, `target/bench/corpus-3000` or
//! `$TRUSTLINT_BENCH_CORPUS`), for each kind of file and for all of them.
//!
//! Both sides start from the files' text in memory and run on one thread:
//! - `parse_only`: each file through its syntax parser alone (JSON, YAML, HCL), no model;
//! - `load_and_check`: what `trustlint check` does with the text — the lint pipeline
//!   (`trustlint_lint::lint` over the texts in memory: load every file into the model,
//!   every rule with default settings, suppressions, filters, masking, fingerprints), in a
//!   one-thread pool.
//!
//! Without a generated corpus the benchmark says so and measures nothing.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trustlint_lint::LintRequest;
use trustlint_parser::{FileId, Limits, SourceFile};

mod syntax;

/// The corpus folder: `$TRUSTLINT_BENCH_CORPUS`, else the 3 000-file corpus `make bench`
/// generates.
fn corpus_folder() -> PathBuf {
    std::env::var_os("TRUSTLINT_BENCH_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench/corpus-3000"),
        PathBuf::from,
    )
}

/// The files under `folder`, sorted by path.
fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n != ".generated") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The lint pipeline over every file, as `trustlint check` runs it after reading them.
fn load_and_check(request: &LintRequest) -> usize {
    trustlint_lint::lint(request).map_or(0, |outcome| outcome.findings.len())
}

fn corpus(c: &mut Criterion) {
    let folder = corpus_folder();
    let paths = files_under(&folder);
    if paths.is_empty() {
        println!(
            "corpus: skipped, no generated corpus at {} (`make bench` writes it; or run `python3 bench/generate.py {} --files 3000`)",
            folder.display(),
            folder.display()
        );
        return;
    }
    let limits = Limits::default();
    let Ok(one_thread) = rayon::ThreadPoolBuilder::new().num_threads(1).build() else {
        println!("corpus: skipped, no thread pool");
        return;
    };
    let kinds: [(&str, &[&str]); 5] = [
        ("trust", &["trust"]),
        ("permissions", &["permissions"]),
        ("terraform", &["terraform"]),
        ("pipelines", &["pipelines"]),
        ("all", &["trust", "permissions", "terraform", "pipelines"]),
    ];
    let mut group = c.benchmark_group("corpus");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (name, folders) in kinds {
        let files: Vec<SourceFile> = paths
            .iter()
            .filter(|p| {
                p.strip_prefix(&folder)
                    .ok()
                    .and_then(|rest| rest.components().next())
                    .is_some_and(|top| folders.iter().any(|f| top.as_os_str() == *f))
            })
            .filter_map(|p| Some((p, std::fs::read_to_string(p).ok()?)))
            .enumerate()
            .map(|(i, (path, text))| SourceFile::new(FileId(i as u32), path.clone(), text))
            .collect();
        let bytes: usize = files.iter().map(|f| f.text.len()).sum();
        let request = LintRequest::in_memory(
            files
                .iter()
                .map(|file| (file.path.clone(), file.text.to_string())),
        );
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(format!("{name}/parse_only"), |b| {
            b.iter(|| {
                black_box(&files)
                    .iter()
                    .filter(|f| syntax::parses(f.id, &f.path, &f.text, &limits))
                    .count()
            })
        });
        group.bench_function(format!("{name}/load_and_check"), |b| {
            b.iter(|| one_thread.install(|| load_and_check(black_box(&request))))
        });
    }
    group.finish();
}

criterion_group!(benches, corpus);
criterion_main!(benches);
