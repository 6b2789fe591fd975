//! TL704 azure-overprivileged-ci-identity: the app registration (through its service
//! principal) or managed identity a GitLab credential trusts holds Owner, Contributor,
//! User Access Administrator or Role Based Access Control Administrator on a whole
//! subscription, a management group or the tenant root.

use super::sets;
use crate::analysis::azure::{assigned_to, broad_scope, capitalized, privileged_role, resources};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct AzureOverprivilegedCiIdentity;

impl Rule for AzureOverprivilegedCiIdentity {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL704
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let assignments: Vec<_> = resources(cx.workspace)
            .flat_map(|azure| &azure.role_assignments)
            .collect();
        for set in sets(cx).iter().filter(|set| set.known_holder) {
            for assignment in &assignments {
                let (Some(role), Some(scope)) = (privileged_role(assignment), assignment.scope.as_ref()) else {
                    continue;
                };
                if scope.value.starts_with("${") || !assigned_to(cx.workspace, assignment, &set.key) {
                    continue;
                }
                let Some(breadth) = broad_scope(&scope.value) else {
                    continue;
                };
                let Some(primary) = assignment.role.as_ref().map(|r| r.span) else {
                    continue;
                };
                let mut finding = Finding::new(
                    self.meta(),
                    primary,
                    format!(
                        "{} trusts GitLab ID tokens and holds {role} on {breadth} (`{}`): whichever job its credentials admit {}",
                        capitalized(&set.label()),
                        scope.value,
                        if role == "Contributor" {
                            "can change or delete every resource there"
                        } else {
                            "can grant itself or anyone any role there"
                        }
                    ),
                )
                .with_related(scope.span, "the assignment's scope")
                .with_help("grant a narrower role (a custom role with the actions the pipeline runs) on the resource group or resources it deploys to");
                if let Some(credential) = set.credentials.first() {
                    finding = finding.with_related(credential.span, "the credential trusting GitLab");
                }
                out.push(finding);
            }
        }
    }
}
