//! An incremental lint session ([`Session`]): runs that find exactly what [`crate::lint`]
//! finds, each re-doing only what the files changed since the last run can affect. A
//! language server keeps one and runs it after every change.
//!
//! Between runs the session keeps, per file:
//! - its **document**, with what it was loaded from ([`Key`]): its id, the path shown,
//!   kind, discovery, repository, size limit and text, and for a Terraform file its
//!   folder's `*.tf` files (the module it is evaluated in: each one's text on disk, its
//!   id and the text the run gives it). A file whose load read anything else (a GitLab
//!   CI file's local `include:`s, a module file outside the run) or whose read went wrong
//!   is loaded again every run. A run loads again only the files whose key changed;
//! - the **findings of the rules that read only the document** ([`Checked`]): the rules
//!   outside the domains that join files ([`crate::JOINING_DOMAINS`]), run on the document with
//!   the part's settings. A rule whose hooks read through the context what other
//!   documents hold ([`trustlint_rules::Context::take_read_across`]: the job ↔ role
//!   links, which pipelines include which file) is run again on that document every run.
//!
//! - what each pipeline's jobs name for the links and Entra sign-ins
//!   ([`trustlint_rules::DocumentMemo`]), kept with the document.
//!
//! A caller that hears of every change on disk (a language server whose client watches
//! the files) tells the session ([`Session::changed_on_disk`]). When every change told
//! since the last run is to a file that run checked, and nothing above the run's paths
//! that the walk and the configuration lookups read changed ([`Above`]), a run keeps the
//! last run's discovery (the walk, each file's configuration and repository) and the
//! texts it read from the disk but those told changed, and reads nothing else again.
//! Any other change told (a file added or removed, a `trustlint.toml`, a `.gitignore`,
//! anything that is not a file of the run) makes the run walk and read everything, as
//! does a caller that tells nothing.
//!
//! Everything that joins files is done again over the whole workspace every run, with
//! the kept documents: the joining rules (their document hooks and every rule's
//! workspace hook), then, as `lint` does, suppressions, filters, masking, fingerprints.
//! File ids stay those of a fresh run (a file's id is part of its key), so the outcome
//! is the one `lint` gives.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;

use trustlint_parser::files::{FileText, ReadError};
use trustlint_parser::gitlab::IncludeReader;
use trustlint_parser::input::{Discovery, Document, InputKind};
use trustlint_parser::terraform::{is_tf_name, Folder, ModuleReader};
use trustlint_parser::{FileId, Limits, SourceFile};
use trustlint_rules::{engine, Context, DocumentMemo, Finding, Rule, Settings};

use crate::config;
use crate::discover::{Candidate, Source};
use crate::load::{load_reusing, Discovered, FreshLoad, Readers, Reuse, Slot};
use crate::own::{check_documents, check_own, joins_files};
use crate::{check, LintError, LintOutcome, LintRequest};

/// Runs kept between calls of [`Session::lint`] (see the module's documentation).
#[derive(Debug, Default)]
pub struct Session {
    /// The files kept, by the path they were found at.
    files: HashMap<PathBuf, Kept>,
    /// The path of each kept file, by its id in the last run.
    paths: HashMap<FileId, PathBuf>,
    /// The last run's outcome: its workspaces hold the kept documents until the next run.
    last: Option<LintOutcome>,
    /// The last run's snapshot of each Terraform folder ([`Module`]).
    modules: HashMap<ModuleKey, Module>,
    /// The paths told changed on disk since the last run; `None` while the caller has
    /// told nothing (every file is then read again each run).
    told: Option<HashSet<PathBuf>>,
    /// The last run's discovery.
    discovery: Option<KeptDiscovery>,
    /// Files loaded afresh and documents whose own rules ran in the last run.
    loaded: usize,
    checked: usize,
}

/// A run's discovery, with what it was found from.
#[derive(Debug)]
struct KeptDiscovery {
    /// The request, its texts' paths alone (a named path with a text is not walked).
    request: LintRequest,
    discovered: Discovered,
    /// The paths of the files it found.
    files: HashSet<PathBuf>,
    above: Above,
}

/// What the walk and the configuration lookups read outside the request's paths, where
/// no change is told: each path named and whether it is a folder, then in each folder
/// above one, the configuration files, ignore files and checkout (`.git`) that would
/// change a file's configuration, repository or whether it is walked, as stamped
/// ([`stamp`]).
#[derive(Debug, PartialEq, Eq)]
struct Above(Vec<(PathBuf, Option<Stamp>)>);

