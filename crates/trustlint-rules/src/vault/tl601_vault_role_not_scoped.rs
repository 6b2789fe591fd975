//! TL601 vault-role-not-scoped: a JWT role whose predicate admits a token of a project
//! outside any it names ([`tenancy`]) and that binds no project, namespace or `sub` value
//! at all (a glob that reaches too far is TL603).

use trustlint_parser::input::Document;

use super::{add_field, describe_token, is_oidc, json_string};
use crate::analysis::claim_predicate::{tenancy, Tenancy, Values, TENANT_CLAIMS};
use crate::analysis::vault::{describe_role, role_predicate};
use crate::finding::{Applicability, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct VaultRoleNotScoped;

impl Rule for VaultRoleNotScoped {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL601
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let vault = cx.vault_of(document);
        for role in &vault.roles {
            if is_oidc(role) {
                continue;
            }
            let predicate = role_predicate(role);
            let binds_project = predicate.tests().iter().any(|test| {
                (TENANT_CLAIMS.contains(&test.claim.as_str()) || test.claim == "sub")
                    && !matches!(test.values, Values::Present)
            });
            if binds_project {
                continue;
            }
            let Tenancy::Open { witness, .. } = tenancy(&predicate, cx.settings) else {
                continue;
            };
            let primary = role.bound_claims.as_ref().map_or(role.span, |c| c.span);
            let mut finding = Finding::new(
                self.meta(),
                primary,
                format!(
                    "{} binds no project or namespace claim and no `bound_subject`: any project on the instance can log in with it, e.g. {}",
                    describe_role(role),
                    describe_token(&witness)
                ),
            )
            .with_help("bind the project in `bound_claims` by `project_id` (or the group by `namespace_id`)");
            if let Some(id) = &cx.settings.project_id {
                let quoted = json_string(id);
                let edit = match &role.bound_claims {
                    Some(claims) => add_field(claims.insert_at, "project_id", &quoted, &quoted, None),
                    None => add_field(
                        role.insert_at,
                        "bound_claims",
                        &format!("{{ project_id = {quoted} }}"),
                        &format!("{{\"project_id\": {quoted}}}"),
                        None,
                    ),
                };
                if let Some(edit) = edit {
                    finding.fix = Some(Fix {
                        description: format!("bind `project_id` {id} (`[gitlab] project-id`)"),
                        edits: vec![edit],
                        applicability: Applicability::Unsafe,
                    });
                }
            }
            out.push(finding);
        }
    }
}
