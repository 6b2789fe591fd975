//! Rules about the inputs themselves (TL0xx): each reports one kind of loader problem.

include!(concat!(env!("OUT_DIR"), "/rules_input.rs"));

use std::borrow::Cow;

use trustlint_parser::input::Document;
use trustlint_parser::ProblemKind;

use crate::finding::Finding;
use crate::meta::RuleMeta;

/// Turns the document's problems of `kind` into findings of `rule`.
fn report_problems(
    rule: &'static RuleMeta,
    kind: ProblemKind,
    default_help: &'static str,
    document: &Document,
    out: &mut Vec<Finding>,
) {
    for problem in document.problems.iter().filter(|p| p.kind == kind) {
        let help = match &problem.help {
            Some(help) => Cow::Owned(help.clone()),
            None => Cow::Borrowed(default_help),
        };
        out.push(Finding::new(rule, problem.span, problem.message.clone()).with_help(help));
    }
}