/// A path's kind, size and time of change, when it exists.
type Stamp = (bool, u64, Option<SystemTime>);

/// One file kept between runs.
#[derive(Debug)]
struct Kept {
    key: Key,
    file: SourceFile,
    /// The document, while the session holds it (the last outcome has it otherwise).
    document: Option<Document>,
    /// Whether the load gave a document.
    recognised: bool,
    /// Whether its text was read from the disk (not given by the request).
    disk: bool,
    /// The run's analyses that depend on the document alone, kept with it.
    memo: Arc<DocumentMemo>,
    /// The findings of the rules that read only the document, when they ran.
    checked: Option<Checked>,
}

/// What a file's document was loaded from: the same key, the same document.
#[derive(Debug, PartialEq, Eq)]
struct Key {
    id: FileId,
    shown: PathBuf,
    kind: Option<InputKind>,
    discovery: Discovery,
    repository: PathBuf,
    limits: Limits,
    text: Arc<str>,
    /// A Terraform file's folder module.
    module: Option<Module>,
}

/// The `*.tf` files of a Terraform folder, read once per run and shared by the keys of
/// its files; the last run's when nothing in it changed, so that equal keys are found
/// equal by pointer (a folder of N files costs N reads a run, not N²).
type Module = Arc<Vec<ModuleFile>>;

/// A folder, and the id of the first file of its part (a module's ids are the part's).
type ModuleKey = (PathBuf, u32);

/// One `*.tf` file of a Terraform file's folder, as a load would read it.
#[derive(Debug, PartialEq, Eq)]
struct ModuleFile {
    path: PathBuf,
    /// Its bytes on disk (the module is read from the disk).
    disk: Result<Vec<u8>, String>,
    /// Its id in the run (only folders whose files are all the run's are kept).
    id: FileId,
    /// The text the run gives it instead of the disk's (an open buffer).
    given: Option<Arc<str>>,
}

/// The findings of the rules that read only their document.
#[derive(Debug)]
struct Checked {
    settings: Settings,
    /// The codes of those rules that ran.
    rules: Vec<&'static str>,
    /// The findings of the rules that read nothing across, in rule order.
    findings: Vec<Finding>,
    /// The rules whose hooks read across on this document: run again every run.
    across: Vec<&'static str>,
}

impl Session {
    pub fn new() -> Self {
        Session::default()
    }

    /// Runs the pipeline on `request` as [`crate::lint`] does, loading and checking again
    /// only what changed since the last run. The outcome stays the session's until the
    /// next run (it holds the documents kept).
    pub fn lint(&mut self, request: &LintRequest) -> Result<&LintOutcome, LintError> {
        self.take_back();
        let files = self.files.len();
        let reuse = Reusing {
            told: self.told.as_mut().map(std::mem::take),
            last_discovery: Mutex::new(self.discovery.take()),
            discovery: Mutex::new(None),
            trusted: AtomicBool::new(false),
            kept: Mutex::new(std::mem::take(&mut self.files)),
            now: Mutex::new(Vec::with_capacity(files)),
            last_modules: std::mem::take(&mut self.modules),
            modules: Mutex::new(HashMap::new()),
            loaded: AtomicUsize::new(0),
        };
        let parts = load_reusing(request, Some(&reuse), false)?;
        self.discovery = reuse
            .discovery
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        self.loaded = reuse.loaded.into_inner();
        self.modules = reuse
            .modules
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
            .into_iter()
            .filter_map(|(folder, cell)| Some((folder, cell.get()?.clone()?)))
            .collect();
        let now = reuse
            .now
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        self.paths = now
            .iter()
            .map(|(path, kept)| (kept.key.id, path.clone()))
            .collect();
        self.files = now.into_iter().collect();
        let memos = parts
            .iter()
            .map(|part| {
                let memo_of = |document: &Document| {
                    let kept = self.paths.get(&document.file)?;
                    Some(Arc::clone(&self.files.get(kept)?.memo))
                };
                let documents = &part.workspace.documents;
                documents
                    .iter()
                    .map(|document| memo_of(document).unwrap_or_default())
                    .collect()
            })
            .collect();
        let mut checked = 0;
        let (files, paths) = (&mut self.files, &self.paths);
        let outcome = check(parts, memos, &mut |rules, cx, _| {
            run_rules(rules, cx, files, paths, &mut checked)
        })?;
        self.checked = checked;
        Ok(self.last.insert(outcome))
    }

