//! Micro benchmarks of one file's check against its parse-only floor (`make bench`):
//! a GitLab OIDC trust policy, a permissions policy and a large generated `.gitlab-ci.yml` (anchors, merge keys,
//! deep `extends` chains) at 1×, 4× and 16× size, plus the fixed cost of the YAML
//! loader's parser thread. Figures are recorded in docs/performance.md.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use trustlint_lint::LintRequest;
use trustlint_parser::input::{self, Discovery};
use trustlint_parser::json::parse_json;
use trustlint_parser::yaml::parse_yaml;
use trustlint_parser::{FileId, Limits, SourceFile};
use trustlint_rules::{engine, registry, Context};

/// A trust policy as teams write them: the GitLab statement (audience, exact and
/// wildcard subs), a Deny carve-out, and an unrelated service principal.
const TRUST_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GitLabDeploy",
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/gitlab.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {"gitlab.com:aud": "https://gitlab.com"},
        "StringLike": {
          "gitlab.com:sub": [
            "project_path:platform/api:ref_type:branch:ref:main",
            "project_path:platform/api:ref_type:tag:ref:v*",
            "project_path:platform/api:ref_type:branch:ref:release/*"
          ]
        }
      }
    },
    {
      "Sid": "NoFeatureBranches",
      "Effect": "Deny",
      "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/gitlab.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringLike": {"gitlab.com:sub": "project_path:platform/api:ref_type:branch:ref:feature/*"}
      }
    },
    {
      "Sid": "Ec2",
      "Effect": "Allow",
      "Principal": {"Service": "ec2.amazonaws.com"},
      "Action": "sts:AssumeRole"
    }
  ]
}
"#;

/// A permissions policy of a CI role: exact and wildcard actions, resource ARNs, a
/// condition, a `NotAction` deny and a misspelled action.
const PERMISSIONS_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "Artifacts",
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetObjectVersion"],
      "Resource": ["arn:aws:s3:::acme-artifacts", "arn:aws:s3:::acme-artifacts/*"]
    },
    {
      "Sid": "Deploy",
      "Effect": "Allow",
      "Action": ["ecs:UpdateService", "ecs:Describe*", "ecr:GetAuthorizationToken", "lambda:UpdateFunctionCode"],
      "Resource": "*",
      "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}}
    },
    {
      "Sid": "PassRole",
      "Effect": "Allow",
      "Action": "iam:PassRole",
      "Resource": "arn:aws:iam::123456789012:role/ecs-task-*"
    },
    {
      "Sid": "Logs",
      "Effect": "Allow",
      "Action": ["logs:CreateLogStream", "logs:PutLogEvent"],
      "Resource": "arn:aws:logs:eu-west-1:123456789012:log-group:/ci/*"
    },
    {
      "Sid": "NothingElse",
      "Effect": "Deny",
      "NotAction": ["s3:*", "ecs:*", "ecr:*", "lambda:*", "logs:*", "iam:PassRole"],
      "Resource": "*"
    }
  ]
}
"#;

/// Depth of the `.level-N` template chain every job `extends`.
const EXTENDS_DEPTH: usize = 12;

/// A `.gitlab-ci.yml` with `jobs` jobs: anchors merged with `<<:`, aliases of `rules`,
/// `id_tokens`, and an `extends` chain [`EXTENDS_DEPTH`] templates deep.
fn pipeline(jobs: usize) -> String {
    let mut out = String::from(
        "stages: [build, test, deploy]\n\
         variables:\n  AWS_REGION: eu-west-1\n\
         .aws: &aws\n  image: registry.example.com/aws:2\n  id_tokens:\n    GITLAB_OIDC_TOKEN:\n      aud: https://gitlab.com\n\
         .rules-main: &rules-main\n  - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH\n  - if: $CI_COMMIT_TAG =~ /^v\\d+/\n    when: manual\n\
         .level-0:\n  tags: [docker]\n  retry: 1\n",
    );
    for level in 1..EXTENDS_DEPTH {
        out.push_str(&format!(
            ".level-{level}:\n  extends: .level-{}\n  variables:\n    LEVEL_{level}: \"{level}\"\n",
            level - 1
        ));
    }
    for job in 0..jobs {
        let stage = ["build", "test", "deploy"][job % 3];
        out.push_str(&format!(
            "{stage}-{job}:\n  extends: .level-{}\n  <<: *aws\n  stage: {stage}\n  rules: *rules-main\n  script:\n    - ./ci/{stage}.sh {job}\n    - aws sts get-caller-identity\n",
            EXTENDS_DEPTH - 1
        ));
    }
    out
}

