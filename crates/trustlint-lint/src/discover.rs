//! Discovery: which files a run reads. Paths named on the command line are always read
//! (a file, a pipe, a device, or `-` for standard input); folders are walked in parallel
//! honouring `.gitignore` (hidden folders such as `.gitlab/` included, `.git` skipped),
//! keeping files whose name makes them candidates, that match the `ci-files` of their
//! configuration, or whose extension fits `--kind`. What the walk could not read is kept
//! too, so that the run reports it instead of passing over it.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::{DirEntry, WalkBuilder, WalkState};
use trustlint_parser::input::{is_candidate_name, Discovery, InputKind};
use trustlint_parser::{iac, script};

use crate::request::LintRequest;
use crate::scope::{Found, Scopes};

/// What standard input is called on the command line and in reports.
pub const STDIN: &str = "-";

/// A file to read, how it was found, and its kind when forced.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    pub path: PathBuf,
    pub discovery: Discovery,
    pub kind: Option<InputKind>,
    /// The path named on the command line it was found under (a named file's folder).
    pub scanned: PathBuf,
    /// The root of the repository holding it (found after discovery).
    pub repository: PathBuf,
    pub source: Source,
}

/// Where a candidate's text comes from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// The file (or pipe, or device) at the path.
    Path,
    /// Standard input (`-`).
    Stdin,
    /// Text given in memory for the path ([`LintRequest::texts`]: an unsaved buffer).
    Text(Arc<str>),
    /// Nothing: the walk could not read the path (the message says why).
    Unreadable(String),
    /// Nothing: a named folder in which no file was recognised.
    Folder,
}

/// Whether a walked file's extension fits a kind forced with `--kind`, which applies to
/// the files inside named folders too.
fn fits_forced_kind(kind: InputKind, path: &Path) -> bool {
    let json = path.extension().is_some_and(|ext| ext == "json");
    match kind {
        InputKind::GitlabCi => iac::is_yaml_name(path),
        InputKind::IamPolicy | InputKind::AwsExport | InputKind::Azure | InputKind::VaultExport => {
            json
        }
        InputKind::CloudFormation | InputKind::GcpExport => json || iac::is_yaml_name(path),
        InputKind::Terraform => iac::is_terraform_name(path),
        InputKind::Script => script::is_script_name(path),
        InputKind::Unrecognised => false,
    }
}

