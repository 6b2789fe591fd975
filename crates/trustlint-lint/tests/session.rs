//! An incremental session finds what a fresh run finds: random sequences of edits (a
//! trust policy's `sub`, a pipeline's role ARN, a file added or removed, a Terraform
//! module's sibling, an included CI file, a `trustlint.toml`, an unsaved buffer) to a copy
//! of a small mixed workspace, each followed by a session's run and a fresh `lint` of
//! the same texts, whose findings and fingerprints must be the same. A second session is
//! told which paths changed on disk (as a language server whose client watches files
//! is), and must find the same.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use trustlint_lint::{lint, LintOutcome, LintRequest, Session};

/// The fixtures copied into the workspace, and the folder each goes to.
const FIXTURES: &[(&str, &str)] = &[
    ("demo", "demo"),
    ("TL101/bad/terraform-module-split-files", "tf"),
    ("TL402/bad/included-only-on-tags", "inc"),
    ("TL306/bad", "fragments"),
    ("TL601/bad", "vault"),
    ("TL216/bad", "usage"),
];

/// Edits that go back and forth between two texts of a file: (file, one, other).
const TOGGLES: &[(&str, &str, &str)] = &[
    // A trust policy's `sub`.
    ("demo/iam/deploy-trust.json", "ref:main\"", "ref:*\""),
    ("inc/iam/trust.json", "ref:main\"", "ref_type:tag:ref:v*\""),
    // A pipeline's role ARN.
    (
        "demo/.gitlab-ci.yml",
        "role/acme-infra-deploy",
        "role/acme-other",
    ),
    // An included CI file.
    (
        "inc/ci/deploy.gitlab-ci.yml",
        "role/deploy",
        "role/deploy-2",
    ),
    // A Terraform module's sibling: the trust in data.tf reads the local.
    (
        "tf/locals.tf",
        "trimprefix(var.gitlab_url, \"https://\")",
        "\"gitlab.example.com\"",
    ),
    // Whether a pipeline includes a fragment (whose jobs are then judged in the pipeline).
    (
        "fragments/zz-main.gitlab-ci.yml",
        "local: tags.gitlab-ci.yml",
        "local: no-rules.gitlab-ci.yml",
    ),
    // Configurations.
    (
        "demo/trustlint.toml",
        "project = \"acme/web\"",
        "project = \"acme/api\"",
    ),
    (
        "inc/trustlint.toml",
        "default-branch = \"main\"",
        "default-branch = \"develop\"",
    ),
    // Whether the walk skips a folder.
    (".gitignore", "# nothing ignored", "usage/"),
    // A file that is none of the inputs.
    ("notes.txt", "one", "two"),
];

/// Files added and removed: (file, text).
const ADDED: &[(&str, &str)] = &[
    (
        "demo/iam/extra-trust.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
          "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/gitlab.com"},
          "Action": "sts:AssumeRoleWithWebIdentity",
          "Condition": {"StringEquals": {"gitlab.com:aud": "https://gitlab.com"}}}]}"#,
    ),
    (
        "tf/extra.tf",
        "resource \"aws_iam_role\" \"extra\" {\n  name               = \"extra\"\n  assume_role_policy = data.aws_iam_policy_document.gitlab_trust.json\n}\n",
    ),
    (
        "fragments/.gitlab-ci.yml",
        "include:\n  - local: no-rules.gitlab-ci.yml\n    rules:\n      - if: $CI_COMMIT_BRANCH == \"main\"\n",
    ),
];

/// A small deterministic generator (xorshift).
struct Random(u64);

