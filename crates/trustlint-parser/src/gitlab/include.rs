//! `include:`: reads the entries of a configuration, loads local files (string form,
//! `local:`, glob patterns) through an [`IncludeReader`] inside the scanned root, expands
//! their own includes, and merges everything the way GitLab does: included files in
//! order, each deep-merged over the previous ones, the including file last (it wins).
//! Every included value carries a [`Via::Include`] step. `remote`, `project`, `template`
//! and `component` includes are never fetched: they become `UnresolvedInclude` problems.

use crate::files::{FileText, ReadError, RootedFiles};
use crate::gitlab::glob::{glob_matches, is_glob};
use crate::gitlab::keywords;
use crate::gitlab::model::{Include, IncludeKind};
use crate::gitlab::value::{texts, Kind, Text, Val, Via};
use crate::gitlab::{header, inputs};
use crate::limits::Limits;
use crate::problem::Problem;

/// GitLab's limit on included files per pipeline (the default of the instance setting).
const MAX_INCLUDES: usize = 150;
/// GitLab's limit on nested includes.
const MAX_INCLUDE_DEPTH: usize = 100;

/// Reads files for local `include:` entries. Paths are relative to the scanned root,
/// `/`-separated, without a leading `/`. [`RootedFiles`] reads them from disk, inside the
/// repository.
pub trait IncludeReader: Sync {
    fn read(&self, path: &str) -> Result<FileText, ReadError>;
    /// Every regular file below the root, as root-relative paths (for glob patterns).
    fn list(&self) -> Vec<String>;
}

/// The reader of a load that has no root: every local include is [`ReadError::Unavailable`].
#[derive(Clone, Copy, Debug, Default)]
pub struct NoIncludes;

impl IncludeReader for NoIncludes {
    fn read(&self, _path: &str) -> Result<FileText, ReadError> {
        Err(ReadError::Unavailable)
    }

    fn list(&self) -> Vec<String> {
        Vec::new()
    }
}

impl IncludeReader for RootedFiles<'_> {
    fn read(&self, path: &str) -> Result<FileText, ReadError> {
        RootedFiles::read(self, path)
    }

    fn list(&self) -> Vec<String> {
        RootedFiles::list(self)
    }
}

/// The result of expanding the includes of one configuration.
#[derive(Debug, Default)]
pub struct Expanded {
    pub includes: Vec<Include>,
    /// Whether some include could not be read: definitions may be missing.
    pub incomplete: bool,
}

struct Expander<'a> {
    reader: &'a dyn IncludeReader,
    limits: &'a Limits,
    problems: &'a mut Vec<Problem>,
    out: Expanded,
    loaded_files: usize,
    listing: Option<Vec<String>>,
}

