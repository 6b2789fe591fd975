//! `trustlint check`: the command line's options as a [`LintRequest`], the run
//! (`trustlint_lint::lint`: discovery, loading, rules, suppressions, filters, masking,
//! fingerprints), then the baseline, the report, the statistics and the exit status.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::time::SystemTime;

use trustlint_lint::fix::FixedFile;
use trustlint_lint::{LintOutcome, LintRequest};
use trustlint_parser::input::InputKind;
use trustlint_report::{Format, HumanStyle, Report};
use trustlint_rules::{Finding, Severity};

use crate::baseline;
use crate::cli::{CheckArgs, FailOn, KindArg, OutputFormat};
use crate::statistics::Statistics;

/// Runs a check; `Ok(true)` when findings at or above `--fail-on` remain (with `--diff`:
/// when there is a fix to show).
pub fn run(args: &CheckArgs) -> Result<bool, String> {
    let started = SystemTime::now();
    if args.fix || args.diff {
        let fixed = fix(args)?;
        if args.diff {
            return Ok(!fixed.is_empty());
        }
    }
    let outcome = trustlint_lint::lint(&request(args)).map_err(|error| error.0)?;
    let mut report = Report {
        findings: &outcome.findings,
        fingerprints: &outcome.fingerprints,
        sources: &outcome.sources,
        files_checked: outcome.files_checked,
        started,
    };
    let new_findings = apply_baseline(args, &report)?;
    if let Some((findings, fingerprints)) = &new_findings {
        report.findings = findings;
        report.fingerprints = fingerprints;
    }
    write_report(args, &report)?;
    if args.statistics {
        let statistics = Statistics::new(&outcome.tally, report.findings);
        write_statistics(args, &statistics)?;
    }
    let fails = args.write_baseline.is_none() && fails(args.fail_on, report.findings);
    // The process ends soon: freeing every loaded document one allocation at a time
    // would only cost time (about 5 % of a run on many pipelines).
    let LintOutcome { workspaces, .. } = outcome;
    std::mem::forget(workspaces);
    Ok(fails)
}

/// `--fix` and `--diff`: the fixes of the findings (those not in the `--baseline`),
/// written to the files or printed as a unified diff.
fn fix(args: &CheckArgs) -> Result<Vec<FixedFile>, String> {
    if args
        .paths
        .iter()
        .any(|path| path.as_os_str() == trustlint_lint::STDIN)
    {
        return Err("--fix and --diff need files: standard input (`-`) has none to write".into());
    }
    let known = match &args.baseline {
        Some(path) => baseline::load(path)?,
        None => Default::default(),
    };
    let select = |_: &Finding, fingerprint: &str| !known.contains(fingerprint);
    let fixed = trustlint_lint::fix::fix(&request(args), args.unsafe_fixes, &select)
        .map_err(|error| error.0)?;
    if args.diff {
        let mut out = io::stdout().lock();
        for file in &fixed {
            let path = file.path.display().to_string();
            let diff = similar::TextDiff::from_lines(&file.before, &file.after);
            let text = diff
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{path}"), &format!("b/{path}"))
                .to_string();
            if let Err(e) = out.write_all(text.as_bytes()) {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    break;
                }
                return Err(format!("cannot write the diff: {e}"));
            }
        }
        return Ok(fixed);
    }
    for file in &fixed {
        fs::write(&file.path, &file.after)
            .map_err(|e| format!("cannot write {}: {e}", file.path.display()))?;
    }
    let count: usize = fixed.iter().map(|file| file.fixes.len()).sum();
    if count > 0 && !args.quiet {
        let files = fixed.len();
        eprintln!(
            "trustlint: applied {count} fix{} in {files} file{}",
            if count == 1 { "" } else { "es" },
            if files == 1 { "" } else { "s" }
        );
    }
    Ok(fixed)
}

/// The run the options ask for.
pub fn request(args: &CheckArgs) -> LintRequest {
    LintRequest {
        paths: args.paths.clone(),
        texts: Default::default(),
        config: args.config.clone(),
        kind: args.kind.map(|kind| match kind {
            KindArg::GitlabCi => InputKind::GitlabCi,
            KindArg::IamPolicy => InputKind::IamPolicy,
            KindArg::Cloudformation => InputKind::CloudFormation,
            KindArg::Terraform => InputKind::Terraform,
            KindArg::Script => InputKind::Script,
        }),
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        gitlab_host: args.gitlab_host.clone(),
        gitlab_project: args.gitlab_project.clone(),
        jobs: args.jobs,
    }
}

/// Findings and their fingerprints, in order.
type Fingerprinted = (Vec<Finding>, Vec<String>);

/// Writes the baseline (`--write-baseline`) and, with `--baseline`, returns the findings
/// it does not hold, with their fingerprints.
fn apply_baseline(args: &CheckArgs, report: &Report<'_>) -> Result<Option<Fingerprinted>, String> {
    if let Some(path) = &args.write_baseline {
        baseline::write(path, report.findings, report.fingerprints, report.sources)?;
    }
    let Some(path) = &args.baseline else {
        return Ok(None);
    };
    let known = baseline::load(path)?;
    Ok(Some(
        report
            .findings
            .iter()
            .zip(report.fingerprints)
            .filter(|(_, print)| !known.contains(*print))
            .map(|(finding, print)| (finding.clone(), print.clone()))
            .unzip(),
    ))
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
            match trustlint_report::write(report, format, style, &mut out)
                .and_then(|()| out.flush())
            {
                // The reader has gone (`trustlint check | head`): nothing left to say.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                written => written.map_err(|e| format!("cannot write the report: {e}")),
            }
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
