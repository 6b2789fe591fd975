//! The analysis context of a run: what rules read (the workspace and the settings) and
//! the analyses several rules share, each derived on first use and kept in a cell of the
//! context, never in a global: nothing survives the run.
//!
//! Two levels. The run's analyses ([`Context::new`]) live until the run ends: the `sub`
//! grammar, the job ↔ role links with their `sub` comparisons, trusts and admissions,
//! the grant analyses and trust terms of trust policies (few, and read again by every
//! link to their role, shared through memos keyed by what they depend on), and the jobs'
//! Vault, Google Cloud and Entra uses (read once, however many rules ask). A document's
//! analyses live while the engine checks that document ([`Context::for_document`]): the
//! action sets of its identity policies and the script flows of its jobs, which the
//! document's rules share and nothing reads afterwards. Asked outside its document (a
//! cross-file rule reading a linked role's permissions), such an analysis is derived
//! afresh.
//!
//! A caller that keeps documents between runs (an incremental session) may keep with
//! each one a [`DocumentMemo`] ([`Context::with_memos`]): the analyses of the run that
//! depend on that document alone (what each pipeline job names for the links, Entra
//! sign-ins and Vault), so that a run re-derives them only for the documents that
//! changed.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use trustlint_parser::federation::vault::VaultResources;
use trustlint_parser::gitlab::{Job, Pipeline};
use trustlint_parser::iam::{OidcProvider, PolicyDocument};
use trustlint_parser::input::{Content, Document, InputKind, Workspace};
use trustlint_parser::{FileId, SourceFile};

use crate::analysis::aws_party::{issuer_oidc_provider, AwsTrust, TrustTerms};
use crate::analysis::azure::{logins, AzureLogin, PipelineLogins};
use crate::analysis::gcp::jobs::{uses, GcpUse, PipelineGcp};
use crate::analysis::grants::{self, GrantAnalysis, GrantFacts};
use crate::analysis::index_in;
use crate::analysis::job_runs::PipelineSource;
use crate::analysis::link::{self, Link, PipelineRoles, Predefined, Scope};
use crate::analysis::permissions::{policy_sets, PolicyAccess, PolicySets};
use crate::analysis::relying_party::{
    admission_by, environment, Admission, CaseJudge, CaseJudgement, RelyingParty,
};
use crate::analysis::sub_claim::RefType;
use crate::analysis::sub_claim::SubComponents;
use crate::analysis::sub_match::{sub_match, SubMatch};
use crate::analysis::sub_questions::SubGrammar;
use crate::analysis::token_use::{uses_in_flow, ScriptFlow, TokenUse};
use crate::analysis::vault::{job_vault, pipeline_vault, VaultFiles};
use crate::settings::Settings;

/// What a rule may read while checking, and the analyses it shares with other rules.
#[derive(Debug)]
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub settings: &'a Settings,
    run: Arc<RunAnalyses<'a>>,
    /// The analyses of the document being checked, when the engine checks one.
    document: Option<DocumentAnalyses>,
    /// What the caller keeps of each document between runs, by document index (empty:
    /// nothing kept).
    memos: &'a [Arc<DocumentMemo>],
    /// Whether a rule read through this context what other documents hold (the links,
    /// which pipelines include which files): its findings then depend on more than the
    /// document checked ([`Context::take_read_across`]).
    read_across: AtomicBool,
}

