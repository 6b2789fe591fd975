//! TL701 azure-issuer-aud-mismatch: a job signs in to Entra with its GitLab ID token,
//! and none of the credentials of the identity it reaches trusts the instance's `iss`
//! exactly (AADSTS70021), or none of those that do lists an `aud` of the job's token
//! (AADSTS700212). Judged only when the issuers and audiences are known offline.

use super::{job_of, linked, linked_because, sets};
use crate::analysis::azure::{capitalized, issuer_accepts, AzureParty};
use crate::analysis::relying_party::{
    audience_verdict, issuer_verdict, AudienceVerdict, IssuerVerdict, RelyingParty,
};
use crate::cross::{jobs_phrase, merge_jobs};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct AzureIssuerAudMismatch;

impl Rule for AzureIssuerAudMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL701
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let sets = sets(cx);
        let mut found = Vec::new();
        for (login, set, how) in linked(cx, &sets) {
            let label = set.label();
            let party = AzureParty::new(label.clone(), set.credentials.clone());
            let finding = match issuer_verdict(&party, cx.settings) {
                IssuerVerdict::Refused { expected } => {
                    let Some(issuer) = set.credentials.iter().find_map(|c| c.issuer.as_ref()) else {
                        continue;
                    };
                    Finding::new(
                        self.meta(),
                        issuer.span,
                        format!(
                            "signs in to {label}{}, whose credentials trust the issuer `{}`, not `{expected}`, the `iss` of this instance's ID tokens (Entra compares it exactly): the token exchange fails with AADSTS70021 (no matching federated identity record)",
                            linked_because(how),
                            issuer.value
                        ),
                    )
                    .with_related(login.at, "the job signs in here")
                    .with_help(format!("set the credential's issuer to `{expected}` (no trailing slash), or `[gitlab] issuer` if the instance signs with another")
                    )
                }
                IssuerVerdict::Accepted => {
                    let Some(token) = login.token else {
                        continue;
                    };
                    let accepting: Vec<_> = set
                        .credentials
                        .iter()
                        .copied()
                        .filter(|c| issuer_accepts(c, &crate::analysis::claim_predicate::issuer(cx.settings)) == Some(true))
                        .collect();
                    let party = AzureParty::new(label.clone(), accepting);
                    let audiences = login.audiences();
                    if audience_verdict(&party, &audiences) != AudienceVerdict::Refused {
                        continue;
                    }
                    let listed: Vec<String> = party
                        .credentials
                        .iter()
                        .filter_map(|c| c.audiences.as_ref())
                        .flat_map(|a| a.value.iter().map(|v| format!("`{}`", v.value)))
                        .collect();
                    let mut finding = Finding::new(
                        self.meta(),
                        party.audiences_span(),
                        format!(
                            "signs in to {label}{} with a token whose `aud` is {}, which no credential of it lists (they accept {}): the token exchange fails with AADSTS700212 (no matching federated identity record for the presented audience)",
                            linked_because(how),
                            audiences.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                            if listed.is_empty() { "no audience".to_owned() } else { listed.join(", ") }
                        ),
                    )
                    .with_related(login.at, "the job signs in here")
                    .with_help("request the credential's audience in the job's `id_tokens: …: aud:` (Microsoft recommends `api://AzureADTokenExchange`), or add the job's audience to the credential");
                    for aud in &token.aud {
                        finding = finding.with_related(aud.span, "the audience the job's token carries");
                    }
                    finding
                }
                IssuerVerdict::Unknown => continue,
            };
            found.push((job_of(login), finding));
        }
        out.extend(merge_jobs(found, |jobs, finding| {
            format!("{} {}", capitalized(&jobs_phrase(jobs)), finding.message)
        }));
    }
}
