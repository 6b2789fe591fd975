//! `trustlint check`: configuration → discovery → parallel loading → rules → inline
//! suppressions → filters → baseline → report → exit status.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use trustlint_parser::gitlab::{IncludeReader, LocalFiles};
use trustlint_parser::input::{self, Discovery, Document, InputKind, Workspace};
use trustlint_parser::limits::{grew_past_message, read_at_most};
use trustlint_parser::{iac, yaml};
use trustlint_parser::{FileId, Limits, Problem, SourceFile, Span};
use trustlint_report::{Format, HumanStyle, Report};
use trustlint_rules::{engine, registry, Context, Finding, Rule, Settings, Severity};

use crate::cli::{CheckArgs, FailOn, KindArg, OutputFormat};
use crate::config::{self, Config};
use crate::discover::{self, CiFiles};
use crate::exclude::Exclude;
use crate::filter::Filter;
use crate::statistics::Statistics;
use crate::{baseline, selector, settings, suppress};

/// Runs a check; `Ok(true)` when findings at or above `--fail-on` remain.
pub fn run(args: &CheckArgs) -> Result<bool, String> {
    let started = SystemTime::now();
    let (config, settings, workspace) = load(args)?;
    let filter = Filter::new(args, &config)?;
    // Rules that find secrets run even when disabled: their findings mask the secrets.
    let rules: Vec<&dyn Rule> = registry::all()
        .iter()
        .copied()
        .filter(|rule| filter.rule_enabled(rule.meta().code) || rule.finds_secrets())
        .collect();
    let cx = Context::new(&workspace, &settings);
    let found = engine::run(&rules, &cx);
    // Secrets are masked with every finding's, also those suppressed or baselined below.
    let sources = trustlint_report::mask_secrets(&found, &workspace.sources);
    let found: Vec<Finding> = found
        .into_iter()
        .filter(|finding| filter.rule_enabled(finding.code()))
        .collect();
    let mut statistics = Statistics::default();
    statistics.found(&found);
    let findings = suppress::apply(found, &workspace, &|code| filter.rule_enabled(code));
    statistics.unsuppressed(&findings);
    let findings: Vec<Finding> = filter.apply(findings, &workspace.sources);
    statistics.unignored(&findings);
    let mut report = Report {
        findings: &findings,
        sources: &sources,
        files_checked: workspace.documents.len(),
        started,
    };
    let new_findings = apply_baseline(args, &report)?;
    if let Some(new_findings) = &new_findings {
        report.findings = new_findings;
    }
    write_report(args, &report)?;
    if args.statistics {
        statistics.reported(report.findings);
        write_statistics(args, &statistics)?;
    }
    let failed = args.write_baseline.is_none() && fails(args.fail_on, report.findings);
    // The process ends next: freeing every loaded document one allocation at a time
    // would only cost time (about 5 % of a run on many pipelines).
    drop(cx);
    std::mem::forget(workspace);
    Ok(failed)
}

/// Loads what a run checks: the configuration, the rules' settings, and every file found
/// under the paths (with the `[[roles]]` files), read and parsed.
pub fn load(args: &CheckArgs) -> Result<(Config, Settings, Workspace), String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current folder: {e}"))?;
    let config = match config::find(args.config.as_deref(), &cwd)? {
        Some(path) => config::load(&path)?,
        None => Config::default(),
    };
    for selector in args.select.iter().chain(&args.ignore) {
        selector::codes(selector)?;
    }
    let mut settings = settings::resolve(args, &config);
    // The workers parse YAML on their own stack (0 threads: one per core). Building the
    // pool fails only when one already exists, which is harmless.
    let threads = args.jobs.unwrap_or(0);
    let stack = yaml::parser_stack_bytes(&Limits::default());
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(stack)
        .start_handler(move |_| yaml::declare_thread_stack(stack))
        .build_global();
    let ci_files = CiFiles::new(&config.gitlab.ci_files, &config.base_dir)?;
    let forced = args.kind.map(|kind| match kind {
        KindArg::GitlabCi => InputKind::GitlabCi,
        KindArg::IamPolicy => InputKind::IamPolicy,
        KindArg::Cloudformation => InputKind::CloudFormation,
        KindArg::Terraform => InputKind::Terraform,
    });
    let mut candidates = discover::discover(&args.paths, forced, &ci_files, threads)?;
    Exclude::new(&config)?.retain(&mut candidates, &config.base_dir);
    add_bound_files(&mut candidates, &settings);
    let workspace = load_all(&candidates, &args.paths);
    bind_role_files(&mut settings, &workspace);
    Ok((config, settings, workspace))
}

/// Writes the baseline (`--write-baseline`) and, with `--baseline`, returns the findings
/// it does not hold.
fn apply_baseline(args: &CheckArgs, report: &Report<'_>) -> Result<Option<Vec<Finding>>, String> {
    if args.write_baseline.is_none() && args.baseline.is_none() {
        return Ok(None);
    }
    let prints = trustlint_report::fingerprints(report);
    if let Some(path) = &args.write_baseline {
        baseline::write(path, report.findings, &prints, report.sources)?;
    }
    let Some(path) = &args.baseline else {
        return Ok(None);
    };
    let known = baseline::load(path)?;
    Ok(Some(
        report
            .findings
            .iter()
            .zip(&prints)
            .filter(|(_, print)| !known.contains(*print))
            .map(|(finding, _)| finding.clone())
            .collect(),
    ))
}

