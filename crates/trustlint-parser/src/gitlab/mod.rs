//! The GitLab CI model: a `.gitlab-ci.yml` read the way GitLab reads it. [`load`] takes
//! the spanned YAML tree of the main file, merges local includes (through an
//! [`IncludeReader`] confined to the scanned root), resolves `extends`, `!reference`,
//! `default:` and global variables in GitLab's order, validates keywords, types, stages,
//! `needs` and `dependencies` against GitLab's keyword reference, and returns the typed
//! [`Pipeline`] with every problem found (`InvalidCiConfig` for what GitLab rejects,
//! `UnresolvedInclude` for includes that are not fetched).

pub mod expression;
mod glob;
mod header;
mod include;
mod inputs;
mod keywords;
mod model;
mod resolve;
mod value;

pub use crate::files::{FileText, LocalFiles, ReadError, RootedFiles};
pub use include::{parse_entry, IncludeReader, NoIncludes};
pub use model::{
    Environment, Filter, IdToken, Include, IncludeKind, Job, Need, Pipeline, RuleClause, Secret,
    Trigger, Variable, Workflow, DEFAULT_STAGES,
};
pub use value::{texts, Field, Kind, Text, Val, Via, ViaChain};

use std::collections::HashSet;

use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::FileId;
use crate::suggest::did_you_mean;
use crate::tree::Node;

/// Parses and loads a CI file (header document included): `Err` when it is not YAML.
pub fn load_file(
    file: FileId,
    text: &str,
    reader: &dyn IncludeReader,
    limits: &Limits,
    standalone: bool,
) -> Result<(Pipeline, Vec<Problem>), Problem> {
    let documents = header::parse(file, text, limits)?;
    let spec = documents.spec.as_ref().map(Val::from_node);
    let (pipeline, mut problems) = load_with_source(
        &documents.config,
        reader,
        limits,
        standalone,
        Some((file, text)),
        spec.as_ref(),
    );
    if let Some(spec) = &spec {
        keywords::check_spec(spec, &mut problems);
    }
    Ok((pipeline, problems))
}

/// Loads a pipeline from the spanned tree of its main file. `standalone`: the file is a
/// project's CI configuration on its own (named `.gitlab-ci.yml`), not only a fragment
/// for other files to include. Checks that need the whole
/// configuration (undefined `extends` targets, `!reference`s, stages, `needs`,
/// `dependencies`, jobs without `script`) run only when every include was read and the
/// file is standalone or declares its own `stages:`; a fragment such as
/// `.gitlab/ci/build.gitlab-ci.yml` leans on definitions in the files that include it.
pub fn load(
    root: &Node,
    reader: &dyn IncludeReader,
    limits: &Limits,
    standalone: bool,
) -> (Pipeline, Vec<Problem>) {
    load_with_source(root, reader, limits, standalone, None, None)
}

