//! Loading: discovery (`discover`), the run's parts (one per configuration, `scope`), then
//! per part the files read and parsed in parallel, with the rules' settings; then the named
//! folders in which nothing was recognised. What `lint` checks and `trustlint graph` maps.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use trustlint_parser::files::{LocalFiles, RootedFiles};
use trustlint_parser::gitlab::{IncludeReader, NoIncludes};
use trustlint_parser::input::{self, Discovery, Document, InputKind, Workspace};
use trustlint_parser::limits::{grew_past_message, read_at_most, TOO_LARGE_HELP};
use trustlint_parser::terraform::{FolderModules, ModuleReader, NoModules};
use trustlint_parser::{iac, yaml};
use trustlint_parser::{FileId, Limits, Problem, SourceFile, SourceMap, Span};
use trustlint_rules::Settings;

use crate::discover::{self, Candidate, Source};
use crate::own::{Checked, Early};
use crate::request::{LintError, LintRequest};
use crate::scope::{Configured, Found, Scopes};
use crate::{rules_run, selector, settings};

/// What a named file of no recognised kind is told.
const FILE_NOT_RECOGNISED: &str =
    "this file is none of the inputs trustlint reads (GitLab CI, IAM policy, `aws iam` output, CloudFormation, Terraform, Google Cloud, Vault or Azure configuration, a shell script that configures one): nothing in it was checked";
const FILE_HELP: &str = "force its kind with `--kind gitlab-ci|iam-policy|cloudformation|terraform|script`; a GitLab CI file of another name belongs in `[gitlab] ci-files`";
/// What a named folder in which nothing was recognised is told.
const FOLDER_NOT_RECOGNISED: &str =
    "no file in this folder is of a kind trustlint reads (GitLab CI, IAM policy, `aws iam` output, CloudFormation, Terraform): nothing here was checked";
const FOLDER_HELP: &str = "name GitLab CI files of other names in `[gitlab] ci-files`, or force a kind with `--kind` (it applies to the files inside named folders too)";
/// What a path the walk could not read is told.
const UNREADABLE_HELP: &str =
    "nothing here was checked: make it readable (permissions), or leave it out of the scan";

/// One part of a run, loaded: the files under one configuration, read and parsed, with
/// the rules' settings for them.
#[derive(Debug)]
pub struct Loaded {
    pub(crate) configured: Arc<Configured>,
    pub settings: Settings,
    pub workspace: Workspace,
    /// The documents checked as they were loaded ([`Early`]), by document index (empty
    /// when none was).
    pub(crate) early: Vec<Option<Checked>>,
}

/// Loads what a run checks: every file found under the paths (with the `[[roles]]`
/// files), in parts by configuration, then the named folders in which nothing was
/// recognised. The file ids of each part follow the previous part's.
pub fn load(request: &LintRequest) -> Result<Vec<Loaded>, LintError> {
    load_reusing(request, None, false)
}

/// [`load`] for a run that checks: each self-contained pipeline is checked by its own
/// rules as soon as it is loaded, and keeps only what the joining rules read
/// ([`Early`]).
pub(crate) fn load_checking(request: &LintRequest) -> Result<Vec<Loaded>, LintError> {
    load_reusing(request, None, true)
}

/// The readers a file's load reads its local `include:`s and its Terraform module through.
pub(crate) type Readers<'r> = (&'r dyn IncludeReader, &'r dyn ModuleReader);

/// A candidate's load afresh, through the readers given.
pub(crate) type FreshLoad<'f> = dyn Fn(Readers<'_>) -> (SourceFile, Option<Document>) + 'f;

/// A candidate about to be loaded: `candidates[index]` of its part (sorted by path), with
/// its id, the path reports show and the part's limits.
pub(crate) struct Slot<'a> {
    pub candidates: &'a [Candidate],
    pub index: usize,
    pub id: FileId,
    pub shown: &'a Path,
    pub limits: &'a Limits,
}

/// Where a load takes what it found to check and each candidate's file and document from
/// when not found and loaded afresh: a session keeps them from its earlier runs
/// (`crate::session`).
pub(crate) trait Reuse: Sync {
    /// What `request` finds to check, kept or found by `discover`.
    fn discovered(
        &self,
        request: &LintRequest,
        discover: &dyn Fn() -> Result<Discovered, LintError>,
    ) -> Result<Discovered, LintError>;

