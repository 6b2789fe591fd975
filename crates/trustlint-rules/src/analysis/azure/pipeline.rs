//! The pipeline side: jobs that exchange their ID token with Entra — `az login
//! --service-principal -u CLIENT --tenant TENANT --federated-token $TOKEN` in a script,
//! `secrets: …: azure_key_vault:`, or the Terraform/SDK variables `ARM_OIDC_TOKEN`,
//! `AZURE_FEDERATED_TOKEN_FILE`, `ARM_USE_OIDC` — the client id they name
//! (`AZURE_CLIENT_ID`, `ARM_CLIENT_ID`, `-u`), and the credential set they reach.

use std::sync::Arc;

use trustlint_parser::gitlab::{IdToken, Job, Pipeline, Text};
use trustlint_parser::input::{Content, Document, Workspace};
use trustlint_parser::script::commands;
use trustlint_parser::{SourceMap, Span};

use crate::analysis::link::{Predefined, Scope};
use crate::analysis::shell;

use super::credential::{resources, CredentialSet};
use trustlint_parser::federation::azure::IdentityKind;

/// A job that exchanges its ID token with Entra.
#[derive(Debug)]
pub struct AzureLogin<'w> {
    pub document: &'w Document,
    pub pipeline: &'w Pipeline,
    pub job: &'w Job,
    /// Where the job signs in (the `az login` command, the secret, the variable).
    pub at: Span,
    /// The client id, expanded through the job's variables (`None`: not
    /// given), with where it is written.
    pub client_id: Option<(String, Span)>,
    /// The token it presents: named by the login, or the job's only `id_tokens` entry.
    pub token: Option<&'w IdToken>,
    /// The variables the job sees, which expand its values.
    scope: Scope<'w>,
}

impl AzureLogin<'_> {
    /// The token's `aud` values, variables expanded where the configuration gives them.
    pub fn audiences(&self) -> Vec<String> {
        self.token
            .map(|token| {
                token
                    .aud
                    .iter()
                    .map(|aud| self.expand(&aud.value))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn expand(&self, text: &str) -> String {
        self.scope.expand(text)
    }
}

/// How a login was linked to its credential set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkHow {
    /// Its literal client id is the set's holder's (an application data source, an id
    /// given to `az ad app federated-credential create --id`).
    ClientId,
    /// Its client id is not known offline and the scan holds exactly one GitLab
    /// credential set.
    OnlySet,
}

/// The set a login reaches: by client id when the id is literal (no set when no scanned
/// holder has it: the app is not among the files); when the id is symbolic or not
/// given, the only GitLab credential set of the scan, if there is exactly one.
pub fn link<'s, 'w>(
    workspace: &Workspace,
    login: &AzureLogin<'_>,
    sets: &'s [CredentialSet<'w>],
) -> Option<(&'s CredentialSet<'w>, LinkHow)> {
    let literal = login
        .client_id
        .as_ref()
        .map(|(id, _)| id.as_str())
        .filter(|id| !id.contains('$') && !id.contains('<') && !id.trim().is_empty());
    match literal {
        Some(id) => {
            let holders = client_id_holders(workspace, id);
            sets.iter()
                .find(|set| holders.contains(&set.key) || set.key == id)
                .map(|set| (set, LinkHow::ClientId))
        }
        None => match sets {
            [only] => Some((only, LinkHow::OnlySet)),
            _ => None,
        },
    }
}

/// The keys a literal client id names: applications (and their service principals'
/// applications) whose `client_id` is written as `id`.
fn client_id_holders(workspace: &Workspace, id: &str) -> Vec<String> {
    resources(workspace)
        .flat_map(|azure| &azure.identities)
        .filter(|identity| identity.client_id.as_ref().is_some_and(|c| c.value == id))
        .flat_map(|identity| {
            let application = (identity.kind == IdentityKind::ServicePrincipal)
                .then(|| identity.application.clone())
                .flatten();
            [Some(identity.key.clone()), application]
                .into_iter()
                .flatten()
        })
        .collect()
}

/// Every job of the scanned pipelines that signs in to Entra with an ID token.
/// `skip` tells the pipelines judged elsewhere (fragments another pipeline includes);
/// `signs_in` what each pipeline's jobs do ([`PipelineLogins::of`], or kept from an
/// earlier run).
pub fn logins<'w>(
    workspace: &'w Workspace,
    predefined: &Predefined,
    skip: &dyn Fn(&Document) -> bool,
    signs_in: &dyn Fn(&'w Document, &'w Pipeline) -> Arc<PipelineLogins>,
) -> Vec<AzureLogin<'w>> {
    let mut out = Vec::new();
    for document in &workspace.documents {
        let Content::GitlabCi(pipeline) = &document.content else {
            continue;
        };
        if skip(document) {
            continue;
        }
        let logins = signs_in(document, pipeline);
        for (at, login) in &logins.jobs {
            let Some(job) = pipeline.jobs.get(*at) else {
                continue;
            };
            out.push(AzureLogin {
                document,
                pipeline,
                job,
                at: login.at,
                client_id: login.client_id.clone(),
                token: login.token.and_then(|at| job.id_tokens.get(at)),
                scope: Scope::of_job(job, predefined),
            });
        }
    }
    out
}

