//! Rules about the inputs themselves (TL0xx): each reports one kind of loader problem.

include!(concat!(env!("OUT_DIR"), "/rules_input.rs"));

use trustlint_parser::input::Document;
use trustlint_parser::ProblemKind;

use crate::finding::Finding;
use crate::meta::RuleMeta;

/// Turns the document's problems of `kind` into findings of `rule`.
fn report_problems(
    rule: &'static RuleMeta,
    kind: ProblemKind,
    default_help: &str,
    document: &Document,
    out: &mut Vec<Finding>,
) {
    for problem in document.problems.iter().filter(|p| p.kind == kind) {
        let help = problem.help.as_deref().unwrap_or(default_help);
        out.push(Finding::new(rule, problem.span, problem.message.clone()).with_help(help));
    }
}
