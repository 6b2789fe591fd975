//! Embeds `rules/<CODE>.md`: parses each file's front matter into a `RuleMeta` static
//! named after the code, so a rule can only refer to metadata that exists. Then declares
//! the rules themselves: every `src/<domain>/tlNNN_<name>.rs` is a rule file defining the
//! rule `<Name>` (its front-matter name in PascalCase, its file stem the name in
//! snake_case); each domain's module includes its generated declarations
//! (`rules_<domain>.rs`) and the registry lists every rule in code order (`registry.rs`).
//! A rule file without its doc, or a doc without its rule file, stops the build.
//! Last, writes the AWS action catalog (`rules/data/aws_actions.txt`) as static tables
//! (`catalog.rs`), so that no run indexes its 20 000 lines.

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
    let mut names = Vec::new();
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
        names.push((code.clone(), field("name")));
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
    declare_rules(&names, Path::new(&out_dir));
    write_catalog(&rules_dir.join("data/aws_actions.txt"), Path::new(&out_dir));
}

/// A service of the catalog as its lines describe it: its texts are ranges of the
/// catalog's text, its lists ranges of the tables `catalog.rs` declares.
#[derive(Default)]
struct CatalogService {
    prefix: String,
    name: String,
    resources: (usize, usize),
    condition_keys: (usize, usize),
    key_types: String,
    actions: (usize, usize),
}

