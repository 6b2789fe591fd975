//! Runs rules over a workspace: documents in parallel, then workspace-wide rules, and
//! returns the findings in report order (file, offset, code).

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
    for rule in rules {
        rule.check_workspace(cx, &mut findings);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    findings
}
