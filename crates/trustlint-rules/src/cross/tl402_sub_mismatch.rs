//! TL402 sub-mismatch: on no ref a job can run on does its token satisfy the trust
//! policy of the role it assumes — AccessDenied every time (error); or only on some of
//! them (warning, only when where the job runs is known exactly). A merge-request
//! pipeline's ref is its source branch: any branch. The verdict is the relying-party
//! join's ([`admission`] of the role's [`crate::analysis::aws_party::AwsTrust`]: the whole
//! condition block over the token's claims, per run case).

use super::{jobs_phrase, merge_jobs, role_label};
use crate::analysis::job_runs::{PipelineSource, RunCase};
use crate::analysis::link::Link;
use crate::analysis::relying_party::{
    audience_verdict, issuer_verdict, AudienceVerdict, IssuerVerdict,
    RelyingParty,
};
use crate::analysis::sub_claim::parse_sub;
use crate::analysis::sub_match::SubMatch;
use crate::analysis::sub_questions::SubGrammar;
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct SubMismatch;

impl Rule for SubMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL402
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        for link in cx.links() {
            if let Some(finding) = check_link(self.meta(), cx, link) {
                found.push((link.job.name.value.clone(), finding));
            }
        }
        out.extend(merge_jobs(found, |jobs, finding| {
            format!("{}: {}", jobs_phrase(jobs), finding.message)
        }));
    }
}

/// The verdict of the relying-party join ([`admission`]) on the link's trust, worded
/// with the trust's `sub` values ([`SubMatch`]). Judged only where the trust accepts the
/// pipeline's issuer and the token's audience: TL404 and TL401 report the others.
fn check_link(rule: &'static RuleMeta, cx: &Context<'_>, link: &Link<'_>) -> Option<Finding> {
    let party = cx.aws_trust(link)?;
    if issuer_verdict(party, cx.settings) != IssuerVerdict::Accepted {
        return None;
    }
    let audiences = link.audiences();
    if audience_verdict(party, &audiences) == AudienceVerdict::Refused {
        return None;
    }
    let runs = link.runs(cx.settings);
    let verdict = cx.aws_admission(link)?;
    if verdict.refused_always() {
        let wording = cx.sub_match(link);
        if let Some(refusal) = wording.and_then(|m| m.claims_refused.as_ref()) {
            return Some(claims_refused(rule, link, refusal));
        }
    } else if !(verdict.exact && verdict.refused_sometimes()) {
        return None;
    }
    let wording = cx.sub_match(link);
    let grammar = cx.sub_grammar()?;
    let refusal = verdict.first_refusal(runs);
    let (case, example) = match refusal {
        Some((case, token)) => (case, token.get("sub").map(str::to_owned)),
        None => (verdict.cases.first()?.case(runs)?, None),
    };
    let sub = example.clone().or_else(|| {
        let names = case.names.witness()?;
        Some(format!(
            "project_path:{}:ref_type:{}:ref:{names}",
            cx.settings.gitlab_project.as_deref().unwrap_or("group/project"),
            case.ref_type
        ))
    })?;
    let on = describe_ref(grammar, &sub, case);
    let on = if case.source == PipelineSource::MergeRequestEvent {
        format!("{on} (a merge-request pipeline's ref is its source branch)")
    } else {
        on
    };
    let sub_text = if example.is_some() && cx.settings.gitlab_project.is_some() {
        format!("the sub is `{sub}`")
    } else {
        "the sub (of whichever project runs it: set `[gitlab] project` for an example)".to_owned()
    };
    // Refused only because the ref is not protected: the same token from a protected
    // ref gets in.
    let unprotected = refusal.is_some_and(|(_, token)| {
        token.get("ref_protected") == Some("false")
            && party
                .predicate()
                .eval(&token.clone().with("ref_protected", "true"))
                == Some(true)
    });
    let trust_values = wording.map_or_else(|| "other subs".to_owned(), SubMatch::quoted_trust_values);
    let why = if unprotected {
        "its token carries `ref_protected: \"false\"` there, and the trust requires a protected ref (`ref_protected` = `true`)".to_owned()
    } else {
        format!("but the trust only accepts {trust_values}")
    };
    let role = role_label(link);
    let (severity, message) = if verdict.refused_always() {
        (
            Severity::Error,
            format!(
                "on no ref this job runs on does its token{} satisfy the trust of role {role}: on {on} {sub_text}, {why} — AssumeRoleWithWebIdentity is denied (AccessDenied) every time",
                if unprotected { "" } else { "'s `sub`" }
            ),
        )
    } else {
        (
            Severity::Warning,
            format!(
                "on some refs this job runs on, the trust of role {role} refuses its token: on {on} {sub_text}, {} — the job fails there with AccessDenied",
                if unprotected { why } else { format!("which none of {trust_values} matches") }
            ),
        )
    };
    let mut finding = link
        .with_role_use(Finding::new(rule, link.role_span(), message))
        .with_severity(severity)
        .with_help(format!(
            "restrict the job's `rules:` to the refs the trust accepts, or accept `{sub}` (a `StringEquals` value on the trust's `sub` key) if the job should deploy from {on}"
        ));
    for span in wording.map(|m| m.trust_spans.as_slice()).unwrap_or_default() {
        finding = finding.with_related(*span, "the trust's condition on `sub`");
    }
    if let Some(because) = case.because {
        finding = finding.with_related(because, "the job runs there because of this rule");
    }
    if let Some(token) = link.token {
        finding = finding.with_related(token.name.span, "the token the job presents");
    }
    Some(finding)
}

/// The finding for a trust whose conditions on claims other than `sub` refuse every
/// token of the pipeline's project.
fn claims_refused(rule: &'static RuleMeta, link: &Link<'_>, refusal: &str) -> Finding {
    let role = role_label(link);
    let finding = Finding::new(
        rule,
        link.role_span(),
        format!(
            "the trust of role {role} refuses every token of this project whatever its `sub`: {refusal} — AssumeRoleWithWebIdentity is denied (AccessDenied) every time"
        ),
    )
    .with_severity(Severity::Error)
    .with_help("deploy from the project the trust names, or correct the trust's conditions (`[gitlab] project-id`/`namespace-id` say which project runs the pipelines)");
    link.with_role_use(finding)
}

/// The ref of `sub` in words (``branch `main` ``), or the case's when `sub` doesn't parse.
fn describe_ref(grammar: &SubGrammar, sub: &str, case: &RunCase) -> String {
    match parse_sub(sub, grammar.components()) {
        Ok(claim) => match (claim.ref_type, claim.ref_name) {
            (Some(ref_type), Some(name)) => format!("{ref_type} `{name}`"),
            (None, Some(name)) => format!("ref `{name}`"),
            _ => describe_case_ref(case),
        },
        Err(_) => describe_case_ref(case),
    }
}

fn describe_case_ref(case: &RunCase) -> String {
    match case.names.witness() {
        Some(name) => format!("{} `{name}`", case.ref_type),
        None => "some refs".to_owned(),
    }
}
