//! Entra federated identity credentials and Azure role assignments: the credentials an
//! app registration or a user-assigned managed identity holds (standard ones matching
//! `issuer`, `subject` and `audiences` exactly, flexible ones with a
//! [`expression`]), the identities they hang on, and the role assignments of those
//! identities' principals.
//!
//! Read from Terraform (`crate::terraform::azure`), ARM templates (compiled Bicep) and
//! Microsoft Graph request bodies ([`json`]), and `az` commands in shell scripts
//! ([`read_commands`]). Every value keeps its span; Terraform values not known offline
//! stay `${…}` placeholders.

pub mod expression;
pub mod json;

mod commands;
mod model;

pub use commands::read_commands;
pub use model::{
    AzureResources, ClaimsExpression, Credential, Holder, Identity, IdentityKind, Origin,
    RoleAssignment,
};
