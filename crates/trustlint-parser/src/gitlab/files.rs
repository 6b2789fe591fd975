//! File access for local `include:`: the [`IncludeReader`] trait the GitLab loader reads
//! included files through (paths relative to the scanned root), and [`LocalFiles`], its
//! file-system implementation, which refuses to leave the root (no `..`, no symlink
//! escape) and gives every included file a [`FileId`] so spans can point into it.

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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
    /// The file exists but can't be read (too large, not UTF-8, I/O error).
    Failed(String),
}

/// Reads files for local `include:` entries. Paths are relative to the scanned root,
/// `/`-separated, without a leading `/`.
pub trait IncludeReader: Sync {
    fn read(&self, path: &str) -> Result<IncludedText, ReadError>;
    /// Every regular file below the root, as root-relative paths (for glob patterns).
    fn list(&self) -> Vec<String>;
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
                files: Vec::new(),
            }),
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
            canonical_root: fs::canonicalize(root).ok(),
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

    fn register(&self, path: PathBuf, text: String) -> IncludedText {
        let mut registry = self.registry.lock().unwrap_or_else(PoisonError::into_inner);
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

/// [`LocalFiles`] seen from one scanned root.
#[derive(Debug)]
pub struct RootedFiles<'a> {
    files: &'a LocalFiles,
    root: PathBuf,
    canonical_root: Option<PathBuf>,
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
        let root = self.canonical_root.as_ref().ok_or(ReadError::Missing)?;
        if !canonical.starts_with(root) {
            return Err(ReadError::Outside);
        }
        let metadata = fs::metadata(&canonical).map_err(|_| ReadError::Missing)?;
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
        let bytes = fs::read(&canonical).map_err(|e| ReadError::Failed(e.to_string()))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| ReadError::Failed("file is not valid UTF-8".to_string()))?;
        let shown = full.strip_prefix("./").unwrap_or(&full).to_path_buf();
        Ok(self.files.register(shown, text))
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

/// Whether `path` matches an `include: local:` glob the way GitLab matches them: `*`
/// matches within one folder, `**` across folders (`**/` also matches no folder at all),
/// `?` one character other than `/`.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let path: Vec<char> = path.chars().collect();
    matches_from(&pattern, &path)
}

fn matches_from(pattern: &[char], path: &[char]) -> bool {
    match pattern {
        [] => path.is_empty(),
        ['*', '*', '/', rest @ ..] => {
            matches_from(rest, path)
                || (0..path.len())
                    .filter(|&i| path.get(i) == Some(&'/'))
                    .any(|i| matches_from(rest, path.get(i + 1..).unwrap_or_default()))
        }
        ['*', '*', rest @ ..] => {
            (0..=path.len()).any(|i| matches_from(rest, path.get(i..).unwrap_or_default()))
        }
        ['*', rest @ ..] => {
            let segment = path.iter().position(|&c| c == '/').unwrap_or(path.len());
            (0..=segment).any(|i| matches_from(rest, path.get(i..).unwrap_or_default()))
        }
        ['?', rest @ ..] => match path {
            [c, tail @ ..] if *c != '/' => matches_from(rest, tail),
            _ => false,
        },
        [p, rest @ ..] => match path {
            [c, tail @ ..] if c == p => matches_from(rest, tail),
            _ => false,
        },
    }
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
