//! The rules that read only the document they check (every rule outside the domains that
//! join files, [`JOINING_DOMAINS`]), and how a part's documents are checked when the
//! findings of some documents' own rules are known already:
//! - a session keeps them between runs (`crate::session`);
//! - a run checks each self-contained pipeline as soon as it is loaded ([`Early`]), then
//!   keeps of its model only what the joining rules read
//!   ([`trustlint_rules::slim::keep_what_joins`]): a scan of many pipelines no longer
//!   holds every pipeline's whole model until the end.

use std::sync::Arc;

use trustlint_parser::input::{Content, Document, Workspace};
use trustlint_parser::{SourceFile, SourceMap};
use trustlint_rules::{engine, meta, slim, Context, DocumentMemo, Finding, Rule, Settings};

/// The domains of the rules that join files: their hooks read several documents (a
/// pipeline with the trusts, providers and roles it uses), so they run over every
/// document of the run, after all are loaded. A test checks that every rule with a
/// workspace hook is in one of them, and that the other rules read no other document but
/// through the context's accessors that say so.
pub const JOINING_DOMAINS: &[&str] = &["cross", "gcp", "vault", "azure"];

/// Whether the rule of `code` joins files (an unknown code does).
pub fn joins_files(code: &str) -> bool {
    meta::by_code(code).is_none_or(|rule| JOINING_DOMAINS.contains(&rule.domain))
}

/// Runs the `own` rules on `document` (`cx` its context), adding their findings to `out`,
/// and returns the codes of those whose hooks read across on it: their findings depend
/// on other documents too.
pub(crate) fn check_own(
    own: &[&dyn Rule],
    cx: &Context<'_>,
    document: &Document,
    out: &mut Vec<Finding>,
) -> Vec<&'static str> {
    let mut across = Vec::new();
    for rule in own {
        cx.take_read_across();
        engine::check_document(*rule, cx, document, out);
        if cx.take_read_across() {
            across.push(rule.meta().code);
        }
    }
    across
}

/// How the own rules of a document run on it, or what is known of them: given the
/// document's index in the workspace, the document, its context and the own rules, it
/// adds their findings to the last argument and returns what the caller keeps.
pub(crate) type OwnCheck<'f, T> =
    dyn Fn(usize, &Document, &Context<'_>, &[&dyn Rule], &mut Vec<Finding>) -> T + Sync + 'f;

/// `rules` split into those that read only their document and those that join files.
fn split<'r>(rules: &[&'r dyn Rule]) -> (Vec<&'r dyn Rule>, Vec<&'r dyn Rule>) {
    rules
        .iter()
        .copied()
        .partition(|rule| !joins_files(rule.meta().code))
}

/// Checks every document of `cx`'s workspace with `rules`: on each, `own` for the rules
/// that read only the document, then the document hooks of the joining rules; meanwhile
/// every rule's workspace hook runs ([`engine::check_each`]). Returns each document's
/// findings with what `own` returned for it, in workspace order, and the workspace hooks'
/// findings.
pub(crate) fn check_documents<T: Send>(
    rules: &[&dyn Rule],
    cx: &Context<'_>,
    own: &OwnCheck<'_, T>,
) -> (Vec<(Vec<Finding>, T)>, Vec<Finding>) {
    let (mine, joining) = split(rules);
    let check = |index: usize, document: &Document, dcx: &Context<'_>| {
        let mut out = Vec::new();
        let kept = own(index, document, dcx, &mine, &mut out);
        for rule in &joining {
            engine::check_document(*rule, dcx, document, &mut out);
        }
        (out, kept)
    };
    engine::check_each(rules, cx, engine::is_parallel(cx), &check)
}

