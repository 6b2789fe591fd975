//! The resolved GitLab CI model: the done-when check (an `id_tokens` entry reached
//! through `extends` from a template that got it through a merge key keeps the span of
//! its `aud` line), local includes through the file system, and insta snapshots of the
//! resolved jobs of a few complex files (extends chains, `!reference`, anchors, defaults).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use trustlint_parser::gitlab::{self, Kind, LocalFiles, NoIncludes, Pipeline, Val, Via};
use trustlint_parser::{FileId, Limits, ProblemKind, SourceFile, Span};

#[path = "../../../tests/common/corpus.rs"]
mod corpus;

/// Loads `text` as a standalone `.gitlab-ci.yml` without includes.
fn load(text: &str) -> (Pipeline, Vec<trustlint_parser::Problem>) {
    gitlab::load_file(FileId(0), text, &NoIncludes, &Limits::default(), true).unwrap()
}

fn at(text: &str, span: Span) -> &str {
    &text[span.range()]
}

#[test]
fn id_token_through_extends_and_merge_key_keeps_the_aud_line() {
    let text = "\
.tokens: &tokens
  id_tokens:
    AWS_TOKEN:
      aud: https://sts.amazonaws.com
.aws-template:
  <<: *tokens
  image: amazon/aws-cli
deploy:
  extends: .aws-template
  script: aws sts get-caller-identity
";
    let (pipeline, problems) = load(text);
    assert!(problems.is_empty(), "{problems:?}");
    let deploy = pipeline.job("deploy").unwrap();
    let token = &deploy.id_tokens[0];
    assert_eq!(&*token.name.value, "AWS_TOKEN");
    let aud = &token.aud[0];
    assert_eq!(&*aud.value, "https://sts.amazonaws.com");
    assert_eq!(at(text, aud.span), "https://sts.amazonaws.com");
    let file = SourceFile::new(FileId(0), PathBuf::from(".gitlab-ci.yml"), text);
    assert_eq!(
        file.line_col(aud.span.start).line,
        4,
        "the line where `aud` is written"
    );
    // The chain: through `extends: .aws-template`, then the `<<: *tokens` merge.
    match aud.via.as_slice() {
        [Via::Extends { job, at: extends }, Via::Alias { at: alias }] => {
            assert_eq!(&**job, ".aws-template");
            assert_eq!(at(text, *extends), ".aws-template");
            assert_eq!(at(text, *alias), "*tokens");
        }
        other => panic!("unexpected chain {other:?}"),
    }
    assert_eq!(&*deploy.image().unwrap().value, "amazon/aws-cli");
}

#[test]
fn extends_deep_merges_maps_and_replaces_lists() {
    let text = "\
.base:
  variables: {A: base, B: base}
  tags: [base]
.middle:
  extends: .base
  variables: {B: middle}
job:
  extends: [.middle]
  tags: [own]
  script: [run]
";
    let (pipeline, problems) = load(text);
    assert!(problems.is_empty(), "{problems:?}");
    let job = pipeline.job("job").unwrap();
    let vars: Vec<_> = job
        .variables
        .iter()
        .map(|v| {
            (
                v.name.value.as_ref(),
                v.value.as_ref().unwrap().value.as_ref(),
            )
        })
        .collect();
    assert_eq!(vars, [("A", "base"), ("B", "middle")]);
    let tags = job.tags();
    let tags: Vec<_> = tags.iter().map(|t| t.value.as_ref()).collect();
    assert_eq!(tags, ["own"]);
    // `A` came through two `extends` levels.
    let a = &job.variables[0];
    assert!(
        matches!(a.via.as_slice(), [Via::Extends { job, .. }, Via::Extends { job: base, .. }] if &**job == ".middle" && &**base == ".base")
    );
}

#[test]
fn extends_cycles_and_depth_are_rejected() {
    let mut text = String::from(".l0:\n  script: [x]\n");
    for level in 1..=12 {
        writeln!(text, ".l{level}:\n  extends: .l{}", level - 1).unwrap();
    }
    text.push_str(
        "job:\n  extends: .l12\n  script: [x]\ncycle:\n  extends: cycle\n  script: [x]\n",
    );
    let (_, problems) = load(&text);
    let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        messages.iter().any(|m| m.contains("levels deep")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("circular dependency")),
        "{messages:?}"
    );
}

#[test]
fn references_resolve_nested_and_flatten_in_scripts() {
    let text = "\
.a:
  script: [one, two]
.b:
  script:
    - !reference [.a, script]
    - three
job:
  script:
    - !reference [.b, script]
    - four
  variables:
    X: !reference [.missing, variables]
";
    let (pipeline, problems) = load(text);
    let job = pipeline.job("job").unwrap();
    let script: Vec<_> = job.script.iter().map(|s| s.value.as_ref()).collect();
    assert_eq!(script, ["one", "two", "three", "four"]);
    assert!(matches!(
        job.script[0].via.as_slice(),
        [Via::Reference { .. }, Via::Reference { .. }]
    ));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0]
        .message
        .contains("!reference [.missing, variables] could not be found"));
}

