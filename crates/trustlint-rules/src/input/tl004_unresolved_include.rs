//! TL004 unresolved-include: an `include:` that can't be resolved offline, so the jobs
//! and settings it adds are not checked.

use trustlint_parser::input::Document;
use trustlint_parser::ProblemKind;

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct UnresolvedInclude;

impl Rule for UnresolvedInclude {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL004
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        super::report_problems(
            self.meta(),
            ProblemKind::UnresolvedInclude,
            "lint the included configuration too, or vendor it into the repository and include it with `local:`",
            document,
            out,
        );
    }
}
