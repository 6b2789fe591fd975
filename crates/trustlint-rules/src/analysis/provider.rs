//! Which CI system an OIDC identity provider belongs to, recognised by its host, and the
//! `sub` language its tokens are reasoned over.
//!
//! GitLab providers are `gitlab.com`, the configured GitLab host or issuer (`[gitlab]
//! host`, `issuer`, `--gitlab-host`), and — a documented heuristic for self-managed
//! instances nobody configured — any other host whose name contains `gitlab`
//! (`gitlab.example.com`, `gitlab.internal`). Known hosts of other CI systems are never
//! GitLab. Only GitLab providers get the GitLab `sub` grammar (and the rules built on it:
//! TL103, TL104, TL115, TL116, TL117); every provider gets TL101, TL102 and TL105–TL112.
//!
//! For other providers, "every token" means every `sub` of the provider's default
//! format that any project can obtain: `repo:…` on GitHub, `organization:…` on Terraform
//! Cloud, `org/…` on CircleCI, any string otherwise.

use std::sync::Mutex;

use trustlint_parser::iam::OidcProviderArn;

use super::automaton::{Dfa, Expr};
use super::sub_questions::SubGrammar;
use crate::settings::Settings;

/// The CI system behind an OIDC provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    GitLab,
    GitHub,
    TerraformCloud,
    CircleCi,
    Bitbucket,
    Other,
}

/// Known non-GitLab hosts (compared ignoring case; a provider may add a path).
const KNOWN_HOSTS: &[(&str, ProviderKind)] = &[
    ("token.actions.githubusercontent.com", ProviderKind::GitHub),
    ("app.terraform.io", ProviderKind::TerraformCloud),
    ("oidc.circleci.com", ProviderKind::CircleCi),
    ("api.bitbucket.org", ProviderKind::Bitbucket),
];

impl ProviderKind {
    /// Recognises `provider` by its host (see the module documentation).
    pub fn of(provider: &OidcProviderArn, settings: &Settings) -> ProviderKind {
        let host = provider.host();
        if let Some((_, kind)) = KNOWN_HOSTS
            .iter()
            .find(|(known, _)| host.eq_ignore_ascii_case(known))
        {
            return *kind;
        }
        let configured = [
            Some(settings.gitlab_host.as_str()),
            settings.issuer.as_deref(),
        ];
        let is_configured = configured.into_iter().flatten().any(|configured| {
            let configured = trim_start_repeated(configured, "https://");
            let configured = trim_start_repeated(configured, "http://").trim_end_matches('/');
            configured.eq_ignore_ascii_case(&provider.provider)
                || configured.eq_ignore_ascii_case(host)
        });
        if host.eq_ignore_ascii_case("gitlab.com")
            || is_configured
            || host
                .as_bytes()
                .windows(b"gitlab".len())
                .any(|window| window.eq_ignore_ascii_case(b"gitlab"))
        {
            ProviderKind::GitLab
        } else {
            ProviderKind::Other
        }
    }

    pub fn is_gitlab(self) -> bool {
        self == ProviderKind::GitLab
    }

    /// The literal start of every `sub` in the provider's default format.
    fn sub_prefix(self) -> &'static str {
        match self {
            ProviderKind::GitHub => "repo:",
            ProviderKind::TerraformCloud => "organization:",
            ProviderKind::CircleCi => "org/",
            ProviderKind::GitLab | ProviderKind::Bitbucket | ProviderKind::Other => "",
        }
    }
}

/// `text` without any number of `prefix`es at its start, as `trim_start_matches` trims
/// them, but comparing bytes (that searcher costs more than the comparisons here).
fn trim_start_repeated<'t>(mut text: &'t str, prefix: &str) -> &'t str {
    while let Some(rest) = text.strip_prefix(prefix) {
        text = rest;
    }
    text
}

