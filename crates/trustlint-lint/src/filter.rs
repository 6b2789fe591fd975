//! Which findings a run keeps: rule selection (`--select`/`--ignore`, `[rules]`, by code,
//! code prefix or rule name), severity overrides, and `[[ignore]]` path globs from the
//! configuration.

use std::collections::{BTreeMap, BTreeSet};

use globset::{Glob, GlobSet, GlobSetBuilder};
use trustlint_parser::SourceMap;
use trustlint_rules::{Finding, Severity};

use crate::config::Config;
use crate::request::LintRequest;
use crate::selector;

/// The filters of one run.
#[derive(Debug)]
pub struct Filter {
    /// The codes selected; all when `None`.
    select: Option<BTreeSet<&'static str>>,
    ignore: BTreeSet<&'static str>,
    severity: BTreeMap<String, Severity>,
    /// `[[ignore]]` entries: a path glob and the codes it silences (all when `None`).
    path_ignores: Vec<(GlobSet, Option<BTreeSet<&'static str>>)>,
}

/// The codes some selectors match together.
fn resolve(selectors: &[String]) -> Result<BTreeSet<&'static str>, String> {
    let mut codes = BTreeSet::new();
    for selector in selectors {
        codes.extend(selector::codes(selector)?);
    }
    Ok(codes)
}

impl Filter {
    /// Flags win over the configuration: `--select` replaces `[rules] select`, and
    /// `--ignore` adds to `[rules] ignore`. A rule both selected and ignored is ignored.
    pub fn new(request: &LintRequest, config: &Config) -> Result<Filter, String> {
        let selectors = if request.select.is_empty() {
            &config.rules.select
        } else {
            &request.select
        };
        let select = if selectors.is_empty() {
            None
        } else {
            Some(resolve(selectors)?)
        };
        let mut ignore = resolve(&config.rules.ignore)?;
        ignore.extend(resolve(&request.ignore)?);
        let severity = config
            .rules
            .severity
            .iter()
            .filter_map(|(code, level)| Some((code.to_ascii_uppercase(), Severity::parse(level)?)))
            .collect();
        let mut path_ignores = Vec::new();
        for entry in &config.ignore {
            let glob = Glob::new(&entry.path).map_err(|e| format!("[[ignore]] path: {e}"))?;
            let set = GlobSetBuilder::new()
                .add(glob)
                .build()
                .map_err(|e| format!("[[ignore]] path: {e}"))?;
            let codes = if entry.codes.is_empty() {
                None
            } else {
                Some(resolve(&entry.codes)?)
            };
            path_ignores.push((set, codes));
        }
        Ok(Filter {
            select,
            ignore,
            severity,
            path_ignores,
        })
    }

    /// Whether a rule runs at all.
    pub fn rule_enabled(&self, code: &str) -> bool {
        // Rules' codes are upper case already; a code from the command line may not be.
        let upper;
        let code = if code.bytes().any(|b| b.is_ascii_lowercase()) {
            upper = code.to_ascii_uppercase();
            upper.as_str()
        } else {
            code
        };
        self.select
            .as_ref()
            .is_none_or(|select| select.contains(code))
            && !self.ignore.contains(code)
    }

    /// Applies severity overrides and path ignores.
    pub fn apply(&self, findings: Vec<Finding>, sources: &SourceMap) -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|finding| !self.path_ignored(finding, sources))
            .map(|mut finding| {
                if let Some(&severity) = self.severity.get(finding.rule.code) {
                    finding.severity = severity;
                }
                finding
            })
            .collect()
    }

    fn path_ignored(&self, finding: &Finding, sources: &SourceMap) -> bool {
        if self.path_ignores.is_empty() {
            return false;
        }
        let Some(file) = sources.get(finding.primary.file) else {
            return false;
        };
        let path = file.display_path();
        self.path_ignores.iter().any(|(set, codes)| {
            set.is_match(&path)
                && codes
                    .as_ref()
                    .is_none_or(|codes| codes.contains(finding.rule.code))
        })
    }
}
