//! Microsoft Entra federated identity credentials as relying parties of GitLab ID tokens,
//! shared by the TL7xx rules:
//!
//! - [`predicate`]: a credential's trust as a [`Predicate`] over the token's claims — a
//!   standard credential's `subject` compared exactly with `sub`, a flexible one's
//!   expression clause by clause (`eq` exactly, `matches` with Microsoft's `*`/`?`);
//! - [`CredentialSet`]: the GitLab credentials of one app registration or managed
//!   identity (Entra accepts a token when any of them matches: issuer, one audience, and
//!   subject or expression), and [`AzureParty`], the set as a [`RelyingParty`];
//! - [`logins`]: the jobs that exchange a token with Entra, and [`link`] to the set they
//!   authenticate as (see `docs/azure.md` "Linking").

mod credential;
mod pipeline;

pub use credential::*;
pub use pipeline::{link, logins, AzureLogin, LinkHow, PipelineLogins};

#[cfg(test)]
mod tests;