/// The analyses kept for the whole run.
#[derive(Debug, Default)]
struct RunAnalyses<'a> {
    /// The predefined variables the settings determine ([`Scope::predefined`]).
    predefined: OnceLock<Predefined>,
    sub_grammar: OnceLock<Option<SubGrammar>>,
    links: OnceLock<Vec<Link<'a>>>,
    /// The `sub` comparison of each link, in link order.
    sub_matches: OnceLock<Vec<OnceLock<Option<SubMatch>>>>,
    included: OnceLock<HashSet<String>>,
    gitlab_ci_files: OnceLock<HashMap<PathBuf, Vec<FileId>>>,
    /// The slot of each policy of the workspace in `grant_facts`, by its place in memory
    /// (the workspace is borrowed for the whole run, so the places are stable).
    policy_slots: OnceLock<Places>,
    /// The facts of each policy's OIDC grants, by slot.
    grant_facts: OnceLock<Vec<OnceLock<Arc<Vec<GrantFacts>>>>>,
    /// The OIDC provider of the pipeline's issuer among the scanned files.
    issuer_provider: OnceLock<Option<&'a OidcProvider>>,
    /// Each link's trust as a relying party, in link order.
    aws_trusts: OnceLock<Vec<OnceLock<AwsTrust<'a>>>>,
    /// The terms of each scanned trust policy, by its place in memory and the `aud`
    /// values of the token (`None`: unknown), shared by the links to its role.
    trust_terms: Mutex<HashMap<TermsKey, Arc<TrustTerms<'a>>>>,
    /// Each link's admission by its trust ([`admission`]), in link order.
    aws_admissions: OnceLock<Vec<OnceLock<Admission>>>,
    /// The judgement of each trust's predicate on each kind of run case
    /// ([`CaseJudge::judge`]): the jobs that assume a role share a few kinds of runs.
    judgements: Mutex<HashMap<JudgementKey, Option<CaseJudgement>>>,
    /// What each job of each GitLab CI document writes in its scripts for Vault
    /// ([`job_vault`], in job order), by document index.
    job_vaults: OnceLock<Vec<OnceLock<Arc<[VaultResources]>>>>,
    /// The Vault objects of every scanned file.
    vault_files: OnceLock<VaultFiles>,
    /// The jobs that present their token to a Google Cloud provider of the workspace.
    gcp_uses: OnceLock<Vec<GcpUse<'a>>>,
    /// The jobs that sign in to Entra with their token.
    azure_logins: OnceLock<Vec<AzureLogin<'a>>>,
}

/// A scanned trust policy (its place in memory) and the `aud` values of a token (`None`:
/// unknown): what its [`TrustTerms`] depend on.
type TermsKey = (usize, Option<Vec<String>>);

/// What a trust's judgement of a run case depends on ([`CaseJudge`]): the predicate (by
/// its place in memory: the run keeps every trust's), the job's environment and token
/// audiences, and the case: its pipeline source when the predicate reads it
/// ([`CaseJudge::reads_source`]), its ref type, its ref names (by their
/// `Dfa::content_key`, as the `sub` grammar's memos know them).
#[derive(Debug, PartialEq, Eq, Hash)]
struct JudgementKey {
    predicate: usize,
    environment: Option<String>,
    audiences: Vec<String>,
    source: Option<PipelineSource>,
    ref_type: RefType,
    names: String,
}

/// The analyses of a run that depend on one document alone and the predefined variables
/// of the settings, kept by a caller with the document between runs
/// ([`Context::with_memos`]): a new memo for a document loaded again.
#[derive(Debug, Default)]
pub struct DocumentMemo {
    /// What each job of a GitLab CI document names for the links.
    roles: Memo<PipelineRoles>,
    /// How each job of a GitLab CI document signs in to Entra.
    logins: Memo<PipelineLogins>,
    /// What each job of a GitLab CI document writes for Vault ([`Context::job_vaults`]).
    vaults: OnceLock<Arc<[VaultResources]>>,
    /// What each job of a GitLab CI document names of Google Cloud.
    gcp: Memo<PipelineGcp>,
}

/// An analysis kept with the predefined variables it was derived from (all it reads of
/// the settings).
type Memo<T> = Mutex<Option<(Predefined, Arc<T>)>>;

impl DocumentMemo {
    /// The analysis in `memo` when derived with `predefined`, else derived by `derive`
    /// and kept.
    fn get<T>(memo: &Memo<T>, predefined: &Predefined, derive: impl FnOnce() -> T) -> Arc<T> {
        let mut kept = memo.lock().unwrap_or_else(PoisonError::into_inner);
        match &*kept {
            Some((with, value)) if with == predefined => Arc::clone(value),
            _ => {
                let value = Arc::new(derive());
                *kept = Some((Arc::clone(predefined), Arc::clone(&value)));
                value
            }
        }
    }
}

