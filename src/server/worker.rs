//! The lint worker: one thread that runs the lint library on what the main loop asks
//! ([`Job`]) and answers with every file's findings in the protocol's shapes
//! ([`Checked`]), so that the main loop never waits for a scan. Its full runs go through
//! one [`Session`], which loads and checks again only what changed since the last, and
//! convert again only the findings of the files whose findings changed ([`Converted`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{absolute, Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use trustlint_lint::{LintOutcome, LintRequest, Session};
use trustlint_parser::input::InputKind;
use trustlint_parser::FileId;
use trustlint_rules::Finding;

use super::convert::{self, Files, Item};

/// A run to do: the request (the workspace folders, the open buffers' texts), asked for
/// at `asked`.
#[derive(Debug)]
pub struct Job {
    pub request: LintRequest,
    pub asked: Instant,
    pub pass: Pass,
    /// For a full run when the client tells of changes on disk: the paths it told of
    /// since the last full run was asked (the session then reads only those again).
    pub changed: Option<Vec<PathBuf>>,
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
    /// Every file with findings, with them (shared with the conversions kept: a file
    /// whose findings did not change has the same items as in the last run).
    pub findings: HashMap<PathBuf, Arc<[Item]>>,
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
    let mut converted = Converted::default();
    let mut absolutes = Absolutes::default();
    while let Ok(job) = inbox.recv() {
        let started = Instant::now();
        let lint = || match job.pass {
            Pass::Full => {
                if let Some(changed) = job.changed.clone() {
                    session.changed_on_disk(changed);
                }
                let run = session
                    .lint(&job.request)
                    .map(|outcome| found(outcome, &mut converted, &mut absolutes));
                let redone = session.last_work();
                run.map(|run| Run { redone, ..run })
            }
            Pass::Fast(_) => trustlint_lint::lint(&job.request).map(|outcome| {
                found(
                    &outcome,
                    &mut Converted::default(),
                    &mut Absolutes::default(),
                )
            }),
        };
        // The library never panics on input by design; if it ever did, the server says
        // so instead of going away (and starts a new session).
        let result = match catch_unwind(AssertUnwindSafe(lint)) {
            Ok(result) => result.map_err(|e| e.0),
            Err(_) => {
                session = Session::new();
                converted = Converted::default();
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

/// The absolute path of each path of the last runs (`std::path::absolute` asks for the
/// current folder for each relative path: the server never changes it).
#[derive(Debug, Default)]
struct Absolutes {
    last: HashMap<PathBuf, PathBuf>,
    now: HashMap<PathBuf, PathBuf>,
}

impl Absolutes {
    fn of(&mut self, path: &Path) -> Option<PathBuf> {
        let absolute = match self.last.remove(path) {
            Some(known) => known,
            None => absolute(path).ok()?,
        };
        self.now.insert(path.to_path_buf(), absolute.clone());
        Some(absolute)
    }

    /// This run's paths become the last run's.
    fn finish(&mut self) {
        self.last = std::mem::take(&mut self.now);
    }
}

/// The findings of each file in the last full run with their items, by the file's id:
/// a file's items are those of its findings and of the files they point into, so a run
/// that finds the same in the same files converts nothing again.
#[derive(Debug, Default)]
struct Converted {
    /// The last run's.
    last: HashMap<FileId, Conversion>,
    /// This run's so far.
    now: HashMap<FileId, Conversion>,
}

/// One file's findings converted.
#[derive(Debug)]
struct Conversion {
    findings: Vec<Finding>,
    /// The path and text of every file the findings point into, by id.
    read: Vec<(FileId, PathBuf, Arc<str>)>,
    items: Arc<[Item]>,
}

impl Converted {
    /// The items of `findings` (all of one file, in report order), from the last run when
    /// the findings and the files they point into are the same.
    fn items(&mut self, files: &Files<'_>, findings: &[Finding]) -> Arc<[Item]> {
        let Some(first) = findings.first() else {
            return Arc::new([]);
        };
        let file = first.primary.file;
        let known = self.last.remove(&file).filter(|known| {
            known.findings == findings
                && known.read.iter().all(|(id, path, text)| {
                    files
                        .get(id)
                        .is_some_and(|now| now.path == *path && now.text == *text)
                })
        });
        let conversion = known.unwrap_or_else(|| {
            let mut read: Vec<(FileId, PathBuf, Arc<str>)> = Vec::new();
            for id in findings.iter().flat_map(pointed_into) {
                if read.iter().any(|(known, _, _)| *known == id) {
                    continue;
                }
                if let Some(now) = files.get(&id) {
                    read.push((id, now.path.clone(), Arc::clone(&now.text)));
                }
            }
            Conversion {
                findings: findings.to_vec(),
                read,
                items: findings
                    .iter()
                    .filter_map(|finding| convert::item(files, finding))
                    .collect(),
            }
        });
        let items = Arc::clone(&conversion.items);
        self.now.insert(file, conversion);
        items
    }

    /// The run's conversions become the last run's.
    fn finish(&mut self) {
        self.last = std::mem::take(&mut self.now);
    }
}

/// The files a finding's item reads: its own, its related places', its fix's.
fn pointed_into(finding: &Finding) -> impl Iterator<Item = FileId> + '_ {
    std::iter::once(finding.primary.file)
        .chain(finding.related.iter().map(|related| related.span.file))
        .chain(
            finding
                .fix
                .iter()
                .flat_map(|fix| fix.edits.iter().map(|e| e.span.file)),
        )
}

/// What `outcome` found, per file, its items converted through `converted`.
fn found(outcome: &LintOutcome, converted: &mut Converted, absolutes: &mut Absolutes) -> Run {
    let files: Files<'_> = outcome
        .workspaces
        .iter()
        .flat_map(|workspace| workspace.sources.files())
        .map(|file| (file.id, file))
        .collect();
    let paths: HashMap<FileId, PathBuf> = files
        .iter()
        .filter_map(|(id, file)| Some((*id, absolutes.of(&file.path)?)))
        .collect();
    absolutes.finish();
    let mut run = Run::default();
    for (id, file) in &files {
        if let Some(path) = paths.get(id) {
            run.texts.insert(path.clone(), file.text.clone());
        }
    }
    for workspace in &outcome.workspaces {
        for document in &workspace.documents {
            if document.kind == InputKind::Unrecognised {
                continue;
            }
            if let Some(path) = paths.get(&document.file) {
                run.documents.insert(path.clone());
            }
        }
    }
    for finding in &outcome.findings {
        let elsewhere = files.contains_key(&finding.primary.file)
            && pointed_into(finding).any(|other| other != finding.primary.file);
        if elsewhere {
            run.joining.insert(finding.code().to_string());
        }
    }
    // The findings are in report order: each file's are together.
    for findings in outcome
        .findings
        .chunk_by(|a, b| a.primary.file == b.primary.file)
    {
        let Some(file) = findings.first().map(|finding| finding.primary.file) else {
            continue;
        };
        // A folder's findings (nothing recognised in it) are not published.
        let folder = files.get(&file).is_some_and(|file| file.text.is_empty())
            && paths.get(&file).is_some_and(|path| path.is_dir());
        let Some(path) = paths.get(&file).filter(|_| !folder) else {
            continue;
        };
        let items = converted.items(&files, findings);
        if items.is_empty() {
            continue;
        }
        match run.findings.get_mut(path) {
            // Files of one path under two ids (a file read also through an `include:`).
            Some(known) => *known = known.iter().chain(items.iter()).cloned().collect(),
            None => {
                run.findings.insert(path.clone(), items);
            }
        }
    }
    converted.finish();
    run
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use super::*;

    /// The demo's files, each maybe edited (`edits`: which of its edits apply) or left out.
    fn demo(edits: u32) -> LintRequest {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let files = [
            (
                ".gitlab-ci.yml",
                "role/acme-infra-deploy",
                "role/acme-other",
            ),
            ("iam/deploy-trust.json", "ref:main\"", "ref:*\""),
            ("iam/deploy-permissions.json", "\"Effect\"", "\"Effect\" "),
        ];
        let mut texts = Vec::new();
        for (bit, (name, one, other)) in files.iter().enumerate() {
            let text = fs_text(&root.join(name));
            match (edits >> (2 * bit)) & 3 {
                0 => texts.push((root.join(name), text)),
                1 => texts.push((root.join(name), text.replacen(one, other, 1))),
                // Left out: the ids of the files after it change.
                _ => {}
            }
        }
        LintRequest::in_memory(texts)
    }

    fn fs_text(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    /// Items kept from earlier runs are those a fresh conversion gives, whatever changed
    /// in between (a file edited, a file left out and its followers' ids shifted).
    #[test]
    fn kept_items_are_those_converted_afresh() {
        let mut converted = Converted::default();
        let mut absolutes = Absolutes::default();
        let mut with = 0;
        for step in 0..40u32 {
            let edits = (step * 7 + step / 3) % 64;
            let outcome = trustlint_lint::lint(&demo(edits)).unwrap();
            let kept = found(&outcome, &mut converted, &mut absolutes);
            let fresh = found(
                &outcome,
                &mut Converted::default(),
                &mut Absolutes::default(),
            );
            assert_eq!(kept.findings, fresh.findings, "step {step}");
            assert_eq!(kept.joining, fresh.joining, "step {step}");
            // One conversion kept per file with findings, for the next run.
            let mut with_findings: Vec<FileId> =
                outcome.findings.iter().map(|f| f.primary.file).collect();
            with_findings.dedup();
            assert_eq!(converted.last.len(), with_findings.len(), "step {step}");
            with += usize::from(!with_findings.is_empty());
        }
        assert!(with > 20, "{with}");
    }
}
