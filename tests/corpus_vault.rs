//! The shared corpus's Vault folder (`../shared/corpus/vault`, a loud message when
//! absent): every file loads (no TL001, no TL006), and the findings are the ones judged
//! true when the rules were written — the three `20tab/talos` roles without
//! `bound_audiences` (TL602: refused by Vault 1.17+, any audience before), and nothing
//! else: the other roles bind values the files leave to variables (`$GITLAB_PROJECT_ID`,
//! `var.gitlab_project_path`), which are not guessed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;

use serde_json::Value;

mod common;
use common::trustlint;

#[test]
fn the_vault_corpus_loads_and_gives_the_judged_findings() {
    let Some(corpus) = common::corpus::shared_corpus("vault") else {
        return;
    };
    let output = trustlint(Path::new("/"))
        .args(["check", "--format", "json", "--fail-on", "never"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(String, String, u64)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap();
            let file = file.rsplit_once("vault/").map_or(file, |(_, rest)| rest);
            (
                d["code"].as_str().unwrap().to_owned(),
                file.to_owned(),
                d["range"]["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    eprintln!("vault corpus findings: {found:#?}");
    assert!(
        found
            .iter()
            .all(|(code, ..)| code != "TL001" && code != "TL006"),
        "{found:?}"
    );
    assert_eq!(report["summary"]["files"].as_u64(), Some(9), "{report}");
    let talos = "20tab__talos/terraform/vault-admin/main.tf";
    assert_eq!(
        found,
        [50, 88, 118].map(|line| ("TL602".to_owned(), talos.to_owned(), line)),
    );
}
