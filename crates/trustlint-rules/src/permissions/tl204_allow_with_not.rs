//! TL204 allow-with-not: an `Allow` with `NotAction` or `NotResource`, which grants
//! everything except a list, including whatever AWS adds later.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct AllowWithNot;

impl Rule for AllowWithNot {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL204
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let Some(access) = cx.policy_access(document, policy) else {
            return;
        };
        for grant in &access.grants {
            let statement = grant.statement;
            if let Some(block) = statement.action.as_ref().filter(|b| b.negated) {
                if grant.effective().is_empty() {
                    continue;
                }
                out.push(
                    Finding::new(
                        self.meta(),
                        block.key_span,
                        format!(
                            "`Allow` with `NotAction` grants every action except the {} listed: {} actions today{}, and every action AWS adds later",
                            block.value.len(),
                            grant.effective().len(),
                            grant.conditional_note()
                        ),
                    )
                    .with_help("use `Action` with the actions the pipeline needs; to carve some out, add a `Deny` statement"),
                );
            }
            if let Some(block) = statement.resource.as_ref().filter(|b| b.negated) {
                out.push(
                    Finding::new(
                        self.meta(),
                        block.key_span,
                        format!(
                            "`Allow` with `NotResource` grants its actions on every resource except the {} listed, including resources created later{}",
                            block.value.len(),
                            grant.conditional_note()
                        ),
                    )
                    .with_help("use `Resource` with the ARNs the pipeline acts on"),
                );
            }
        }
    }
}
