//! Hostile input (issue 9): alias bombs, 100 000-deep nesting, a 100 MB file, invalid
//! UTF-8, NUL bytes, symlink loops and symlinks out of the root, `include:` cycles and
//! includes out of the root, thousands of files in one folder, deep `extends` and
//! `!reference` cycles, deeply nested Terraform and heredoc bombs. Every run must end in
//! findings or a clear error (exit 0 or 1, never a crash) within a time bound, and a
//! normal sibling file in the same folder must still get its finding; and the JSON
//! report must be the same across runs and `--jobs` values.
//!
//! Sizes are chosen against the limits that stop these inputs, so the file stays fast in
//! debug builds: `crates/trustlint-parser/src/limits.rs` (8 MiB per file, nesting depth
//! 128, 10 000 alias dereferences, 2 000 000 nodes; `yaml.rs` also stops alias replay
//! past 50 000 nodes), `gitlab/include.rs` (GitLab's 150 included files, 100 deep),
//! `gitlab/resolve.rs` (GitLab's 11 levels of `extends`, 10 of nested `!reference`),
//! `gitlab/files.rs` (include globs of at most 256 characters, matched in polynomial
//! time), hcl-edit's 64 levels of HCL nesting, and the evaluation budget of
//! `terraform/eval.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{scratch, trustlint, workspace_root, AUD_ONLY_TRUST};

/// Longest a single run may take (debug build, two cores shared with other tests).
const BOUND: Duration = Duration::from_secs(30);

/// Where the hostile tests put a trust policy ([`AUD_ONLY_TRUST`]) whose TL101 proves
/// the other files are still checked.
const SIBLING_NAME: &str = "sibling.json";

/// Runs `trustlint check --format json <args>` in `dir` and returns the exit status and
/// the report, failing on a crash, a hang past [`BOUND`] or output that is not JSON.
fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let started = Instant::now();
    let output = trustlint(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .timeout(BOUND)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("killed (signal or timeout after {elapsed:?}): {stderr}"));
    assert!(
        code == 0 || code == 1,
        "exit {code} after {elapsed:?}: {stderr}"
    );
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    (code, report)
}

/// Checks the folder `.` with the sibling policy added to `files`.
fn check_with_sibling(name: &str, files: &[(&str, &str)]) -> (std::path::PathBuf, Value) {
    let mut all = files.to_vec();
    all.push((SIBLING_NAME, AUD_ONLY_TRUST));
    let dir = scratch(name, &all);
    let (_, report) = check(&dir, &["."]);
    (dir, report)
}

fn diagnostics(report: &Value) -> &Vec<Value> {
    report["diagnostics"].as_array().unwrap()
}

