//! Fixes (`trustlint check --fix`, `--diff`): the text edits of the findings' [`Fix`]es
//! applied to the files' texts, each file's result checked again before it is kept.
//!
//! A round lints the files (with the texts fixed so far in memory), takes the fixes of
//! the findings `select` keeps whose applicability is allowed, whose edits all fall in
//! one file (read from the disk, not standard input) and overlap no edit taken before
//! (in report order), and applies them. Then the run is linted again with the new texts:
//! a file is kept only if it was read from its new text, no more findings of the parse
//! and validity rules (TL001, TL002, TL003) are in it than before, and for every code
//! fixed it has fewer findings of that code by at least the number fixed. A file that
//! fails is left as it was and its fixes are not tried again. Rounds go on while a fix
//! is kept (a fix may reveal another), at most [`MAX_ROUNDS`]; so a second `--fix`
//! finds nothing more to do. Nothing is written here: the caller writes or shows diffs.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use trustlint_parser::SourceMap;
use trustlint_rules::{Applicability, Finding, Fix};

use crate::discover::STDIN;
use crate::request::{LintError, LintRequest};
use crate::{lint, LintOutcome};

/// The most rounds of fixes one call applies.
pub const MAX_ROUNDS: usize = 8;

/// The codes whose findings say a file no longer reads as it should.
const VALIDITY_CODES: [&str; 3] = ["TL001", "TL002", "TL003"];

/// One file changed by fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedFile {
    /// The path as reports show it (relative to the current folder when below it).
    pub path: PathBuf,
    /// The text before any fix.
    pub before: String,
    /// The text with every kept fix applied.
    pub after: String,
    /// The fixes applied, in order: the rule code and the fix's description.
    pub fixes: Vec<(&'static str, String)>,
}

/// One fix as it applies to one file: its edits as (start, end, replacement), sorted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Planned {
    path: PathBuf,
    edits: Vec<(usize, usize, String)>,
}

