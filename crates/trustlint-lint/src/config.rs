//! `trustlint.toml`: the file named with `--config`, checking
//! every key against docs/configuration.md with "did you mean" hints, and parsing it into a typed
//! configuration.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use trustlint_parser::suggest::did_you_mean;

use crate::selector;

pub const FILE_NAMES: [&str; 2] = ["trustlint.toml", ".trustlint.toml"];

/// The whole configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub gitlab: GitlabConfig,
    #[serde(default)]
    pub aws: AwsConfig,
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub roles: Vec<RoleConfig>,
    #[serde(default)]
    pub ignore: Vec<IgnoreConfig>,
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Globs of paths (relative to the config's folder) that folder walks skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The folder holding the configuration file; relative paths in it start there.
    #[serde(skip)]
    pub base_dir: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GitlabConfig {
    pub host: Option<String>,
    pub project: Option<String>,
    /// The project's numeric id, as GitLab shows it (`123`, or `"123"`).
    pub project_id: Option<NumericId>,
    /// The id of the project's group (namespace).
    pub namespace_id: Option<NumericId>,
    pub default_branch: Option<String>,
    #[serde(default)]
    pub protected_refs: Vec<String>,
    pub issuer: Option<String>,
    pub sub_claim: Option<Vec<String>>,
    #[serde(default)]
    pub ci_files: Vec<String>,
    /// The root of the repository the files below the configuration come from, relative
    /// to its folder, where it is not the folder holding `.git` (a repository copied into
    /// another one: vendored configurations, test fixtures).
    pub repository_root: Option<PathBuf>,
}

/// A GitLab id written as an integer (`project-id = 123`, as GitLab shows it) or a
/// string of digits (`"123"`, as the token carries it).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum NumericId {
    Number(u64),
    Text(String),
}

impl NumericId {
    /// The id as the token's claims carry it: decimal digits, no leading zero.
    pub fn claim_value(&self) -> Result<String, String> {
        let text = match self {
            NumericId::Number(number) => number.to_string(),
            NumericId::Text(text) => text.trim().to_owned(),
        };
        let valid = text.starts_with(|c: char| matches!(c, '1'..='9'))
            && text.chars().all(|c| c.is_ascii_digit());
        if valid {
            Ok(text)
        } else {
            Err(format!("`{text}` is not a GitLab id (a positive integer)"))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AwsConfig {
    #[serde(default)]
    pub audiences: Vec<String>,
    /// TL216: a service not used for more days than this is unused.
    pub unused_after_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
}

/// `[limits]`: the size of the largest file read.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsConfig {
    pub max_file_size: Option<FileSize>,
}

/// A size in bytes: a number, or a string such as `"32MiB"`, `"500 KB"`, `"1GiB"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileSize(pub usize);

impl<'de> Deserialize<'de> for FileSize {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Bytes(u64),
            Text(String),
        }
        let bytes = match Written::deserialize(deserializer)? {
            Written::Bytes(bytes) => Some(bytes),
            Written::Text(text) => parse_size(&text),
        };
        bytes
            .and_then(|bytes| usize::try_from(bytes).ok())
            .filter(|&bytes| bytes > 0)
            .map(FileSize)
            .ok_or_else(|| {
                serde::de::Error::custom(
                    "max-file-size is a positive number of bytes or a size such as \"32MiB\"",
                )
            })
    }
}

/// `"32MiB"`, `"32 MB"`, `"1024"`: bytes (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024).
fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits.parse().ok()?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" => 1 << 10,
        "mb" => 1_000_000,
        "mib" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        _ => return None,
    };
    number.checked_mul(factor)
}

/// Ties a role ARN to its policy files when that can't be inferred.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RoleConfig {
    pub arn: String,
    pub trust: Option<PathBuf>,
    #[serde(default)]
    pub permissions: Vec<PathBuf>,
    /// The role's `aws iam get-service-last-accessed-details` output.
    pub last_accessed: Option<PathBuf>,
}

/// `[[ignore]] path = "glob", codes = [...]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreConfig {
    pub path: String,
    #[serde(default)]
    pub codes: Vec<String>,
}

/// The keys each table allows, for "did you mean" on unknown keys.
const SCHEMA: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "gitlab", "aws", "rules", "roles", "ignore", "limits", "exclude",
        ],
    ),
    ("limits", &["max-file-size"]),
    (
        "gitlab",
        &[
            "host",
            "project",
            "project-id",
            "namespace-id",
            "default-branch",
            "protected-refs",
            "issuer",
            "sub-claim",
            "ci-files",
            "repository-root",
        ],
    ),
    ("aws", &["audiences", "unused-after-days"]),
    ("rules", &["select", "ignore", "severity"]),
    ("roles", &["arn", "trust", "permissions", "last-accessed"]),
    ("ignore", &["path", "codes"]),
];

/// The configuration file named with `--config`: an error unless it exists. (Without
/// it, each scanned file has the nearest one upward: `scope.rs`.)
pub fn explicit(path: &Path) -> Result<PathBuf, String> {
    if path.is_file() {
        Ok(path.to_path_buf())
    } else {
        Err(format!("config file {} does not exist", path.display()))
    }
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<Config, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
    let mut config = parse(&text).map_err(|e| format!("invalid config {}: {e}", path.display()))?;
    config.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    Ok(config)
}