/// Collects the candidates under the request's paths, sorted by path and without
/// duplicates, and the folders among them. The forced kind (`--kind`) applies to the paths
/// named and to the files of its kind in named folders. A named path that does not exist
/// is an error, unless the request gives its text.
pub fn discover(
    request: &LintRequest,
    scopes: &Scopes<'_>,
    threads: usize,
) -> Result<(Vec<Candidate>, Vec<PathBuf>), String> {
    let forced = request.kind;
    let found = Mutex::new(Vec::new());
    let failure = Mutex::new(None);
    let mut folders = Vec::new();
    for path in &request.paths {
        if path.as_os_str() == STDIN {
            push(
                &found,
                Candidate {
                    path: path.clone(),
                    discovery: Discovery::Named,
                    kind: forced,
                    scanned: PathBuf::new(),
                    repository: PathBuf::new(),
                    source: Source::Stdin,
                },
            );
            continue;
        }
        let text = request.texts.get(path);
        let is_dir = match text {
            Some(_) => false,
            None => std::fs::metadata(path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .is_dir(),
        };
        if !is_dir {
            // A file, or a pipe or device named on purpose (`<(cat trust.json)`).
            let folder = path.parent().unwrap_or(Path::new(""));
            let configured = scopes.config(folder, Found::Named)?;
            let kind = forced.or_else(|| {
                configured
                    .ci_files
                    .matches(path)
                    .then_some(InputKind::GitlabCi)
            });
            push(
                &found,
                Candidate {
                    path: path.clone(),
                    discovery: Discovery::Named,
                    kind,
                    scanned: folder.to_path_buf(),
                    repository: PathBuf::new(),
                    source: text
                        .map_or(Source::Path, |text| Source::Text(Arc::from(text.as_str()))),
                },
            );
            continue;
        }
        folders.push(path.clone());
        let visit = |entry: Result<DirEntry, ignore::Error>| {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    push(&found, unreadable(path, &error));
                    return WalkState::Continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                return WalkState::Continue;
            }
            let file = entry.path();
            let folder = file.parent().unwrap_or(path);
            let configured = match scopes.config(folder, Found::Walked { scanned: path }) {
                Ok(configured) => configured,
                Err(message) => {
                    *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(message);
                    return WalkState::Quit;
                }
            };
            let kind = if configured.ci_files.matches(file) {
                Some(InputKind::GitlabCi)
            } else {
                forced.filter(|&kind| fits_forced_kind(kind, file))
            };
            if kind.is_some() || is_candidate_name(file) {
                push(
                    &found,
                    Candidate {
                        path: file.to_path_buf(),
                        discovery: Discovery::Walked,
                        kind,
                        scanned: path.clone(),
                        repository: PathBuf::new(),
                        source: Source::Path,
                    },
                );
            }
            WalkState::Continue
        };
        let mut walk = WalkBuilder::new(path);
        walk.hidden(false)
            .require_git(false)
            .threads(threads)
            .filter_entry(|entry| entry.file_name() != ".git");
        if walked_in_parallel(path) {
            walk.build_parallel().run(|| Box::new(&visit));
        } else {
            // One folder is read by one thread: the walk's other threads would only
            // wait for it (about 2 ms of a run on a folder of a thousand policies).
            for entry in walk.build() {
                if visit(entry) == WalkState::Quit {
                    break;
                }
            }
        }
    }
    if let Some(message) = failure.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(message);
    }
    let found = found
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok((sorted_once_each(found), folders))
}

/// `candidates` in their order ([`Candidate`]'s `Ord`, by path first), each path once: a
/// file named and also walked keeps its first (named) entry. Each path is compared by its
/// [`order_key`], written once: comparing two paths splits both into components again
/// (most of the sort's time on a thousand files).
fn sorted_once_each(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let keys: Vec<Vec<u8>> = candidates
        .iter()
        .map(|candidate| order_key(&candidate.path))
        .collect();
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| {
        keys[a]
            .cmp(&keys[b])
            .then_with(|| candidates[a].cmp(&candidates[b]))
    });
    order.dedup_by(|later, earlier| keys[*later] == keys[*earlier]);
    drop(keys);
    let mut slots: Vec<Option<Candidate>> = candidates.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|index| slots.get_mut(index)?.take())
        .collect()
}

/// Bytes that compare as `path`'s components do (and are equal exactly when the
/// components are): each component is a tag in the order of [`Component`]'s variants,
/// a name is followed by a zero byte (which no name holds), so that a name before
/// another it begins compares first, as in the component order.
fn order_key(path: &Path) -> Vec<u8> {
    let mut key = Vec::with_capacity(path.as_os_str().len() + 8);
    for component in path.components() {
        match component {
            Component::Prefix(prefix) => {
                key.push(0);
                key.extend_from_slice(prefix.as_os_str().as_encoded_bytes());
                key.push(0);
            }
            Component::RootDir => key.push(1),
            Component::CurDir => key.push(2),
            Component::ParentDir => key.push(3),
            Component::Normal(name) => {
                key.push(4);
                key.extend_from_slice(name.as_encoded_bytes());
                key.push(0);
            }
        }
    }
    key
}

/// The names of the files `ignore` reads rules from in a folder. The parallel walk reads
/// one only under exactly its name; the walk on one thread opens the name, which a
/// case-insensitive file system resolves to any case.
const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", ".git"];

