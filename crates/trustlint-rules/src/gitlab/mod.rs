//! GitLab CI rules (TL3xx): what a pipeline file alone says about its identity layer —
//! static cloud keys, removed `CI_JOB_JWT*` variables, ID tokens that are undefined,
//! over-exposed, leaked or requested with a bad `aud`, `secrets:` without a token,
//! unpinned includes, cloud jobs that run on unprotected refs — and the analyses they
//! share.

pub(crate) mod shell;
include!(concat!(env!("OUT_DIR"), "/rules_gitlab.rs"));
pub(crate) mod token_use;
mod walk;
