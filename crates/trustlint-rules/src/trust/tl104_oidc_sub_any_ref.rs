//! TL104 oidc-sub-any-ref: a GitLab trust that admits every branch (or every tag) of
//! some project, so any pusher can assume the role from an unprotected ref; or that
//! names a ref under `StringEqualsIgnoreCase`, which admits its unprotected case
//! variants; or whose wildcard admits only refs that are not protected
//! (`ref:release/*` when only `main` is).

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;

use super::{variable_syntax, GrantAnalysis};
use crate::analysis::claim_pins::TenantPin;
use crate::analysis::job_runs::protected_subs;
use crate::analysis::sub_claim::{Component, RefType};
use crate::analysis::sub_questions::SubOperator;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct OidcSubAnyRef;

impl Rule for OidcSubAnyRef {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL104
    }

    fn check_policy(
        &self,
        cx: &Context<'_>,
        _document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        for analysis in cx.grant_analyses(policy) {
            let Some((project, ref_type)) = analysis.every_ref() else {
                out.extend(case_variants(self.meta(), &analysis));
                out.extend(unprotected_only(self.meta(), cx, &analysis));
                continue;
            };
            if let Some(pin) = analysis.pins.tenant.first() {
                out.push(pinned_any_ref(self.meta(), cx, &analysis, pin, ref_type));
                continue;
            }
            // The subs of the project's refs of that type.
            let project_refs = analysis
                .reasoner
                .as_ref()
                .and_then(|r| r.grammar().project(&project, Some(ref_type)).ok());
            let values = analysis.positive_sub_values();
            // The value that alone admits every such ref, else any `sub` condition.
            let culprit = project_refs.as_ref().and_then(|refs| {
                values
                    .iter()
                    .find(|v| v.language.includes(refs).unwrap_or(false))
            });
            let primary = culprit
                .map(|v| v.value.span)
                .or_else(|| analysis.sub_conditions().next().map(|c| c.values_span))
                .unwrap_or(analysis.grant.statement.span);
            let example = analysis
                .gitlab_subs()
                .zip(project_refs.as_ref())
                .and_then(|(subs, refs)| subs.intersection(refs).ok()?.witness())
                .unwrap_or_default();
            let written = culprit.map_or_else(String::new, |v| format!("`{}` ", v.value.value));
            // A pattern naming one project, or several (`project_path:acme/*`)?
            let by_id = analysis.reasoner.as_ref().is_some_and(|r| {
                !r.grammar().components().contains(Component::ProjectPath)
            });
            let one_project = culprit.is_some_and(|v| {
                analysis.reasoner.as_ref().is_some_and(|r| {
                    let grammar = r.grammar();
                    if grammar.components().contains(Component::ProjectPath) {
                        grammar
                            .named_namespace(&v.pattern(variable_syntax(policy)))
                            .exact_project
                    } else {
                        // A `project_id`-first `sub`: the id written out.
                        written_id(&v.value.value).is_some()
                    }
                })
            });
            let whose = if one_project {
                format!("of `{project}`")
            } else {
                format!("of every project it matches, such as `{project}`")
            };
            let tags_too = ref_type == RefType::Branch
                && analysis.gitlab_subs().is_some_and(|subs| {
                    subs.accepts_every_ref_of(&project, RefType::Tag)
                        .unwrap_or(false)
                });
            let refs = if tags_too {
                "branch and every tag".to_owned()
            } else {
                ref_type.to_string()
            };
            let message = format!(
                "{written}admits every {refs} {whose}: anyone who can push a {ref_type} there — for example `{example}` — can assume this role from an unprotected ref"
            );
            out.push(
                Finding::new(self.meta(), primary, message)
                    .with_help(format!(
                        "pin the protected ref: `{}:{project}:ref_type:branch:ref:{}` (one role per environment)",
                        if by_id { "project_id" } else { "project_path" },
                        cx.settings.default_branch
                    ))
                    .with_related(analysis.grant.principal.span, analysis.grant.trusted_here()),
            );
        }
    }
}

/// The project id a `project_id`-first `sub` pattern writes out, without wildcards.
fn written_id(pattern: &str) -> Option<&str> {
    let mut fields = pattern.split(':');
    fields.find(|field| *field == "project_id")?;
    fields.next().filter(|id| !id.is_empty() && !id.contains(['*', '?', '$']))
}

