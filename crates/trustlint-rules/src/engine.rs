//! Runs rules over a workspace: documents in parallel, then the workspace-wide rules in
//! parallel with each other, and returns the findings in report order (file, offset,
//! code) ([`run`]); then, as a last phase over those findings, the inline suppressions
//! and the rules' review of them ([`suppress`]).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use trustlint_parser::input::{Content, Document};
use trustlint_parser::FileId;

use crate::finding::Finding;
use crate::permissions;
use crate::rule::{Context, Rule};
use crate::suppression;

/// Below this many documents a run stays on the calling thread: handing the work to the
/// pool and waking its threads costs more than checking a few files (a pre-commit hook's
/// usual run), and the output is the same either way.
const PARALLEL_FROM_DOCUMENTS: usize = 8;

/// Runs `rules` and returns their findings, sorted.
pub fn run(rules: &[&dyn Rule], cx: &Context<'_>) -> Vec<Finding> {
    finish(found(rules, cx, is_parallel(cx)), cx)
}

/// The findings of a run in report order, one per place: `findings` are what the rules
/// found, each document's in workspace order (each rule's in the order its hooks gave
/// them), then those of the workspace hooks.
pub fn finish(mut findings: Vec<Finding>, cx: &Context<'_>) -> Vec<Finding> {
    sort(&mut findings);
    // One finding per place (rule, file, range, message): sorted, they are neighbours.
    findings.dedup_by(|later, earlier| later.sort_key() == earlier.sort_key());
    once_per_place(findings, cx)
}

/// The last phase, over the findings of [`run`] (those of the rules that ran, in report
/// order): the inline suppressions of the workspace's files remove the findings they
/// name, then each of `rules` (the rules that ran) reviews the suppressions with
/// [`Rule::check_suppressions`] (TL005 reports the refused and unused ones). A caller
/// that masks secrets does it before, with every finding, since this drops some.
pub fn suppress(rules: &[&dyn Rule], cx: &Context<'_>, findings: Vec<Finding>) -> Vec<Finding> {
    let rule_ran = |code: &str| rules.iter().any(|rule| rule.meta().code == code);
    let (mut kept, suppressions) = suppression::apply(findings, cx.workspace, &rule_ran);
    let mut notes = Vec::new();
    for rule in rules {
        rule.check_suppressions(cx, &suppressions, &mut notes);
    }
    if !notes.is_empty() {
        kept.extend(notes);
        kept.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    kept
}

/// What `rules` find, document rules first, in no particular order; on the pool's
/// threads when `parallel`.
fn found(rules: &[&dyn Rule], cx: &Context<'_>, parallel: bool) -> Vec<Finding> {
    let check = |_: usize, document: &Document, cx: &Context<'_>| {
        let mut out = Vec::new();
        for rule in rules {
            check_document(*rule, cx, document, &mut out);
        }
        (out, ())
    };
    let (documents, across) = check_each(rules, cx, parallel, &check);
    let count = documents
        .iter()
        .map(|(found, ())| found.len())
        .sum::<usize>()
        + across.len();
    let mut findings = Vec::with_capacity(count);
    for (found, ()) in documents {
        findings.extend(found);
    }
    findings.extend(across);
    findings
}

