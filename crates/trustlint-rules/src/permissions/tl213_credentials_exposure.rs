//! TL213 credentials-exposure: an action that hands out credentials (keys, passwords,
//! tokens, role sessions: `rules/data/credentials_exposure.txt`, the list policy_sentry
//! and cloudsplaining use) on effectively every resource of its type.

use std::sync::OnceLock;

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::exposure::Exposure;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

pub(super) const LIST: &str = include_str!("../../rules/data/credentials_exposure.txt");

static EXPOSURE: Exposure = Exposure {
    meta: &meta::TL213,
    list: LIST,
    can: "obtain credentials (keys, passwords, tokens or sessions) for",
    then: " it can reach, and act with their access",
    help: "limit `Resource` to the ARNs the pipeline needs credentials for (one role, `user/${aws:username}` for the caller's own keys, one database user), or scope with an `aws:ResourceTag/...` condition",
    ids: OnceLock::new(),
};

#[derive(Debug)]
pub struct CredentialsExposure;

impl Rule for CredentialsExposure {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL213
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
