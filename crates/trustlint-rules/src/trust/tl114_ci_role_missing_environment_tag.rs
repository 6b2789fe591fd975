//! TL114 ci-role-missing-environment-tag: a role that OIDC tokens of a CI system can
//! assume carries no tag naming its environment. Roles whose tags can't be read offline
//! (`tags = var.tags`, `Tags: !Ref Tags`) are not judged.

use trustlint_parser::iam::Role;
use trustlint_parser::input::Document;

use super::first_oidc_grant;
use super::role_environment::{environment_tags, ENVIRONMENT_TAG_KEYS};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct CiRoleMissingEnvironmentTag;

impl Rule for CiRoleMissingEnvironmentTag {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL114
    }

    fn check_role(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        role: &Role,
        out: &mut Vec<Finding>,
    ) {
        if !role.tags_known || environment_tags(role).next().is_some() {
            return;
        }
        let Some(grant) = first_oidc_grant(role, cx.settings) else {
            return;
        };
        let host = grant.provider.condition_key_prefix();
        let keys = ENVIRONMENT_TAG_KEYS
            .iter()
            .map(|key| format!("`{key}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let tags = if role.tags.is_empty() {
            "has no tags".to_owned()
        } else {
            let written: Vec<String> = role
                .tags
                .iter()
                .map(|tag| format!("`{}`", tag.key.value))
                .collect();
            format!("has tags ({}) but none", written.join(", "))
        };
        out.push(
            Finding::new(
                self.meta(),
                role.name.span,
                format!(
                    "role `{}` is assumed by CI jobs (OIDC tokens of `{host}`) and {tags} naming its environment ({keys}): reviews, cost reports and tag-based guardrails (`aws:ResourceTag/environment` in SCPs or permission boundaries) can't tell which environment these credentials reach",
                    role.name.value
                ),
            )
            .with_help("tag the role with its environment, e.g. `environment = \"production\"`, or silence TL114 in `trustlint.toml` if roles are told apart otherwise")
            .with_related(grant.principal.span, grant.trusted_here()),
        );
    }
}
