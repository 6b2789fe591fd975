//! What a run is asked to do ([`LintRequest`]) and why it could not ([`LintError`]).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use trustlint_parser::input::InputKind;

/// What to lint and how: the command line's `check` options, without the output ones.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LintRequest {
    /// Files or folders (`-`: standard input); kinds are detected.
    pub paths: Vec<PathBuf>,
    /// Texts of files, read instead of the files (an editor's unsaved buffers, the fuzz
    /// targets' inputs, fixes being checked): by the path named, or as found under a named
    /// folder (as named, or as reports show it). A named path given here need not exist.
    /// Its folder still gives its configuration, repository and local `include:`s, read
    /// from the disk (an `include:`d file or a Terraform module's sibling is always read
    /// from the disk).
    pub texts: BTreeMap<PathBuf, String>,
    /// A configuration for every file (`--config`) instead of each one's nearest.
    pub config: Option<PathBuf>,
    /// The kind forced on the named files and the files of its extensions in named
    /// folders (`--kind`).
    pub kind: Option<InputKind>,
    /// Rule selectors (codes, code prefixes, names): only these rules (`--select`).
    pub select: Vec<String>,
    /// Rule selectors to skip (`--ignore`).
    pub ignore: Vec<String>,
    /// The GitLab host issuing the ID tokens (`--gitlab-host`).
    pub gitlab_host: Option<String>,
    /// The project the pipelines run in (`--gitlab-project`).
    pub gitlab_project: Option<String>,
    /// Worker threads of the process's pool when the run builds it (default: one per core).
    pub jobs: Option<usize>,
}

impl LintRequest {
    /// A request for `files`, each a path and its text, none read from the disk.
    pub fn in_memory(files: impl IntoIterator<Item = (PathBuf, String)>) -> LintRequest {
        let texts: BTreeMap<PathBuf, String> = files.into_iter().collect();
        LintRequest {
            paths: texts.keys().cloned().collect(),
            texts,
            ..LintRequest::default()
        }
    }
}

/// Why a run could not be done (a path that does not exist, an invalid configuration or
/// selector, …): the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintError(pub String);

impl fmt::Display for LintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LintError {}

impl From<String> for LintError {
    fn from(message: String) -> Self {
        LintError(message)
    }
}
