//! Microsoft Entra / Azure rules (TL7xx): federated identity credentials that trust
//! GitLab ID tokens (`analysis::azure`) — on their own (TL703 the flexible expression,
//! TL704 the identity's roles, TL705 the credential count) and joined with the jobs that
//! sign in with them (TL701 issuer and audience, TL702 subject).

include!(concat!(env!("OUT_DIR"), "/rules_azure.rs"));

use std::sync::Arc;

use crate::analysis::azure::{credential_sets, link, AzureLogin, CredentialSet, LinkHow};
use crate::rule::Context;

/// Every login of the scan with the credential set it reaches and how it was linked.
pub fn linked<'c, 's, 'w>(
    cx: &'c Context<'w>,
    sets: &'s [CredentialSet<'w>],
) -> Vec<(&'c AzureLogin<'w>, &'s CredentialSet<'w>, LinkHow)> {
    cx.azure_logins()
        .iter()
        .filter_map(|login| {
            let (set, how) = link(cx.workspace, login, sets)?;
            Some((login, set, how))
        })
        .collect()
}

/// The credential sets of the scan (see [`credential_sets`]).
pub fn sets<'w>(cx: &Context<'w>) -> Vec<CredentialSet<'w>> {
    credential_sets(cx.workspace)
}

/// How a message says why the job is linked to the set.
pub fn linked_because(how: LinkHow) -> &'static str {
    match how {
        LinkHow::ClientId => "",
        LinkHow::OnlySet => {
            " (its client id is not known offline; this is the only Entra identity trusting GitLab among the scanned files)"
        }
    }
}

/// The job's name.
pub fn job_of(login: &AzureLogin<'_>) -> Arc<str> {
    login.job.name.value.clone()
}
