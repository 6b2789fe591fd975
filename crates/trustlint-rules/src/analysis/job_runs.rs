//! Where a GitLab CI job can run: for each pipeline source (`$CI_PIPELINE_SOURCE`) and
//! ref type, the exact language of ref names (branch or tag names; in merge-request
//! pipelines the source branch) on which the job is added to the pipeline, with the
//! clause that admits it.
//!
//! The job's `rules` (first match wins: a clause admits the names where it may match
//! and no earlier clause surely matched; `when: never` clauses only block), or its
//! `only`/`except` (GitLab's default `only: [branches, tags]` when neither is set),
//! intersected with `workflow:rules`, are evaluated symbolically in the ref name: every
//! comparison of a `rules:if` expression becomes the set of names where it holds, as an
//! automaton. Each condition keeps two sets, where it *may* hold and where it *must*
//! hold; what the analysis can't know (variables without a literal value, project
//! variables, `changes`/`exists`, regexes outside [`super::ci_regex`]'s subset, automata
//! over the size bound) widens the may-set and narrows the must-set, so the result
//! over-approximates where the job runs, and [`JobRuns::exact`] says whether it had to.
//!
//! Variables (GitLab's predefined variables reference): `CI_PIPELINE_SOURCE` is the
//! case's source; `CI_COMMIT_REF_NAME` the ref name; `CI_COMMIT_BRANCH` the ref name in
//! branch pipelines that are not merge-request pipelines, else undefined;
//! `CI_COMMIT_TAG` the ref name in tag pipelines, else undefined;
//! `CI_MERGE_REQUEST_SOURCE_BRANCH_NAME` the ref name in merge-request pipelines;
//! `CI_MERGE_REQUEST_TARGET_BRANCH_NAME` there any branch name, unrelated to the ref (so
//! `$CI_MERGE_REQUEST_TARGET_BRANCH_NAME == "main"` may hold on every source branch,
//! exactly, and surely on none); the other `CI_MERGE_REQUEST_*` variables defined only
//! there (their values unknown);
//! `CI_DEFAULT_BRANCH` the configured default branch; `CI_COMMIT_REF_PROTECTED` `"true"`
//! exactly on the protected refs ([`protected_refs`]: the `protected-refs` patterns, by
//! default the default branch and no tag; in merge-request pipelines it can be `"true"` only
//! when the source branch is protected, and only with the project setting
//! "protect merge request pipelines"); `CI_PROJECT_PATH`, `CI_PROJECT_NAME`,
//! `CI_PROJECT_NAMESPACE`, `CI_PROJECT_ROOT_NAMESPACE`, `CI_SERVER_HOST`,
//! `CI_SERVER_FQDN` and `CI_SERVER_URL` from the configured project and host
//! ([`Settings::predefined_variable`]); `CI_OPEN_MERGE_REQUESTS` unknown; variables the
//! job (or the pipeline, for `workflow`) defines with a literal value have that value,
//! except in pipelines that can carry pipeline variables (web, API, trigger, schedule,
//! multi-project and parent pipelines), where they are unknown. Other variables are
//! unknown. Documented approximation: project and group CI/CD variables set in the
//! GitLab UI could also override literal job variables in push and merge-request
//! pipelines; the analysis trusts the YAML there.

use std::collections::HashMap;
use std::sync::OnceLock;

use trustlint_parser::gitlab::expression::{self, CompareOp, Condition, Operand, Regex};
use trustlint_parser::gitlab::{
    Filter, Include, Job, Kind, Pipeline, RuleClause, Text, Val, Variable, Via,
};
use trustlint_parser::Span;

use super::automaton::{AutomatonError, Dfa, Expr};
use super::ci_regex::search_language;
use super::sub_claim::{Component, RefType};
use super::sub_questions::{SubGrammar, SubLanguage};
use crate::settings::{Settings, PREDEFINED_VARIABLES};

/// A value of `$CI_PIPELINE_SOURCE`: what started the pipeline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PipelineSource {
    Push,
    MergeRequestEvent,
    Schedule,
    Web,
    Api,
    Trigger,
    Pipeline,
    ParentPipeline,
    ExternalPullRequestEvent,
    Chat,
    Webide,
    OndemandDastScan,
    SecurityOrchestrationPolicy,
}

impl PipelineSource {
    /// Every source, in the order cases are listed.
    pub const ALL: [PipelineSource; 13] = [
        PipelineSource::Push,
        PipelineSource::MergeRequestEvent,
        PipelineSource::Schedule,
        PipelineSource::Web,
        PipelineSource::Api,
        PipelineSource::Trigger,
        PipelineSource::Pipeline,
        PipelineSource::ParentPipeline,
        PipelineSource::ExternalPullRequestEvent,
        PipelineSource::Chat,
        PipelineSource::Webide,
        PipelineSource::OndemandDastScan,
        PipelineSource::SecurityOrchestrationPolicy,
    ];

