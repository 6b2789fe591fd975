//! The claims catalog: every claim of a GitLab ID token, what it is, and its name at
//! each relying party (AWS condition key, GCP CEL `assertion.x`, Vault `bound_claims`,
//! Azure flexible credential `claims['x']`).
//!
//! A GitLab ID token is a record of claims; every relying party is a predicate over that
//! record (FEDERATION.md). This module only describes the record: for each claim its JSON
//! type ([`ClaimType`]), when GitLab includes it ([`Presence`]), who can change its value
//! ([`Stability`]), what it describes ([`About`]) and how each relying party names it.
//! [`claim`] finds a claim by name; [`aws_key`] classifies an AWS condition key of an OIDC
//! provider (the claim behind it, a key AWS never populates for that provider, or no key
//! of the provider at all).
//!
//! # Sources (verified 2026-12-06)
//!
//! - GitLab, "OpenID Connect (OIDC) Authentication Using ID Tokens", section "Token
//!   payload" (`doc/ci/secrets/id_token_authentication.md`; the stored copy is the 18.9+
//!   version, which lists `job_source`/`job_config` "introduced in GitLab 18.9" and the
//!   `sub` components of 18.7): the claim list, the "When" column ([`Presence`]) and the
//!   "Use ID token claims in cloud trust policies" section (the AWS keys for `gitlab.com`).
//! - GitLab source, `lib/gitlab/ci/jwt.rb`, `lib/gitlab/ci/jwt_v2.rb`,
//!   `lib/json_web_token/user_project_token_claims.rb`: ids are sent as strings
//!   (`project.id.to_s`), `ref_protected`/`environment_protected` as the strings
//!   `"true"`/`"false"`, `runner_id` as a JSON number; for a merge request pipeline from
//!   a fork the `project_*`/`namespace_*` claims describe the fork and the `job_*` claims
//!   the project running the job.
//! - GitLab, "Google Cloud Workload Identity Federation and IAM policies"
//!   (`doc/integration/google_cloud_iam.md`, "OIDC custom claims"): the extra claims of
//!   the integration's issuer (`root_namespace_*`, `*_access`); "All values are of type
//!   string".
//! - GitLab MR !258245 (description): `source_project_id`, `source_project_path`,
//!   `source_namespace_id`, `source_namespace_path`. Not yet in the stored docs table:
//!   [`Claim::documented`] is false for them.
//! - AWS Service Authorization Reference, AWS STS condition keys (through a generated
//!   IAM-definition list, found by code search, that links
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif>):
//!   the nine `gitlab.com:*` keys, all of type String.
//! - AWS IAM User Guide, "IAM JSON policy elements: Condition": "Context key names are
//!   not case-sensitive" ([`aws_key`] compares keys ignoring ASCII case; values stay
//!   case-sensitive and are not this module's business).
//!
//! `docs/claims.md` holds the same catalog as a table; a test keeps the two equal
//! ([`markdown_table`] renders it).

use std::fmt;

/// The JSON type GitLab gives a claim's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClaimType {
    /// A JSON string.
    String,
    /// A positive decimal id sent as a JSON string (`"72"`): compare it as a string.
    IdString,
    /// The JSON string `"true"` or `"false"` (never a JSON boolean).
    BooleanString,
    /// A JSON number (`runner_id`): a GCP mapping needs `string(...)`, a Vault string
    /// binding never equals it.
    Number,
    /// A JSON number of seconds since the epoch (`exp`, `iat`, `nbf`).
    NumericDate,
    /// A JSON string, or a list of strings when the job's `id_tokens` `aud` is a list.
    StringOrList,
    /// A JSON list of strings.
    StringList,
    /// A JSON list of objects (`user_identities`).
    ObjectList,
    /// A JSON object (`job_config`).
    Object,
    /// A JSON string, or `null` (`ci_config_ref_uri`, `ci_config_sha`).
    NullableString,
}

impl ClaimType {
    /// The name used in `docs/claims.md`.
    pub fn name(self) -> &'static str {
        match self {
            ClaimType::String => "string",
            ClaimType::IdString => "id (string)",
            ClaimType::BooleanString => "\"true\"/\"false\" (string)",
            ClaimType::Number => "number",
            ClaimType::NumericDate => "number (epoch seconds)",
            ClaimType::StringOrList => "string or list of strings",
            ClaimType::StringList => "list of strings",
            ClaimType::ObjectList => "list of objects",
            ClaimType::Object => "object",
            ClaimType::NullableString => "string or null",
        }
    }

    /// Whether the value is a JSON string (so a string comparison can equal it).
    pub fn is_string(self) -> bool {
        matches!(
            self,
            ClaimType::String
                | ClaimType::IdString
                | ClaimType::BooleanString
                | ClaimType::NullableString
        )
    }
}

