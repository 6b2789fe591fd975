//! TL510 gcp-overprivileged-ci-identity: a workload identity principal, or a service
//! account such a principal can impersonate, holds an administrative role on a project,
//! folder or organization (`roles/owner`, `roles/editor`, `roles/iam.*Admin`,
//! `roles/resourcemanager.*Admin`, `roles/iam.serviceAccountTokenCreator`): TL406's
//! analog for Google Cloud.

use trustlint_parser::federation::gcp::{principal, Binding, Scope};

use crate::analysis::gcp::{grants, resources};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpOverprivilegedCiIdentity;

/// Whether a role administers what it is granted on.
fn is_admin(role: &str) -> bool {
    let admin_in = |prefix: &str| role.strip_prefix(prefix).is_some_and(|r| r.ends_with("Admin") || r.ends_with(".admin"));
    matches!(role, "roles/owner" | "roles/editor" | "roles/iam.serviceAccountTokenCreator")
        || admin_in("roles/iam.")
        || admin_in("roles/resourcemanager.")
}

/// The account id of a service account named by email, member or resource name.
fn account_id(text: &str) -> Option<&str> {
    let text = text.strip_prefix("serviceAccount:").unwrap_or(text);
    let email = text.rsplit('/').next()?;
    let (id, _) = email.split_once('@')?;
    (!id.is_empty() && !id.contains("${")).then_some(id)
}

impl Rule for GcpOverprivilegedCiIdentity {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL510
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        // The service accounts workload identities can impersonate, by account id.
        let reachable: Vec<(&str, &Binding)> = grants(cx.workspace)
            .filter(|g| matches!(g.binding.role.value.as_str(), "roles/iam.workloadIdentityUser" | "roles/iam.serviceAccountTokenCreator"))
            .filter(|g| g.binding.scope == Scope::ServiceAccount)
            .filter_map(|g| Some((account_id(&g.binding.target.as_ref()?.value)?, g.binding)))
            .collect();
        for binding in resources(cx.workspace).flat_map(|gcp| &gcp.bindings) {
            if !matches!(binding.scope, Scope::Project | Scope::Folder | Scope::Organization) || !is_admin(&binding.role.value) {
                continue;
            }
            let on = binding.target.as_ref().map_or_else(|| "its scope".to_owned(), |t| format!("`{}`", t.value));
            for member in &binding.members {
                let (who, via) = if principal(&member.value).is_some() {
                    (format!("workload identity `{}`", member.value), None)
                } else if let Some((id, via)) = account_id(&member.value).and_then(|id| reachable.iter().find(|(r, _)| *r == id)) {
                    (format!("service account `{id}`, which GitLab CI identities can impersonate,"), Some(via))
                } else {
                    continue;
                };
                let mut finding = Finding::new(
                    self.meta(),
                    binding.role.span,
                    format!("{who} holds `{}` on {on}: a compromised pipeline controls it", binding.role.value),
                )
                .with_related(member.span, "the CI identity")
                .with_help("grant the predefined roles the pipeline needs on the resources it deploys, not administration of the project");
                if let Some(via) = via {
                    finding = finding.with_related(via.span, "the grant that lets CI identities impersonate it");
                }
                out.push(finding);
            }
        }
    }
}