/// Adds the `[[roles]]` policy files the scan did not reach, so a job's role is checked
/// even when only the pipeline is named on the command line.
fn add_bound_files(candidates: &mut Vec<discover::Candidate>, settings: &Settings) {
    if settings.roles.is_empty() {
        return;
    }
    let scanned: HashSet<PathBuf> = candidates
        .iter()
        .filter_map(|c| fs::canonicalize(&c.path).ok())
        .collect();
    let bound = settings
        .roles
        .iter()
        .flat_map(|role| role.trust.iter().chain(&role.permissions));
    for path in bound {
        match fs::canonicalize(path) {
            Ok(canonical) if !scanned.contains(&canonical) && canonical.is_file() => {
                candidates.push(discover::Candidate {
                    path: path.clone(),
                    discovery: Discovery::Named,
                    kind: None,
                });
            }
            _ => {}
        }
    }
    candidates.sort();
    candidates.dedup_by(|later, earlier| later.path == earlier.path);
}

/// Tells every `[[roles]]` binding which workspace files hold its policies.
fn bind_role_files(settings: &mut Settings, workspace: &Workspace) {
    if settings.roles.is_empty() {
        return;
    }
    let ids: HashMap<PathBuf, FileId> = workspace
        .sources
        .files()
        .iter()
        .filter_map(|file| Some((fs::canonicalize(&file.path).ok()?, file.id)))
        .collect();
    let id_of = |path: &PathBuf| {
        fs::canonicalize(path)
            .ok()
            .and_then(|c| ids.get(&c).copied())
    };
    for role in &mut settings.roles {
        role.trust_file = role.trust.as_ref().and_then(id_of);
        role.permission_files = role.permissions.iter().filter_map(id_of).collect();
    }
}

/// Reads and loads every candidate in parallel; file ids follow the sorted paths so the
/// output order is deterministic. Skipped files keep their id with an empty text.
/// Files reached by local GitLab CI `include:`s, and the sibling `*.tf` files of a
/// Terraform module, are read inside the scanned path they were found under and get the
/// ids after the candidates' (a Terraform candidate read as a sibling keeps its own id).
fn load_all(candidates: &[discover::Candidate], scanned: &[PathBuf]) -> Workspace {
    let limits = Limits::default();
    let first_included = FileId(u32::try_from(candidates.len()).unwrap_or(u32::MAX));
    // A Terraform file's sibling `*.tf` files (its module) that are candidates too keep
    // their own ids: the run always keeps their text.
    let terraform_files = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| iac::is_terraform_name(&c.path))
        .map(|(index, c)| {
            (
                c.path.clone(),
                FileId(u32::try_from(index).unwrap_or(u32::MAX)),
            )
        });
    let included =
        LocalFiles::new(first_included, limits.max_file_bytes).with_run_files(terraform_files);
    let scanned_folders: Vec<&PathBuf> = scanned.iter().filter(|root| root.is_dir()).collect();
    let cwd = std::env::current_dir().unwrap_or_default();
    let loaded: Vec<(SourceFile, Option<Document>)> = candidates
        .par_iter()
        .enumerate()
        .map(|(index, candidate)| {
            let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            let root = display_path(&cwd, &scan_root(&scanned_folders, &candidate.path));
            let file = display_path(&cwd, &candidate.path);
            load_one(id, file, candidate, &limits, &included.rooted(&root))
        })
        .collect();
    let mut workspace = Workspace::default();
    for (file, document) in loaded {
        match document {
            Some(document) => {
                workspace.documents.push(document);
                workspace.sources.push(file);
            }
            None => {
                workspace
                    .sources
                    .push(SourceFile::new(file.id, file.path, ""));
            }
        }
    }
    for file in included.into_sources() {
        workspace.sources.push(file);
    }
    workspace
}

/// The scanned path a candidate was found under (the folder named on the command line,
/// or a named file's folder): local includes are resolved inside it only.
fn scan_root(scanned_folders: &[&PathBuf], path: &Path) -> PathBuf {
    scanned_folders
        .iter()
        .filter(|root| path.starts_with(root))
        .max_by_key(|root| root.components().count())
        .map(|root| root.to_path_buf())
        .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default())
}

/// Reads and loads one candidate, shown in reports as `path`.
fn load_one(
    id: FileId,
    path: PathBuf,
    candidate: &discover::Candidate,
    limits: &Limits,
    includes: &dyn IncludeReader,
) -> (SourceFile, Option<Document>) {
    let (text, problem) = match read_limited(id, &candidate.path, limits) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(error) => {
                let at = error.utf8_error().valid_up_to();
                let problem = Problem::parse(Span::new(id, at, at + 1), "file is not valid UTF-8");
                (
                    String::from_utf8_lossy(error.as_bytes()).into_owned(),
                    Some(problem),
                )
            }
        },
        Err(problem) => (read_head(&candidate.path), Some(problem)),
    };
    let file = SourceFile::new(id, path, text);
    let document = match problem {
        Some(problem) => input::unreadable(&file, candidate.kind, candidate.discovery, problem),
        None => input::load_with(&file, candidate.kind, candidate.discovery, limits, includes),
    };
    (file, document)
}