    /// The value of `$CI_PIPELINE_SOURCE`.
    pub fn name(self) -> &'static str {
        match self {
            PipelineSource::Push => "push",
            PipelineSource::MergeRequestEvent => "merge_request_event",
            PipelineSource::Schedule => "schedule",
            PipelineSource::Web => "web",
            PipelineSource::Api => "api",
            PipelineSource::Trigger => "trigger",
            PipelineSource::Pipeline => "pipeline",
            PipelineSource::ParentPipeline => "parent_pipeline",
            PipelineSource::ExternalPullRequestEvent => "external_pull_request_event",
            PipelineSource::Chat => "chat",
            PipelineSource::Webide => "webide",
            PipelineSource::OndemandDastScan => "ondemand_dast_scan",
            PipelineSource::SecurityOrchestrationPolicy => "security_orchestration_policy",
        }
    }

    /// The ref types pipelines of this source run on (merge-request, external
    /// pull-request and Web IDE pipelines only on branches).
    pub fn ref_types(self) -> &'static [RefType] {
        match self {
            PipelineSource::MergeRequestEvent
            | PipelineSource::ExternalPullRequestEvent
            | PipelineSource::Webide
            | PipelineSource::OndemandDastScan => &[RefType::Branch],
            _ => &[RefType::Branch, RefType::Tag],
        }
    }

    /// The `only`/`except` refs keyword naming this source, if any.
    fn only_keyword(self) -> Option<&'static str> {
        Some(match self {
            PipelineSource::Push => "pushes",
            PipelineSource::MergeRequestEvent => "merge_requests",
            PipelineSource::Schedule => "schedules",
            PipelineSource::Web => "web",
            PipelineSource::Api => "api",
            PipelineSource::Trigger => "triggers",
            PipelineSource::Pipeline => "pipelines",
            PipelineSource::ExternalPullRequestEvent => "external_pull_requests",
            PipelineSource::Chat => "chat",
            _ => return None,
        })
    }

    /// Can pipelines of this source carry pipeline variables (which override the
    /// variables the YAML defines)?
    fn takes_variables(self) -> bool {
        matches!(
            self,
            PipelineSource::Web
                | PipelineSource::Api
                | PipelineSource::Trigger
                | PipelineSource::Schedule
                | PipelineSource::Pipeline
                | PipelineSource::ParentPipeline
        )
    }
}

/// One way a job gets into a pipeline.
#[derive(Clone, Debug)]
pub struct RunCase {
    pub source: PipelineSource,
    pub ref_type: RefType,
    /// The ref names (branch or tag names) on which the job runs in this case.
    pub names: Dfa,
    /// The `rules` clause (its `if:` when it has one), `only` entry or `workflow` rule
    /// that admits it; `None` for GitLab's default `only: [branches, tags]`.
    pub because: Option<Span>,
}

/// Where a job can run.
#[derive(Clone, Debug)]
pub struct JobRuns {
    /// Non-empty cases only, by source (in [`PipelineSource::ALL`] order), then ref type.
    pub cases: Vec<RunCase>,
    /// `false` when unknown variables, `changes`/`exists`, unsupported regexes or
    /// automaton bounds widened the answer.
    pub exact: bool,
}

impl JobRuns {
    /// Where `job` of `pipeline` runs under `settings`.
    pub fn of(pipeline: &Pipeline, job: &Job, settings: &Settings) -> JobRuns {
        let Some(universe) = ref_names() else {
            return JobRuns::anywhere(job);
        };
        let mut analysis = Analysis::new(settings, universe.clone());
        let includes = conditional_includes(pipeline, job);
        let mut cases = Vec::new();
        for source in PipelineSource::ALL {
            for &ref_type in source.ref_types() {
                let case = Case {
                    source,
                    ref_type,
                    settings,
                };
                let mut workflow = analysis.workflow(pipeline, &case);
                for include in &includes {
                    let active = analysis.include(include, pipeline, &case);
                    workflow = analysis.checked(workflow.intersection(&active));
                }
                if workflow.is_empty() {
                    continue;
                }
                for (names, because) in analysis.job(job, &case) {
                    let names = analysis.checked(names.intersection(&workflow));
                    if !names.is_empty() {
                        cases.push(RunCase {
                            source,
                            ref_type,
                            names,
                            because,
                        });
                    }
                }
            }
        }
        JobRuns {
            cases,
            exact: analysis.exact,
        }
    }