    /// The file and document of `slot`, kept or loaded by `fresh`.
    fn load(
        &self,
        slot: &Slot<'_>,
        readers: Readers<'_>,
        fresh: &FreshLoad<'_>,
    ) -> (SourceFile, Option<Document>);
}

/// [`load`], each file's document taken from `reuse`; the pipelines checked as they are
/// loaded when `early` ([`load_checking`]).
pub(crate) fn load_reusing(
    request: &LintRequest,
    reuse: Option<&dyn Reuse>,
    early: bool,
) -> Result<Vec<Loaded>, LintError> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    for selector in request.select.iter().chain(&request.ignore) {
        selector::codes(selector)?;
    }
    let scopes = Scopes::new(request)?;
    // The workers parse YAML on their own stack (0 threads: one per core). Building the
    // pool fails only when one already exists, which is harmless.
    let threads = request.jobs.unwrap_or(0);
    let stack = yaml::parser_stack_bytes(&Limits::default());
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(stack)
        .start_handler(move |_| yaml::declare_thread_stack(stack))
        .build_global();
    let discover = || -> Result<Discovered, LintError> {
        let (candidates, folders) = discover::discover(request, &scopes, threads)?;
        let parts = parts(&scopes, candidates)?;
        Ok(Discovered { parts, folders })
    };
    let Discovered {
        parts: mut found,
        folders,
    } = match reuse {
        Some(reuse) => reuse.discovered(request, &discover)?,
        None => discover()?,
    };
    // Files whose text the request gives are read from it.
    if !request.texts.is_empty() {
        for candidate in found.iter_mut().flat_map(|part| &mut part.candidates) {
            give_text(request, &cwd, candidate);
        }
    }
    let mut loaded: Vec<Loaded> = Vec::new();
    for part in found {
        let first = next_id(&loaded);
        loaded.push(load_part(request, &cwd, part, first, reuse, early));
    }
    let recognised: Vec<&Path> = loaded
        .iter()
        .flat_map(|part| {
            let sources = &part.workspace.sources;
            part.workspace
                .documents
                .iter()
                .filter(|document| document.kind != InputKind::Unrecognised)
                .filter_map(|document| Some(sources.get(document.file)?.path.as_path()))
        })
        .collect();
    let unrecognised = unrecognised_folders(&folders, &recognised, &cwd);
    for part in parts(&scopes, unrecognised)? {
        let first = next_id(&loaded);
        loaded.push(load_part(request, &cwd, part, first, reuse, early));
    }
    Ok(loaded)
}

/// `candidate`'s text when the request gives it (by its path as found, or as shown).
fn give_text(request: &LintRequest, cwd: &Path, candidate: &mut Candidate) {
    if !matches!(candidate.source, Source::Path | Source::Text(_)) {
        return;
    }
    let text = request
        .texts
        .get(&candidate.path)
        .or_else(|| request.texts.get(&display_path(cwd, &candidate.path)));
    if let Some(text) = text {
        candidate.source = Source::Text(Arc::from(text.as_str()));
    }
}

/// What a run found to check: its parts (each file with its configuration and
/// repository), before the texts the request gives are put in, and the folders named.
#[derive(Debug, Clone)]
pub(crate) struct Discovered {
    pub parts: Vec<Part>,
    pub folders: Vec<PathBuf>,
}

/// The first file id after the parts loaded so far.
fn next_id(loaded: &[Loaded]) -> FileId {
    loaded
        .last()
        .map_or(FileId(0), |part| part.workspace.sources.next_id())
}

/// Files under one configuration, checked together.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    configured: Arc<Configured>,
    pub candidates: Vec<Candidate>,
}

impl Part {
    /// The repository of all the part's files, when they share one (its git remote
    /// names the project).
    fn repository(&self) -> Option<&Path> {
        let first = self.candidates.first()?;
        self.candidates
            .iter()
            .all(|c| c.repository == first.repository)
            .then_some(first.repository.as_path())
    }
}

