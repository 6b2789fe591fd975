//! TL509 gcp-integration-group-wide: under GitLab's Google Cloud IAM integration
//! (issuer `https://auth.gcp.gitlab.com/oidc/<group>`), a grant to an access-level
//! attribute (`developer_access/true`, …) with nothing scoping it to a project: every
//! Developer of every project of the top-level group gets it.

use trustlint_parser::federation::gcp::PrincipalKind;

use crate::analysis::gcp::{grants, is_integration, providers_of, GcpParty, INTEGRATION_ISSUER};
use crate::analysis::relying_party::RelyingParty;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpIntegrationGroupWide;

const PROJECT_CLAIMS: [&str; 2] = ["project_id", "project_path"];

impl Rule for GcpIntegrationGroupWide {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL509
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for grant in grants(cx.workspace) {
            let PrincipalKind::Attribute(name, value) = grant.principal.kind else {
                continue;
            };
            for provider in providers_of(cx.workspace, &grant) {
                let Some(issuer) = provider.issuer.as_ref().filter(|i| is_integration(&i.value)) else {
                    continue;
                };
                let party = GcpParty::new(provider, Some((&grant.member.value, grant.member.span)));
                let tests = party.predicate().tests();
                let access = tests.iter().any(|t| t.claim.ends_with("_access") || t.claim == "user_access_level");
                let scoped = tests.iter().any(|t| PROJECT_CLAIMS.contains(&t.claim.as_str()));
                if !access || scoped || !party.predicate().unknowns().is_empty() {
                    continue;
                }
                let group = issuer.value.strip_prefix(INTEGRATION_ISSUER).unwrap_or("…");
                out.push(
                    Finding::new(
                        self.meta(),
                        grant.member.span,
                        format!(
                            "`{}` is granted to `attribute.{name}/{value}` with no project scoping: every user with that access to any project of the top-level group `{group}` gets it from that project's jobs",
                            grant.binding.role.value
                        ),
                    )
                    .with_help("map an attribute that also requires the project (`assertion.developer_access == \"true\" && assertion.project_id == \"5678\"`) and grant to it")
                    .with_related(issuer.span, "the Google Cloud IAM integration's issuer for the group"),
                );
            }
        }
    }
}
