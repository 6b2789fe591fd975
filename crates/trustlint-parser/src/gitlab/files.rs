//! File access for local `include:`: the [`IncludeReader`] trait the GitLab loader reads
//! included files through (paths relative to the scanned root), and [`LocalFiles`], its
//! file-system implementation, which refuses to leave the root (no `..`, no symlink
//! escape) and gives every included file a [`FileId`] so spans can point into it.
//! The Terraform loader reads the sibling `*.tf` files of a module through the same
//! readers ([`IncludeReader::folder_files`]).

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::limits::{grew_past_message, read_at_most};
use crate::source::{FileId, SourceFile};

/// Most files listed below one root when matching an `include:` glob.
const MAX_LISTED_FILES: usize = 100_000;

/// An included file read for the loader: its id in the run's source map and its text.
#[derive(Clone, Debug)]
pub struct IncludedText {
    pub file: FileId,
    pub text: Arc<str>,
}

/// Why an included file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// No such file below the root (GitLab: "Local file … does not exist!").
    Missing,
    /// The path leaves the scanned root (`..`, a symlink pointing outside): not read.
    Outside,
    /// Local files are not available to this load (no root was given).
    Unavailable,
    /// No such file below the root, read for a pipeline in a subfolder of it: the
    /// scanned folder may not be the repository root GitLab resolves the path from.
    MissingBelowRoot,
    /// The file exists but can't be read (too large, not UTF-8, I/O error).
    Failed(String),
}

/// Reads files for local `include:` entries. Paths are relative to the scanned root,
/// `/`-separated, without a leading `/`.
pub trait IncludeReader: Sync {
    fn read(&self, path: &str) -> Result<IncludedText, ReadError>;
    /// Every regular file below the root, as root-relative paths (for glob patterns).
    fn list(&self) -> Vec<String>;
    /// The root-relative paths of the other files in the folder of `file` (a path as the
    /// run shows it, below the root), sorted; empty when `file` is not below the root or
    /// the reader has no files.
    fn folder_files(&self, _file: &Path) -> Vec<String> {
        Vec::new()
    }
    /// Whether `file` (a path as the run shows it) is directly in the root folder, or
    /// not below the root at all; `false` for a file in a subfolder of the root.
    fn at_root(&self, _file: &Path) -> bool {
        true
    }
    /// What a path that matches no file is: [`ReadError::Missing`] (or
    /// [`ReadError::MissingBelowRoot`] for a pipeline in a subfolder of the root).
    fn missing(&self) -> ReadError {
        ReadError::Missing
    }
}

/// The reader of a pipeline in a subfolder of the scanned root: what the root lacks is
/// [`ReadError::MissingBelowRoot`], since the repository root may be elsewhere.
#[derive(Clone, Copy)]
pub struct BelowRoot<'a>(pub &'a dyn IncludeReader);

impl std::fmt::Debug for BelowRoot<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BelowRoot")
    }
}

impl IncludeReader for BelowRoot<'_> {
    fn read(&self, path: &str) -> Result<IncludedText, ReadError> {
        self.0.read(path).map_err(|error| match error {
            ReadError::Missing => self.missing(),
            other => other,
        })
    }

    fn missing(&self) -> ReadError {
        ReadError::MissingBelowRoot
    }

    fn list(&self) -> Vec<String> {
        self.0.list()
    }

    fn folder_files(&self, file: &Path) -> Vec<String> {
        self.0.folder_files(file)
    }

    fn at_root(&self, file: &Path) -> bool {
        self.0.at_root(file)
    }
}

/// The reader of a load that has no root: every local include is [`ReadError::Unavailable`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoIncludes;

impl IncludeReader for NoIncludes {
    fn read(&self, _path: &str) -> Result<IncludedText, ReadError> {
        Err(ReadError::Unavailable)
    }

