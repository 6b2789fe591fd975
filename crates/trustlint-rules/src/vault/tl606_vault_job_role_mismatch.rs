//! TL606 vault-job-role-mismatch: a job's Vault login ([`linked`]) whose mount path and
//! role name no scanned role has, or whose role refuses the job's token on every ref it
//! runs on (error) or on some (warning, when the runs and the project are known
//! exactly) — [`admission`], with the refused ref and the refusing binding as witness.

use std::sync::Arc;

use trustlint_parser::federation::vault::Role;

use super::{is_oidc, linked, Linked};
use crate::analysis::claim_predicate::{satisfying, ClaimSpace, Predicate, Token};
use crate::analysis::job_runs::{JobRuns, RunCase};
use crate::analysis::relying_party::{admission, describe_case, environment};
use crate::analysis::vault::{
    audiences, bound_claim_predicate, describe_role, user_claim_predicate, Lookup, VaultFiles,
    VaultParty,
};
use crate::cross::{jobs_phrase, merge_jobs};
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use crate::settings::Settings;

#[derive(Debug)]
pub struct VaultJobRoleMismatch;

impl Rule for VaultJobRoleMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL606
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let files = cx.vault_files();
        let mut found = Vec::new();
        for link in linked(cx, files) {
            let job = Arc::clone(&link.job.name.value);
            match &link.lookup {
                Lookup::Unknown => {}
                Lookup::Missing => found.push((job, self.missing(&link, files))),
                Lookup::Found(roles) => {
                    // A JWT login with an OIDC role is refused whatever the token: TL604.
                    for role in roles.iter().filter(|r| !is_oidc(r)) {
                        if let Some(finding) = self.refused(cx.settings, &link, role, files) {
                            found.push((Arc::clone(&job), finding));
                        }
                    }
                }
            }
        }
        out.extend(merge_jobs(found, |jobs, finding| {
            format!("{}: {}", jobs_phrase(jobs), finding.message)
        }));
    }
}

/// The role a login names, in words.
fn named(link: &Linked<'_, '_>) -> String {
    let path = link.login.path.text.as_deref().unwrap_or("?");
    match link.login.role.as_ref().and_then(|r| r.text.as_deref()) {
        Some(role) => format!("role `{role}` on `auth/{path}`"),
        None => format!("the default role of `auth/{path}`"),
    }
}

/// The bindings of a role, each a predicate with where it is written and how it reads.
fn bindings(role: &Role) -> Vec<(Predicate, trustlint_parser::Span, String)> {
    let mut out = Vec::new();
    for entry in role.bound_claims.iter().flat_map(|c| &c.claims) {
        let values: Vec<String> = entry.values.iter().map(|v| format!("`{}`", v.text)).collect();
        out.push((
            bound_claim_predicate(role, &entry.claim, &entry.values, entry.malformed),
            entry.span,
            format!("`{}` = {}", entry.claim.text, values.join(" or ")),
        ));
    }
    if let Some(user_claim) = &role.user_claim {
        out.push((
            user_claim_predicate(role),
            user_claim.span,
            format!("a string claim `{}` (its `user_claim`)", user_claim.text),
        ));
    }
    if let Some(subject) = &role.bound_subject {
        out.push((
            Predicate::test(
                "sub",
                crate::analysis::claim_predicate::Values::equals(&[subject.text.as_str()]),
                subject.span,
            ),
            subject.span,
            format!("`sub` = `{}`", subject.text),
        ));
    }
    out
}

/// The binding that refuses every token of a run case, and the value the token has.
fn refusing_binding(
    role: &Role,
    case: &RunCase,
    settings: &Settings,
    environment: Option<&str>,
) -> Option<(trustlint_parser::Span, String, String)> {
    let spaces = ClaimSpace::of_run(settings, case, environment).ok()?;
    for (predicate, span, reads) in bindings(role) {
        if spaces.iter().all(|space| satisfying(&predicate, space).is_no()) {
            let claim = predicate.tests().first().map(|t| t.claim.clone());
            let has = claim
                .and_then(|claim| {
                    let value = spaces.first()?.values(&claim).values.witness()?;
                    Some(format!("its `{claim}` is `{value}`"))
                })
                .unwrap_or_else(|| "its token has no such claim".to_owned());
            return Some((span, reads, has));
        }
    }
    None
}