/// Runs `rules` on a part whose documents' own findings `early` gives when they were
/// found as the document was loaded (by document index; `None`: not checked yet), and
/// returns all findings in report order.
pub(crate) fn run_part(
    rules: &[&dyn Rule],
    cx: &Context<'_>,
    early: Vec<Option<OwnFindings>>,
) -> Vec<Finding> {
    let own = |index: usize,
               document: &Document,
               dcx: &Context<'_>,
               own: &[&dyn Rule],
               out: &mut Vec<Finding>| {
        let across = early.get(index).and_then(Option::as_ref).map(|e| &e.across);
        for rule in own {
            if across.is_none_or(|across| across.contains(&rule.meta().code)) {
                engine::check_document(*rule, dcx, document, out);
            }
        }
    };
    let (documents, across) = check_documents(rules, cx, &own);
    // Gathered into room for all at once: a run with many findings never holds two
    // growing copies of them.
    let count = early
        .iter()
        .flatten()
        .map(|early| early.findings.len())
        .sum::<usize>()
        + documents
            .iter()
            .map(|(findings, ())| findings.len())
            .sum::<usize>()
        + across.len();
    let mut found = Vec::with_capacity(count);
    found.extend(early.into_iter().flatten().flat_map(|early| early.findings));
    for (findings, ()) in documents {
        found.extend(findings);
    }
    found.extend(across);
    engine::finish(found, cx)
}

/// The own rules of a part, run on each self-contained pipeline (one whose includes read
/// no file) as soon as it is loaded, alone: when none of them reads another document,
/// their findings are final and the pipeline's memo holds what the joining rules read of
/// its scripts ([`Context::remember`]), so the model keeps only what those rules read.
pub(crate) struct Early<'r> {
    own: Vec<&'r dyn Rule>,
    /// Whether the part runs a joining rule (else nothing reads the memo).
    joins: bool,
    settings: &'r Settings,
}

/// What the own rules of a document found.
#[derive(Debug)]
pub(crate) struct OwnFindings {
    /// The findings of those that read nothing across.
    pub findings: Vec<Finding>,
    /// The codes of those that read across: they run again with the whole workspace.
    pub across: Vec<&'static str>,
}

/// A document checked by [`Early`]: its own rules' findings, and its memo.
#[derive(Debug)]
pub(crate) struct Checked {
    pub own: OwnFindings,
    pub memo: Arc<DocumentMemo>,
}

impl<'r> Early<'r> {
    /// The own rules among `rules` (the rules the part runs), with the part's settings.
    /// They must be final: the memos are kept for the predefined variables they were
    /// derived with, and a pipeline let go can't be read again (a part whose settings
    /// change after loading, by `[[roles]]`, is not checked early: `load_part`).
    pub fn new(rules: &[&'r dyn Rule], settings: &'r Settings) -> Early<'r> {
        let (own, joining) = split(rules);
        Early {
            own,
            joins: !joining.is_empty(),
            settings,
        }
    }

    /// Checks `document`, loaded from `file`, when it is a self-contained pipeline: what
    /// its own rules found, and its memo. When none of them read across, the document
    /// then keeps only what joins; else it stays whole for those that did.
    pub fn check(&self, file: &SourceFile, document: &mut Document) -> Option<Checked> {
        let Content::GitlabCi(pipeline) = &document.content else {
            return None;
        };
        // Its values are all its own file's: no include read another file (remote,
        // project, template and component includes are never read).
        if pipeline
            .includes
            .iter()
            .any(|include| !include.loaded.is_empty())
        {
            return None;
        }
        let placeholder = Document {
            file: document.file,
            kind: document.kind,
            content: Content::Unparsed,
            problems: Vec::new(),
        };
        let mut alone = Workspace {
            sources: SourceMap::starting_at(file.id),
            documents: vec![std::mem::replace(document, placeholder)],
        };
        alone.sources.push(file.clone());
        let memo = Arc::new(DocumentMemo::default());
        let (own, read) = self.check_alone(&alone, &memo);
        if let Some(mut whole) = alone.documents.pop() {
            if let (true, Some(read), Content::GitlabCi(pipeline)) =
                (own.across.is_empty(), read, &mut whole.content)
            {
                slim::keep_what_joins(pipeline, &read);
            }
            *document = whole;
        }
        Some(Checked { own, memo })
    }