/// Whether `folder` is walked on several threads: it holds a folder the walk would go
/// into (not `.git`), or an ignore file named in another case (then only the parallel
/// walk reads it as it always has); true when it cannot be read, so that the walk meets
/// the error.
fn walked_in_parallel(folder: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return true;
    };
    entries.into_iter().any(|entry| {
        entry.map_or(true, |entry| {
            let name = entry.file_name();
            let other_case = IGNORE_FILES
                .iter()
                .any(|ignore_file| name != *ignore_file && name.eq_ignore_ascii_case(ignore_file));
            other_case || name != ".git" && entry.file_type().map_or(true, |kind| !kind.is_file())
        })
    })
}

/// What the walk of the named folder `scanned` could not read, as a candidate that
/// reports it.
fn unreadable(scanned: &Path, error: &ignore::Error) -> Candidate {
    let path = error_path(error).unwrap_or(scanned).to_path_buf();
    Candidate {
        path,
        discovery: Discovery::Named,
        kind: None,
        scanned: scanned.to_path_buf(),
        repository: scanned.to_path_buf(),
        source: Source::Unreadable(error_message(error)),
    }
}

/// The path an error of the walk is about, when it names one.
fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithLineNumber { err, .. } | ignore::Error::WithDepth { err, .. } => {
            error_path(err)
        }
        _ => None,
    }
}

/// The error without the path it is about (the finding points at the path).
fn error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithLineNumber { err, .. }
        | ignore::Error::WithDepth { err, .. } => error_message(err),
        other => other.to_string(),
    }
}

fn push(found: &Mutex<Vec<Candidate>>, candidate: Candidate) {
    found
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(candidate);
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn candidate(path: &str, discovery: Discovery) -> Candidate {
        Candidate {
            path: PathBuf::from(path),
            discovery,
            kind: None,
            scanned: PathBuf::new(),
            repository: PathBuf::new(),
            source: Source::Path,
        }
    }

    proptest::proptest! {
        /// Keys compare as components do, `.`, `..`, the root and repeated separators
        /// included.
        #[test]
        fn order_keys_compare_as_components(a in "[ab./-]{0,8}", b in "[ab./-]{0,8}") {
            let (a, b) = (Path::new(&a), Path::new(&b));
            proptest::prop_assert_eq!(order_key(a).cmp(&order_key(b)), a.components().cmp(b.components()));
        }
    }

    /// Paths whose order by components differs from their order as text (`a/b` before
    /// `a-b`), written twice, with every rotation of the list as input.
    #[test]
    fn sorted_once_each_is_the_order_of_candidates_without_repeated_paths() {
        let paths = [
            "a-b", "a/b", "a", "a/b/c", "a.b/c", "./a/b", "/a/b", "../a", "a//b", "b/ä", "b/z",
            "B", "a/b",
        ];
        let mut all: Vec<Candidate> = paths
            .iter()
            .map(|path| candidate(path, Discovery::Walked))
            .chain(paths.iter().map(|path| candidate(path, Discovery::Named)))
            .collect();
        for _ in 0..all.len() {
            all.rotate_left(1);
            let mut expected = all.clone();
            expected.sort();
            expected.dedup_by(|later, earlier| later.path == earlier.path);
            assert_eq!(sorted_once_each(all.clone()), expected);
        }
    }

    #[test]
    fn a_folder_of_files_is_walked_on_one_thread() {
        let dir = std::env::temp_dir().join(format!("trustlint-discover-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join(".git")).unwrap();
        fs::write(dir.join("trust.json"), "{}").unwrap();
        fs::write(dir.join(".gitignore"), "*.tf").unwrap();
        assert!(!walked_in_parallel(&dir));
        // An ignore file in another case: the parallel walk ignores it on any file system.
        fs::write(dir.join(".IGNORE"), "*.json").unwrap();
        assert!(walked_in_parallel(&dir));
        fs::remove_file(dir.join(".IGNORE")).unwrap();
        fs::create_dir(dir.join("policies")).unwrap();
        assert!(walked_in_parallel(&dir));
        assert!(walked_in_parallel(&dir.join("missing")));
        fs::remove_dir_all(&dir).unwrap();
    }
}