/// How the jobs of one pipeline sign in to Entra: it depends on the pipeline's document
/// and the predefined variables only, so a caller that keeps the document between runs
/// may keep it too.
#[derive(Debug)]
pub struct PipelineLogins {
    /// The jobs that sign in, by position, in job order.
    jobs: Vec<(usize, JobLogin)>,
}

/// An [`AzureLogin`] without its borrowed parts: the token by its position in the job's
/// `id_tokens`.
#[derive(Debug)]
struct JobLogin {
    at: Span,
    client_id: Option<(String, Span)>,
    token: Option<usize>,
}

impl PipelineLogins {
    /// The positions of the jobs that sign in.
    pub fn jobs(&self) -> impl Iterator<Item = usize> + '_ {
        self.jobs.iter().map(|(at, _)| *at)
    }

    /// How the jobs of `pipeline` sign in, their values expanded with the variables the
    /// settings predefine.
    pub fn of(pipeline: &Pipeline, sources: &SourceMap, predefined: &Predefined) -> PipelineLogins {
        let jobs = pipeline
            .jobs
            .iter()
            .enumerate()
            .filter_map(|(at, job)| Some((at, login(pipeline, job, sources, predefined)?)))
            .collect();
        PipelineLogins { jobs }
    }
}

fn variable<'p>(job: &'p Job, pipeline: &'p Pipeline, name: &str) -> Option<&'p Text> {
    job.variables
        .iter()
        .chain(&pipeline.variables)
        .find(|v| &*v.name.value == name)
        .and_then(|v| v.value.as_ref())
}

/// The variable a `$NAME`/`${NAME}` word names.
fn variable_name(text: &str) -> Option<&str> {
    let name = text.strip_prefix('$')?;
    let name = name
        .strip_prefix('{')
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(name)
}

fn login(
    pipeline: &Pipeline,
    job: &Job,
    sources: &SourceMap,
    predefined: &Predefined,
) -> Option<JobLogin> {
    let mut at: Option<Span> = None;
    let mut client: Option<(String, Span)> = None;
    let mut token_variable: Option<String> = None;
    for line in job.before_script.iter().chain(&job.script) {
        // A sign-in passes its token with `--federated-token`.
        if !shell::may_hold(&line.value, "--federated-token") {
            continue;
        }
        let raw = sources
            .get(line.span.file)
            .map(|f| f.slice(line.span))
            .unwrap_or_default();
        let quoted = raw.starts_with('"') || raw.starts_with('\'');
        let offset = line.span.range().start + usize::from(quoted && raw.len() > line.value.len());
        for command in commands(line.span.file, &line.value, offset) {
            let words = &command.words;
            let Some(az) = words.iter().position(|w| w.text == "az") else {
                continue;
            };
            let rest = words.get(az + 1..).unwrap_or_default();
            if rest.first().map(|w| w.text.as_str()) != Some("login") {
                continue;
            }
            let flag = |names: &[&str]| {
                rest.iter()
                    .position(|w| names.contains(&w.text.as_str()))
                    .and_then(|i| rest.get(i + 1))
            };
            let Some(token) = flag(&["--federated-token"]) else {
                continue;
            };
            at = Some(command.span);
            token_variable = variable_name(&token.text).map(str::to_owned);
            if let Some(user) = flag(&["-u", "--username"]) {
                client = Some((user.text.clone(), user.span));
            }
        }
    }
    for secret in &job.secrets {
        if secret
            .provider
            .as_ref()
            .is_some_and(|p| &*p.value == "azure_key_vault")
        {
            at = at.or(Some(secret.name.span));
            if let Some(token) = &secret.token {
                token_variable =
                    token_variable.or_else(|| variable_name(&token.value).map(str::to_owned));
            }
        }
    }
    for name in [
        "ARM_OIDC_TOKEN",
        "AZURE_FEDERATED_TOKEN_FILE",
        "ARM_USE_OIDC",
    ] {
        if let Some(value) = variable(job, pipeline, name) {
            at = at.or(Some(value.span));
            if name == "ARM_OIDC_TOKEN" {
                token_variable =
                    token_variable.or_else(|| variable_name(&value.value).map(str::to_owned));
            }
        }
    }
    let at = at?;
    let client = client.or_else(|| {
        ["AZURE_CLIENT_ID", "ARM_CLIENT_ID"]
            .iter()
            .find_map(|name| variable(job, pipeline, name).map(|v| (v.value.to_string(), v.span)))
    });
    let scope = Scope::of_job(job, predefined);
    let client_id = client.map(|(text, span)| (scope.expand(&text), span));
    let token = match &token_variable {
        Some(name) => job
            .id_tokens
            .iter()
            .position(|t| &*t.name.value == name.as_str()),
        None => (job.id_tokens.len() == 1).then_some(0),
    };
    Some(JobLogin {
        at,
        client_id,
        token,
    })
}
