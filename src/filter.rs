//! Which findings a run keeps: rule selection (`--select`/`--ignore`, `[rules]`),
//! severity overrides, and `[[ignore]]` path globs from the configuration.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use trustlint_parser::SourceMap;
use trustlint_rules::{Finding, Severity};

use crate::cli::CheckArgs;
use crate::config::Config;

/// The filters of one run.
#[derive(Debug)]
pub struct Filter {
    select: Vec<String>,
    ignore: Vec<String>,
    severity: BTreeMap<String, Severity>,
    /// `[[ignore]]` entries: a path glob and the codes it silences (all when empty).
    path_ignores: Vec<(GlobSet, Vec<String>)>,
}

impl Filter {
    /// Flags win over the configuration: `--select` replaces `[rules] select`, and
    /// `--ignore` adds to `[rules] ignore`.
    pub fn new(args: &CheckArgs, config: &Config) -> Result<Filter, String> {
        let upper = |codes: &[String]| {
            codes
                .iter()
                .map(|c| c.to_ascii_uppercase())
                .collect::<Vec<_>>()
        };
        let select = if args.select.is_empty() {
            upper(&config.rules.select)
        } else {
            upper(&args.select)
        };
        let mut ignore = upper(&config.rules.ignore);
        ignore.extend(upper(&args.ignore));
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
            path_ignores.push((set, upper(&entry.codes)));
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
        let code = code.to_ascii_uppercase();
        (self.select.is_empty() || self.select.contains(&code)) && !self.ignore.contains(&code)
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
        let Some(file) = sources.get(finding.primary.file) else {
            return false;
        };
        let path = file.display_path();
        self.path_ignores.iter().any(|(set, codes)| {
            set.is_match(&path)
                && (codes.is_empty() || codes.iter().any(|c| c == finding.rule.code))
        })
    }
}
