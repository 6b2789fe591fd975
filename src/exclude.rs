//! The configuration's top-level `exclude = ["glob", …]`: files found by walking a folder
//! are dropped when their path, or a folder above them, matches a glob (relative to the
//! configuration's folder). Files named on the command line are always checked.

use std::path::Path;

use globset::{Glob, GlobSet, GlobSetBuilder};
use trustlint_parser::input::Discovery;

use crate::config::Config;
use crate::discover::Candidate;

#[derive(Debug)]
pub struct Exclude {
    set: GlobSet,
}

impl Exclude {
    pub fn new(config: &Config) -> Result<Exclude, String> {
        let mut builder = GlobSetBuilder::new();
        for glob in &config.exclude {
            builder.add(Glob::new(glob).map_err(|e| format!("exclude: {e}"))?);
        }
        let set = builder.build().map_err(|e| format!("exclude: {e}"))?;
        Ok(Exclude { set })
    }

    /// Drops the walked candidates that are excluded; `base` is the configuration's folder.
    pub fn retain(&self, candidates: &mut Vec<Candidate>, base: &Path) {
        if self.set.is_empty() {
            return;
        }
        candidates.retain(|candidate| {
            candidate.discovery != Discovery::Walked || !self.matches(&candidate.path, base)
        });
    }

    fn matches(&self, path: &Path, base: &Path) -> bool {
        let absolute = |path: &Path| std::path::absolute(path).unwrap_or_else(|_| path.into());
        let base = if base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            base
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
    use std::path::PathBuf;

    use super::*;

    fn candidate(path: &str, discovery: Discovery) -> Candidate {
        Candidate {
            path: PathBuf::from(path),
            discovery,
            kind: None,
        }
    }

    #[test]
    fn walked_files_under_an_excluded_folder_are_dropped_named_ones_kept() {
        let config = Config {
            exclude: vec!["vendor".into(), "**/*.generated.json".into()],
            ..Config::default()
        };
        let exclude = Exclude::new(&config).unwrap();
        let mut candidates = vec![
            candidate("./vendor/a/trust.json", Discovery::Walked),
            candidate("./iam/x.generated.json", Discovery::Walked),
            candidate("./iam/trust.json", Discovery::Walked),
            candidate("vendor/named.json", Discovery::Named),
        ];
        exclude.retain(&mut candidates, Path::new(""));
        let kept: Vec<_> = candidates.iter().map(|c| c.path.as_path()).collect();
        assert_eq!(
            kept,
            [
                Path::new("./iam/trust.json"),
                Path::new("vendor/named.json")
            ]
        );
    }
}
