//! TL504 gcp-broad-principal-set: a role granted to the whole pool (`principalSet://…/*`),
//! to an attribute that says nothing of which project a token comes from
//! (`attribute.ref_protected/true`), or `roles/iam.workloadIdentityUser` granted on a
//! project or above (every service account in it).

use trustlint_parser::federation::gcp::{Mapping, PrincipalKind, Provider, Scope};

use crate::analysis::claims::{claim, About};
use crate::analysis::gcp::{grants, is_integration, providers_of, Grant};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpBroadPrincipalSet;

/// The GitLab claim an attribute is mapped from (`assertion.ref_protected` → `ref_protected`),
/// or the attribute's own name when no provider of the pool is known.
fn mapped_claim(providers: &[&Provider], name: &str) -> Option<String> {
    let target = format!("attribute.{name}");
    if providers.is_empty() {
        return Some(name.to_owned());
    }
    providers.iter().find_map(|provider| match &provider.mapping {
        Mapping::Known(entries) => {
            let entry = entries.iter().find(|e| e.target.value == target)?;
            let expr = entry.expression.parse().ok()?;
            match expr.path().as_deref() {
                Some(["assertion", claim]) => Some((*claim).to_owned()),
                _ => None,
            }
        }
        _ => None,
    })
}

impl Rule for GcpBroadPrincipalSet {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL504
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for grant in grants(cx.workspace) {
            if let Some(message) = self.broad(&grant, &providers_of(cx.workspace, &grant)) {
                out.push(Finding::new(self.meta(), grant.member.span, message).with_related(
                    grant.binding.role.span,
                    format!("the role granted: `{}`", grant.binding.role.value),
                ));
            }
        }
    }
}

impl GcpBroadPrincipalSet {
    fn broad(&self, grant: &Grant<'_>, providers: &[&Provider]) -> Option<String> {
        let role = &grant.binding.role.value;
        let on = match (grant.binding.scope, &grant.binding.target) {
            (Scope::ServiceAccount, Some(target)) => format!(
                "service account `{}`",
                target.value.rsplit("/serviceAccounts/").next().unwrap_or(&target.value)
            ),
            (_, Some(target)) => format!("`{}`", target.value),
            (_, None) => "the resource".to_owned(),
        };
        if role == "roles/iam.workloadIdentityUser"
            && matches!(grant.binding.scope, Scope::Project | Scope::Folder | Scope::Organization)
        {
            return Some(format!(
                "`{role}` is granted on {on}, not on one service account: these identities can impersonate every service account in it"
            ));
        }
        match grant.principal.kind {
            PrincipalKind::All => Some(format!(
                "`{role}` on {on} is granted to the whole pool `{}` (`…/*`): every token the pool's providers accept gets it, whatever its project or ref",
                grant.principal.pool
            )),
            PrincipalKind::Attribute(name, value) => {
                let integration = providers
                    .iter()
                    .any(|p| p.issuer.as_ref().is_some_and(|i| is_integration(&i.value)));
                let source = mapped_claim(providers, name)?;
                let about = claim(&source)?;
                let access = source.ends_with("_access");
                let person = about.about == About::User && !access;
                if about.about.is_tenant() || about.about == About::Subject || person || (integration && access) {
                    return None;
                }
                Some(format!(
                    "`{role}` on {on} is granted to `attribute.{name}/{value}`, mapped from `{source}`, which says nothing of the project: every token the pool accepts with `{source}` = `{value}` gets it (e.g. any project's job on a protected branch)"
                ))
            }
            _ => None,
        }
    }
}