/// How a caller checks one document: given its index in the workspace, the document and
/// its context ([`Context::for_document`]), its findings and what the caller keeps.
pub type DocumentCheck<'f, T> =
    dyn Fn(usize, &Document, &Context<'_>) -> (Vec<Finding>, T) + Sync + 'f;

/// Checks every document of `cx`'s workspace with `check` while every rule of `rules`
/// runs its workspace hook; on the pool's threads when `parallel` (the hooks wait on the
/// run's analyses, the links, that one thread derives: the documents are checked
/// meanwhile). Returns each document's result in workspace order, and the hooks'
/// findings.
pub fn check_each<T: Send>(
    rules: &[&dyn Rule],
    cx: &Context<'_>,
    parallel: bool,
    check: &DocumentCheck<'_, T>,
) -> (Vec<(Vec<Finding>, T)>, Vec<Finding>) {
    let check_document =
        |(index, document): (usize, &Document)| check(index, document, &cx.for_document(document));
    let check_workspace = |rule: &&dyn Rule| {
        let mut out = Vec::new();
        rule.check_workspace(cx, &mut out);
        out
    };
    let documents = &cx.workspace.documents;
    if parallel {
        rayon::join(
            || {
                documents
                    .par_iter()
                    .enumerate()
                    .map(check_document)
                    .collect()
            },
            || rules.par_iter().flat_map_iter(check_workspace).collect(),
        )
    } else {
        (
            documents.iter().enumerate().map(check_document).collect(),
            rules.iter().flat_map(check_workspace).collect(),
        )
    }
}

/// Whether a run over `cx`'s workspace is worth the pool ([`PARALLEL_FROM_DOCUMENTS`]).
pub fn is_parallel(cx: &Context<'_>) -> bool {
    cx.workspace.documents.len() >= PARALLEL_FROM_DOCUMENTS
}

/// Runs the document hooks of `rule` on `document`, with `cx` the document's context
/// ([`Context::for_document`]).
pub fn check_document(
    rule: &dyn Rule,
    cx: &Context<'_>,
    document: &Document,
    out: &mut Vec<Finding>,
) {
    rule.check_document(cx, document, out);
    match &document.content {
        Content::IamPolicy(policy) => rule.check_policy(cx, document, policy, out),
        Content::Iam(resources) => {
            for role in &resources.roles {
                rule.check_role(cx, document, role, out);
            }
            for policy in resources.documents() {
                match permissions::aws_managed(resources, policy) {
                    Some(managed) => {
                        let mut found = Vec::new();
                        rule.check_policy(cx, document, policy, &mut found);
                        permissions::summarise_aws_managed(resources, managed, found, out);
                    }
                    None => rule.check_policy(cx, document, policy, out),
                }
            }
        }
        Content::GitlabCi(_) | Content::Unparsed => {}
    }
}

/// Sorts findings by [`Finding::sort_key`], keeping the order of equal ones. The indices
/// are sorted and the findings then moved into place along the cycles of that
/// permutation: a run with many findings never holds a second copy of them.
fn sort(findings: &mut [Finding]) {
    // The key's file and offset as one number, compared first; the rest on ties.
    let mut keyed: Vec<(u64, usize)> = findings
        .iter()
        .enumerate()
        .map(|(index, finding)| {
            let span = finding.primary;
            (
                (u64::from(span.file.0) << 32) | u64::from(span.start),
                index,
            )
        })
        .collect();
    keyed.sort_by(|(a_place, a), (b_place, b)| {
        a_place.cmp(b_place).then_with(|| {
            let key = |i: usize| findings.get(i).map(Finding::sort_key);
            key(*a).cmp(&key(*b))
        })
    });
    let mut order: Vec<usize> = keyed.into_iter().map(|(_, index)| index).collect();
    // Position `i` takes the finding at `order[i]`; a visited position points to itself.
    for start in 0..order.len() {
        let mut current = start;
        while let Some(next) = order
            .get_mut(current)
            .map(|from| std::mem::replace(from, current))
        {
            if next == start || next == current {
                break;
            }
            findings.swap(current, next);
            current = next;
        }
    }
}

/// Keeps one finding per (rule, file path, range, message): a file that is both checked
/// on its own and read through another file's `include:` is loaded twice, under two
/// file ids, and its findings must not be reported twice. Only the findings in files
/// whose path is loaded more than once are compared (within one file id the caller has
/// kept one per place already).
fn once_per_place(findings: Vec<Finding>, cx: &Context<'_>) -> Vec<Finding> {
    let files = cx.workspace.sources.files();
    // Each file loaded under another file's path, and every file of such a path, mapped
    // to the first file of its path.
    let mut first_of_path: HashMap<String, FileId> = HashMap::with_capacity(files.len());
    let mut same_as: HashMap<FileId, FileId> = HashMap::new();
    for file in files {
        let first = *first_of_path.entry(file.display_path()).or_insert(file.id);
        if first != file.id {
            same_as.insert(first, first);
            same_as.insert(file.id, first);
        }
    }
    if same_as.is_empty() {
        return findings;
    }
    let mut seen = HashSet::new();
    findings
        .into_iter()
        .filter(|finding| {
            let Some(&file) = same_as.get(&finding.primary.file) else {
                return true;
            };
            let place = (
                finding.rule.code,
                file,
                finding.primary.start,
                finding.primary.end,
                finding.message.clone(),
            );
            seen.insert(place)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use trustlint_parser::input::{self, Discovery, Workspace};
    use trustlint_parser::{Limits, SourceFile, Span};

    use super::*;
    use crate::{meta, registry, Settings};

    #[test]
    fn the_calling_thread_finds_what_the_pool_finds() {
        // The demo's pipeline, trust and permissions policies, and one file of each
        // rule domain's bad fixtures: document and workspace rules all have work.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let paths = [
            "demo/.gitlab-ci.yml",
            "demo/iam/deploy-trust.json",
            "demo/iam/deploy-permissions.json",
            "TL101/bad/no-condition.json",
            "TL101/bad/terraform-plan.json",
            "TL201/bad/allow-all.json",
            "TL201/bad/cloudformation-admin-role.yaml",
        ];
        let mut workspace = Workspace::default();
        for (index, path) in paths.iter().enumerate() {
            let text = std::fs::read_to_string(root.join(path)).unwrap();
            let file = SourceFile::new(FileId(index as u32), root.join(path), text);
            let loaded = input::load(&file, None, Discovery::Named, &Limits::default());
            workspace.documents.extend(loaded);
            workspace.sources.push(file);
        }
        let settings = Settings::default();
        let cx = Context::new(&workspace, &settings);
        let in_order = |mut findings: Vec<Finding>| {
            sort(&mut findings);
            findings
        };
        let on_pool = in_order(found(registry::all(), &cx, true));
        assert!(on_pool.len() > 5, "{on_pool:#?}");
        assert_eq!(in_order(found(registry::all(), &cx, false)), on_pool);
    }

    #[test]
    fn files_checked_in_turn_find_what_each_finds_alone() {
        // Rules share what they derive from a policy or pipeline (module `context`): a
        // file checked after others must find exactly what it finds alone. The cross-file rules (TL4xx) are left
        // out: they link files on purpose.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        let mut paths: Vec<std::path::PathBuf> = Vec::new();
        for rule in ["TL303", "TL304", "TL309", "TL104", "TL115", "TL208"] {
            for kind in ["bad", "good"] {
                let entries = std::fs::read_dir(root.join(rule).join(kind)).unwrap();
                paths.extend(entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()));
            }
        }
        paths.sort();
        let rules: Vec<&dyn Rule> = registry::all()
            .iter()
            .copied()
            .filter(|rule| !rule.meta().code.starts_with("TL4"))
            .collect();
        let settings = Settings::default();
        // Each finding as (file, code, start, end, message), sorted.
        let check = |paths: &[std::path::PathBuf]| {
            let mut workspace = Workspace::default();
            for (index, path) in paths.iter().enumerate() {
                let text = std::fs::read_to_string(path).unwrap();
                let file = SourceFile::new(FileId(index as u32), path.clone(), text);
                let loaded = input::load(&file, None, Discovery::Named, &Limits::default());
                workspace.documents.extend(loaded);
                workspace.sources.push(file);
            }
            let cx = Context::new(&workspace, &settings);
            let mut found: Vec<_> = found(&rules, &cx, false)
                .into_iter()
                .map(|f| {
                    let file = &paths[f.primary.file.0 as usize];
                    let place = (f.primary.start, f.primary.end);
                    (file.clone(), f.rule.code, place, f.message)
                })
                .collect();
            found.sort();
            found
        };
        let mut alone: Vec<_> = paths
            .iter()
            .flat_map(|path| check(std::slice::from_ref(path)))
            .collect();
        alone.sort();
        assert!(alone.len() > 20, "{alone:#?}");
        assert_eq!(check(&paths), alone);
    }

    #[test]
    fn sort_orders_by_key_and_keeps_equal_findings_in_order() {
        // 300 findings in 3 files at 7 offsets, of 2 rules, 2 ends and 2 messages, in a
        // scrambled order; equal keys differ by help only.
        let findings: Vec<Finding> = (0..300u32)
            .map(|i| {
                let at = ((i * 37) % 7) as usize;
                let rule = if i % 5 < 2 {
                    &meta::TL101
                } else {
                    &meta::TL102
                };
                let message = if i % 11 < 4 { "m" } else { "a" };
                let span = Span::new(FileId((i * 13) % 3), at, 9 + (i as usize % 2));
                Finding::new(rule, span, message).with_help(format!("{i}"))
            })
            .collect();
        let mut sorted = findings.clone();
        sort(&mut sorted);
        let mut expected = findings;
        expected.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        assert_eq!(sorted, expected);
        assert!(sorted.windows(2).all(|w| {
            let place = |f: &Finding| (f.primary.file, f.primary.start);
            place(&w[0]) <= place(&w[1])
        }));
    }
}