/// Groups the candidates (sorted by path) into parts by their configuration, in the
/// order of their first file, and finds the repository of each.
fn parts(scopes: &Scopes<'_>, candidates: Vec<Candidate>) -> Result<Vec<Part>, String> {
    // Each candidate's configuration, and its repository unless excluded, looked up in
    // parallel (the lookups read the disk); the first error in candidate order is told.
    let scoped: Vec<Result<Scoped, String>> = candidates
        .into_par_iter()
        .map(|candidate| scoped(scopes, candidate))
        .collect();
    let mut parts: Vec<Part> = Vec::new();
    let mut index: HashMap<Option<PathBuf>, usize> = HashMap::new();
    for scoped in scoped {
        let Some((configured, candidate)) = scoped? else {
            continue;
        };
        let at = *index.entry(configured.path.clone()).or_insert_with(|| {
            parts.push(Part {
                configured,
                candidates: Vec::new(),
            });
            parts.len() - 1
        });
        if let Some(part) = parts.get_mut(at) {
            part.candidates.push(candidate);
        }
    }
    Ok(parts)
}

/// A candidate with its configuration and repository, or `None` when its configuration
/// excludes it.
type Scoped = Option<(Arc<Configured>, Candidate)>;

/// `candidate` with its configuration and repository (see [`parts`]).
fn scoped(scopes: &Scopes<'_>, mut candidate: Candidate) -> Result<Scoped, String> {
    let folder = match candidate.source {
        Source::Path | Source::Text(_) => candidate.path.parent().unwrap_or(Path::new("")),
        Source::Stdin | Source::Unreadable(_) | Source::Folder => candidate.scanned.as_path(),
    };
    let walked = candidate.discovery == Discovery::Walked;
    let from = if walked {
        Found::Walked {
            scanned: &candidate.scanned,
        }
    } else {
        Found::Named
    };
    let configured = scopes.config(folder, from)?;
    if walked && configured.exclude.matches(&candidate.path) {
        return Ok(None);
    }
    candidate.repository = match candidate.source {
        Source::Path | Source::Text(_) => {
            scopes.repository_root(folder, &candidate.scanned, from)?
        }
        _ => candidate.scanned.clone(),
    };
    Ok(Some((configured, candidate)))
}

/// The named folders in which no file was recognised, as candidates that say so.
fn unrecognised_folders(folders: &[PathBuf], recognised: &[&Path], cwd: &Path) -> Vec<Candidate> {
    folders
        .iter()
        .filter(|folder| {
            let shown = display_path(cwd, folder);
            let shown = if shown == Path::new(".") {
                Path::new("")
            } else {
                shown.as_path()
            };
            !recognised.iter().any(|path| path.starts_with(shown))
        })
        .map(|folder| Candidate {
            path: folder.clone(),
            discovery: Discovery::Named,
            kind: None,
            scanned: folder.clone(),
            repository: folder.clone(),
            source: Source::Folder,
        })
        .collect()
}

/// Loads one part, its file ids starting at `first`; its pipelines checked as they are
/// loaded when `early` and the part's settings are final once loaded (no `[[roles]]`
/// to bind to the files loaded).
fn load_part(
    request: &LintRequest,
    cwd: &Path,
    part: Part,
    first: FileId,
    reuse: Option<&dyn Reuse>,
    early: bool,
) -> Loaded {
    let repository = part.repository().map(non_empty);
    let Part {
        configured,
        mut candidates,
    } = part;
    let config = &configured.config;
    let defaults = Limits::default();
    let limits = Limits {
        max_file_bytes: config
            .limits
            .max_file_size
            .map_or(defaults.max_file_bytes, |size| size.0),
        ..defaults
    };
    let mut settings = settings::resolve(request, config, repository.as_deref());
    add_bound_files(&mut candidates, &settings);
    let rules = rules_run(&configured.filter);
    let checker = (early && settings.roles.is_empty()).then(|| Early::new(&rules, &settings));
    let (workspace, early) = load_all(&candidates, first, &limits, cwd, reuse, checker.as_ref());
    if !settings.roles.is_empty() {
        let walked: HashSet<PathBuf> = candidates
            .iter()
            .filter(|c| c.discovery == Discovery::Walked)
            .map(|c| display_path(cwd, &c.path))
            .collect();
        bind_role_files(&mut settings, &workspace, &walked);
    }
    Loaded {
        configured,
        settings,
        workspace,
        early,
    }
}

/// `.` for the empty path.
fn non_empty(path: &Path) -> PathBuf {
    if path.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        path.to_path_buf()
    }
}

/// The `[[roles]]` policy files of `settings`.
fn bound_files(settings: &Settings) -> impl Iterator<Item = &PathBuf> {
    settings.roles.iter().flat_map(|role| {
        role.trust
            .iter()
            .chain(&role.permissions)
            .chain(&role.last_accessed)
    })
}

