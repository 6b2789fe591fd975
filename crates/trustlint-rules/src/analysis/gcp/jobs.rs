//! The GitLab jobs that exchange their ID token with a Google Cloud provider of the
//! workspace, found offline from what the job writes:
//!
//! - a provider resource name (`…/workloadIdentityPools/POOL/providers/PROVIDER`) in a
//!   variable (`GCP_WORKLOAD_IDENTITY_PROVIDER`), a script line (`gcloud iam
//!   workload-identity-pools create-cred-config …`, an STS `audience`) or an `id_tokens`
//!   `aud`, `$VARIABLES` expanded through the job's variables;
//! - `secrets: … gcp_secret_manager:` with the variables `GCP_PROJECT_NUMBER`,
//!   `GCP_WORKLOAD_IDENTITY_FEDERATION_POOL_ID` and `…_PROVIDER_ID`;
//! - `identity: google_cloud` (GitLab's Google Cloud IAM integration: the runner
//!   exchanges the integration's own token, so no `aud` is checked).
//!
//! A provider is matched by its pool and provider ids; one whose ids the input does not
//! give (a module variable) matches nothing.

use std::borrow::Cow;
use std::sync::Arc;

use trustlint_parser::federation::gcp::Provider;
use trustlint_parser::gitlab::{Job, Pipeline, Text};
use trustlint_parser::input::{Content, Document, Workspace};
use trustlint_parser::Span;

use super::{grants, is_integration, pool_of, providers, GcpParty};
use crate::analysis::link::{Predefined, Scope};

/// A job presenting its token to a provider.
#[derive(Debug)]
pub struct GcpUse<'w> {
    pub pipeline: &'w Pipeline,
    pub job: &'w Job,
    pub provider: &'w Provider,
    /// Where the job names the provider.
    pub named_at: Span,
    /// The `aud` values of the token it presents, each with where it is written; `None`
    /// for `identity: google_cloud`.
    pub audiences: Option<Vec<(String, Span)>>,
    /// The service account it impersonates, when it names one (`--service-account`).
    pub service_account: Option<String>,
}

impl<'w> GcpUse<'w> {
    /// The relying party the job meets: the provider's condition and the grants of its
    /// pool (those on the job's service account when it names one).
    pub fn party(&self, workspace: &'w Workspace) -> GcpParty<'w> {
        let pool = pool_of(self.provider);
        let in_pool: Vec<_> = grants(workspace)
            .filter(|g| g.principal.pool == pool)
            .collect();
        let on_account: Vec<_> = in_pool
            .iter()
            .filter(|g| {
                let target = g.binding.target.as_ref().map(|t| t.value.as_str());
                match (&self.service_account, target) {
                    (Some(account), Some(target)) => account_id(target) == account_id(account),
                    _ => false,
                }
            })
            .collect();
        let chosen: Vec<(&'w str, Span)> = if on_account.is_empty() {
            in_pool
                .iter()
                .map(|g| (g.member.value.as_str(), g.member.span))
                .collect()
        } else {
            on_account
                .iter()
                .map(|g| (g.member.value.as_str(), g.member.span))
                .collect()
        };
        GcpParty::with_members(self.provider, &chosen)
    }
}

/// The account id of a service account email or resource name.
fn account_id(text: &str) -> Option<&str> {
    let email = text.rsplit('/').next()?;
    let (id, _) = email.split_once('@')?;
    (!id.is_empty()).then_some(id)
}

/// Every job of the workspace's pipelines that reaches a provider of the workspace;
/// `named_by` gives what each pipeline's jobs name ([`PipelineGcp::of`], or kept from an
/// earlier run).
pub fn uses<'w>(
    workspace: &'w Workspace,
    named_by: &dyn Fn(&'w Document, &'w Pipeline) -> Arc<PipelineGcp>,
) -> Vec<GcpUse<'w>> {
    let known: Vec<&Provider> = providers(workspace).collect();
    if known.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for document in &workspace.documents {
        let Content::GitlabCi(pipeline) = &document.content else {
            continue;
        };
        let named = named_by(document, pipeline);
        for (at, named) in &named.jobs {
            if let Some(job) = pipeline.jobs.get(*at) {
                out.extend(job_uses(pipeline, job, named, &known));
            }
        }
    }
    out
}

