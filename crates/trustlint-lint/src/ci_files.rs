//! `[gitlab] ci-files`: globs of files to read as GitLab CI whatever their name,
//! relative to the configuration's folder.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Globs of files to read as GitLab CI (`[gitlab] ci-files`), relative to the config folder.
#[derive(Debug)]
pub struct CiFiles {
    set: GlobSet,
    base: PathBuf,
}

impl CiFiles {
    pub fn new(globs: &[String], base: &Path) -> Result<CiFiles, String> {
        let mut builder = GlobSetBuilder::new();
        for glob in globs {
            let glob = Glob::new(glob).map_err(|e| format!("[gitlab] ci-files: {e}"))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| format!("[gitlab] ci-files: {e}"))?;
        Ok(CiFiles {
            set,
            base: base.to_path_buf(),
        })
    }

    pub fn matches(&self, path: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let relative = path
            .strip_prefix(&self.base)
            .or_else(|_| path.strip_prefix("./"))
            .unwrap_or(path);
        self.set.is_match(relative) || self.set.is_match(path)
    }
}
