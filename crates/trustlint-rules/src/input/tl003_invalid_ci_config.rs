//! TL003 invalid-ci-config: a `.gitlab-ci.yml` GitLab would reject (unknown keyword,
//! wrong type, undefined `extends`/`!reference`/stage/`needs` target, …).

use trustlint_parser::input::Document;
use trustlint_parser::ProblemKind;

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct InvalidCiConfig;

impl Rule for InvalidCiConfig {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL003
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        super::report_problems(
            self.meta(),
            ProblemKind::InvalidCiConfig,
            "GitLab refuses to create pipelines until this is corrected; see `trustlint explain TL003`",
            document,
            out,
        );
    }
}
