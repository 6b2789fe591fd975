//! Google Cloud workload identity pools, providers and IAM bindings.
//!
//! Read from Terraform (`terraform/gcp.rs`), from `gcloud` commands in shell scripts
//! and CI jobs ([`read_commands`]), and from `gcloud … describe` / `get-iam-policy`
//! output and Config Connector manifests ([`export`]). Every value keeps its span; a value the
//! input does not determine (a Terraform variable without default, the project number
//! behind a pool's `name`) is kept as `${…}` text, a placeholder, never guessed.
//! Attribute mappings and conditions are CEL ([`cel`]), kept as text with a map from
//! each byte back to the file.

pub mod cel;
pub mod export;
mod gcloud;
mod model;

pub use gcloud::read_commands;
pub use model::*;
