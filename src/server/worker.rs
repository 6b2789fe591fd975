//! The lint worker: one thread that runs the lint library on what the main loop asks
//! ([`Job`]) and answers with every file's findings in the protocol's shapes
//! ([`Checked`]), so that the main loop never waits for a scan.

use std::collections::{BTreeMap, HashMap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use trustlint_lint::LintRequest;

use super::convert::{self, Files, Item};

/// A run to do: the request (the workspace folders, the open buffers' texts), asked for
/// at `asked`.
#[derive(Debug)]
pub struct Job {
    pub request: LintRequest,
    pub asked: Instant,
}

/// What a run found, per file (absolute paths), with the texts it read.
#[derive(Debug)]
pub struct Checked {
    pub result: Result<Run, String>,
    pub asked: Instant,
    /// How long the lint library took.
    pub linted: Duration,
}

#[derive(Debug, Default)]
pub struct Run {
    /// Every file with findings, with them.
    pub findings: BTreeMap<PathBuf, Vec<Item>>,
    /// The text of every file the run read, as read.
    pub texts: HashMap<PathBuf, Arc<str>>,
}

/// Starts the worker; it ends when the sender of jobs is dropped. While a run goes on,
/// jobs queue up; only the latest one waiting is run.
pub fn spawn(done: Sender<Checked>) -> std::io::Result<Sender<Job>> {
    let (jobs, inbox) = crossbeam_channel::unbounded::<Job>();
    thread::Builder::new()
        .name("trustlint-lint".to_string())
        .spawn(move || serve(&inbox, &done))?;
    Ok(jobs)
}

fn serve(inbox: &Receiver<Job>, done: &Sender<Checked>) {
    while let Ok(mut job) = inbox.recv() {
        while let Ok(newer) = inbox.try_recv() {
            job = newer;
        }
        let started = Instant::now();
        // The library never panics on input by design; if it ever did, the server says
        // so instead of going away.
        let result = catch_unwind(AssertUnwindSafe(|| run(&job.request)))
            .unwrap_or_else(|_| Err("internal error: the check panicked".to_string()));
        let checked = Checked {
            result,
            asked: job.asked,
            linted: started.elapsed(),
        };
        if done.send(checked).is_err() {
            return;
        }
    }
}

fn run(request: &LintRequest) -> Result<Run, String> {
    let outcome = trustlint_lint::lint(request).map_err(|e| e.0)?;
    let files: Files<'_> = outcome
        .workspaces
        .iter()
        .flat_map(|workspace| workspace.sources.files())
        .map(|file| (file.id, file))
        .collect();
    let mut run = Run::default();
    for file in files.values() {
        if let Ok(path) = std::path::absolute(&file.path) {
            run.texts.insert(path, file.text.clone());
        }
    }
    for finding in &outcome.findings {
        let Some(file) = files.get(&finding.primary.file) else {
            continue;
        };
        let Ok(path) = std::path::absolute(&file.path) else {
            continue;
        };
        if let Some(item) = convert::item(&files, finding) {
            run.findings.entry(path).or_default().push(item);
        }
    }
    Ok(run)
}
