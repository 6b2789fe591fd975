//! The typed, resolved model of a GitLab CI pipeline: global keywords and every visible
//! job as GitLab runs it (after includes, `extends`, `!reference`, `default:` and global
//! variables), with typed access to the keywords the identity rules read. Every typed
//! value is a [`Text`] or [`Val`]: its span is where it is written, its `via` how it got
//! to the job. Keywords without a typed field stay readable through [`Job::config`].

use std::sync::Arc;

use crate::gitlab::value::{exact, texts, Kind, Text, Val, ViaChain};
use crate::source::Span;
use crate::spanned::Spanned;

/// GitLab's stages when `stages:` is not set.
pub const DEFAULT_STAGES: &[&str] = &[".pre", "build", "test", "deploy", ".post"];

/// A whole pipeline configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    /// The configuration after includes and `extends` and `!reference` resolution, before
    /// `default:` inheritance: global keywords, hidden jobs, and entries that could not
    /// become a job. The visible jobs are in [`Pipeline::jobs`], each with its effective
    /// configuration (holding them here too doubled a pipeline's memory).
    pub config: Val,
    /// Every `include:` entry met, in the main file and in included files.
    pub includes: Vec<Include>,
    /// Whether some include could not be read: jobs or definitions may be missing.
    pub incomplete: bool,
    /// The stages in order (GitLab's defaults when `stages:` is absent; `.pre` and
    /// `.post` always present).
    pub stages: Vec<Text>,
    /// Global variables.
    pub variables: Vec<Variable>,
    pub workflow: Option<Workflow>,
    /// The visible jobs, in configuration order.
    pub jobs: Vec<Job>,
}

impl Pipeline {
    pub fn job(&self, name: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.name.value.as_ref() == name)
    }
}

/// `workflow:`.
#[derive(Clone, Debug, PartialEq)]
pub struct Workflow {
    pub name: Option<Text>,
    pub rules: Vec<RuleClause>,
}

/// One effective job. The keywords every run reads (for tokens, secrets, scripts, variables
/// and when the job runs) are typed once; the others are typed when asked for
/// ([`Job::stage`], [`Job::needs`], …) or read from [`Job::config`]: a run holds every job
/// of every pipeline, so each field costs as many times over.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// The job name where it is written.
    pub name: Spanned<Arc<str>>,
    /// The whole effective configuration (a map; its keywords' values hold their whole
    /// chains, values deeper inside are read with theirs through [`Val::child`],
    /// [`Val::entries`] and [`Val::items`]).
    pub config: Val,
    pub script: Vec<Text>,
    pub before_script: Vec<Text>,
    pub after_script: Vec<Text>,
    pub id_tokens: Vec<IdToken>,
    pub secrets: Vec<Secret>,
    /// Job variables, global ones included (marked [`Via::Global`]) unless `inherit:`
    /// excludes them; the job's own win. Shared by the jobs that have exactly the global
    /// ones.
    pub variables: Arc<[Variable]>,
    pub rules: Vec<RuleClause>,
    // The rarely present, large keywords are boxed: a job is about half as big.
    pub only: Option<Box<Filter>>,
    pub except: Option<Box<Filter>>,
    pub environment: Option<Box<Environment>>,
    pub trigger: Option<Box<Trigger>>,
    pub when: Option<Text>,
}

impl Job {
    /// The effective value of any keyword.
    pub fn get(&self, keyword: &str) -> Option<&Val> {
        self.config.get(keyword)
    }

    /// `artifacts:` (read from the configuration, not copied).
    pub fn artifacts(&self) -> Option<&Val> {
        self.get("artifacts")
    }

    /// `cache:`.
    pub fn cache(&self) -> Option<&Val> {
        self.get("cache")
    }

    /// The stage (`stage:`, else the deprecated `type:`, else `test` spanning the job name).
    pub fn stage(&self) -> Text {
        self.text("stage")
            .or_else(|| self.text("type"))
            .unwrap_or_else(|| Text {
                value: "test".into(),
                span: self.name.span,
                via: ViaChain::default(),
            })
    }

    /// The `needs:` entries naming a job.
    pub fn needs(&self) -> Vec<Need> {
        self.get("needs").map(needs).unwrap_or_default()
    }

    /// `dependencies:`.
    pub fn dependencies(&self) -> Vec<Text> {
        self.texts("dependencies")
    }

    /// The image's name (`image: name` or `image: {name: …}`).
    pub fn image(&self) -> Option<Text> {
        self.get("image").and_then(|image| {
            Text::of(image).or_else(|| image.child("name").as_ref().and_then(Text::of))
        })
    }

    /// `tags:`.
    pub fn tags(&self) -> Vec<Text> {
        self.texts("tags")
    }