/// Parses configuration text.
pub fn parse(text: &str) -> Result<Config, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    check_keys("", &table)?;
    let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
    for selector in config
        .rules
        .select
        .iter()
        .chain(&config.rules.ignore)
        .chain(config.ignore.iter().flat_map(|i| &i.codes))
    {
        selector::codes(selector)?;
    }
    for code in config.rules.severity.keys() {
        check_code(code)?;
    }
    for (code, severity) in &config.rules.severity {
        if trustlint_rules::Severity::parse(severity).is_none() {
            return Err(format!(
                "[rules] severity of {code}: `{severity}` is not one of error, warning, note"
            ));
        }
    }
    for (key, id) in [
        ("project-id", &config.gitlab.project_id),
        ("namespace-id", &config.gitlab.namespace_id),
    ] {
        if let Some(id) = id {
            id.claim_value()
                .map_err(|e| format!("[gitlab] {key}: {e}"))?;
        }
    }
    Ok(config)
}

/// An error unless `code` names a rule.
pub fn check_code(code: &str) -> Result<(), String> {
    if trustlint_rules::meta::by_code(code).is_some() {
        return Ok(());
    }
    let codes: Vec<&str> = trustlint_rules::meta::ALL.iter().map(|m| m.code).collect();
    Err(match did_you_mean(code, &codes) {
        Some(near) => format!("unknown rule code `{code}` (did you mean `{near}`?)"),
        None => format!("unknown rule code `{code}` (`trustlint rules` lists them)"),
    })
}

fn check_keys(table_name: &str, table: &toml::Table) -> Result<(), String> {
    let allowed = SCHEMA
        .iter()
        .find(|(name, _)| *name == table_name)
        .map_or(&[][..], |(_, keys)| *keys);
    for (key, value) in table {
        if !allowed.contains(&key.as_str()) {
            let place = if table_name.is_empty() {
                "at the top level".to_string()
            } else {
                format!("in [{table_name}]")
            };
            let hint = did_you_mean(key, allowed)
                .map(|near| format!(" (did you mean `{near}`?)"))
                .unwrap_or_default();
            return Err(format!("unknown key `{key}` {place}{hint}"));
        }
        if !table_name.is_empty() {
            continue;
        }
        match value {
            toml::Value::Table(inner) if key != "rules" => check_keys(key, inner)?,
            toml::Value::Table(inner) => check_rules_table(inner)?,
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(inner) = item {
                        check_keys(key, inner)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `[rules]` holds `severity`, a table keyed by rule codes, so it is checked apart.
fn check_rules_table(table: &toml::Table) -> Result<(), String> {
    let mut without_severity = table.clone();
    without_severity.remove("severity");
    check_keys("rules", &without_severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_contract_example_parses() {
        let config = parse(
            r#"
[gitlab]
host = "gitlab.com"
project = "mygroup/myproject"
default-branch = "main"
protected-refs = ["main", "release/*"]
issuer = "https://gitlab.com"
sub-claim = ["project_path", "ref_type", "ref"]
ci-files = ["ci/pipeline.yml"]

[aws]
audiences = ["https://gitlab.com"]

[rules]
ignore = ["tl113"]
severity = { TL104 = "error" }

[[roles]]
arn = "arn:aws:iam::123456789012:role/deploy"
trust = "iam/deploy-trust.json"
permissions = ["iam/deploy-permissions.json"]

[[ignore]]
path = "legacy/**"
codes = ["TL002"]
"#,
        )
        .unwrap();
        assert_eq!(config.gitlab.host.as_deref(), Some("gitlab.com"));
        assert_eq!(config.gitlab.protected_refs.len(), 2);
        assert_eq!(config.roles.len(), 1);
        assert_eq!(
            config.rules.severity.get("TL104").map(String::as_str),
            Some("error")
        );
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let error = parse("[gitlab]\nhots = \"x\"\n").unwrap_err();
        assert_eq!(
            error,
            "unknown key `hots` in [gitlab] (did you mean `host`?)"
        );
        let error = parse("[gitlab]\ndefault_branch = \"x\"\n").unwrap_err();
        assert!(error.contains("did you mean `default-branch`"), "{error}");
        let error = parse("[[roles]]\narn = \"a\"\ntrsut = \"x\"\n").unwrap_err();
        assert!(error.contains("did you mean `trust`"), "{error}");
        let error = parse("[rule]\n").unwrap_err();
        assert!(error.contains("did you mean `rules`"), "{error}");
    }

    #[test]
    fn file_sizes_in_bytes_or_units() {
        let size = |text: &str| parse(text).map(|c| c.limits.max_file_size);
        assert_eq!(
            size("[limits]\nmax-file-size = 1024\n"),
            Ok(Some(FileSize(1024)))
        );
        assert_eq!(
            size("[limits]\nmax-file-size = \"32MiB\"\n"),
            Ok(Some(FileSize(32 << 20)))
        );
        assert_eq!(
            size("[limits]\nmax-file-size = \"2 MB\"\n"),
            Ok(Some(FileSize(2_000_000)))
        );
        assert!(size("[limits]\nmax-file-size = \"lots\"\n").is_err());
        assert!(size("[limits]\nmax-file-size = 0\n").is_err());
        assert!(size("[limits]\nmax-file-sise = 1\n")
            .is_err_and(|e| e.contains("did you mean `max-file-size`")));
    }

    #[test]
    fn wrong_types_and_codes_are_errors() {
        assert!(parse("[gitlab]\nhost = 3\n").is_err());
        assert!(parse("[rules]\nignore = [\"TL999\"]\n").is_err());
        assert!(
            parse("[rules]\nignore = [\"tl113\"]\n").is_ok(),
            "codes are case-insensitive"
        );
        assert!(parse("[rules]\nseverity = { TL101 = \"fatal\" }\n").is_err());
        assert!(parse("not toml at all =").is_err());
    }
}