/// When GitLab includes a claim in an ID token (GitLab's "When" column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presence {
    /// In every token.
    Always,
    /// Only when the job specifies an `environment`.
    WithEnvironment,
    /// Only when the user enabled passing their external identities to ID tokens (a user
    /// preference).
    UserPreference,
    /// Only behind the `ci_jwt_groups_direct` feature flag (GitLab 17.3+), and only when
    /// the user is a direct member of at most 200 groups.
    GroupsDirectFlag,
    /// Only in jobs a security policy adds.
    PolicyJob,
    /// In every token, but `null` unless the pipeline definition is in the same project.
    NullUnlessConfigInProject,
    /// Only in tokens of GitLab's Google Cloud IAM integration issuer
    /// (`https://auth.gcp.gitlab.com/oidc/<top-level group>`), never in a job's
    /// `id_tokens` token.
    GoogleCloudIntegration,
}

impl Presence {
    /// The text used in `docs/claims.md`.
    pub fn name(self) -> &'static str {
        match self {
            Presence::Always => "always",
            Presence::WithEnvironment => "job has an environment",
            Presence::UserPreference => "user preference",
            Presence::GroupsDirectFlag => "feature flag; ≤ 200 direct groups",
            Presence::PolicyJob => "policy jobs",
            Presence::NullUnlessConfigInProject => "always (null unless config in project)",
            Presence::GoogleCloudIntegration => "Google Cloud IAM integration tokens only",
        }
    }

    /// Whether every CI job's `id_tokens` token carries the claim with a value.
    pub fn always_present(self) -> bool {
        self == Presence::Always
    }
}

/// Who decides a claim's value: what a trust that pins it actually relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stability {
    /// Fixed by the GitLab instance (`iss`).
    Issuer,
    /// A numeric id GitLab never reuses and that a rename or transfer doesn't change
    /// (`namespace_id` changes when the project moves to another namespace).
    StableId,
    /// A path, login, e-mail or membership that its owner can rename, transfer or delete,
    /// and that someone else can then register again (namespace recycling).
    Mutable,
    /// Chosen by whoever pushes or starts the pipeline: the ref and commit, and what the
    /// job's YAML says (`aud`, environment name, tier and action); a Developer can pick any
    /// unprotected value.
    PushChosen,
    /// Decided by project, group or instance settings a Developer can't change
    /// (protection, access levels, visibility, runner type, policies).
    Setting,
    /// Unique to one token, job or pipeline (`jti`, times, job and pipeline ids): pinning
    /// it admits one run at most.
    PerRun,
    /// Built from other claims (`sub`: its components decide).
    Composite,
}

impl Stability {
    /// The text used in `docs/claims.md`.
    pub fn name(self) -> &'static str {
        match self {
            Stability::Issuer => "issuer",
            Stability::StableId => "stable id",
            Stability::Mutable => "mutable",
            Stability::PushChosen => "push-chosen",
            Stability::Setting => "setting",
            Stability::PerRun => "per run",
            Stability::Composite => "composite",
        }
    }
}

/// What a claim describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum About {
    /// The token itself (`iss`, `aud`, `exp`, `jti`, …).
    Token,
    /// The token's subject (`sub`).
    Subject,
    /// A project: `project_*` (for a merge request pipeline from a fork, the fork),
    /// `job_project_*` (the project running the job), `source_project_*`.
    Project,
    /// A group or user namespace: `namespace_*`, `job_namespace_*`,
    /// `source_namespace_*`, `root_namespace_*`.
    Namespace,
    /// The user the job runs as.
    User,
    /// The pipeline or job.
    Pipeline,
    /// The Git ref and commit.
    Ref,
    /// The job's environment.
    Environment,
    /// The runner.
    Runner,
}

impl About {
    /// Whether the claim names a project or namespace (a tenant of the instance).
    pub fn is_tenant(self) -> bool {
        matches!(self, About::Project | About::Namespace)
    }
}

/// Which AWS OIDC providers get a condition key for a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AwsSupport {
    /// Every OIDC provider: `<provider>:sub`, `<provider>:aud`.
    EveryProvider,
    /// Only the provider `gitlab.com` (`gitlab.com:project_id`); absent for self-managed
    /// and Dedicated hosts.
    GitLabCom,
    /// No provider: a condition on `<provider>:<claim>` tests a key absent from every
    /// request.
    Never,
}

/// Where GitLab documents a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Documented {
    /// In GitLab's documented token payload.
    Docs,
    /// Only described by a merge request, not yet in the stored docs table.
    MergeRequest(&'static str),
}

