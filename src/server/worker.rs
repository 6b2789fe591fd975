//! The lint worker: one thread that runs the lint library on what the main loop asks
//! ([`Job`]) and answers with every file's findings in the protocol's shapes
//! ([`Checked`]), so that the main loop never waits for a scan. Its full runs go through
//! one [`Session`], which loads and checks again only what changed since the last.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{absolute, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use trustlint_lint::{LintOutcome, LintRequest, Session};
use trustlint_parser::input::InputKind;

use super::convert::{self, Files, Item};

/// A run to do: the request (the workspace folders, the open buffers' texts), asked for
/// at `asked`.
#[derive(Debug)]
pub struct Job {
    pub request: LintRequest,
    pub asked: Instant,
    pub pass: Pass,
}

/// What a run covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pass {
    /// The edited files alone, without the rules that join files.
    Fast(Vec<PathBuf>),
    /// The workspace folders whole.
    Full,
}

/// What a run found, per file (absolute paths), with the texts it read.
#[derive(Debug)]
pub struct Checked {
    pub result: Result<Run, String>,
    pub asked: Instant,
    pub pass: Pass,
    /// How long the lint library took.
    pub linted: Duration,
}

#[derive(Debug, Default)]
pub struct Run {
    /// Every file with findings, with them.
    pub findings: BTreeMap<PathBuf, Vec<Item>>,
    /// The text of every file the run read, as read.
    pub texts: HashMap<PathBuf, Arc<str>>,
    /// The files read as one of trustlint's kinds.
    pub documents: HashSet<PathBuf>,
    /// The codes of the findings that reach into another file (a related place or an
    /// edit there): their rules join files.
    pub joining: BTreeSet<String>,
    /// The files a full run loaded again and the documents it checked again (the others
    /// its session kept).
    pub redone: (usize, usize),
}

/// Starts the worker; it ends when the sender of jobs is dropped. While a run goes on,
/// jobs queue up (the main loop sends one at a time).
pub fn spawn(done: Sender<Checked>) -> std::io::Result<Sender<Job>> {
    let (jobs, inbox) = crossbeam_channel::unbounded::<Job>();
    thread::Builder::new()
        .name("trustlint-lint".to_string())
        // The stack the CLI runs the library on (a main thread's on Linux).
        .stack_size(8 << 20)
        .spawn(move || serve(&inbox, &done))?;
    Ok(jobs)
}

fn serve(inbox: &Receiver<Job>, done: &Sender<Checked>) {
    let mut session = Session::new();
    while let Ok(job) = inbox.recv() {
        let started = Instant::now();
        let lint = || match job.pass {
            Pass::Full => {
                let run = session.lint(&job.request).map(found);
                let redone = session.last_work();
                run.map(|run| Run { redone, ..run })
            }
            Pass::Fast(_) => trustlint_lint::lint(&job.request).map(|outcome| found(&outcome)),
        };
        // The library never panics on input by design; if it ever did, the server says
        // so instead of going away (and starts a new session).
        let result = match catch_unwind(AssertUnwindSafe(lint)) {
            Ok(result) => result.map_err(|e| e.0),
            Err(_) => {
                session = Session::new();
                Err("internal error: the check panicked".to_string())
            }
        };
        let checked = Checked {
            result,
            asked: job.asked,
            pass: job.pass,
            linted: started.elapsed(),
        };
        if done.send(checked).is_err() {
            return;
        }
    }
}

/// What `outcome` found, per file.
fn found(outcome: &LintOutcome) -> Run {
    let files: Files<'_> = outcome
        .workspaces
        .iter()
        .flat_map(|workspace| workspace.sources.files())
        .map(|file| (file.id, file))
        .collect();
    let mut run = Run::default();
    for file in files.values() {
        if let Ok(path) = absolute(&file.path) {
            run.texts.insert(path, file.text.clone());
        }
    }
    for workspace in &outcome.workspaces {
        for document in &workspace.documents {
            if document.kind == InputKind::Unrecognised {
                continue;
            }
            let path = files.get(&document.file).map(|file| absolute(&file.path));
            if let Some(Ok(path)) = path {
                run.documents.insert(path);
            }
        }
    }
    for finding in &outcome.findings {
        let Some(file) = files.get(&finding.primary.file) else {
            continue;
        };
        let elsewhere = finding
            .related
            .iter()
            .map(|related| related.span.file)
            .chain(
                finding
                    .fix
                    .iter()
                    .flat_map(|fix| fix.edits.iter().map(|e| e.span.file)),
            )
            .any(|other| other != file.id);
        if elsewhere {
            run.joining.insert(finding.code().to_string());
        }
        let Ok(path) = absolute(&file.path) else {
            continue;
        };
        if let Some(item) = convert::item(&files, finding) {
            run.findings.entry(path).or_default().push(item);
        }
    }
    run
}