    fn text(&self, keyword: &str) -> Option<Text> {
        self.get(keyword).and_then(Text::of)
    }

    fn texts(&self, keyword: &str) -> Vec<Text> {
        self.get(keyword).map(texts).unwrap_or_default()
    }
}

/// An `id_tokens:` entry: GitLab mints an OIDC token with these audiences into the
/// variable `name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdToken {
    pub name: Spanned<Arc<str>>,
    /// How the token definition reached the job.
    pub via: ViaChain,
    /// Each audience where it is written (`aud: x` or `aud: [x, y]`).
    pub aud: Vec<Text>,
}

/// A `secrets:` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    pub name: Spanned<Arc<str>>,
    pub via: ViaChain,
    /// `vault`, `gcp_secret_manager`, `azure_key_vault`, … (the first provider key).
    pub provider: Option<Spanned<Arc<str>>>,
    /// The provider's configuration (`vault: path@engine` or its map).
    pub source: Option<Val>,
    /// `token: $ID_TOKEN` — the ID token used to authenticate.
    pub token: Option<Text>,
    pub file: Option<bool>,
}

/// A variable (`NAME: value` or `NAME: {value, description, expand, options}`).
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    pub name: Spanned<Arc<str>>,
    pub via: ViaChain,
    pub value: Option<Text>,
    pub description: Option<Box<Text>>,
    pub expand: Option<bool>,
    pub options: Vec<Text>,
}

/// One entry of `rules:` (job or workflow).
#[derive(Clone, Debug, PartialEq)]
pub struct RuleClause {
    pub span: Span,
    pub via: ViaChain,
    pub condition: Option<Text>,
    // The rarely present keywords are boxed: every job holds its clauses.
    pub changes: Option<Box<Val>>,
    pub exists: Option<Box<Val>>,
    pub when: Option<Text>,
    pub allow_failure: Option<Box<Val>>,
    pub variables: Vec<Variable>,
}

/// `only:` or `except:` (the list form is `refs`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub span: Span,
    pub refs: Vec<Text>,
    pub variables: Vec<Text>,
    pub changes: Vec<Text>,
    /// `kubernetes: active`.
    pub kubernetes: Option<Text>,
}

/// `environment:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub span: Span,
    pub name: Option<Text>,
    pub url: Option<Text>,
    pub action: Option<Text>,
    pub deployment_tier: Option<Text>,
}

/// One `needs:` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    pub job: Text,
    pub optional: bool,
    /// `project:` or `pipeline:`: a job of another pipeline.
    pub external: bool,
}

/// `trigger:`: a downstream pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub span: Span,
    pub project: Option<Text>,
    pub branch: Option<Text>,
    pub include: Option<Val>,
    pub strategy: Option<Text>,
}

/// Builds the typed job from its effective configuration. `globals`: the global
/// `variables:` as jobs inherit them, and typed, when there are some.
pub fn job(name: Spanned<Arc<str>>, config: Val, globals: Option<&(Val, Arc<[Variable]>)>) -> Job {
    let list = |key: &str| config.get(key).map(texts).unwrap_or_default();
    Job {
        script: list("script"),
        before_script: list("before_script"),
        after_script: list("after_script"),
        id_tokens: config.get("id_tokens").map(id_tokens).unwrap_or_default(),
        secrets: config.get("secrets").map(secrets).unwrap_or_default(),
        variables: match (config.get("variables"), globals) {
            (Some(own), Some((inherited, typed))) if own.is_same(inherited) => Arc::clone(typed),
            (own, _) => own.map(variables).unwrap_or_default().into(),
        },
        rules: config.get("rules").map(rules).unwrap_or_default(),
        only: config.get("only").map(filter).map(Box::new),
        except: config.get("except").map(filter).map(Box::new),
        environment: config.get("environment").map(environment).map(Box::new),
        trigger: config.get("trigger").map(trigger).map(Box::new),
        when: config.get("when").and_then(Text::of),
        name,
        config,
    }
}

fn id_tokens(value: &Val) -> Vec<IdToken> {
    value
        .entries()
        .iter()
        .map(|field| IdToken {
            name: field.key.clone(),
            via: field.value.via.clone(),
            aud: field
                .value
                .child("aud")
                .as_ref()
                .map(texts)
                .unwrap_or_default(),
        })
        .collect()
}

