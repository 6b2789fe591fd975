//! TL501 gcp-provider-no-condition: a provider trusting GitLab.com (one issuer for every
//! project of the instance) without an `attribute_condition` accepts the token of any
//! project on GitLab.com.

use trustlint_parser::federation::gcp::Provider;
use trustlint_parser::input::{Content, Document};

use crate::analysis::claim_predicate::{tenancy, Tenancy};
use crate::analysis::gcp::{grants, is_gitlab_com, pool_of, GcpParty};
use crate::analysis::relying_party::RelyingParty;
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpProviderNoCondition;

impl Rule for GcpProviderNoCondition {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL501
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
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
            let bound = pinned_grants(cx, provider);
            let consequence = match bound {
                Some(count) => format!(
                    "a token of any project on GitLab.com is exchanged, though each of the {count} grant(s) of this pool in the checked files names one project: a later whole-pool or ref-only grant would let every project in, and Google rejects new GitLab.com providers without a condition"
                ),
                None => "a token of any project on GitLab.com (e.g. `someone-else/any-project` on any branch) is accepted by this pool".to_owned(),
            };
            let finding = Finding::new(
                self.meta(),
                primary,
                format!(
                    "provider `{}` trusts `{}` and {what}: {consequence}",
                    provider.label, issuer.value
                ),
            );
            let finding = if bound.is_some() {
                finding.with_severity(Severity::Warning)
            } else {
                finding
            };
            out.push(
                finding
                .with_help("add an `attribute_condition` that pins your group and project by id, e.g. `assertion.namespace_id == \"1234\" && assertion.project_id == \"5678\"` (Google requires a condition for GitLab.com providers)")
                .with_related(issuer.span, "the issuer every GitLab.com project shares"),
            );
        }
    }
}

/// How many grants the workspace gives in the provider's pool, when there are some and
/// each pins the project (a principal on `attribute.project_id/…` mapped from
/// `assertion.project_id`): the provider's open exchange then reaches nothing yet.
fn pinned_grants(cx: &Context<'_>, provider: &Provider) -> Option<usize> {
    let pool = pool_of(provider);
    let mut count = 0;
    for grant in grants(cx.workspace).filter(|g| g.principal.pool == pool) {
        let party = GcpParty::new(provider, Some((&grant.member.value, grant.member.span)));
        if !matches!(tenancy(party.predicate(), cx.settings), Tenancy::Bound { .. }) {
            return None;
        }
        count += 1;
    }
    (count > 0).then_some(count)
}
