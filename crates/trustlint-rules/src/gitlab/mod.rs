//! GitLab CI rules (TL3xx): what a pipeline file alone says about its identity layer —
//! static cloud keys, removed `CI_JOB_JWT*` variables, ID tokens that are undefined,
//! over-exposed, leaked or requested with a bad `aud`, `secrets:` without a token,
//! unpinned includes, cloud jobs that run on unprotected refs — and the analyses they
//! share.

pub(crate) mod shell;
mod tl301_static_cloud_credentials;
mod tl302_removed_ci_job_jwt;
mod tl303_id_token_overexposed;
mod tl304_undefined_id_token;
mod tl305_id_token_bad_aud;
mod tl306_cloud_job_on_any_ref;
mod tl307_secrets_without_token;
mod tl308_unpinned_include;
mod tl309_id_token_leak;
pub(crate) mod token_use;
mod walk;

pub use tl301_static_cloud_credentials::StaticCloudCredentials;
pub use tl302_removed_ci_job_jwt::RemovedCiJobJwt;
pub use tl303_id_token_overexposed::IdTokenOverexposed;
pub use tl304_undefined_id_token::UndefinedIdToken;
pub use tl305_id_token_bad_aud::IdTokenBadAud;
pub use tl306_cloud_job_on_any_ref::CloudJobOnAnyRef;
pub use tl307_secrets_without_token::SecretsWithoutToken;
pub use tl308_unpinned_include::UnpinnedInclude;
pub use tl309_id_token_leak::IdTokenLeak;
