//! GitLab CI rules (TL3xx): what a pipeline file alone says about its identity layer —
//! static cloud keys, removed `CI_JOB_JWT*` variables, ID tokens that are undefined,
//! over-exposed, leaked or requested with a bad `aud`, `secrets:` without a token,
//! unpinned includes, cloud jobs that run on unprotected refs. The scripts are read by
//! [`crate::analysis::shell`] and [`crate::analysis::token_use`]; `walk` visits a
//! pipeline's values.

include!(concat!(env!("OUT_DIR"), "/rules_gitlab.rs"));
mod walk;
