//! TL120 unsupported-claim-key: a condition on a key AWS never fills for the provider
//! (`gitlab.com:project_path`, `gitlab.com:ref`, any key but `sub`/`aud`/`amr` of a
//! self-managed GitLab host; [`crate::analysis::claims::aws_key`]). The key is absent
//! from every request, so a positive operator is false for every token — the statement
//! admits none and every deploy fails with `AccessDenied` — and a negated or `…IfExists`
//! one is true for every token: it restricts nothing.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use crate::analysis::claims::{aws_keys, claim};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct UnsupportedClaimKey;

impl Rule for UnsupportedClaimKey {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL120
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        for analysis in cx.grant_analyses(policy) {
            let grant = &analysis.grant;
            let host = grant.provider.condition_key_prefix();
            for unpopulated in &analysis.pins.unpopulated {
                let Some(condition) = grant.statement.conditions.get(unpopulated.condition) else {
                    continue;
                };
                let key = &condition.key.value;
                let effect = if unpopulated.denies_every_token {
                    format!(
                        "`{}` on it is false for every token, so this statement admits none: every `AssumeRoleWithWebIdentity` from {host} fails with AccessDenied",
                        condition.operator.value
                    )
                } else {
                    format!(
                        "`{}` on it is true for every token: it restricts nothing",
                        condition.operator.value
                    )
                };
                let message =
                    format!("AWS never fills `{key}` for tokens of `{host}`: {effect}");
                let name = key.rsplit(':').next().unwrap_or_default();
                let populated = aws_keys(host)
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let help = match claim(name) {
                    Some(_) if ["project_path", "ref", "ref_type"].contains(&name) => format!(
                        "the {name} is part of `{host}:sub`: compare `sub` instead (AWS fills {populated} for this provider)"
                    ),
                    _ => format!("AWS fills only {populated} for this provider"),
                };
                out.push(
                    Finding::new(self.meta(), condition.key.span, message)
                        .with_help(help)
                        .with_related(grant.principal.span, grant.trusted_here()),
                );
            }
        }
    }
}
