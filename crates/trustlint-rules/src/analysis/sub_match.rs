//! The `sub` side of a link: the `sub` values the job's token can carry on the refs the
//! job runs on (from [`JobRuns`], the configured project and the `sub-claim`
//! components), against the subs the role's trust admits for the pipeline's issuer
//! (the union over the `Allow` statements that accept the token's `aud`, after `Deny`
//! carve-outs), each grant read with its conditions on the other claims
//! ([`crate::analysis::claim_pins`]): a grant pinning `project_id` or `namespace_id` to
//! other ids than the configured ones admits none of the job's tokens, one requiring
//! `ref_protected` only those of protected refs. Both sides are exact automata; a trust
//! that can't be judged exactly (policy variables, conditions that are not string
//! comparisons) gives no answer.

use trustlint_parser::Span;

use super::automaton::Expr;
use super::grants::{aud_accepted, issuer_provider, GrantAnalysis};
use super::job_runs::{protected_subs, JobRuns, RunCase};
use super::link::Link;
use super::sub_claim::{parse_sub, RefType};
use super::sub_questions::{SubGrammar, SubLanguage};
use crate::settings::Settings;

/// How many trust values a message quotes.
const QUOTED_VALUES: usize = 3;

/// A job's subs and what the trust admits, for one link.
#[derive(Debug)]
pub struct SubMatch {
    pub grammar: SubGrammar,
    /// The subs the trust admits for tokens with the job's `aud`.
    pub admitted: SubLanguage,
    /// The job's subs on branches and on tags (empty languages where it never runs).
    pub job_subs: Vec<(RefType, SubLanguage)>,
    /// Whether [`SubMatch::job_subs`] is exactly what the job produces: the project is
    /// known and where the job runs was computed without widening.
    pub exact: bool,
    /// Whether the pipeline's project is known (`[gitlab] project`): without it the
    /// job's subs stand for every project.
    pub project_known: bool,
    /// Where the job runs.
    pub runs: JobRuns,
    /// The positive `sub` values of the accepting grants, as written.
    pub trust_values: Vec<String>,
    /// Where the accepting grants' `sub` conditions are written (their statements when
    /// they have none).
    pub trust_spans: Vec<Span>,
    /// What the accepting grants' `sub` conditions admit, on protected and unprotected
    /// refs alike (`admitted` leaves out the unprotected refs of grants that require
    /// `ref_protected`).
    pub admitted_any_ref: SubLanguage,
    /// Why the trust refuses every token of the pipeline's project whatever its `sub`,
    /// when its conditions on other claims do (`project_id`, keys AWS never fills).
    pub claims_refused: Option<String>,
}

impl SubMatch {
    /// The job's subs on every ref.
    pub fn all_job_subs(&self) -> Option<SubLanguage> {
        let mut languages = self.job_subs.iter().map(|(_, subs)| subs);
        let first = languages.next()?.clone();
        languages.try_fold(first, |all, subs| all.union(subs).ok())
    }

    /// "tag `v1.2.0`" for a `sub` value, from its `ref_type` and `ref` components.
    pub fn describe_ref(&self, sub: &str) -> String {
        match parse_sub(sub, self.grammar.components()) {
            Ok(claim) => match (claim.ref_type, claim.ref_name) {
                (Some(ref_type), Some(name)) => format!("{ref_type} `{name}`"),
                (None, Some(name)) => format!("ref `{name}`"),
                _ => "some refs".to_owned(),
            },
            Err(_) => "some refs".to_owned(),
        }
    }

    /// The case of [`SubMatch::runs`] that runs the job on the ref of `sub`.
    pub fn case_of(&self, sub: &str) -> Option<&RunCase> {
        let claim = parse_sub(sub, self.grammar.components()).ok()?;
        let name = claim.ref_name?;
        self.runs.cases.iter().find(|case| {
            claim.ref_type.is_none_or(|t| t == case.ref_type) && case.names.contains(&name)
        })
    }

    /// The trust's accepted values for a message: "`a`, `b`" (and how many more).
    pub fn quoted_trust_values(&self) -> String {
        let mut quoted: Vec<String> = self
            .trust_values
            .iter()
            .take(QUOTED_VALUES)
            .map(|v| format!("`{v}`"))
            .collect();
        if self.trust_values.len() > QUOTED_VALUES {
            quoted.push(format!("{} more", self.trust_values.len() - QUOTED_VALUES));
        }
        if quoted.is_empty() {
            "other subs".to_owned()
        } else {
            quoted.join(", ")
        }
    }
}

