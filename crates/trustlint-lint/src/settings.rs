//! Resolves the rules' settings from flags, the configuration and, when running inside
//! GitLab CI, its predefined variables: flag > config > environment > default (the
//! project also from the git remote of the repository checked, last).

use std::env;
use std::path::Path;

use trustlint_rules::{RoleBinding, Settings};

use crate::config::Config;
use crate::git_remote;
use crate::request::LintRequest;

fn env_var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.is_empty())
}

/// The settings of the files to which `config` applies, all in the repository at `root`
/// when there is one.
pub fn resolve(request: &LintRequest, config: &Config, root: Option<&Path>) -> Settings {
    let defaults = Settings::default();
    let gitlab = &config.gitlab;
    let gitlab_host = request
        .gitlab_host
        .clone()
        .or_else(|| gitlab.host.clone())
        .or_else(|| env_var("CI_SERVER_HOST"))
        .unwrap_or(defaults.gitlab_host);
    let gitlab_project = request
        .gitlab_project
        .clone()
        .or_else(|| gitlab.project.clone())
        .or_else(|| env_var("CI_PROJECT_PATH"))
        .or_else(|| git_remote::project(root?, &gitlab_host));
    let id = |written: &Option<crate::config::NumericId>, variable: &str| {
        written
            .as_ref()
            .and_then(|id| id.claim_value().ok())
            .or_else(|| env_var(variable))
    };
    Settings {
        gitlab_host,
        gitlab_project,
        project_id: id(&gitlab.project_id, "CI_PROJECT_ID"),
        namespace_id: id(&gitlab.namespace_id, "CI_PROJECT_NAMESPACE_ID"),
        default_branch: gitlab
            .default_branch
            .clone()
            .or_else(|| env_var("CI_DEFAULT_BRANCH"))
            .unwrap_or(defaults.default_branch),
        protected_refs: gitlab.protected_refs.clone(),
        issuer: gitlab.issuer.clone(),
        sub_claim: gitlab.sub_claim.clone().unwrap_or(defaults.sub_claim),
        audiences: config.aws.audiences.clone(),
        unused_after_days: config
            .aws
            .unused_after_days
            .unwrap_or(defaults.unused_after_days),
        roles: config
            .roles
            .iter()
            .map(|role| RoleBinding {
                arn: role.arn.clone(),
                trust: role.trust.as_ref().map(|path| config.base_dir.join(path)),
                permissions: role
                    .permissions
                    .iter()
                    .map(|path| config.base_dir.join(path))
                    .collect(),
                last_accessed: role
                    .last_accessed
                    .as_ref()
                    .map(|path| config.base_dir.join(path)),
                trust_file: None,
                permission_files: Vec::new(),
                last_accessed_file: None,
            })
            .collect(),
    }
}