    /// What the own rules find on the only document of `alone`, with which of its jobs
    /// the joining rules read, their memo derived into `memo` ([`Context::remember`]; none
    /// when the part runs no joining rule; `None` when nothing could be kept).
    fn check_alone(
        &self,
        alone: &Workspace,
        memo: &Arc<DocumentMemo>,
    ) -> (OwnFindings, Option<Vec<bool>>) {
        let memos = [Arc::clone(memo)];
        let cx = Context::new(alone, self.settings).with_memos(&memos);
        let mut findings = Vec::new();
        let Some(document) = alone.documents.first() else {
            let across = Vec::new();
            return (OwnFindings { findings, across }, None);
        };
        let dcx = cx.for_document(document);
        let across = check_own(&self.own, &dcx, document, &mut findings);
        findings.retain(|finding| !across.contains(&finding.code()));
        let read = match self.joins {
            true => dcx.remember(document),
            false => Some(Vec::new()),
        };
        (OwnFindings { findings, across }, read)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::{Path, PathBuf};

    use super::*;
    use crate::load::{load, load_checking};
    use crate::{check, LintRequest};

    /// A run's findings as text, and how many pipelines it checked as loaded and let go.
    fn run(path: &Path, early: bool) -> (Vec<String>, usize) {
        let request = LintRequest {
            paths: vec![path.to_path_buf()],
            ..LintRequest::default()
        };
        let parts = match early {
            true => load_checking(&request).unwrap(),
            false => load(&request).unwrap(),
        };
        let slimmed = parts
            .iter()
            .flat_map(|part| part.early.iter().flatten())
            .filter(|checked| checked.own.across.is_empty())
            .count();
        // The whole run as `lint` ran before pipelines were checked as loaded.
        let outcome = match early {
            true => check(parts, Vec::new(), &mut run_part),
            false => check(parts, Vec::new(), &mut |rules, cx, _| {
                engine::run(rules, cx)
            }),
        };
        let outcome = outcome.unwrap();
        // Included files are numbered as they are first read: a span is shown by path.
        let place = |span: trustlint_parser::Span| {
            let path = outcome.sources.get(span.file).map(|f| f.display_path());
            format!("{path:?}:{}-{}", span.start, span.end)
        };
        let mut findings: Vec<String> = outcome
            .findings
            .iter()
            .map(|finding| {
                let related: Vec<_> = (finding.related.iter())
                    .map(|r| (place(r.span), &r.message))
                    .collect();
                let secrets: Vec<_> = finding.secrets.iter().map(|&s| place(s)).collect();
                let fix = finding.fix.as_ref().map(|fix| {
                    let edits: Vec<_> = (fix.edits.iter())
                        .map(|edit| (place(edit.span), &edit.replacement))
                        .collect();
                    (&fix.description, fix.applicability, edits)
                });
                let shown = (finding.code(), finding.severity, place(finding.primary));
                let text = (&finding.message, &finding.help, related, fix, secrets);
                format!("{shown:?} {text:?}")
            })
            .collect();
        findings.sort();
        (findings, slimmed)
    }

    /// Checking each self-contained pipeline as it is loaded, then keeping only what the
    /// joining rules read of it, finds exactly what checking everything after loading
    /// finds: over every fixture folder (the cross-file rules' pipelines, Vault, Google
    /// Cloud and Entra included) and the shared corpus when it is there.
    #[test]
    fn checking_pipelines_as_they_load_finds_what_a_whole_run_finds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut folders: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures"))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        folders.sort();
        folders.push(root.join("../shared/corpus"));
        let mut slimmed = 0;
        for folder in folders.iter().filter(|folder| folder.exists()) {
            let (whole, _) = run(folder, false);
            let (early, checked) = run(folder, true);
            let differ = whole.iter().zip(&early).position(|(a, b)| a != b);
            assert!(
                whole == early,
                "{}: {} against {} findings, first differing: {:?}",
                folder.display(),
                whole.len(),
                early.len(),
                differ.map(|at| (&whole[at], &early[at]))
            );
            slimmed += checked;
        }
        assert!(
            slimmed > 100,
            "only {slimmed} pipelines were checked as they loaded"
        );
    }
}
