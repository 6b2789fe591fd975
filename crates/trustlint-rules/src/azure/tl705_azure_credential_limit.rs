//! TL705 azure-credential-limit: more than 20 federated identity credentials on one app
//! registration or managed identity — Entra refuses to create the 21st. A credential
//! declared with `count`/`for_each` is an unknown number of them: an identity with one is
//! not counted.

use std::collections::BTreeMap;

use trustlint_parser::federation::azure::Credential;

use crate::analysis::azure::credentials;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

/// Microsoft's limit per application or user-assigned managed identity.
pub const LIMIT: usize = 20;

#[derive(Debug)]
pub struct AzureCredentialLimit;

impl Rule for AzureCredentialLimit {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL705
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut by_holder: BTreeMap<&str, Vec<&Credential>> = BTreeMap::new();
        for (_, credential) in credentials(cx.workspace) {
            if let Some(holder) = &credential.holder {
                by_holder.entry(holder.value.text()).or_default().push(credential);
            }
        }
        for (holder, held) in by_holder {
            if held.len() <= LIMIT || held.iter().any(|c| c.repeated) {
                continue;
            }
            let Some(over) = held.get(LIMIT) else {
                continue;
            };
            let mut finding = Finding::new(
                self.meta(),
                over.span,
                format!(
                    "the Entra identity `{holder}` gets {} federated identity credentials: Microsoft allows {LIMIT} per application or managed identity, so creating this one (the {}st) fails",
                    held.len(),
                    LIMIT + 1
                ),
            )
            .with_help("replace the per-ref credentials with one flexible credential (`claims['sub'] matches 'project_path:<group>/<project>:ref_type:branch:ref:*' and claims['project_id'] eq '<id>'`), or split them across identities");
            if let Some(first) = held.first() {
                finding = finding.with_related(first.span, "the identity's first credential");
            }
            out.push(finding);
        }
    }
}