    /// Tells the session that `paths` (files or folders, as the runs find them under the
    /// request's paths) were created, changed or removed on disk since the last run.
    /// From the first call on, the session trusts that it is told of every change under
    /// the request's paths (see the module's documentation).
    pub fn changed_on_disk(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        self.told.get_or_insert_with(HashSet::new).extend(paths);
    }

    /// How many files the last run loaded afresh, and on how many documents it ran the
    /// rules that read only the document.
    pub fn last_work(&self) -> (usize, usize) {
        (self.loaded, self.checked)
    }

    /// Takes the kept documents back from the last outcome (the rest of it is freed on
    /// another thread).
    fn take_back(&mut self) {
        let Some(mut outcome) = self.last.take() else {
            return;
        };
        let workspaces = std::mem::take(&mut outcome.workspaces);
        rayon::spawn(move || drop(outcome));
        for workspace in workspaces {
            for document in workspace.documents {
                let kept = self
                    .paths
                    .get(&document.file)
                    .and_then(|path| self.files.get_mut(path));
                if let Some(kept) = kept.filter(|kept| kept.recognised) {
                    kept.document = Some(document);
                }
            }
        }
    }
}

/// The rules of one part: those that read only the document from what is kept when the
/// document and settings are the same, the others on every document; then every rule's
/// workspace hook. Keeps the new findings of the documents' own rules in `files`.
fn run_rules(
    rules: &[&dyn Rule],
    cx: &Context<'_>,
    files: &mut HashMap<PathBuf, Kept>,
    paths: &HashMap<FileId, PathBuf>,
    checked: &mut usize,
) -> Vec<Finding> {
    let codes: Vec<&'static str> = rules
        .iter()
        .map(|rule| rule.meta().code)
        .filter(|&code| !joins_files(code))
        .collect();
    let kept_for = |file: FileId| {
        let kept = files.get(paths.get(&file)?)?;
        kept.checked
            .as_ref()
            .filter(|known| known.settings == *cx.settings && known.rules == codes)
    };
    let own = |_: usize,
               document: &Document,
               dcx: &Context<'_>,
               own: &[&dyn Rule],
               out: &mut Vec<Finding>| {
        if let Some(known) = kept_for(document.file) {
            out.extend(known.findings.iter().cloned());
            for rule in own.iter().filter(|r| known.across.contains(&r.meta().code)) {
                engine::check_document(*rule, dcx, document, out);
            }
            return None;
        }
        let from = out.len();
        let across = check_own(own, dcx, document, out);
        let findings = out.get(from..).unwrap_or_default();
        Some(Checked {
            settings: cx.settings.clone(),
            rules: codes.clone(),
            findings: findings
                .iter()
                .filter(|finding| !across.contains(&finding.code()))
                .cloned()
                .collect(),
            across,
        })
    };
    let (documents, across) = check_documents(rules, cx, &own);
    let mut found = Vec::new();
    for (document, (findings, fresh)) in cx.workspace.documents.iter().zip(documents) {
        found.extend(findings);
        let Some(fresh) = fresh else {
            continue;
        };
        *checked += 1;
        let kept = paths
            .get(&document.file)
            .and_then(|path| files.get_mut(path));
        if let Some(kept) = kept {
            kept.checked = Some(fresh);
        }
    }
    found.extend(across);
    engine::finish(found, cx)
}

/// The load of a session's run: the last run's discovery when nothing told changed it,
/// each file's kept document when its key is the same.
struct Reusing {
    /// The paths told changed on disk since the last run (`None`: not told).
    told: Option<HashSet<PathBuf>>,
    /// The last run's discovery, taken when kept, and this run's.
    last_discovery: Mutex<Option<KeptDiscovery>>,
    discovery: Mutex<Option<KeptDiscovery>>,
    /// Whether the last run's discovery was kept: then the files not told changed are
    /// as the last run read them.
    trusted: AtomicBool,
    /// The files kept from the last run, taken as they are found again.
    kept: Mutex<HashMap<PathBuf, Kept>>,
    /// The files this run keeps.
    now: Mutex<Vec<(PathBuf, Kept)>>,
    /// The last run's Terraform folders, and this run's, each read once.
    last_modules: HashMap<ModuleKey, Module>,
    modules: Mutex<HashMap<ModuleKey, Arc<OnceLock<Option<Module>>>>>,
    loaded: AtomicUsize,
}

