//! TL506 gcp-aud-mismatch: a job exchanges its ID token with a Google Cloud provider
//! ([`crate::analysis::gcp::jobs`]) but its `aud` is not one the provider accepts: not in
//! `allowed_audiences`, or — when that list is empty — not the provider's own resource
//! name (`//iam.googleapis.com/projects/N/…/providers/P`, with or without `https:`). The
//! STS exchange fails with `invalid_grant`, on every run.

use crate::analysis::relying_party::{audience_verdict, AudienceVerdict, RelyingParty};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpAudMismatch;

impl Rule for GcpAudMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL506
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for used in cx.gcp_uses() {
            let Some(audiences) = &used.audiences else {
                continue;
            };
            let party = used.party(cx.workspace);
            let presented: Vec<String> = audiences.iter().map(|(aud, _)| aud.clone()).collect();
            if audience_verdict(&party, &presented) != AudienceVerdict::Refused {
                continue;
            }
            let provider = used.provider;
            let accepted = match provider.audiences.as_ref().filter(|a| !a.values.is_empty()) {
                Some(list) => format!(
                    "accepts only {}",
                    list.values.iter().map(|a| format!("`{}`", a.value)).collect::<Vec<_>>().join(", ")
                ),
                None => format!(
                    "has no `allowed_audiences`, so it accepts only its own resource name `//iam.googleapis.com/{}` (or with `https:`)",
                    provider.name.value
                ),
            };
            let shown = presented.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            out.push(
                Finding::new(
                    self.meta(),
                    audiences[0].1,
                    format!(
                        "job `{}` exchanges an ID token with aud {shown} at provider `{}`, which {accepted}: the token exchange fails on every run",
                        used.job.name.value, provider.label
                    ),
                )
                .with_related(party.audiences_span(), "the audiences the provider accepts")
                .with_related(used.named_at, "the job names the provider here")
                .with_help("set the job's `id_tokens` `aud` to one the provider accepts (or add the job's to `allowed_audiences`)"),
            );
        }
    }
}
