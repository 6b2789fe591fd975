//! trustlint-lint: the lint pipeline behind one call, [`lint`]. The command line, the fuzz
//! targets, the benchmarks and a language server all run it; they only choose what to
//! read ([`LintRequest`]) and what to do with the [`LintOutcome`] (print, compare with a
//! baseline, publish diagnostics).
//!
//! A run, in order, each step once:
//! - `discover`: the candidate files under the paths (parallel walk, `.gitignore`
//!   honoured; `-` is standard input; texts given in memory replace named files);
//! - `scope`: each file's configuration (`config`: the nearest `trustlint.toml` upward,
//!   or `--config`) with its `exclude` (`exclude`), `[gitlab] ci-files` (`ci_files`) and
//!   filters (`filter`, rule selectors in `selector`), and its repository root; the run
//!   is split into parts, one per configuration;
//! - `load`: per part, the rules' settings resolved (`settings`, the project also from
//!   the git remote, `git_remote`), then the files read and parsed in parallel; each
//!   self-contained pipeline is checked by the rules that read only it as soon as it is
//!   loaded, and keeps of its model only what the rules that join files read (`own`);
//! - per part: the rules (`own::run_part`: the other documents' own rules, then the
//!   joining rules over the whole workspace), the secret spans of all their findings
//!   kept, the rules not enabled dropped, the inline suppressions and TL005
//!   (`engine::suppress`), then severity overrides and `[[ignore]]` paths (`filter`);
//! - over the whole run: the secrets masked in one pass over the files (`mask`), then one
//!   fingerprint per finding (`fingerprint`).
//!
//! `session` runs the same pipeline again and again, loading and checking again only
//! what changed since its last run (the language server's full runs).
//!
//! `fix` applies the findings' fixes to the files' texts, each file checked again with
//! another run (`trustlint check --fix`, `--diff`).
//!
//! Baselines and output formats are the caller's: the outcome's findings, masked sources
//! and fingerprints are what they read.

mod ci_files;
pub mod config;
mod discover;
mod exclude;
mod filter;
pub mod fingerprint;
pub mod fix;
mod git_remote;
mod load;
pub mod mask;
mod own;
mod request;
mod scope;
pub mod selector;
mod session;
mod settings;
pub mod tally;

use std::sync::Arc;
use trustlint_parser::input::{InputKind, Workspace};
use trustlint_parser::{SourceMap, Span};

use trustlint_rules::{engine, registry, Context, DocumentMemo, Finding, Rule};

pub use discover::STDIN;
pub use load::{load, Loaded};
pub use own::{joins_files, JOINING_DOMAINS};
pub use request::{LintError, LintRequest};
pub use session::Session;
pub use tally::Tally;

/// What a run found.
#[derive(Debug, Default)]
pub struct LintOutcome {
    /// The findings left after suppressions and filters, in report order (file, offset,
    /// code) within each part, the parts in the order of their files.
    pub findings: Vec<Finding>,
    /// One fingerprint per finding, in the same order.
    pub fingerprints: Vec<String>,
    /// Every file of the run (ids as the findings use them), with the secret values any
    /// rule found (also in findings left out) masked.
    pub sources: SourceMap,
    /// Files read as one of the kinds.
    pub files_checked: usize,
    /// Findings per rule after each step, for `--statistics`.
    pub tally: Tally,
    /// The loaded parts of the run, their documents and unmasked files. Freeing them one
    /// allocation at a time takes a while (about 5 % of a run on many pipelines): a
    /// process about to exit may leave them to the system (`std::mem::forget`).
    pub workspaces: Vec<Workspace>,
}

/// Runs the whole pipeline on what `request` names (see the crate's documentation).
pub fn lint(request: &LintRequest) -> Result<LintOutcome, LintError> {
    check(
        load::load_checking(request)?,
        Vec::new(),
        &mut own::run_part,
    )
}

