//! Analyses shared by rules: IAM pattern reasoning, the GitLab `sub` claim grammar and the
//! catalog of GitLab ID token claims.
//! The automata they are built on are the `trustlint-automata` crate, re-exported here
//! under their module names.

pub use trustlint_automata::{automaton, ci_regex, glob};

pub mod catalog;
pub mod claims;
pub mod condition_eval;
pub mod job_runs;
pub mod sub_claim;
pub mod sub_questions;