/// Whether a file could be one of the `[[roles]]` policy files, whose names (as they
/// are, links followed) are `names`: a walked file is never a link, so its name is the
/// one it has; any other could be a link to one.
fn could_be_bound(path: &Path, walked: bool, names: &HashSet<OsString>) -> bool {
    !walked || path.file_name().is_some_and(|name| names.contains(name))
}

/// The names of the `[[roles]]` policy files as they are (links followed).
fn bound_names(settings: &Settings) -> HashSet<OsString> {
    bound_files(settings)
        .filter_map(|path| {
            fs::canonicalize(path)
                .ok()?
                .file_name()
                .map(OsStr::to_owned)
        })
        .collect()
}

/// Adds the `[[roles]]` policy files the scan did not reach, so a job's role is checked
/// even when only the pipeline is named on the command line.
fn add_bound_files(candidates: &mut Vec<Candidate>, settings: &Settings) {
    if settings.roles.is_empty() {
        return;
    }
    let names = bound_names(settings);
    let scanned: HashSet<PathBuf> = candidates
        .iter()
        .filter(|c| could_be_bound(&c.path, c.discovery == Discovery::Walked, &names))
        .filter_map(|c| fs::canonicalize(&c.path).ok())
        .collect();
    for path in bound_files(settings) {
        match fs::canonicalize(path) {
            Ok(canonical) if !scanned.contains(&canonical) && canonical.is_file() => {
                candidates.push(Candidate {
                    path: path.clone(),
                    discovery: Discovery::Named,
                    kind: None,
                    scanned: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                    repository: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                    source: Source::Path,
                });
            }
            _ => {}
        }
    }
    candidates.sort();
    candidates.dedup_by(|later, earlier| later.path == earlier.path);
}

/// Tells every `[[roles]]` binding which workspace files hold its policies (`walked`: the
/// part's walked files, as reports show them).
fn bind_role_files(settings: &mut Settings, workspace: &Workspace, walked: &HashSet<PathBuf>) {
    if settings.roles.is_empty() {
        return;
    }
    let names = bound_names(settings);
    let ids: HashMap<PathBuf, FileId> = workspace
        .sources
        .files()
        .iter()
        .filter(|file| could_be_bound(&file.path, walked.contains(&file.path), &names))
        .filter_map(|file| Some((fs::canonicalize(&file.path).ok()?, file.id)))
        .collect();
    let id_of = |path: &PathBuf| {
        fs::canonicalize(path)
            .ok()
            .and_then(|c| ids.get(&c).copied())
    };
    for role in &mut settings.roles {
        role.trust_file = role.trust.as_ref().and_then(id_of);
        role.permission_files = role.permissions.iter().filter_map(id_of).collect();
        role.last_accessed_file = role.last_accessed.as_ref().and_then(id_of);
    }
}