    /// Every case on every name (when the ref-name language itself can't be built).
    fn anywhere(job: &Job) -> JobRuns {
        let cases = PipelineSource::ALL
            .iter()
            .flat_map(|&source| source.ref_types().iter().map(move |&t| (source, t)))
            .map(|(source, ref_type)| RunCase {
                source,
                ref_type,
                names: Dfa::everything(),
                because: Some(job.name.span),
            })
            .collect();
        JobRuns {
            cases,
            exact: false,
        }
    }

    /// The names of refs of `ref_type` the job runs on, over all cases.
    pub fn names(&self, ref_type: RefType) -> Dfa {
        self.cases
            .iter()
            .filter(|c| c.ref_type == ref_type)
            .try_fold(Dfa::nothing(), |all, case| all.union(&case.names))
            .unwrap_or_else(|_| Dfa::everything())
    }

    /// The cases the `rules:` entries at `clauses` ([`clause_span`]) admit.
    pub fn admitted_by(mut self, clauses: &[Span]) -> JobRuns {
        self.cases.retain(|case| {
            case.because
                .is_some_and(|because| clauses.contains(&because))
        });
        self
    }

    /// Does no pipeline ever run the job?
    pub fn never_runs(&self) -> bool {
        self.cases.is_empty()
    }

    /// Does some merge-request pipeline run the job?
    pub fn merge_requests(&self) -> bool {
        self.cases
            .iter()
            .any(|c| c.source == PipelineSource::MergeRequestEvent)
    }

    /// The first case that runs the job on a ref that is not protected (a branch or
    /// tag matching none of the protected-ref patterns), with such a ref name.
    pub fn unprotected_case(&self, settings: &Settings) -> Option<(&RunCase, String)> {
        let branches = protected_refs(settings, RefType::Branch).ok()?;
        let tags = protected_refs(settings, RefType::Tag).ok()?;
        self.cases.iter().find_map(|case| {
            let protected = match case.ref_type {
                RefType::Branch => &branches,
                RefType::Tag => &tags,
            };
            let open = case.names.difference(protected).ok()?;
            let readable = EXAMPLE_NAMES.iter().find(|name| open.contains(name));
            Some((
                case,
                readable.map_or_else(|| open.witness(), |n| Some(n.to_string()))?,
            ))
        })
    }

    /// A ref the job runs on that is not protected, with the clause that admits it.
    pub fn unprotected_example(
        &self,
        settings: &Settings,
    ) -> Option<(RefType, String, Option<Span>)> {
        self.unprotected_case(settings)
            .map(|(case, name)| (case.ref_type, name, case.because))
    }
}

/// Where a `rules:` entry is named as the reason a job runs ([`RunCase::because`]): its
/// `if:` when it has one, else the entry.
pub fn clause_span(clause: &RuleClause) -> Span {
    clause.condition.as_ref().map_or(clause.span, |c| c.span)
}

/// Ref names offered as examples before the automaton's shortest witness, which is
/// often a bare `x`.
const EXAMPLE_NAMES: &[&str] = &["my-feature", "v1.0.0", "release"];

/// The includes with `rules:` that brought `job` into the configuration (each step of
/// the include chain of its definition).
fn conditional_includes<'p>(pipeline: &'p Pipeline, job: &Job) -> Vec<&'p Include> {
    job.config
        .via
        .iter()
        .filter_map(|step| match step {
            Via::Include { at, .. } => pipeline
                .includes
                .iter()
                .find(|include| include.span == *at && include.rules.is_some()),
            _ => None,
        })
        .collect()
}

/// Every valid branch or tag name (built once).
fn ref_names() -> Option<&'static Dfa> {
    static NAMES: OnceLock<Option<Dfa>> = OnceLock::new();
    NAMES
        .get_or_init(|| Component::Ref.value_language().ok())
        .as_ref()
}

/// The subs of every project's protected refs, branches and tags (remembered by the
/// grammar for these settings: TL104 and the `sub` comparison of each link ask).
pub fn protected_subs(
    grammar: &SubGrammar,
    settings: &Settings,
) -> Result<SubLanguage, AutomatonError> {
    let key = format!(
        "protected subs {:?} {}",
        settings.protected_refs, settings.default_branch
    );
    grammar.remember(&key, |grammar| {
        let mut subs = grammar.none();
        for ref_type in [RefType::Branch, RefType::Tag] {
            let names = protected_refs(settings, ref_type)?;
            subs = subs.union(&grammar.refs(Expr::Automaton(Box::new(names)), Some(ref_type))?)?;
        }
        Ok(subs)
    })
}