impl Reusing {
    /// Whether the file at `path` is as the last run read it from the disk: its
    /// discovery kept, and no change told there.
    fn unchanged(&self, path: &Path) -> bool {
        self.trusted.load(Ordering::Relaxed)
            && self.told.as_ref().is_some_and(|told| !told.contains(path))
    }

    /// Whether the files of `folder` are as the last run read them (see `unchanged`).
    fn folder_unchanged(&self, folder: &Path) -> bool {
        self.trusted.load(Ordering::Relaxed)
            && self
                .told
                .as_ref()
                .is_some_and(|told| !told.iter().any(|path| path.parent() == Some(folder)))
    }

    /// The `*.tf` files of the folder of `path` (the file of `slot`), when all are plain
    /// files the run loads itself: read once per folder and run.
    fn module(&self, slot: &Slot<'_>, path: &Path) -> Option<Module> {
        let first = slot.id.0.checked_sub(u32::try_from(slot.index).ok()?)?;
        let folder = (path.parent()?.to_path_buf(), first);
        let cell = Arc::clone(lock(&self.modules).entry(folder.clone()).or_default());
        cell.get_or_init(|| {
            let last = self.last_modules.get(&folder);
            let unchanged = last.filter(|_| self.folder_unchanged(&folder.0));
            let files = module_files(slot, &folder.0, first, unchanged)?;
            match last {
                Some(last) if **last == files => Some(Arc::clone(last)),
                _ => Some(Arc::new(files)),
            }
        })
        .clone()
    }
}

impl Reuse for Reusing {
    fn discovered(
        &self,
        request: &LintRequest,
        discover: &dyn Fn() -> Result<Discovered, LintError>,
    ) -> Result<Discovered, LintError> {
        let request = LintRequest {
            texts: request
                .texts
                .keys()
                .map(|path| (path.clone(), String::new()))
                .collect(),
            ..request.clone()
        };
        let above = above(&request);
        let last = lock(&self.last_discovery).take();
        let kept = last.filter(|last| {
            let told = self.told.as_ref();
            let files_alone = told.is_some_and(|told| {
                told.iter()
                    .all(|path| last.files.contains(path) && is_plain_file(path))
            });
            files_alone && last.request == request && last.above == above
        });
        let kept = match kept {
            Some(kept) => {
                self.trusted.store(true, Ordering::Relaxed);
                kept
            }
            None => {
                let discovered = discover()?;
                let files = discovered
                    .parts
                    .iter()
                    .flat_map(|part| &part.candidates)
                    .map(|candidate| candidate.path.clone())
                    .collect();
                KeptDiscovery {
                    request,
                    discovered,
                    files,
                    above,
                }
            }
        };
        let discovered = kept.discovered.clone();
        *lock(&self.discovery) = Some(kept);
        Ok(discovered)
    }

