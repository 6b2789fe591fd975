//! Walking a resolved GitLab CI value tree ([`Val`]): every value depth first, every map
//! entry, the files a pipeline's values are written in, and which of them a document
//! reports on.

use std::collections::{BTreeSet, HashSet};

use trustlint_parser::gitlab::{Field, Kind, Pipeline, Val};
use trustlint_parser::input::Document;
use trustlint_parser::FileId;

use crate::rule::Context;

/// Every value of a pipeline as resolved: its configuration (global keywords, hidden
/// jobs), then each visible job's effective configuration. A value inherited by several
/// jobs comes once per job.
pub fn pipeline_values(pipeline: &Pipeline) -> impl Iterator<Item = &Val> {
    values(&pipeline.config).chain(pipeline.jobs.iter().flat_map(|job| values(&job.config)))
}

/// Every value of the tree rooted at `root`, depth first, containers before their
/// children (`!reference` paths are not values).
pub fn values(root: &Val) -> impl Iterator<Item = &Val> {
    let mut stack = vec![root];
    std::iter::from_fn(move || {
        let val = stack.pop()?;
        match &val.kind {
            Kind::Seq(items) => stack.extend(items.iter().rev()),
            Kind::Map(fields) => stack.extend(fields.iter().rev().map(|f| &f.value)),
            Kind::Null | Kind::Bool(_) | Kind::Number(_) | Kind::String(_) | Kind::Reference(_) => {
            }
        }
        Some(val)
    })
}

/// Every `key: value` entry of every map of the pipeline's values ([`pipeline_values`]),
/// each written entry once (an entry inherited by several jobs is not repeated).
pub fn pipeline_fields(pipeline: &Pipeline) -> impl Iterator<Item = &Field> {
    let mut seen = HashSet::new();
    pipeline_values(pipeline)
        .flat_map(|val| val.as_map().unwrap_or_default())
        .filter(move |field| seen.insert(field.key.span))
}

/// The files a document's pipeline is written in that the document reports on (see
/// [`reports_on`]): its own file and the local includes that contribute a value or an
/// `include:` entry.
pub fn pipeline_files(
    cx: &Context<'_>,
    document: &Document,
    pipeline: &Pipeline,
) -> BTreeSet<FileId> {
    let mut files: BTreeSet<FileId> = pipeline_values(pipeline).map(|v| v.span.file).collect();
    files.extend(pipeline.includes.iter().map(|include| include.span.file));
    files.insert(document.file);
    files.retain(|&file| reports_on(cx, document, file));
    files
}

/// Whether `document` reports what is written in `file`: its own file, or a file it
/// includes that is not also checked as a GitLab CI file of its own (that document
/// reports it, under the id the file has there, and the same text must not be reported
/// twice).
pub fn reports_on(cx: &Context<'_>, document: &Document, file: FileId) -> bool {
    let sources = &cx.workspace.sources;
    let Some(path) = sources.get(file).map(|source| &source.path) else {
        return true;
    };
    file == document.file || !cx.gitlab_ci_files(path).iter().any(|&other| other != file)
}
