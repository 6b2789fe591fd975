//! Reading the files a loaded file leads to, inside its repository: [`LocalFiles`], the
//! run's registry of such files, each read once and given a [`FileId`] so spans can point
//! into it, and [`RootedFiles`], the registry seen from one repository root, which
//! refuses to leave the root (no `..`, no symlink escape). GitLab CI local `include:`s
//! ([`crate::gitlab::IncludeReader`]) and the other `*.tf` files of a Terraform module
//! ([`crate::terraform::ModuleReader`]) are read through it; neither loader depends on
//! the other's reader.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::limits::{grew_past_message, read_at_most};
use crate::source::{FileId, SourceFile};

/// Most files listed below one root (for an `include:` glob) or in one folder.
const MAX_LISTED_FILES: usize = 100_000;

/// A file read for a loader: its id in the run's source map and its text.
#[derive(Clone, Debug)]
pub struct FileText {
    pub file: FileId,
    pub text: Arc<str>,
}

/// Why a file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// No such file below the root (GitLab: "Local file … does not exist!").
    Missing,
    /// The path leaves the scanned root (`..`, a symlink pointing outside): not read.
    Outside,
    /// Local files are not available to this load (no root was given).
    Unavailable,
    /// The file exists but can't be read (too large, not UTF-8, I/O error).
    Failed(String),
}

/// Files read from disk during one run (included CI files, a Terraform module's other
/// files), shared by every load: each file is read once and gets the next [`FileId`]
/// after the run's own files. After
/// loading, [`LocalFiles::into_sources`] hands the files over for the source map.
#[derive(Debug)]
pub struct LocalFiles {
    max_file_bytes: usize,
    /// The id the first file read gets: ids below it are the run's own files.
    first: FileId,
    registry: Mutex<Registry>,
}

#[derive(Debug)]
struct Registry {
    next: u32,
    by_path: HashMap<PathBuf, FileText>,
    /// Files the run loads itself: a read of one of them returns its own id instead of a
    /// new one (see [`LocalFiles::with_run_files`]). As declared, then by canonical path
    /// from the first read on (a run that reads nothing looks none up).
    run_files: Vec<(PathBuf, FileId)>,
    canonical_run_files: Option<HashMap<PathBuf, FileId>>,
    files: Vec<SourceFile>,
}

impl LocalFiles {
    /// `first` is the id the first included file gets (the number of files the run
    /// already has); files over `max_file_bytes` are refused.
    pub fn new(first: FileId, max_file_bytes: usize) -> Self {
        LocalFiles {
            max_file_bytes,
            first,
            registry: Mutex::new(Registry {
                next: first.0,
                by_path: HashMap::new(),
                run_files: Vec::new(),
                canonical_run_files: None,
                files: Vec::new(),
            }),
        }
    }

    /// Declares files the run loads itself with their ids, so a read of one of them
    /// (a sibling `*.tf` of a Terraform module) points spans at the run's own copy. Only
    /// for files whose text the run always keeps in its source map.
    #[must_use]
    pub fn with_run_files(self, files: impl IntoIterator<Item = (PathBuf, FileId)>) -> Self {
        let mut registry = self
            .registry
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        registry.run_files.extend(files);
        LocalFiles {
            max_file_bytes: self.max_file_bytes,
            first: self.first,
            registry: Mutex::new(registry),
        }
    }

    /// A reader for the includes of CI files scanned below `root` (a path as the run
    /// shows it: relative to the current folder, or absolute).
    pub fn rooted(&self, root: &Path) -> RootedFiles<'_> {
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        let cwd = std::env::current_dir().unwrap_or_default();
        RootedFiles {
            files: self,
            root: root.to_path_buf(),
            base: normalized(&cwd.join(root)),
            cwd,
            canonical_root: OnceLock::new(),
        }
    }

    /// The files read, in id order, ready for [`crate::SourceMap::push`].
    pub fn into_sources(self) -> Vec<SourceFile> {
        let registry = self
            .registry
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        let mut files = registry.files;
        files.sort_by_key(|f| f.id);
        files
    }

    fn register(&self, path: PathBuf, canonical: &Path, text: String) -> FileText {
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        let declared = std::mem::take(&mut registry.run_files);
        let run_files = registry.canonical_run_files.get_or_insert_with(|| {
            declared
                .into_iter()
                .filter_map(|(path, id)| Some((fs::canonicalize(path).ok()?, id)))
                .collect()
        });
        if let Some(&file) = run_files.get(canonical) {
            return FileText {
                file,
                text: text.into(),
            };
        }
        if let Some(known) = registry.by_path.get(&path) {
            return known.clone();
        }
        let file = FileId(registry.next);
        registry.next = registry.next.saturating_add(1);
        let text: Arc<str> = text.into();
        let included = FileText {
            file,
            text: Arc::clone(&text),
        };
        registry.by_path.insert(path.clone(), included.clone());
        registry.files.push(SourceFile::new(file, path, text));
        included
    }
}

