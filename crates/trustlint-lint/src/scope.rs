//! Where each scanned file belongs: the repository holding it, where its local
//! `include:`s resolve and which its reads never leave, and the configuration that
//! applies to it (the nearest `trustlint.toml` or `.trustlint.toml` upward from the
//! file, unless `--config` names one). Both are found once per folder. Files under the
//! same configuration are checked together, as one part of the run (jobs and roles of
//! different repositories still link when one configuration, or none, covers them).

use std::collections::HashMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::ci_files::CiFiles;
use crate::config::{self, Config};
use crate::exclude::Exclude;
use crate::filter::Filter;
use crate::request::LintRequest;

/// One configuration file (or none) as a run applies it.
#[derive(Debug)]
pub struct Configured {
    /// The file, `None` when no configuration applies (defaults).
    pub path: Option<PathBuf>,
    pub config: Config,
    pub ci_files: CiFiles,
    pub filter: Filter,
    /// What walks leave out (`exclude`).
    pub exclude: Exclude,
}

impl Configured {
    fn new(request: &LintRequest, path: Option<PathBuf>) -> Result<Configured, String> {
        let config = match &path {
            Some(path) => config::load(path)?,
            None => Config::default(),
        };
        Ok(Configured {
            ci_files: CiFiles::new(&config.gitlab.ci_files, &config.base_dir)?,
            filter: Filter::new(request, &config)?,
            exclude: Exclude::new(&config)?,
            path,
            config,
        })
    }
}

/// Finds the repository and the configuration of folders, remembering each answer.
#[derive(Debug)]
pub struct Scopes<'a> {
    request: &'a LintRequest,
    /// `--config`: it applies to every file.
    explicit: Option<Arc<Configured>>,
    /// No configuration file: the defaults.
    defaults: Arc<Configured>,
    /// By canonical folder: the configuration that applies below it.
    configs: Memo<PathBuf, Arc<Configured>>,
    /// The same by folder as the run shows it (no system call for the next file there).
    shown_configs: Memo<PathBuf, Arc<Configured>>,
    /// By (folder, scanned path), both as the run shows them: the repository root.
    roots: Memo<(PathBuf, PathBuf), PathBuf>,
    /// By canonical folder: the nearest folder upward holding `.git`, if any.
    checkouts: Memo<PathBuf, Option<PathBuf>>,
    /// By path as the run shows it: the canonical path (`None` when it can't be
    /// resolved), so each folder costs its system calls once.
    canonicals: Memo<PathBuf, Option<PathBuf>>,
}

/// How the files of a folder were found.
#[derive(Clone, Copy, Debug)]
pub enum Found<'p> {
    /// By the walk of `scanned`, a folder named on the command line.
    Walked { scanned: &'p Path },
    /// Named themselves (or any other way).
    Named,
}

/// Answers remembered across the threads of a run.
#[derive(Debug)]
struct Memo<K, V>(Mutex<HashMap<K, V>>);

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    fn new() -> Self {
        Memo(Mutex::new(HashMap::new()))
    }

    fn get(&self, key: &K) -> Option<V> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    /// Remembers `value` unless another thread answered first; the answer kept.
    fn keep(&self, key: K, value: V) -> V {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_insert(value)
            .clone()
    }
}

