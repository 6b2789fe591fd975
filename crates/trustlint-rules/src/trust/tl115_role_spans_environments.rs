//! TL115 role-spans-environments: one GitLab trust admits both protected refs (the
//! configured `protected-refs`, by default the default branch) and, through a wildcard,
//! unprotected refs — the same credentials for production and for any pusher; or a role
//! whose name or environment tag says production admits unprotected refs at all.
//!
//! The first half judges every trust policy ([`Rule::check_policy`]); the second needs
//! the role's name and tags, so only roles read from IaC and exports get it
//! ([`Rule::check_role`]; a raw policy file's name is not its role's name). A role
//! reported by the first half is not reported again by the second.

use trustlint_parser::iam::{PolicyDocument, Role};
use trustlint_parser::input::Document;
use trustlint_parser::Span;

use super::role_environment::{production_tag, production_word};
use super::{gitlab_roles, variable_syntax, GitlabRole, GrantAnalysis, SubValue};
use crate::analysis::automaton::{AutomatonError, Expr};
use crate::analysis::glob::{Case, Pattern, VariableApprox, VariableSyntax};
use crate::analysis::sub_claim::RefType;
use crate::analysis::sub_questions::{SubGrammar, SubLanguage, SubRegion};
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
        let analyses = cx.grant_analyses(policy);
        for role in gitlab_roles(&analyses) {
            let Some(protected) = protected_refs(&role, cx.settings) else {
                continue;
            };
            let Some(mixed) = mixed_refs(&role, &protected, syntax) else {
                continue;
            };
            let Unprotected {
                analysis,
                value,
                example: unprotected_example,
            } = mixed.unprotected;
            out.push(
                Finding::new(
                    self.meta(),
                    value.value.span,
                    format!(
                        "this role is trusted both from protected refs (`{}`) and, through `{}`, from unprotected ones (`{unprotected_example}`): a pipeline on an unprotected ref gets the same credentials as a production deployment",
                        mixed.protected_example, value.value.value
                    ),
                )
                .with_help("use one role per environment: pin this role's `sub` to the protected refs and give other refs a separate, less privileged role")
                .with_related(analysis.grant.principal.span, analysis.grant.trusted_here()),
            );
        }
    }

    fn check_role(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        role: &Role,
        out: &mut Vec<Finding>,
    ) {
        let Some(trust) = &role.trust else {
            return;
        };
        let Some((evidence_span, evidence)) = production_evidence(role) else {
            return;
        };
        let syntax = variable_syntax(trust);
        let analyses = cx.grant_analyses(trust);
        for group in gitlab_roles(&analyses) {
            let Some(protected) = protected_refs(&group, cx.settings) else {
                continue;
            };
            if mixed_refs(&group, &protected, syntax).is_some() {
                continue;
            }
            let Some(Unprotected {
                analysis,
                value,
                example,
            }) = unprotected_value(&group, &protected, syntax, false)
            else {
                continue;
            };
            let protected_refs = cx
                .settings
                .protected_refs()
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let admits = if example == value.value.value {
                format!("trusts the unprotected ref `{example}`")
            } else {
                format!(
                    "`{}` admits unprotected refs (`{example}`)",
                    value.value.value
                )
            };
            out.push(
                Finding::new(
                    self.meta(),
                    value.value.span,
                    format!(
                        "role `{}` is {evidence} but {admits}: whoever can push such a ref gets this environment's credentials",
                        role.name.value
                    ),
                )
                .with_help(format!(
                    "pin this role's `sub` to protected refs (here {protected_refs}; set `[gitlab] protected-refs` if more are protected) and give other refs a separate, less privileged role"
                ))
                .with_related(evidence_span, "this says the role serves production")
                .with_related(analysis.grant.principal.span, analysis.grant.trusted_here()),
            );
        }
    }
}

/// Where and how the role's name or tags say production: its name holds a production
/// word, or an environment tag's value does.
fn production_evidence(role: &Role) -> Option<(Span, String)> {
    if let Some(word) = production_word(&role.name.value) {
        return Some((role.name.span, format!("named for production (`{word}`)")));
    }
    let tag = production_tag(role)?;
    Some((
        tag.value.span,
        format!(
            "tagged for production (`{} = {}`)",
            tag.key.value, tag.value.value
        ),
    ))
}

/// A protected sub the role admits and a value admitting unprotected refs through a
/// wildcard: the first half of the rule.
struct MixedRefs<'v> {
    protected_example: String,
    unprotected: Unprotected<'v>,
}

/// A value of a grant's `sub` condition admitting an unprotected ref, with an example.
struct Unprotected<'v> {
    analysis: &'v GrantAnalysis<'v>,
    value: SubValue<'v>,
    example: String,
}

fn mixed_refs<'v>(
    role: &'v GitlabRole<'_, '_>,
    protected: &ProtectedRefs,
    syntax: VariableSyntax,
) -> Option<MixedRefs<'v>> {
    let protected_example = role
        .subs
        .example_within(&protected.protected)
        .ok()
        .flatten()?;
    // Unprotected refs admitted through a wildcard (an explicit list is a choice).
    let unprotected = unprotected_value(role, protected, syntax, true)?;
    Some(MixedRefs {
        protected_example,
        unprotected,
    })
}

/// The first `sub` value (with a wildcard, when `wildcards_only`) through which the
/// role admits an unprotected sub.
fn unprotected_value<'v>(
    role: &'v GitlabRole<'_, '_>,
    protected: &ProtectedRefs,
    syntax: VariableSyntax,
    wildcards_only: bool,
) -> Option<Unprotected<'v>> {
    role.values().into_iter().find_map(|(analysis, value)| {
        if wildcards_only && !value.has_wildcards(syntax) {
            return None;
        }
        let example = analysis
            .gitlab_subs()?
            .intersection(&value.language)
            .ok()?
            .example_within(&protected.unprotected)
            .ok()
            .flatten()?;
        Some(Unprotected {
            analysis,
            value,
            example,
        })
    })
}

/// The subs of protected refs in the grammar of a role and the others, as regions to
/// take examples from (built once per run).
struct ProtectedRefs {
    protected: SubRegion,
    unprotected: SubRegion,
}

/// The protected and unprotected subs in the grammar of `role`, unless TL117 (a ref
/// name without its type) already reports the role.
fn protected_refs(role: &GitlabRole<'_, '_>, settings: &Settings) -> Option<ProtectedRefs> {
    if role.unpinned_ref_type().is_some() {
        return None;
    }
    let grammar = role.grants.first()?.reasoner.as_ref()?.grammar();
    // The subs depend on the patterns and on whether they are the default.
    let key = format!(
        "protected refs {:?} {}",
        settings.protected_refs(),
        settings.protected_refs.is_empty()
    );
    let protected =
        |grammar: &SubGrammar| grammar.remember(&key, |grammar| protected_subs(grammar, settings));
    Some(ProtectedRefs {
        protected: grammar
            .remember_region(&format!("in {key}"), protected)
            .ok()?,
        unprotected: grammar
            .remember_region(&format!("outside {key}"), |grammar| {
                grammar.all().difference(&protected(grammar)?)
            })
            .ok()?,
    })
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
