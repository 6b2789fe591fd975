//! TL216 unused-permission: a role's policies grant services it has not used for
//! `[aws] unused-after-days` days (90 by default), as an
//! `aws iam get-service-last-accessed-details` report or an IAM Access Analyzer
//! `UnusedPermission` finding says. Ages count back from the report's own date
//! (`JobCompletionDate`, `analyzedAt`), never from today, so results are reproducible.

use std::path::Path;

use trustlint_parser::iam::{ServiceAccess, ServiceUsage};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::FileId;

use crate::analysis::condition_eval::parse_date;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

const SECONDS_PER_DAY: f64 = 86_400.0;
/// The file name suffix that ties a last-accessed report to the role it names.
const FILE_SUFFIX: &str = ".last-accessed.json";

#[derive(Debug)]
pub struct UnusedPermission;

impl Rule for UnusedPermission {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL216
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::Iam(resources) = &document.content else {
            return;
        };
        let days = cx.settings.unused_after_days;
        for usage in &resources.usage {
            let role = subject(cx, document.file, usage);
            let as_of = usage.as_of.as_ref().and_then(|d| parse_date(&d.value));
            let unused: Vec<(&ServiceAccess, String)> = usage
                .services
                .iter()
                .filter_map(|service| Some((service, unused_for(service, as_of, days)?)))
                .collect();
            if let [(first, _), rest @ ..] = unused.as_slice() {
                let listed: Vec<String> = unused
                    .iter()
                    .map(|(service, age)| format!("`{}` ({age})", service.namespace.value))
                    .collect();
                let date = usage
                    .as_of
                    .as_ref()
                    .map_or("the report (which gives no date)", |d| day(&d.value));
                let mut finding = Finding::new(
                    self.meta(),
                    first.namespace.span,
                    format!(
                        "{role} is allowed services it has not used in the {days} days before {date}: {}",
                        listed.join(", ")
                    ),
                )
                .with_help("remove these services from the role's policies (IAM Access Analyzer can generate a policy from the role's activity)");
                for (service, age) in rest {
                    finding = finding.with_related(
                        service.namespace.span,
                        format!("`{}`: {age}", service.namespace.value),
                    );
                }
                out.push(finding);
            } else if let (true, Some(id)) = (usage.services.is_empty(), &usage.finding_id) {
                out.push(
                    Finding::new(
                        self.meta(),
                        id.span,
                        format!(
                            "IAM Access Analyzer found unused permissions of {role} (finding `{}`)",
                            id.value
                        ),
                    )
                    .with_help(format!(
                        "`aws accessanalyzer get-finding-v2 --analyzer-arn … --id {}` lists the unused services; remove them from the role's policies",
                        id.value
                    )),
                );
            }
        }
    }
}

/// How long `service` has been unused, for the message ("last used 2024-01-02, 120
/// days before", "never used"); `None` when it was used within `days` days of `as_of`,
/// or when its date or the report's can't be read.
fn unused_for(service: &ServiceAccess, as_of: Option<f64>, days: u32) -> Option<String> {
    let Some(last) = &service.last_accessed else {
        return Some("never used".to_string());
    };
    let age = (as_of? - parse_date(&last.value)?) / SECONDS_PER_DAY;
    (age > f64::from(days)).then(|| {
        format!(
            "last used {}, {} days before",
            day(&last.value),
            age.floor()
        )
    })
}

/// The date part of an ISO 8601 timestamp.
fn day(timestamp: &str) -> &str {
    timestamp.get(..10).unwrap_or(timestamp)
}

/// The role a report is about, for messages: the finding's `resource`, the ARN of the
/// `[[roles]]` binding its file is the `last-accessed` of, or the `<role name>` of its
/// file name `<role name>.last-accessed.json`.
fn subject(cx: &Context<'_>, file: FileId, usage: &ServiceUsage) -> String {
    let named = usage
        .resource
        .as_ref()
        .map(|arn| arn.value.clone())
        .or_else(|| {
            cx.settings
                .roles
                .iter()
                .find(|binding| binding.last_accessed_file == Some(file))
                .map(|binding| binding.arn.clone())
        })
        .or_else(|| {
            let path = &cx.workspace.sources.get(file)?.path;
            let name = Path::new(path).file_name()?.to_str()?;
            name.strip_suffix(FILE_SUFFIX).map(str::to_string)
        });
    match named {
        Some(name) => format!("role `{name}`"),
        None => "the role of this report (it names none: bind it with `[[roles]] last-accessed` or name the file `<role name>.last-accessed.json`)".to_string(),
    }
}
