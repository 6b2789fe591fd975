//! `--statistics`: how many findings of each rule a run reported, and how many it
//! suppressed (inline comments or `[[ignore]]` paths) or left out as baselined. The
//! counts are taken between the steps that drop findings (the run's `Tally`, then the
//! baseline).

use std::io::{self, Write};

use trustlint_lint::tally::{self, Counts, Tally};
use trustlint_rules::{meta, Finding};

/// Findings per code at each step of a run: the library's, then the baseline's.
#[derive(Debug)]
pub struct Statistics<'a> {
    /// Found, left after inline suppressions, left after the `[[ignore]]` paths.
    tally: &'a Tally,
    /// Left after the baseline: what is reported.
    reported: Counts,
}

/// How many of `code` the step from `before` to `after` dropped. (The suppression step
/// also adds TL005 notes: for TL005 it drops none, and `after` may hold more.)
fn dropped(before: &Counts, after: &Counts, code: &str) -> usize {
    let of = |counts: &Counts| counts.get(code).copied().unwrap_or_default();
    of(before).saturating_sub(of(after))
}

impl<'a> Statistics<'a> {
    /// The statistics of a run that counted `tally` and reports `reported`.
    pub fn new(tally: &'a Tally, reported: &[Finding]) -> Statistics<'a> {
        let mut counts = Counts::new();
        tally::add(&mut counts, reported);
        Statistics {
            tally,
            reported: counts,
        }
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
                dropped(&self.tally.found, &self.tally.unsuppressed, code)
                    + dropped(&self.tally.unsuppressed, &self.tally.unignored, code),
                dropped(&self.tally.unignored, &self.reported, code),
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
