//! The relying parties beside AWS that trust GitLab ID tokens, as read from their
//! inputs: Google Cloud workload identity federation ([`gcp`]), HashiCorp Vault JWT auth
//! ([`vault`]) and Microsoft Entra federated identity credentials ([`azure`]).
//!
//! Each module owns its provider's model (every value spanned) and its readers of the
//! provider's own formats; Terraform resources reach them through
//! [`crate::terraform`] (`terraform/{gcp,vault,azure}.rs`), shell scripts through
//! [`crate::script`] (loaded by [`crate::input`]). What a relying party *means* — the predicate over a token's claims
//! it checks — is the rules crate's business (`analysis::claim_predicate`).

pub mod azure;
pub mod gcp;
pub mod vault;

/// The relying parties one file declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Federation {
    pub gcp: gcp::GcpResources,
    pub vault: vault::VaultResources,
    pub azure: azure::AzureResources,
}

impl Federation {
    /// Whether the file declares none.
    pub fn is_empty(&self) -> bool {
        self.gcp.is_empty() && self.vault.is_empty() && self.azure.is_empty()
    }
}
