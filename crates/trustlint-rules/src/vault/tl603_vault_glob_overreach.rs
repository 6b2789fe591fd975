//! TL603 vault-glob-overreach: in a glob-mode role, a project binding (`project_*`,
//! `namespace_*`, `sub`) whose `*` lets in a token of a project outside what it names
//! ([`tenancy`] with a witness), or any glob binding that matches every value its claim
//! can take (`ref: "*"`).

use trustlint_parser::federation::vault::{Role, Scalar, ScalarKind};
use trustlint_parser::input::Document;

use super::{describe_token, is_oidc};
use crate::analysis::claim_predicate::{tenancy, universe, Tenancy, Values, TENANT_CLAIMS};
use crate::analysis::vault::{claim_name, describe_role, is_glob, role_predicate};
use crate::finding::{Finding, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use crate::settings::Settings;

#[derive(Debug)]
pub struct VaultGlobOverreach;

impl Rule for VaultGlobOverreach {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL603
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let vault = cx.vault_of(document);
        for role in &vault.roles {
            if is_oidc(role) || !is_glob(role) {
                continue;
            }
            let reported = self.tenant_overreach(role, cx.settings, out);
            self.binds_nothing(role, reported, out);
        }
    }
}

fn is_project_claim(claim: &str) -> bool {
    TENANT_CLAIMS.contains(&claim) || claim == "sub"
}

impl VaultGlobOverreach {
    /// A glob on a project claim that admits another project; whether one was reported.
    fn tenant_overreach(&self, role: &Role, settings: &Settings, out: &mut Vec<Finding>) -> bool {
        let predicate = role_predicate(role);
        let globs: Vec<_> = predicate
            .tests()
            .into_iter()
            .filter(|test| is_project_claim(&test.claim))
            .filter(|test| matches!(&test.values, Values::Language { describe, .. } if describe.contains('*')))
            .collect();
        let Some(first) = globs.first() else {
            return false;
        };
        let Tenancy::Open { witness, .. } = tenancy(&predicate, settings) else {
            return false;
        };
        let example = match witness.get(&first.claim) {
            Some(value) if first.claim != "project_path" => {
                format!("a token whose `{}` is `{value}`", first.claim)
            }
            _ => describe_token(&witness),
        };
        let mut finding = Finding::new(
            self.meta(),
            first.span,
            format!(
                "{}'s glob on `{}` ({}) admits projects beyond the one it names — `*` matches any text, `/` included — e.g. {}",
                describe_role(role),
                first.claim,
                first.values,
                example
            ),
        )
        .with_help("bind `project_id` or `namespace_id` exactly (ids are stable), or list the projects");
        for other in globs.iter().skip(1) {
            finding = finding.with_related(other.span, "another glob on a project claim");
        }
        out.push(finding);
        true
    }

    /// A path glob whose `*` also matches deeper paths (`acme/*` takes
    /// `acme/team/sub/x`): a warning, since a whole group may be meant.
    fn deeper_paths(&self, role: &Role, name: &str, value: &Scalar) -> Option<Finding> {
        let path_claim = TENANT_CLAIMS.contains(&name) && name.ends_with("_path");
        if !(path_claim || name == "sub") {
            return None;
        }
        let (before, after) = value.text.split_once('*')?;
        if !before.ends_with('/') {
            return None;
        }
        // The `*` taking two more levels, the other wildcards one letter.
        let deeper = format!("{before}nested/evil{}", after.replace('*', "x"));
        let values = Values::star_glob(&value.text)?;
        if !values.matches(&deeper) || (path_claim && !universe(name).values.contains(&deeper)) {
            return None;
        }
        Some(
            Finding::new(
                self.meta(),
                value.span,
                format!(
                    "{} binds `{name}` to the glob `{}`, whose `*` crosses `/`: it admits `{deeper}` as well — every subgroup's projects, at any depth, not only those directly under `{}`",
                    describe_role(role),
                    value.text,
                    before.trim_end_matches('/')
                ),
            )
            .with_severity(Severity::Warning)
            .with_help("bind `namespace_id` (GitLab's docs: nested projects are not included) or list the projects; if every subgroup is meant, suppress this finding"),
        )
    }

    /// A glob that matches every value its claim takes.
    fn binds_nothing(&self, role: &Role, tenant_reported: bool, out: &mut Vec<Finding>) {
        for entry in role.bound_claims.iter().flat_map(|c| &c.claims) {
            let name = claim_name(&entry.claim.text);
            if tenant_reported && is_project_claim(name) {
                continue;
            }
            let every = universe(name);
            for value in &entry.values {
                if value.kind != ScalarKind::String || !value.text.contains('*') {
                    continue;
                }
                let Some(Values::Language { dfa, .. }) = Values::star_glob(&value.text) else {
                    continue;
                };
                if every.values.is_empty() || !every.values.is_subset_of(&dfa).unwrap_or(false) {
                    if let Some(finding) = self.deeper_paths(role, name, value) {
                        out.push(finding);
                    }
                    continue;
                }
                out.push(
                    Finding::new(
                        self.meta(),
                        value.span,
                        format!(
                            "{} binds `{}` to the glob `{}`, which matches every `{name}` a GitLab token can carry: the binding restricts nothing",
                            describe_role(role),
                            entry.claim.text,
                            value.text
                        ),
                    )
                    .with_help(format!("bind the `{name}` values the role is meant for, or remove the binding if any is fine")),
                );
            }
        }
    }
}
