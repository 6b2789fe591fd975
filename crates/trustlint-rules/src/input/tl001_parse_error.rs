//! TL001 parse-error: a file that can't be parsed, or that hits a safety limit.

use trustlint_parser::input::Document;
use trustlint_parser::ProblemKind;

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct ParseError;

impl Rule for ParseError {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL001
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        super::report_problems(
            self.meta(),
            ProblemKind::Parse,
            "fix the syntax at this position; nothing else in this file was checked",
            document,
            out,
        );
    }
}
