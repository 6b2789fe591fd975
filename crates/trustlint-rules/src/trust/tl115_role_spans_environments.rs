//! TL115 role-spans-environments: one GitLab trust admits both protected refs (the
//! configured `protected-refs`, by default the default branch) and, through a wildcard,
//! unprotected refs — the same credentials for production and for any pusher.
//!
//! Only the `sub` half of the rule is checked here: the role's name and tags come from
//! role inputs (IaC, `aws iam get-role`), which are not read yet.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::{analyze_grants, gitlab_roles, variable_syntax};
use crate::analysis::automaton::{AutomatonError, Expr};
use crate::analysis::glob::{Case, Pattern, VariableApprox};
use crate::analysis::sub_claim::RefType;
use crate::analysis::sub_questions::{SubGrammar, SubLanguage};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use crate::settings::Settings;

#[derive(Debug)]
pub struct RoleSpansEnvironments;

impl Rule for RoleSpansEnvironments {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL115
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let syntax = variable_syntax(policy);
        let analyses = analyze_grants(cx, policy);
        for role in gitlab_roles(&analyses) {
            if role.unpinned_ref_type().is_some() {
                continue;
            }
            let Some(grammar) = role
                .grants
                .first()
                .and_then(|a| a.reasoner.as_ref())
                .map(|r| r.grammar())
            else {
                continue;
            };
            let Ok(protected) = protected_subs(grammar, cx.settings) else {
                continue;
            };
            let Some(protected_example) = role
                .subs
                .intersection(&protected)
                .ok()
                .and_then(|inside| inside.example().ok().flatten())
            else {
                continue;
            };
            // Unprotected refs admitted through a wildcard (an explicit list is a choice).
            let found = role.values().into_iter().find_map(|(analysis, value)| {
                if !value.pattern(syntax).has_wildcards() {
                    return None;
                }
                let outside = analysis
                    .gitlab_subs()?
                    .intersection(&value.language)
                    .ok()?
                    .difference(&protected)
                    .ok()?;
                let example = outside.example().ok().flatten()?;
                Some((analysis, value, example))
            });
            let Some((analysis, value, unprotected_example)) = found else {
                continue;
            };
            out.push(
                Finding::new(
                    self.meta(),
                    value.value.span,
                    format!(
                        "this role is trusted both from protected refs (`{protected_example}`) and, through `{}`, from unprotected ones (`{unprotected_example}`): a pipeline on an unprotected ref gets the same credentials as a production deployment",
                        value.value.value
                    ),
                )
                .with_help("use one role per environment: pin this role's `sub` to the protected refs and give other refs a separate, less privileged role")
                .with_related(analysis.grant.principal.span, analysis.grant.trusted_here()),
            );
        }
    }
}

/// The subs of protected refs: the configured `protected-refs` patterns (branches and
/// tags alike), or, by default, the default branch (GitLab protects no tag by default).
fn protected_subs(
    grammar: &SubGrammar,
    settings: &Settings,
) -> Result<SubLanguage, AutomatonError> {
    let refs = Expr::Alt(
        settings
            .protected_refs()
            .iter()
            .map(|p| Pattern::like(p).to_expr(Case::Sensitive, VariableApprox::AnyString))
            .collect(),
    );
    let ref_type = settings
        .protected_refs
        .is_empty()
        .then_some(RefType::Branch);
    grammar.refs(refs, ref_type)
}
