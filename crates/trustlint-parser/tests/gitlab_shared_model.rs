//! The resolved GitLab CI model shares inherited subtrees (`extends`, `default:`,
//! `!reference`, includes) instead of copying them, and holds the chain of a shared
//! subtree once, on its root. This test renders every job of every GitLab CI file of the
//! fixtures and of the shared corpus — its effective configuration with each value's
//! whole chain, its typed keywords with theirs, and the problems found — and compares a
//! hash of each rendering with the one recorded from the deep-copying model (fc7a20d), in
//! `tests/data/gitlab_model_renderings.txt`. `TRUSTLINT_RECORD_RENDERINGS=1` writes that
//! file again (only after checking by other means that a change of rendering is meant).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use trustlint_parser::gitlab::{self, Kind, LocalFiles, Pipeline, Text, Val, Via};
use trustlint_parser::{FileId, Limits, Span};

#[path = "../../../tests/common/corpus.rs"]
mod corpus;
mod yaml_files;

use yaml_files::yaml_files;

const RECORDED: &str = "tests/data/gitlab_model_renderings.txt";

#[test]
fn every_job_renders_as_the_deep_copy_did() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let fixtures = manifest.join("../../fixtures");
    for path in yaml_files(&fixtures) {
        let shown = path.strip_prefix(&fixtures).unwrap().display().to_string();
        files.push((format!("fixtures/{shown}"), path));
    }
    let corpus = corpus::shared_corpus("gitlab-ci");
    if let Some(corpus) = &corpus {
        for path in yaml_files(corpus) {
            let shown = path.strip_prefix(corpus).unwrap().display().to_string();
            files.push((format!("corpus/gitlab-ci/{shown}"), path));
        }
    }
    let rendered: BTreeMap<String, String> = files
        .iter()
        .filter_map(|(shown, path)| Some((shown.clone(), hash(&rendering(path)?))))
        .collect();
    let recorded_path = manifest.join(RECORDED);
    if std::env::var_os("TRUSTLINT_RECORD_RENDERINGS").is_some() {
        let text: String = rendered.iter().map(|(f, h)| format!("{f} {h}\n")).collect();
        std::fs::write(&recorded_path, text).unwrap();
        return;
    }
    let recorded: BTreeMap<String, String> = std::fs::read_to_string(&recorded_path)
        .unwrap()
        .lines()
        .filter_map(|line| line.rsplit_once(' '))
        .map(|(f, h)| (f.to_string(), h.to_string()))
        .filter(|(f, _)| corpus.is_some() || f.starts_with("fixtures/"))
        .collect();
    let differing: Vec<&String> = recorded
        .keys()
        .chain(rendered.keys())
        .filter(|f| recorded.get(*f) != rendered.get(*f))
        .collect();
    assert!(
        differing.is_empty(),
        "{} of {} files render differently: {differing:?}",
        differing.len(),
        recorded.len()
    );
    assert!(
        rendered.len() > 500 || corpus.is_none(),
        "{}",
        rendered.len()
    );
}

/// The file loaded as a standalone CI configuration (includes read in its folder) and
/// rendered; `None` when it is not YAML.
fn rendering(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let files = LocalFiles::new(FileId(1), 1 << 20);
    let (pipeline, problems) = gitlab::load_file(
        FileId(0),
        &text,
        &files.rooted(path.parent().unwrap()),
        &Limits::default(),
        true,
    )
    .ok()?;
    let mut out = render(&pipeline);
    for problem in &problems {
        writeln!(
            out,
            "problem {:?} {}: {}",
            problem.kind,
            span(problem.span),
            problem.message
        )
        .unwrap();
    }
    Some(out)
}