impl<'a> Scopes<'a> {
    pub fn new(request: &'a LintRequest) -> Result<Scopes<'a>, String> {
        let explicit = match &request.config {
            Some(path) => Some(Arc::new(Configured::new(
                request,
                Some(config::explicit(path)?),
            )?)),
            None => None,
        };
        Ok(Scopes {
            request,
            explicit,
            defaults: Arc::new(Configured::new(request, None)?),
            configs: Memo::new(),
            shown_configs: Memo::new(),
            roots: Memo::new(),
            checkouts: Memo::new(),
            canonicals: Memo::new(),
        })
    }

    /// The configuration of the files in `folder` (a path as the run shows it), found
    /// `from` a folder named on the command line or named itself.
    pub fn config(&self, folder: &Path, from: Found<'_>) -> Result<Arc<Configured>, String> {
        if let Some(explicit) = &self.explicit {
            return Ok(Arc::clone(explicit));
        }
        if let Some(known) = self.shown_configs.get(&folder.to_path_buf()) {
            return Ok(known);
        }
        let found = match self.canonical(folder, from) {
            Some(canonical) => self.config_in(&canonical)?,
            None => Arc::clone(&self.defaults),
        };
        Ok(self.shown_configs.keep(folder.to_path_buf(), found))
    }

    fn config_in(&self, folder: &Path) -> Result<Arc<Configured>, String> {
        if let Some(known) = self.configs.get(&folder.to_path_buf()) {
            return Ok(known);
        }
        let here = config::FILE_NAMES
            .iter()
            .map(|name| folder.join(name))
            .find(|path| path.is_file());
        let found = match (here, folder.parent()) {
            (Some(path), _) => Arc::new(Configured::new(self.request, Some(path))?),
            (None, Some(parent)) => self.config_in(parent)?,
            (None, None) => Arc::clone(&self.defaults),
        };
        Ok(self.configs.keep(folder.to_path_buf(), found))
    }

    /// The root of the repository holding the files in `folder`, found under the named
    /// path `scanned` (both as the run shows them): the folder `[gitlab] repository-root`
    /// of their configuration names, else the nearest folder upward with a `.git` (a
    /// folder, or a file as in worktrees and submodules); outside a checkout, the
    /// outermost folder from `scanned` down to `folder` that holds a `.gitlab-ci.yml` (a
    /// folder of several repositories copied without their `.git`), else `scanned`.
    pub fn repository_root(
        &self,
        folder: &Path,
        scanned: &Path,
        from: Found<'_>,
    ) -> Result<PathBuf, String> {
        let key = (folder.to_path_buf(), scanned.to_path_buf());
        if let Some(known) = self.roots.get(&key) {
            return Ok(known);
        }
        let configured = self.config(folder, from)?;
        let named = configured
            .config
            .gitlab
            .repository_root
            .as_ref()
            .and_then(|root| self.canonical(&configured.config.base_dir.join(root), Found::Named));
        let root = self
            .canonical(folder, from)
            .and_then(|canonical| {
                let root = named
                    .filter(|root| canonical.starts_with(root))
                    .or_else(|| self.checkout_root(&canonical))?;
                Some(self.shown_ancestor(folder, &canonical, &root))
            })
            .or_else(|| outermost_pipeline_folder(folder, scanned))
            .unwrap_or_else(|| scanned.to_path_buf());
        Ok(self.roots.keep(key, root))
    }
}

impl Scopes<'_> {
    /// The canonical form of `path` (a path as the run shows it), resolved once per run.
    /// A folder the walk of `scanned` reached is `scanned`'s canonical form with the
    /// folders below it (the walk follows no link, so they are the folders they name):
    /// one system call for the walk, not one per folder.
    fn canonical(&self, path: &Path, from: Found<'_>) -> Option<PathBuf> {
        if let Some(known) = self.canonicals.get(&path.to_path_buf()) {
            return known;
        }
        let below_walk = match from {
            Found::Walked { scanned } if scanned != path => {
                path.strip_prefix(scanned).ok().filter(|below| {
                    below
                        .components()
                        .all(|c| matches!(c, Component::Normal(_)))
                })
            }
            _ => None,
        };
        let found = match (below_walk, from) {
            (Some(below), Found::Walked { scanned }) => self
                .canonical(scanned, Found::Named)
                .map(|root| root.join(below)),
            _ => fs::canonicalize(shown_folder(path)).ok(),
        };
        self.canonicals.keep(path.to_path_buf(), found)
    }

