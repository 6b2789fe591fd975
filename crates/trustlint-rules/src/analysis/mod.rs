//! Analyses shared by rules: IAM pattern reasoning and the GitLab `sub` claim grammar.
//! The automata they are built on are the `trustlint-automata` crate, re-exported here
//! under their module names.

pub use trustlint_automata::{automaton, ci_regex, glob};

pub mod catalog;
pub mod condition_eval;
pub mod job_runs;
pub mod sub_claim;
pub mod sub_questions;
