//! TL103 oidc-sub-foreign-namespace: a `StringLike` pattern on a GitLab `sub` that names
//! a namespace but also matches projects outside it (`project_path:acme*`), or names no
//! namespace at all (`project_path:*:ref_type:branch:ref:main`).

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::{variable_syntax, GrantAnalysis, SubValue};
use crate::analysis::automaton::AutomatonError;
use crate::analysis::glob::VariableSyntax;
use crate::analysis::sub_claim::{parse_sub, Component};
use crate::analysis::sub_questions::{SubLanguage, SubOperator};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct OidcSubForeignNamespace;

impl Rule for OidcSubForeignNamespace {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL103
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let syntax = variable_syntax(policy);
        for analysis in cx.grant_analyses(policy) {
            if analysis.admits_every_token() {
                continue;
            }
            let Some(admitted) = analysis.gitlab_subs() else {
                continue;
            };
            for value in analysis.positive_sub_values() {
                if value.operator != SubOperator::Like {
                    continue;
                }
                if let Ok(Some(message)) = outside(&analysis, admitted, &value, syntax) {
                    let host = analysis.grant.provider.condition_key_prefix();
                    out.push(
                        Finding::new(self.meta(), value.value.span, message)
                            .with_help(format!(
                                "end the namespace with `/` (`project_path:mygroup/*`), or list the exact subs with StringEquals; projects on {host} can be created by anyone who may create a group"
                            ))
                            .with_related(analysis.grant.principal.span, analysis.grant.trusted_here()),
                    );
                }
            }
        }
    }
}

/// The message when the value admits (within what the whole policy admits) a project
/// outside the namespace it names.
fn outside(
    analysis: &GrantAnalysis<'_>,
    admitted: &SubLanguage,
    value: &SubValue<'_>,
    syntax: VariableSyntax,
) -> Result<Option<String>, AutomatonError> {
    let Some(reasoner) = &analysis.reasoner else {
        return Ok(None);
    };
    let grammar = reasoner.grammar();
    let pattern = value.pattern(syntax);
    let report = grammar.named_namespace(&pattern);
    if report.exact_project {
        // A pattern spelling out its project path matches that project's subs only.
        return Ok(None);
    }
    let candidates = admitted.intersection(&value.language)?;
    let text = &value.value.value;
    match report.namespace {
        Some(namespace) => {
            let Some(example) = candidates.outside_namespace_example(&namespace)? else {
                return Ok(None);
            };
            let who = if pattern
                .literal_prefix()
                .ends_with(&format!("project_path:{namespace}"))
            {
                format!("any project whose path merely starts with `{namespace}`")
            } else {
                format!("a project outside `{namespace}`")
            };
            Ok(Some(format!(
                "`{text}` names the namespace `{namespace}` but also matches projects outside it: {who} — for example `{example}` — can assume this role"
            )))
        }
        None => {
            let Some(first) = candidates.example()? else {
                return Ok(None);
            };
            let Some(project) = parse_sub(&first, grammar.components())
                .ok()
                .and_then(|claim| claim.value(Component::ProjectPath).map(str::to_owned))
            else {
                return Ok(None);
            };
            let others = candidates.difference(&grammar.project(&project, None)?)?;
            let Some(other) = others.example()? else {
                return Ok(None);
            };
            Ok(Some(format!(
                "`{text}` fixes no namespace: any project on {} — for example `{other}` — can assume this role",
                analysis.grant.provider.condition_key_prefix()
            )))
        }
    }
}