/// One claim of a GitLab ID token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// The claim's name in the token (case-sensitive, as Vault and CEL compare it).
    pub name: &'static str,
    /// The JSON type of its value.
    pub ty: ClaimType,
    /// When GitLab includes it.
    pub presence: Presence,
    /// Who decides its value.
    pub stability: Stability,
    /// What it describes.
    pub about: About,
    /// The GitLab version that introduced it (`""` for claims as old as ID tokens, 15.7).
    pub since: &'static str,
    /// Where it is documented.
    pub documented: Documented,
    /// Which AWS providers populate a condition key for it.
    pub aws: AwsSupport,
    /// Whether Microsoft Entra flexible federated credentials can match it with
    /// `claims['<name>']` (only those FEDERATION.md §5 names from Microsoft's docs).
    pub azure_flexible: bool,
    /// The dedicated field a Vault JWT role (or its mount) uses instead of `bound_claims`.
    pub vault_field: Option<&'static str>,
    /// The field of a standard Entra federated credential that matches it exactly.
    pub azure_field: Option<&'static str>,
    /// Every value GitLab can send, for claims with a fixed set (`ref_type`: `branch`,
    /// `tag`); `None` for open-ended ones. `user_access_level` is left open: GitLab adds
    /// roles (Planner in 17.7) and its docs list only five.
    pub values: Option<&'static [&'static str]>,
    gitlab_com_key: &'static str,
    gcp: &'static str,
    azure: &'static str,
}

impl Claim {
    /// The AWS condition key for this claim on the provider `gitlab.com`
    /// (`gitlab.com:project_id`); `None` when AWS populates none.
    pub fn gitlab_com_key(&self) -> Option<&'static str> {
        (self.aws != AwsSupport::Never).then_some(self.gitlab_com_key)
    }

    /// The AWS condition key for this claim on `provider` (`HOST[/PATH]` as in the
    /// provider ARN, or the issuer URL); `None` when AWS populates none there.
    pub fn aws_key_for(&self, provider: &str) -> Option<String> {
        let provider = normalise_provider(provider);
        let populated = match self.aws {
            AwsSupport::EveryProvider => true,
            AwsSupport::GitLabCom => is_gitlab_com(provider),
            AwsSupport::Never => false,
        };
        populated.then(|| format!("{provider}:{}", self.name))
    }

    /// The CEL expression that reads the claim in a GCP attribute mapping or condition
    /// (`assertion.project_id`). Mapped attributes must be strings: a non-string claim
    /// needs `string(...)` (see [`ClaimType::is_string`]).
    pub fn gcp_source(&self) -> &'static str {
        self.gcp
    }

    /// The claim's key in a Vault JWT role's `bound_claims` (or `claim_mappings`); a JSON
    /// pointer `/<name>` names it too.
    pub fn vault_claim(&self) -> &'static str {
        self.name
    }

    /// The lookup that reads the claim in an Entra flexible credential's
    /// `claimsMatchingExpression` (`claims['project_id']`), when Entra supports it.
    pub fn azure_claim(&self) -> Option<&'static str> {
        self.azure_flexible.then_some(self.azure)
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Builds a [`Claim`], deriving the relying parties' names from the claim's name.
macro_rules! claim {
    (
        $name:literal, $ty:ident, $presence:ident, $stability:ident, $about:ident,
        since $since:literal, aws $aws:ident, azure $azure:literal
        $(, values $values:expr)? $(, vault $vault:literal)? $(, entra $entra:literal)?
        $(, mr $mr:literal)? $(,)?
    ) => {
        Claim {
            name: $name,
            ty: ClaimType::$ty,
            presence: Presence::$presence,
            stability: Stability::$stability,
            about: About::$about,
            since: $since,
            documented: claim!(@documented $($mr)?),
            aws: AwsSupport::$aws,
            azure_flexible: $azure,
            vault_field: claim!(@option $($vault)?),
            azure_field: claim!(@option $($entra)?),
            values: claim!(@values $($values)?),
            gitlab_com_key: concat!("gitlab.com:", $name),
            gcp: concat!("assertion.", $name),
            azure: concat!("claims['", $name, "']"),
        }
    };
    (@documented) => { Documented::Docs };
    (@documented $mr:literal) => { Documented::MergeRequest($mr) };
    (@values) => { None };
    (@values $values:expr) => { Some($values) };
    (@option) => { None };
    (@option $value:literal) => { Some($value) };
}

/// The values of a `"true"`/`"false"` claim.
const BOOLEAN: &[&str] = &["true", "false"];