/// What the jobs of one pipeline name of Google Cloud, whatever providers the workspace
/// declares: it depends on the pipeline's document and the predefined variables only,
/// so a caller that keeps the document may keep it too.
#[derive(Debug)]
pub struct PipelineGcp {
    /// The jobs that name a provider or `identity: google_cloud`, by position, in job
    /// order.
    jobs: Vec<(usize, JobGcp)>,
}

/// What one job names of Google Cloud.
#[derive(Debug)]
struct JobGcp {
    /// The pool and provider ids the job names, each with where.
    named: Vec<(String, String, Span)>,
    /// The service account it impersonates, when it names one.
    service_account: Option<String>,
    /// The `aud` values of the token it presents to the providers it names (`None`
    /// when it names none, or presents no `aud`).
    presented: Option<Vec<(String, Span)>>,
    /// Where `identity: google_cloud` is written, when it is.
    identity: Option<Span>,
}

impl PipelineGcp {
    /// The positions of the jobs that name a provider or the integration.
    pub fn jobs(&self) -> impl Iterator<Item = usize> + '_ {
        self.jobs.iter().map(|(at, _)| *at)
    }

    /// What the jobs of `pipeline` name, their `$VAR`s expanded with `predefined`
    /// ([`Scope::predefined`]).
    pub fn of(pipeline: &Pipeline, predefined: &Predefined) -> PipelineGcp {
        let jobs = pipeline
            .jobs
            .iter()
            .enumerate()
            .map(|(at, job)| (at, JobGcp::of(job, predefined)))
            .filter(|(_, job)| !job.named.is_empty() || job.identity.is_some())
            .collect();
        PipelineGcp { jobs }
    }
}

/// The words a value must hold, after `$VAR` expansion, to name a provider or a
/// service account.
const GCP_WORDS: [&str; 2] = ["workloadIdentityPools/", ".iam.gserviceaccount.com"];

impl JobGcp {
    fn of(job: &Job, predefined: &Predefined) -> JobGcp {
        let scope = Scope::of_job(job, predefined);
        let mut named: Vec<(String, String, Span)> = Vec::new();
        let mut service_account = None;
        let scripts = job.before_script.iter().chain(&job.script);
        let variables = job.variables.iter().filter_map(|v| v.value.as_ref());
        let auds = job.id_tokens.iter().flat_map(|t| &t.aud);
        for text in variables.chain(scripts).chain(auds) {
            let text_str = text.as_str();
            // Without a `$`, the value is its own expansion: most lines hold neither word.
            let value = if text_str.contains('$') {
                Cow::Owned(scope.expand(text_str))
            } else if GCP_WORDS.iter().any(|word| text_str.contains(word)) {
                Cow::Borrowed(text_str)
            } else {
                continue;
            };
            named.extend(
                provider_refs(&value)
                    .into_iter()
                    .map(|(pool, id)| (pool, id, text.span)),
            );
            service_account = service_account.or_else(|| service_account_in(&value));
        }
        // `secrets:` from GCP Secret Manager: the provider comes from three variables.
        let secret = job.secrets.iter().find(|s| {
            s.provider
                .as_ref()
                .is_some_and(|p| &*p.value == "gcp_secret_manager")
        });
        if let Some(secret) = secret {
            let variable = |name: &str| {
                job.variables
                    .iter()
                    .find(|v| &*v.name.value == name)
                    .and_then(|v| v.value.as_ref())
            };
            if let (Some(pool), Some(id)) = (
                variable("GCP_WORKLOAD_IDENTITY_FEDERATION_POOL_ID"),
                variable("GCP_WORKLOAD_IDENTITY_FEDERATION_PROVIDER_ID"),
            ) {
                named.push((
                    scope.expand(pool.as_str()),
                    scope.expand(id.as_str()),
                    secret.name.span,
                ));
            }
        }
        let presented = match named.is_empty() {
            true => None,
            false => presented(job, secret.and_then(|s| s.token.as_ref()), &scope),
        };
        let identity = job
            .get("identity")
            .filter(|v| v.as_str() == Some("google_cloud"))
            .map(|v| v.span);
        JobGcp {
            named,
            service_account,
            presented,
            identity,
        }
    }
}