/// The analyses kept while one document is checked.
#[derive(Debug)]
struct DocumentAnalyses {
    /// The document's index in the workspace.
    index: usize,
    /// The action sets of each of the document's policies, in [`policies_of`] order.
    policy_sets: Vec<OnceLock<Arc<PolicySets>>>,
    /// The position of each of the document's policies in `policy_sets`, by its place
    /// in memory (an IaC file or an account export holds thousands of policies).
    policy_index: Places,
    /// The script flow of each job of a GitLab CI document, in job order.
    script_flows: Vec<OnceLock<Arc<ScriptFlow>>>,
}

/// The policies of a document: its own, or those of its roles and resources.
fn policies_of(document: &Document) -> Box<dyn Iterator<Item = &PolicyDocument> + '_> {
    match &document.content {
        Content::IamPolicy(policy) => Box::new(std::iter::once(policy)),
        Content::Iam(resources) => Box::new(resources.documents()),
        Content::GitlabCi(_) | Content::Unparsed => Box::new(std::iter::empty()),
    }
}

/// The place in memory of `policy`, its identity within the run.
fn place(policy: &PolicyDocument) -> usize {
    std::ptr::from_ref(policy) as usize
}

/// The position of each of a sequence of policies, by its place in memory: built once,
/// then searched by every rule that asks about a policy (a sorted list, no hashing).
#[derive(Debug, Default)]
struct Places(Vec<(usize, usize)>);