/// Every claim of a GitLab ID token, in the order of GitLab's docs (standard claims,
/// then GitLab's), then the Google Cloud IAM integration's extra claims and the claims
/// only a merge request describes so far.
pub static CLAIMS: &[Claim] = &[
    // Standard claims.
    claim!("iss", String, Always, Issuer, Token, since "", aws Never, azure false,
        vault "bound_issuer", entra "issuer"),
    claim!("sub", String, Always, Composite, Subject, since "", aws EveryProvider, azure true,
        vault "bound_subject", entra "subject"),
    claim!("aud", StringOrList, Always, PushChosen, Token, since "", aws EveryProvider,
        azure false, vault "bound_audiences", entra "audiences"),
    claim!("exp", NumericDate, Always, PerRun, Token, since "", aws Never, azure false),
    claim!("nbf", NumericDate, Always, PerRun, Token, since "", aws Never, azure false),
    claim!("iat", NumericDate, Always, PerRun, Token, since "", aws Never, azure false),
    claim!("jti", String, Always, PerRun, Token, since "", aws Never, azure false),
    // GitLab's claims.
    claim!("project_id", IdString, Always, StableId, Project, since "", aws GitLabCom,
        azure true),
    claim!("project_path", String, Always, Mutable, Project, since "", aws Never,
        azure false),
    claim!("namespace_id", IdString, Always, StableId, Namespace, since "", aws GitLabCom,
        azure true),
    claim!("namespace_path", String, Always, Mutable, Namespace, since "", aws Never,
        azure false),
    claim!("user_id", IdString, Always, StableId, User, since "", aws GitLabCom, azure true),
    claim!("user_login", String, Always, Mutable, User, since "", aws GitLabCom, azure false),
    claim!("user_email", String, Always, Mutable, User, since "", aws GitLabCom, azure false),
    claim!("user_access_level", String, Always, Setting, User, since "16.9", aws GitLabCom,
        azure false),
    claim!("job_project_id", IdString, Always, StableId, Project, since "18.4", aws Never,
        azure false),
    claim!("job_project_path", String, Always, Mutable, Project, since "18.4", aws Never,
        azure false),
    claim!("job_namespace_id", IdString, Always, StableId, Namespace, since "18.4",
        aws Never, azure false),
    claim!("job_namespace_path", String, Always, Mutable, Namespace, since "18.4",
        aws Never, azure false),
    claim!("user_identities", ObjectList, UserPreference, Mutable, User, since "16.0",
        aws Never, azure false),
    claim!("pipeline_id", IdString, Always, PerRun, Pipeline, since "", aws Never,
        azure false),
    claim!("pipeline_source", String, Always, PushChosen, Pipeline, since "", aws GitLabCom,
        azure false),
    claim!("job_id", IdString, Always, PerRun, Pipeline, since "", aws Never, azure false),
    claim!("ref", String, Always, PushChosen, Ref, since "", aws Never, azure false),
    claim!("ref_type", String, Always, PushChosen, Ref, since "", aws Never, azure false,
        values &["branch", "tag"]),
    claim!("ref_path", String, Always, PushChosen, Ref, since "16.0", aws Never,
        azure false),
    claim!("ref_protected", BooleanString, Always, Setting, Ref, since "", aws GitLabCom,
        azure false, values BOOLEAN),
    claim!("groups_direct", StringList, GroupsDirectFlag, Mutable, User, since "16.11",
        aws Never, azure false),
    claim!("environment", String, WithEnvironment, PushChosen, Environment, since "",
        aws Never, azure false),
    claim!("environment_protected", BooleanString, WithEnvironment, Setting, Environment,
        since "", aws Never, azure false, values BOOLEAN),
    claim!("deployment_tier", String, WithEnvironment, PushChosen, Environment,
        since "15.2", aws Never, azure false,
        values &["production", "staging", "testing", "development", "other"]),
    claim!("environment_action", String, WithEnvironment, PushChosen, Environment,
        since "16.5", aws Never, azure false,
        values &["start", "prepare", "stop", "verify", "access"]),
    claim!("runner_id", Number, Always, StableId, Runner, since "16.0", aws Never,
        azure false),
    claim!("runner_environment", String, Always, Setting, Runner, since "16.0",
        aws GitLabCom, azure false, values &["gitlab-hosted", "self-hosted"]),
    claim!("sha", String, Always, PushChosen, Ref, since "16.0", aws Never, azure false),
    claim!("ci_config_ref_uri", NullableString, NullUnlessConfigInProject, PushChosen, Ref,
        since "16.2", aws Never, azure false),
    claim!("ci_config_sha", NullableString, NullUnlessConfigInProject, PushChosen, Ref,
        since "16.2", aws Never, azure false),
    claim!("project_visibility", String, Always, Setting, Project, since "16.3", aws Never,
        azure false, values &["private", "internal", "public"]),
    claim!("job_source", String, Always, PushChosen, Pipeline, since "18.9", aws Never,
        azure false),
    claim!("job_config", Object, PolicyJob, Setting, Pipeline, since "18.9", aws Never,
        azure false),
    // The Google Cloud IAM integration's issuer adds these (all strings).
    claim!("root_namespace_id", IdString, GoogleCloudIntegration, StableId, Namespace,
        since "16.10", aws Never, azure false),
    claim!("root_namespace_path", String, GoogleCloudIntegration, Mutable, Namespace,
        since "16.10", aws Never, azure false),
    claim!("guest_access", BooleanString, GoogleCloudIntegration, Setting, User,
        since "16.10", aws Never, azure false, values BOOLEAN),
    claim!("reporter_access", BooleanString, GoogleCloudIntegration, Setting, User,
        since "16.10", aws Never, azure false, values BOOLEAN),
    claim!("developer_access", BooleanString, GoogleCloudIntegration, Setting, User,
        since "16.10", aws Never, azure false, values BOOLEAN),
    claim!("maintainer_access", BooleanString, GoogleCloudIntegration, Setting, User,
        since "16.10", aws Never, azure false, values BOOLEAN),
    claim!("owner_access", BooleanString, GoogleCloudIntegration, Setting, User,
        since "16.10", aws Never, azure false, values BOOLEAN),
    // Described by GitLab MR !258245 (pipelines from forks), not yet in the docs table.
    claim!("source_project_id", IdString, Always, StableId, Project, since "", aws Never,
        azure false, mr "!258245"),
    claim!("source_project_path", String, Always, Mutable, Project, since "", aws Never,
        azure false, mr "!258245"),
    claim!("source_namespace_id", IdString, Always, StableId, Namespace, since "",
        aws Never, azure false, mr "!258245"),
    claim!("source_namespace_path", String, Always, Mutable, Namespace, since "",
        aws Never, azure false, mr "!258245"),
];