impl Random {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn workspace(name: &str) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let root =
        std::env::temp_dir().join(format!("trustlint-session-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    for (fixture, folder) in FIXTURES {
        copy(&fixtures.join(fixture), &root.join(folder));
    }
    let main = "include:\n  - local: tags.gitlab-ci.yml\n    rules:\n      - if: $CI_COMMIT_BRANCH == \"main\"\n";
    fs::write(root.join("fragments/zz-main.gitlab-ci.yml"), main).unwrap();
    fs::write(root.join(".gitignore"), "# nothing ignored\n").unwrap();
    fs::write(root.join("notes.txt"), "one\n").unwrap();
    root
}

/// Each finding as (path, start, end, code, severity, message), with its fingerprint,
/// sorted; and the files checked. (Sorted: the files two pipelines include are numbered
/// in the order the parallel load reads them, so the report order of their findings
/// varies from one fresh run to the next.)
type Seen = (
    Vec<(String, u32, u32, String, String, String, String)>,
    usize,
);

fn seen(outcome: &LintOutcome) -> Seen {
    let mut findings: Vec<_> = outcome
        .findings
        .iter()
        .zip(&outcome.fingerprints)
        .map(|(finding, fingerprint)| {
            let file = outcome.sources.get(finding.primary.file).unwrap();
            (
                file.display_path(),
                finding.primary.start,
                finding.primary.end,
                finding.code().to_string(),
                format!("{:?}", finding.severity),
                finding.message.clone(),
                fingerprint.clone(),
            )
        })
        .collect();
    findings.sort();
    (findings, outcome.files_checked)
}

/// One random edit to the workspace at `root`, or to the unsaved `buffers`: what it did,
/// and the paths it changed on disk.
fn edit(
    root: &Path,
    buffers: &mut BTreeMap<PathBuf, String>,
    random: &mut Random,
) -> (String, Vec<PathBuf>) {
    let choice = random.below(TOGGLES.len() + ADDED.len() + 2);
    if let Some((file, one, other)) = TOGGLES.get(choice) {
        let path = root.join(file);
        let text = fs::read_to_string(&path).unwrap();
        let text = if text.contains(one) {
            text.replace(one, other)
        } else {
            text.replace(other, one)
        };
        fs::write(&path, text).unwrap();
        return (format!("toggled {file}"), vec![path]);
    }
    if let Some((file, text)) = choice.checked_sub(TOGGLES.len()).and_then(|i| ADDED.get(i)) {
        let path = root.join(file);
        buffers.remove(&path);
        if path.exists() {
            fs::remove_file(&path).unwrap();
            return (format!("removed {file}"), vec![path]);
        }
        fs::write(&path, text).unwrap();
        return (format!("added {file}"), vec![path]);
    }
    if choice == TOGGLES.len() + ADDED.len() {
        // Nothing changed on disk: the files are read from it again.
        buffers.clear();
        return ("closed the buffers".to_string(), Vec::new());
    }
    // An unsaved buffer: a toggle's file with its other text, not on disk.
    let (file, one, other) = TOGGLES[random.below(TOGGLES.len())];
    let path = root.join(file);
    let text = buffers
        .get(&path)
        .cloned()
        .unwrap_or_else(|| fs::read_to_string(&path).unwrap());
    let text = if text.contains(one) {
        text.replace(one, other)
    } else {
        text.replace(other, one)
    };
    buffers.insert(path, text);
    (format!("edited the buffer of {file}"), Vec::new())
}

fn request(root: &Path, buffers: &BTreeMap<PathBuf, String>) -> LintRequest {
    LintRequest {
        paths: vec![root.to_path_buf()],
        texts: buffers.clone(),
        ..LintRequest::default()
    }
}

#[test]
fn a_session_finds_what_a_fresh_run_finds_after_every_edit() {
    for seed in 1..=4u64 {
        let root = workspace(&format!("edits-{seed}"));
        let mut random = Random(0x9E37_79B9_7F4A_7C15 ^ seed);
        let mut buffers = BTreeMap::new();
        let mut session = Session::new();
        let mut told = Session::new();
        told.changed_on_disk([]);
        let mut edits = Vec::new();
        for step in 0..25 {
            if step > 0 {
                let (done, changed) = edit(&root, &mut buffers, &mut random);
                edits.push(done);
                told.changed_on_disk(changed);
            }
            let request = request(&root, &buffers);
            let fresh = seen(&lint(&request).unwrap());
            let kept = seen(session.lint(&request).unwrap());
            assert!(fresh.0.len() > 10, "{fresh:#?}");
            assert_eq!(kept, fresh, "seed {seed}, after {edits:#?}");
            let kept = seen(told.lint(&request).unwrap());
            assert_eq!(kept, fresh, "told, seed {seed}, after {edits:#?}");
        }
        fs::remove_dir_all(&root).unwrap();
    }
}

#[test]
fn a_session_loads_and_checks_again_only_what_changed() {
    let root = workspace("work");
    let mut session = Session::new();
    let request = request(&root, &BTreeMap::new());
    session.lint(&request).unwrap();
    let (loaded, checked) = session.last_work();
    assert!(loaded > 20 && checked > 20, "{loaded} {checked}");
    // Nothing changed: the files with includes alone are loaded again.
    session.lint(&request).unwrap();
    let (loaded, checked) = session.last_work();
    assert!(loaded <= 3 && checked <= 3, "{loaded} {checked}");
    // A trust policy edited: it alone.
    let trust = root.join("demo/iam/deploy-trust.json");
    let text = fs::read_to_string(&trust).unwrap();
    fs::write(&trust, text.replace("ref:main\"", "ref:*\"")).unwrap();
    session.lint(&request).unwrap();
    assert_eq!(session.last_work(), (loaded + 1, checked + 1));
    fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_session_told_of_changes_reads_only_the_files_told() {
    let root = workspace("told");
    let mut session = Session::new();
    session.changed_on_disk([]);
    let request = request(&root, &BTreeMap::new());
    session.lint(&request).unwrap();
    session.lint(&request).unwrap();
    let unchanged = session.last_work();
    // A change not told is not seen: the text the last run read is kept.
    let trust = root.join("demo/iam/deploy-trust.json");
    let text = fs::read_to_string(&trust).unwrap();
    fs::write(&trust, text.replace("ref:main\"", "ref:*\"")).unwrap();
    let before = seen(session.lint(&request).unwrap());
    assert_eq!(session.last_work(), unchanged);
    // Told, it is read again, and the session finds what a fresh run finds.
    session.changed_on_disk([trust]);
    let after = seen(session.lint(&request).unwrap());
    assert_eq!(session.last_work(), (unchanged.0 + 1, unchanged.1 + 1));
    assert_ne!(before, after);
    assert_eq!(after, seen(&lint(&request).unwrap()));
    fs::remove_dir_all(&root).unwrap();
}