/// The protected names of refs of `ref_type`: those matching a `protected-refs` pattern
/// (GitLab wildcards: `*` is any text). Without configured patterns only the default
/// branch is protected, and no tag.
pub fn protected_refs(settings: &Settings, ref_type: RefType) -> Result<Dfa, AutomatonError> {
    if settings.protected_refs.is_empty() && ref_type == RefType::Tag {
        return Ok(Dfa::nothing());
    }
    let patterns = settings
        .protected_refs()
        .iter()
        .map(|pattern| {
            let mut parts = Vec::new();
            for (i, piece) in pattern.split('*').enumerate() {
                if i > 0 {
                    parts.push(Expr::any_string());
                }
                parts.push(Expr::literal(piece));
            }
            Expr::Seq(parts)
        })
        .collect();
    Dfa::from_expr(&Expr::Alt(patterns))
}

/// One (source, ref type) pair under evaluation.
struct Case<'a> {
    source: PipelineSource,
    ref_type: RefType,
    settings: &'a Settings,
}

impl Case<'_> {
    fn merge_request(&self) -> bool {
        self.source == PipelineSource::MergeRequestEvent
    }
}

/// Where a condition may and must hold, as sets of ref names.
#[derive(Clone, Debug)]
struct Truth {
    may: Dfa,
    must: Dfa,
}

/// What a variable or operand is, as a function of the ref name.
#[derive(Clone, Debug)]
enum Sym {
    Undefined,
    /// The ref name.
    Ref,
    Text(String),
    /// `"true"` or `"false"`: `"true"` may hold on `may` and must on `must`.
    Flag {
        may: Dfa,
        must: Dfa,
    },
    /// Defined and non-empty, value unknown.
    Present,
    /// A branch name unrelated to the ref name (a merge request's target branch): on
    /// every ref, some pipelines have any given branch name there.
    OtherBranch,
    /// Maybe undefined, value unknown.
    Unknown,
}

/// A regex operand: its search language, or why there is none.
enum Pattern {
    Known(Dfa),
    Undefined,
    Unknown,
}

/// `CI_MERGE_REQUEST_*` variables GitLab always sets in merge-request pipelines.
const MERGE_REQUEST_ALWAYS: &[&str] = &[
    "CI_MERGE_REQUEST_ID",
    "CI_MERGE_REQUEST_IID",
    "CI_MERGE_REQUEST_PROJECT_ID",
    "CI_MERGE_REQUEST_PROJECT_PATH",
    "CI_MERGE_REQUEST_PROJECT_URL",
    "CI_MERGE_REQUEST_REF_PATH",
    "CI_MERGE_REQUEST_SOURCE_PROJECT_ID",
    "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH",
    "CI_MERGE_REQUEST_SOURCE_PROJECT_URL",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
    "CI_MERGE_REQUEST_TITLE",
    "CI_MERGE_REQUEST_EVENT_TYPE",
];

/// The evaluation state shared by the cases of one job.
struct Analysis<'a> {
    settings: &'a Settings,
    universe: Dfa,
    /// The protected branch and tag names (`None` when the patterns are too complex).
    protected: Option<(Dfa, Dfa)>,
    regexes: HashMap<(String, String), Option<Dfa>>,
    exact: bool,
}

