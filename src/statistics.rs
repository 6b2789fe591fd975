//! `--statistics`: how many findings of each rule a run reported, and how many it
//! suppressed (inline comments or `[[ignore]]` paths) or left out as baselined. The
//! counts are taken between the steps of `check` that drop findings.

use std::collections::BTreeMap;
use std::io::{self, Write};

use trustlint_rules::{meta, Finding};

/// Findings per code at each step of a run.
#[derive(Debug, Default)]
pub struct Statistics {
    /// What the enabled rules found.
    found: Counts,
    /// Left after inline suppressions (which also add `TL005` notes).
    unsuppressed: Counts,
    /// Left after the `[[ignore]]` paths.
    unignored: Counts,
    /// Left after the baseline: what is reported.
    reported: Counts,
}

type Counts = BTreeMap<&'static str, usize>;

/// Adds the findings of each code to `counts`.
fn add(counts: &mut Counts, findings: &[Finding]) {
    for finding in findings {
        *counts.entry(finding.rule.code).or_default() += 1;
    }
}

/// How many of `code` the step from `before` to `after` dropped. (The suppression step
/// also adds TL005 notes: for TL005 it drops none, and `after` may hold more.)
fn dropped(before: &Counts, after: &Counts, code: &str) -> usize {
    let of = |counts: &Counts| counts.get(code).copied().unwrap_or_default();
    of(before).saturating_sub(of(after))
}

/// Each step adds the findings of one part of the run.
impl Statistics {
    pub fn found(&mut self, findings: &[Finding]) {
        add(&mut self.found, findings);
    }

    pub fn unsuppressed(&mut self, findings: &[Finding]) {
        add(&mut self.unsuppressed, findings);
    }

    pub fn unignored(&mut self, findings: &[Finding]) {
        add(&mut self.unignored, findings);
    }

    pub fn reported(&mut self, findings: &[Finding]) {
        add(&mut self.reported, findings);
    }

    /// One row per rule that found anything, in code order, then the totals.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "{:<6} {:<34} {:>8} {:>10} {:>9}",
            "code", "rule", "reported", "suppressed", "baselined"
        )?;
        let mut totals = [0; 3];
        for rule in meta::ALL {
            let code = rule.code;
            let row = [
                self.reported.get(code).copied().unwrap_or_default(),
                dropped(&self.found, &self.unsuppressed, code)
                    + dropped(&self.unsuppressed, &self.unignored, code),
                dropped(&self.unignored, &self.reported, code),
            ];
            if row == [0; 3] {
                continue;
            }
            for (total, value) in totals.iter_mut().zip(row) {
                *total += value;
            }
            writeln!(
                out,
                "{code:<6} {:<34} {:>8} {:>10} {:>9}",
                rule.name, row[0], row[1], row[2]
            )?;
        }
        writeln!(
            out,
            "{:<6} {:<34} {:>8} {:>10} {:>9}",
            "total", "", totals[0], totals[1], totals[2]
        )
    }
}
