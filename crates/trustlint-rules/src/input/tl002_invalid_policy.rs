//! TL002 invalid-policy: an IAM policy document AWS would reject.

use trustlint_parser::input::Document;
use trustlint_parser::ProblemKind;

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct InvalidPolicy;

impl Rule for InvalidPolicy {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL002
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        super::report_problems(
            self.meta(),
            ProblemKind::InvalidPolicy,
            "IAM refuses the whole document until this is corrected; see `trustlint explain TL002`",
            document,
            out,
        );
    }
}
