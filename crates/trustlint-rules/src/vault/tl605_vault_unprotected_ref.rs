//! TL605 vault-unprotected-ref: a JWT role that admits a token from an unprotected ref
//! ([`protection`]) while the scanned policies it names grant a write capability or
//! mount-wide read ([`broad_grant`]).

use super::{describe_token, is_oidc};
use crate::analysis::claim_predicate::{protection, satisfying, ClaimSpace, Protection};
use crate::analysis::vault::{broad_grant, describe_role, role_predicate};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct VaultUnprotectedRef;

impl Rule for VaultUnprotectedRef {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL605
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let files = cx.vault_files();
        // Every token's space is built for the first role with a broad grant, not for a
        // run without one.
        let mut space = None;
        for role in &files.roles {
            if is_oidc(role) {
                continue;
            }
            let Some(policies) = files.policies_of(role) else {
                continue;
            };
            let Some((policy, (rule, grants))) = policies
                .iter()
                .find_map(|p| broad_grant(p).map(|g| (*p, g)))
            else {
                continue;
            };
            let predicate = role_predicate(role);
            let space = space.get_or_insert_with(|| ClaimSpace::any_token(cx.settings));
            if !satisfying(&predicate, space).is_yes() {
                continue;
            }
            let Protection::Unprotected(mut witness) = protection(&predicate, cx.settings) else {
                continue;
            };
            if witness.get("ref_protected").is_none() {
                witness.set("ref_protected", "false".to_owned());
            }
            let policy_name = policy.name.as_ref().map_or("?", |n| n.text.as_str());
            let primary = role.bound_claims.as_ref().map_or(role.span, |c| c.span);
            out.push(
                Finding::new(
                    self.meta(),
                    primary,
                    format!(
                        "{} admits tokens from unprotected refs, e.g. {}, while its policy `{policy_name}` grants {grants}: anyone who can push a branch can run a job with those rights",
                        describe_role(role),
                        describe_token(&witness)
                    ),
                )
                .with_help("bind `ref_protected` to `\"true\"` (or exact protected refs with their `ref_type`), or narrow the policy")
                .with_related(rule.span, "the grant"),
            );
        }
    }
}