/// [`load`], with the text of the main file (by id) when known, so that problems inside
/// its `rules:if` expressions point at the exact token, and its `spec:` header, whose
/// input defaults are interpolated.
fn load_with_source(
    root: &Node,
    reader: &dyn IncludeReader,
    limits: &Limits,
    standalone: bool,
    source: Option<(FileId, &str)>,
    spec: Option<&Val>,
) -> (Pipeline, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut config = Val::from_node(root);
    inputs::interpolate(&mut config, spec, None);
    if !matches!(config.kind, Kind::Map(_) | Kind::Null) {
        problems.push(Problem::invalid_ci_config(
            config.span,
            format!(
                "a CI configuration must be a map of keywords and jobs, found {}",
                config.type_name()
            ),
        ));
    }
    let (mut config, expanded) = include::expand(config, reader, limits, &mut problems);
    let complete = !expanded.incomplete
        && (standalone || config.get("stages").is_some() || config.get("types").is_some());
    let mut budget = resolve::Budget::new(limits.max_nodes);
    if let Kind::Map(fields) = &mut config.kind {
        let fields = std::sync::Arc::make_mut(fields);
        resolve::extends(fields, complete, &mut budget, &mut problems);
        resolve::references(fields, complete, &mut budget, &mut problems);
    }
    // Visible jobs leave the configuration: each is held once, in `jobs`, with its
    // effective configuration (global keywords, hidden jobs and malformed entries stay).
    let is_job = |field: &Field| {
        !keywords::is_global_keyword(&field.key.value) && !field.key.value.starts_with('.')
    };
    let written_jobs: Vec<Field> = match &mut config.kind {
        Kind::Map(fields) => {
            let (jobs, rest): (Vec<Field>, Vec<Field>) = fields
                .iter()
                .cloned()
                .partition(|f| is_job(f) && f.value.as_map().is_some());
            *fields = rest.into();
            jobs
        }
        _ => Vec::new(),
    };
    let fields = config.as_map().unwrap_or_default();
    for field in fields
        .iter()
        .filter(|f| keywords::is_global_keyword(&f.key.value))
    {
        keywords::check_global(&field.key.value, &field.value, &mut problems);
    }
    for field in fields.iter().filter(|f| is_job(f)) {
        problems.push(Problem::invalid_ci_config(
            field.value.span,
            format!("job `{}` must be a map of job keywords, found {}: GitLab rejects the configuration", field.key.value, field.value.type_name()),
        ));
    }
    let stages = stages(config.get("stages").or_else(|| config.get("types")));
    let inheritance = resolve::Inheritance::new(fields);
    let mut jobs = Vec::with_capacity(written_jobs.len());
    for field in written_jobs {
        keywords::check(
            &field.value,
            &keywords::JOB,
            &field.key.value,
            &mut problems,
        );
        let job = model::job(
            field.key,
            inheritance.apply(field.value, &mut budget),
            inheritance.globals(),
        );
        if complete
            && ["script", "run", "trigger"]
                .iter()
                .all(|k| job.get(k).is_none())
        {
            problems.push(
                Problem::invalid_ci_config(
                    job.name.span,
                    format!("job `{}` has no `script`, `run` or `trigger`: GitLab rejects the configuration", job.name.value),
                )
                .with_help("add a `script:` (or hide the job as a template by starting its name with `.`)"),
            );
        }
        jobs.push(job);
    }
    if standalone && !expanded.incomplete && jobs.is_empty() {
        problems.push(
            Problem::invalid_ci_config(
                crate::source::Span::new(root.span.file, 0, 0),
                "the configuration defines no visible job (only hidden `.jobs` and global keywords): GitLab rejects it with \"jobs config should contain at least one visible job\"",
            )
            .with_help("add a job whose name does not start with `.`, or include the files that define the jobs"),
        );
    }
    let pipeline = Pipeline {
        includes: expanded.includes,
        incomplete: expanded.incomplete,
        variables: config
            .get("variables")
            .map(model::variables)
            .unwrap_or_default(),
        workflow: config.get("workflow").map(|w| Workflow {
            name: w.child("name").as_ref().and_then(Text::of),
            rules: w
                .child("rules")
                .as_ref()
                .map(model::rules)
                .unwrap_or_default(),
        }),
        stages,
        jobs,
        config,
    };
    if complete {
        check_references(&pipeline, &mut problems);
    }
    expression::check_pipeline(&pipeline, source, &mut problems);
    if budget.exhausted() {
        problems.push(Problem::parse(
            crate::source::Span::new(root.span.file, 0, 0),
            format!(
                "`extends`, `!reference` and `default:` expand this configuration to more than {} values: the rest is not resolved or checked",
                limits.max_nodes
            ),
        ));
    }
    (pipeline, dedupe(problems))
}

/// The effective stages: `.pre`, the listed ones, `.post`; GitLab's defaults when unset.
fn stages(listed: Option<&Val>) -> Vec<Text> {
    let default = |name: &str, at: &Val| Text {
        value: name.into(),
        span: at.span,
        via: ViaChain::default(),
    };
    match listed {
        Some(list) if list.as_seq().is_some() => {
            let mut stages = value::texts(list);
            if !stages.iter().any(|s| s.as_str() == ".pre") {
                stages.insert(0, default(".pre", list));
            }
            if !stages.iter().any(|s| s.as_str() == ".post") {
                stages.push(default(".post", list));
            }
            stages
        }
        _ => {
            let at = Val::null(crate::source::Span::default());
            DEFAULT_STAGES.iter().map(|s| default(s, &at)).collect()
        }
    }
}