/// The providers among `known` that `job` of `pipeline` reaches, as it names them
/// (`named`).
fn job_uses<'w>(
    pipeline: &'w Pipeline,
    job: &'w Job,
    named: &JobGcp,
    known: &[&'w Provider],
) -> Vec<GcpUse<'w>> {
    let mut out: Vec<GcpUse<'w>> = Vec::new();
    let mut add =
        |provider: &'w Provider, named_at: Span, audiences: Option<Vec<(String, Span)>>| {
            if !out.iter().any(|u| std::ptr::eq(u.provider, provider)) {
                out.push(GcpUse {
                    pipeline,
                    job,
                    provider,
                    named_at,
                    audiences,
                    service_account: named.service_account.clone(),
                });
            }
        };
    for (pool, id, span) in &named.named {
        for provider in known
            .iter()
            .filter(|p| pool_of(p) == pool && provider_id(p) == id)
        {
            if !provider
                .issuer
                .as_ref()
                .is_some_and(|i| is_integration(&i.value))
            {
                add(provider, *span, named.presented.clone());
            }
        }
    }
    if let Some(at) = named.identity {
        for provider in known
            .iter()
            .filter(|p| p.issuer.as_ref().is_some_and(|i| is_integration(&i.value)))
        {
            add(provider, at, None);
        }
    }
    out
}

/// The provider id of a provider's resource name.
fn provider_id(provider: &Provider) -> &str {
    provider
        .name
        .value
        .rsplit_once("/providers/")
        .map_or("", |(_, id)| id)
}

/// The `aud` values of the token a job presents: the token a `secrets:` entry names, else
/// those its scripts read, else all of them.
fn presented(
    job: &Job,
    secret_token: Option<&Text>,
    scope: &Scope<'_>,
) -> Option<Vec<(String, Span)>> {
    let reads = |name: &str| {
        let used = |text: &Text| {
            let text = text.as_str();
            text.contains(&format!("${name}")) || text.contains(&format!("${{{name}}}"))
        };
        secret_token.is_some_and(&used)
            || (secret_token.is_none() && job.before_script.iter().chain(&job.script).any(used))
    };
    let mut tokens: Vec<_> = job
        .id_tokens
        .iter()
        .filter(|t| reads(&t.name.value))
        .collect();
    if tokens.is_empty() {
        tokens = job.id_tokens.iter().collect();
    }
    let auds: Vec<(String, Span)> = tokens
        .iter()
        .flat_map(|t| &t.aud)
        .map(|aud| (scope.expand(aud.as_str()), aud.span))
        .collect();
    (!auds.is_empty()).then_some(auds)
}

/// The pool and provider ids of every provider resource name in `text`.
fn provider_refs(text: &str) -> Vec<(String, String)> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    for (at, _) in text.match_indices("workloadIdentityPools/") {
        let rest = &text[at + "workloadIdentityPools/".len()..];
        let pool = ident(rest);
        let Some(after) = rest[pool.len()..].strip_prefix("/providers/") else {
            continue;
        };
        let id = ident(after);
        if !pool.is_empty() && !id.is_empty() {
            out.push((pool, id));
        }
    }
    out
}

/// A service account email in `text` (`--service-account=sa@p.iam.gserviceaccount.com`).
fn service_account_in(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '=' | ','))
        .find(|word| word.ends_with(".iam.gserviceaccount.com") && word.contains('@'))
        .map(|word| word.rsplit('/').next().unwrap_or(word).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_provider_names_and_service_accounts() {
        assert_eq!(
            provider_refs("gcloud iam workload-identity-pools create-cred-config projects/1/locations/global/workloadIdentityPools/gitlab/providers/gitlab-com --service-account=x"),
            vec![("gitlab".to_owned(), "gitlab-com".to_owned())]
        );
        assert_eq!(
            provider_refs("//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/v"),
            vec![("p".to_owned(), "v".to_owned())]
        );
        assert!(provider_refs("workloadIdentityPools/p").is_empty());
        assert_eq!(
            service_account_in("--service-account=\"deploy@proj.iam.gserviceaccount.com\""),
            Some("deploy@proj.iam.gserviceaccount.com".to_owned())
        );
        assert_eq!(
            account_id("projects/p/serviceAccounts/deploy@p.iam.gserviceaccount.com"),
            Some("deploy")
        );
    }
}
