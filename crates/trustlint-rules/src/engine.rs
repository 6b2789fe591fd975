//! Runs rules over a workspace: documents in parallel, then the workspace-wide rules in
//! parallel with each other, and returns the findings in report order (file, offset,
//! code).

use std::collections::HashSet;

use rayon::prelude::*;
use trustlint_parser::input::Content;

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
/// file ids, and its findings must not be reported twice.
fn once_per_place(findings: Vec<Finding>, cx: &Context<'_>) -> Vec<Finding> {
    let mut seen = HashSet::new();
    findings
        .into_iter()
        .filter(|finding| {
            let path = cx
                .workspace
                .sources
                .get(finding.primary.file)
                .map(|file| file.display_path());
            let place = (
                finding.rule.code,
                path,
                finding.primary.start,
                finding.primary.end,
                finding.message.clone(),
            );
            seen.insert(place)
        })
        .collect()
}
