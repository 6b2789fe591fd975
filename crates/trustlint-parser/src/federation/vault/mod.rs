//! Vault JWT auth backends, roles and policies, as the files that configure them write
//! them: Terraform (`vault_jwt_auth_backend`, `vault_jwt_auth_backend_role`,
//! `vault_policy`, read in [`crate::terraform`]), `vault write auth/<path>/role/<name>`
//! and `vault write auth/<path>/config` with a JSON here-document or `key=value`
//! arguments, `vault policy write <name> - <<EOF` ([`commands`]), the JSON output of
//! `vault read -format=json auth/<path>/role/<name>` ([`read_output`]), and the logins a
//! script makes (`vault write auth/<path>/login role=… jwt=…`). Every value keeps its
//! span; a value the file does not determine (a Terraform variable without default, a
//! shell expansion, `@file`) is [`ScalarKind::Unknown`].
//!
//! Field semantics follow `hashicorp/vault-plugin-auth-jwt` (`path_role.go`,
//! `path_login.go`, `claims.go`) and the Terraform provider
//! (`resource_jwt_auth_backend_role.go`): the meaning of a role as a predicate over a
//! token's claims is the rules crate's `analysis::vault`.

mod commands;
mod json;
mod model;
pub mod policy;

pub use commands::read_commands;
pub use json::{is_read_output, read_output};
pub use model::*;