fn render(pipeline: &Pipeline) -> String {
    let mut out = String::new();
    texts(&mut out, "stages", &pipeline.stages);
    for include in &pipeline.includes {
        writeln!(out, "include {}{}", span(include.span), chain(&include.via)).unwrap();
    }
    for variable in &pipeline.variables {
        writeln!(
            out,
            "variable {} {}",
            variable.name.value,
            chain(&variable.via)
        )
        .unwrap();
        texts(&mut out, "  value", variable.value.as_slice());
    }
    for job in &pipeline.jobs {
        writeln!(out, "job {} {}", job.name.value, span(job.name.span)).unwrap();
        value(&mut out, "config", &job.config, 1);
        texts(&mut out, "stage", std::slice::from_ref(&job.stage()));
        texts(&mut out, "script", &job.script);
        texts(&mut out, "before_script", &job.before_script);
        texts(&mut out, "after_script", &job.after_script);
        texts(&mut out, "tags", &job.tags());
        texts(&mut out, "image", job.image().as_slice());
        texts(&mut out, "when", job.when.as_slice());
        for token in &job.id_tokens {
            writeln!(out, "id_token {}{}", token.name.value, chain(&token.via)).unwrap();
            texts(&mut out, "  aud", &token.aud);
        }
        for secret in &job.secrets {
            writeln!(out, "secret {}{}", secret.name.value, chain(&secret.via)).unwrap();
            texts(&mut out, "  token", secret.token.as_slice());
        }
        for variable in job.variables.iter() {
            writeln!(
                out,
                "variable {}{}",
                variable.name.value,
                chain(&variable.via)
            )
            .unwrap();
            texts(&mut out, "  value", variable.value.as_slice());
        }
        for rule in &job.rules {
            writeln!(out, "rule {}{}", span(rule.span), chain(&rule.via)).unwrap();
            texts(&mut out, "  if", rule.condition.as_slice());
            texts(&mut out, "  when", rule.when.as_slice());
        }
        let needs: Vec<Text> = job.needs().iter().map(|n| n.job.clone()).collect();
        texts(&mut out, "needs", &needs);
    }
    out
}

/// A value of a job's configuration (with its whole chain), with each value inside it.
fn value(out: &mut String, label: &str, value: &Val, depth: usize) {
    let indent = "  ".repeat(depth);
    let here = format!("{}{}", span(value.span), chain(&value.via));
    match &value.kind {
        Kind::Map(_) => {
            writeln!(out, "{indent}{label}: {here}").unwrap();
            for field in value.entries().iter() {
                let key = format!("{}@{}", field.key.value, span(field.key.span));
                self::value(out, &key, &field.value, depth + 1);
            }
        }
        Kind::Seq(_) => {
            writeln!(out, "{indent}{label}: {here}").unwrap();
            for item in value.items().iter() {
                self::value(out, "-", item, depth + 1);
            }
        }
        // Without its chain: the deep copy gave the null left by a `!reference` that names
        // nothing no chain, where the shared model gives it the chain of the place of
        // the reference (both read by no rule).
        Kind::Null => writeln!(out, "{indent}{label}: null {}", span(value.span)).unwrap(),
        _ => {
            let text = value.scalar_text().unwrap_or_default();
            writeln!(out, "{indent}{label}: {text:?} {here}").unwrap();
        }
    }
}

fn texts(out: &mut String, label: &str, texts: &[Text]) {
    for text in texts {
        writeln!(
            out,
            "{label} {:?} {}{}",
            text.value,
            span(text.span),
            chain(&text.via)
        )
        .unwrap();
    }
}

fn chain(via: &[Via]) -> String {
    let steps: Vec<String> = via
        .iter()
        .map(|step| match step {
            Via::Alias { at } => format!("alias@{}", span(*at)),
            Via::Include { path, at } => format!("include {path}@{}", span(*at)),
            Via::Extends { job, at } => format!("extends {job}@{}", span(*at)),
            Via::Reference { at } => format!("!reference@{}", span(*at)),
            Via::Default { at } => format!("default@{}", span(*at)),
            Via::Global { at } => format!("global@{}", span(*at)),
        })
        .collect();
    format!(" via [{}]", steps.join(" < "))
}

fn span(span: Span) -> String {
    format!("{}:{}-{}", span.file.0, span.start, span.end)
}

/// FNV-1a, 64 bits: a hash that stays the same across Rust releases.
fn hash(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}
