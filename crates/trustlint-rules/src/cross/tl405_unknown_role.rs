//! TL405 unknown-role: a job assumes a role whose trust policy is not among the scanned
//! files (no IaC or export declares it, no `[[roles]]` entry ties it to a file, or its
//! ARN comes from a CI/CD variable the file does not define): the cross-file checks of
//! that job were skipped.

use super::{jobs_phrase, merge_jobs};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct UnknownRole;

impl Rule for UnknownRole {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL405
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        let mut found = Vec::new();
        for link in cx.links().iter().filter(|link| link.trust().is_none()) {
            let arn = &link.role_ref.arn;
            let (why, help) = if link.role_ref.is_symbolic() {
                (
                    format!("the role ARN `{arn}` comes from a CI/CD variable the pipeline does not define (a project or group variable?), so trustlint can't tell which role it is"),
                    "define the ARN in the pipeline's `variables:`, or check this pipeline together with the role's Terraform, CloudFormation or trust policy and a `[[roles]]` entry in trustlint.toml".to_owned(),
                )
            } else if link.role.is_some() {
                (
                    format!("role `{arn}` is known, but its trust policy is not among the scanned files"),
                    format!("add `trust = \"path/to/trust.json\"` to the `[[roles]]` entry for `{arn}` in trustlint.toml"),
                )
            } else {
                (
                    format!("no scanned file declares role `{arn}` (Terraform, CloudFormation, an `aws iam` export, or a policy file tied to it by `[[roles]]`)"),
                    format!("check the role's IaC together with the pipeline, or add to trustlint.toml:\n[[roles]]\narn = \"{arn}\"\ntrust = \"path/to/trust.json\"\npermissions = [\"path/to/permissions.json\"]"),
                )
            };
            let finding = link
                .with_role_use(Finding::new(self.meta(), link.role_span(), why))
                .with_help(help);
            found.push((link.job.name.value.clone(), finding));
        }
        out.extend(merge_jobs(found, |jobs, finding| {
            format!(
                "{} assume{} a role that was not checked: {}; its `sub`/`aud` match and its permissions were not verified",
                jobs_phrase(jobs),
                if jobs.len() == 1 { "s" } else { "" },
                finding.message
            )
        }));
    }
}
