//! Google Cloud workload identity federation rules (TL5xx): one file per rule, reading
//! the providers and grants of the workspace and their claims predicates
//! ([`crate::analysis::gcp`]).

include!(concat!(env!("OUT_DIR"), "/rules_gcp.rs"));
