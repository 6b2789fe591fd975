//! Facts about the user's GitLab and AWS setup that rules depend on, filled from the
//! configuration file, flags and environment by the CLI.

use trustlint_parser::FileId;

/// The predefined CI/CD variables whose values follow from the settings
/// ([`Settings::predefined_variable`]).
pub const PREDEFINED_VARIABLES: [&str; 8] = [
    "CI_SERVER_URL",
    "CI_SERVER_HOST",
    "CI_SERVER_FQDN",
    "CI_DEFAULT_BRANCH",
    "CI_PROJECT_PATH",
    "CI_PROJECT_NAME",
    "CI_PROJECT_NAMESPACE",
    "CI_PROJECT_ROOT_NAMESPACE",
];

/// The settings rules read. `Default` is gitlab.com with GitLab's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The GitLab host, e.g. `gitlab.com` or `gitlab.example.com`.
    pub gitlab_host: String,
    /// The project the pipelines run in (`group/project`), when known.
    pub gitlab_project: Option<String>,
    /// The project's id (`[gitlab] project-id`), as the token's `project_id` claim
    /// carries it; `None`: unknown, never guessed.
    pub project_id: Option<String>,
    /// The project's group id (`[gitlab] namespace-id`), as `namespace_id` carries it.
    pub namespace_id: Option<String>,
    /// `$CI_DEFAULT_BRANCH`.
    pub default_branch: String,
    /// Protected ref patterns; by default the default branch only.
    pub protected_refs: Vec<String>,
    /// The ID tokens' `iss`; by default `https://{gitlab_host}`.
    pub issuer: Option<String>,
    /// The project's `ci_id_token_sub_claim_components`.
    pub sub_claim: Vec<String>,
    /// The `aud` values pipelines request.
    pub audiences: Vec<String>,
    /// Roles tied to their policy files by the configuration (`[[roles]]`).
    pub roles: Vec<RoleBinding>,
    /// TL216: a service not used for more days than this is unused (`[aws]
    /// unused-after-days`).
    pub unused_after_days: u32,
}

/// A role ARN and the files holding its policies (`[[roles]]`), paths relative to the
/// current folder; the CLI fills in the ids the files got in the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleBinding {
    pub arn: String,
    pub trust: Option<std::path::PathBuf>,
    pub permissions: Vec<std::path::PathBuf>,
    /// The role's `aws iam get-service-last-accessed-details` output.
    pub last_accessed: Option<std::path::PathBuf>,
    /// The workspace file of `trust`, once loaded.
    pub trust_file: Option<FileId>,
    /// The workspace files of `permissions`, once loaded.
    pub permission_files: Vec<FileId>,
    /// The workspace file of `last_accessed`, once loaded.
    pub last_accessed_file: Option<FileId>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            gitlab_host: "gitlab.com".to_string(),
            gitlab_project: None,
            project_id: None,
            namespace_id: None,
            default_branch: "main".to_string(),
            protected_refs: Vec::new(),
            issuer: None,
            sub_claim: ["project_path", "ref_type", "ref"]
                .map(String::from)
                .to_vec(),
            audiences: Vec::new(),
            roles: Vec::new(),
            unused_after_days: 90,
        }
    }
}

impl Settings {
    /// The issuer URL tokens carry.
    pub fn issuer(&self) -> String {
        self.issuer
            .clone()
            .unwrap_or_else(|| format!("https://{}", self.gitlab_host))
    }

    /// The value of a predefined CI/CD variable of [`PREDEFINED_VARIABLES`]:
    /// `CI_SERVER_URL` is `https://{host}`, `CI_SERVER_HOST` and `CI_SERVER_FQDN` the
    /// host, `CI_DEFAULT_BRANCH` the default branch, `CI_PROJECT_*` the parts of the
    /// project path when it is known; `None` otherwise.
    pub fn predefined_variable(&self, name: &str) -> Option<String> {
        let project = self.gitlab_project.as_deref();
        let value = match name {
            "CI_SERVER_URL" => return Some(format!("https://{}", self.gitlab_host)),
            "CI_SERVER_HOST" | "CI_SERVER_FQDN" => &self.gitlab_host,
            "CI_DEFAULT_BRANCH" => &self.default_branch,
            "CI_PROJECT_PATH" => project?,
            "CI_PROJECT_NAME" => project?.rsplit_once('/')?.1,
            "CI_PROJECT_NAMESPACE" => project?.rsplit_once('/')?.0,
            "CI_PROJECT_ROOT_NAMESPACE" => project?.split_once('/')?.0,
            _ => return None,
        };
        Some(value.to_owned())
    }

    /// The protected ref patterns, defaulting to the default branch.
    pub fn protected_refs(&self) -> Vec<String> {
        if self.protected_refs.is_empty() {
            vec![self.default_branch.clone()]
        } else {
            self.protected_refs.clone()
        }
    }
}