impl ProviderKind {
    /// An exact `sub` value of this provider's default format, for help texts.
    pub fn example_sub(self, settings: &Settings) -> String {
        let project = settings
            .gitlab_project
            .as_deref()
            .unwrap_or("mygroup/myproject");
        match self {
            ProviderKind::GitLab => format!(
                "project_path:{project}:ref_type:branch:ref:{}",
                settings.default_branch
            ),
            ProviderKind::GitHub => "repo:my-org/my-repo:ref:refs/heads/main".to_owned(),
            ProviderKind::TerraformCloud => {
                "organization:my-org:project:my-project:workspace:my-workspace:run_phase:apply"
                    .to_owned()
            }
            ProviderKind::CircleCi => "org/ORG_ID/project/PROJECT_ID/user/USER_ID".to_owned(),
            ProviderKind::Bitbucket | ProviderKind::Other => {
                "the exact subject your pipeline's token carries".to_owned()
            }
        }
    }
}

/// The `sub` grammar for tokens of a provider of `kind`: the configured GitLab grammar
/// (`gitlab`),
/// or the generic universe of another provider. `None` when the GitLab grammar is
/// unavailable (invalid `sub-claim`) or the universe can't be built.
pub fn sub_grammar(gitlab: Option<&SubGrammar>, kind: ProviderKind) -> Option<SubGrammar> {
    if kind.is_gitlab() {
        return gitlab.cloned();
    }
    generic_grammar(kind)
}

/// The generic grammar of a provider of `kind` (not GitLab), built once per process:
/// every grant of such a provider asks for it, and sharing it lets the languages it
/// builds be shared too.
fn generic_grammar(kind: ProviderKind) -> Option<SubGrammar> {
    static BUILT: Mutex<Vec<(ProviderKind, SubGrammar)>> = Mutex::new(Vec::new());
    let found = BUILT.lock().ok().and_then(|built| {
        built
            .iter()
            .find(|(built_kind, _)| *built_kind == kind)
            .map(|(_, grammar)| grammar.clone())
    });
    if found.is_some() {
        return found;
    }
    let universe = Expr::Seq(vec![Expr::literal(kind.sub_prefix()), Expr::any_string()]);
    let grammar = SubGrammar::generic(Dfa::from_expr(&universe).ok()?);
    if let Ok(mut built) = BUILT.lock() {
        if !built.iter().any(|(built_kind, _)| *built_kind == kind) {
            built.push((kind, grammar.clone()));
        }
    }
    Some(grammar)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(arn: &str, settings: &Settings) -> ProviderKind {
        ProviderKind::of(&OidcProviderArn::parse(arn).unwrap(), settings)
    }

    #[test]
    fn recognises_providers_by_host() {
        let settings = Settings::default();
        let arn = |provider: &str| format!("arn:aws:iam::210987654321:oidc-provider/{provider}");
        assert_eq!(kind(&arn("gitlab.com"), &settings), ProviderKind::GitLab);
        assert_eq!(
            kind(&arn("gitlab.example.com/gitlab"), &settings),
            ProviderKind::GitLab
        );
        assert_eq!(
            kind(&arn("token.actions.githubusercontent.com"), &settings),
            ProviderKind::GitHub
        );
        assert_eq!(
            kind(&arn("app.terraform.io"), &settings),
            ProviderKind::TerraformCloud
        );
        assert_eq!(
            kind(&arn("oidc.circleci.com/org/1234"), &settings),
            ProviderKind::CircleCi
        );
        assert_eq!(kind(&arn("code.acme.io"), &settings), ProviderKind::Other);
        // Any host naming GitLab, in any case, anywhere in the host name.
        assert_eq!(
            kind(&arn("ci.GitLab.internal"), &settings),
            ProviderKind::GitLab
        );
        assert_eq!(kind(&arn("mygitlab"), &settings), ProviderKind::GitLab);
        assert_eq!(kind(&arn("gitla.b"), &settings), ProviderKind::Other);
        assert_eq!(kind(&arn("code.io/gitlab"), &settings), ProviderKind::Other);
        let configured = Settings {
            gitlab_host: "code.acme.io".into(),
            ..Settings::default()
        };
        assert_eq!(
            kind(&arn("code.acme.io"), &configured),
            ProviderKind::GitLab
        );
        let issuer = Settings {
            issuer: Some("https://example.com/ci".into()),
            ..Settings::default()
        };
        assert_eq!(kind(&arn("example.com/ci"), &issuer), ProviderKind::GitLab);
        let repeated = Settings {
            issuer: Some("https://https://http://example.com/ci/".into()),
            ..Settings::default()
        };
        assert_eq!(
            kind(&arn("example.com/ci"), &repeated),
            ProviderKind::GitLab
        );
    }
}