fn secrets(value: &Val) -> Vec<Secret> {
    const PROVIDERS: &[&str] = &[
        "vault",
        "gcp_secret_manager",
        "azure_key_vault",
        "akeyless",
        "aws_secrets_manager",
        "gitlab_secrets_manager",
    ];
    value
        .entries()
        .iter()
        .map(|field| {
            let entries = field.value.entries();
            let provider = entries
                .iter()
                .find(|f| PROVIDERS.contains(&f.key.value.as_ref()));
            Secret {
                name: field.key.clone(),
                via: field.value.via.clone(),
                provider: provider.map(|p| p.key.clone()),
                source: provider.map(|p| p.value.clone()),
                token: field.value.child("token").as_ref().and_then(Text::of),
                file: field.value.child("file").as_ref().and_then(Val::as_bool),
            }
        })
        .collect()
}

/// The variables of a `variables:` map.
pub fn variables(value: &Val) -> Vec<Variable> {
    value
        .entries()
        .iter()
        .map(|field| {
            let v = &field.value;
            let detailed = matches!(v.kind, Kind::Map(_));
            Variable {
                name: field.key.clone(),
                via: v.via.clone(),
                value: if detailed {
                    v.child("value").as_ref().and_then(Text::of)
                } else {
                    Text::of(v)
                },
                description: v
                    .child("description")
                    .as_ref()
                    .and_then(Text::of)
                    .map(Box::new),
                expand: v.child("expand").as_ref().and_then(Val::as_bool),
                options: v.child("options").as_ref().map(texts).unwrap_or_default(),
            }
        })
        .collect()
}

/// Where an `include:` entry points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncludeKind {
    /// `local:` or the string form: a file (or glob) in the same repository.
    Local(Text),
    Remote(Text),
    /// `project:` with its `file:` list and optional `ref:`.
    Project {
        project: Text,
        files: Vec<Text>,
        reference: Option<Text>,
    },
    Template(Text),
    Component(Text),
    /// None of the above (GitLab rejects it; reported as invalid).
    Unknown,
}

/// One `include:` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Include {
    /// The whole entry.
    pub span: Span,
    /// How the entry itself was reached (the includes of included files).
    pub via: ViaChain,
    pub kind: IncludeKind,
    /// `rules:` on the include: it is only included when they match (trustlint includes
    /// it regardless).
    pub rules: Option<Val>,
    /// The root-relative paths of the local files it loaded.
    pub loaded: Vec<String>,
}

impl Include {
    /// The typed clauses of the include's `rules:` (empty when it has none).
    pub fn rule_clauses(&self) -> Vec<RuleClause> {
        self.rules.as_ref().map(rules).unwrap_or_default()
    }
}

/// The clauses of a `rules:` list.
pub fn rules(value: &Val) -> Vec<RuleClause> {
    let items = value.items();
    let maps = items.iter().filter(|rule| rule.as_map().is_some());
    exact(maps.map(|rule| {
        RuleClause {
            span: rule.span,
            via: rule.via.clone(),
            condition: rule.child("if").as_ref().and_then(Text::of),
            changes: rule.child("changes").map(Box::new),
            exists: rule.child("exists").map(Box::new),
            when: rule.child("when").as_ref().and_then(Text::of),
            allow_failure: rule.child("allow_failure").map(Box::new),
            variables: rule
                .child("variables")
                .as_ref()
                .map(variables)
                .unwrap_or_default(),
        }
    }))
}

fn filter(value: &Val) -> Filter {
    let list = |key: &str| value.child(key).as_ref().map(texts).unwrap_or_default();
    Filter {
        span: value.span,
        refs: match value.kind {
            Kind::Map(_) => list("refs"),
            _ => texts(value),
        },
        variables: list("variables"),
        changes: list("changes"),
        kubernetes: value.child("kubernetes").as_ref().and_then(Text::of),
    }
}

fn environment(value: &Val) -> Environment {
    let text = |key: &str| value.child(key).as_ref().and_then(Text::of);
    Environment {
        span: value.span,
        name: Text::of(value).or_else(|| text("name")),
        url: text("url"),
        action: text("action"),
        deployment_tier: text("deployment_tier"),
    }
}

fn needs(value: &Val) -> Vec<Need> {
    exact(value.items().iter().filter_map(|need| {
        match Text::of(need) {
            Some(job) => Some(Need {
                job,
                optional: false,
                external: false,
            }),
            None => Some(Need {
                job: need.child("job").as_ref().and_then(Text::of)?,
                optional: need
                    .child("optional")
                    .as_ref()
                    .and_then(Val::as_bool)
                    .unwrap_or(false),
                external: need.child("project").is_some() || need.child("pipeline").is_some(),
            }),
        }
    }))
}

fn trigger(value: &Val) -> Trigger {
    let text = |key: &str| value.child(key).as_ref().and_then(Text::of);
    Trigger {
        span: value.span,
        project: Text::of(value).or_else(|| text("project")),
        branch: text("branch"),
        include: value.child("include"),
        strategy: text("strategy"),
    }
}
