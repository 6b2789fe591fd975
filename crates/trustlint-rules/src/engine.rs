//! Runs rules over a workspace: documents in parallel, then the workspace-wide rules in
//! parallel with each other, and returns the findings in report order (file, offset,
//! code).

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use trustlint_parser::input::Content;
use trustlint_parser::FileId;

use crate::finding::Finding;
use crate::rule::{Context, Rule};

/// Runs `rules` and returns their findings, sorted.
pub fn run(rules: &[&dyn Rule], cx: &Context<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = cx
        .workspace
        .documents
        .par_iter()
        .flat_map_iter(|document| {
            let mut out = Vec::new();
            for rule in rules {
                rule.check_document(cx, document, &mut out);
                match &document.content {
                    Content::IamPolicy(policy) => rule.check_policy(cx, document, policy, &mut out),
                    Content::Iam(resources) => {
                        for role in &resources.roles {
                            rule.check_role(cx, document, role, &mut out);
                        }
                        for policy in resources.documents() {
                            rule.check_policy(cx, document, policy, &mut out);
                        }
                    }
                    Content::GitlabCi(_) | Content::Unparsed => {}
                }
            }
            out
        })
        .collect();
    findings.par_extend(rules.par_iter().flat_map_iter(|rule| {
        let mut out = Vec::new();
        rule.check_workspace(cx, &mut out);
        out
    }));
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    once_per_place(findings, cx)
}

/// Keeps one finding per (rule, file path, range, message): a file that is both checked
/// on its own and read through another file's `include:` is loaded twice, under two
/// file ids, and its findings must not be reported twice. Only the findings in files
/// whose path is loaded more than once are compared.
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