/// How the rules of a part are run: [`own::run_part`], with the own findings of the
/// documents checked as they were loaded (by document index), or a session's run that
/// keeps the findings of documents that did not change.
type RunRules<'r> =
    dyn FnMut(&[&dyn Rule], &Context<'_>, Vec<Option<own::OwnFindings>>) -> Vec<Finding> + 'r;

/// The rules a part runs under `filter`: those it enables, and those that find secrets
/// (their findings mask the secrets even when the rule is disabled).
fn rules_run(filter: &filter::Filter) -> Vec<&'static dyn Rule> {
    registry::all()
        .iter()
        .copied()
        .filter(|rule| filter.rule_enabled(rule.meta().code) || rule.finds_secrets())
        .collect()
}

/// Checks the loaded parts of a run, their rules run by `run_rules`, with what a session
/// keeps of each part's documents between runs (`memos`, by part: none for `lint`).
fn check(
    parts: Vec<Loaded>,
    memos: Vec<Vec<Arc<DocumentMemo>>>,
    run_rules: &mut RunRules<'_>,
) -> Result<LintOutcome, LintError> {
    let mut outcome = LintOutcome::default();
    let mut secrets = Vec::new();
    let mut memos = memos.into_iter();
    for part in parts {
        let memos = memos.next().unwrap_or_default();
        check_part(part, &memos, &mut outcome, &mut secrets, run_rules)?;
    }
    outcome.sources = mask::mask(std::mem::take(&mut outcome.sources), &secrets);
    outcome.fingerprints = fingerprint::fingerprints(&outcome.findings, &outcome.sources);
    Ok(outcome)
}

/// Checks one loaded part, adding its files and findings to `outcome` and the secret
/// spans of every finding of its rules to `secrets`.
fn check_part(
    part: Loaded,
    memos: &[Arc<DocumentMemo>],
    outcome: &mut LintOutcome,
    secrets: &mut Vec<Span>,
    run_rules: &mut RunRules<'_>,
) -> Result<(), LintError> {
    let Loaded {
        configured,
        settings,
        workspace,
        early,
    } = part;
    let filter = &configured.filter;
    let enabled: Vec<&dyn Rule> = registry::all()
        .iter()
        .copied()
        .filter(|rule| filter.rule_enabled(rule.meta().code))
        .collect();
    let rules = rules_run(filter);
    // The documents checked as they were loaded bring their findings and memos (a
    // session's loads check nothing early: it gives the memos).
    let (found_early, memos): (Vec<Option<own::OwnFindings>>, Vec<Arc<DocumentMemo>>) =
        if early.is_empty() {
            (Vec::new(), memos.to_vec())
        } else {
            early
                .into_iter()
                .map(|checked| match checked {
                    Some(checked) => (Some(checked.own), checked.memo),
                    None => (None, Arc::default()),
                })
                .unzip()
        };
    let cx = Context::new(&workspace, &settings).with_memos(&memos);
    let found = run_rules(&rules, &cx, found_early);
    // Secrets are masked with every finding's, also those suppressed or filtered below.
    secrets.extend(
        found
            .iter()
            .flat_map(|finding| finding.secrets.iter().copied()),
    );
    let found: Vec<Finding> = found
        .into_iter()
        .filter(|finding| filter.rule_enabled(finding.code()))
        .collect();
    tally::add(&mut outcome.tally.found, &found);
    let findings = engine::suppress(&enabled, &cx, found);
    // The run's analyses are let go before the findings are filtered and gathered.
    drop(cx);
    tally::add(&mut outcome.tally.unsuppressed, &findings);
    let findings = filter.apply(findings, &workspace.sources);
    tally::add(&mut outcome.tally.unignored, &findings);
    if outcome.findings.is_empty() {
        outcome.findings = findings;
    } else {
        outcome.findings.extend(findings);
    }
    outcome.files_checked += workspace
        .documents
        .iter()
        .filter(|document| document.kind != InputKind::Unrecognised)
        .count();
    if outcome.sources.next_id() != workspace.sources.first_id() {
        return Err(LintError(
            "internal error: the parts of the run numbered their files apart".to_string(),
        ));
    }
    for file in workspace.sources.files() {
        outcome.sources.push(file.clone());
    }
    outcome.workspaces.push(workspace);
    Ok(())
}