    fn list(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Included files read from disk during one run, shared by every loaded CI file: each
/// file is read once and gets the next [`FileId`] after the run's own files. After
/// loading, [`LocalFiles::into_sources`] hands the files over for the source map.
#[derive(Debug)]
pub struct LocalFiles {
    max_file_bytes: usize,
    registry: Mutex<Registry>,
}

#[derive(Debug)]
struct Registry {
    next: u32,
    by_path: HashMap<PathBuf, IncludedText>,
    /// Files the run loads itself, by canonical path: a read of one of them returns its
    /// own id instead of a new one (see [`LocalFiles::with_run_files`]).
    run_files: HashMap<PathBuf, FileId>,
    files: Vec<SourceFile>,
}

impl LocalFiles {
    /// `first` is the id the first included file gets (the number of files the run
    /// already has); files over `max_file_bytes` are refused.
    pub fn new(first: FileId, max_file_bytes: usize) -> Self {
        LocalFiles {
            max_file_bytes,
            registry: Mutex::new(Registry {
                next: first.0,
                by_path: HashMap::new(),
                run_files: HashMap::new(),
                files: Vec::new(),
            }),
        }
    }

    /// Declares files the run loads itself with their ids, so a read of one of them
    /// (a sibling `*.tf` of a Terraform module) points spans at the run's own copy. Only
    /// for files whose text the run always keeps in its source map.
    #[must_use]
    pub fn with_run_files(self, files: impl IntoIterator<Item = (PathBuf, FileId)>) -> Self {
        let known = files
            .into_iter()
            .filter_map(|(path, id)| Some((fs::canonicalize(path).ok()?, id)));
        let mut registry = self
            .registry
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        registry.run_files.extend(known);
        LocalFiles {
            max_file_bytes: self.max_file_bytes,
            registry: Mutex::new(registry),
        }
    }

    /// A reader for the includes of CI files scanned below `root`.
    pub fn rooted(&self, root: &Path) -> RootedFiles<'_> {
        let root = if root.as_os_str().is_empty() {
            Path::new(".")
        } else {
            root
        };
        RootedFiles {
            files: self,
            root: root.to_path_buf(),
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

    fn register(&self, path: PathBuf, canonical: &Path, text: String) -> IncludedText {
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&file) = registry.run_files.get(canonical) {
            return IncludedText {
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
        let included = IncludedText {
            file,
            text: Arc::clone(&text),
        };
        registry.by_path.insert(path.clone(), included.clone());
        registry.files.push(SourceFile::new(file, path, text));
        included
    }
}

impl RootedFiles<'_> {
    /// `file` (a path as the run shows it) relative to the root, when below it.
    fn relative<'f>(&self, file: &'f Path) -> Option<&'f Path> {
        let file = file.strip_prefix("./").unwrap_or(file);
        if self.root == Path::new(".") {
            Some(file)
        } else {
            file.strip_prefix(&self.root).ok()
        }
    }
}

/// [`LocalFiles`] seen from one scanned root.
#[derive(Debug)]
pub struct RootedFiles<'a> {
    files: &'a LocalFiles,
    root: PathBuf,
    /// `root` with its links resolved, found when the first include is read (most files
    /// include nothing, and resolving costs a system call per folder of the path).
    canonical_root: OnceLock<Option<PathBuf>>,
}