    /// The folder `root`, an ancestor of `canonical` (the canonical form of `folder`), as
    /// the run shows paths: `folder` with as many components taken off, or `..` added, as
    /// `root` is above it; through a symbolic link, whose folders above are not those its
    /// path names, `root` itself.
    fn shown_ancestor(&self, folder: &Path, canonical: &Path, root: &Path) -> PathBuf {
        let levels = canonical
            .components()
            .count()
            .saturating_sub(root.components().count());
        let shown = lexically_up(folder, levels);
        if self
            .canonical(&shown, Found::Named)
            .is_some_and(|c| c == root)
        {
            shown
        } else {
            root.to_path_buf()
        }
    }

    /// The nearest folder upward from the canonical folder `canonical` holding `.git`
    /// (each folder looked at once per run).
    fn checkout_root(&self, canonical: &Path) -> Option<PathBuf> {
        if let Some(known) = self.checkouts.get(&canonical.to_path_buf()) {
            return known;
        }
        let found = if canonical.join(".git").symlink_metadata().is_ok() {
            Some(canonical.to_path_buf())
        } else {
            canonical
                .parent()
                .and_then(|parent| self.checkout_root(parent))
        };
        self.checkouts.keep(canonical.to_path_buf(), found)
    }
}

/// `.` for the empty path (a file named without a folder).
fn shown_folder(folder: &Path) -> &Path {
    if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    }
}

/// `path` with `levels` folders taken off its end (`..` added past its start).
fn lexically_up(path: &Path, levels: usize) -> PathBuf {
    let mut parts: Vec<Component<'_>> = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    for _ in 0..levels {
        match parts.last() {
            Some(Component::Normal(_)) => {
                parts.pop();
            }
            _ => parts.push(Component::ParentDir),
        }
    }
    parts.iter().collect()
}

/// The outermost folder from `scanned` down to `folder` holding a `.gitlab-ci.yml`.
fn outermost_pipeline_folder(folder: &Path, scanned: &Path) -> Option<PathBuf> {
    let below = folder.strip_prefix(scanned).ok()?;
    let mut dir = scanned.to_path_buf();
    let holds_pipeline = |dir: &Path| shown_folder(dir).join(".gitlab-ci.yml").is_file();
    if holds_pipeline(&dir) {
        return Some(dir);
    }
    for part in below.components() {
        dir.push(part);
        if holds_pipeline(&dir) {
            return Some(dir);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder the walk reached resolves, without a system call of its own, to what
    /// the file system says, through a scanned path that is itself a link.
    #[cfg(unix)]
    #[test]
    fn walked_folders_resolve_as_the_file_system_does() {
        let dir = std::env::temp_dir().join(format!("trustlint-scope-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("real/a/b")).unwrap();
        std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).unwrap();
        let request = LintRequest::default();
        let scopes = Scopes::new(&request).unwrap();
        let scanned = dir.join("link/./a/..");
        for folder in [scanned.clone(), scanned.join("a"), scanned.join("a/b")] {
            let walked = scopes.canonical(&folder, Found::Walked { scanned: &scanned });
            assert_eq!(
                walked,
                fs::canonicalize(&folder).ok(),
                "{}",
                folder.display()
            );
        }
        let missing = dir.join("link/missing");
        assert_eq!(scopes.canonical(&missing, Found::Named), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lexically_up_takes_folders_off_then_adds_parents() {
        assert_eq!(lexically_up(Path::new("a/b/c"), 0), PathBuf::from("a/b/c"));
        assert_eq!(lexically_up(Path::new("a/b/c"), 2), PathBuf::from("a"));
        assert_eq!(lexically_up(Path::new("./a"), 2), PathBuf::from(".."));
        assert_eq!(lexically_up(Path::new("../x"), 2), PathBuf::from("../.."));
        assert_eq!(lexically_up(Path::new(""), 1), PathBuf::from(".."));
    }
}
