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

/// Adds the findings of each code to `counts`. A run's findings hold few codes: they
/// are counted in a short list first (found by a look along it, mostly at its first
/// entries), then each code once in the map.
pub fn add(counts: &mut Counts, findings: &[Finding]) {
    let mut few: Vec<(&'static str, usize)> = Vec::new();
    for finding in findings {
        let code = finding.rule.code;
        match few.iter_mut().find(|(counted, _)| *counted == code) {
            Some((_, count)) => *count += 1,
            None => few.push((code, 1)),
        }
    }
    for (code, count) in few {
        *counts.entry(code).or_default() += count;
    }
}
