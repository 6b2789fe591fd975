//! TL403 trust-broader-than-use: the trust of a role admits `sub` values of the
//! pipeline's project that no job assuming the role produces — refs nobody deploys from,
//! open to anyone who can push them. Judged only when every job linked to the role is
//! known exactly (project configured, rules evaluated without widening, every include
//! read); the help gives the exact `StringEquals` list the jobs need when it is finite.

use std::sync::Arc;

use trustlint_parser::input::Content;
use trustlint_parser::Span;

use crate::analysis::link::Link;
use crate::analysis::sub_match::SubMatch;
use super::{issuer_provider, jobs_phrase, role_label};
use crate::analysis::sub_questions::SubLanguage;
use crate::finding::{Applicability, Edit, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

/// The longest `StringEquals` list the help suggests.
const MAX_LISTED_SUBS: usize = 20;

#[derive(Debug)]
pub struct TrustBroaderThanUse;

impl Rule for TrustBroaderThanUse {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL403
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let Some(project) = cx.settings.gitlab_project.as_deref() else {
            return;
        };
        for group in by_trust(cx.links()) {
            let matches: Option<Vec<&SubMatch>> = group.iter().map(|l| cx.sub_match(l)).collect();
            let Some(matches) = matches.filter(|m| m.iter().all(|m| m.exact)) else {
                continue;
            };
            if group.iter().any(|l| l.pipeline.incomplete) {
                continue;
            }
            if let Some(finding) = broader(self.meta(), cx, project, &group, &matches) {
                out.push(finding);
            }
        }
    }
}

/// The links grouped by the trust policy they lead to, in order of first appearance.
fn by_trust<'l, 'w>(links: &'l [Link<'w>]) -> Vec<Vec<&'l Link<'w>>> {
    let mut groups: Vec<(Span, Vec<&Link<'w>>)> = Vec::new();
    for link in links {
        let Some((_, trust)) = link.trust() else {
            continue;
        };
        match groups.iter_mut().find(|(span, _)| *span == trust.span) {
            Some((_, group)) => group.push(link),
            None => groups.push((trust.span, vec![link])),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

fn broader(
    rule: &'static RuleMeta,
    cx: &Context<'_>,
    project: &str,
    group: &[&Link<'_>],
    matches: &[&SubMatch],
) -> Option<Finding> {
    let first = matches.first()?;
    let mut used: SubLanguage = first.grammar.none();
    for matched in matches {
        used = used
            .union(
                &matched
                    .all_job_subs()?
                    .intersection(&matched.admitted)
                    .ok()?,
            )
            .ok()?;
    }
    let of_project = first
        .admitted
        .intersection(&first.grammar.project(project, None).ok()?)
        .ok()?;
    if used.is_empty() {
        return None; // no job gets in at all: TL402's error
    }
    let unused = of_project.difference(&used).ok()?;
    let example = unused.example().ok()??;
    let link = group.first()?;
    let mut jobs: Vec<Arc<str>> = Vec::new();
    for link in group {
        if !jobs.contains(&link.job.name.value) {
            jobs.push(link.job.name.value.clone());
        }
    }
    let listed = used.finite_members(MAX_LISTED_SUBS);
    let json_list = listed.as_ref().map(|subs| {
        format!(
            "[{}]",
            subs.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    let needed = match &json_list {
        Some(list) => format!(
            "accept exactly what the jobs use: `\"StringEquals\": {{\"{}:sub\": {list}}}`",
            issuer_provider(cx.settings),
        ),
        None => format!(
            "narrow the `sub` patterns to the refs the jobs run on (they need e.g. `{}`, and more than {MAX_LISTED_SUBS} values or a pattern)",
            used.example().ok().flatten().unwrap_or_default()
        ),
    };
    let mut finding = Finding::new(
        rule,
        *first.trust_spans.first()?,
        format!(
            "the trust of role {} admits `sub` values of `{project}` that no job assuming it produces — on {} the sub `{example}` is accepted, but {} never run{} there: anyone who can push such a ref can assume the role",
            role_label(link),
            first.describe_ref(&example),
            jobs_phrase(&jobs),
            if jobs.len() == 1 { "s" } else { "" },
        ),
    )
    .with_help(needed);
    let primary = finding.primary;
    let (document, _) = link.trust()?;
    if let (Some(list), Content::IamPolicy(_), [_]) =
        (json_list, &document.content, first.trust_spans.as_slice())
    {
        finding.fix = Some(Fix {
            description: "accept exactly the subs the jobs use".to_owned(),
            edits: vec![Edit {
                span: primary,
                replacement: list,
            }],
            applicability: Applicability::Unsafe,
        });
    }
    for link in group {
        finding = finding.with_related(
            link.role_span(),
            format!("job `{}` assumes this role", link.job.name.value),
        );
    }
    Some(finding)
}