impl IncludeReader for RootedFiles<'_> {
    fn read(&self, path: &str) -> Result<IncludedText, ReadError> {
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
        let shown = full.strip_prefix("./").unwrap_or(&full).to_path_buf();
        Ok(self.files.register(shown, &canonical, text))
    }

    fn at_root(&self, file: &Path) -> bool {
        self.relative(file)
            .and_then(Path::parent)
            .is_none_or(|folder| folder.as_os_str().is_empty())
    }

    fn folder_files(&self, file: &Path) -> Vec<String> {
        let Some(relative) = self.relative(file) else {
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
            .filter(|path| Path::new(path) != relative)
            .take(MAX_LISTED_FILES)
            .collect();
        out.sort();
        out
    }

    fn list(&self) -> Vec<String> {
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
}

/// Longest `include: local:` glob matched, in characters: real ones are a few dozen; a
/// longer one matches nothing (it keeps a hostile pattern from costing more than
/// `MAX_GLOB_CHARS` steps per character of each listed path).
const MAX_GLOB_CHARS: usize = 256;

/// Whether `path` matches an `include: local:` glob the way GitLab matches them: `*`
/// matches within one folder, `**` across folders (`**/` also matches no folder at all),
/// `?` one character other than `/`. Dynamic programming over (pattern, path) positions,
/// so patterns with many stars take `pattern × path` steps, not exponential time.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let path: Vec<char> = path.chars().collect();
    if pattern.len() > MAX_GLOB_CHARS {
        return false;
    }
    let width = path.len() + 1;
    // `matched[i * width + j]`: whether `pattern[i..]` matches `path[j..]`.
    let mut matched = vec![false; (pattern.len() + 1) * width];
    let at = |matched: &[bool], i: usize, j: usize| matched.get(i * width + j) == Some(&true);
    if let Some(end) = matched.get_mut(pattern.len() * width + path.len()) {
        *end = true;
    }
    for i in (0..pattern.len()).rev() {
        let rest = pattern.get(i..).unwrap_or_default();
        let mut row = vec![false; width];
        // `suffix`: whether some later position satisfies the wildcard (filled right to left).
        let mut suffix = false;
        for j in (0..width).rev() {
            let here = path.get(j);
            let value = match rest {
                ['*', '*', '/', ..] => {
                    suffix |= here == Some(&'/') && at(&matched, i + 3, j + 1);
                    at(&matched, i + 3, j) || suffix
                }
                ['*', '*', ..] => {
                    suffix |= at(&matched, i + 2, j);
                    suffix
                }
                ['*', ..] => {
                    suffix = at(&matched, i + 1, j) || (here.is_some_and(|&c| c != '/') && suffix);
                    suffix
                }
                ['?', ..] => here.is_some_and(|&c| c != '/') && at(&matched, i + 1, j + 1),
                [p, ..] => here == Some(p) && at(&matched, i + 1, j + 1),
                [] => false,
            };
            if let Some(cell) = row.get_mut(j) {
                *cell = value;
            }
        }
        if let Some(slot) = matched.get_mut(i * width..(i + 1) * width) {
            slot.copy_from_slice(&row);
        }
    }
    at(&matched, 0, 0)
}

/// Whether an include path is a glob pattern.
pub fn is_glob(path: &str) -> bool {
    path.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("configs/*.yml", "configs/a.yml"));
        assert!(!glob_matches("configs/*.yml", "configs/sub/a.yml"));
        assert!(glob_matches("configs/**.yml", "configs/sub/a.yml"));
        assert!(glob_matches("configs/**/*.yml", "configs/sub/a.yml"));
        assert!(glob_matches("configs/**/*.yml", "configs/a.yml"));
        assert!(glob_matches("ci/?.yml", "ci/a.yml"));
        assert!(!glob_matches("ci/*.yml", "ci/a.yaml"));
        assert!(glob_matches("**/*.yml", "a.yml"));
        assert!(glob_matches("**", "a/b/c.yml"));
        assert!(glob_matches("a/**/b/*.yml", "a/x/y/b/c.yml"));
        assert!(!glob_matches("a/**/b/*.yml", "a/x/y/b/c/d.yml"));
        assert!(!glob_matches("?", "/"));
        assert!(glob_matches("", ""));
        assert!(!glob_matches("", "a"));
    }

    #[test]
    fn many_stars_take_polynomial_time() {
        let path = format!("ci/{}.yml", "a".repeat(200));
        let pattern = format!("**/{}b.yml", "*a".repeat(60));
        let started = std::time::Instant::now();
        assert!(!glob_matches(&pattern, &path));
        assert!(glob_matches(&format!("**/{}.yml", "*a".repeat(60)), &path));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(!glob_matches(&"*".repeat(MAX_GLOB_CHARS + 1), "a"));
    }

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
            ["infra/data.tf".to_string()],
            "the other files of the folder, not sub-folders"
        );
        assert!(reader.folder_files(&dir.join("top.tf")).is_empty());
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