/// Reads and loads a part's candidates in parallel; file ids start at `first` and follow
/// the sorted paths so the output order is deterministic. Skipped files keep their id
/// with an empty text. Files reached by local GitLab CI `include:`s, and the sibling
/// `*.tf` files of a Terraform module, are read inside the repository of the file that
/// reads them and get the ids after the candidates' (a Terraform candidate read as a
/// sibling keeps its own id). With `early`, each document is checked as it is loaded
/// ([`Early::check`]): what that gives, by document index (empty without).
fn load_all(
    candidates: &[Candidate],
    first: FileId,
    limits: &Limits,
    cwd: &Path,
    reuse: Option<&dyn Reuse>,
    early: Option<&Early<'_>>,
) -> (Workspace, Vec<Option<Checked>>) {
    let id_of = |index: usize| {
        FileId(
            first
                .0
                .saturating_add(u32::try_from(index).unwrap_or(u32::MAX)),
        )
    };
    // A Terraform file's sibling `*.tf` files (its module) that are candidates too keep
    // their own ids: the run always keeps their text.
    let terraform_files = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| iac::is_terraform_name(&c.path))
        .map(|(index, c)| (c.path.clone(), id_of(index)));
    let included = LocalFiles::new(id_of(candidates.len()), limits.max_file_bytes)
        .with_run_files(terraform_files);
    let repositories: HashMap<&Path, RootedFiles<'_>> = candidates
        .iter()
        .map(|c| c.repository.as_path())
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|root| (root, included.rooted(&display_path(cwd, root))))
        .collect();
    // Each Terraform folder is read and parsed once, by the first of its files loaded.
    let modules: HashMap<&Path, FolderModules<'_>> = repositories
        .iter()
        .map(|(root, files)| {
            let modules = FolderModules::new(files).with_threads(rayon::current_num_threads());
            (*root, modules)
        })
        .collect();
    let loaded: Vec<(SourceFile, Option<Document>, Option<Checked>)> = candidates
        .par_iter()
        .enumerate()
        .map(|(index, candidate)| {
            let file = display_path(cwd, &candidate.path);
            let readers: Readers<'_> = match (
                &candidate.source,
                repositories.get(candidate.repository.as_path()),
                modules.get(candidate.repository.as_path()),
            ) {
                (Source::Path | Source::Text(_), Some(repository), Some(modules)) => {
                    (repository, modules)
                }
                // Standard input has no folder: no includes, no Terraform module around it.
                _ => (&NoIncludes, &NoModules),
            };
            let id = id_of(index);
            let fresh =
                |readers: Readers<'_>| load_one(id, file.clone(), candidate, limits, readers);
            let (file, mut document) = match reuse {
                Some(reuse) => {
                    let slot = Slot {
                        candidates,
                        index,
                        id,
                        shown: &file,
                        limits,
                    };
                    reuse.load(&slot, readers, &fresh)
                }
                None => fresh(readers),
            };
            let checked = early
                .zip(document.as_mut())
                .and_then(|(early, document)| early.check(&file, document));
            (file, document, checked)
        })
        .collect();
    drop(modules);
    drop(repositories);
    let mut workspace = Workspace {
        sources: SourceMap::starting_at(first),
        documents: Vec::new(),
    };
    let mut checked = Vec::new();
    for (file, document, early) in loaded {
        match document {
            Some(document) => {
                workspace.documents.push(document);
                workspace.sources.push(file);
                checked.push(early);
            }
            None => {
                workspace
                    .sources
                    .push(SourceFile::new(file.id, file.path, ""));
            }
        }
    }
    for file in included.into_sources() {
        workspace.sources.push(file);
    }
    if checked.iter().all(Option::is_none) {
        checked = Vec::new();
    }
    (workspace, checked)
}

/// Reads and loads one candidate, shown in reports as `path`. A named path in which
/// nothing is recognised, or that the walk could not read, is kept with what it is told.
fn load_one(
    id: FileId,
    path: PathBuf,
    candidate: &Candidate,
    limits: &Limits,
    (includes, modules): (&dyn IncludeReader, &dyn ModuleReader),
) -> (SourceFile, Option<Document>) {
    let read = match &candidate.source {
        Source::Path => read_limited(id, &candidate.path, limits),
        Source::Stdin => read_stdin(id, limits),
        Source::Text(text) => limits
            .check_size(id, text.len())
            .map(|()| text.as_bytes().to_vec()),
        Source::Unreadable(message) => Err(Problem::parse(
            Span::new(id, 0, 0),
            format!("cannot read: {message}"),
        )
        .with_help(UNREADABLE_HELP)),
        Source::Folder => {
            let document = input::unrecognised(id, FOLDER_NOT_RECOGNISED, FOLDER_HELP);
            return (SourceFile::new(id, path, ""), Some(document));
        }
    };
    let (text, problem) = match read {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(error) => {
                let at = error.utf8_error().valid_up_to();
                let problem = Problem::parse(Span::new(id, at, at + 1), "file is not valid UTF-8");
                (
                    String::from_utf8_lossy(error.as_bytes()).into_owned(),
                    Some(problem),
                )
            }
        },
        Err(problem) => (read_head(candidate), Some(problem)),
    };
    let file = SourceFile::new(id, path, text);
    let document = match problem {
        Some(problem) => input::unreadable(&file, candidate.kind, candidate.discovery, problem),
        None => input::load_with(
            &file,
            candidate.kind,
            candidate.discovery,
            limits,
            includes,
            modules,
        ),
    };
    let document = document.or_else(|| {
        (candidate.discovery == Discovery::Named)
            .then(|| input::unrecognised(id, FILE_NOT_RECOGNISED, FILE_HELP))
    });
    (file, document)
}

/// Reads standard input, at most one byte past the size limit.
fn read_stdin(id: FileId, limits: &Limits) -> Result<Vec<u8>, Problem> {
    read_at_most(io::stdin().lock(), 0, limits.max_file_bytes)
        .map_err(|e| {
            Problem::parse(
                Span::new(id, 0, 0),
                format!("cannot read standard input: {e}"),
            )
        })?
        .ok_or_else(|| too_long(id, limits))
}

