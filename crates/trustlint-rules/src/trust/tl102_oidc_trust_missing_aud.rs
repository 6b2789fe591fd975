//! TL102 oidc-trust-missing-aud: an `Allow` for an OIDC provider that never restricts
//! the token's `aud` (or only with conditions every audience satisfies).

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use crate::analysis::provider::{sub_grammar, ProviderKind};
use super::{SubReasoner};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct OidcTrustMissingAud;

impl Rule for OidcTrustMissingAud {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL102
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let analyses = cx.grant_analyses(policy);
        if analyses.is_empty() {
            return;
        }
        // Audiences are free strings for every provider: reason over all strings.
        let Some(reasoner) =
            sub_grammar(cx.sub_grammar(), ProviderKind::Other).map(|grammar| SubReasoner::new(&grammar, policy))
        else {
            return;
        };
        for analysis in analyses {
            let grant = &analysis.grant;
            if analysis.foreign
                || grant.statement.conditions_incomplete
                || grant.unknown_claim_conditions().next().is_some()
            {
                continue;
            }
            let Some(audiences) = reasoner.effective(policy, grant, "aud") else {
                continue;
            };
            if !audiences.is_exact() || !audiences.is_all().unwrap_or(false) {
                continue;
            }
            let host = grant.provider.condition_key_prefix();
            let key = grant.provider.condition_key("aud");
            let message = match grant.conditions_on("aud").next() {
                Some(condition) => format!(
                    "the conditions on `{key}` ({}) accept every audience: a token from `{host}` issued for any audience the provider's client-id list accepts can assume this role",
                    condition.operator.value
                ),
                None => format!(
                    "this statement trusts OIDC tokens from `{host}` but never checks `{key}`: a token issued for any audience the provider's client-id list accepts can assume this role"
                ),
            };
            let audience =
                cx.settings
                    .audiences
                    .first()
                    .cloned()
                    .unwrap_or_else(|| match grant.kind {
                        ProviderKind::GitLab => format!("https://{}", grant.provider.provider),
                        _ => "sts.amazonaws.com".to_owned(),
                    });
            let primary = grant
                .statement
                .condition_key_span
                .unwrap_or(grant.principal.span);
            out.push(
                Finding::new(self.meta(), primary, message)
                    .with_help(format!(
                        "add `\"StringEquals\": {{\"{key}\": \"{audience}\"}}` with the `aud` your pipelines request"
                    ))
                    .with_related(grant.principal.span, grant.trusted_here()),
            );
        }
    }
}