#[test]
fn default_and_global_variables_respect_inherit() {
    let text = "\
variables: {GLOBAL: g, OTHER: o}
default:
  image: ruby:3
  id_tokens:
    TOKEN: {aud: https://default}
plain:
  script: [x]
opted-out:
  inherit:
    default: [image]
    variables: [OTHER]
  script: [x]
";
    let (pipeline, problems) = load(text);
    assert!(problems.is_empty(), "{problems:?}");
    let plain = pipeline.job("plain").unwrap();
    assert_eq!(&*plain.image().unwrap().value, "ruby:3");
    assert_eq!(&*plain.id_tokens[0].aud[0].value, "https://default");
    assert!(matches!(
        plain.id_tokens[0].via.first(),
        Some(Via::Default { .. })
    ));
    assert_eq!(plain.variables.len(), 2);
    assert!(matches!(
        plain.variables[0].via.first(),
        Some(Via::Global { .. })
    ));
    let opted = pipeline.job("opted-out").unwrap();
    assert!(opted.image().is_some());
    assert!(opted.id_tokens.is_empty());
    let names: Vec<_> = opted
        .variables
        .iter()
        .map(|v| v.name.value.as_ref())
        .collect();
    assert_eq!(names, ["OTHER"]);
}

#[test]
fn unresolved_includes_are_notes_and_silence_cross_checks() {
    let text = "\
include:
  - template: Jobs/SAST.gitlab-ci.yml
job:
  extends: .from-template
  stage: scan
";
    let (pipeline, problems) = load(text);
    assert!(pipeline.incomplete);
    let kinds: Vec<_> = problems.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [ProblemKind::UnresolvedInclude]);
}

#[test]
fn local_includes_are_read_inside_the_root_with_their_own_file_ids() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/TL003/good/local-include");
    let text = std::fs::read_to_string(root.join(".gitlab-ci.yml")).unwrap();
    let files = LocalFiles::new(FileId(1), 1 << 20);
    let (pipeline, problems) = gitlab::load_file(
        FileId(0),
        &text,
        &files.rooted(&root),
        &Limits::default(),
        true,
    )
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    let sources = files.into_sources();
    let names: Vec<_> = sources
        .iter()
        .map(|s| s.path.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["aws.yml", "build.yml"]);
    let deploy = pipeline.job("deploy").unwrap();
    let aud = &deploy.id_tokens[0].aud[0];
    assert_eq!(aud.span.file, FileId(1));
    assert_eq!(sources[0].slice(aud.span), "https://gitlab.com");
    assert!(matches!(
        aud.via.as_slice(),
        [Via::Extends { .. }, Via::Include { path, .. }] if &**path == "ci/aws.yml"
    ));
    assert!(
        pipeline.job("build").is_some(),
        "the glob include brought `build`"
    );
}

