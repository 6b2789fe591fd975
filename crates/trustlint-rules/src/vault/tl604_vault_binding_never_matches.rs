//! TL604 vault-binding-never-matches: a role written without `role_type` (Vault stores
//! `oidc`), a bound value no GitLab claim can equal or match (typed JSON values, `*` in
//! string mode, values outside the claim's catalog values, claims GitLab doesn't send), a
//! `bound_subject` no GitLab `sub` has, a `user_claim` GitLab doesn't send as a string,
//! and a mount whose `bound_issuer` can't be GitLab's `iss`.

use trustlint_parser::federation::vault::{Backend, Role, ScalarKind};
use trustlint_parser::input::Document;

use super::{add_field, is_oidc, json_string, linked};
use crate::analysis::claim_predicate::{issuer, satisfying, ClaimSpace, Predicate, Values};
use crate::analysis::vault::{
    bound_claim_predicate, claim_name, describe_role, is_glob, never_equal, user_claim_predicate,
    Lookup,
};
use crate::finding::{Applicability, Edit, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use crate::settings::Settings;

#[derive(Debug)]
pub struct VaultBindingNeverMatches;

impl Rule for VaultBindingNeverMatches {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL604
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let vault = cx.vault_of(document);
        let mut space = None;
        for role in vault.roles.iter().filter(|role| !is_oidc(role)) {
            let space = space.get_or_insert_with(|| ClaimSpace::any_token(cx.settings));
            self.check_role(role, space, out);
        }
        for backend in &vault.backends {
            self.check_backend(backend, cx.settings, out);
        }
    }

    /// An OIDC (browser login) role a job logs in with by JWT.
    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let files = cx.vault_files();
        for link in linked(cx, files) {
            let Lookup::Found(roles) = &link.lookup else {
                continue;
            };
            for role in roles.iter().filter(|r| is_oidc(r)) {
                let Some(role_type) = &role.role_type else {
                    continue;
                };
                let primary = link.login.role.as_ref().map_or(link.login.span, |r| r.span);
                out.push(
                    Finding::new(
                        self.meta(),
                        primary,
                        format!(
                            "job `{}` logs in with {}, whose `role_type` is `oidc`: Vault refuses every JWT login with it (\"role with oidc role_type is not allowed\")",
                            link.job.name.value,
                            describe_role(role)
                        ),
                    )
                    .with_help("log in with a role whose `role_type` is `jwt`")
                    .with_related(role_type.span, "the role's type"),
                );
            }
        }
    }
}

