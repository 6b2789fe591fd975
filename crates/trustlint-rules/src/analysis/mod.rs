//! Analyses shared by rules: IAM pattern reasoning and the GitLab `sub` claim grammar.

pub mod automaton;
pub mod catalog;
pub mod ci_regex;
pub mod condition_eval;
pub mod glob;
pub mod job_runs;
pub mod sub_claim;
pub mod sub_questions;