/// Expands the includes of `config` (the main file's root) and returns the merged root.
pub fn expand(
    config: Val,
    reader: &dyn IncludeReader,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> (Val, Expanded) {
    let mut expander = Expander {
        reader,
        limits,
        problems,
        out: Expanded::default(),
        loaded_files: 0,
        listing: None,
    };
    let mut chain = Vec::new();
    let merged = expander.expand_file(config, &mut chain);
    (merged, expander.out)
}

impl Expander<'_> {
    /// `config` with its includes merged under it; `chain` holds the paths being expanded.
    fn expand_file(&mut self, config: Val, chain: &mut Vec<String>) -> Val {
        let Kind::Map(fields) = config.kind else {
            return config;
        };
        let mut fields = fields.to_vec();
        let Some(index) = fields
            .iter()
            .position(|f| f.key.value.as_ref() == "include")
        else {
            return Val {
                kind: Kind::Map(fields.into()),
                ..config
            };
        };
        let include = fields.remove(index);
        keywords::check_include(&include.value, self.problems);
        let own = Val {
            kind: Kind::Map(fields.into()),
            ..config
        };
        let entries: Vec<Val> = match include.value.kind {
            Kind::Seq(items) => items.to_vec(),
            _ => vec![include.value],
        };
        let mut merged: Option<Val> = None;
        for entry in entries {
            for file in self.entry(&entry, chain) {
                merged = Some(match merged {
                    Some(base) => base.deep_merge(file),
                    None => file,
                });
            }
        }
        match merged {
            Some(base) => base.deep_merge(own),
            None => own,
        }
    }

    /// The loaded (and expanded) files of one entry, each already marked as included.
    fn entry(&mut self, entry: &Val, chain: &mut Vec<String>) -> Vec<Val> {
        let include = parse_entry(entry);
        if let IncludeKind::Local(path) = &include.kind {
            // Listed before the includes of the files it loads.
            let path = path.clone();
            let index = self.out.includes.len();
            self.out.includes.push(include);
            let loaded = self.local(entry, &path, chain);
            if let Some(include) = self.out.includes.get_mut(index) {
                include.loaded = loaded.iter().map(|(p, _)| p.clone()).collect();
            }
            return loaded.into_iter().map(|(_, val)| val).collect();
        }
        let what = match &include.kind {
            IncludeKind::Remote(url) => format!("remote file `{}`", url.value),
            IncludeKind::Project { project, files, .. } => format!(
                "{} of project `{}`",
                files
                    .iter()
                    .map(|f| format!("`{}`", f.value))
                    .collect::<Vec<_>>()
                    .join(", "),
                project.value
            ),
            IncludeKind::Template(name) => format!("template `{}`", name.value),
            IncludeKind::Component(name) => format!("component `{}`", name.value),
            IncludeKind::Local(_) | IncludeKind::Unknown => {
                self.problems.push(
                    Problem::invalid_ci_config(
                        entry.span,
                        "include entry is none of `local`, `remote`, `project`, `template`, `component`",
                    )
                    .with_help("write the entry as a path string or a map with one of those keys"),
                );
                self.out.includes.push(include);
                return Vec::new();
            }
        };
        self.problems.push(
            Problem::unresolved_include(
                entry.span,
                format!("the {what} is not fetched: jobs, variables and `id_tokens` it adds are not checked"),
            )
            .with_help("lint the included file too, or vendor it and include it with `local:`"),
        );
        self.out.incomplete = true;
        self.out.includes.push(include);
        Vec::new()
    }

    /// The files a local include names (one, or every match of a glob), loaded.
    fn local(&mut self, entry: &Val, path: &Text, chain: &mut Vec<String>) -> Vec<(String, Val)> {
        let wanted = path.value.trim_start_matches('/').to_string();
        if wanted.contains('$') {
            self.problems.push(Problem::unresolved_include(
                path.span,
                format!("local include `{}` depends on CI/CD variables and is not read: what it adds is not checked", path.value),
            ));
            self.out.incomplete = true;
            return Vec::new();
        }
        let paths = if is_glob(&wanted) {
            let listing = self.listing.get_or_insert_with(|| self.reader.list());
            let matched: Vec<String> = listing
                .iter()
                .filter(|p| {
                    glob_matches(&wanted, p) && (p.ends_with(".yml") || p.ends_with(".yaml"))
                })
                .cloned()
                .collect();
            if matched.is_empty() {
                self.unreadable(path, &ReadError::Missing);
            }
            matched
        } else {
            vec![wanted]
        };
        let mut out = Vec::new();
        for relative in paths {
            if chain.contains(&relative) {
                // GitLab expands the cycle until it hits its include limit, and fails.
                self.problems.push(Problem::invalid_ci_config(
                    path.span,
                    format!(
                        "`{relative}` includes itself through {}: GitLab rejects the configuration",
                        chain.join(" → ")
                    ),
                ));
                continue;
            }
            if self.loaded_files >= MAX_INCLUDES || chain.len() >= MAX_INCLUDE_DEPTH {
                self.problems.push(Problem::invalid_ci_config(
                    entry.span,
                    format!("too many includes: GitLab allows {MAX_INCLUDES} files, nested at most {MAX_INCLUDE_DEPTH} deep"),
                ));
                break;
            }
            let read = match self.reader.read(&relative) {
                Ok(read) => read,
                Err(error) => {
                    self.unreadable(path, &error);
                    continue;
                }
            };
            self.loaded_files += 1;
            let documents = match header::parse(read.file, &read.text, self.limits) {
                Ok(documents) => documents,
                Err(problem) => {
                    self.problems.push(problem);
                    self.out.incomplete = true;
                    continue;
                }
            };
            let mut config = Val::from_node(&documents.config);
            let spec = documents.spec.as_ref().map(Val::from_node);
            inputs::interpolate(&mut config, spec.as_ref(), entry.get("inputs"));
            if !matches!(config.kind, Kind::Map(_) | Kind::Null) {
                self.problems.push(Problem::invalid_ci_config(
                    config.span,
                    format!(
                        "included file `{relative}` must hold a map of keywords and jobs, found {}",
                        config.type_name()
                    ),
                ));
                continue;
            }
            chain.push(relative.clone());
            let expanded = self.expand_file(config, chain);
            chain.pop();
            let step = Via::Include {
                path: relative.as_str().into(),
                at: entry.span,
            };
            out.push((relative, expanded.through(&step)));
        }
        out
    }

    fn unreadable(&mut self, path: &Text, error: &ReadError) {
        let problem = match error {
            ReadError::Missing => Problem::invalid_ci_config(
                path.span,
                format!("local file `{}` does not exist in the scanned folder", path.value),
            )
            .with_help("GitLab fails the pipeline on a missing include: fix the path (it is relative to the repository root)"),
            ReadError::Outside => Problem::unresolved_include(
                path.span,
                format!("local include `{}` points outside the scanned folder and is not read: what it adds is not checked", path.value),
            )
            .with_help("local includes are relative to the repository root; scan the repository root"),
            ReadError::Unavailable => Problem::unresolved_include(
                path.span,
                format!("local include `{}` is not read in this run: what it adds is not checked", path.value),
            )
            .with_help("lint the whole repository folder so local includes are read"),
            ReadError::Failed(reason) => Problem::unresolved_include(
                path.span,
                format!("local include `{}` can't be read ({reason}): what it adds is not checked", path.value),
            ),
        };
        self.problems.push(problem);
        self.out.incomplete = true;
    }
}