impl Places {
    fn of<'p>(policies: impl Iterator<Item = &'p PolicyDocument>) -> Places {
        let mut places: Vec<(usize, usize)> = policies
            .enumerate()
            .map(|(position, policy)| (place(policy), position))
            .collect();
        places.sort_unstable();
        Places(places)
    }

    /// The position of `policy`, when it is one of the sequence.
    fn get(&self, policy: &PolicyDocument) -> Option<usize> {
        let at = self
            .0
            .binary_search_by_key(&place(policy), |&(place, _)| place)
            .ok()?;
        self.0.get(at).map(|&(_, position)| position)
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<'a> Context<'a> {
    pub fn new(workspace: &'a Workspace, settings: &'a Settings) -> Self {
        Context {
            workspace,
            settings,
            run: Arc::default(),
            document: None,
            memos: &[],
            read_across: AtomicBool::new(false),
        }
    }

    /// The context with `memos` (one per document of the workspace, in order) kept by
    /// the caller between runs ([`DocumentMemo`]). Memos of another count are not read.
    pub fn with_memos(mut self, memos: &'a [Arc<DocumentMemo>]) -> Self {
        if memos.len() == self.workspace.documents.len() {
            self.memos = memos;
        }
        self
    }

    /// The memo the caller keeps for `document`, one of the workspace's.
    fn memo_of(&self, document: &Document) -> Option<&DocumentMemo> {
        let index = index_in(&self.workspace.documents, document)?;
        self.memos.get(index).map(Arc::as_ref)
    }

    /// The context in which the engine checks `document` (one of the workspace's): the
    /// run's analyses, and cells for the document's own.
    pub fn for_document(&self, document: &Document) -> Context<'a> {
        let document_analyses = index_in(&self.workspace.documents, document).map(|index| {
            let jobs = match &document.content {
                Content::GitlabCi(pipeline) => pipeline.jobs.len(),
                _ => 0,
            };
            let policy_index = Places::of(policies_of(document));
            DocumentAnalyses {
                index,
                policy_sets: (0..policy_index.len()).map(|_| OnceLock::new()).collect(),
                policy_index,
                script_flows: (0..jobs).map(|_| OnceLock::new()).collect(),
            }
        });
        Context {
            workspace: self.workspace,
            settings: self.settings,
            run: Arc::clone(&self.run),
            document: document_analyses,
            memos: self.memos,
            read_across: AtomicBool::new(false),
        }
    }

    /// Whether a rule read what other documents hold through this context since the
    /// last call (an incremental run keeps a document's findings only when not).
    pub fn take_read_across(&self) -> bool {
        self.read_across.swap(false, Ordering::Relaxed)
    }

    fn reads_across(&self) {
        self.read_across.store(true, Ordering::Relaxed);
    }

    /// The analyses of `document` when it is the one being checked.
    fn analyses_of(&self, document: &Document) -> Option<&DocumentAnalyses> {
        self.document.as_ref().filter(|analyses| {
            self.workspace
                .documents
                .get(analyses.index)
                .is_some_and(|checked| std::ptr::eq(checked, document))
        })
    }

    /// The ids of the GitLab CI documents read from `path` (a file checked on its own
    /// and also read through another pipeline's `include:` has one id each time).
    pub fn gitlab_ci_files(&self, path: &Path) -> &[FileId] {
        self.reads_across();
        let by_path = self.run.gitlab_ci_files.get_or_init(|| {
            let mut by_path: HashMap<PathBuf, Vec<FileId>> = HashMap::new();
            for document in &self.workspace.documents {
                if document.kind != InputKind::GitlabCi {
                    continue;
                }
                if let Some(source) = self.workspace.sources.get(document.file) {
                    by_path
                        .entry(source.path.clone())
                        .or_default()
                        .push(document.file);
                }
            }
            by_path
        });
        by_path.get(path).map_or(&[], Vec::as_slice)
    }

    pub fn source(&self, document: &Document) -> Option<&SourceFile> {
        self.workspace.sources.get(document.file)
    }

    /// Every job of the workspace linked to a role it assumes, computed on first use.
    pub(crate) fn links(&self) -> &[Link<'a>] {
        self.reads_across();
        self.run.links.get_or_init(|| {
            link::links(
                self.workspace,
                self.settings,
                self.predefined(),
                self.included_files(),
                &|document, pipeline| self.pipeline_roles(document, pipeline),
            )
        })
    }

    /// What the jobs of `pipeline`, `document`'s, name for the links.
    fn pipeline_roles(&self, document: &Document, pipeline: &Pipeline) -> Arc<PipelineRoles> {
        let predefined = self.predefined();
        self.memoized(
            document,
            |memo| &memo.roles,
            || PipelineRoles::of(pipeline, &self.workspace.sources, predefined),
        )
    }

    /// How the jobs of `pipeline`, `document`'s, sign in to Entra.
    fn pipeline_logins(&self, document: &Document, pipeline: &Pipeline) -> Arc<PipelineLogins> {
        let predefined = self.predefined();
        self.memoized(
            document,
            |memo| &memo.logins,
            || PipelineLogins::of(pipeline, &self.workspace.sources, predefined),
        )
    }

    /// What the jobs of `pipeline`, `document`'s, name of Google Cloud.
    fn pipeline_gcp(&self, document: &Document, pipeline: &Pipeline) -> Arc<PipelineGcp> {
        let predefined = self.predefined();
        self.memoized(
            document,
            |memo| &memo.gcp,
            || PipelineGcp::of(pipeline, predefined),
        )
    }

    /// Derives into `document`'s memo (a GitLab CI document's) everything the rules that
    /// join files read of its scripts: what its jobs name for the links, Entra, Vault and
    /// Google Cloud. Returns, by job, whether those rules read the job at all: it names a
    /// role, signs in to Entra, names Google Cloud, writes for Vault or has `secrets:`.
    /// The scripts, and the jobs they don't read, may then be let go ([`crate::slim`]).
    /// `None` when the caller keeps no memo for `document` (nothing was kept: nothing may
    /// be let go) or it is no pipeline.
    pub fn remember(&self, document: &Document) -> Option<Vec<bool>> {
        let Content::GitlabCi(pipeline) = &document.content else {
            return None;
        };
        self.memo_of(document)?;
        let roles = self.pipeline_roles(document, pipeline);
        let logins = self.pipeline_logins(document, pipeline);
        let gcp = self.pipeline_gcp(document, pipeline);
        let vaults = self.job_vaults(document);
        let mut read: Vec<bool> = pipeline
            .jobs
            .iter()
            .enumerate()
            .map(|(at, job)| {
                !job.secrets.is_empty() || vaults.get(at).is_some_and(|v| !v.is_empty())
            })
            .collect();
        for at in roles.jobs().chain(logins.jobs()).chain(gcp.jobs()) {
            if let Some(read) = read.get_mut(at) {
                *read = true;
            }
        }
        Some(read)
    }

    /// The predefined variables the settings determine, derived once per run.
    fn predefined(&self) -> &Predefined {
        self.run
            .predefined
            .get_or_init(|| Scope::predefined(self.settings))
    }

    /// An analysis of `document` alone: the one its memo keeps (`memo` picks which) when
    /// the caller keeps memos and it was derived with the same predefined variables, else
    /// `derive`d (and kept in the memo when there is one).
    fn memoized<T>(
        &self,
        document: &Document,
        memo: impl FnOnce(&DocumentMemo) -> &Memo<T>,
        derive: impl FnOnce() -> T,
    ) -> Arc<T> {
        match self.memo_of(document) {
            Some(kept) => DocumentMemo::get(memo(kept), self.predefined(), derive),
            None => Arc::new(derive()),
        }
    }

    /// The `sub` comparison of `link`, one of [`Context::links`], computed once (`None`
    /// also for a link of another context).
    pub(crate) fn sub_match(&self, link: &Link<'_>) -> Option<&SubMatch> {
        let compare = || {
            let (_, trust) = link.trust()?;
            sub_match(link, &self.grant_analyses(trust), self.settings)
        };
        let (_, cell) = self.link_cell(&self.run.sub_matches, link)?;
        cell.get_or_init(compare).as_ref()
    }

    /// `link` as one of [`Context::links`] (the same link, borrowed for the run), and its
    /// cell among `cells` (one per link, in link order).
    fn link_cell<'s, T>(
        &'s self,
        cells: &'s OnceLock<Vec<OnceLock<T>>>,
        link: &Link<'_>,
    ) -> Option<(&'s Link<'a>, &'s OnceLock<T>)> {
        let links = self.links();
        let index = index_in(links, link)?;
        let cells = cells.get_or_init(|| links.iter().map(|_| OnceLock::new()).collect());
        Some((links.get(index)?, cells.get(index)?))
    }

    /// The trust of `link`'s role (one of [`Context::links`]) as the relying party of the
    /// pipeline's issuer ([`AwsTrust`]), built once per link.
    pub(crate) fn aws_trust(&self, link: &Link<'_>) -> Option<&AwsTrust<'a>> {
        let (link, cell) = self.link_cell(&self.run.aws_trusts, link)?;
        let provider = *self
            .run
            .issuer_provider
            .get_or_init(|| issuer_oidc_provider(self.workspace, self.settings));
        let policy = link
            .role
            .as_ref()
            .and_then(|role| role.trust)
            .map(|(_, policy)| policy);
        Some(cell.get_or_init(|| {
            let audiences: Option<Vec<String>> = link
                .token
                .map(|_| link.audiences())
                .filter(|auds| !auds.iter().any(|aud| aud.contains('$')));
            let terms = || {
                let span = link.role_span();
                TrustTerms::new(policy, provider, span, audiences.as_deref(), self.settings)
            };
            let terms = match policy {
                // A scanned policy's terms don't depend on where the job names the role.
                Some(policy) => {
                    let key = (place(policy), audiences.clone());
                    self.shared(&self.run.trust_terms, key, || Arc::new(terms()))
                }
                None => Arc::new(terms()),
            };
            AwsTrust::new(terms, link.role_span())
        }))
    }

    /// The value of `key` in the run's memo `memo`, built by `build` when missing (outside
    /// the memo's lock: two threads may build it, the first to finish is kept).
    fn shared<K: Eq + std::hash::Hash, V: Clone>(
        &self,
        memo: &Mutex<HashMap<K, V>>,
        key: K,
        build: impl FnOnce() -> V,
    ) -> V {
        let known = memo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        known.unwrap_or_else(|| {
            let built = build();
            memo.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key)
                .or_insert(built)
                .clone()
        })
    }

    /// On which of its run cases the trust of `link`'s role (one of [`Context::links`])
    /// admits the job's token ([`admission`] of [`Context::aws_trust`]), computed once per
    /// link for the rules that ask (TL402, TL406).
    pub(crate) fn aws_admission(&self, link: &Link<'_>) -> Option<&Admission> {
        let party = self.aws_trust(link)?;
        let (link, cell) = self.link_cell(&self.run.aws_admissions, link)?;
        Some(cell.get_or_init(|| {
            let runs = link.runs(self.settings);
            let audiences = link.audiences();
            let environment = environment(link.job);
            let judge = CaseJudge::new(party.predicate(), environment, &audiences, self.settings);
            let reads_source = judge.reads_source();
            admission_by(party, runs, self.settings, |case| {
                let key = JudgementKey {
                    predicate: std::ptr::from_ref(party.predicate()) as usize,
                    environment: environment.map(str::to_owned),
                    audiences: audiences.clone(),
                    source: reads_source.then_some(case.source),
                    ref_type: case.ref_type,
                    names: case.names.content_key(),
                };
                self.shared(&self.run.judgements, key, || judge.judge(case))
            })
        }))
    }

    /// Whether `document` is a CI fragment that another scanned pipeline includes: its
    /// jobs are judged there, where `include: rules:` and `workflow:` apply to them.
    pub fn is_included_fragment(&self, document: &Document) -> bool {
        self.source(document)
            .is_some_and(|file| self.included_files().contains(&file.display_path()))
    }

    /// The files (display paths) that define jobs of a scanned pipeline other than its own
    /// file: fragments read through `include:`.
    fn included_files(&self) -> &HashSet<String> {
        self.reads_across();
        self.run.included.get_or_init(|| {
            self.workspace
                .documents
                .iter()
                .filter_map(|document| match &document.content {
                    Content::GitlabCi(pipeline) => Some((document.file, pipeline)),
                    _ => None,
                })
                .flat_map(|(file, pipeline)| {
                    pipeline
                        .jobs
                        .iter()
                        .map(|job| job.name.span.file)
                        .filter(move |&defined_in| defined_in != file)
                })
                .filter_map(|file| self.workspace.sources.get(file).map(|f| f.display_path()))
                .collect()
        })
    }

    /// The language of GitLab `sub` claims for the configured `sub-claim` components,
    /// built on first use. `None` when the components are invalid (the CLI refuses
    /// such a configuration) or the automaton would be too large.
    pub fn sub_grammar(&self) -> Option<&SubGrammar> {
        self.run
            .sub_grammar
            .get_or_init(|| {
                let components = SubComponents::from_names(&self.settings.sub_claim).ok()?;
                SubGrammar::shared(components).ok()
            })
            .as_ref()
    }

    /// The analysis of every OIDC grant of `policy`, derived once per run for a policy
    /// of the workspace.
    pub fn grant_analyses<'p>(&self, policy: &'p PolicyDocument) -> Vec<GrantAnalysis<'p>> {
        if !grants::has_federated_grant(policy) {
            return Vec::new();
        }
        let derive = || {
            Arc::new(grants::grant_facts(
                policy,
                self.settings,
                self.sub_grammar(),
            ))
        };
        let facts = match self.grant_slot(policy) {
            Some(slot) => Arc::clone(slot.get_or_init(derive)),
            None => derive(),
        };
        grants::analyses(&facts, policy)
    }

    /// The run's cell for the grant facts of `policy`, when it is a policy of the
    /// workspace.
    fn grant_slot(&self, policy: &PolicyDocument) -> Option<&OnceLock<Arc<Vec<GrantFacts>>>> {
        let slots = self
            .run
            .policy_slots
            .get_or_init(|| Places::of(self.workspace.documents.iter().flat_map(policies_of)));
        let slot = slots.get(policy)?;
        let cells = self
            .run
            .grant_facts
            .get_or_init(|| (0..slots.len()).map(|_| OnceLock::new()).collect());
        cells.get(slot)
    }

    /// The access `policy`, a policy of `document`, grants ([`PolicyAccess::of`]); its
    /// action sets are derived once while `document` is checked.
    pub fn policy_access<'p>(
        &self,
        document: &Document,
        policy: &'p PolicyDocument,
    ) -> Option<PolicyAccess<'p>> {
        let derive = || Arc::new(policy_sets(policy));
        let cell = self.analyses_of(document).and_then(|analyses| {
            let index = analyses.policy_index.get(policy)?;
            analyses.policy_sets.get(index)
        });
        PolicyAccess::of(document, policy, || match cell {
            Some(cell) => Arc::clone(cell.get_or_init(derive)),
            None => derive(),
        })
    }

    /// The script flow of `job`, a job of `document`, derived once while `document` is
    /// checked.
    pub(crate) fn script_flow(&self, document: &Document, job: &Job) -> Arc<ScriptFlow> {
        let derive = || Arc::new(ScriptFlow::of(job, &self.workspace.sources));
        let cell = self.analyses_of(document).and_then(|analyses| {
            let Content::GitlabCi(pipeline) = &document.content else {
                return None;
            };
            analyses.script_flows.get(index_in(&pipeline.jobs, job)?)
        });
        match cell {
            Some(cell) => Arc::clone(cell.get_or_init(derive)),
            None => derive(),
        }
    }

    /// Every place where `job`, a job of `document`, presents an ID token, with the
    /// exact `$NAME` spans ([`crate::analysis::token_use::token_uses_in`]), read from the
    /// job's shared [`Context::script_flow`].
    pub(crate) fn job_token_uses(&self, document: &Document, job: &Job) -> Vec<TokenUse> {
        uses_in_flow(
            job,
            &self.script_flow(document, job),
            &self.workspace.sources,
        )
    }

    /// What each job of `document`, a GitLab CI document, writes in its scripts for Vault
    /// ([`job_vault`], in job order; empty for another document and when no job writes
    /// anything), read once per run.
    pub(crate) fn job_vaults(&self, document: &Document) -> Arc<[VaultResources]> {
        let Content::GitlabCi(pipeline) = &document.content else {
            return Arc::new([]);
        };
        let read = || -> Arc<[VaultResources]> {
            let vaults: Vec<VaultResources> = pipeline
                .jobs
                .iter()
                .map(|job| job_vault(job, &self.workspace.sources))
                .collect();
            match vaults.iter().all(VaultResources::is_empty) {
                true => Arc::new([]),
                false => Arc::from(vaults),
            }
        };
        if let Some(memo) = self.memo_of(document) {
            return Arc::clone(memo.vaults.get_or_init(read));
        }
        let documents = &self.workspace.documents;
        let cells = self
            .run
            .job_vaults
            .get_or_init(|| documents.iter().map(|_| OnceLock::new()).collect());
        match index_in(documents, document).and_then(|index| cells.get(index)) {
            Some(cell) => Arc::clone(cell.get_or_init(read)),
            None => read(),
        }
    }

    /// The Vault objects `document` declares: a Terraform file's, a script's or a `vault
    /// read` output's own, or those the jobs of a GitLab CI file write in their scripts
    /// ([`pipeline_vault`]).
    pub fn vault_of<'d>(&self, document: &'d Document) -> Cow<'d, VaultResources> {
        match &document.content {
            Content::Iam(resources) => Cow::Borrowed(&resources.federation.vault),
            Content::GitlabCi(_) => Cow::Owned(pipeline_vault(&self.job_vaults(document))),
            _ => Cow::Owned(VaultResources::default()),
        }
    }

    /// The jobs of the workspace that present their token to one of its Google Cloud
    /// providers ([`crate::analysis::gcp::jobs::uses`]), found once per run.
    pub(crate) fn gcp_uses(&self) -> &[GcpUse<'a>] {
        self.reads_across();
        self.run.gcp_uses.get_or_init(|| {
            uses(self.workspace, &|document, pipeline| {
                self.pipeline_gcp(document, pipeline)
            })
        })
    }

    /// The jobs of the scanned pipelines that sign in to Entra with their token
    /// ([`logins`]; included fragments are judged where included), found once per run.
    pub(crate) fn azure_logins(&self) -> &[AzureLogin<'a>] {
        self.reads_across();
        self.run.azure_logins.get_or_init(|| {
            let skip = |document: &Document| self.is_included_fragment(document);
            let signs_in =
                |document: &Document, pipeline: &Pipeline| self.pipeline_logins(document, pipeline);
            logins(self.workspace, self.predefined(), &skip, &signs_in)
        })
    }

    /// The Vault objects of every scanned file, gathered once per run.
    pub(crate) fn vault_files(&self) -> &VaultFiles {
        self.reads_across();
        self.run.vault_files.get_or_init(|| {
            let vaults: Vec<Cow<'_, VaultResources>> = self
                .workspace
                .documents
                .iter()
                .map(|document| self.vault_of(document))
                .collect();
            VaultFiles::of(vaults.iter().map(|vault| vault.as_ref()))
        })
    }
}