fn token_ref(token: &Token, case: &RunCase) -> String {
    let protected = match token.get("ref_protected") {
        Some("false") => "unprotected ",
        Some("true") => "protected ",
        _ => "",
    };
    match (token.get("ref_type"), token.get("ref")) {
        (Some(ty), Some(name)) => format!("{protected}{ty} `{name}`"),
        (None, Some(name)) => format!("{protected}{} `{name}`", case.ref_type.name()),
        _ => {
            let article = if protected.is_empty() || protected == "protected " { "a" } else { "an" };
            format!("{article} {protected}{}", case.ref_type.name())
        }
    }
}

impl VaultJobRoleMismatch {
    fn missing(&self, link: &Linked<'_, '_>, files: &VaultFiles) -> Finding {
        let mut known: Vec<String> = files
            .roles
            .iter()
            .filter_map(|r| Some(format!("`{}` on `auth/{}`", r.name.as_ref()?.text, r.path.as_ref()?.text)))
            .take(4)
            .collect();
        known.dedup();
        let primary = link.login.role.as_ref().map_or(link.login.span, |r| r.span);
        Finding::new(
            self.meta(),
            primary,
            format!(
                "logs in to Vault with {}, which no scanned file declares (the scanned roles: {}): the login fails (\"role could not be found\")",
                named(link),
                known.join(", ")
            ),
        )
        .with_severity(Severity::Error)
        .with_help("name a role of the mount (`VAULT_AUTH_ROLE`, `VAULT_AUTH_PATH`, or the login's `role=` and `auth/<path>`), or scan the file that declares it")
        .with_related(link.login.span, "the job's Vault login")
    }

    fn refused(
        &self,
        settings: &Settings,
        link: &Linked<'_, '_>,
        role: &Role,
        files: &VaultFiles,
    ) -> Option<Finding> {
        let party = VaultParty::new(role, files.backend_of(role));
        let runs = JobRuns::of(link.pipeline, link.job, settings);
        let auds = audiences(link.login.token);
        let env = environment(link.job);
        let verdict = admission(&party, &runs, env, &auds, settings);
        let label = describe_role(role);
        let (severity, message, related) = if verdict.refused_always() {
            let case = verdict.cases.first()?.case(&runs)?;
            match refusing_binding(role, case, settings, env) {
                Some((span, reads, has)) => (
                    Severity::Error,
                    format!(
                        "on no ref this job runs on does its token satisfy {label}: on {} {has}, but the role requires {reads} — every login fails (\"error validating claims\")",
                        describe_case(case)
                    ),
                    Some((span, "the binding that refuses the token")),
                ),
                None => (
                    Severity::Error,
                    format!(
                        "on no ref this job runs on does its token satisfy {label}: on {} its token meets no combination of the role's `user_claim`, `bound_subject` and `bound_claims` — every login fails",
                        describe_case(case)
                    ),
                    None,
                ),
            }
        } else if verdict.refused_sometimes() && verdict.exact {
            let (case, token) = verdict.first_refusal(&runs)?;
            let refusing = bindings(role)
                .into_iter()
                .find(|(predicate, _, _)| predicate.eval(token) == Some(false));
            let why = match &refusing {
                Some((_, _, reads)) => format!("the role requires {reads}"),
                None => "the role refuses it".to_owned(),
            };
            (
                Severity::Warning,
                format!(
                    "on some refs this job runs on, {label} refuses its token: on {} ({} pipeline) {why}, so the login fails there",
                    token_ref(token, case),
                    case.source.name()
                ),
                refusing.map(|(_, span, _)| (span, "the binding that refuses the token")),
            )
        } else {
            return None;
        };
        let primary = link.login.role.as_ref().map_or(link.login.span, |r| r.span);
        let mut finding = Finding::new(self.meta(), primary, message)
            .with_severity(severity)
            .with_help("run the job only where the role admits it (`rules:`), or bind the refs it runs on in the role")
            .with_related(role.span, "the role");
        if let Some((span, what)) = related {
            finding = finding.with_related(span, what);
        }
        if let Some(case) = verdict
            .cases
            .first()
            .and_then(|c| c.case(&runs)?.because)
        {
            finding = finding.with_related(case, "the job runs there because of this rule");
        }
        Some(finding)
    }
}
