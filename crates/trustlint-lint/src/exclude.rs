//! The configuration's top-level `exclude = ["glob", …]`: files found by walking a folder
//! are dropped when their path, or a folder above them, matches a glob (relative to the
//! configuration's folder). Files named on the command line are always checked.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::Config;

#[derive(Debug)]
pub struct Exclude {
    set: GlobSet,
    /// The configuration's folder, which the globs are relative to.
    base: PathBuf,
}

impl Exclude {
    pub fn new(config: &Config) -> Result<Exclude, String> {
        let mut builder = GlobSetBuilder::new();
        for glob in &config.exclude {
            builder.add(Glob::new(glob).map_err(|e| format!("exclude: {e}"))?);
        }
        let set = builder.build().map_err(|e| format!("exclude: {e}"))?;
        Ok(Exclude {
            set,
            base: config.base_dir.clone(),
        })
    }

    /// Whether a walked file at `path` is excluded.
    pub fn matches(&self, path: &Path) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.into());
        let base = if self.base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.base
        };
        let path = absolute(path);
        let relative = path.strip_prefix(absolute(base)).unwrap_or(&path);
        relative
            .ancestors()
            .filter(|ancestor| !ancestor.as_os_str().is_empty())
            .any(|ancestor| self.set.is_match(ancestor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_under_an_excluded_folder_or_matching_a_glob_are_excluded() {
        let config = Config {
            exclude: vec!["vendor".into(), "**/*.generated.json".into()],
            ..Config::default()
        };
        let exclude = Exclude::new(&config).unwrap();
        assert!(exclude.matches(Path::new("./vendor/a/trust.json")));
        assert!(exclude.matches(Path::new("./iam/x.generated.json")));
        assert!(!exclude.matches(Path::new("./iam/trust.json")));
    }
}