/// The codes reported for `file`, in report order.
fn codes(report: &Value, file: &str) -> Vec<String> {
    diagnostics(report)
        .iter()
        .filter(|d| d["file"] == file)
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// The messages of the `code` diagnostics of `file`.
fn messages(report: &Value, file: &str, code: &str) -> Vec<String> {
    diagnostics(report)
        .iter()
        .filter(|d| d["file"] == file && d["code"] == code)
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect()
}

fn assert_code(report: &Value, file: &str, code: &str) {
    assert!(
        codes(report, file).iter().any(|c| c == code),
        "no {code} for {file}: {report:#}"
    );
}

fn assert_sibling_checked(report: &Value) {
    assert_code(report, SIBLING_NAME, "TL101");
}

#[test]
fn yaml_alias_bombs_are_tl001() {
    // Billion laughs: 10 levels of 10 aliases each would expand to 10^10 nodes.
    let mut bomb = String::from("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for level in 1..=12 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 10].join(",");
        bomb.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    // The same through merge keys in a CloudFormation template.
    let mut merge = String::from("AWSTemplateFormatVersion: \"2010-09-09\"\nm0: &m0 {k: v}\n");
    for level in 1..=40 {
        let previous = level - 1;
        merge.push_str(&format!(
            "m{level}: &m{level} {{a: *m{previous}, b: *m{previous}, <<: *m{previous}}}\n"
        ));
    }
    merge.push_str("Resources: {}\n");
    let (_, report) = check_with_sibling(
        "hostile_alias_bomb",
        &[(".gitlab-ci.yml", &bomb), ("template.yaml", &merge)],
    );
    assert_eq!(codes(&report, ".gitlab-ci.yml"), ["TL001"], "{report:#}");
    assert_eq!(codes(&report, "template.yaml"), ["TL001"], "{report:#}");
    assert_sibling_checked(&report);
}

const DEPTH: usize = 100_000;

#[test]
fn json_nested_100_000_deep_is_tl001() {
    let arrays = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": {}{}}}",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    let objects = format!(
        "{{\"Version\": \"2012-10-17\", \"Statement\": {}1{}}}",
        "{\"a\":".repeat(DEPTH),
        "}".repeat(DEPTH)
    );
    // Unclosed: the parser must not recurse to the end of the file either.
    let unclosed = format!("{{\"Statement\": {}", "[{\"a\":".repeat(DEPTH));
    let (_, report) = check_with_sibling(
        "hostile_json_deep",
        &[
            ("arrays.json", &arrays),
            ("objects.json", &objects),
            ("unclosed.json", &unclosed),
        ],
    );
    for file in ["arrays.json", "objects.json", "unclosed.json"] {
        assert_eq!(codes(&report, file), ["TL001"], "{file}: {report:#}");
    }
    assert_sibling_checked(&report);
}

#[test]
fn yaml_nested_100_000_deep_is_tl001() {
    let flow = format!(
        "deploy:\n  script: {}x{}\n",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    let flow_maps = format!("deploy: {}x{}\n", "{a: ".repeat(DEPTH), "}".repeat(DEPTH));
    // Block nesting: `- - - x` nests one sequence per dash on a single line; nested maps
    // need one more space per level, so 2 000 levels (already 15 times the limit) keep
    // the file at 2 MB.
    let dashes = format!("deploy:\n  script:\n    {}x\n", "- ".repeat(DEPTH));
    let mut indented = String::from("deploy:\n");
    for level in 0..2_000 {
        indented.push_str(&" ".repeat(level + 2));
        indented.push_str("k:\n");
    }
    indented.push_str(&" ".repeat(2_002));
    indented.push_str("x\n");
    let (_, report) = check_with_sibling(
        "hostile_yaml_deep",
        &[
            ("flow.gitlab-ci.yml", &flow),
            ("flow-maps.gitlab-ci.yml", &flow_maps),
            ("dashes.gitlab-ci.yml", &dashes),
            ("indented.gitlab-ci.yml", &indented),
        ],
    );
    for file in [
        "flow.gitlab-ci.yml",
        "flow-maps.gitlab-ci.yml",
        "dashes.gitlab-ci.yml",
        "indented.gitlab-ci.yml",
    ] {
        assert_eq!(codes(&report, file), ["TL001"], "{file}: {report:#}");
    }
    assert_sibling_checked(&report);
}

#[test]
fn a_100_mb_file_is_tl001_without_being_read() {
    let dir = scratch(
        "hostile_huge",
        &[
            (SIBLING_NAME, AUD_ONLY_TRUST),
            (
                "huge.json",
                "{\"Version\": \"2012-10-17\", \"Statement\": [",
            ),
            (".gitlab-ci.yml", "deploy:\n  script: ./deploy.sh\n"),
        ],
    );
    // Sparse: the size is set, not written, so this is fast and takes no disk space.
    for name in ["huge.json", ".gitlab-ci.yml"] {
        let file = fs::OpenOptions::new()
            .write(true)
            .open(dir.join(name))
            .unwrap();
        file.set_len(100 * 1024 * 1024).unwrap();
    }
    let (_, report) = check(&dir, &["."]);
    for file in ["huge.json", ".gitlab-ci.yml"] {
        assert_eq!(codes(&report, file), ["TL001"], "{file}: {report:#}");
        let message = &messages(&report, file, "TL001")[0];
        assert!(
            message.contains("104857600 bytes") && message.contains("limit"),
            "{message}"
        );
    }
    assert_sibling_checked(&report);
}

#[test]
fn invalid_utf8_and_nul_bytes_are_tl001() {
    let dir = scratch("hostile_bytes", &[(SIBLING_NAME, AUD_ONLY_TRUST)]);
    let files: &[(&str, &[u8])] = &[
        (
            "latin1.json",
            b"{\"Version\": \"2012-10-17\", \"Statement\": [], \"Sid\": \"caf\xe9\"}",
        ),
        (".gitlab-ci.yml", b"deploy:\n  script: echo \xff\xfe\n"),
        (
            "broken.tf",
            b"resource \"aws_iam_role\" \"r\" {\n  name = \"\xc3\x28\"\n}\n",
        ),
        (
            "nul.json",
            b"{\"Version\": \"2012-10-17\",\0 \"Statement\": []}",
        ),
        ("nul.gitlab-ci.yml", b"deploy:\n  script: \"echo \0\"\n"),
    ];
    fs::write(
        dir.join("nul-in-string.json"),
        b"{\"Version\": \"2012-10-17\", \"Statement\": [], \"Id\": \"a\0b\"}",
    )
    .unwrap();
    for (name, bytes) in files {
        fs::write(dir.join(name), bytes).unwrap();
    }
    let (_, report) = check(&dir, &["."]);
    for (file, _) in files {
        assert_eq!(codes(&report, file), ["TL001"], "{file}: {report:#}");
    }
    assert!(
        messages(&report, "latin1.json", "TL001")[0].contains("UTF-8"),
        "{report:#}"
    );
    // A raw NUL inside a JSON string is let through by the JSON loader (jsonc-parser
    // accepts unescaped control characters): the policy is still checked on its merits.
    assert_eq!(
        codes(&report, "nul-in-string.json"),
        ["TL002"],
        "{report:#}"
    );
    assert_sibling_checked(&report);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_symlinks_out_of_the_root_are_not_followed() {
    use std::os::unix::fs::symlink;

    let base = scratch(
        "hostile_symlinks",
        &[
            ("outside/secret.json", AUD_ONLY_TRUST),
            ("outside/ci/secret.yml", "leaked:\n  script: echo leaked\n"),
            (&format!("root/{SIBLING_NAME}"), AUD_ONLY_TRUST),
            (
                "root/.gitlab-ci.yml",
                "include:\n  - local: escape.yml\n  - local: loop.yml\n\ndeploy:\n  script: ./deploy.sh\n",
            ),
        ],
    );
    let root = base.join("root");
    // A checkout of its own (the scratch folder lies inside trustlint's).
    fs::create_dir_all(root.join(".git")).unwrap();
    fs::create_dir_all(root.join("sub")).unwrap();
    symlink("loop.json", root.join("loop.json")).unwrap();
    symlink("loop.yml", root.join("loop.yml")).unwrap();
    symlink("ping.json", root.join("pong.json")).unwrap();
    symlink("pong.json", root.join("ping.json")).unwrap();
    symlink("..", root.join("sub/up")).unwrap();
    symlink(root.join("sub"), root.join("sub/self")).unwrap();
    symlink("../outside/secret.json", root.join("secret.json")).unwrap();
    symlink("../outside/ci/secret.yml", root.join("escape.yml")).unwrap();
    symlink(base.join("outside"), root.join("outside-dir")).unwrap();

    let (_, report) = check(&root, &["."]);
    let text = report.to_string();
    assert!(!text.contains("secret"), "{report:#}");
    assert!(!text.contains("leaked"), "{report:#}");
    assert_eq!(report["summary"]["files"], 2, "{report:#}");
    let escape = messages(&report, ".gitlab-ci.yml", "TL004");
    assert!(
        escape
            .iter()
            .any(|m| m.contains("`escape.yml` points outside")),
        "{report:#}"
    );
    assert_code(&report, ".gitlab-ci.yml", "TL003"); // loop.yml does not resolve
    assert_sibling_checked(&report);
}

#[test]
fn include_cycles_and_includes_out_of_the_root_end_in_findings() {
    let base = scratch(
        "hostile_includes",
        &[
            ("secret.yml", "leaked:\n  script: echo leaked\n"),
            (&format!("root/{SIBLING_NAME}"), AUD_ONLY_TRUST),
            (
                "root/.gitlab-ci.yml",
                "include:\n\
                 \x20 - local: ci/a.yml\n\
                 \x20 - local: ../secret.yml\n\
                 \x20 - local: /../secret.yml\n\
                 \x20 - local: /etc/passwd\n\
                 \x20 - local: ci/../../secret.yml\n\
                 \x20 - local: '**/*a*a*a*a*a*a*a*a*a*a*a*a*b.yml'\n\
                 \ndeploy:\n  script: ./deploy.sh\n",
            ),
            ("root/ci/a.yml", "include: ci/b.yml\na:\n  script: a\n"),
            (
                "root/ci/b.yml",
                "include:\n  - ci/a.yml\n  - .gitlab-ci.yml\nb:\n  script: b\n",
            ),
            (
                "root/ci/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.yml",
                "c:\n  script: c\n",
            ),
        ],
    );
    let root = base.join("root");
    // A checkout of its own (the scratch folder lies inside trustlint's).
    fs::create_dir_all(root.join(".git")).unwrap();
    let (_, report) = check(&root, &["."]);
    let text = report.to_string();
    assert!(!text.contains("leaked"), "{report:#}");
    let invalid = messages(&report, ".gitlab-ci.yml", "TL003");
    assert!(
        invalid.iter().any(|m| m.contains("includes itself")),
        "{report:#}"
    );
    assert!(
        invalid
            .iter()
            .any(|m| m.contains("`/etc/passwd` does not exist")),
        "{report:#}"
    );
    let outside = messages(&report, ".gitlab-ci.yml", "TL004");
    for path in ["../secret.yml", "/../secret.yml", "ci/../../secret.yml"] {
        assert!(
            outside
                .iter()
                .any(|m| m.contains(&format!("`{path}` points outside"))),
            "{path}: {report:#}"
        );
    }
    assert_sibling_checked(&report);
}

#[test]
fn five_thousand_policies_in_one_folder_are_all_checked() {
    const COUNT: usize = 5_000;
    let names: Vec<String> = (0..COUNT).map(|i| format!("iam/p{i:04}.json")).collect();
    let files: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), AUD_ONLY_TRUST)).collect();
    let dir = scratch("hostile_many", &files);
    let (code, report) = check(&dir, &["."]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["files"], COUNT, "summary");
    let mut flagged: Vec<&str> = diagnostics(&report)
        .iter()
        .filter(|d| d["code"] == "TL101")
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    flagged.dedup();
    assert_eq!(flagged.len(), COUNT);
    assert!(flagged.windows(2).all(|w| w[0] < w[1]), "sorted by file");
}

#[test]
fn deep_extends_and_reference_cycles_are_tl003() {
    let mut extends = String::from(".j0:\n  script: ./deploy.sh\n");
    for level in 1..100 {
        extends.push_str(&format!(".j{level}:\n  extends: .j{}\n", level - 1));
    }
    extends.push_str("deploy:\n  extends: .j99\n");
    let references = "\
.a:
  script: !reference [.b, script]
.b:
  script: !reference [.a, script]
.self:
  variables:
    X: !reference [.self, variables, X]
cycle:
  extends: cycle-too
cycle-too:
  extends: cycle
deploy:
  script: !reference [.a, script]
  variables: !reference [.self, variables]
";
    let (_, report) = check_with_sibling(
        "hostile_extends",
        &[
            ("extends.gitlab-ci.yml", &extends),
            ("references.gitlab-ci.yml", references),
        ],
    );
    let deep = messages(&report, "extends.gitlab-ci.yml", "TL003");
    assert!(deep.iter().any(|m| m.contains("levels deep")), "{report:#}");
    assert_code(&report, "references.gitlab-ci.yml", "TL003");
    assert_sibling_checked(&report);
}

/// A role resource whose trust policy is `expression`.
fn terraform_role(name: &str, expression: &str) -> String {
    format!(
        "resource \"aws_iam_role\" \"{name}\" {{\n  name = \"{name}\"\n  assume_role_policy = {expression}\n}}\n"
    )
}

/// A trust policy with no `sub` condition whose `aud` value is `aud` (HCL).
fn aud_only_policy(aud: &str) -> String {
    format!(
        "jsonencode({{Version = \"2012-10-17\", Statement = [{{Effect = \"Allow\", \
         Principal = {{Federated = \"arn:aws:iam::123456789012:oidc-provider/gitlab.com\"}}, \
         Action = \"sts:AssumeRoleWithWebIdentity\", \
         Condition = {{StringEquals = {{\"gitlab.com:aud\" = {aud}}}}}}}]}})"
    )
}

#[test]
fn deep_terraform_expressions_and_heredoc_bombs_end_in_findings() {
    // hcl-edit refuses nesting over 64 levels.
    let nested = [
        ("parens", "(", ")"),
        ("tuples", "[", "]"),
        ("objects", "{a = ", "}"),
        ("templates", "\"${", "}\""),
        ("calls", "jsonencode(", ")"),
    ]
    .map(|(name, open, close)| {
        let expression = format!("{}1{}", open.repeat(DEPTH), close.repeat(DEPTH));
        (
            format!("nested/{name}.tf"),
            terraform_role(name, &expression),
        )
    });
    // Expansion bombs: locals that each repeat the previous one ten times (10^12 bytes
    // of text, 10^12 tuple items if evaluated), and `replace` growing a string twentyfold
    // sixteen times. The evaluation budget in terraform/eval.rs stops them.
    let mut locals = String::from("locals {\n  l0 = \"aaaaaaaaaa\"\n  t0 = [\"a\"]\n");
    for level in 1..=12 {
        let text = format!("${{local.l{}}}", level - 1).repeat(10);
        let items = vec![format!("local.t{}", level - 1); 10].join(", ");
        locals.push_str(&format!(
            "  l{level} = \"{text}\"\n  t{level} = [{items}]\n"
        ));
    }
    locals.push_str("}\n");
    let heredoc = "<<EOF\n{\"Version\": \"2012-10-17\", \"Statement\": \"${local.l12}\"}\nEOF";
    let replace = format!(
        "{}\"a\"{}",
        "replace(".repeat(16),
        ", \"a\", \"aaaaaaaaaaaaaaaaaaaa\")".repeat(16)
    );
    let bomb = [
        locals,
        terraform_role("text", heredoc),
        terraform_role("tuple", &aud_only_policy("local.t12")),
        terraform_role("replaced", &replace),
    ]
    .concat();
    // Heredocs: 1.8 MB of text (under the size limit), and one never closed.
    let big = terraform_role(
        "big",
        &format!("<<EOF\n{}EOF", "{\"Statement\": []}\n".repeat(100_000)),
    );
    let unclosed = terraform_role("unclosed", &format!("<<EOF\n{}", "line\n".repeat(100_000)));
    let normal = terraform_role("normal", &aud_only_policy("\"https://gitlab.com\""));
    let mut files: Vec<(&str, &str)> = nested
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    files.extend([
        ("bomb/expand.tf", bomb.as_str()),
        ("bomb/normal.tf", normal.as_str()),
        ("heredoc/big.tf", big.as_str()),
        ("heredoc/unclosed.tf", unclosed.as_str()),
    ]);
    let (_, report) = check_with_sibling("hostile_terraform", &files);
    for (file, _) in &nested {
        assert_eq!(codes(&report, file), ["TL001"], "{file}: {report:#}");
        assert!(messages(&report, file, "TL001")[0].contains("nesting depth"));
    }
    assert_code(&report, "heredoc/unclosed.tf", "TL001");
    assert_code(&report, "heredoc/big.tf", "TL002"); // not one JSON value
    let expand = messages(&report, "bomb/expand.tf", "TL001");
    assert!(
        expand.iter().any(|m| m.contains("evaluation limit")),
        "{report:#}"
    );
    assert_code(&report, "bomb/normal.tf", "TL101");
    assert_sibling_checked(&report);
}

#[test]
fn the_json_report_is_the_same_across_runs_and_jobs() {
    let root = workspace_root();
    let targets = [
        "fixtures/demo",
        "fixtures/TL001",
        "fixtures/TL101",
        "fixtures/TL201",
        "fixtures/TL301",
    ];
    let run = |jobs: &str| {
        let output = trustlint(&root)
            .args(["check", "--format", "json", "--jobs", jobs])
            .args(targets)
            .timeout(BOUND)
            .output()
            .unwrap();
        assert!(matches!(output.status.code(), Some(0 | 1)), "{output:?}");
        output.stdout
    };
    let first = run("1");
    let report: Value = serde_json::from_slice(&first).unwrap();
    assert!(diagnostics(&report).len() > 10, "{report:#}");
    for jobs in ["1", "2", "2"] {
        assert!(
            run(jobs) == first,
            "--jobs {jobs} differs from the first run"
        );
    }
}