/// Where the benchmarked files are said to be: a folder that does not exist, so that no
/// configuration or repository of the machine applies.
const FOLDER: &str = "/nonexistent/trustlint-bench";

/// A run over one file of `text` named `name`, read from memory.
fn request(name: &str, text: &str) -> LintRequest {
    LintRequest::in_memory([(Path::new(FOLDER).join(name), text.to_string())])
}

/// The whole pipeline over one file, as `trustlint check` runs it (`trustlint_lint::lint`:
/// loading, every rule with default settings, suppressions, filters, masking,
/// fingerprints). Returns the finding count.
fn check(name: &str, text: &str) -> usize {
    trustlint_lint::lint(&request(name, text)).map_or(0, |outcome| outcome.findings.len())
}

fn source(name: &str, text: &str) -> SourceFile {
    SourceFile::new(FileId(0), PathBuf::from(name), text)
}

fn trust_policy(c: &mut Criterion) {
    policy(c, "trust_policy", TRUST_POLICY);
}

fn permissions_policy(c: &mut Criterion) {
    policy(c, "permissions_policy", PERMISSIONS_POLICY);
}

/// The group `name` for one policy file: its parse-only floor, loading, loading and
/// checking with a fresh context (a one-file run), and the rules alone with the shared
/// analyses built.
fn policy(c: &mut Criterion, name: &str, text: &'static str) {
    let limits = Limits::default();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse_only", |b| {
        b.iter(|| parse_json(FileId(0), black_box(text), &limits))
    });
    group.bench_function("load", |b| {
        b.iter(|| {
            let file = source("role.json", black_box(text));
            input::load(&file, None, Discovery::Named, &limits).map(|d| d.problems.len())
        })
    });
    group.bench_function("load_and_check", |b| {
        b.iter(|| check("role.json", black_box(text)))
    });
    // The rules alone on a file the same run checked before: the run's analyses (the
    // `sub` grammar) and the file's shared ones (module `last_checked`) are built, so this
    // is what the rules cost beyond them.
    let Ok(parts) = trustlint_lint::load(&request("role.json", text)) else {
        return;
    };
    let Some(part) = parts.first() else {
        return;
    };
    let cx = Context::new(&part.workspace, &part.settings);
    engine::run(registry::all(), &cx);
    group.bench_function("rules_warm", |b| {
        b.iter(|| engine::run(registry::all(), black_box(&cx)).len())
    });
    group.finish();
}

fn gitlab_ci(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("gitlab_ci");
    for (scale, jobs) in [("1x", 100), ("4x", 400), ("16x", 1600)] {
        let text = pipeline(jobs);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse_only", scale), &text, |b, text| {
            b.iter(|| parse_yaml(FileId(0), black_box(text), &limits).is_ok())
        });
        group.bench_with_input(
            BenchmarkId::new("load_and_check", scale),
            &text,
            |b, text| b.iter(|| check(".gitlab-ci.yml", black_box(text))),
        );
    }
    group.finish();
}

/// The YAML loader parses on its own thread with a stack sized for the depth limit
/// (2 MiB + 128 KiB per level in yaml.rs: 18 MiB by default). This measures that fixed
/// per-file cost: spawning and joining such a thread with no work, against parsing a
/// tiny file (which includes one such spawn).
fn yaml_thread(c: &mut Criterion) {
    let limits = Limits::default();
    let stack = 2 * 1024 * 1024 + limits.max_depth * 128 * 1024;
    let mut group = c.benchmark_group("yaml_thread");
    group.bench_function("spawn_join_18MiB_stack", |b| {
        b.iter(|| {
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .stack_size(stack)
                    .spawn_scoped(scope, || black_box(1))
                    .map(|thread| thread.join().is_ok())
                    .is_ok()
            })
        })
    });
    group.bench_function("parse_tiny_file", |b| {
        b.iter(|| parse_yaml(FileId(0), black_box("stages: [test]\n"), &limits).is_ok())
    });
    group.bench_function("parse_json_tiny_file", |b| {
        b.iter(|| parse_json(FileId(0), black_box("{\"stages\": [\"test\"]}"), &limits).is_ok())
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
    targets = trust_policy, permissions_policy, gitlab_ci, yaml_thread
}
criterion_main!(benches);