/// The claim called `name` (exact, case-sensitive: JSON, CEL and Vault compare names
/// exactly).
pub fn claim(name: &str) -> Option<&'static Claim> {
    CLAIMS.iter().find(|claim| claim.name == name)
}

/// What an AWS condition key means for a given OIDC provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsKey {
    /// AWS populates the key from this claim for this provider (`gitlab.com:project_id`,
    /// `gitlab.example.com:sub`).
    Claim(&'static Claim),
    /// `<provider>:amr`. AWS documents `amr` (Authentication Methods Reference) for
    /// Amazon Cognito; GitLab ID tokens carry no `amr` claim, so the key is absent from
    /// every request of a GitLab provider.
    Amr,
    /// A key with this provider's prefix that AWS never populates for it
    /// (`gitlab.com:project_path`, `gitlab.com:ref`, `gitlab.example.com:project_id`):
    /// absent from every request. `claim` is the GitLab claim of that name, if any
    /// (`None` for `gitlab.com:repository`).
    Unpopulated {
        /// The GitLab claim the key names, if it names one.
        claim: Option<&'static Claim>,
    },
    /// Not a key of this provider: another provider's key or a global key.
    NotProviderKey,
}

/// Classifies the condition key `key` for the OIDC provider `provider`.
///
/// `provider` is the prefix of the provider's keys: `HOST[/PATH]` as in
/// `arn:aws:iam::ACCOUNT:oidc-provider/HOST[/PATH]`; an issuer URL (`https://gitlab.com/`)
/// is accepted too. Condition key names are case-insensitive in IAM, so `GitLab.com:Project_ID`
/// is `gitlab.com:project_id`. The claim part is taken as written: a placeholder
/// (`gitlab.com:${var.field}`) is [`AwsKey::Unpopulated`] with no claim, so callers that
/// resolve placeholders must do so first.
pub fn aws_key(provider: &str, key: &str) -> AwsKey {
    let provider = normalise_provider(provider);
    if provider.is_empty() {
        return AwsKey::NotProviderKey;
    }
    let Some(name) = key
        .get(..provider.len())
        .filter(|head| head.eq_ignore_ascii_case(provider))
        .and_then(|_| key.get(provider.len()..))
        .and_then(|rest| rest.strip_prefix(':'))
    else {
        return AwsKey::NotProviderKey;
    };
    if name.eq_ignore_ascii_case("amr") {
        return AwsKey::Amr;
    }
    let Some(claim) = CLAIMS.iter().find(|c| c.name.eq_ignore_ascii_case(name)) else {
        return AwsKey::Unpopulated { claim: None };
    };
    let populated = match claim.aws {
        AwsSupport::EveryProvider => true,
        AwsSupport::GitLabCom => is_gitlab_com(provider),
        AwsSupport::Never => false,
    };
    if populated {
        AwsKey::Claim(claim)
    } else {
        AwsKey::Unpopulated { claim: Some(claim) }
    }
}

