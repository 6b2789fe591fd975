//! The access map (`trustlint graph`): for each job that assumes a role, where it runs,
//! the role, whether the role's trust admits the job's tokens, and what the role's
//! permissions allow — the same links and analyses the pipeline ↔ cloud rules (TL4xx)
//! judge, as plain data.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;
use trustlint_parser::FileId;

use crate::analysis::link::{Link, LinkedRole};
use crate::analysis::sub_match::SubMatch;
use crate::context::Context;
use crate::cross::describe_runs;
use crate::cross::tl401_aud_mismatch::refuses_audience;
use crate::cross::tl406_overprivileged_ci_role::{permission_findings, what};

/// One job assuming one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The project the job's tokens name (`[gitlab] project`), when known.
    pub project: Option<String>,
    /// Where the job runs, in words: "branch `main`", "tags such as `v1.0`".
    pub refs: String,
    /// The pipeline file the job is in.
    pub pipeline: String,
    pub job: String,
    /// The role ARN the job uses (after `$VAR` expansion).
    pub role: String,
    /// Whether the trust admits the job's tokens on the refs it runs on.
    pub trust: Admits,
    /// The file of the role's trust policy, when found.
    pub trust_file: Option<String>,
    /// The trust's `sub` values for the job's issuer and `aud`, as written.
    pub trust_subs: Vec<String>,
    /// The files of the role's permission policies.
    pub permission_files: Vec<String>,
    /// The actions the permission policies allow, as written, each once.
    pub actions: Vec<String>,
    /// What makes the role dangerous in CI (TL406): "administrator access", …
    pub dangers: Vec<&'static str>,
}

/// Whether a job's tokens satisfy its role's trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admits {
    /// On every ref the job runs on.
    Everywhere,
    /// On some of them only.
    SomeRefs,
    /// On none (the token's `aud` or `sub` is refused): AccessDenied every time.
    Nowhere,
    /// Not judged: the role, its trust or the job's refs are unknown, or the trust uses
    /// conditions trustlint cannot decide.
    Unknown,
}

impl Admits {
    /// The kebab-case name, as JSON reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            Admits::Everywhere => "everywhere",
            Admits::SomeRefs => "some-refs",
            Admits::Nowhere => "nowhere",
            Admits::Unknown => "unknown",
        }
    }
}

/// Every job → role link of the workspace, in document and job order.
pub fn access_map(cx: &Context<'_>) -> Vec<Access> {
    cx.links().iter().map(|link| access(cx, link)).collect()
}

fn access(cx: &Context<'_>, link: &Link<'_>) -> Access {
    let path = |file: FileId| cx.workspace.sources.get(file).map(|f| f.display_path());
    let role = link.role.as_ref();
    let matched = cx.sub_match(link);
    let permissions: Vec<&PolicyDocument> = role.map_or_else(Vec::new, policies);
    let actions = permissions
        .iter()
        .flat_map(|policy| &policy.statements)
        .filter(|statement| statement.is_allow())
        .filter_map(|statement| statement.action.as_ref())
        .filter(|block| !block.negated)
        .flat_map(|block| &block.value)
        .map(|action| action.value.clone());
    let permission_documents = role.into_iter().flat_map(|role| {
        let declared = role.declared.iter().map(|(document, _)| *document);
        declared.chain(role.permissions.iter().map(|(document, _)| *document))
    });
    let dangers = role
        .into_iter()
        .flat_map(|role| permission_findings(cx, role))
        .map(|finding| what(finding.rule.code));
    Access {
        project: cx.settings.gitlab_project.clone(),
        refs: describe_runs(link.runs(cx.settings)),
        pipeline: path(link.job.name.span.file).unwrap_or_default(),
        job: link.job.name.value.to_string(),
        role: link.role_ref.arn.clone(),
        trust: if refuses_audience(cx, link) {
            Admits::Nowhere
        } else {
            matched.map_or(Admits::Unknown, admits)
        },
        trust_file: link.trust().and_then(|(document, _)| path(document.file)),
        trust_subs: matched.map_or_else(Vec::new, |m| m.trust_values.clone()),
        permission_files: unique(
            permission_documents.filter_map(|document: &Document| path(document.file)),
        ),
        actions: unique(actions),
        dangers: unique(dangers),
    }
}

/// The items in order, each once.
fn unique<T: PartialEq>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The role's permission policies: its declared inline ones and its permission files.
fn policies<'w>(role: &LinkedRole<'w>) -> Vec<&'w PolicyDocument> {
    let inline = role
        .declared
        .iter()
        .flat_map(|(_, declared)| &declared.inline_policies)
        .map(|named| &named.document);
    inline
        .chain(role.permissions.iter().map(|(_, policy)| *policy))
        .collect()
}

/// Whether the job's subs on its refs meet what the trust admits.
fn admits(matched: &SubMatch) -> Admits {
    let mut accepted = false;
    let mut refused = false;
    for (_, subs) in matched.job_subs.iter().filter(|(_, subs)| !subs.is_empty()) {
        match (
            subs.intersection(&matched.admitted),
            subs.difference(&matched.admitted),
        ) {
            (Ok(within), Ok(outside)) => {
                accepted |= !within.is_empty();
                refused |= !outside.is_empty();
            }
            _ => return Admits::Unknown,
        }
    }
    match (accepted, refused) {
        (true, false) => Admits::Everywhere,
        (true, true) if matched.exact => Admits::SomeRefs,
        (false, true) => Admits::Nowhere,
        _ => Admits::Unknown,
    }
}