/// Reads a file, refusing one over the size limit before reading it (the same TL001 the
/// loaders give for text over the limit). The size is taken from the opened file, and
/// the read stops one byte past the limit: a file that grew after its size was taken is
/// refused too, never read whole.
fn read_limited(id: FileId, path: &Path, limits: &Limits) -> Result<Vec<u8>, Problem> {
    let unreadable =
        |e: std::io::Error| Problem::parse(Span::new(id, 0, 0), format!("cannot read file: {e}"));
    let file = fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    limits.check_size(id, usize::try_from(size).unwrap_or(usize::MAX))?;
    read_at_most(file, size, limits.max_file_bytes)
        .map_err(unreadable)?
        .ok_or_else(|| {
            Problem::parse(
                Span::new(id, 0, 0),
                grew_past_message(limits.max_file_bytes),
            )
        })
}

/// Bytes read from the start of a file that is not read whole (over the size limit).
const HEAD_BYTES: u64 = 64 * 1024;

/// The start of a file that is not read whole, so that a walked file over the size limit
/// still shows by its raw text whether it was meant to be checked (and gets its TL001).
fn read_head(path: &Path) -> String {
    let mut head = Vec::new();
    if let Ok(file) = fs::File::open(path) {
        // A read error leaves what was read: the text only decides whether to report.
        let _ = file.take(HEAD_BYTES).read_to_end(&mut head);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The path as reports print it: relative to the current folder `cwd` when below it.
fn display_path(cwd: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix(cwd) {
        Ok(relative) => relative.to_path_buf(),
        Err(_) => path.strip_prefix("./").unwrap_or(path).to_path_buf(),
    }
}

fn write_report(args: &CheckArgs, report: &Report<'_>) -> Result<(), String> {
    let format = match args.format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Codequality => Format::CodeQuality,
        OutputFormat::GitlabSast => Format::GitlabSast,
    };
    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let style = HumanStyle {
        color: args.color(to_terminal),
        quiet: args.quiet,
    };
    let result = match &args.output {
        Some(path) => fs::File::create(path)
            .and_then(|file| {
                let mut out = io::BufWriter::new(file);
                trustlint_report::write(report, format, style, &mut out)?;
                out.flush()
            })
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            trustlint_report::write(report, format, style, &mut out)
                .and_then(|()| out.flush())
                .map_err(|e| format!("cannot write the report: {e}"))
        }
    };
    result
}

/// Statistics follow a human report on standard output; they go to standard error when
/// standard output holds a machine-readable report (or nothing, with `--output`).
fn write_statistics(args: &CheckArgs, statistics: &Statistics) -> Result<(), String> {
    let result = if args.output.is_none() && args.format == OutputFormat::Human {
        statistics.write(&mut io::stdout().lock())
    } else {
        statistics.write(&mut io::stderr().lock())
    };
    result.map_err(|e| format!("cannot write the statistics: {e}"))
}

fn fails(fail_on: FailOn, findings: &[Finding]) -> bool {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Note => Severity::Note,
        FailOn::Never => return false,
    };
    findings.iter().any(|f| f.severity >= threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited_to(max_file_bytes: usize) -> Limits {
        Limits {
            max_file_bytes,
            ..Limits::default()
        }
    }

    #[test]
    fn a_file_at_the_size_limit_is_read_and_one_byte_over_is_refused() {
        let file = std::env::temp_dir().join(format!("trustlint-read-{}", std::process::id()));
        fs::write(&file, "0123456789").ok();
        let at_limit = read_limited(FileId(0), &file, &limited_to(10));
        let over = read_limited(FileId(0), &file, &limited_to(9));
        fs::remove_file(&file).ok();
        assert_eq!(at_limit.ok().as_deref(), Some(&b"0123456789"[..]));
        let refused = over.err().map(|problem| problem.message);
        assert_eq!(
            refused.as_deref(),
            Some("file is 10 bytes, over the limit of 9 bytes")
        );
    }

    /// A file whose size says less than it holds (as a file growing while it is read
    /// does) is read no further than one byte past the limit, and refused.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_longer_than_its_size_said_is_refused_past_the_limit() {
        // Files under /proc say they are empty and hold text.
        let status = Path::new("/proc/self/status");
        let refused = read_limited(FileId(0), status, &limited_to(100)).err();
        assert_eq!(
            refused.map(|problem| problem.message).as_deref(),
            Some(
                "file holds more than the limit of 100 bytes (more than its size said when it was opened)"
            )
        );
        let whole = read_limited(FileId(0), status, &limited_to(1 << 20));
        assert!(whole.is_ok_and(|bytes| bytes.len() > 100));
        // An endless one is not read whole either.
        let endless = read_limited(FileId(0), Path::new("/dev/zero"), &limited_to(100));
        assert!(endless.is_err());
    }
}