/// [`LocalFiles`] seen from one scanned root.
#[derive(Debug)]
pub struct RootedFiles<'a> {
    files: &'a LocalFiles,
    root: PathBuf,
    /// `root` as an absolute path without `.` and `..` (links not resolved).
    base: PathBuf,
    /// The current folder, which paths shown in reports are relative to.
    cwd: PathBuf,
    /// `root` with its links resolved, found when the first include is read (most files
    /// include nothing, and resolving costs a system call per folder of the path).
    canonical_root: OnceLock<Option<PathBuf>>,
}

impl RootedFiles<'_> {
    /// Reads the file at `path`, relative to the root (`/`-separated, no leading `/`).
    pub fn read(&self, path: &str) -> Result<FileText, ReadError> {
        let relative = Path::new(path);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(ReadError::Outside);
        }
        let full = self.root.join(relative);
        let canonical = fs::canonicalize(&full).map_err(|_| ReadError::Missing)?;
        let root = self
            .canonical_root
            .get_or_init(|| fs::canonicalize(&self.root).ok())
            .as_ref()
            .ok_or(ReadError::Missing)?;
        if !canonical.starts_with(root) {
            return Err(ReadError::Outside);
        }
        // The path's type first, so that a FIFO or a device is never opened (opening a
        // FIFO waits for a writer); then the type and size of the file actually opened.
        if !fs::metadata(&canonical).is_ok_and(|metadata| metadata.is_file()) {
            return Err(ReadError::Missing);
        }
        let failed = |e: std::io::Error| ReadError::Failed(e.to_string());
        let file = fs::File::open(&canonical).map_err(failed)?;
        let metadata = file.metadata().map_err(failed)?;
        if !metadata.is_file() {
            return Err(ReadError::Missing);
        }
        if metadata.len() > self.files.max_file_bytes as u64 {
            return Err(ReadError::Failed(format!(
                "file is {} bytes, over the limit of {} bytes",
                metadata.len(),
                self.files.max_file_bytes
            )));
        }
        let bytes = read_at_most(file, metadata.len(), self.files.max_file_bytes)
            .map_err(failed)?
            .ok_or_else(|| ReadError::Failed(grew_past_message(self.files.max_file_bytes)))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ReadError::Failed("file is not valid UTF-8".to_string()))?;
        Ok(self.files.register(self.shown(relative), &canonical, text))
    }

    /// The root-relative paths of the files in the folder of `file` (a path as the run
    /// shows it, below the root; itself included), sorted; empty when `file` is not
    /// below the root.
    pub fn folder_files(&self, file: &Path) -> Vec<String> {
        let file = normalized(&self.cwd.join(file));
        let Ok(relative) = file.strip_prefix(&self.base) else {
            return Vec::new();
        };
        let Some(folder) = relative.parent() else {
            return Vec::new();
        };
        let Some(prefix) = folder
            .components()
            .map(|c| match c {
                Component::Normal(name) => name.to_str().map(|n| format!("{n}/")),
                _ => None,
            })
            .collect::<Option<String>>()
        else {
            return Vec::new();
        };
        let Ok(entries) = fs::read_dir(self.root.join(folder)) else {
            return Vec::new();
        };
        let mut out: Vec<String> = entries
            .flatten()
            .filter(|entry| {
                entry
                    .file_type()
                    .is_ok_and(|t| t.is_file() || t.is_symlink())
            })
            .filter_map(|entry| entry.file_name().to_str().map(|n| format!("{prefix}{n}")))
            .take(MAX_LISTED_FILES)
            .collect();
        out.sort();
        out
    }

    /// Whether a file read through this reader is one of the run's own files (see
    /// [`LocalFiles::with_run_files`]), which the run loads itself.
    pub fn is_run_file(&self, file: FileId) -> bool {
        file < self.files.first
    }

    /// Every regular file below the root, as root-relative paths, sorted.
    pub fn list(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut pending = vec![(self.root.clone(), String::new())];
        while let Some((dir, prefix)) = pending.pop() {
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let relative = format!("{prefix}{name}");
                if kind.is_dir() && name != ".git" {
                    pending.push((entry.path(), format!("{relative}/")));
                } else if kind.is_file() || kind.is_symlink() {
                    out.push(relative);
                }
                if out.len() >= MAX_LISTED_FILES {
                    return out;
                }
            }
        }
        out.sort();
        out
    }

    /// How reports show the file at `relative` below the root: relative to the current
    /// folder when the root was (`..` where the file is outside it), else absolute.
    fn shown(&self, relative: &Path) -> PathBuf {
        let path = self.base.join(relative);
        if let Ok(below) = path.strip_prefix(&self.cwd) {
            return below.to_path_buf();
        }
        if self.root.is_absolute() {
            return path;
        }
        let common = path
            .components()
            .zip(self.cwd.components())
            .take_while(|(a, b)| a == b)
            .count();
        let up = self.cwd.components().count().saturating_sub(common);
        std::iter::repeat_n(Component::ParentDir, up)
            .chain(path.components().skip(common))
            .collect()
    }
}