impl<'a> Analysis<'a> {
    fn new(settings: &'a Settings, universe: Dfa) -> Analysis<'a> {
        let protected =
            |ref_type| protected_refs(settings, ref_type).and_then(|p| p.intersection(&universe));
        let protected = protected(RefType::Branch)
            .and_then(|branches| Ok((branches, protected(RefType::Tag)?)))
            .ok();
        Analysis {
            settings,
            universe,
            exact: protected.is_some(),
            protected,
            regexes: HashMap::new(),
        }
    }

    /// The result of an automaton operation, or every name when it failed.
    fn checked(&mut self, result: Result<Dfa, AutomatonError>) -> Dfa {
        result.unwrap_or_else(|_| {
            self.exact = false;
            self.universe.clone()
        })
    }

    fn all(&self) -> Truth {
        Truth {
            may: self.universe.clone(),
            must: self.universe.clone(),
        }
    }

    fn none(&self) -> Truth {
        Truth {
            may: Dfa::nothing(),
            must: Dfa::nothing(),
        }
    }

    fn unknown(&mut self) -> Truth {
        self.exact = false;
        Truth {
            may: self.universe.clone(),
            must: Dfa::nothing(),
        }
    }

    fn surely(&self, names: Dfa) -> Truth {
        Truth {
            may: names.clone(),
            must: names,
        }
    }

    /// A condition on something other than the ref name that holds in some pipelines
    /// on every ref when `possible`, never otherwise: exactly where it may hold, and
    /// nowhere surely.
    fn for_some_pipelines(&self, possible: bool) -> Truth {
        Truth {
            may: if possible {
                self.universe.clone()
            } else {
                Dfa::nothing()
            },
            must: Dfa::nothing(),
        }
    }

    fn when(&self, holds: bool) -> Truth {
        if holds {
            self.all()
        } else {
            self.none()
        }
    }

    /// `truth` computed by `build`, or unknown when an automaton got too big.
    fn guarded(&mut self, build: impl FnOnce(&Self) -> Result<Truth, AutomatonError>) -> Truth {
        match build(self) {
            Ok(truth) => truth,
            Err(_) => self.unknown(),
        }
    }

    fn not(&mut self, t: Truth) -> Truth {
        self.guarded(|s| {
            Ok(Truth {
                may: s.universe.difference(&t.must)?,
                must: s.universe.difference(&t.may)?,
            })
        })
    }

    fn and(&mut self, a: Truth, b: Truth) -> Truth {
        self.guarded(|_| {
            Ok(Truth {
                may: a.may.intersection(&b.may)?,
                must: a.must.intersection(&b.must)?,
            })
        })
    }

    fn or(&mut self, a: Truth, b: Truth) -> Truth {
        self.guarded(|_| {
            Ok(Truth {
                may: a.may.union(&b.may)?,
                must: a.must.union(&b.must)?,
            })
        })
    }

    /// The names where `workflow:rules` create the pipeline (every name without them).
    fn workflow(&mut self, pipeline: &Pipeline, case: &Case<'_>) -> Dfa {
        let rules = pipeline.workflow.as_ref().map(|w| &w.rules);
        match rules {
            Some(rules) if !rules.is_empty() => {
                let written = pipeline.config.get("workflow").and_then(|w| w.get("rules"));
                self.admitted_names(rules, written, &pipeline.variables, case)
            }
            _ => self.universe.clone(),
        }
    }

    /// The names on which an `include:` with `rules:` adds its file (GitLab evaluates
    /// them with the global variables, like `workflow:rules`).
    fn include(&mut self, include: &Include, pipeline: &Pipeline, case: &Case<'_>) -> Dfa {
        let clauses = include.rule_clauses();
        self.admitted_names(&clauses, include.rules.as_ref(), &pipeline.variables, case)
    }

    /// The names some clause of `rules` admits.
    fn admitted_names(
        &mut self,
        clauses: &[RuleClause],
        written: Option<&Val>,
        variables: &[Variable],
        case: &Case<'_>,
    ) -> Dfa {
        let mut names = Dfa::nothing();
        for (admits, _) in self.rules(clauses, written, variables, case) {
            names = self.checked(names.union(&admits));
        }
        names
    }

    /// The names on which the job is added, per admitting clause or entry.
    fn job(&mut self, job: &Job, case: &Case<'_>) -> Vec<(Dfa, Option<Span>)> {
        let written = job.get("rules").filter(|r| !matches!(r.kind, Kind::Null));
        if written.is_some() {
            return self.rules(&job.rules, written, &job.variables, case);
        }
        if job
            .when
            .as_ref()
            .is_some_and(|w| w.value.as_ref() == "never")
        {
            return Vec::new();
        }
        let except = match &job.except {
            Some(except) => self.except(except, &job.variables, case),
            None => self.none(),
        };
        let admitted = match &job.only {
            Some(only) => self.only(only, &job.variables, case),
            None => ["branches", "tags"]
                .iter()
                .map(|keyword| (self.keyword(keyword, case), None))
                .collect(),
        };
        admitted
            .into_iter()
            .map(|(truth, because)| (self.checked(truth.may.difference(&except.must)), because))
            .filter(|(names, _)| !names.is_empty())
            .collect()
    }

    /// First-match `rules` (`written`: the `rules:` list as written): each clause not
    /// `when: never` admits the names where it may match and no earlier clause surely
    /// matched.
    fn rules(
        &mut self,
        clauses: &[RuleClause],
        written: Option<&Val>,
        variables: &[Variable],
        case: &Case<'_>,
    ) -> Vec<(Dfa, Option<Span>)> {
        // The written clauses (maps) in model order, to tell an absent `if:` from one
        // that isn't text (an unresolved `!reference`).
        let maps: Vec<&Val> = written
            .and_then(Val::as_seq)
            .unwrap_or_default()
            .iter()
            .filter(|rule| rule.as_map().is_some())
            .collect();
        let mut blocked = Dfa::nothing();
        let mut admitted = Vec::new();
        for (i, clause) in clauses.iter().enumerate() {
            let unreadable = maps.get(i).and_then(|rule| rule.get("if")).is_some();
            let mut truth = match &clause.condition {
                Some(condition) => self.expression(condition, variables, case),
                None if unreadable => self.unknown(),
                None => self.all(),
            };
            if clause.changes.is_some() || clause.exists.is_some() {
                self.exact = false;
                truth.must = Dfa::nothing();
            }
            let never = clause
                .when
                .as_ref()
                .is_some_and(|w| w.value.as_ref() == "never");
            if !never {
                let names = self.checked(truth.may.difference(&blocked));
                if !names.is_empty() {
                    admitted.push((names, Some(clause_span(clause))));
                }
            }
            blocked = self.checked(blocked.union(&truth.must));
        }
        admitted
    }

    /// `only`: each refs entry (all refs when none is listed) with the other keys.
    fn only(
        &mut self,
        only: &Filter,
        variables: &[Variable],
        case: &Case<'_>,
    ) -> Vec<(Truth, Option<Span>)> {
        let mut others = self.all();
        if !only.variables.is_empty() {
            let expressions = self.any_expression(&only.variables, variables, case);
            others = self.and(others, expressions);
        }
        if !only.changes.is_empty() || only.kubernetes.is_some() {
            self.exact = false;
            others.must = Dfa::nothing();
        }
        let entries: Vec<(Truth, Option<Span>)> = if only.refs.is_empty() {
            vec![(self.all(), Some(only.span))]
        } else {
            only.refs
                .iter()
                .map(|entry| (self.ref_entry(entry, case), Some(entry.span)))
                .collect()
        };
        entries
            .into_iter()
            .map(|(truth, because)| (self.and(truth, others.clone()), because))
            .collect()
    }

    /// `except`: excluded when any key has a matching condition.
    fn except(&mut self, except: &Filter, variables: &[Variable], case: &Case<'_>) -> Truth {
        let mut excluded = self.none();
        for entry in &except.refs {
            let truth = self.ref_entry(entry, case);
            excluded = self.or(excluded, truth);
        }
        if !except.variables.is_empty() {
            let expressions = self.any_expression(&except.variables, variables, case);
            excluded = self.or(excluded, expressions);
        }
        if !except.changes.is_empty() || except.kubernetes.is_some() {
            let unknown = self.unknown();
            excluded = self.or(excluded, unknown);
        }
        excluded
    }

    fn any_expression(&mut self, texts: &[Text], variables: &[Variable], case: &Case<'_>) -> Truth {
        let mut any = self.none();
        for text in texts {
            let truth = self.expression(text, variables, case);
            any = self.or(any, truth);
        }
        any
    }

    /// One `only`/`except` refs entry: a keyword, `/regex/`, or a ref name (the last two
    /// never match merge-request pipelines), each optionally `@group/project`.
    fn ref_entry(&mut self, entry: &Text, case: &Case<'_>) -> Truth {
        let (name, project) = match entry.value.split_once('@') {
            Some((name, project)) => (name, Some(project)),
            None => (entry.value.as_ref(), None),
        };
        let truth = if is_keyword(name) {
            self.keyword(name, case)
        } else if case.merge_request() {
            // GitLab matches names and patterns only in branch and tag pipelines.
            self.none()
        } else if name.starts_with('/') {
            let regex = expression::regex_of_text(name, entry.span);
            match self.search(&regex) {
                Some(language) => {
                    let names = language.intersection(&self.universe);
                    let names = self.checked(names);
                    self.surely(names)
                }
                None => self.unknown(),
            }
        } else {
            let names = Dfa::literal(name).and_then(|l| l.intersection(&self.universe));
            let names = self.checked(names);
            self.surely(names)
        };
        match (project, &self.settings.gitlab_project) {
            (None, _) => truth,
            (Some(project), Some(ours)) if project == ours => truth,
            (Some(_), Some(_)) => self.none(),
            (Some(_), None) => {
                let unknown = self.unknown();
                self.and(truth, unknown)
            }
        }
    }

    /// An `only`/`except` refs keyword in this case.
    fn keyword(&self, keyword: &str, case: &Case<'_>) -> Truth {
        let holds = match keyword {
            "branches" => case.ref_type == RefType::Branch && !case.merge_request(),
            "tags" => case.ref_type == RefType::Tag,
            other => case.source.only_keyword() == Some(other),
        };
        self.when(holds)
    }

    /// Where the expression `text` holds (unknown when it doesn't parse).
    fn expression(&mut self, text: &Text, variables: &[Variable], case: &Case<'_>) -> Truth {
        match expression::parse_text(text, None) {
            Ok(condition) => self.condition(&condition, variables, case),
            Err(_) => self.unknown(),
        }
    }

    fn condition(
        &mut self,
        condition: &Condition,
        variables: &[Variable],
        case: &Case<'_>,
    ) -> Truth {
        match condition {
            Condition::Or(parts) => {
                let mut any = self.none();
                for part in parts {
                    let truth = self.condition(part, variables, case);
                    any = self.or(any, truth);
                }
                any
            }
            Condition::And(parts) => {
                let mut every = self.all();
                for part in parts {
                    let truth = self.condition(part, variables, case);
                    every = self.and(every, truth);
                }
                every
            }
            Condition::Value(operand) => {
                let sym = self.operand(operand, variables, case);
                match sym {
                    Sym::Undefined => self.none(),
                    Sym::Text(text) => self.when(!text.is_empty()),
                    Sym::Ref | Sym::Flag { .. } | Sym::Present | Sym::OtherBranch => self.all(),
                    Sym::Unknown => self.unknown(),
                }
            }
            Condition::Compare(comparison) => {
                let left = self.operand(&comparison.left, variables, case);
                let truth = match comparison.op {
                    CompareOp::Equals | CompareOp::NotEquals => {
                        let right = self.operand(&comparison.right, variables, case);
                        self.equals(&left, &right)
                    }
                    CompareOp::Matches | CompareOp::NotMatches => {
                        match self.pattern(&comparison.right, variables, case) {
                            Pattern::Known(language) => self.matches(&left, &language),
                            // GitLab: `=~` with an undefined pattern is false, `!~` true.
                            Pattern::Undefined => self.none(),
                            Pattern::Unknown => self.unknown(),
                        }
                    }
                };
                if comparison.op.is_negated() {
                    self.not(truth)
                } else {
                    truth
                }
            }
        }
    }

    fn equals(&mut self, left: &Sym, right: &Sym) -> Truth {
        use Sym::*;
        match (left, right) {
            (Unknown, _) | (_, Unknown) => self.unknown(),
            (Undefined, Undefined) => self.all(),
            (Undefined, _) | (_, Undefined) => self.none(),
            (Text(a), Text(b)) => self.when(a == b),
            (OtherBranch, Text(text)) | (Text(text), OtherBranch) => {
                let branch = self.universe.contains(text);
                self.for_some_pipelines(branch)
            }
            (Ref, Ref) => self.all(),
            (Ref, Text(text)) | (Text(text), Ref) => {
                let names = Dfa::literal(text).and_then(|l| l.intersection(&self.universe));
                let names = self.checked(names);
                self.surely(names)
            }
            (Flag { may, must }, Text(text)) | (Text(text), Flag { may, must }) => {
                self.flag_is(may, must, |value| value == text)
            }
            (Flag { may, must }, Ref) | (Ref, Flag { may, must }) => {
                let (may, must) = (may.clone(), must.clone());
                self.guarded(|s| {
                    let named = |value: &str| Dfa::literal(value);
                    let not_must = s.universe.difference(&must)?;
                    let not_may = s.universe.difference(&may)?;
                    Ok(Truth {
                        may: may
                            .intersection(&named("true")?)?
                            .union(&not_must.intersection(&named("false")?)?)?,
                        must: must
                            .intersection(&named("true")?)?
                            .union(&not_may.intersection(&named("false")?)?)?,
                    })
                })
            }
            // Two unknown texts, or a flag against a flag.
            _ => self.unknown(),
        }
    }

    /// Where a `Flag` (`"true"` on may/must, else `"false"`) has a value `accepts`.
    fn flag_is(&mut self, may: &Dfa, must: &Dfa, accepts: impl Fn(&str) -> bool) -> Truth {
        let (on_true, on_false) = (accepts("true"), accepts("false"));
        let (may, must) = (may.clone(), must.clone());
        self.guarded(|s| {
            let not_must = s.universe.difference(&must)?;
            let not_may = s.universe.difference(&may)?;
            let pick = |yes: bool, set: &Dfa| if yes { set.clone() } else { Dfa::nothing() };
            Ok(Truth {
                may: pick(on_true, &may).union(&pick(on_false, &not_must))?,
                must: pick(on_true, &must).union(&pick(on_false, &not_may))?,
            })
        })
    }

    /// Where `left` (an undefined variable reads as empty text) has a match in `language`.
    fn matches(&mut self, left: &Sym, language: &Dfa) -> Truth {
        match left {
            Sym::Undefined => self.when(language.contains("")),
            Sym::Text(text) => self.when(language.contains(text)),
            Sym::Ref => {
                let names = language.intersection(&self.universe);
                let names = self.checked(names);
                self.surely(names)
            }
            Sym::Flag { may, must } => {
                let (may, must) = (may.clone(), must.clone());
                self.flag_is(&may, &must, |value| language.contains(value))
            }
            Sym::OtherBranch => {
                let branches = language.intersection(&self.universe);
                let some = !self.checked(branches).is_empty();
                self.for_some_pipelines(some)
            }
            Sym::Present | Sym::Unknown => self.unknown(),
        }
    }

    fn pattern(&mut self, operand: &Operand, variables: &[Variable], case: &Case<'_>) -> Pattern {
        let regex = match operand {
            Operand::Regex(regex) => regex.clone(),
            Operand::Null(_) => return Pattern::Undefined,
            Operand::String(text) => expression::regex_of_text(&text.value, text.span),
            Operand::Variable(variable) => match self.variable(&variable.name, variables, case) {
                Sym::Text(text) => expression::regex_of_text(&text, variable.span),
                Sym::Undefined => return Pattern::Undefined,
                _ => return Pattern::Unknown,
            },
        };
        match self.search(&regex) {
            Some(language) => Pattern::Known(language),
            None => {
                self.exact = false;
                Pattern::Unknown
            }
        }
    }

    /// The search language of `regex`, cached.
    fn search(&mut self, regex: &Regex) -> Option<Dfa> {
        let key = (regex.pattern.clone(), regex.flags.clone());
        let language = self
            .regexes
            .entry(key)
            .or_insert_with(|| search_language(&regex.pattern, &regex.flags))
            .clone();
        if language.is_none() {
            self.exact = false;
        }
        language
    }

    fn operand(&mut self, operand: &Operand, variables: &[Variable], case: &Case<'_>) -> Sym {
        match operand {
            Operand::Variable(variable) => self.variable(&variable.name, variables, case),
            Operand::String(text) => Sym::Text(text.value.clone()),
            Operand::Null(_) => Sym::Undefined,
            Operand::Regex(regex) => Sym::Text(format!("/{}/{}", regex.pattern, regex.flags)),
        }
    }

    /// What variable `name` is in this case (see the module documentation).
    fn variable(&mut self, name: &str, variables: &[Variable], case: &Case<'_>) -> Sym {
        let mr = case.merge_request();
        let defined_if = |yes: bool| if yes { Sym::Ref } else { Sym::Undefined };
        match name {
            "CI_PIPELINE_SOURCE" => Sym::Text(case.source.name().to_string()),
            "CI_COMMIT_REF_NAME" => Sym::Ref,
            "CI_COMMIT_BRANCH" => defined_if(case.ref_type == RefType::Branch && !mr),
            "CI_COMMIT_TAG" => defined_if(case.ref_type == RefType::Tag),
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME" => defined_if(mr),
            _ if PREDEFINED_VARIABLES.contains(&name) => case
                .settings
                .predefined_variable(name)
                .map_or(Sym::Present, Sym::Text),
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME" if mr => Sym::OtherBranch,
            "CI_COMMIT_REF_SLUG"
            | "CI_COMMIT_SHA"
            | "CI_COMMIT_SHORT_SHA"
            | "CI_PIPELINE_ID"
            | "CI_PIPELINE_IID"
            | "CI_PROJECT_ID" => Sym::Present,
            "CI_COMMIT_REF_PROTECTED" => {
                match self
                    .protected
                    .as_ref()
                    .map(|(branches, tags)| match case.ref_type {
                        RefType::Branch => branches,
                        RefType::Tag => tags,
                    }) {
                    Some(protected) if mr => {
                        // Only with "protect merge request pipelines" and a protected target.
                        self.exact = false;
                        Sym::Flag {
                            may: protected.clone(),
                            must: Dfa::nothing(),
                        }
                    }
                    Some(protected) => Sym::Flag {
                        may: protected.clone(),
                        must: protected.clone(),
                    },
                    None => {
                        self.exact = false;
                        Sym::Unknown
                    }
                }
            }
            _ if name.starts_with("CI_MERGE_REQUEST_") => {
                match (mr, MERGE_REQUEST_ALWAYS.contains(&name)) {
                    (false, _) => Sym::Undefined,
                    (true, true) => Sym::Present,
                    (true, false) => {
                        self.exact = false;
                        Sym::Unknown
                    }
                }
            }
            _ if name.starts_with("CI_EXTERNAL_PULL_REQUEST_")
                && case.source != PipelineSource::ExternalPullRequestEvent =>
            {
                Sym::Undefined
            }
            _ => {
                let literal = variables
                    .iter()
                    .find(|v| v.name.value.as_ref() == name)
                    .and_then(|v| {
                        let value = v.value.as_ref()?;
                        let expands = v.expand != Some(false) && value.value.contains('$');
                        (!expands).then(|| value.value.clone())
                    });
                match literal {
                    Some(value) if !case.source.takes_variables() => Sym::Text(value.to_string()),
                    _ => {
                        self.exact = false;
                        Sym::Unknown
                    }
                }
            }
        }
    }
}

/// Is `name` an `only`/`except` refs keyword?
fn is_keyword(name: &str) -> bool {
    matches!(name, "branches" | "tags" | "external")
        || PipelineSource::ALL
            .iter()
            .any(|s| s.only_keyword() == Some(name))
}

#[cfg(test)]
mod tests;
