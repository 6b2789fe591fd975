//! TL006 unrecognised-input: a path named for checking (a file, standard input, a pipe, a
//! folder) in which nothing is of a kind trustlint reads, so nothing there was checked.

use trustlint_parser::input::Document;
use trustlint_parser::ProblemKind;

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct UnrecognisedInput;

impl Rule for UnrecognisedInput {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL006
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        super::report_problems(
            self.meta(),
            ProblemKind::NotRecognised,
            "force the kind with `--kind gitlab-ci|iam-policy|cloudformation|terraform`",
            document,
            out,
        );
    }
}
