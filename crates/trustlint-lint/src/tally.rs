//! How many findings of each rule are left after each step of a run that drops findings
//! (what `--statistics` reports, with the baseline's step the CLI adds).

use std::collections::BTreeMap;

use trustlint_rules::Finding;

/// Findings per code.
pub type Counts = BTreeMap<&'static str, usize>;

/// Findings per code at each step of a run, over all its parts.
#[derive(Debug, Default)]
pub struct Tally {
    /// What the enabled rules found.
    pub found: Counts,
    /// Left after inline suppressions (which also add `TL005` notes).
    pub unsuppressed: Counts,
    /// Left after the `[[ignore]]` paths: what the run reports before any baseline.
    pub unignored: Counts,
}

/// Adds the findings of each code to `counts`.
pub fn add(counts: &mut Counts, findings: &[Finding]) {
    for finding in findings {
        *counts.entry(finding.rule.code).or_default() += 1;
    }
}
