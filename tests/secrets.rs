//! End to end: the secret values TL301 finds in its fixtures never appear in any output
//! format (human, json, sarif, codequality, gitlab-sast), whole or in part, on stdout or
//! in an `--output` file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{trustlint, workspace_root};

const FORMATS: &[&str] = &["human", "json", "sarif", "codequality", "gitlab-sast"];

/// Runs `check` over `target` from `dir` and returns standard output.
fn run(dir: &Path, target: &str, args: &[&str]) -> String {
    let output = trustlint(dir)
        .args(["check", "--fail-on", "never", "--no-color"])
        .args(args)
        .arg(target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{target} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The codes of a check's findings, in report order.
fn codes(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let report: Value = serde_json::from_str(&run(dir, ".", &args)).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// No output format of a check of `dir` with `args` prints (the middle of) `secret`.
fn assert_masked(dir: &Path, secret: &str, args: &[&str]) {
    for format in FORMATS {
        let mut all = args.to_vec();
        all.extend(["--format", format]);
        let output = run(dir, ".", &all);
        assert!(
            !output.contains(&secret[10..30]),
            "{format} with {args:?} prints the secret:\n{output}"
        );
    }
}

/// Every entry of `fixtures/TL301/bad`: the folder to run in and the path to check.
fn bad_fixtures() -> Vec<(PathBuf, String)> {
    let bad = workspace_root().join("fixtures/TL301/bad");
    let mut entries: Vec<PathBuf> = fs::read_dir(&bad)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
        .into_iter()
        .map(|path| {
            if path.is_dir() {
                (path, ".".to_string())
            } else {
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                (bad.clone(), name)
            }
        })
        .collect()
}

/// The secret values of the TL301 findings, read from the files at the reported ranges.
fn secrets(dir: &Path, target: &str) -> Vec<String> {
    let report: Value = serde_json::from_str(&run(dir, target, &["--format", "json"])).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "TL301")
        .map(|d| {
            let text = fs::read_to_string(dir.join(d["file"].as_str().unwrap())).unwrap();
            let offset = d["range"]["offset"].as_u64().unwrap() as usize;
            let length = d["range"]["length"].as_u64().unwrap() as usize;
            text[offset..offset + length].to_string()
        })
        .collect()
}

#[test]
fn no_format_prints_a_secret_of_the_tl301_fixtures() {
    let mut checked = 0;
    for (dir, target) in bad_fixtures() {
        let secrets = secrets(&dir, &target);
        assert!(!secrets.is_empty(), "{target}: no TL301 finding");
        for secret in &secrets {
            assert!(
                secret.len() >= 20 && !secret.contains('*'),
                "{target}: `{secret}` is not a secret value"
            );
        }
        for format in FORMATS {
            let output = run(&dir, &target, &["--format", format]);
            let written = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
                "tl301-{}-{checked}.{format}",
                target.replace(['/', '.'], "_")
            ));
            run(
                &dir,
                &target,
                &["--format", format, "--output", written.to_str().unwrap()],
            );
            let file = fs::read_to_string(&written).unwrap();
            fs::remove_file(&written).unwrap();
            for secret in &secrets {
                // The middle of the value too: a partial print is a leak as well.
                let middle = &secret[secret.len() / 4..secret.len() * 3 / 4];
                for (what, text) in [("stdout", &output), ("--output", &file)] {
                    assert!(
                        !text.contains(middle),
                        "{target} as {format} ({what}) prints a secret:\n{text}"
                    );
                }
            }
            if *format == "human" {
                assert!(
                    output.contains("****"),
                    "{target}: no masked snippet\n{output}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked} reports checked");
}

/// A CI file checked on its own and also read through another file's `include:` has two
/// file ids: its secret is masked in the snippets of both (here TL003's, on the line below).
#[test]
fn a_secret_in_a_file_also_included_is_masked_everywhere() {
    const SECRET: &str = "Hq5Zt1Xr8Mv3Kw7Bn0Pc4Ld9Jf2Sg6Ya1Ue5Io3T";
    let deploy = format!(
        "deploy:\n  variables:\n    AWS_SECRET_ACCESS_KEY: {SECRET}\n  enviroment: production\n  script: [./deploy.sh]\n"
    );
    let dir = common::scratch(
        "tl301-included-twice",
        &[
            (
                ".gitlab-ci.yml",
                "include:\n  - local: ci/deploy.gitlab-ci.yml\n",
            ),
            ("ci/deploy.gitlab-ci.yml", &deploy),
        ],
    );
    let codes = codes(&dir, &[]);
    assert_eq!(
        codes.iter().filter(|c| *c == "TL301").count(),
        1,
        "{codes:?}"
    );
    assert!(codes.contains(&"TL003".to_owned()), "{codes:?}");
    assert_masked(&dir, SECRET, &[]);
}

/// A TL301 finding silenced by an inline suppression (or a baseline) is not reported, but
/// its secret stays masked in the snippets of the findings that are.
#[test]
fn a_suppressed_secret_is_still_masked() {
    const SECRET: &str = "Pw2Yc6Rk9Nb3Vx7Lt0Hm5Sd1Jg8Fq4Za2Oe6Ui3K";
    let ci = format!(
        "deploy:\n  variables:\n    # trustlint: ignore[TL301]\n    AWS_SECRET_ACCESS_KEY: {SECRET}\n  enviroment: production\n  script: [./deploy.sh]\n"
    );
    let dir = common::scratch("tl301-suppressed", &[(".gitlab-ci.yml", &ci)]);
    assert_eq!(codes(&dir, &[]), vec!["TL003"]);
    assert_masked(&dir, SECRET, &[]);
}

/// With TL301 disabled (`--ignore`, `--select` of other rules) its findings are not
/// reported, but the secrets it finds stay masked in every other finding's snippet.
#[test]
fn a_secret_stays_masked_when_tl301_is_disabled() {
    const SECRET: &str = "Qx3Wd8Lm1Rt6Yk0Vb5Nc9Hs2Jf7Gp4Ze1Aa6Uo3M";
    let ci = format!(
        "deploy:\n  variables:\n    AWS_SECRET_ACCESS_KEY: {SECRET}\n  enviroment: production\n  script: [./deploy.sh]\n"
    );
    let dir = common::scratch("tl301-disabled", &[(".gitlab-ci.yml", &ci)]);
    for disabled in [&["--ignore", "TL301"][..], &["--select", "TL003"][..]] {
        assert_eq!(codes(&dir, disabled), vec!["TL003"], "{disabled:?}");
        assert_masked(&dir, SECRET, disabled);
    }
}