/// The claims AWS populates a condition key for on `provider`, with the key.
pub fn aws_keys(provider: &str) -> impl Iterator<Item = (String, &'static Claim)> + '_ {
    CLAIMS
        .iter()
        .filter_map(move |claim| Some((claim.aws_key_for(provider)?, claim)))
}

/// `HOST[/PATH]` of a provider written as the ARN's suffix or as an issuer URL.
fn normalise_provider(provider: &str) -> &str {
    let provider = provider.trim();
    let provider = ["https://", "http://"]
        .iter()
        .find_map(|scheme| {
            provider
                .get(..scheme.len())
                .filter(|head| head.eq_ignore_ascii_case(scheme))
                .and_then(|_| provider.get(scheme.len()..))
        })
        .unwrap_or(provider);
    provider.trim_end_matches('/')
}

/// Whether `provider` (normalised) is GitLab.com's, the only provider AWS populates
/// GitLab-specific keys for.
fn is_gitlab_com(provider: &str) -> bool {
    provider.eq_ignore_ascii_case("gitlab.com")
}

/// The catalog as the Markdown table of `docs/claims.md` (one row per claim, in
/// [`CLAIMS`] order).
pub fn markdown_table() -> String {
    let mut table = String::from(
        "| claim | type | values | present | stability | since | AWS condition key | GCP (CEL) | Vault | Azure |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for claim in CLAIMS {
        let since = match (claim.documented, claim.since) {
            (Documented::MergeRequest(mr), _) => format!("MR {mr}"),
            (Documented::Docs, "") => "15.7".to_owned(),
            (Documented::Docs, version) => version.to_owned(),
        };
        let aws = match claim.aws {
            AwsSupport::EveryProvider => format!("`<provider>:{}`", claim.name),
            AwsSupport::GitLabCom => format!("`{}` (gitlab.com only)", claim.gitlab_com_key),
            AwsSupport::Never => "—".to_owned(),
        };
        let vault = match claim.vault_field {
            Some(field) => format!("`{field}`"),
            None => format!("`bound_claims.{}`", claim.name),
        };
        let azure = match (claim.azure_field, claim.azure_claim()) {
            (Some(field), Some(lookup)) => format!("`{field}`, `{lookup}`"),
            (Some(field), None) => format!("`{field}`"),
            (None, Some(lookup)) => format!("`{lookup}`"),
            (None, None) => "—".to_owned(),
        };
        let values = match claim.values {
            Some(values) => values
                .iter()
                .map(|value| format!("`{value}`"))
                .collect::<Vec<_>>()
                .join(", "),
            None => "—".to_owned(),
        };
        table.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | `{}` | {} | {} |\n",
            claim.name,
            claim.ty.name(),
            values,
            claim.presence.name(),
            claim.stability.name(),
            since,
            aws,
            claim.gcp,
            vault,
            azure,
        ));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FEDERATION.md §1: the `gitlab.com:*` keys of the AWS Service Authorization
    /// Reference.
    const GITLAB_COM_KEYS: [&str; 9] = [
        "gitlab.com:namespace_id",
        "gitlab.com:pipeline_source",
        "gitlab.com:project_id",
        "gitlab.com:ref_protected",
        "gitlab.com:runner_environment",
        "gitlab.com:user_access_level",
        "gitlab.com:user_email",
        "gitlab.com:user_id",
        "gitlab.com:user_login",
    ];

    /// The claims of GitLab's "Token payload" tables (standard, then custom), as the
    /// stored 18.9+ docs list them.
    const DOCUMENTED: [&str; 40] = [
        "iss",
        "sub",
        "aud",
        "exp",
        "nbf",
        "iat",
        "jti",
        "project_id",
        "project_path",
        "namespace_id",
        "namespace_path",
        "user_id",
        "user_login",
        "user_email",
        "user_access_level",
        "job_project_id",
        "job_project_path",
        "job_namespace_id",
        "job_namespace_path",
        "user_identities",
        "pipeline_id",
        "pipeline_source",
        "job_id",
        "ref",
        "ref_type",
        "ref_path",
        "ref_protected",
        "groups_direct",
        "environment",
        "environment_protected",
        "deployment_tier",
        "environment_action",
        "runner_id",
        "runner_environment",
        "sha",
        "ci_config_ref_uri",
        "ci_config_sha",
        "project_visibility",
        "job_source",
        "job_config",
    ];

    #[test]
    fn claims_gitlab_com_keys_map_both_ways() {
        for key in GITLAB_COM_KEYS {
            let (_, name) = key.split_once(':').unwrap();
            let AwsKey::Claim(claim) = aws_key("gitlab.com", key) else {
                panic!("{key} is not a populated key");
            };
            assert_eq!(claim.name, name);
            assert_eq!(claim.gitlab_com_key(), Some(key));
            assert_eq!(claim.aws_key_for("gitlab.com").as_deref(), Some(key));
        }
        // And no other GitLab-specific key: gitlab.com gets these nine plus sub and aud.
        let mut populated: Vec<String> = aws_keys("gitlab.com").map(|(key, _)| key).collect();
        populated.sort();
        let mut expected: Vec<String> = GITLAB_COM_KEYS
            .iter()
            .map(|key| (*key).to_owned())
            .chain(["gitlab.com:aud".to_owned(), "gitlab.com:sub".to_owned()])
            .collect();
        expected.sort();
        assert_eq!(populated, expected);
    }

    #[test]
    fn claims_self_managed_hosts_get_only_sub_and_aud() {
        let keys: Vec<String> = aws_keys("gitlab.example.com").map(|(key, _)| key).collect();
        assert_eq!(keys, ["gitlab.example.com:sub", "gitlab.example.com:aud"]);
        for key in GITLAB_COM_KEYS {
            let (_, name) = key.split_once(':').unwrap();
            let key = format!("gitlab.example.com:{name}");
            assert_eq!(
                aws_key("gitlab.example.com", &key),
                AwsKey::Unpopulated { claim: claim(name) },
                "{key}"
            );
        }
        assert_eq!(
            aws_key("gitlab.example.com", "gitlab.example.com:sub"),
            AwsKey::Claim(claim("sub").unwrap())
        );
        assert_eq!(
            aws_key("gitlab.example.com", "gitlab.example.com:amr"),
            AwsKey::Amr
        );
        // A GitLab installed under a path: the path is part of the prefix.
        assert_eq!(
            aws_key("example.com/gitlab", "example.com/gitlab:aud"),
            AwsKey::Claim(claim("aud").unwrap())
        );
        assert_eq!(
            aws_key("example.com/gitlab", "example.com:aud"),
            AwsKey::NotProviderKey
        );
    }

    #[test]
    fn claims_unknown_and_unpopulated_keys_are_classified() {
        for name in [
            "project_path",
            "ref",
            "namespace_path",
            "environment",
            "ref_type",
        ] {
            let key = format!("gitlab.com:{name}");
            assert_eq!(
                aws_key("gitlab.com", &key),
                AwsKey::Unpopulated { claim: claim(name) },
                "{key}"
            );
        }
        assert_eq!(
            aws_key("gitlab.com", "gitlab.com:repository"),
            AwsKey::Unpopulated { claim: None }
        );
        assert_eq!(
            aws_key("gitlab.com", "gitlab.com:${var.match_field}"),
            AwsKey::Unpopulated { claim: None }
        );
        assert_eq!(aws_key("gitlab.com", "gitlab.com:amr"), AwsKey::Amr);
        for key in [
            "aws:SourceIp",
            "token.actions.githubusercontent.com:sub",
            "gitlab.example.com:sub",
            "gitlab.comx:sub",
            "gitlab.co:sub",
            "gitlab.com",
            "",
        ] {
            assert_eq!(aws_key("gitlab.com", key), AwsKey::NotProviderKey, "{key}");
        }
        assert_eq!(aws_key("", ":sub"), AwsKey::NotProviderKey);
    }

    #[test]
    fn claims_condition_key_names_ignore_case() {
        let project_id = claim("project_id").unwrap();
        assert_eq!(
            aws_key("gitlab.com", "GitLab.com:Project_ID"),
            AwsKey::Claim(project_id)
        );
        assert_eq!(
            aws_key("GITLAB.COM", "gitlab.com:project_id"),
            AwsKey::Claim(project_id)
        );
        assert_eq!(
            aws_key("https://GitLab.com/", "gitlab.com:SUB"),
            AwsKey::Claim(claim("sub").unwrap())
        );
        assert_eq!(
            project_id.aws_key_for("https://gitlab.com").as_deref(),
            Some("gitlab.com:project_id")
        );
        assert_eq!(project_id.aws_key_for("gitlab.example.com"), None);
        assert_eq!(
            claim("sub")
                .unwrap()
                .aws_key_for("https://gitlab.example.com/"),
            Some("gitlab.example.com:sub".to_owned())
        );
        // Claim names in tokens are exact.
        assert!(claim("Project_ID").is_none());
    }

    #[test]
    fn claims_names_are_unique_and_follow_each_partys_syntax() {
        for (i, claim) in CLAIMS.iter().enumerate() {
            assert!(
                CLAIMS[..i].iter().all(|other| other.name != claim.name),
                "{} twice",
                claim.name
            );
            // A CEL identifier, a Vault key, an IAM key suffix: lowercase ASCII words.
            assert!(!claim.name.is_empty());
            assert!(
                claim
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                claim.name
            );
            assert!(claim.name.starts_with(|c: char| c.is_ascii_lowercase()));
            assert_eq!(claim.gcp_source(), format!("assertion.{}", claim.name));
            assert_eq!(claim.vault_claim(), claim.name);
            if let Some(lookup) = claim.azure_claim() {
                assert_eq!(lookup, format!("claims['{}']", claim.name));
            }
            match claim.gitlab_com_key() {
                Some(key) => {
                    assert_ne!(claim.aws, AwsSupport::Never);
                    assert_eq!(key, format!("gitlab.com:{}", claim.name));
                    // Every populated key is a String key in the Service Authorization
                    // Reference: a value GitLab sends as a string.
                    assert!(claim.ty.is_string() || claim.ty == ClaimType::StringOrList);
                }
                None => assert_eq!(claim.aws, AwsSupport::Never),
            }
        }
    }

    #[test]
    fn claims_cover_gitlabs_documented_payload() {
        let documented: Vec<&str> = CLAIMS
            .iter()
            .filter(|claim| {
                claim.documented == Documented::Docs
                    && claim.presence != Presence::GoogleCloudIntegration
            })
            .map(|claim| claim.name)
            .collect();
        assert_eq!(documented, DOCUMENTED);
    }

    #[test]
    fn claims_types_and_presence_follow_gitlabs_source() {
        let ty = |name: &str| claim(name).unwrap().ty;
        for id in [
            "project_id",
            "namespace_id",
            "user_id",
            "pipeline_id",
            "job_id",
        ] {
            assert_eq!(ty(id), ClaimType::IdString, "{id}");
        }
        assert_eq!(ty("runner_id"), ClaimType::Number);
        assert!(!ty("runner_id").is_string());
        assert_eq!(ty("ref_protected"), ClaimType::BooleanString);
        assert_eq!(ty("environment_protected"), ClaimType::BooleanString);
        assert_eq!(ty("groups_direct"), ClaimType::StringList);
        for name in [
            "environment",
            "environment_protected",
            "deployment_tier",
            "environment_action",
        ] {
            assert_eq!(
                claim(name).unwrap().presence,
                Presence::WithEnvironment,
                "{name}"
            );
        }
        // Project and namespace paths are mutable, their ids stable; refs are chosen by
        // the pusher.
        let tenant_names = CLAIMS.iter().filter(|claim| {
            claim.about.is_tenant()
                && (claim.name.ends_with("_id") || claim.name.ends_with("_path"))
        });
        for claim in tenant_names {
            let expected = if claim.name.ends_with("_id") {
                Stability::StableId
            } else {
                Stability::Mutable
            };
            assert_eq!(claim.stability, expected, "{}", claim.name);
        }
        assert_eq!(
            claim("project_visibility").unwrap().stability,
            Stability::Setting
        );
    }

    #[test]
    fn claims_values_agree_with_types_and_the_sub_grammar() {
        for claim in CLAIMS {
            if claim.ty == ClaimType::BooleanString {
                assert_eq!(claim.values, Some(BOOLEAN), "{}", claim.name);
            }
            if let Some(values) = claim.values {
                assert!(claim.ty.is_string(), "{}", claim.name);
                assert!(!values.is_empty(), "{}", claim.name);
            }
        }
        let ref_types: Vec<&str> = [
            crate::analysis::sub_claim::RefType::Branch,
            crate::analysis::sub_claim::RefType::Tag,
        ]
        .iter()
        .map(|ref_type| ref_type.name())
        .collect();
        assert_eq!(claim("ref_type").unwrap().values, Some(&ref_types[..]));
        // Every `sub` component is a claim of the same name.
        for component in crate::analysis::sub_claim::Component::ALL {
            assert!(claim(component.name()).is_some(), "{component}");
        }
        for name in ["ref", "ref_type", "ref_path", "environment", "aud"] {
            assert_eq!(
                claim(name).unwrap().stability,
                Stability::PushChosen,
                "{name}"
            );
        }
    }

    #[test]
    fn claims_doc_table_matches_the_catalog() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/claims.md");
        let doc = std::fs::read_to_string(&path).unwrap();
        let start = "<!-- claims-table:start -->\n";
        let end = "<!-- claims-table:end -->";
        let from = doc.find(start).expect("start marker") + start.len();
        let to = doc.find(end).expect("end marker");
        if std::env::var_os("TRUSTLINT_BLESS_CLAIMS").is_some() {
            let blessed = format!("{}{}{}", &doc[..from], markdown_table(), &doc[to..]);
            std::fs::write(&path, blessed).unwrap();
            return;
        }
        assert_eq!(
            &doc[from..to],
            markdown_table(),
            "docs/claims.md is out of date: run this test with TRUSTLINT_BLESS_CLAIMS=1"
        );
    }
}
