//! Trust-policy rules (TL1xx): one file per rule, reading the grant analyses of
//! [`crate::analysis::grants`] (which also fixes their precedence), and what only they
//! share (`fixes`: the edits that narrow a trust; `role_environment`: the environments a
//! role's name stands for).

mod fixes;
mod role_environment;
include!(concat!(env!("OUT_DIR"), "/rules_trust.rs"));

pub use crate::analysis::grants::*;
pub use crate::analysis::provider::ProviderKind;