/// Reads one `include:` entry (a string or a map), also those of `trigger:include`.
pub fn parse_entry(entry: &Val) -> Include {
    let text = |key: &str| entry.get(key).and_then(Text::of);
    let kind = match &entry.kind {
        Kind::String(s) if s.starts_with("http://") || s.starts_with("https://") => {
            Text::of(entry).map_or(IncludeKind::Unknown, IncludeKind::Remote)
        }
        Kind::String(_) => Text::of(entry).map_or(IncludeKind::Unknown, IncludeKind::Local),
        Kind::Map(_) => {
            if let Some(local) = text("local") {
                IncludeKind::Local(local)
            } else if let Some(project) = text("project") {
                IncludeKind::Project {
                    project,
                    files: entry.get("file").map(texts).unwrap_or_default(),
                    reference: text("ref"),
                }
            } else if let Some(remote) = text("remote") {
                IncludeKind::Remote(remote)
            } else if let Some(template) = text("template") {
                IncludeKind::Template(template)
            } else if let Some(component) = text("component") {
                IncludeKind::Component(component)
            } else {
                IncludeKind::Unknown
            }
        }
        _ => IncludeKind::Unknown,
    };
    Include {
        span: entry.span,
        via: entry.via.clone(),
        kind,
        rules: entry.get("rules").cloned(),
        loaded: Vec::new(),
    }
}
