//! TL308 unpinned-include: an `include:` (or a child pipeline's `trigger:include`) whose
//! content can change without a change to this repository — `project:` without `ref:` or
//! at a branch-looking ref, `component:` at `~latest` or a branch-looking version,
//! `remote:` over plain `http://`. A ref is taken for a branch when it is `HEAD`, starts
//! with `refs/heads/`, or contains no digit (see rules/TL308.md: names alone can't tell a
//! branch from a tag).

use std::collections::BTreeSet;

use trustlint_parser::gitlab::{parse_entry, IncludeKind, Text};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::{SourceMap, Span};

use super::walk;
use crate::analysis::shell;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct UnpinnedInclude;

const RUNS: &str =
    "changes what this pipeline runs, jobs that receive its ID tokens and secrets included";
const PIN_HELP: &str =
    "pin `ref:` to a full commit SHA (or a protected release tag) and update it deliberately";

impl Rule for UnpinnedInclude {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL308
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::GitlabCi(pipeline) = &document.content else {
            return;
        };
        let sources = &cx.workspace.sources;
        // The pipeline's own includes, and those of child pipelines (`trigger:include`),
        // which run in this project too.
        let child_entries = pipeline
            .jobs
            .iter()
            .filter_map(|job| job.trigger.as_ref()?.include.as_ref())
            .flat_map(|include| match include.as_seq() {
                Some(items) => items.iter().collect(),
                None => vec![include],
            });
        let kinds = pipeline
            .includes
            .iter()
            .map(|include| include.kind.clone())
            .chain(child_entries.map(|entry| parse_entry(entry).kind));
        let mut reported = BTreeSet::new();
        for kind in kinds {
            let Some((span, message, help)) = unpinned(sources, &kind) else {
                continue;
            };
            if walk::reports_on(cx, document, span.file) && reported.insert(span) {
                out.push(Finding::new(self.meta(), span, message).with_help(help));
            }
        }
    }
}

/// Where and why an include is not pinned, and the help.
fn unpinned(sources: &SourceMap, kind: &IncludeKind) -> Option<(Span, String, &'static str)> {
    match kind {
        // An empty project is GitLab's error to report (TL003), not an unpinned include.
        IncludeKind::Project { project, .. } if project.value.trim().is_empty() => None,
        IncludeKind::Project {
            project,
            reference: None,
            ..
        } => Some((
            project.span,
            format!("`include: project: {}` has no `ref`: GitLab reads the file from the tip of that project's default branch each time a pipeline starts, so whoever can push there {RUNS}", project.value),
            PIN_HELP,
        )),
        IncludeKind::Project {
            project,
            reference: Some(reference),
            ..
        } => {
            let why = branch_like(&reference.value)?;
            Some((
                reference.span,
                format!("`ref: {}` of `include: project: {}` looks like a branch ({why}): whoever can push to it {RUNS} (trustlint can't tell a branch from a tag by name and takes a ref without a digit for a branch; if it is a protected tag, suppress this finding)", reference.value, project.value),
                PIN_HELP,
            ))
        }
        IncludeKind::Remote(url) => {
            let plain = url
                .value
                .get(..7)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
            plain.then(|| {
                (
                    url.span,
                    format!("remote include `{}` is fetched over plain http: anyone on the network path to that host can replace the file, which {RUNS}", url.value),
                    "fetch it over `https://` (with `integrity: sha256-…` to pin its content), or vendor the file into the repository and include it with `local:`",
                )
            })
        }
        IncludeKind::Component(component) => moving_component(sources, component),
        IncludeKind::Local(_) | IncludeKind::Template(_) | IncludeKind::Unknown => None,
    }
}

/// A component included at `~latest` or at a branch-looking version.
fn moving_component(sources: &SourceMap, component: &Text) -> Option<(Span, String, &'static str)> {
    let (path, version) = component.value.rsplit_once('@')?;
    let message = if version == "~latest" {
        format!("component `{path}` is included at `~latest`: each pipeline takes whichever release is newest when it starts, so a new release of the component {RUNS}, without a review in this repository")
    } else {
        let why = branch_like(version)?;
        format!("component `{path}` is included at `{version}`, which looks like a branch ({why}): whoever can push to it {RUNS}, without a review in this repository")
    };
    let span = shell::span_in(component, sources, path.len() + 1, component.value.len());
    Some((
        span,
        message,
        "pin the component to a full released version (`@1.2.3`) or a commit SHA",
    ))
}

/// Why a ref looks like a branch, or `None` when it looks like a commit SHA or a tag,
/// or depends on CI/CD variables.
fn branch_like(reference: &str) -> Option<&'static str> {
    if reference.contains('$') {
        None
    } else if reference == "HEAD" {
        Some("`HEAD` is the tip of the default branch")
    } else if reference.starts_with("refs/heads/") {
        Some("it names a branch explicitly")
    } else if !reference.bytes().any(|b| b.is_ascii_digit()) {
        Some("it has no version number")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_heuristic() {
        for branch in [
            "main",
            "master",
            "develop",
            "HEAD",
            "refs/heads/v2",
            "stable",
        ] {
            assert!(branch_like(branch).is_some(), "{branch}");
        }
        for pinned in [
            "v1.2.3",
            "1.2",
            "0123456789abcdef0123456789abcdef01234567",
            "16-8-stable",
            "$CI_COMMIT_REF_NAME",
        ] {
            assert!(branch_like(pinned).is_none(), "{pinned}");
        }
    }
}
