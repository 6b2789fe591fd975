//! TL501 gcp-provider-no-condition: a provider trusting GitLab.com (one issuer for every
//! project of the instance) without an `attribute_condition` accepts the token of any
//! project on GitLab.com.

use trustlint_parser::federation::gcp::Provider;
use trustlint_parser::input::{Content, Document, InputKind};

use crate::analysis::claim_predicate::{tenancy, Tenancy};
use crate::analysis::gcp::{enabled, grants, is_gitlab_com, pool_of, GcpParty};
use crate::analysis::relying_party::RelyingParty;
use crate::finding::{Applicability, Edit, Finding, Fix, Severity};
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
            let issuer = provider.issuer.as_ref().filter(|i| is_gitlab_com(&i.value));
            let Some(issuer) = issuer.filter(|_| enabled(provider)) else {
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
            let finding = match pin_fix(cx, document, provider) {
                Some(fix) => Finding {
                    fix: Some(fix),
                    ..finding
                },
                None => finding,
            };
            out.push(
                finding
                .with_help("add an `attribute_condition` that pins your group and project by id, e.g. `assertion.namespace_id == \"1234\" && assertion.project_id == \"5678\"` (Google requires a condition for GitLab.com providers)")
                .with_related(issuer.span, "the issuer every GitLab.com project shares"),
            );
        }
    }
}

/// For a provider without any `attribute_condition` in Terraform or a `gcloud` command,
/// when `trustlint.toml` gives the project's ids: a condition pinning them.
fn pin_fix(cx: &Context<'_>, document: &Document, provider: &Provider) -> Option<Fix> {
    if provider.condition.is_some() || provider.null_condition.is_some() {
        return None;
    }
    let digits = |id: &String| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    let project = cx.settings.project_id.as_ref().filter(|id| digits(id))?;
    let condition = match cx.settings.namespace_id.as_ref().filter(|id| digits(id)) {
        Some(namespace) => {
            format!("assertion.namespace_id == '{namespace}' && assertion.project_id == '{project}'")
        }
        None => format!("assertion.project_id == '{project}'"),
    };
    let text = &cx.source(document)?.text;
    let after_id = provider.name.span.end as usize;
    let (at, replacement) = match document.kind {
        InputKind::Terraform => {
            let line_start = text.get(..after_id)?.rfind('\n').map_or(0, |i| i + 1);
            let indent: String = text[line_start..]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            let line_end = text.get(after_id..)?.find('\n').map_or(text.len(), |i| after_id + i);
            (line_end, format!("\n{indent}attribute_condition = \"{condition}\""))
        }
        InputKind::Script => (after_id, format!(" --attribute-condition=\"{condition}\"")),
        _ => return None,
    };
    let span = provider.name.span;
    Some(Fix {
        description: format!("pin provider `{}` to project {project}", provider.label),
        edits: vec![Edit {
            span: trustlint_parser::Span::new(span.file, at, at),
            replacement,
        }],
        applicability: Applicability::Unsafe,
    })
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
