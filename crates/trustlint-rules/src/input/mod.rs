//! Rules about the inputs themselves (TL0xx): each reports one kind of loader problem.

mod tl001_parse_error;
mod tl002_invalid_policy;
mod tl003_invalid_ci_config;
mod tl004_unresolved_include;
mod tl005_unused_suppression;
mod tl006_unrecognised_input;

pub use tl001_parse_error::ParseError;
pub use tl002_invalid_policy::InvalidPolicy;
pub use tl003_invalid_ci_config::InvalidCiConfig;
pub use tl004_unresolved_include::UnresolvedInclude;
pub use tl005_unused_suppression::UnusedSuppression;
pub use tl006_unrecognised_input::UnrecognisedInput;

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