fn too_long(id: FileId, limits: &Limits) -> Problem {
    Problem::parse(
        Span::new(id, 0, 0),
        grew_past_message(limits.max_file_bytes),
    )
    .with_help(TOO_LARGE_HELP)
}

/// Reads a file, refusing one over the size limit before reading it (the same TL001 the
/// loaders give for text over the limit). The size is taken from the opened file, and
/// the read stops one byte past the limit: a file that grew after its size was taken is
/// refused too, never read whole.
fn read_limited(id: FileId, path: &Path, limits: &Limits) -> Result<Vec<u8>, Problem> {
    let unreadable = |e: std::io::Error| {
        Problem::parse(Span::new(id, 0, 0), format!("cannot read file: {e}"))
            .with_help(UNREADABLE_HELP)
    };
    let file = fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    limits.check_size(id, usize::try_from(size).unwrap_or(usize::MAX))?;
    read_at_most(file, size, limits.max_file_bytes)
        .map_err(unreadable)?
        .ok_or_else(|| too_long(id, limits))
}

/// Bytes read from the start of a file that is not read whole (over the size limit).
const HEAD_BYTES: u64 = 64 * 1024;

/// The start of a file that is not read whole, so that a walked file over the size limit
/// still shows by its raw text whether it was meant to be checked (and gets its TL001).
/// Nothing is read again from a pipe or a device (it may never end, or wait for a writer).
fn read_head(candidate: &Candidate) -> String {
    if let Source::Text(text) = &candidate.source {
        let head = text
            .as_bytes()
            .get(..HEAD_BYTES as usize)
            .unwrap_or(text.as_bytes());
        return String::from_utf8_lossy(head).into_owned();
    }
    let mut head = Vec::new();
    let regular = candidate.source == Source::Path
        && fs::metadata(&candidate.path).is_ok_and(|metadata| metadata.is_file());
    if let Some(file) = regular
        .then(|| fs::File::open(&candidate.path).ok())
        .flatten()
    {
        // A read error leaves what was read: the text only decides whether to report.
        let _ = file.take(HEAD_BYTES).read_to_end(&mut head);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The path as reports print it: relative to the current folder `cwd` when below it (the
/// current folder itself is `.`).
fn display_path(cwd: &Path, path: &Path) -> PathBuf {
    let shown = match path.strip_prefix(cwd) {
        Ok(relative) => relative,
        Err(_) => path.strip_prefix("./").unwrap_or(path),
    };
    non_empty(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited_to(max_file_bytes: usize) -> Limits {
        Limits {
            max_file_bytes,
            ..Limits::default()
        }
    }

    #[test]
    fn a_file_at_the_size_limit_is_read_and_one_byte_over_is_refused() {
        let file = std::env::temp_dir().join(format!("trustlint-read-{}", std::process::id()));
        fs::write(&file, "0123456789").ok();
        let at_limit = read_limited(FileId(0), &file, &limited_to(10));
        let over = read_limited(FileId(0), &file, &limited_to(9));
        fs::remove_file(&file).ok();
        assert_eq!(at_limit.ok().as_deref(), Some(&b"0123456789"[..]));
        let refused = over.err().map(|problem| problem.message);
        assert_eq!(
            refused.as_deref(),
            Some("file is 10 bytes, over the limit of 9 bytes")
        );
    }

    /// A file whose size says less than it holds (as a file growing while it is read
    /// does) is read no further than one byte past the limit, and refused.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_longer_than_its_size_said_is_refused_past_the_limit() {
        // Files under /proc say they are empty and hold text.
        let status = Path::new("/proc/self/status");
        let refused = read_limited(FileId(0), status, &limited_to(100)).err();
        assert_eq!(
            refused.map(|problem| problem.message).as_deref(),
            Some(
                "file holds more than the limit of 100 bytes (more than its size said when it was opened)"
            )
        );
        let whole = read_limited(FileId(0), status, &limited_to(1 << 20));
        assert!(whole.is_ok_and(|bytes| bytes.len() > 100));
        // An endless one is not read whole either.
        let endless = read_limited(FileId(0), Path::new("/dev/zero"), &limited_to(100));
        assert!(endless.is_err());
    }
}