/// Writes `catalog.rs` from the catalog's lines (format in
/// `rules/data/generate_catalog.py`): the statics `SERVICES`, `RESOURCE_TYPES`,
/// `CONDITION_KEYS` and `ACTIONS`, built with the constructors of `analysis::catalog`.
/// Every text is a byte range of the catalog's text, which the binary embeds once: tables
/// of numbers need no relocation when the binary is loaded, and their pages are read only
/// when used. Malformed lines are skipped as the old runtime parse skipped them (the
/// catalog's tests check none are).
fn write_catalog(path: &Path, out_dir: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = fs::read_to_string(path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", path.display())));
    // The range of `part`, a slice of `text` (anything else stops the build).
    let range = |part: &str| {
        let start = (part.as_ptr() as usize)
            .checked_sub(text.as_ptr() as usize)
            .filter(|start| start + part.len() <= text.len())
            .unwrap_or_else(|| fail("the catalog's tables must point into its text"));
        format!("{start}..{}", start + part.len())
    };
    let mut services: Vec<CatalogService> = Vec::new();
    let (mut resources, mut keys, mut actions) = (String::new(), String::new(), String::new());
    let (mut resource_count, mut key_count, mut action_count) = (0, 0, 0);
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        let service_index = services.len().saturating_sub(1);
        let mut fields = line.split('\t');
        match (fields.next(), services.last_mut()) {
            (Some("S"), _) => {
                let (Some(prefix), Some(name)) = (fields.next(), fields.next()) else {
                    continue;
                };
                services.push(CatalogService {
                    prefix: range(prefix),
                    name: range(name),
                    resources: (resource_count, resource_count),
                    condition_keys: (key_count, key_count),
                    key_types: range(after(line, line.len())),
                    actions: (action_count, action_count),
                });
            }
            (Some("R"), Some(service)) => {
                let (Some(name), Some(arn)) = (fields.next(), fields.next()) else {
                    continue;
                };
                let _ = writeln!(resources, "resource_type({}, {}),", range(name), range(arn));
                resource_count += 1;
                service.resources.1 = resource_count;
            }
            (Some("K"), Some(service)) => {
                let start = key_count;
                for key in fields {
                    let _ = writeln!(keys, "Text::at({}),", range(key));
                    key_count += 1;
                }
                service.condition_keys = (start, key_count);
            }
            (Some("T"), Some(service)) => {
                service.key_types = range(after(line, 2));
            }
            (Some("A"), Some(service)) => {
                let (Some(name), Some(level)) = (fields.next(), fields.next()) else {
                    continue;
                };
                let level = match level {
                    "L" => "List",
                    "R" => "Read",
                    "W" => "Write",
                    "P" => "PermissionsManagement",
                    "T" => "Tagging",
                    _ => continue,
                };
                let rest = after(line, line.len());
                let (resource_names, key_indices) =
                    (fields.next().unwrap_or(rest), fields.next().unwrap_or(rest));
                let _ = writeln!(
                    actions,
                    "action({}, AccessLevel::{level}, {service_index}, {}, {}),",
                    range(name),
                    range(resource_names),
                    range(key_indices),
                );
                action_count += 1;
                service.actions.1 = action_count;
            }
            _ => {}
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "static SERVICES: [Service; {}] = [", services.len());
    for service in &services {
        let _ = writeln!(
            out,
            "service({}, {}, {}..{}, {}..{}, {}, {}..{}),",
            service.prefix,
            service.name,
            service.resources.0,
            service.resources.1,
            service.condition_keys.0,
            service.condition_keys.1,
            service.key_types,
            service.actions.0,
            service.actions.1,
        );
    }
    let _ = writeln!(out, "];");
    let _ = writeln!(
        out,
        "static RESOURCE_TYPES: [ResourceType; {resource_count}] = [\n{resources}];"
    );
    let _ = writeln!(
        out,
        "static CONDITION_KEYS: [Text; {key_count}] = [\n{keys}];"
    );
    let _ = writeln!(
        out,
        "static ACTIONS: [Action; {action_count}] = [\n{actions}];"
    );
    fs::write(out_dir.join("catalog.rs"), out)
        .unwrap_or_else(|e| fail(&format!("cannot write catalog.rs: {e}")));
}
/// What follows byte `at` of `line`, as `line.get(at..)` reads it, and where that is
/// `None` the empty slice at its end: always a slice of `line` (of the catalog's text).
fn after(line: &str, at: usize) -> &str {
    line.get(at..)
        .unwrap_or_else(|| line.split_at(line.len()).1)
}

/// A rule file: its domain folder, module name, code and the rule's type name.
struct RuleFile {
    domain: String,
    module: String,
    code: String,
    rule: String,
}

/// Writes `rules_<domain>.rs` for every domain folder holding rule files, and
/// `registry.rs`, from the rule files under `src/`; `names` maps each documented code to
/// its rule name.
fn declare_rules(names: &[(String, String)], out_dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    println!("cargo:rerun-if-changed={}", src.display());
    let mut files = Vec::new();
    for domain in entries(&src).into_iter().filter(|path| path.is_dir()) {
        println!("cargo:rerun-if-changed={}", domain.display());
        let domain_name = file_name(&domain);
        for path in entries(&domain) {
            let module = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let Some((number, rest)) = module
                .strip_prefix("tl")
                .and_then(|tail| tail.split_once('_'))
                .filter(|(number, _)| {
                    number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit())
                })
            else {
                continue;
            };
            let code = format!("TL{number}");
            let Some((_, name)) = names.iter().find(|(known, _)| *known == code) else {
                fail(&format!("{}: no rules/{code}.md", path.display()));
            };
            if name.replace('-', "_") != rest {
                fail(&format!(
                    "{}: the file of rule {code} `{name}` is named `tl{number}_{}.rs`",
                    path.display(),
                    name.replace('-', "_")
                ));
            }
            let rule = name
                .split('-')
                .map(|word| {
                    let mut chars = word.chars();
                    chars
                        .next()
                        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                        .unwrap_or_default()
                })
                .collect();
            files.push(RuleFile {
                domain: domain_name.clone(),
                module,
                code,
                rule,
            });
        }
    }
    for (code, _) in names {
        if !files.iter().any(|file| &file.code == code) {
            fail(&format!(
                "rules/{code}.md: no rule file src/<domain>/{}_….rs",
                code.to_ascii_lowercase()
            ));
        }
    }
    files.sort_by(|a, b| a.code.cmp(&b.code));
    let mut domains: Vec<&str> = files.iter().map(|file| file.domain.as_str()).collect();
    domains.dedup();
    domains.sort_unstable();
    domains.dedup();
    for domain in domains {
        let mut text = String::new();
        for file in files.iter().filter(|file| file.domain == domain) {
            let path = src.join(&file.domain).join(format!("{}.rs", file.module));
            let _ = writeln!(
                text,
                "#[path = {:?}]\npub(crate) mod {};",
                path.display().to_string(),
                file.module,
            );
        }
        fs::write(out_dir.join(format!("rules_{domain}.rs")), text)
            .unwrap_or_else(|e| fail(&format!("cannot write rules_{domain}.rs: {e}")));
    }
    let registry = format!(
        "/// Every rule, sorted by code.\nstatic RULES: &[&dyn Rule] = &[{}];\n",
        files
            .iter()
            .map(|file| format!("&crate::{}::{}::{}", file.domain, file.module, file.rule))
            .collect::<Vec<_>>()
            .join(", ")
    );
    fs::write(out_dir.join("registry.rs"), registry)
        .unwrap_or_else(|e| fail(&format!("cannot write registry.rs: {e}")));
}

/// The entries of a folder, sorted.
fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut paths: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", dir.display())))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    paths
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string()
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
