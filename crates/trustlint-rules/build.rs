//! Embeds `rules/<CODE>.md`: parses each file's front matter into a `RuleMeta` static
//! named after the code, so a rule can only refer to metadata that exists.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let rules_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut files: Vec<_> = fs::read_dir(&rules_dir)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", rules_dir.display())))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    files.sort();

    let mut out = String::new();
    let mut codes = Vec::new();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())));
        let front = front_matter(&text)
            .unwrap_or_else(|| fail(&format!("{}: no front matter", path.display())));
        let field = |name: &str| {
            front
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
                .unwrap_or_else(|| {
                    fail(&format!("{}: front matter lacks `{name}`", path.display()))
                })
        };
        let code = field("code");
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if stem != code {
            fail(&format!(
                "{}: code `{code}` differs from the file name",
                path.display()
            ));
        }
        let severity = match field("severity").as_str() {
            "error" => "Error",
            "warning" => "Warning",
            "note" => "Note",
            other => fail(&format!("{}: unknown severity `{other}`", path.display())),
        };
        let _ = writeln!(
            out,
            "pub static {code}: RuleMeta = RuleMeta {{ code: {code:?}, name: {:?}, severity: Severity::{severity}, domain: {:?}, summary: {:?}, doc: include_str!({:?}) }};",
            field("name"),
            field("domain"),
            field("summary"),
            path.canonicalize().unwrap_or_else(|_| path.clone()).display().to_string(),
        );
        codes.push(code);
    }
    let _ = writeln!(
        out,
        "/// Every rule's metadata, sorted by code.\npub static ALL: &[&RuleMeta] = &[{}];",
        codes
            .iter()
            .map(|c| format!("&{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let out_dir = env::var("OUT_DIR").unwrap_or_else(|_| fail("OUT_DIR is not set"));
    fs::write(Path::new(&out_dir).join("rule_meta.rs"), out)
        .unwrap_or_else(|e| fail(&format!("cannot write rule_meta.rs: {e}")));
}

/// `key: value` lines between the leading `---` fences.
fn front_matter(text: &str) -> Option<Vec<(&str, &str)>> {
    let rest = text.strip_prefix("---\n")?;
    let end = rest.find("\n---")?;
    Some(
        rest[..end]
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(key, value)| (key.trim(), value.trim()))
            .collect(),
    )
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}