#[test]
fn nested_includes_keep_the_chain_and_cycles_are_rejected() {
    let dir = std::env::temp_dir().join(format!("trustlint-includes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    let main = "include:\n  - local: ci/a.yml\n    rules:\n      - if: $CI_COMMIT_TAG\njob:\n  extends: .b\n";
    std::fs::write(dir.join("ci/a.yml"), "include: /ci/b.yml\n").unwrap();
    std::fs::write(
        dir.join("ci/b.yml"),
        "include: ci/a.yml\n.b:\n  script: [run]\n  id_tokens: {T: {aud: x}}\n",
    )
    .unwrap();
    let files = LocalFiles::new(FileId(1), 1 << 20);
    let (pipeline, problems) = gitlab::load_file(
        FileId(0),
        main,
        &files.rooted(&dir),
        &Limits::default(),
        true,
    )
    .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let messages: Vec<_> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        ["`ci/a.yml` includes itself through ci/a.yml → ci/b.yml: GitLab rejects the configuration"]
    );
    assert!(
        pipeline.includes[0].rules.is_some(),
        "`rules:` of the include are kept"
    );
    let aud = &pipeline.job("job").unwrap().id_tokens[0].aud[0];
    let chain: Vec<String> = aud
        .via
        .iter()
        .map(|step| match step {
            Via::Extends { job, .. } => format!("extends {job}"),
            Via::Include { path, .. } => format!("include {path}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        chain,
        ["extends .b", "include ci/a.yml", "include ci/b.yml"]
    );
}

#[test]
fn reference_bombs_hit_the_expansion_budget() {
    let mut text = String::from(".l0:\n  script: [a, b, c, d, e, f, g, h]\n");
    for level in 1..=9 {
        let refs = vec![format!("!reference [.l{}, script]", level - 1); 30].join(", ");
        writeln!(text, ".l{level}:\n  script: [{refs}]").unwrap();
    }
    text.push_str("job:\n  script: [!reference [.l9, script]]\n");
    let started = std::time::Instant::now();
    let (_, problems) = load(&text);
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
    assert!(
        problems.iter().any(
            |p| p.kind == ProblemKind::Parse && p.message.contains("expand this configuration")
        ),
        "{problems:?}"
    );
}

// ---- snapshots of resolved models ----

/// The jobs of a pipeline as text: every value with `line:column` where it is written
/// (`file:line:column` for included files) and the chain that brought it.
fn render(pipeline: &Pipeline, sources: &[SourceFile]) -> String {
    let mut out = String::new();
    let stages: Vec<_> = pipeline.stages.iter().map(|s| s.value.as_ref()).collect();
    writeln!(out, "stages: {}", stages.join(", ")).unwrap();
    for job in &pipeline.jobs {
        writeln!(
            out,
            "job {} @{}",
            job.name.value,
            place(sources, job.name.span)
        )
        .unwrap();
        for field in job.config.as_map().unwrap() {
            render_value(&mut out, sources, &field.key.value, &field.value, 1);
        }
    }
    out
}

fn render_value(out: &mut String, sources: &[SourceFile], label: &str, value: &Val, depth: usize) {
    let indent = "  ".repeat(depth);
    let chain = chain(sources, &value.via);
    let here = place(sources, value.span);
    match &value.kind {
        Kind::Map(_) => {
            writeln!(out, "{indent}{label}: @{here}{chain}").unwrap();
            for field in value.entries().iter() {
                render_value(out, sources, &field.key.value, &field.value, depth + 1);
            }
        }
        Kind::Seq(_) => {
            writeln!(out, "{indent}{label}: @{here}{chain}").unwrap();
            for item in value.items().iter() {
                render_value(out, sources, "-", item, depth + 1);
            }
        }
        _ => {
            let text = value.scalar_text().unwrap_or_else(|| "null".into());
            let text: String = text.chars().take(60).collect();
            writeln!(out, "{indent}{label}: {text:?} @{here}{chain}").unwrap();
        }
    }
}

fn chain(sources: &[SourceFile], via: &[Via]) -> String {
    if via.is_empty() {
        return String::new();
    }
    let steps: Vec<String> = via
        .iter()
        .map(|step| match step {
            Via::Alias { at } => format!("alias@{}", place(sources, *at)),
            Via::Include { path, at } => format!("include {path}@{}", place(sources, *at)),
            Via::Extends { job, at } => format!("extends {job}@{}", place(sources, *at)),
            Via::Reference { at } => format!("!reference@{}", place(sources, *at)),
            Via::Default { at } => format!("default@{}", place(sources, *at)),
            Via::Global { at } => format!("global@{}", place(sources, *at)),
        })
        .collect();
    format!(" via {}", steps.join(" < "))
}

fn place(sources: &[SourceFile], span: Span) -> String {
    let Some(file) = sources.get(span.file.0 as usize) else {
        return "?".to_string();
    };
    let lc = file.line_col(span.start);
    if span.file == FileId(0) {
        format!("{}:{}", lc.line, lc.column)
    } else {
        format!(
            "{}:{}:{}",
            file.path.file_name().unwrap().to_string_lossy(),
            lc.line,
            lc.column
        )
    }
}

/// Loads the `.gitlab-ci.yml` in `dir` with local includes, and renders it.
fn rendered(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join(".gitlab-ci.yml")).unwrap();
    let files = LocalFiles::new(FileId(1), 1 << 20);
    let (pipeline, problems) = gitlab::load_file(
        FileId(0),
        &text,
        &files.rooted(dir),
        &Limits::default(),
        true,
    )
    .unwrap();
    let mut sources = vec![SourceFile::new(FileId(0), dir.join(".gitlab-ci.yml"), text)];
    sources.extend(files.into_sources());
    let mut out = render(&pipeline, &sources);
    for problem in &problems {
        writeln!(
            out,
            "problem {:?} @{}: {}",
            problem.kind,
            place(&sources, problem.span),
            problem.message
        )
        .unwrap();
    }
    out
}

fn snapshot(name: &str, text: String) {
    insta::with_settings!({snapshot_path => "snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn snapshot_of_anchors_extends_and_references() {
    let dir = std::env::temp_dir().join(format!("trustlint-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/TL003/good/extends-reference-anchors.gitlab-ci.yml");
    std::fs::copy(fixture, dir.join(".gitlab-ci.yml")).unwrap();
    snapshot("model__extends_reference_anchors", rendered(&dir));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn snapshot_of_local_includes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/TL003/good/local-include");
    snapshot("model__local_include", rendered(&dir));
}

fn corpus() -> Option<PathBuf> {
    corpus::shared_corpus("gitlab-ci")
}

#[test]
fn snapshots_of_corpus_files() {
    let Some(corpus) = corpus() else { return };
    for (name, dir) in [
        (
            "model__gitlab_ci_local_image",
            "tool-tests/gitlab-ci-local/image",
        ),
        (
            "model__gitlab_ci_local_extends",
            "tool-tests/gitlab-ci-local/extends",
        ),
        (
            "model__gitlab_ci_local_before_script_default",
            "tool-tests/gitlab-ci-local/before-script-default",
        ),
    ] {
        snapshot(name, rendered(&corpus.join(dir)));
    }
}