impl VaultBindingNeverMatches {
    fn check_role(&self, role: &Role, space: &ClaimSpace, out: &mut Vec<Finding>) {
        let label = describe_role(role);
        if role.role_type.is_none() {
            let primary = role.name.as_ref().map_or(role.span, |n| n.span);
            let mut finding = Finding::new(
                self.meta(),
                primary,
                format!("{label} sets no `role_type`: Vault stores `oidc`, refuses to write it without `allowed_redirect_uris`, and refuses every JWT login with it (\"role with oidc role_type is not allowed\")"),
            )
            .with_help("set `role_type` to `jwt`");
            if let Some(edit) = add_field(role.insert_at, "role_type", "\"jwt\"", "\"jwt\"", Some("jwt")) {
                finding.fix = Some(Fix {
                    description: "set `role_type` to `jwt`".to_owned(),
                    edits: vec![edit],
                    applicability: Applicability::Unsafe,
                });
            }
            out.push(finding);
        }
        let glob = is_glob(role);
        for entry in role.bound_claims.iter().flat_map(|c| &c.claims) {
            let name = claim_name(&entry.claim.text);
            let mut reported = false;
            for value in &entry.values {
                let Some(why) = never_equal(name, value, glob) else {
                    continue;
                };
                reported = true;
                let mut finding = Finding::new(
                    self.meta(),
                    value.span,
                    format!("{label} binds `{}` to `{}`, which no GitLab token matches: {why} — every login with the role fails", entry.claim.text, value.text),
                );
                if !glob && matches!(value.kind, ScalarKind::Bool | ScalarKind::Number) {
                    finding = finding.with_help(format!("write it as the string `\"{}\"`", value.text));
                    finding.fix = Some(Fix {
                        description: format!("write `{}` as a string", value.text),
                        edits: vec![Edit {
                            span: value.span,
                            replacement: json_string(&value.text),
                        }],
                        applicability: Applicability::Unsafe,
                    });
                } else if !glob {
                    finding = finding.with_help("set `bound_claims_type` to `glob` if the `*` is meant as a wildcard (it then matches any text, `/` included)");
                }
                out.push(finding);
            }
            if reported || entry.values.iter().any(|v| !v.is_known()) {
                continue;
            }
            let predicate = bound_claim_predicate(role, &entry.claim, &entry.values, entry.malformed);
            if satisfying(&predicate, space).is_no() {
                let values: Vec<String> = entry.values.iter().map(|v| format!("`{}`", v.text)).collect();
                let why = if crate::analysis::claims::claim(name).is_none() {
                    format!("GitLab's ID tokens have no claim `{name}`")
                } else if entry.malformed {
                    "the bound value is not a string, bool, number or list of them".to_owned()
                } else {
                    let how = if glob { "matching" } else { "equal to" };
                    let which = if values.len() == 1 { "it" } else { "any of them" };
                    format!("no GitLab token has a `{name}` {how} {which}")
                };
                let bound = if values.is_empty() {
                    "no value".to_owned()
                } else {
                    values.join(" or ")
                };
                out.push(Finding::new(
                    self.meta(),
                    entry.span,
                    format!(
                        "{label} binds `{}` to {bound}: {why} — every login with the role fails",
                        entry.claim.text
                    ),
                ));
            }
        }
        if let Some(subject) = role.bound_subject.as_ref().filter(|s| s.is_known()) {
            let test = Predicate::test("sub", Values::equals(&[subject.text.as_str()]), subject.span);
            if satisfying(&test, space).is_no() {
                let legacy = subject.text.starts_with("job_");
                out.push(
                    Finding::new(
                        self.meta(),
                        subject.span,
                        format!(
                            "{label} binds `bound_subject` `{}`, which no GitLab ID token's `sub` equals{}: every login with the role fails",
                            subject.text,
                            if legacy { " (`job_<id>` was the `sub` of the removed `CI_JOB_JWT`; ID tokens carry `project_path:<group>/<project>:ref_type:<type>:ref:<ref>`)" } else { "" }
                        ),
                    )
                    .with_help("bind the project and ref in `bound_claims` (`project_id`, `ref`, `ref_type`), or write the ID token's `sub`"),
                );
            }
        }
        if let Some(user_claim) = role.user_claim.as_ref().filter(|u| u.is_known()) {
            if matches!(user_claim_predicate(role), Predicate::Const(false)) {
                out.push(
                    Finding::new(
                        self.meta(),
                        user_claim.span,
                        format!("{label} names `user_claim` `{}`, which GitLab's ID tokens don't carry as a string: every login with the role fails (\"claim not found in token\")", user_claim.text),
                    )
                    .with_help("use a claim every token has, such as `project_id` or `user_email`"),
                );
            }
        }
    }

    fn check_backend(&self, backend: &Backend, settings: &Settings, out: &mut Vec<Finding>) {
        let Some(bound) = backend.bound_issuer.as_ref().filter(|b| b.is_known()) else {
            return;
        };
        let expected = issuer(settings);
        let malformed = !bound.text.starts_with("https://") || bound.text.ends_with('/');
        let other = settings.issuer.is_some() && bound.text != expected;
        if malformed || other {
            out.push(
                Finding::new(
                    self.meta(),
                    bound.span,
                    format!(
                        "the JWT auth mount `auth/{}` requires `iss` `{}`, but GitLab's tokens carry `iss` `{expected}`: every login on the mount fails (\"error validating token: invalid issuer\")",
                        backend.path.text, bound.text
                    ),
                )
                .with_help(format!("set `bound_issuer` to `{expected}` (the instance URL, with its scheme and without a trailing slash)")),
            );
        }
    }
}
