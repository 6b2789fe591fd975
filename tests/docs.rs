//! The generated docs are up to date: `docs/rules/<CODE>.md` for every rule of `rules/`
//! and the index `docs/rules/README.md`. `make docs` rewrites them (this test with
//! `TRUSTLINT_WRITE_DOCS=1`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::fs;
use std::path::Path;

use trustlint_rules::meta;

fn index() -> String {
    let mut text = String::from(
        "<!-- generated from rules/ by `make docs`: edit those files, not this one -->\n\
         # Rules\n\n\
         Every rule trustlint has, with its default severity. `trustlint rules` prints the \
         same list; `trustlint explain CODE` a rule's page.\n\n\
         | code | name | severity | domain | fires when |\n\
         |---|---|---|---|---|\n",
    );
    for rule in meta::ALL {
        text.push_str(&format!(
            "| [{code}]({code}.md) | {name} | {severity} | {domain} | {summary} |\n",
            code = rule.code,
            name = rule.name,
            severity = rule.severity,
            domain = rule.domain,
            summary = rule.summary.replace('|', "\\|"),
        ));
    }
    text
}

#[test]
fn rule_pages_are_generated_from_rules() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let write = std::env::var_os("TRUSTLINT_WRITE_DOCS").is_some();
    let mut expected = vec![("README.md".to_string(), index())];
    for rule in meta::ALL {
        expected.push((
            format!("{}.md", rule.code),
            trustlint_report::rule_page(rule),
        ));
    }
    if write {
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(&dir).unwrap() {
            fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, text) in &expected {
            fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        if fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    let mut present: Vec<String> = fs::read_dir(&dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    present.retain(|name| !expected.iter().any(|(e, _)| e == name));
    stale.extend(
        present
            .into_iter()
            .map(|name| format!("{name} (no such rule)")),
    );
    assert!(
        stale.is_empty(),
        "docs/rules is out of date ({stale:?}): run `make docs`"
    );
}