/// Stages, `needs` and `dependencies` that name nothing (only when every include was read).
fn check_references(pipeline: &Pipeline, problems: &mut Vec<Problem>) {
    let stage_names: Vec<&str> = pipeline.stages.iter().map(Text::as_str).collect();
    let job_names: Vec<&str> = pipeline
        .jobs
        .iter()
        .map(|j| j.name.value.as_ref())
        .collect();
    // Each job's stage, typed once for the checks below.
    let stages: Vec<Text> = pipeline.jobs.iter().map(Job::stage).collect();
    let stage_of = |name: &str| {
        let at = pipeline
            .jobs
            .iter()
            .position(|j| j.name.value.as_ref() == name)?;
        stages.get(at)
    };
    for (job, job_stage) in pipeline.jobs.iter().zip(&stages) {
        let stage = job_stage.as_str();
        if !stage_names.contains(&stage) && !stage.contains('$') {
            let mut problem = Problem::invalid_ci_config(
                job_stage.span,
                format!("job `{}` is in stage `{stage}`, which `stages:` does not define: GitLab rejects the configuration", job.name.value),
            );
            problem = match did_you_mean(stage, &stage_names) {
                Some(hint) => problem.with_help(format!("did you mean `{hint}`?")),
                None => problem.with_help(format!(
                    "add `{stage}` to `stages:` or use one of: {}",
                    stage_names.join(", ")
                )),
            };
            problems.push(problem);
        }
        let needs = job.needs();
        let dependencies = job.dependencies();
        let needed = needs
            .iter()
            .filter(|n| !n.optional && !n.external)
            .map(|n| (&n.job, "needs"));
        let depended = dependencies.iter().map(|d| (d, "dependencies"));
        let stage_index = |name: &str| stage_names.iter().position(|s| *s == name);
        for (target, keyword) in needed.chain(depended) {
            if target.value.contains('$') {
                continue;
            }
            if let Some(other) = stage_of(parallel_base(target.as_str())) {
                let (mine, theirs) = (stage_index(stage), stage_index(other.as_str()));
                if let (Some(mine), Some(theirs)) = (mine, theirs) {
                    if theirs > mine {
                        problems.push(Problem::invalid_ci_config(
                            target.span,
                            format!(
                                "job `{}` (stage `{stage}`) lists `{}` in `{keyword}`, but that job runs in the later stage `{}`: GitLab rejects the configuration",
                                job.name.value, target.value, other.value
                            ),
                        ));
                    }
                }
                continue;
            }
            let mut problem = Problem::invalid_ci_config(
                target.span,
                format!("job `{}` lists `{}` in `{keyword}`, but no such job is in the pipeline: GitLab rejects the configuration", job.name.value, target.value),
            );
            if let Some(hint) = did_you_mean(&target.value, &job_names) {
                problem = problem.with_help(format!("did you mean `{hint}`?"));
            }
            problems.push(problem);
        }
    }
}

/// The job a name of one of its parallel instances stands for: `build 1/3` and
/// `build: [a, b]` are instances of `build`.
fn parallel_base(name: &str) -> &str {
    if let Some((base, _)) = name.split_once(": [") {
        return base;
    }
    match name.rsplit_once(' ') {
        Some((base, index))
            if index
                .split_once('/')
                .is_some_and(|(i, n)| i.parse::<u32>().is_ok() && n.parse::<u32>().is_ok()) =>
        {
            base
        }
        _ => name,
    }
}

/// Problems found again through another job (a value inherited by several jobs) once.
fn dedupe(problems: Vec<Problem>) -> Vec<Problem> {
    let mut seen = HashSet::new();
    problems
        .into_iter()
        .filter(|p| seen.insert((p.kind, p.span)))
        .collect()
}