/// A grant whose ids pin the projects (`gitlab.com:project_id`, `namespace_id`) but
/// whose `sub` conditions admit every ref of theirs: one project (or group), any ref.
fn pinned_any_ref(
    rule: &'static RuleMeta,
    cx: &Context<'_>,
    analysis: &GrantAnalysis<'_>,
    pin: &TenantPin,
    ref_type: RefType,
) -> Finding {
    let grant = &analysis.grant;
    let key = grant.provider.condition_key(pin.claim);
    let ids = pin
        .ids
        .iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let what = if pin.claim == "project_id" {
        "the project"
    } else {
        "the group's projects"
    };
    let sub = grant.provider.condition_key("sub");
    let how = match analysis.sub_conditions().next() {
        Some(_) => format!("its `{sub}` conditions admit every {ref_type}"),
        None => format!("nothing checks `{sub}`, so every {ref_type} is admitted"),
    };
    let pinned_at = grant
        .statement
        .conditions
        .get(pin.condition)
        .map_or(grant.statement.span, |c| c.key.span);
    let mut finding = Finding::new(
        rule,
        pinned_at,
        format!(
            "`{key}` ({ids}) pins {what}, but {how}: anyone who can push a {ref_type} there can assume this role from an unprotected ref"
        ),
    )
    .with_help(format!(
        "also require a protected ref: `\"{}\": \"true\"`, or pin the ref in `{sub}` (`…:ref_type:branch:ref:{}`)",
        grant.provider.condition_key("ref_protected"),
        cx.settings.default_branch
    ))
    .with_related(grant.principal.span, grant.trusted_here());
    for condition in analysis.sub_conditions() {
        finding = finding.with_related(condition.values_span, "admits every ref");
    }
    finding
}

/// `StringEqualsIgnoreCase` on a GitLab `sub` that names a ref: it also admits the ref's
/// case variants (`ref:MAIN` for `ref:main`), and GitLab's branch and tag protection is
/// case-sensitive, so any Developer can push the unprotected `MAIN` and assume the role.
/// On `gitlab.com` a condition on `ref_protected` closes that; then nothing is reported.
fn case_variants(rule: &'static RuleMeta, analysis: &GrantAnalysis<'_>) -> Vec<Finding> {
    let grant = &analysis.grant;
    if !grant.kind.is_gitlab() || grant.conditions_on("ref_protected").next().is_some() {
        return Vec::new();
    }
    analysis
        .positive_sub_values()
        .into_iter()
        // A value no token can carry is TL116's.
        .filter(|v| v.operator == SubOperator::EqualsIgnoreCase && !v.language.is_empty())
        .filter_map(|v| {
            let name = ref_name(&v.value.value)?;
            let upper = name.to_ascii_uppercase();
            Some(
                Finding::new(
                    rule,
                    v.value.span,
                    format!(
                        "`StringEqualsIgnoreCase` also admits every case variant of the ref `{name}` (`{upper}`, …): GitLab's branch and tag protection is case-sensitive, so anyone who can push a branch can push an unprotected `{upper}` and assume this role"
                    ),
                )
                .with_help("compare `sub` with `StringEquals`: GitLab writes the ref name exactly as it is")
                .with_related(grant.principal.span, grant.trusted_here()),
            )
        })
        .collect()
}

/// `StringLike` wildcards on a GitLab `sub` that admit refs, none of them protected
/// (`[gitlab] protected-refs`, by default the default branch): `ref:release/*` when only
/// `main` is protected lets anyone who can push `release/x` assume the role.
fn unprotected_only(
    rule: &'static RuleMeta,
    cx: &Context<'_>,
    analysis: &GrantAnalysis<'_>,
) -> Vec<Finding> {
    let grant = &analysis.grant;
    let (Some(reasoner), Some(admitted)) = (analysis.reasoner.as_ref(), analysis.gitlab_subs())
    else {
        return Vec::new();
    };
    if !grant.kind.is_gitlab() || analysis.pins.protected_only || analysis.pins.denies_every_token() {
        return Vec::new();
    }
    let Ok(protected) = protected_subs(reasoner.grammar(), cx.settings) else {
        return Vec::new();
    };
    analysis
        .positive_sub_values()
        .into_iter()
        .filter(|v| v.operator == SubOperator::Like && v.value.value.contains(['*', '?']))
        .filter_map(|v| {
            let subs = v.language.intersection(admitted).ok()?;
            if subs.is_empty() || !subs.intersection(&protected).ok()?.is_empty() {
                return None;
            }
            let example = subs.example().ok()??;
            Some(
                Finding::new(
                    rule,
                    v.value.span,
                    format!(
                        "`{}` admits only refs that are not protected (protected: {}): anyone who can push such a ref — for example `{example}` — can assume this role",
                        v.value.value,
                        cx.settings.protected_refs().join(", ")
                    ),
                )
                .with_help("protect the refs the pattern names in GitLab and list them in `[gitlab] protected-refs`, or pin a protected ref")
                .with_related(grant.principal.span, grant.trusted_here()),
            )
        })
        .collect()
}

/// The `ref` component of a GitLab `sub` (`name:value` pairs; ref names never contain
/// `:`), when it has a letter whose case can vary.
fn ref_name(sub: &str) -> Option<&str> {
    let parts: Vec<&str> = sub.split(':').collect();
    parts
        .chunks(2)
        .find_map(|pair| match pair {
            ["ref", name] => Some(*name),
            _ => None,
        })
        .filter(|name| name.chars().any(|c| c.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::ref_name;

    #[test]
    fn ref_component() {
        assert_eq!(
            ref_name("project_path:g/p:ref_type:branch:ref:main"),
            Some("main")
        );
        assert_eq!(
            ref_name("project_path:g/p:ref:release/v1:ref_type:tag"),
            Some("release/v1")
        );
        assert_eq!(ref_name("project_path:g/p:ref_type:tag:ref:1.0"), None);
        assert_eq!(ref_name("project_path:g/p:ref_type:branch"), None);
    }
}