/// Applies the allowed fixes of the findings `select` keeps to the files of `request`
/// (`unsafe_fixes`: also [`Applicability::Unsafe`] ones) and returns the files that
/// changed, sorted by path. The texts of `request.texts` are the files' texts before.
pub fn fix(
    request: &LintRequest,
    unsafe_fixes: bool,
    select: &dyn Fn(&Finding, &str) -> bool,
) -> Result<Vec<FixedFile>, LintError> {
    let allowed = |fix: &Fix| unsafe_fixes || fix.applicability == Applicability::Safe;
    let mut request = request.clone();
    let mut originals: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut applied: BTreeMap<PathBuf, Vec<(&'static str, String)>> = BTreeMap::new();
    let mut refused: BTreeSet<Planned> = BTreeSet::new();
    let mut outcome = lint(&request)?;
    for _ in 0..MAX_ROUNDS {
        let plan = plan(&outcome, &allowed, select, &refused);
        if plan.is_empty() {
            break;
        }
        let mut by_path: BTreeMap<PathBuf, Vec<&(Planned, &'static str, String)>> = BTreeMap::new();
        for planned in &plan {
            by_path
                .entry(planned.0.path.clone())
                .or_default()
                .push(planned);
        }
        let mut trial = request.clone();
        let mut befores: HashMap<PathBuf, String> = HashMap::new();
        for (path, fixes) in &by_path {
            let Some(before) = text_of(&outcome, path) else {
                continue;
            };
            let mut edits: Vec<&(usize, usize, String)> = fixes
                .iter()
                .flat_map(|(planned, ..)| &planned.edits)
                .collect();
            edits.sort();
            edits.dedup();
            trial.texts.insert(path.clone(), apply(&before, &edits));
            befores.insert(path.clone(), before);
        }
        let checked = lint(&trial)?;
        let mut kept_any = false;
        for (path, fixes) in &by_path {
            let (Some(before), Some(after)) = (befores.get(path), trial.texts.get(path)) else {
                continue;
            };
            let codes: Vec<&'static str> = fixes.iter().map(|(_, code, _)| *code).collect();
            if holds(&checked, path, after) && resolved(&outcome, &checked, path, &codes) {
                originals
                    .entry(path.clone())
                    .or_insert_with(|| before.clone());
                applied.entry(path.clone()).or_default().extend(
                    fixes
                        .iter()
                        .map(|(_, code, description)| (*code, description.clone())),
                );
                request.texts.insert(path.clone(), after.clone());
                kept_any = true;
            } else {
                refused.extend(fixes.iter().map(|(planned, ..)| planned.clone()));
            }
        }
        outcome = if kept_any && by_path.len() == 1 {
            // The trial run read exactly the texts now kept.
            checked
        } else {
            lint(&request)?
        };
    }
    Ok(originals
        .into_iter()
        .filter_map(|(path, before)| {
            let after = request.texts.get(&path)?.clone();
            let fixes = applied.remove(&path).unwrap_or_default();
            (after != before).then_some(FixedFile {
                path,
                before,
                after,
                fixes,
            })
        })
        .collect())
}

/// The fixes of a round, in report order: each the edits of one allowed fix of a kept
/// finding, in one file read from the disk, overlapping none taken before, not refused.
fn plan(
    outcome: &LintOutcome,
    allowed: &dyn Fn(&Fix) -> bool,
    select: &dyn Fn(&Finding, &str) -> bool,
    refused: &BTreeSet<Planned>,
) -> Vec<(Planned, &'static str, String)> {
    let mut taken: HashMap<PathBuf, Vec<(usize, usize)>> = HashMap::new();
    let mut plan: Vec<(Planned, &'static str, String)> = Vec::new();
    for (finding, fingerprint) in outcome.findings.iter().zip(&outcome.fingerprints) {
        let Some(fix) = finding.fix.as_ref().filter(|fix| allowed(fix)) else {
            continue;
        };
        if !select(finding, fingerprint) {
            continue;
        }
        let Some(planned) = planned(fix, &outcome.sources) else {
            continue;
        };
        if refused.contains(&planned) || plan.iter().any(|(p, ..)| *p == planned) {
            continue;
        }
        let spans = taken.entry(planned.path.clone()).or_default();
        let overlaps = planned.edits.iter().any(|&(start, end, _)| {
            spans
                .iter()
                .any(|&(s, e)| start < e && s < end || (start == end && start == s))
        });
        if overlaps {
            continue;
        }
        spans.extend(planned.edits.iter().map(|&(start, end, _)| (start, end)));
        plan.push((planned, finding.rule.code, fix.description.clone()));
    }
    plan
}

/// A fix's edits when they all fall in one file read from the disk.
fn planned(fix: &Fix, sources: &SourceMap) -> Option<Planned> {
    let mut path = None;
    let mut edits = Vec::new();
    for edit in &fix.edits {
        let file = sources.get(edit.span.file)?;
        if file.path.as_os_str() == STDIN || path.as_ref().is_some_and(|p| *p != file.path) {
            return None;
        }
        path = Some(file.path.clone());
        let range = edit.span.range();
        edits.push((range.start, range.end, edit.replacement.clone()));
    }
    edits.sort();
    Some(Planned { path: path?, edits })
}

/// The text of `path` as the run read it (unmasked: the workspaces').
fn text_of(outcome: &LintOutcome, path: &PathBuf) -> Option<String> {
    outcome
        .workspaces
        .iter()
        .flat_map(|workspace| workspace.sources.files())
        .find(|file| &file.path == path)
        .map(|file| file.text.to_string())
}

/// `text` with the sorted, non-overlapping `edits` applied.
fn apply(text: &str, edits: &[&(usize, usize, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for &&(start, end, ref replacement) in edits {
        if start < at || end > text.len() {
            continue;
        }
        out.push_str(text.get(at..start).unwrap_or_default());
        out.push_str(replacement);
        at = end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    out
}

/// Whether the run read `path` from the text `after` (an `include:`d file is read from
/// the disk, where the fix is not yet).
fn holds(outcome: &LintOutcome, path: &PathBuf, after: &str) -> bool {
    outcome
        .workspaces
        .iter()
        .flat_map(|workspace| workspace.sources.files())
        .filter(|file| &file.path == path)
        .all(|file| &*file.text == after)
        && text_of(outcome, path).is_some()
}

/// Whether, in `path`, the run `after` has no more findings of the validity codes than
/// `before`, and fewer of each fixed code by at least the number of its fixes.
fn resolved(before: &LintOutcome, after: &LintOutcome, path: &PathBuf, fixed: &[&str]) -> bool {
    let count = |outcome: &LintOutcome, code: &str| {
        outcome
            .findings
            .iter()
            .filter(|finding| finding.rule.code == code)
            .filter(|finding| {
                outcome
                    .sources
                    .get(finding.primary.file)
                    .is_some_and(|file| &file.path == path)
            })
            .count()
    };
    let valid = VALIDITY_CODES
        .iter()
        .all(|code| count(after, code) <= count(before, code));
    let mut fixes: BTreeMap<&str, usize> = BTreeMap::new();
    for code in fixed {
        *fixes.entry(code).or_default() += 1;
    }
    valid
        && fixes
            .iter()
            .all(|(code, n)| count(after, code) + n <= count(before, code))
}

#[cfg(test)]
mod tests {
    use trustlint_parser::{FileId, Span};
    use trustlint_rules::{meta, Edit, RuleMeta};

    use super::*;

    #[test]
    fn edits_apply_in_order_and_keep_the_rest() {
        let edits = [(0, 1, "A".to_string()), (4, 4, "+".to_string())];
        let edits: Vec<_> = edits.iter().collect();
        assert_eq!(apply("abcdef", &edits), "Abcd+ef");
    }

    /// An outcome over `a.json` (id 0), `b.json` (id 1) and standard input (id 2).
    fn outcome(findings: Vec<Finding>) -> LintOutcome {
        let mut sources = SourceMap::new();
        sources.add(PathBuf::from("a.json"), "0123456789");
        sources.add(PathBuf::from("b.json"), "0123456789");
        sources.add(PathBuf::from(STDIN), "0123456789");
        let fingerprints = findings.iter().map(|_| String::new()).collect();
        LintOutcome {
            findings,
            fingerprints,
            sources,
            ..LintOutcome::default()
        }
    }

    fn finding(code: &'static RuleMeta, file: u32, edits: &[(u32, usize, usize)]) -> Finding {
        let mut finding = Finding::new(code, Span::new(FileId(file), 0, 1), "m");
        if !edits.is_empty() {
            finding.fix = Some(Fix {
                description: "d".into(),
                edits: edits
                    .iter()
                    .map(|&(file, start, end)| Edit {
                        span: Span::new(FileId(file), start, end),
                        replacement: "x".into(),
                    })
                    .collect(),
                applicability: Applicability::Safe,
            });
        }
        finding
    }

    #[test]
    fn a_round_takes_fixes_in_one_disk_file_that_overlap_none_before() {
        let mut unsafe_fix = finding(&meta::TL113, 1, &[(1, 8, 9)]);
        if let Some(fix) = unsafe_fix.fix.as_mut() {
            fix.applicability = Applicability::Unsafe;
        }
        let outcome = outcome(vec![
            finding(&meta::TL105, 0, &[(0, 2, 4)]),
            finding(&meta::TL106, 0, &[(0, 3, 5)]), // overlaps the first
            finding(&meta::TL107, 0, &[(0, 5, 6), (1, 0, 1)]), // two files
            finding(&meta::TL108, 2, &[(2, 0, 1)]), // standard input
            finding(&meta::TL109, 1, &[(1, 4, 5)]),
            unsafe_fix,
            finding(&meta::TL302, 1, &[]), // no fix
        ]);
        let safe_only = |fix: &Fix| fix.applicability == Applicability::Safe;
        let every = |_: &Finding, _: &str| true;
        let codes = |plan: Vec<(Planned, &'static str, String)>| -> Vec<&'static str> {
            plan.into_iter().map(|(_, code, _)| code).collect()
        };
        let refused = BTreeSet::new();
        assert_eq!(
            codes(plan(&outcome, &safe_only, &every, &refused)),
            ["TL105", "TL109"]
        );
        assert_eq!(
            codes(plan(&outcome, &|_| true, &every, &refused)),
            ["TL105", "TL109", "TL113"]
        );
        let not_tl105 = |f: &Finding, _: &str| f.rule.code != "TL105";
        assert_eq!(
            codes(plan(&outcome, &safe_only, &not_tl105, &refused)),
            ["TL106", "TL109"]
        );
        let refused: BTreeSet<Planned> = plan(&outcome, &safe_only, &every, &refused)
            .into_iter()
            .take(1)
            .map(|(planned, ..)| planned)
            .collect();
        assert_eq!(
            codes(plan(&outcome, &safe_only, &every, &refused)),
            ["TL106", "TL109"]
        );
    }

    #[test]
    fn a_fix_is_kept_when_its_findings_are_gone_and_no_validity_finding_came() {
        let path = PathBuf::from("a.json");
        let before = outcome(vec![
            finding(&meta::TL105, 0, &[]),
            finding(&meta::TL105, 0, &[]),
            finding(&meta::TL105, 1, &[]),
        ]);
        let one_left = outcome(vec![
            finding(&meta::TL105, 0, &[]),
            finding(&meta::TL105, 1, &[]),
        ]);
        assert!(resolved(&before, &one_left, &path, &["TL105"]));
        assert!(!resolved(&before, &one_left, &path, &["TL105", "TL105"]));
        let broken = outcome(vec![finding(&meta::TL001, 0, &[])]);
        assert!(!resolved(&before, &broken, &path, &["TL105"]));
        // A parse error in another file is not this file's.
        let elsewhere = outcome(vec![finding(&meta::TL001, 1, &[])]);
        assert!(resolved(&before, &elsewhere, &path, &["TL105", "TL105"]));
    }
}
