//! TL106 condition-key-provider-mismatch: a condition that requires another OIDC
//! provider's claim key (`gitlab.com:sub` in a statement trusting `gitlab.example.com`):
//! the key is absent from every token of the trusted provider, so the statement never
//! matches.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::fixes::replace_key;
use super::{oidc_claim_prefix, requires_foreign_claim, variable_syntax, OidcGrant};
use crate::finding::{Applicability, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct ConditionKeyProviderMismatch;

impl Rule for ConditionKeyProviderMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL106
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let syntax = variable_syntax(policy);
        // The grants as the run's analysis of the policy read them (derived once).
        let grants: Vec<OidcGrant<'_>> = cx
            .grant_analyses(policy)
            .into_iter()
            .map(|analysis| analysis.grant)
            .collect();
        for grant in &grants {
            let statement = grant.statement;
            let host = grant.provider.condition_key_prefix();
            let providers_in_statement = grants
                .iter()
                .filter(|g| std::ptr::eq(g.statement, statement))
                .count();
            for condition in statement
                .conditions
                .iter()
                .filter(|c| requires_foreign_claim(c, &grant.provider, syntax))
            {
                let key = &condition.key.value;
                let Some(prefix) = oidc_claim_prefix(condition) else {
                    continue;
                };
                let claim = condition
                    .key_prefix_and_name()
                    .map_or("sub", |(_, claim)| claim);
                let intended = grant.provider.condition_key(claim);
                let mut finding = Finding::new(
                    self.meta(),
                    condition.key.span,
                    format!(
                        "`{key}` is a claim of the OIDC provider `{prefix}`, but this statement trusts `{host}`: its tokens never carry `{key}`, so `{}` is false for every one of them and the statement admits no token of `{host}` (AccessDenied)",
                        condition.operator.value
                    ),
                )
                .with_help(format!("write the trusted provider's key, `{intended}`"))
                .with_related(grant.principal.span, grant.trusted_here());
                let duplicate = statement
                    .conditions
                    .iter()
                    .any(|c| c.operator.span == condition.operator.span && c.key_is(&intended));
                if providers_in_statement == 1 && !duplicate {
                    finding.fix = replace_key(cx, document, condition.key.span, key, &intended)
                        .map(|edit| Fix {
                            description: format!("replace `{key}` with `{intended}`"),
                            edits: vec![edit],
                            applicability: Applicability::Unsafe,
                        });
                }
                out.push(finding);
            }
        }
    }
}