/// The `sub` comparison of a link, given the analyses of its trust's grants; `None` when
/// the role's trust is unknown, trusts no GitLab provider of the pipeline's issuer for
/// the token's `aud`, or can't be judged exactly.
pub fn sub_match(
    link: &Link<'_>,
    analyses: &[GrantAnalysis<'_>],
    settings: &Settings,
) -> Option<SubMatch> {
    let (_, trust) = link.trust()?;
    let issuer = issuer_provider(settings);
    let audiences = link
        .token
        .map(|_| link.audiences())
        .filter(|auds| !auds.iter().any(|a| a.contains('$')));
    let accepting: Vec<_> = analyses
        .iter()
        .filter(|a| a.grant.kind.is_gitlab())
        .filter(|a| a.grant.provider.provider.eq_ignore_ascii_case(&issuer))
        .filter(|a| match &audiences {
            Some(auds) => {
                let auds: Vec<&str> = auds.iter().map(String::as_str).collect();
                aud_accepted(trust, &a.grant, &auds)
            }
            None => true,
        })
        .collect();
    let grammar = accepting.first()?.reasoner.as_ref()?.grammar().clone();
    let mut admitted = grammar.none();
    let mut admitted_any_ref = grammar.none();
    let mut refusals = Vec::new();
    for analysis in &accepting {
        let subs = analysis.exact_subs()?;
        if let Some(refusal) = claims_refusal(analysis, settings) {
            refusals.push(refusal);
            continue;
        }
        admitted_any_ref = admitted_any_ref.union(subs).ok()?;
        let subs = if analysis.pins.protected_only {
            subs.intersection(&protected_subs(&grammar, settings).ok()?)
                .ok()?
        } else {
            subs.clone()
        };
        admitted = admitted.union(&subs).ok()?;
    }
    let claims_refused = (refusals.len() == accepting.len())
        .then(|| refusals.into_iter().next())
        .flatten();
    let runs = link.runs(settings).clone();
    let project = settings.gitlab_project.as_deref();
    let mut job_subs = Vec::new();
    for ref_type in [RefType::Branch, RefType::Tag] {
        let names = runs.names(ref_type);
        let mut subs = grammar
            .refs(Expr::Automaton(Box::new(names)), Some(ref_type))
            .ok()?;
        if let Some(project) = project {
            subs = subs
                .intersection(&grammar.project(project, Some(ref_type)).ok()?)
                .ok()?;
        }
        job_subs.push((ref_type, subs));
    }
    let trust_values = accepting
        .iter()
        .flat_map(|a| a.positive_sub_values())
        .map(|v| v.value.value.clone())
        .collect();
    let trust_spans = accepting
        .iter()
        .flat_map(|a| {
            let spans: Vec<Span> = a.sub_conditions().map(|c| c.values_span).collect();
            if spans.is_empty() {
                vec![a.grant.statement.span]
            } else {
                spans
            }
        })
        .collect();
    Some(SubMatch {
        grammar,
        admitted,
        job_subs,
        exact: runs.exact && project.is_some(),
        project_known: project.is_some(),
        runs,
        trust_values,
        trust_spans,
        admitted_any_ref,
        claims_refused,
    })
}

/// Why `analysis`'s conditions on claims other than `sub` refuse every token of the
/// pipeline's project, when they do: a condition on a key AWS never fills, or a
/// `project_id`/`namespace_id` pin that excludes the configured id (an unknown id
/// refuses nothing: it is never guessed).
fn claims_refusal(analysis: &GrantAnalysis<'_>, settings: &Settings) -> Option<String> {
    let grant = &analysis.grant;
    if let Some(unpopulated) = analysis
        .pins
        .unpopulated
        .iter()
        .find(|u| u.denies_every_token)
    {
        let key = grant
            .statement
            .conditions
            .get(unpopulated.condition)
            .map_or_else(String::new, |c| c.key.value.clone());
        return Some(format!(
            "its condition on `{key}`, a key AWS never fills, is false for every token"
        ));
    }
    analysis.pins.tenant.iter().find_map(|pin| {
        let ours = match pin.claim {
            "project_id" => settings.project_id.as_deref(),
            _ => settings.namespace_id.as_deref(),
        }?;
        (!pin.ids.contains(ours)).then(|| {
            let ids: Vec<String> = pin.ids.iter().map(|id| format!("`{id}`")).collect();
            format!(
                "it requires `{}` to be {}, and this project's {} is `{ours}`",
                grant.provider.condition_key(pin.claim),
                if ids.is_empty() {
                    "nothing".to_owned()
                } else {
                    ids.join(" or ")
                },
                pin.claim
            )
        })
    })
}
