//! trustlint-rules: the `Rule` trait, the registry of rules keyed by stable code, one
//! module per rule grouped by domain, the engine that runs them, and the analyses rules
//! share.

pub mod access;
pub mod analysis;
mod azure;
pub mod context;
mod cross;
pub mod engine;
pub mod finding;
mod gcp;
mod gitlab;
mod input;
pub mod meta;
mod permissions;
pub mod registry;
pub mod rule;
pub mod settings;
pub mod severity;
pub mod slim;
pub mod suppression;
mod trust;
mod vault;

pub use context::DocumentMemo;
pub use finding::{Applicability, Edit, Finding, Fix, Related, Severity};
pub use meta::RuleMeta;
pub use rule::{Context, Rule};
pub use settings::{RoleBinding, Settings};
pub use suppression::Suppressions;
