//! What the rules that join files (the cross, Google Cloud, Vault and Azure domains) read
//! of a pipeline once its own rules have run and its memo holds what its scripts say
//! ([`crate::Context::remember`]): a run that checks many pipelines lets the rest go, so
//! that it holds a few kilobytes per pipeline instead of its whole model.
//!
//! Kept: of each job those rules read, its typed keywords (they read its name, tokens,
//! `secrets:`, variables, `rules:`, `only:`, `except:`, `when:` and environment: where
//! and on what it runs, what it presents) and `rules:` as written; of the others, their
//! name (which files define jobs); the pipeline's typed keywords (they read its includes,
//! variables and `workflow:`) and `workflow:` as written. Let go: the scripts, the
//! configuration's other keywords, and all but the name of the jobs those rules don't
//! read.

use std::sync::Arc;

use trustlint_parser::gitlab::{Job, Kind, Pipeline, Val};

/// The keywords of a job the joining rules read from its configuration ([`Job::get`]):
/// `rules:` as written, where a job's runs are judged.
const JOB_KEYWORDS: &[&str] = &["rules"];

/// The global keywords they read from the pipeline's configuration: `workflow:` as
/// written.
const PIPELINE_KEYWORDS: &[&str] = &["workflow"];

/// Lets go of what the joining rules don't read of `pipeline` (see the module's
/// documentation); `read` tells, by job, whether they read the job at all (a job past
/// its end is not read).
pub fn keep_what_joins(pipeline: &mut Pipeline, read: &[bool]) {
    retain(&mut pipeline.config, PIPELINE_KEYWORDS);
    for (at, job) in pipeline.jobs.iter_mut().enumerate() {
        job.script = Vec::new();
        job.before_script = Vec::new();
        job.after_script = Vec::new();
        if read.get(at).copied().unwrap_or(false) {
            retain(&mut job.config, JOB_KEYWORDS);
        } else {
            keep_name(job);
        }
    }
}

/// Lets go of all but the job's name.
fn keep_name(job: &mut Job) {
    retain(&mut job.config, &[]);
    job.id_tokens = Vec::new();
    job.secrets = Vec::new();
    job.variables = Arc::new([]);
    job.rules = Vec::new();
    job.only = None;
    job.except = None;
    job.environment = None;
    job.trigger = None;
    job.when = None;
}

/// Keeps the `keywords` of a map (its span and chain too).
fn retain(config: &mut Val, keywords: &[&str]) {
    if let Kind::Map(fields) = &mut config.kind {
        *fields = fields
            .iter()
            .filter(|field| keywords.contains(&field.key.value.as_ref()))
            .cloned()
            .collect();
    }
}
