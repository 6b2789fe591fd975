//! TL602 vault-role-audience: a JWT role with no `bound_audiences` (refused by Vault
//! 1.17+ for every token carrying `aud`, which every GitLab token does), and, across
//! files, a role a job logs in with that binds none of the `aud` values of the job's
//! token ([`audience_verdict`]).

use std::sync::Arc;

use trustlint_parser::federation::vault::Role;

use super::{add_field, is_oidc, is_one_of, json_string, linked, Linked};
use crate::analysis::relying_party::{audience_verdict, AudienceVerdict};
use crate::analysis::vault::{audiences, describe_role, Lookup, VaultParty};
use crate::cross::{jobs_phrase, merge_jobs};
use crate::finding::{Applicability, Edit, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct VaultRoleAudience;

impl Rule for VaultRoleAudience {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL602
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let files = cx.vault_files();
        let links = linked(cx, files);
        for role in &files.roles {
            if is_oidc(role) {
                continue;
            }
            if let Some(finding) = self.no_audience(role, &links) {
                out.push(finding);
            }
        }
        let mut found = Vec::new();
        for link in &links {
            let Lookup::Found(roles) = &link.lookup else {
                continue;
            };
            let presented = audiences(link.login.token);
            for role in roles {
                if is_oidc(role) || role.bound_audiences.as_ref().is_none_or(|a| a.values.is_empty()) {
                    continue;
                }
                let party = VaultParty::new(role, files.backend_of(role));
                if audience_verdict(&party, &presented) != AudienceVerdict::Refused {
                    continue;
                }
                let bound: Vec<String> = role
                    .bound_audiences
                    .iter()
                    .flat_map(|a| &a.values)
                    .map(|v| format!("`{}`", v.text))
                    .collect();
                let auds: Vec<String> = presented.iter().map(|a| format!("`{a}`")).collect();
                let mut finding = Finding::new(
                    self.meta(),
                    role.bound_audiences.as_ref().map_or(role.span, |a| a.span),
                    format!(
                        "logs in with a token whose `aud` is {}, which {} does not bind (it binds {}): the login fails (\"aud claim does not match any bound audience\")",
                        auds.join(" and "),
                        describe_role(role),
                        bound.join(", ")
                    ),
                )
                .with_help("make the job's `id_tokens` `aud` and the role's `bound_audiences` the same value (the Vault server's URL)")
                .with_related(link.login.span, "the job's Vault login");
                if let Some(token) = link.login.token {
                    for aud in &token.aud {
                        finding = finding.with_related(aud.span, "the audience the token carries");
                    }
                }
                found.push((Arc::clone(&link.job.name.value), finding));
            }
        }
        out.extend(merge_jobs(found, |jobs, finding| {
            format!("{} {}", jobs_phrase(jobs), finding.message)
        }));
    }
}

impl VaultRoleAudience {
    fn no_audience(&self, role: &Role, links: &[Linked<'_, '_>]) -> Option<Finding> {
        let bound = role.bound_audiences.as_ref();
        if bound.is_some_and(|b| b.partial || !b.values.is_empty()) {
            return None;
        }
        // The audience a job that logs in with the role presents, for the fix.
        let users: Vec<&Linked<'_, '_>> = links
            .iter()
            .filter(|l| matches!(&l.lookup, Lookup::Found(roles) if is_one_of(role, roles)))
            .collect();
        let aud = users
            .iter()
            .flat_map(|l| audiences(l.login.token))
            .find(|a| !a.contains('$'));
        let primary = bound.map_or_else(|| role.name.as_ref().map_or(role.span, |n| n.span), |b| b.span);
        let example = match users.first() {
            Some(user) => format!(
                " — job `{}` logs in with it{}",
                user.job.name.value,
                aud.as_ref().map(|a| format!(" with a token for `{a}`")).unwrap_or_default()
            ),
            None => String::new(),
        };
        let mut finding = Finding::new(
            self.meta(),
            primary,
            format!(
                "{} binds no audience: every GitLab ID token carries `aud`, so since Vault 1.17 every login with it fails (\"audience claim found in JWT but no audiences bound to the role\"), and older Vault accepts a token minted for any service{example}",
                describe_role(role)
            ),
        )
        .with_help("set `bound_audiences` to the `aud` of the jobs' `id_tokens` (the Vault server's URL)");
        if let Some(aud) = aud {
            let quoted = json_string(&aud);
            let edit = match bound {
                Some(list) => Some(Edit {
                    span: list.span,
                    replacement: format!("[{quoted}]"),
                }),
                None => add_field(role.insert_at, "bound_audiences", &format!("[{quoted}]"), &format!("[{quoted}]"), Some(&aud)),
            };
            if let Some(edit) = edit {
                finding.fix = Some(Fix {
                    description: format!("bind the audience `{aud}` the job's token carries"),
                    edits: vec![edit],
                    applicability: Applicability::Unsafe,
                });
            }
        }
        Some(finding)
    }
}