    fn load(
        &self,
        slot: &Slot<'_>,
        readers: Readers<'_>,
        fresh: &FreshLoad<'_>,
    ) -> (SourceFile, Option<Document>) {
        let Some(candidate) = slot.candidates.get(slot.index) else {
            self.loaded.fetch_add(1, Ordering::Relaxed);
            return fresh(readers);
        };
        let old = lock(&self.kept).remove(&candidate.path);
        let Some(key) = key(slot, candidate, self, old.as_ref()) else {
            self.loaded.fetch_add(1, Ordering::Relaxed);
            return fresh(readers);
        };
        if let Some(mut old) = old.filter(|old| old.key == key) {
            if old.document.is_some() || !old.recognised {
                let found = (old.file.clone(), old.document.take());
                lock(&self.now).push((candidate.path.clone(), old));
                return found;
            }
        }
        self.loaded.fetch_add(1, Ordering::Relaxed);
        let includes = Recording::new(readers.0);
        let modules = Recording::new(readers.1);
        let (file, document) = fresh((&includes, &modules));
        let read_alone = !includes.used() && (!modules.used() || key.module.is_some());
        if read_alone && file.text == key.text {
            let kept = Kept {
                key,
                file: file.clone(),
                document: None,
                recognised: document.is_some(),
                disk: candidate.source == Source::Path,
                memo: Arc::default(),
                checked: None,
            };
            lock(&self.now).push((candidate.path.clone(), kept));
        }
        (file, document)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The key of `slot`'s `candidate`, when it can be kept: a file or a text given, read
/// whole (or as the last run read it, `old`, when unchanged since), and for a Terraform
/// file a folder whose `*.tf` files are all the run's.
fn key(
    slot: &Slot<'_>,
    candidate: &Candidate,
    reusing: &Reusing,
    old: Option<&Kept>,
) -> Option<Key> {
    let last_read = old.filter(|old| old.disk && reusing.unchanged(&candidate.path));
    let text: Arc<str> = match (&candidate.source, last_read) {
        (Source::Text(text), _) => Arc::clone(text),
        (Source::Path, Some(old)) => Arc::clone(&old.key.text),
        (Source::Path, None) => String::from_utf8(fs::read(&candidate.path).ok()?)
            .ok()?
            .into(),
        (Source::Stdin | Source::Unreadable(_) | Source::Folder, _) => return None,
    };
    if text.len() > slot.limits.max_file_bytes {
        return None;
    }
    let terraform = candidate.kind == Some(InputKind::Terraform) || is_tf_name(&candidate.path);
    let module = match terraform {
        true => Some(reusing.module(slot, &candidate.path)?),
        false => None,
    };
    Some(Key {
        id: slot.id,
        shown: slot.shown.to_path_buf(),
        kind: candidate.kind,
        discovery: candidate.discovery,
        repository: candidate.repository.clone(),
        limits: *slot.limits,
        text,
        module,
    })
}

/// The `*.tf` files of `folder`, read (or as the last run read them, `unchanged`, when
/// nothing changed there since), when all are plain files the run loads itself
/// (`first`: the id of the first file of the part).
fn module_files(
    slot: &Slot<'_>,
    folder: &Path,
    first: u32,
    unchanged: Option<&Module>,
) -> Option<Vec<ModuleFile>> {
    let candidates = slot.candidates;
    let given = |path: &Path| -> Option<(FileId, Option<Arc<str>>)> {
        let at = candidates
            .binary_search_by(|c| c.path.as_path().cmp(path))
            .ok()?;
        let given = match &candidates.get(at)?.source {
            Source::Path => None,
            Source::Text(text) => Some(Arc::clone(text)),
            Source::Stdin | Source::Unreadable(_) | Source::Folder => return None,
        };
        Some((FileId(first.checked_add(u32::try_from(at).ok()?)?), given))
    };
    if let Some(last) = unchanged {
        return last
            .iter()
            .map(|file| {
                let (id, given) = given(&file.path)?;
                Some(ModuleFile {
                    path: file.path.clone(),
                    disk: file.disk.clone(),
                    id,
                    given,
                })
            })
            .collect();
    }
    let listed = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let mut files = Vec::new();
    for entry in fs::read_dir(listed).ok()? {
        let entry = entry.ok()?;
        let name = entry.file_name();
        if !is_tf_name(Path::new(&name)) {
            continue;
        }
        let kind = entry.file_type().ok()?;
        if kind.is_symlink() {
            return None;
        }
        if !kind.is_file() {
            continue;
        }
        let path = folder.join(&name);
        let (id, given) = given(&path)?;
        files.push(ModuleFile {
            disk: fs::read(&path).map_err(|e| e.to_string()),
            path,
            id,
            given,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Some(files)
}

/// Whether `path` is a plain file (not a folder, nor a link).
fn is_plain_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_file())
}

/// The files a change outside the request's paths could touch ([`Above`]).
const ABOVE_NAMES: &[&str] = &[".gitignore", ".ignore", ".git", ".git/info/exclude"];

/// What the walk and configuration lookups of `request` read outside its paths.
fn above(request: &LintRequest) -> Above {
    let mut stamps = Vec::new();
    for path in &request.paths {
        stamps.push((
            path.clone(),
            stamp(path).map(|(folder, _, _)| (folder, 0, None)),
        ));
        // The folders above it as named (the walk's ignore files) and as they are (the
        // configurations, the checkout).
        let canonical = fs::canonicalize(path).unwrap_or_default();
        let mut folders: Vec<&Path> = path.ancestors().skip(1).collect();
        folders.extend(canonical.ancestors().skip(1));
        folders.sort();
        folders.dedup();
        for folder in folders {
            for name in config::FILE_NAMES.iter().chain(ABOVE_NAMES) {
                let path = folder.join(name);
                let mut stamp = stamp(&path);
                if *name == ".git" {
                    // A checkout is found by its `.git` alone.
                    stamp = stamp.map(|(folder, _, _)| (folder, 0, None));
                }
                stamps.push((path, stamp));
            }
        }
    }
    Above(stamps)
}

/// The kind, size and time of change of `path`, when it exists.
fn stamp(path: &Path) -> Option<Stamp> {
    let metadata = fs::symlink_metadata(path).ok()?;
    Some((metadata.is_dir(), metadata.len(), metadata.modified().ok()))
}

/// A reader that says whether a load read through it.
struct Recording<'r, R: ?Sized> {
    inner: &'r R,
    used: AtomicBool,
}

impl<'r, R: ?Sized> Recording<'r, R> {
    fn new(inner: &'r R) -> Self {
        Recording {
            inner,
            used: AtomicBool::new(false),
        }
    }

    fn used(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    fn mark(&self) {
        self.used.store(true, Ordering::Relaxed);
    }
}

impl IncludeReader for Recording<'_, dyn IncludeReader + '_> {
    fn read(&self, path: &str) -> Result<FileText, ReadError> {
        self.mark();
        self.inner.read(path)
    }

    fn list(&self) -> Vec<String> {
        self.mark();
        self.inner.list()
    }
}

impl ModuleReader for Recording<'_, dyn ModuleReader + '_> {
    fn folder(&self, file: &Path, limits: &Limits) -> Option<Arc<Folder>> {
        self.mark();
        self.inner.folder(file, limits)
    }

    fn loaded(&self, file: &Path, id: FileId) {
        self.inner.loaded(file, id);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use crate::own::JOINING_DOMAINS;

    /// The rule sources, each as (domain folder, file name, text).
    fn rule_sources() -> Vec<(String, String, String)> {
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../trustlint-rules/src");
        let mut sources = Vec::new();
        let mut folders = vec![rules];
        while let Some(folder) = folders.pop() {
            for entry in fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                let domain = folder.file_name().unwrap().to_string_lossy().to_string();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                sources.push((domain, name, fs::read_to_string(&path).unwrap()));
            }
        }
        sources
    }

    /// Every rule with a workspace hook (`fn check_workspace`) belongs to a domain that
    /// joins files: a session runs the other rules only on the documents that changed.
    #[test]
    fn every_rule_with_a_workspace_hook_joins_files() {
        let mut seen = 0;
        for (_, name, text) in rule_sources() {
            let Some(code) = name.strip_prefix("tl").and_then(|rest| rest.get(..3)) else {
                continue;
            };
            if text.contains("fn check_workspace") {
                seen += 1;
                let code = format!("TL{code}");
                assert!(
                    joins_files(&code),
                    "{code} ({name}) joins files: add its domain to JOINING_DOMAINS"
                );
            }
        }
        assert!(seen >= 6, "{seen}");
        assert!(!joins_files("TL101"));
    }

    /// Outside the domains that join files and the run's own modules, nothing reads the
    /// workspace's documents but through the context's accessors that say so
    /// (`Context::take_read_across`): a rule's findings on a document it kept depend on
    /// that document alone, or the session runs it again.
    #[test]
    fn the_other_rules_read_other_documents_only_through_the_context() {
        let runs = ["context.rs", "engine.rs", "suppression.rs"];
        let mut read = 0;
        for (domain, name, text) in rule_sources() {
            if JOINING_DOMAINS.contains(&domain.as_str()) || runs.contains(&name.as_str()) {
                continue;
            }
            read += 1;
            // The context's whole workspace handed on, or its documents read; an analysis
            // module may read a workspace it is given (only the joining rules give one).
            let mut whole = vec!["cx.workspace.documents", "cx.workspace,", "cx.workspace)"];
            if domain != "analysis" {
                whole.push("workspace.documents");
            }
            for pattern in whole {
                assert!(
                    !text.contains(pattern),
                    "{domain}/{name} reads `{pattern}`: read other documents through the context, or list its domain in JOINING_DOMAINS"
                );
            }
        }
        assert!(read > 50, "{read}");
    }
}
