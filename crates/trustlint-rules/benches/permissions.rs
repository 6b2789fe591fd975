//! Benchmarks of permissions-policy checking with the AWS action catalog
//! (`cargo bench -p trustlint-rules --bench permissions`): the catalog's first load,
//! wildcard expansion, and the TL2xx rules over the corpus identity policies
//! (`../shared/corpus/iam/policies`, or a few built-in policies when it is absent).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trustlint_parser::input::{self, Discovery, Workspace};
use trustlint_parser::{FileId, Limits, SourceFile};
use trustlint_rules::analysis::catalog::Catalog;
use trustlint_rules::{engine, registry, Context, Rule, Settings};

/// Used when the corpus is absent: a CI deploy policy, a NotAction policy, an escalation.
const BUILT_IN: &[&str] = &[
    r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["s3:PutObject","s3:GetObject","s3:ListBucket","s3:Get*"],"Resource":["arn:aws:s3:::site","arn:aws:s3:::site/*"]},
        {"Effect":"Allow","Action":["cloudfront:CreateInvalidation","ecr:GetAuthorizationToken","secretsmanager:GetSecretValue"],"Resource":"*"},
        {"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}"#,
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#,
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole","ec2:RunInstances","lambda:*","*:Describe*"],"Resource":"*"}]}"#,
];

fn corpus_files() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/iam/policies");
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.filter_map(Result::ok).map(|e| e.path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                if let Ok(text) = std::fs::read_to_string(&path) {
                    files.push((path, text));
                }
            }
        }
    }
    if files.is_empty() {
        eprintln!("corpus absent: benchmarking the built-in policies");
        files = BUILT_IN
            .iter()
            .enumerate()
            .map(|(i, text)| (PathBuf::from(format!("policy-{i}.json")), text.to_string()))
            .collect();
    }
    files.sort();
    files
}

fn workspace(files: &[(PathBuf, String)]) -> Workspace {
    let limits = Limits::default();
    let mut workspace = Workspace::default();
    for (i, (path, text)) in files.iter().enumerate() {
        let file = SourceFile::new(FileId(i as u32), path.clone(), text.as_str());
        workspace
            .documents
            .extend(input::load(&file, None, Discovery::Named, &limits));
        workspace.sources.push(file);
    }
    workspace
}

fn permissions(c: &mut Criterion) {
    // The catalog is parsed once per process: time that first load by hand.
    let start = Instant::now();
    let actions = Catalog::get().len();
    eprintln!(
        "catalog first load: {actions} actions in {:?}",
        start.elapsed()
    );

    let catalog = Catalog::get();
    let mut group = c.benchmark_group("catalog");
    group.bench_function("lookup_exact", |b| {
        b.iter(|| catalog.lookup(black_box("S3:GetObject")))
    });
    group.bench_function("expand_s3_get_star", |b| {
        b.iter(|| catalog.expand(black_box("s3:Get*")).len())
    });
    group.bench_function("expand_star_describe_star", |b| {
        b.iter(|| catalog.expand(black_box("*:Describe*")).len())
    });
    group.finish();

    let files = corpus_files();
    let bytes: usize = files.iter().map(|(_, text)| text.len()).sum();
    let workspace = workspace(&files);
    let settings = Settings::default();
    let rules: Vec<&dyn Rule> = registry::all()
        .iter()
        .copied()
        .filter(|r| r.meta().code.starts_with("TL2"))
        .collect();
    let cx = Context::new(&workspace, &settings);
    let mut group = c.benchmark_group("permissions_rules");
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function("corpus_policies", |b| {
        b.iter(|| engine::run(black_box(&rules), &cx).len())
    });
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("corpus_bytes", |b| {
        b.iter(|| engine::run(black_box(&rules), &cx).len())
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = permissions
}
criterion_main!(benches);
