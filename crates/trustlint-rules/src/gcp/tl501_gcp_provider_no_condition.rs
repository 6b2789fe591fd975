//! TL501 gcp-provider-no-condition: a provider trusting GitLab.com (one issuer for every
//! project of the instance) without an `attribute_condition` accepts the token of any
//! project on GitLab.com.

use trustlint_parser::input::Document;

use crate::analysis::gcp::is_gitlab_com;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use trustlint_parser::input::Content;

#[derive(Debug)]
pub struct GcpProviderNoCondition;

impl Rule for GcpProviderNoCondition {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL501
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::Iam(resources) = &document.content else {
            return;
        };
        for provider in &resources.federation.gcp.providers {
            let Some(issuer) = provider.issuer.as_ref().filter(|i| is_gitlab_com(&i.value)) else {
                continue;
            };
            let empty = provider
                .condition
                .as_ref()
                .is_some_and(|c| c.text.trim().is_empty());
            if provider.condition.is_some() && !empty {
                continue;
            }
            let (primary, what) = match (provider.null_condition, &provider.condition) {
                (Some(span), _) => (span, "its `attribute_condition` is null by default"),
                (None, Some(condition)) => (condition.span, "its `attribute_condition` is empty"),
                (None, None) => (provider.name.span, "it has no `attribute_condition`"),
            };
            out.push(
                Finding::new(
                    self.meta(),
                    primary,
                    format!(
                        "provider `{}` trusts `{}` and {what}: a token of any project on GitLab.com (e.g. `someone-else/any-project` on any branch) is accepted by this pool",
                        provider.label, issuer.value
                    ),
                )
                .with_help("add an `attribute_condition` that pins your group and project by id, e.g. `assertion.namespace_id == \"1234\" && assertion.project_id == \"5678\"` (Google requires a condition for GitLab.com providers)")
                .with_related(issuer.span, "the issuer every GitLab.com project shares"),
            );
        }
    }
}