/// `path` without `.` and with each `..` taking off the folder before it (links are not
/// resolved: this is how the path reads, not where it leads).
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_files_and_run_files() {
        let dir = std::env::temp_dir().join(format!("trustlint-folder-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("infra/sub")).unwrap();
        for name in ["infra/main.tf", "infra/data.tf", "infra/sub/x.tf", "top.tf"] {
            fs::write(dir.join(name), "# tf\n").unwrap();
        }
        let files = LocalFiles::new(FileId(5), 1024)
            .with_run_files([(dir.join("infra/data.tf"), FileId(1))]);
        let reader = files.rooted(&dir);
        assert_eq!(
            reader.folder_files(&dir.join("infra/main.tf")),
            ["infra/data.tf".to_string(), "infra/main.tf".to_string()],
            "the files of the folder, not sub-folders"
        );
        assert_eq!(
            reader.folder_files(&dir.join("top.tf")),
            ["top.tf".to_string()]
        );
        assert!(reader
            .folder_files(Path::new("/elsewhere/main.tf"))
            .is_empty());
        assert_eq!(
            reader.read("infra/data.tf").unwrap().file,
            FileId(1),
            "a file of the run keeps its id"
        );
        assert_eq!(reader.read("infra/main.tf").unwrap().file, FileId(5));
        assert_eq!(files.into_sources().len(), 1, "only the new file");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reading_stays_inside_the_root() {
        let dir = std::env::temp_dir().join(format!("trustlint-files-{}", std::process::id()));
        let root = dir.join("root");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(root.join("ci")).unwrap();
        fs::write(root.join("ci/a.yml"), "a: 1\n").unwrap();
        fs::write(dir.join("secret.yml"), "s: 1\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret.yml"), root.join("escape.yml")).unwrap();
        let files = LocalFiles::new(FileId(7), 1024);
        let reader = files.rooted(&root);
        assert_eq!(reader.read("ci/a.yml").unwrap().file, FileId(7));
        assert_eq!(
            reader.read("ci/a.yml").unwrap().file,
            FileId(7),
            "read once"
        );
        assert_eq!(
            reader.read("../secret.yml").unwrap_err(),
            ReadError::Outside
        );
        assert_eq!(reader.read("missing.yml").unwrap_err(), ReadError::Missing);
        #[cfg(unix)]
        assert_eq!(reader.read("escape.yml").unwrap_err(), ReadError::Outside);
        assert!(reader.list().contains(&"ci/a.yml".to_string()));
        let sources = files.into_sources();
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].id, FileId(7));
        fs::remove_dir_all(&dir).unwrap();
    }
}
