//! The questions trust-policy rules ask about the `sub` values a policy admits, answered
//! exactly with automata: build a [`SubLanguage`] from condition clauses through a
//! [`SubGrammar`], combine languages across statements, then ask (no effective
//! restriction? a project outside a namespace? every branch? unmatchable? which of
//! these concrete subs?). Also: which namespace a pattern names and whether it can
//! reach beyond it, and why a pattern no GitLab token can satisfy is unmatchable.
//!
//! Every language here is already intersected with the `sub` values GitLab can produce
//! for the configured components, so "all" means "every GitLab sub" — or, for a grammar
//! built with [`SubGrammar::generic`] (providers other than GitLab), every string of
//! that provider's universe.
//!
//! Policy variables (`${aws:username}`) can't be resolved offline: a clause holding one
//! is approximated towards the requested [`Bound`] and the result reports
//! [`SubLanguage::is_exact`] `false`. Everything else is exact.
//!
//! Languages that depend on the grammar and a short key only (a namespace, the
//! protected refs) are remembered for the run ([`SubGrammar::remember`]): the policies of
//! one organisation name the same few namespaces. A set many languages are asked for an
//! example within (the protected subs) is remembered as a [`SubRegion`], and each thread
//! keeps the clause languages it built last (the rules checking one policy ask for the
//! same clauses).
//!
//! A language of spelled-out subs (`StringEquals` values, the most common condition) is
//! held as its members rather than an automaton: every question about it is a lookup or
//! a membership test, and an automaton is built only when such a language meets an
//! operation that needs one (subtracted from, or united with, a pattern's language).
//! A language of one `StringLike` value that is a literal start followed by `*`
//! (`project_path:acme/*`, in any grammar), a project's refs, and such a language minus
//! `Deny` carve-outs of that kind (`…:ref:*` but not `…:ref:feature/*`), are held as
//! that start and the excluded ones ([`PrefixSubs`]): the questions the trust rules ask
//! of them are read off the grammar's automaton from the state the start leads to, and
//! the product with the grammar is built only for an operation that needs it.
//! Every form answers every question identically (the witness order of the automata is
//! shortest, then smallest by character; property tests compare the forms).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use super::automaton::{AutomatonError, Dfa, Expr};
use super::glob::{Case, Operator, Pattern, VariableApprox, VariableSyntax};
use super::sub_claim::{
    all_subs, constrain, in_namespace_expr, parse_sub, value_run, Component, RefType,
    SubComponents, SubError,
};
use super::sub_prefix::PrefixSubs;

/// A string condition operator on `:sub` (the `IfExists`/set-operator prefixes are the
/// condition evaluator's business: `sub` is always present and single-valued).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubOperator {
    /// `StringEquals`
    Equals,
    /// `StringNotEquals`
    NotEquals,
    /// `StringEqualsIgnoreCase`
    EqualsIgnoreCase,
    /// `StringNotEqualsIgnoreCase`
    NotEqualsIgnoreCase,
    /// `StringLike`
    Like,
    /// `StringNotLike`
    NotLike,
}

impl SubOperator {
    /// Is this a negated operator (values are NOR-ed)?
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            SubOperator::NotEquals | SubOperator::NotEqualsIgnoreCase | SubOperator::NotLike
        )
    }

    /// Whether `*`/`?` are wildcards for this operator.
    pub fn pattern_operator(self) -> Operator {
        match self {
            SubOperator::Like | SubOperator::NotLike => Operator::Like,
            _ => Operator::Equals,
        }
    }

    /// The case sensitivity of this operator.
    pub fn case(self) -> Case {
        match self {
            SubOperator::EqualsIgnoreCase | SubOperator::NotEqualsIgnoreCase => Case::Insensitive,
            _ => Case::Sensitive,
        }
    }
}

/// One operator's condition on `:sub` with its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubClause {
    /// The operator.
    pub operator: SubOperator,
    /// Its values (a single value is a list of one).
    pub values: Vec<String>,
}

impl SubClause {
    /// A clause from an operator and values.
    pub fn new<S: AsRef<str>>(operator: SubOperator, values: &[S]) -> SubClause {
        SubClause {
            operator,
            values: values.iter().map(|v| v.as_ref().to_owned()).collect(),
        }
    }
}

/// Which way to approximate values holding policy variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound {
    /// Over-approximate: the language holds every sub that may match.
    Upper,
    /// Under-approximate: the language holds only subs that surely match.
    Lower,
}

/// The GitLab `sub` grammar for one set of components, shared by the languages built
/// from it.
#[derive(Debug, Clone)]
pub struct SubGrammar(Arc<GrammarInner>);

#[derive(Debug)]
struct GrammarInner {
    components: SubComponents,
    all: Arc<Dfa>,
    /// A GitLab grammar (not [`SubGrammar::generic`]): the shortcuts that read GitLab's
    /// `sub` format (a project's start, namespaces, every ref of a project) apply.
    gitlab: bool,
    /// Subs on branches, then subs on branch `main`: preferred sources of examples.
    branches: Dfa,
    main_branch: Dfa,
    /// Subs on tags (with `branches`, the answers of [`SubGrammar::ref_type`], built once).
    tags: Dfa,
    /// Whether `all` is finite (never for GitLab's grammar; a generic universe may be).
    all_is_finite: bool,
    /// A sub of `all` (its witness) that a language must hold to be all of it.
    probe: Option<String>,
    syntax: VariableSyntax,
    /// [`SubGrammar::remember`]'s languages and [`SubGrammar::remember_region`]'s
    /// regions, shared by the variants of the grammar.
    remembered: Arc<Mutex<HashMap<String, Remembered>>>,
}

impl GrammarInner {
    /// The subs on refs of `ref_type`.
    fn all_of(&self, ref_type: RefType) -> &Dfa {
        match ref_type {
            RefType::Branch => &self.branches,
            RefType::Tag => &self.tags,
        }
    }
}

/// A valid ref name that patterns meant to pin refs do not match (a rune: no pattern of
/// ASCII ref names matches it), for [`SubLanguage::project_with_every_ref`]'s test.
const PROBE_REF: &str = "\u{16A0}";

/// The components of a `sub` by default, in order (GitLab's default claim).
const DEFAULT_ORDER: &[Component] = &[Component::ProjectPath, Component::RefType, Component::Ref];

/// A clause language built recently on this thread, with what it was built from (its
/// grammar is the language's own, which the entry keeps alive: an entry is never
/// mistaken for another grammar's).
struct RecentClause {
    operator: SubOperator,
    bound: Bound,
    values: Vec<String>,
    language: SubLanguage,
}

/// How many clause languages a thread keeps ([`RECENT_CLAUSES`]).
const RECENT_CLAUSES_KEPT: usize = 8;

thread_local! {
    /// The clause languages built last on this thread: the rules checking one policy
    /// ask for the same clauses (a grant's analysis, then each value of its `sub`
    /// conditions alone, which for a single value is the same clause).
    static RECENT_CLAUSES: RefCell<Vec<RecentClause>> = const { RefCell::new(Vec::new()) };
}

/// How many languages a grammar remembers; later keys are built every time.
const REMEMBERED_LIMIT: usize = 1024;

/// A set of GitLab `sub` values.
#[derive(Debug, Clone)]
pub struct SubLanguage {
    grammar: SubGrammar,
    form: Form,
    exact: bool,
}

/// How a [`SubLanguage`] holds its subs (module documentation).
#[derive(Debug, Clone)]
enum Form {
    /// Finitely many subs, each a member of the grammar.
    Members(Arc<BTreeSet<String>>),
    /// The subs (of the grammar, or of a narrower language of it) with a literal start.
    Prefix(Arc<PrefixSubs>),
    /// Any language (shared: languages are cloned into every rule's analysis).
    Automaton(Arc<Dfa>),
}

/// A set of subs that many languages meet only to give an example from the meeting (the
/// protected subs, the unprotected ones), held as [`SubLanguage::example`]'s preferences
/// narrowed to it: [`SubLanguage::example_within`] finds the example of `language ∩
/// region` with searches alone, without building that intersection. Worth it for a
/// region asked about again and again ([`SubGrammar::remember_region`]).
#[derive(Debug, Clone)]
pub struct SubRegion {
    /// The region's subs on branch `main`, its subs on branches, and all of them.
    preferences: Arc<[Dfa; 3]>,
}

/// What a grammar remembers under a key.
#[derive(Debug, Clone)]
enum Remembered {
    Language(Form, bool),
    Region(SubRegion),
}

/// Which namespace a pattern names (read from its literal start, no automaton).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceReport {
    /// The namespace the pattern names: its literal `project_path` value when that is
    /// complete, else the literal part up to its last `/` (or the whole literal part
    /// when it has no `/`, as in `project_path:acme*`); `None` when the pattern fixes no
    /// literal start of the project path (`*`, `project_path:*`).
    pub namespace: Option<String>,
    /// The pattern's project path is fully literal (it names one project).
    pub exact_project: bool,
}

/// Why a pattern matches no `sub` GitLab can produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatchable {
    /// A string the pattern matches that comes closest to a GitLab sub.
    pub example: String,
    /// What is wrong with it as a `sub`.
    pub reason: SubError,
}

/// How many grammars [`SubGrammar::shared`] keeps (one per `sub-claim` setting used in
/// the process).
const SHARED_GRAMMARS: usize = 4;

impl SubGrammar {
    /// The grammar of subs with `components`, built once per process: every run (a CLI
    /// run has one; tests, benchmarks and fuzzing have many) asks for it, and building it
    /// costs more than checking a trust policy. What a grammar remembers depends on the
    /// grammar alone, or names the settings it was built for.
    pub fn shared(components: SubComponents) -> Result<SubGrammar, AutomatonError> {
        static BUILT: Mutex<Vec<SubGrammar>> = Mutex::new(Vec::new());
        let found = BUILT.lock().ok().and_then(|built| {
            built
                .iter()
                .find(|grammar| *grammar.components() == components)
                .cloned()
        });
        if let Some(grammar) = found {
            return Ok(grammar);
        }
        let grammar = SubGrammar::new(components)?;
        if let Ok(mut built) = BUILT.lock() {
            if built.len() < SHARED_GRAMMARS {
                built.push(grammar.clone());
            }
        }
        Ok(grammar)
    }

    /// The grammar of subs with `components`, for a `2012-10-17` policy.
    pub fn new(components: SubComponents) -> Result<SubGrammar, AutomatonError> {
        let all = all_subs(&components)?;
        let branch = (Component::RefType, Expr::literal(RefType::Branch.name()));
        let branches = constrain(&all, &components, std::slice::from_ref(&branch))?;
        let main_branch = constrain(
            &all,
            &components,
            &[branch, (Component::Ref, Expr::literal("main"))],
        )?;
        let tag = (Component::RefType, Expr::literal(RefType::Tag.name()));
        let tags = constrain(&all, &components, &[tag])?;
        Ok(SubGrammar(Arc::new(GrammarInner {
            components,
            all_is_finite: all.is_finite(),
            probe: all.witness(),
            all: Arc::new(all),
            gitlab: true,
            branches,
            main_branch,
            tags,
            syntax: VariableSyntax::Substituted,
            remembered: Arc::default(),
        })))
    }

    /// The language of `sub` values of a provider whose format is not GitLab's: every
    /// string of `universe` is a sub some project of that provider can carry (all
    /// strings for an unknown provider, `repo:` followed by anything for GitHub).
    ///
    /// Only the generic questions are meaningful on its languages (set operations,
    /// [`SubLanguage::is_all`], [`SubLanguage::is_empty`], [`SubLanguage::contains`],
    /// [`SubLanguage::example`]); the GitLab ones (namespaces, refs, ref types) are not
    /// to be asked of it.
    pub fn generic(universe: Dfa) -> SubGrammar {
        SubGrammar(Arc::new(GrammarInner {
            components: SubComponents::default(),
            branches: universe.clone(),
            main_branch: universe.clone(),
            tags: universe.clone(),
            all_is_finite: universe.is_finite(),
            probe: universe.witness(),
            all: Arc::new(universe),
            gitlab: false,
            syntax: VariableSyntax::Substituted,
            remembered: Arc::default(),
        }))
    }

    /// The same grammar for a policy whose `Version` gives `syntax` to `${…}`.
    pub fn with_variable_syntax(&self, syntax: VariableSyntax) -> SubGrammar {
        if self.0.syntax == syntax {
            return self.clone();
        }
        SubGrammar(Arc::new(GrammarInner {
            components: self.0.components.clone(),
            all: Arc::clone(&self.0.all),
            gitlab: self.0.gitlab,
            branches: self.0.branches.clone(),
            main_branch: self.0.main_branch.clone(),
            tags: self.0.tags.clone(),
            all_is_finite: self.0.all_is_finite,
            probe: self.0.probe.clone(),
            syntax,
            remembered: Arc::clone(&self.0.remembered),
        }))
    }

    /// The language `build` makes, remembered under `key` for the run: `key` must
    /// determine the language together with the grammar's components (not its variable
    /// syntax, which the variants sharing the memory may differ in).
    pub fn remember(
        &self,
        key: &str,
        build: impl FnOnce(&SubGrammar) -> Result<SubLanguage, AutomatonError>,
    ) -> Result<SubLanguage, AutomatonError> {
        let recalled = self.recall(key, |known| match known {
            Remembered::Language(form, exact) => Some(self.with_form(form, exact)),
            Remembered::Region(_) => None,
        });
        if let Some(language) = recalled {
            return Ok(language);
        }
        let language = build(self)?;
        self.keep(
            key,
            Remembered::Language(language.form.clone(), language.exact),
        );
        Ok(language)
    }

    /// The region of the subs `build` makes, remembered under `key` for the run (the
    /// same conditions on `key` as [`SubGrammar::remember`]).
    pub fn remember_region(
        &self,
        key: &str,
        build: impl FnOnce(&SubGrammar) -> Result<SubLanguage, AutomatonError>,
    ) -> Result<SubRegion, AutomatonError> {
        let recalled = self.recall(key, |known| match known {
            Remembered::Region(region) => Some(region),
            Remembered::Language(..) => None,
        });
        if let Some(region) = recalled {
            return Ok(region);
        }
        let subs = build(self)?;
        let subs = subs.automaton()?;
        let region = SubRegion {
            preferences: Arc::new([
                self.0.main_branch.intersection(&subs)?,
                self.0.branches.intersection(&subs)?,
                subs.into_owned(),
            ]),
        };
        self.keep(key, Remembered::Region(region.clone()));
        Ok(region)
    }

    /// What is remembered under `key`, if it is of the kind `read` accepts.
    fn recall<T>(&self, key: &str, read: impl FnOnce(Remembered) -> Option<T>) -> Option<T> {
        let known = self
            .0
            .remembered
            .lock()
            .ok()
            .and_then(|memory| memory.get(key).cloned());
        known.and_then(read)
    }

    /// Remembers `value` under `key` while the memory holds fewer than
    /// [`REMEMBERED_LIMIT`] entries.
    fn keep(&self, key: &str, value: Remembered) {
        if let Ok(mut memory) = self.0.remembered.lock() {
            if memory.len() < REMEMBERED_LIMIT {
                memory.insert(key.to_owned(), value);
            }
        }
    }

    /// The configured components.
    pub fn components(&self) -> &SubComponents {
        &self.0.components
    }

    /// Every GitLab sub: a condition with no effective restriction.
    pub fn all(&self) -> SubLanguage {
        self.with_form(Form::Automaton(Arc::clone(&self.0.all)), true)
    }

    /// No sub at all.
    pub fn none(&self) -> SubLanguage {
        self.language(Dfa::nothing(), true)
    }

    /// The subs of project `project` on refs of `ref_type` (any ref type when `None`).
    pub fn project(
        &self,
        project: &str,
        ref_type: Option<RefType>,
    ) -> Result<SubLanguage, AutomatonError> {
        // A `project_id`-first `sub` names projects by id.
        let by = if self.components().contains(Component::ProjectPath) {
            Component::ProjectPath
        } else {
            Component::ProjectId
        };
        if let Some(start) = self.project_start(project, ref_type) {
            return Ok(self.prefixed(start));
        }
        let mut constraints = vec![(by, Expr::literal(project))];
        constraints.extend(ref_type.map(|t| (Component::RefType, Expr::literal(t.name()))));
        self.constrained(&constraints)
    }

    /// The literal start of the subs of `project` on refs of `ref_type` (any when
    /// `None`), for the components in their default order and a project path that can't
    /// reach into the next component (no `:`, no control character).
    fn project_start(&self, project: &str, ref_type: Option<RefType>) -> Option<String> {
        if !self.0.gitlab
            || self.components().as_slice() != DEFAULT_ORDER
            || project.chars().any(|c| c == ':' || c.is_control())
        {
            return None;
        }
        Some(match ref_type {
            Some(ref_type) => format!("project_path:{project}:ref_type:{ref_type}:ref:"),
            None => format!("project_path:{project}:"),
        })
    }

    /// The subs of refs of `ref_type` (all subs when the claim has no `ref_type`).
    pub fn ref_type(&self, ref_type: RefType) -> Result<SubLanguage, AutomatonError> {
        Ok(self.language(self.0.all_of(ref_type).clone(), true))
    }

    /// The subs whose `ref` value is in `refs` (an expression over ref names, without
    /// `:`) and, when given, whose ref type is `ref_type`.
    pub fn refs(
        &self,
        refs: Expr,
        ref_type: Option<RefType>,
    ) -> Result<SubLanguage, AutomatonError> {
        let mut constraints = vec![(Component::Ref, refs)];
        constraints.extend(ref_type.map(|t| (Component::RefType, Expr::literal(t.name()))));
        self.constrained(&constraints)
    }

    /// The subs of projects outside `namespace`.
    pub fn outside_namespace(&self, namespace: &str) -> Result<SubLanguage, AutomatonError> {
        self.remember(&format!("outside namespace {namespace}"), |grammar| {
            let inside = grammar.inside_namespace(namespace, Case::Sensitive)?;
            grammar.all().difference(&inside)
        })
    }

    /// The subs of projects in `namespace` (or the namespace itself, if a project).
    fn inside_namespace(&self, namespace: &str, case: Case) -> Result<SubLanguage, AutomatonError> {
        self.remember(
            &format!("inside namespace {case:?} {namespace}"),
            |grammar| {
                grammar.constrained(&[(Component::ProjectPath, in_namespace_expr(namespace, case))])
            },
        )
    }

    /// The subs satisfying one condition operator with its values: any value for a
    /// positive operator, none of them for a negated one (NOR).
    pub fn clause<S: AsRef<str>>(
        &self,
        operator: SubOperator,
        values: &[S],
        bound: Bound,
    ) -> Result<SubLanguage, AutomatonError> {
        let is_key = |clause: &RecentClause| {
            Arc::ptr_eq(&clause.language.grammar.0, &self.0)
                && clause.operator == operator
                && clause.bound == bound
                && clause.values.len() == values.len()
                && clause
                    .values
                    .iter()
                    .zip(values)
                    .all(|(a, b)| a == b.as_ref())
        };
        let recent = RECENT_CLAUSES.with_borrow(|recent| {
            recent
                .iter()
                .find(|clause| is_key(clause))
                .map(|clause| clause.language.clone())
        });
        if let Some(language) = recent {
            return Ok(language);
        }
        let language = self.build_clause(operator, values, bound)?;
        RECENT_CLAUSES.with_borrow_mut(|recent| {
            if recent.len() == RECENT_CLAUSES_KEPT {
                recent.remove(0);
            }
            recent.push(RecentClause {
                operator,
                bound,
                values: values.iter().map(|v| v.as_ref().to_owned()).collect(),
                language: language.clone(),
            });
        });
        Ok(language)
    }

    /// [`SubGrammar::clause`], built.
    fn build_clause<S: AsRef<str>>(
        &self,
        operator: SubOperator,
        values: &[S],
        bound: Bound,
    ) -> Result<SubLanguage, AutomatonError> {
        if let Some(members) = self.spelled_out(operator, values) {
            return Ok(members);
        }
        if let Some(start) = self.literal_start(operator, values) {
            return Ok(self.prefixed(start));
        }
        // The values' union, approximated so the clause's result follows `bound`.
        let widen_values = (bound == Bound::Upper) != operator.is_negated();
        let approx = if widen_values {
            VariableApprox::AnyString
        } else {
            VariableApprox::NoMatch
        };
        let mut union: Option<Dfa> = None;
        let mut exact = true;
        for value in values {
            let pattern =
                Pattern::parse(value.as_ref(), operator.pattern_operator(), self.0.syntax);
            exact &= !pattern.has_variables();
            let dfa = Dfa::from_expr(&pattern.to_expr(operator.case(), approx))?;
            union = Some(match union {
                Some(union) => union.union(&dfa)?,
                None => dfa,
            });
        }
        let union = union.unwrap_or_else(Dfa::nothing);
        let dfa = if operator.is_negated() {
            self.0.all.difference(&union)?
        } else {
            self.0.all.intersection(&union)?
        };
        Ok(self.language(dfa, exact))
    }

    /// The subs satisfying every clause (one statement's `:sub` conditions, AND-ed);
    /// all subs when there is none.
    pub fn statement(
        &self,
        clauses: &[SubClause],
        bound: Bound,
    ) -> Result<SubLanguage, AutomatonError> {
        // Each clause's language is already within the grammar: start from the first.
        let mut result: Option<SubLanguage> = None;
        for clause in clauses {
            let language = self.clause(clause.operator, &clause.values, bound)?;
            result = Some(match result {
                Some(result) => result.intersection(&language)?,
                None => language,
            });
        }
        Ok(result.unwrap_or_else(|| self.all()))
    }

    /// Which namespace `pattern` names.
    pub fn named_namespace(&self, pattern: &Pattern) -> NamespaceReport {
        let (namespace, exact_project) = self.literal_project(pattern);
        NamespaceReport {
            namespace,
            exact_project,
        }
    }

    /// A sub `pattern` matches whose project is outside the namespace it names (any sub
    /// it matches when it names none); `None` when there is none (policy variables widen
    /// the pattern).
    pub fn outside_example(
        &self,
        pattern: &Pattern,
        case: Case,
    ) -> Result<Option<String>, AutomatonError> {
        let report = self.named_namespace(pattern);
        if report.exact_project {
            // A pattern that spells out its whole project path matches that project only.
            return Ok(None);
        }
        let matched = self.0.all.intersection(&Dfa::from_expr(
            &pattern.to_expr(case, VariableApprox::AnyString),
        )?)?;
        let outside = match &report.namespace {
            Some(ns) => {
                let inside = self.inside_namespace(ns, case)?;
                matched.difference(inside.automaton()?.as_ref())?
            }
            None => matched,
        };
        self.language(outside, true).example()
    }

    /// Why `pattern` matches no GitLab sub, or `None` when it matches one (policy
    /// variables widen the pattern, so only surely unmatchable patterns are reported).
    pub fn diagnose_unmatchable(
        &self,
        pattern: &Pattern,
        case: Case,
    ) -> Result<Option<Unmatchable>, AutomatonError> {
        let matched = Dfa::from_expr(&pattern.to_expr(case, VariableApprox::AnyString))?;
        if matched.intersection_witness(&self.0.all)?.is_some() {
            return Ok(None);
        }
        let components = self.components().as_slice();
        let relaxed = |loose: &dyn Fn(Component) -> bool| -> Result<Dfa, AutomatonError> {
            let parts = components.iter().enumerate().flat_map(|(i, &c)| {
                let separator = if i == 0 { "" } else { ":" };
                let value = if loose(c) {
                    Ok(value_run())
                } else {
                    c.value_language().map(|d| Expr::Automaton(Box::new(d)))
                };
                [Ok(Expr::literal(&format!("{separator}{c}:"))), value]
            });
            Dfa::from_expr(&Expr::Seq(parts.collect::<Result<Vec<_>, _>>()?))
        };
        let mut candidates = Vec::new();
        for &component in components {
            candidates.push(relaxed(&|c| c == component)?);
        }
        candidates.push(relaxed(&|_| true)?);
        let any_name = Expr::Alt(
            Component::ALL
                .iter()
                .map(|c| Expr::literal(c.name()))
                .collect(),
        );
        let pair = Expr::Seq(vec![any_name, Expr::literal(":"), value_run()]);
        candidates.push(Dfa::from_expr(&Expr::Seq(vec![
            pair.clone(),
            Expr::Star(Box::new(Expr::Seq(vec![Expr::literal(":"), pair]))),
        ]))?);
        candidates.push(Dfa::everything());
        for candidate in candidates {
            if let Some(example) = matched.intersection_witness(&candidate)? {
                if let Err(reason) = parse_sub(&example, self.components()) {
                    return Ok(Some(Unmatchable { example, reason }));
                }
            }
        }
        Ok(None)
    }

    /// The namespace a pattern's literal start names, and whether its project path is
    /// fully literal.
    fn literal_project(&self, pattern: &Pattern) -> (Option<String>, bool) {
        let Some(field) = self.components().value_field(Component::ProjectPath) else {
            return (None, false);
        };
        let fully_literal = pattern.literal_text().is_some();
        let prefix = pattern.literal_prefix();
        let fields: Vec<&str> = prefix.split(':').collect();
        // The names (and values) before the project path must be literal and in order.
        let names_fit = self
            .components()
            .as_slice()
            .iter()
            .take(field / 2 + 1)
            .enumerate()
            .all(|(i, c)| fields.get(2 * i) == Some(&c.name()) && fields.len() > 2 * i + 1);
        let Some(value) = fields.get(field).filter(|_| names_fit) else {
            return (None, false);
        };
        if fields.len() > field + 1 || fully_literal {
            return (Some((*value).to_owned()), true);
        }
        let named = match value.rfind('/') {
            Some(slash) => value.get(..slash).unwrap_or(value),
            None => value,
        };
        if named.is_empty() {
            (None, false)
        } else {
            (Some(named.to_owned()), false)
        }
    }

    /// The subs a positive, case-sensitive clause admits when every value is spelled out
    /// (no wildcard, no policy variable): those of its values that are GitLab subs.
    fn spelled_out<S: AsRef<str>>(
        &self,
        operator: SubOperator,
        values: &[S],
    ) -> Option<SubLanguage> {
        if operator.is_negated() || operator.case() != Case::Sensitive {
            return None;
        }
        let mut members = BTreeSet::new();
        for value in values {
            let text = Pattern::literal_text_of(
                value.as_ref(),
                operator.pattern_operator(),
                self.0.syntax,
            )
            .filter(|text| !text.chars().any(|c| c.is_ascii_control()))?;
            if self.0.all.contains(&text) {
                members.insert(text);
            }
        }
        Some(self.with_form(Form::Members(Arc::new(members)), true))
    }

    /// The literal start of a positive, case-sensitive `StringLike` clause of one value
    /// that is literal characters followed by `*` (no policy variable, no control
    /// character).
    fn literal_start<S: AsRef<str>>(&self, operator: SubOperator, values: &[S]) -> Option<String> {
        let [value] = values else {
            return None;
        };
        if operator != SubOperator::Like {
            return None;
        }
        Pattern::literal_then_any_run_of(value.as_ref(), self.0.syntax)
            .filter(|start| !start.chars().any(|c| c.is_ascii_control()))
    }

    /// The subs starting with `start`.
    fn prefixed(&self, start: String) -> SubLanguage {
        let subs = PrefixSubs::new(start, Arc::clone(&self.0.all), true);
        self.with_form(Form::Prefix(Arc::new(subs)), true)
    }

    /// [`SubLanguage::project_with_every_ref`] of the subs starting with a start (and
    /// none of its exclusions), within every sub, for the components in their default
    /// order: every project whose subs of `ref_type` all start with the start (and none
    /// is left out); the first in the witness order of the projection's search.
    fn project_by_start(
        &self,
        subs: &PrefixSubs,
        ref_type: RefType,
    ) -> Result<Option<String>, AutomatonError> {
        const FIELD: &str = "project_path:";
        let projects = Component::ProjectPath.value_language()?;
        let start = subs.prefix();
        let path = match start.strip_prefix(FIELD) {
            Some(path) => path,
            None if FIELD.starts_with(start) => "",
            None => return Ok(None),
        };
        if let Some((project, after)) = path.split_once(':') {
            // One project: does every ref of the type follow its start, and none of its
            // subs start with an exclusion?
            let refs_start = format!(":ref_type:{ref_type}:ref:");
            let every_ref = refs_start.starts_with(&format!(":{after}"))
                && !subs.excludes_some_starting_with(&format!("{FIELD}{project}{refs_start}"));
            return Ok((every_ref && projects.contains(project)).then(|| project.to_owned()));
        }
        if subs.has_exclusions() {
            // Projects with exclusions among them: the search over the automaton.
            return self.project_by_ref_states(subs.automaton()?, ref_type);
        }
        // Every project whose path starts with `path`: the first of them.
        let alphabet = subs
            .alphabet()
            .union(self.0.all_of(ref_type).alphabet())
            .union(projects.alphabet());
        let rest = projects.witness_from(
            projects.state_after(0, path),
            alphabet.other_representative(),
        );
        Ok(rest.map(|rest| format!("{path}{rest}")))
    }

    /// [`SubLanguage::project_with_every_ref`] for any components: the projects (the
    /// values of component `by`, field `field`) of the subs of `ref_type` that `dfa`
    /// lacks, projected, and the first project not among them.
    fn project_by_projection(
        &self,
        dfa: &Dfa,
        ref_type: RefType,
        by: Component,
        field: usize,
    ) -> Result<Option<String>, AutomatonError> {
        let missing = self.0.all_of(ref_type).difference(dfa)?;
        let lacking = missing.field_values(':', field)?;
        let projects = by.value_language()?;
        Ok(projects.difference(&lacking)?.witness())
    }

    /// [`SubLanguage::project_with_every_ref`] for the components in their default
    /// order, without the projection: a project has every ref exactly when reading
    /// `project_path:{project}:ref_type:{type}:ref:` leads `dfa` to a state from which it
    /// accepts every ref name. The few states reached that way are judged once each,
    /// and the first project leading to a good one is searched over the characters the
    /// projection's answer is searched over, so both give the same project (a property
    /// test compares them).
    fn project_by_ref_states(
        &self,
        dfa: &Dfa,
        ref_type: RefType,
    ) -> Result<Option<String>, AutomatonError> {
        let at_path = dfa.state_after(0, "project_path:");
        let to_ref = format!(":ref_type:{}:ref:", ref_type.name());
        let refs = Component::Ref.value_language()?;
        // Whether the state at the ref accepts every ref name, and which path ends lead
        // to a state that does (a string through another state holds a `:`: no path).
        let mut every_ref: HashMap<usize, bool> = HashMap::new();
        let mut good_ends: BTreeSet<usize> = BTreeSet::new();
        for path_end in dfa.states_before(at_path, ':') {
            let at_ref = dfa.state_after(path_end, &to_ref);
            let holds_all = match every_ref.entry(at_ref) {
                Entry::Occupied(entry) => *entry.get(),
                Entry::Vacant(entry) => {
                    let accepted = dfa.rooted_at(at_ref, |_, accepting| accepting);
                    *entry.insert(refs.difference_witness(&accepted)?.is_none())
                }
            };
            if holds_all {
                good_ends.insert(path_end);
            }
        }
        if good_ends.is_empty() {
            return Ok(None);
        }
        let projects = dfa.rooted_at(at_path, |path_end, _| good_ends.contains(&path_end));
        // The projection's characters: the subs' of that ref type and this language's.
        let projects = projects.over_alphabet(self.0.all_of(ref_type).alphabet());
        Component::ProjectPath
            .value_language()?
            .intersection_witness(&projects)
    }

    /// The subs whose values satisfy `constraints` (see [`constrain`]).
    fn constrained(
        &self,
        constraints: &[(Component, Expr)],
    ) -> Result<SubLanguage, AutomatonError> {
        let dfa = constrain(&self.0.all, self.components(), constraints)?;
        Ok(self.language(dfa, true))
    }

    fn language(&self, dfa: Dfa, exact: bool) -> SubLanguage {
        self.with_form(Form::Automaton(Arc::new(dfa)), exact)
    }

    fn with_form(&self, form: Form, exact: bool) -> SubLanguage {
        SubLanguage {
            grammar: self.clone(),
            form,
            exact,
        }
    }
}

impl SubLanguage {
    /// The automaton of the language (built for a language of spelled-out subs).
    pub fn automaton(&self) -> Result<Cow<'_, Dfa>, AutomatonError> {
        match &self.form {
            Form::Automaton(dfa) => Ok(Cow::Borrowed(dfa.as_ref())),
            Form::Prefix(subs) => Ok(Cow::Borrowed(subs.automaton()?)),
            Form::Members(members) if members.is_empty() => Ok(Cow::Owned(Dfa::nothing())),
            Form::Members(members) => {
                let texts: Vec<&str> = members.iter().map(String::as_str).collect();
                Ok(Cow::Owned(Dfa::from_expr(&Expr::one_of_strings(&texts))?))
            }
        }
    }

    /// False when a policy variable was approximated somewhere in the language.
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    /// The subs in either language (e.g. several `Allow` statements).
    pub fn union(&self, other: &SubLanguage) -> Result<SubLanguage, AutomatonError> {
        let form = match (&self.form, &other.form) {
            (Form::Members(mine), Form::Members(theirs)) => {
                Form::Members(Arc::new(mine.union(theirs).cloned().collect()))
            }
            _ => Form::Automaton(Arc::new(
                self.automaton()?.union(other.automaton()?.as_ref())?,
            )),
        };
        Ok(self.derived(form, other))
    }

    /// The subs in both languages (e.g. several clauses of one statement).
    pub fn intersection(&self, other: &SubLanguage) -> Result<SubLanguage, AutomatonError> {
        let form = match (&self.form, &other.form) {
            (Form::Members(mine), _) => members_where(mine, |sub| other.contains(sub)),
            (_, Form::Members(theirs)) => members_where(theirs, |sub| self.contains(sub)),
            (Form::Prefix(mine), Form::Prefix(theirs))
                if mine.within_all() && theirs.within_all() =>
            {
                match mine.meet(theirs) {
                    Some(both) => Form::Prefix(Arc::new(both)),
                    None => Form::Automaton(Arc::new(
                        self.automaton()?
                            .intersection(other.automaton()?.as_ref())?,
                    )),
                }
            }
            (Form::Prefix(start), Form::Automaton(narrower))
            | (Form::Automaton(narrower), Form::Prefix(start))
                if start.within_all() =>
            {
                Form::Prefix(Arc::new(start.narrowed(narrower)))
            }
            _ => Form::Automaton(Arc::new(
                self.automaton()?
                    .intersection(other.automaton()?.as_ref())?,
            )),
        };
        Ok(self.derived(form, other))
    }

    /// The subs in this language but not in `other` (e.g. `Allow` minus `Deny`; build the
    /// `Deny` side with the opposite [`Bound`]).
    pub fn difference(&self, other: &SubLanguage) -> Result<SubLanguage, AutomatonError> {
        let form = match &self.form {
            Form::Members(mine) => members_where(mine, |sub| !other.contains(sub)),
            // A carve-out by another start (`…:ref:*` but not `…:ref:feature/*`).
            Form::Prefix(mine) => match &other.form {
                Form::Prefix(theirs) if mine.within_all() && theirs.within_all() => {
                    match mine.excluding(theirs) {
                        Some(rest) => Form::Prefix(Arc::new(rest)),
                        None => Form::Automaton(Arc::new(
                            mine.automaton()?.difference(theirs.automaton()?)?,
                        )),
                    }
                }
                _ => Form::Automaton(Arc::new(
                    mine.automaton()?.difference(other.automaton()?.as_ref())?,
                )),
            },
            Form::Automaton(_) => Form::Automaton(Arc::new(
                self.automaton()?.difference(other.automaton()?.as_ref())?,
            )),
        };
        Ok(self.derived(form, other))
    }

    /// No sub at all (an unmatchable condition: AccessDenied for every token).
    pub fn is_empty(&self) -> bool {
        match &self.form {
            Form::Members(members) => members.is_empty(),
            Form::Prefix(subs) => subs.is_empty(),
            Form::Automaton(dfa) => dfa.is_empty(),
        }
    }

    /// Every GitLab sub: no effective restriction.
    pub fn is_all(&self) -> Result<bool, AutomatonError> {
        if matches!(self.form, Form::Members(_)) && !self.grammar.0.all_is_finite {
            return Ok(false);
        }
        if let Some(probe) = &self.grammar.0.probe {
            if !self.contains(probe) {
                return Ok(false);
            }
        }
        match &self.form {
            Form::Prefix(subs) if subs.within_all() => return Ok(subs.holds_all_starting_with("")),
            Form::Automaton(dfa) if Arc::ptr_eq(dfa, &self.grammar.0.all) => return Ok(true),
            _ => {}
        }
        self.grammar.0.all.is_subset_of(self.automaton()?.as_ref())
    }

    /// Is `sub` in the language?
    pub fn contains(&self, sub: &str) -> bool {
        match &self.form {
            Form::Members(members) => members.contains(sub),
            Form::Prefix(subs) => subs.contains(sub),
            Form::Automaton(dfa) => dfa.contains(sub),
        }
    }

    /// The subs of `subs` that are in the language, in order.
    pub fn filter_matching<'a, S: AsRef<str>>(&self, subs: &'a [S]) -> Vec<&'a S> {
        subs.iter().filter(|s| self.contains(s.as_ref())).collect()
    }

    /// Every sub of the language, in order, when it holds at most `limit` of them
    /// written with ordinary characters (see [`Dfa::finite_members`]).
    pub fn finite_members(&self, limit: usize) -> Option<Vec<String>> {
        match &self.form {
            Form::Members(members) => {
                (members.len() <= limit).then(|| members.iter().cloned().collect())
            }
            Form::Prefix(_) | Form::Automaton(_) => self.automaton().ok()?.finite_members(limit),
        }
    }

    /// The shortest, then smallest, sub of the language.
    pub fn witness(&self) -> Option<String> {
        match &self.form {
            Form::Members(members) => first_in_witness_order(members.iter()),
            Form::Prefix(subs) => subs.witness(),
            Form::Automaton(dfa) => dfa.witness(),
        }
    }

    /// A readable sub of the language for messages: preferably on branch `main`, else
    /// on a branch, else any (each the shortest, then smallest).
    pub fn example(&self) -> Result<Option<String>, AutomatonError> {
        let preferences = [&self.grammar.0.main_branch, &self.grammar.0.branches];
        match self.first_witness_in(preferences)? {
            Some(found) => Ok(Some(found)),
            None => Ok(self.witness()),
        }
    }

    /// The [`SubLanguage::example`] of the subs of this language in `region` (the same
    /// answer as `self.intersection(region's language)?.example()`: the searches run
    /// over the same characters, so they find the same strings).
    pub fn example_within(&self, region: &SubRegion) -> Result<Option<String>, AutomatonError> {
        self.first_witness_in(region.preferences.iter())
    }

    /// The witness of this language within the first of `preferences` it meets.
    fn first_witness_in<'d>(
        &self,
        preferences: impl IntoIterator<Item = &'d Dfa>,
    ) -> Result<Option<String>, AutomatonError> {
        for preferred in preferences {
            let found = match &self.form {
                Form::Members(members) => {
                    first_in_witness_order(members.iter().filter(|sub| preferred.contains(sub)))
                }
                Form::Prefix(subs) if subs.within_all() => subs.witness_within(preferred),
                _ => self.automaton()?.intersection_witness(preferred)?,
            };
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// A sub of the language whose project is outside `namespace`, if any.
    pub fn outside_namespace_example(
        &self,
        namespace: &str,
    ) -> Result<Option<String>, AutomatonError> {
        if let (Form::Prefix(subs), true) = (&self.form, self.grammar.0.gitlab) {
            // A start that spells out the project or a path in the namespace keeps every
            // sub inside.
            let first = self.grammar.components().as_slice().first();
            let path = subs.prefix().strip_prefix("project_path:");
            let inside = path
                .and_then(|path| path.strip_prefix(namespace))
                .is_some_and(|after| after.starts_with('/') || after.starts_with(':'));
            if first == Some(&Component::ProjectPath) && inside {
                return Ok(None);
            }
        }
        self.intersection(&self.grammar.outside_namespace(namespace)?)?
            .example()
    }

    /// Does the language hold every sub of `other`?
    pub fn includes(&self, other: &SubLanguage) -> Result<bool, AutomatonError> {
        if let (Form::Prefix(mine), Form::Prefix(theirs)) = (&self.form, &other.form) {
            if mine.within_all() && theirs.within_all() && !theirs.has_exclusions() {
                return Ok(if theirs.prefix().starts_with(mine.prefix()) {
                    !mine.excludes_some_starting_with(theirs.prefix())
                } else if mine.prefix().starts_with(theirs.prefix()) {
                    mine.holds_all_starting_with(theirs.prefix())
                } else {
                    other.is_empty()
                });
            }
        }
        Ok(other
            .automaton()?
            .difference_witness(self.automaton()?.as_ref())?
            .is_none())
    }

    /// Does the language hold the sub of every ref of `ref_type` of `project`?
    pub fn accepts_every_ref_of(
        &self,
        project: &str,
        ref_type: RefType,
    ) -> Result<bool, AutomatonError> {
        self.includes(&self.grammar.project(project, Some(ref_type))?)
    }

    /// A project (its path, or its id when the `sub` names projects by `project_id`)
    /// every ref of `ref_type` of which is in the language (the question of TL104, over
    /// all projects at once); `None` when there is none.
    pub fn project_with_every_ref(
        &self,
        ref_type: RefType,
    ) -> Result<Option<String>, AutomatonError> {
        let components = self.grammar.components();
        let Some((by, field)) = [Component::ProjectPath, Component::ProjectId]
            .into_iter()
            .find_map(|by| Some((by, components.value_field(by)?)))
        else {
            return Ok(None);
        };
        // Every project has infinitely many refs of each type: a finite language (every
        // language of members) holds all of no project's. With refs in the claim, the
        // search below finds that too, so only the cheaper probe runs first.
        let dfa = match &self.form {
            Form::Members(_) => return Ok(None),
            Form::Prefix(subs)
                if subs.within_all()
                    && self.grammar.0.gitlab
                    && self.grammar.components().as_slice() == DEFAULT_ORDER =>
            {
                return self.grammar.project_by_start(subs, ref_type);
            }
            Form::Prefix(_) | Form::Automaton(_) => self.automaton()?,
        };
        let dfa = dfa.as_ref();
        if !self.grammar.components().contains(Component::Ref) {
            if dfa.is_finite() {
                return Ok(None);
            }
        } else {
            // Such a project has the ref `PROBE_REF` too: a cheap test that rules out
            // most languages (a pinned ref, `v*`, a finite list) before the search.
            let probe = self
                .grammar
                .remember(&format!("probe {ref_type}"), |grammar| {
                    grammar.refs(Expr::literal(PROBE_REF), Some(ref_type))
                })?;
            if dfa
                .intersection_witness(probe.automaton()?.as_ref())?
                .is_none()
            {
                return Ok(None);
            }
        }
        if self.grammar.components().as_slice() == DEFAULT_ORDER {
            self.grammar.project_by_ref_states(dfa, ref_type)
        } else {
            self.grammar.project_by_projection(dfa, ref_type, by, field)
        }
    }

    /// A pair of subs of the language for the same project and ref name, one on a branch
    /// and one on a tag (the ref name is fixed but its type is not, TL117); `None` when
    /// no branch and same-named tag are both admitted. Requires `ref_type` and `ref`
    /// among the components.
    pub fn same_name_branch_and_tag(&self) -> Result<Option<(String, String)>, AutomatonError> {
        let components = self.grammar.components();
        let Some(field) = components.value_field(Component::RefType) else {
            return Ok(None);
        };
        if !components.contains(Component::Ref) {
            return Ok(None);
        }
        let as_tag = |sub: &str| {
            sub.split(':')
                .enumerate()
                .map(|(i, part)| {
                    if i == field {
                        RefType::Tag.name()
                    } else {
                        part
                    }
                })
                .collect::<Vec<_>>()
                .join(":")
        };
        let branches = &self.grammar.0.branches;
        let both = match &self.form {
            Form::Members(members) => members_where(members, |sub| {
                branches.contains(sub) && members.contains(&as_tag(sub))
            }),
            Form::Prefix(subs)
                if subs.within_all()
                    && (subs.witness_within(&self.grammar.0.tags).is_none()
                        || subs.witness_within(branches).is_none()) =>
            {
                return Ok(None);
            }
            Form::Prefix(_) | Form::Automaton(_) => {
                let dfa = self.automaton()?;
                let dfa = dfa.as_ref();
                // Without a tag or without a branch there is no pair: two searches spare
                // most languages (`ref_type:tag:ref:v*`) the constructions below.
                let tags = &self.grammar.0.tags;
                if dfa.intersection_witness(tags)?.is_none()
                    || dfa.intersection_witness(branches)?.is_none()
                {
                    return Ok(None);
                }
                let tag_as_branch = dfa.with_field_replaced(':', field, RefType::Tag.name())?;
                Form::Automaton(Arc::new(
                    branches.intersection(dfa)?.intersection(&tag_as_branch)?,
                ))
            }
        };
        let Some(branch) = self.derived(both, self).example()? else {
            return Ok(None);
        };
        let tag = as_tag(&branch);
        Ok(Some((branch, tag)))
    }

    fn derived(&self, form: Form, other: &SubLanguage) -> SubLanguage {
        SubLanguage {
            grammar: self.grammar.clone(),
            form,
            exact: self.exact && other.exact,
        }
    }
}

/// The members satisfying `keep`.
fn members_where(members: &BTreeSet<String>, keep: impl Fn(&str) -> bool) -> Form {
    Form::Members(Arc::new(
        members.iter().filter(|sub| keep(sub)).cloned().collect(),
    ))
}

/// The first of `subs` in the automata's witness order: shortest (in characters), then
/// smallest character by character.
fn first_in_witness_order<'a>(subs: impl Iterator<Item = &'a String>) -> Option<String> {
    subs.min_by_key(|sub| (sub.chars().count(), sub.as_str()))
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grammar() -> SubGrammar {
        SubGrammar::new(SubComponents::default()).unwrap()
    }

    #[test]
    fn shared_grammars_are_built_once_per_components() {
        let first = SubGrammar::shared(SubComponents::default()).unwrap();
        let again = SubGrammar::shared(SubComponents::default()).unwrap();
        assert!(Arc::ptr_eq(&first.0, &again.0));
        let other = SubComponents::from_names(&["project_path".to_owned()]).unwrap();
        let shared_other = SubGrammar::shared(other.clone()).unwrap();
        assert_eq!(shared_other.components(), &other);
        assert!(!Arc::ptr_eq(&first.0, &shared_other.0));
    }

    fn like(patterns: &[&str]) -> SubLanguage {
        grammar()
            .clause(SubOperator::Like, patterns, Bound::Upper)
            .unwrap()
    }

    const MAIN: &str = "project_path:acme/infra:ref_type:branch:ref:main";

    #[test]
    fn exact_value_restricts() {
        let lang = grammar()
            .clause(SubOperator::Equals, &[MAIN], Bound::Upper)
            .unwrap();
        assert!(lang.is_exact());
        assert!(!lang.is_all().unwrap());
        assert!(lang.contains(MAIN));
        assert_eq!(lang.witness().as_deref(), Some(MAIN));
        assert_eq!(lang.outside_namespace_example("acme").unwrap(), None);
        assert!(!lang
            .accepts_every_ref_of("acme/infra", RefType::Branch)
            .unwrap());
        assert_eq!(lang.project_with_every_ref(RefType::Branch).unwrap(), None);
        assert_eq!(lang.same_name_branch_and_tag().unwrap(), None);
    }

    #[test]
    fn star_is_no_restriction() {
        let lang = like(&["*"]);
        assert!(lang.is_all().unwrap());
        assert!(like(&["project_path:*"]).is_all().unwrap());
        assert!(!like(&["project_path:*:ref_type:branch:ref:*"])
            .is_all()
            .unwrap());
        assert!(grammar()
            .statement(&[], Bound::Upper)
            .unwrap()
            .is_all()
            .unwrap());
    }

    #[test]
    fn foreign_namespace() {
        let lang = like(&["project_path:acme*"]);
        assert_eq!(
            lang.outside_namespace_example("acme").unwrap().as_deref(),
            Some("project_path:acmex/x:ref_type:branch:ref:main")
        );
        let inside = like(&["project_path:acme/*:ref_type:branch:ref:main"]);
        assert_eq!(inside.outside_namespace_example("acme").unwrap(), None);
        let any_project = like(&["project_path:*:ref_type:branch:ref:main"]);
        assert_eq!(
            any_project
                .outside_namespace_example("acme")
                .unwrap()
                .as_deref(),
            Some("project_path:x/x:ref_type:branch:ref:main")
        );
    }

    #[test]
    fn every_branch_and_tag() {
        let all_branches = like(&["project_path:acme/infra:ref_type:branch:ref:*"]);
        assert!(all_branches
            .accepts_every_ref_of("acme/infra", RefType::Branch)
            .unwrap());
        assert!(!all_branches
            .accepts_every_ref_of("acme/infra", RefType::Tag)
            .unwrap());
        assert_eq!(
            all_branches
                .project_with_every_ref(RefType::Branch)
                .unwrap()
                .as_deref(),
            Some("acme/infra")
        );
        let any_type = like(&["project_path:acme/infra:ref_type:*:ref:*"]);
        assert!(any_type
            .accepts_every_ref_of("acme/infra", RefType::Tag)
            .unwrap());
        let main_only = like(&[MAIN]);
        assert!(!main_only
            .accepts_every_ref_of("acme/infra", RefType::Branch)
            .unwrap());
        assert!(main_only.includes(&like(&[MAIN])).unwrap());
        assert!(!main_only.includes(&all_branches).unwrap());
        assert!(all_branches.includes(&main_only).unwrap());
        let group = like(&["project_path:acme/*:ref_type:branch:ref:*"]);
        assert_eq!(
            group
                .project_with_every_ref(RefType::Branch)
                .unwrap()
                .as_deref(),
            Some("acme/x")
        );
        // The probe is a ref every project can have; pinned refs fail it.
        assert_eq!(Component::Ref.check_value(PROBE_REF), Ok(()));
        for pinned in [
            "project_path:acme/*:ref_type:branch:ref:v*",
            "*:ref:main",
            "*ref:?",
        ] {
            assert_eq!(
                like(&[pinned])
                    .project_with_every_ref(RefType::Branch)
                    .unwrap(),
                None
            );
        }
    }

    #[test]
    fn deny_carve_outs() {
        let g = grammar();
        let allow = like(&["project_path:acme/infra:ref_type:branch:ref:*"]);
        let deny = g
            .clause(
                SubOperator::Like,
                &["project_path:acme/infra:ref_type:branch:ref:feature/*"],
                Bound::Lower,
            )
            .unwrap();
        let effective = allow.difference(&deny).unwrap();
        assert!(effective.contains(MAIN));
        assert!(!effective.contains("project_path:acme/infra:ref_type:branch:ref:feature/x"));
        assert!(!effective
            .accepts_every_ref_of("acme/infra", RefType::Branch)
            .unwrap());
        // StringNotLike in the same statement: NOR of the values.
        let statement = g
            .statement(
                &[
                    SubClause::new(SubOperator::Like, &["project_path:acme/*"]),
                    SubClause::new(
                        SubOperator::NotLike,
                        &["*:ref_type:tag:*", "project_path:acme/legacy:*"],
                    ),
                ],
                Bound::Upper,
            )
            .unwrap();
        let subs = [
            MAIN,
            "project_path:acme/infra:ref_type:tag:ref:v1",
            "project_path:acme/legacy:ref_type:branch:ref:main",
            "project_path:other/x:ref_type:branch:ref:main",
        ];
        assert_eq!(statement.filter_matching(&subs), vec![&MAIN]);
        // Only negated operators: everything else is admitted.
        let deny_only = g
            .clause(SubOperator::NotEquals, &[MAIN], Bound::Upper)
            .unwrap();
        assert!(deny_only.contains("project_path:evil/x:ref_type:branch:ref:main"));
    }

    #[test]
    fn unmatchable_patterns() {
        let g = grammar();
        let mr = like(&["project_path:acme/infra:ref_type:mr:ref:*"]);
        assert!(mr.is_empty());
        let diagnosis = g
            .diagnose_unmatchable(
                &Pattern::like("project_path:acme/infra:ref_type:mr:ref:*"),
                Case::Sensitive,
            )
            .unwrap()
            .unwrap();
        assert_eq!(
            diagnosis.reason,
            SubError::InvalidRefType { value: "mr".into() }
        );
        assert_eq!(
            diagnosis.example,
            "project_path:acme/infra:ref_type:mr:ref:x"
        );
        let no_prefix = g
            .diagnose_unmatchable(&Pattern::equals("acme/infra:main"), Case::Sensitive)
            .unwrap()
            .unwrap();
        assert_eq!(
            no_prefix.reason,
            SubError::MissingPrefix {
                expected: Component::ProjectPath
            }
        );
        let order = g
            .diagnose_unmatchable(
                &Pattern::like("project_path:acme/infra:ref:main:ref_type:branch"),
                Case::Sensitive,
            )
            .unwrap()
            .unwrap();
        assert!(matches!(order.reason, SubError::OutOfOrder { .. }));
        let ok = g
            .diagnose_unmatchable(&Pattern::like("project_path:acme/*"), Case::Sensitive)
            .unwrap();
        assert_eq!(ok, None);
    }

    #[test]
    fn named_namespaces() {
        let g = grammar();
        let report = |p: &str| g.named_namespace(&Pattern::like(p));
        let outside = |p: &str| {
            g.outside_example(&Pattern::like(p), Case::Sensitive)
                .unwrap()
        };
        let r = report("project_path:mygroup/*");
        assert_eq!(r.namespace.as_deref(), Some("mygroup"));
        assert!(!r.exact_project);
        assert_eq!(outside("project_path:mygroup/*"), None);
        let r = report("project_path:mygroup*");
        assert_eq!(r.namespace.as_deref(), Some("mygroup"));
        assert_eq!(
            outside("project_path:mygroup*").as_deref(),
            Some("project_path:mygroupx/x:ref_type:branch:ref:main")
        );
        let r = report(MAIN);
        assert_eq!(r.namespace.as_deref(), Some("acme/infra"));
        assert!(r.exact_project);
        assert_eq!(outside(MAIN), None);
        let r = report("project_path:acme/infra:ref_type:*:ref:main");
        assert_eq!(r.namespace.as_deref(), Some("acme/infra"));
        assert!(r.exact_project);
        let r = report("project_path:acme/inf*");
        assert_eq!(r.namespace.as_deref(), Some("acme"));
        assert_eq!(outside("project_path:acme/inf*"), None);
        let r = report("project_path:*:ref_type:branch:ref:main");
        assert_eq!(r.namespace, None);
        assert!(outside("project_path:*:ref_type:branch:ref:main").is_some());
        let r = report("*:ref_type:branch:ref:main");
        assert_eq!(r.namespace, None);
        assert!(outside("*:ref_type:branch:ref:main").is_some());
        let r = report("*");
        assert_eq!(r.namespace, None);
        let insensitive_pattern =
            Pattern::equals("project_path:ACME/infra:ref_type:branch:ref:main");
        let insensitive = g.named_namespace(&insensitive_pattern);
        assert_eq!(insensitive.namespace.as_deref(), Some("ACME/infra"));
        assert_eq!(
            g.outside_example(&insensitive_pattern, Case::Insensitive)
                .unwrap(),
            None
        );
    }

    #[test]
    fn ref_type_unpinned() {
        let lang = like(&["project_path:acme/infra:ref_type:*:ref:main"]);
        assert_eq!(
            lang.same_name_branch_and_tag().unwrap(),
            Some((
                MAIN.to_owned(),
                "project_path:acme/infra:ref_type:tag:ref:main".to_owned()
            ))
        );
        let pinned = like(&[
            "project_path:acme/infra:ref_type:branch:ref:main",
            "project_path:acme/infra:ref_type:tag:ref:v*",
        ]);
        assert_eq!(pinned.same_name_branch_and_tag().unwrap(), None);
    }

    #[test]
    fn other_component_orders() {
        let components = SubComponents::from_names(&["project_path", "ref"]).unwrap();
        let g = SubGrammar::new(components).unwrap();
        let lang = g
            .clause(
                SubOperator::Like,
                &["project_path:acme/infra:ref:main"],
                Bound::Upper,
            )
            .unwrap();
        // Without ref_type, a tag named main is the same sub.
        assert!(!lang
            .accepts_every_ref_of("acme/infra", RefType::Tag)
            .unwrap());
        assert!(!lang.is_empty());
        let default_form = g.clause(SubOperator::Like, &[MAIN], Bound::Upper).unwrap();
        assert!(default_form.is_empty());
        let whole_project = g
            .clause(
                SubOperator::Like,
                &["project_path:acme/infra"],
                Bound::Upper,
            )
            .unwrap();
        assert!(whole_project.is_empty());
        let reordered = SubComponents::from_names(&["project_path", "ref", "ref_type"]).unwrap();
        let g = SubGrammar::new(reordered).unwrap();
        let lang = g
            .clause(
                SubOperator::Like,
                &["project_path:acme/infra:ref:*:ref_type:branch"],
                Bound::Upper,
            )
            .unwrap();
        assert!(lang
            .accepts_every_ref_of("acme/infra", RefType::Branch)
            .unwrap());
        assert_eq!(
            lang.project_with_every_ref(RefType::Branch)
                .unwrap()
                .as_deref(),
            Some("acme/infra")
        );
        let no_ref = SubComponents::from_names(&["project_path", "ref_type"]).unwrap();
        let g = SubGrammar::new(no_ref).unwrap();
        let lang = g
            .clause(
                SubOperator::Equals,
                &["project_path:acme/infra:ref_type:branch"],
                Bound::Upper,
            )
            .unwrap();
        assert!(lang
            .accepts_every_ref_of("acme/infra", RefType::Branch)
            .unwrap());
    }

    #[test]
    fn policy_variables_follow_the_bound() {
        let g = grammar();
        let values = ["project_path:${aws:username}/*"];
        let upper = g.clause(SubOperator::Like, &values, Bound::Upper).unwrap();
        let lower = g.clause(SubOperator::Like, &values, Bound::Lower).unwrap();
        assert!(!upper.is_exact() && !lower.is_exact());
        assert!(upper.contains(MAIN));
        assert!(lower.is_empty());
        let not_upper = g
            .clause(SubOperator::NotLike, &values, Bound::Upper)
            .unwrap();
        assert!(not_upper.is_all().unwrap());
        let legacy = g.with_variable_syntax(VariableSyntax::Literal);
        let literal = legacy
            .clause(
                SubOperator::Like,
                &["project_path:${group}/*"],
                Bound::Lower,
            )
            .unwrap();
        assert!(literal.is_exact());
        assert!(literal.contains("project_path:${group}/x:ref_type:tag:ref:v1"));
        assert!(!literal.contains(MAIN));
    }

    #[test]
    fn generic_universe() {
        let universe =
            Dfa::from_expr(&Expr::Seq(vec![Expr::literal("repo:"), Expr::any_string()])).unwrap();
        let g = SubGrammar::generic(universe);
        let clause = |op, values: &[&str]| g.clause(op, values, Bound::Upper).unwrap();
        assert!(clause(SubOperator::Like, &["*"]).is_all().unwrap());
        assert!(clause(SubOperator::Like, &["repo:*"]).is_all().unwrap());
        assert!(!clause(SubOperator::Like, &["repo:acme/*"])
            .is_all()
            .unwrap());
        assert!(!clause(SubOperator::NotEquals, &["repo:evil/x"])
            .is_all()
            .unwrap());
        assert!(clause(SubOperator::Like, &["project_path:*"]).is_empty());
    }

    #[test]
    fn recent_clauses_are_per_grammar() {
        let full = grammar();
        let paths_only =
            SubGrammar::new(SubComponents::from_names(&["project_path".to_owned()]).unwrap())
                .unwrap();
        let ask = |g: &SubGrammar| {
            g.clause(SubOperator::Like, &["project_path:acme/*"], Bound::Upper)
                .unwrap()
        };
        for _ in 0..2 {
            assert!(ask(&full).contains(MAIN));
            assert!(!ask(&full).contains("project_path:acme/infra"));
            assert!(ask(&paths_only).contains("project_path:acme/infra"));
            assert!(!ask(&paths_only).contains(MAIN));
        }
        // Another bound or operator is another clause.
        let negated = full
            .clause(SubOperator::NotLike, &["project_path:acme/*"], Bound::Upper)
            .unwrap();
        assert!(!negated.contains(MAIN));
    }

    #[test]
    fn ignore_case_equals() {
        let g = grammar();
        let lang = g
            .clause(
                SubOperator::EqualsIgnoreCase,
                &["PROJECT_PATH:Acme/Infra:REF_TYPE:BRANCH:REF:MAIN"],
                Bound::Upper,
            )
            .unwrap();
        assert!(lang.contains(MAIN));
        assert!(lang.contains("project_path:ACME/INFRA:ref_type:branch:ref:Main"));
    }

    /// The same language held as an automaton (the general form).
    fn as_automaton(language: &SubLanguage) -> SubLanguage {
        let dfa = language.automaton().unwrap().into_owned();
        language.derived(Form::Automaton(Arc::new(dfa)), language)
    }

    /// Every question asked of `language`, as text, to compare the two forms.
    fn answers(language: &SubLanguage, other: &SubLanguage) -> Vec<String> {
        let g = &language.grammar;
        vec![
            format!("{:?}", language.is_empty()),
            format!("{:?}", language.is_all()),
            format!("{:?}", language.witness()),
            format!("{:?}", language.example()),
            format!("{:?}", language.finite_members(4)),
            format!("{:?}", language.same_name_branch_and_tag()),
            format!("{:?}", language.outside_namespace_example("acme")),
            format!(
                "{:?}",
                language.accepts_every_ref_of("acme/infra", RefType::Tag)
            ),
            format!("{:?}", language.project_with_every_ref(RefType::Branch)),
            format!("{:?}", language.contains(MAIN)),
            format!("{:?}", language.union(other).unwrap().witness()),
            format!("{:?}", language.union(other).unwrap().finite_members(9)),
            format!("{:?}", language.intersection(other).unwrap().example()),
            format!(
                "{:?}",
                other.intersection(language).unwrap().finite_members(9)
            ),
            format!(
                "{:?}",
                language.difference(other).unwrap().finite_members(9)
            ),
            format!("{:?}", other.difference(language).unwrap().example()),
            format!("{:?}", g.all().difference(language).unwrap().witness()),
            format!("{:?}", language.includes(other)),
            format!("{:?}", other.includes(language)),
            format!("{:?}", language.project_with_every_ref(RefType::Tag)),
            format!(
                "{:?}",
                language.accepts_every_ref_of("acme/infra", RefType::Branch)
            ),
            format!("{:?}", language.outside_namespace_example("acme/infra")),
            format!("{:?}", language.intersection(other).unwrap().is_empty()),
            format!("{:?}", other.intersection(language).unwrap().witness()),
        ]
    }

    /// A random `sub` pattern over a small alphabet of GitLab's words and the wildcards.
    fn random_pattern() -> impl proptest::strategy::Strategy<Value = String> {
        let piece = proptest::sample::select(vec![
            "project_path:",
            "acme",
            "/",
            "infra",
            ":",
            "ref_type:",
            "branch",
            "tag",
            ":ref:",
            "main",
            "v",
            "x",
            "é",
            "*",
            "?",
        ]);
        (
            proptest::bool::ANY,
            proptest::collection::vec(piece, 0..7),
            proptest::bool::ANY,
        )
            .prop_map(|(field, pieces, star)| {
                let start = if field { "project_path:" } else { "" };
                let end = if star { "*" } else { "" };
                format!("{start}{}{end}", pieces.concat())
            })
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// A language of one literal start (`StringLike` values ending in `*`, a
        /// project's refs) answers every question exactly as its automaton does, and
        /// that automaton is the one the general construction builds.
        #[test]
        fn literal_starts_answer_as_the_automaton_does(
            pattern in random_pattern(),
            other in random_pattern(),
            second in random_pattern(),
            project in proptest::sample::select(vec!["acme/infra", "acme/x", "other/é", "acme"]),
            ref_type in proptest::sample::select(vec![None, Some(RefType::Branch), Some(RefType::Tag)]),
        ) {
            let g = grammar();
            let language = g.clause(SubOperator::Like, &[&pattern], Bound::Upper).unwrap();
            let general = Dfa::from_expr(
                &Pattern::like(&pattern).to_expr(Case::Sensitive, VariableApprox::AnyString),
            )
            .and_then(|dfa| g.0.all.intersection(&dfa))
            .unwrap();
            if matches!(language.form, Form::Prefix(_)) {
                proptest::prop_assert!(*language.automaton().unwrap() == general);
            }
            let refs = g.project(project, ref_type).unwrap();
            let mut constraints = vec![(Component::ProjectPath, Expr::literal(project))];
            constraints.extend(ref_type.map(|t| (Component::RefType, Expr::literal(t.name()))));
            proptest::prop_assert!(
                *refs.automaton().unwrap() == *g.constrained(&constraints).unwrap().automaton().unwrap()
            );
            // A carve-out within the pattern (`…:ref:*` but not `…:ref:feature/*`).
            let within = format!("{}{other}", pattern.strip_suffix('*').unwrap_or(&pattern));
            let carve_out = g.clause(SubOperator::Like, &[&within], Bound::Lower).unwrap();
            let carved = language.difference(&carve_out).unwrap();
            let general = as_automaton(&language).difference(&as_automaton(&carve_out)).unwrap();
            let other = g.clause(SubOperator::Like, &[&other], Bound::Upper).unwrap();
            // A second carve-out, within the pattern or anywhere.
            let within_second = format!("{}{second}", pattern.strip_suffix('*').unwrap_or(&pattern));
            let second_carve_out = g
                .clause(SubOperator::Like, &[&within_second, &second][..second.len() % 2 + 1], Bound::Lower)
                .unwrap();
            let carved_twice = carved.difference(&second_carve_out).unwrap();
            let general_twice = general.difference(&as_automaton(&second_carve_out)).unwrap();
            if matches!(language.form, Form::Prefix(_)) {
                proptest::prop_assert!(*carved.automaton().unwrap() == *general.automaton().unwrap());
                proptest::prop_assert_eq!(answers(&carved, &other), answers(&general, &other));
                proptest::prop_assert_eq!(answers(&carved, &language), answers(&general, &language));
                proptest::prop_assert_eq!(answers(&carved, &carve_out), answers(&general, &carve_out));
                proptest::prop_assert!(*carved_twice.automaton().unwrap() == *general_twice.automaton().unwrap());
                proptest::prop_assert_eq!(answers(&carved_twice, &other), answers(&general_twice, &other));
                proptest::prop_assert_eq!(answers(&carved_twice, &carved), answers(&general_twice, &carved));
                let within = g.remember_region("in refs", |g| g.clause(SubOperator::Like, &["*:ref:main"], Bound::Upper)).unwrap();
                proptest::prop_assert_eq!(
                    carved_twice.example_within(&within).unwrap(),
                    general_twice.example_within(&within).unwrap()
                );
            }
            for (language, other) in [(&language, &other), (&language, &refs), (&refs, &other)] {
                let automaton = as_automaton(language);
                proptest::prop_assert_eq!(answers(language, other), answers(&automaton, other));
                proptest::prop_assert_eq!(
                    answers(language, other),
                    answers(&automaton, &as_automaton(other))
                );
            }
            let within = g.remember_region("in refs", |g| g.clause(SubOperator::Like, &["*:ref:main"], Bound::Upper)).unwrap();
            proptest::prop_assert_eq!(
                language.example_within(&within).unwrap(),
                as_automaton(&language).example_within(&within).unwrap()
            );
        }

        /// A literal start minus carve-outs by other starts (`Deny` statements: longer
        /// starts mostly, a shorter or unrelated one at times) answers every question
        /// exactly as its automaton does, alone and met with other languages.
        #[test]
        fn starts_minus_starts_answer_as_the_automaton_does(
            start in proptest::sample::select(vec![
                "project_path:",
                "project_path:acme/",
                "project_path:acme/infra:",
                "project_path:acme/infra:ref_type:",
                "project_path:acme/infra:ref_type:branch:ref:",
                "project_path:acme/infra:ref_type:tag:ref:v",
                "project_path:a",
            ]),
            carve_outs in proptest::collection::vec(
                (
                    proptest::sample::select(vec![0usize, 1, 2, 3, 4, 5]),
                    proptest::collection::vec(proptest::sample::select(vec![
                        "feature/", "main", "infra", "x", ":", "ref_type:", "branch", "tag",
                        ":ref:", "v", "é", "/",
                    ]), 0..4),
                ),
                1..4,
            ),
            other in proptest::sample::select(vec![
                "project_path:acme/*",
                "project_path:acme/infra:ref_type:branch:ref:*",
                "project_path:acme/infra:ref_type:branch:ref:feature/*",
                "project_path:acme/x:*",
                "*:ref:main",
                "*",
            ]),
        ) {
            let g = grammar();
            let like = |value: &str, bound| g.clause(SubOperator::Like, &[value], bound).unwrap();
            let language = like(&format!("{start}*"), Bound::Upper);
            proptest::prop_assert!(matches!(language.form, Form::Prefix(_)));
            let (mut carved, mut general) = (language.clone(), as_automaton(&language));
            for (shape, pieces) in &carve_outs {
                // Within the start (most), shorter than it, or beside it.
                let value = match shape {
                    0..=3 => format!("{start}{}*", pieces.concat()),
                    4 => format!("{}*", &start[..start.len() / 2]),
                    _ => format!("project_path:other/{}*", pieces.concat()),
                };
                let carve_out = like(&value, Bound::Lower);
                carved = carved.difference(&carve_out).unwrap();
                general = general.difference(&as_automaton(&carve_out)).unwrap();
            }
            proptest::prop_assert!(*carved.automaton().unwrap() == *general.automaton().unwrap());
            let other = like(other, Bound::Upper);
            let refs = g.project("acme/infra", Some(RefType::Branch)).unwrap();
            for other in [&other, &language, &refs, &carved] {
                proptest::prop_assert_eq!(answers(&carved, other), answers(&general, other));
            }
            let within = g.remember_region("in refs", |g| g.clause(SubOperator::Like, &["*:ref:main"], Bound::Upper)).unwrap();
            proptest::prop_assert_eq!(
                carved.example_within(&within).unwrap(),
                general.example_within(&within).unwrap()
            );
        }

        /// In the generic grammar of another provider too, a literal start (minus
        /// carve-outs) answers the generic questions exactly as its automaton does.
        #[test]
        fn generic_starts_answer_as_the_automaton_does(
            start in proptest::sample::select(vec!["", "repo:", "repo:acme/", "rep", "x"]),
            carve_outs in proptest::collection::vec(
                proptest::sample::select(vec!["repo:acme/x", "repo:acme/", "repo:", "repo:b", "y", ""]),
                0..3,
            ),
            other in proptest::sample::select(vec!["repo:acme/*", "repo:*", "*", "repo:acme/x*", "repo:?*"]),
            prefix in proptest::sample::select(vec!["", "repo:"]),
        ) {
            let universe = Dfa::from_expr(&Expr::Seq(vec![Expr::literal(prefix), Expr::any_string()])).unwrap();
            let g = SubGrammar::generic(universe);
            let like = |value: &str, bound| g.clause(SubOperator::Like, &[value], bound).unwrap();
            let language = like(&format!("{start}*"), Bound::Upper);
            proptest::prop_assert!(matches!(language.form, Form::Prefix(_)));
            let (mut carved, mut general) = (language.clone(), as_automaton(&language));
            for carve_out in carve_outs {
                let carve_out = like(&format!("{carve_out}*"), Bound::Lower);
                carved = carved.difference(&carve_out).unwrap();
                general = general.difference(&as_automaton(&carve_out)).unwrap();
            }
            proptest::prop_assert!(*carved.automaton().unwrap() == *general.automaton().unwrap());
            let other = like(other, Bound::Upper);
            let generic_answers = |language: &SubLanguage, other: &SubLanguage| {
                vec![
                    format!("{:?}", language.is_empty()),
                    format!("{:?}", language.is_all()),
                    format!("{:?}", language.witness()),
                    format!("{:?}", language.example()),
                    format!("{:?}", language.contains("repo:acme/x")),
                    format!("{:?}", language.union(other).unwrap().witness()),
                    format!("{:?}", language.intersection(other).unwrap().example()),
                    format!("{:?}", other.intersection(language).unwrap().is_all()),
                    format!("{:?}", language.difference(other).unwrap().example()),
                    format!("{:?}", other.difference(language).unwrap().example()),
                    format!("{:?}", language.includes(other)),
                    format!("{:?}", other.includes(language)),
                ]
            };
            for other in [&other, &language, &carved] {
                proptest::prop_assert_eq!(generic_answers(&carved, other), generic_answers(&general, other));
            }
        }

        /// A language of spelled-out subs answers exactly as its automaton does.
        #[test]
        fn members_answer_as_the_automaton_does(
            subs in proptest::collection::vec(proptest::sample::select(vec![
                MAIN,
                "project_path:acme/infra:ref_type:tag:ref:main",
                "project_path:acme/infra:ref_type:branch:ref:v1",
                "project_path:acme/infra:ref_type:tag:ref:v1",
                "project_path:acmex/app:ref_type:branch:ref:main",
                "project_path:other/é:ref_type:branch:ref:main",
                "project_path:other/app:ref_type:branch:ref:fix/ü",
                "project_path:other/app:ref_type:tag:ref:fix/ü",
                "project_path:zz/b:ref_type:branch:ref:a",
                "project_path:acme/infra:ref_type:branch:ref:main*",
                "project_path:acme/infra",
                "not a sub",
                "",
            ]), 0..6),
            other in proptest::sample::select(vec![
                "project_path:acme/*",
                "project_path:acme/infra:ref_type:tag:*",
                "*:ref:main",
                "project_path:other/*:ref_type:branch:ref:fix/ü",
                "*",
            ]),
        ) {
            let g = grammar();
            let spelled = g.clause(SubOperator::Equals, &subs, Bound::Upper).unwrap();
            proptest::prop_assert!(matches!(spelled.form, Form::Members(_)));
            let automaton = as_automaton(&spelled);
            let other = g.clause(SubOperator::Like, &[other], Bound::Upper).unwrap();
            proptest::prop_assert_eq!(answers(&spelled, &other), answers(&automaton, &other));
            let others = g.clause(SubOperator::Equals, &subs[subs.len() / 2..], Bound::Upper).unwrap();
            proptest::prop_assert_eq!(
                answers(&spelled, &others),
                answers(&automaton, &as_automaton(&others))
            );
        }

        /// Both ways of finding a project with every ref give the same project, for
        /// unions of patterns with carve-outs.
        #[test]
        fn ref_states_find_the_projection_s_project(
            allowed in proptest::collection::vec(proptest::sample::select(vec![
                MAIN,
                "project_path:acme/*",
                "project_path:acme/infra:*",
                "project_path:acme/infra:ref_type:branch:ref:*",
                "project_path:*:ref_type:tag:ref:*",
                "project_path:a*:ref_type:branch:ref:*",
                "project_path:acme/?:*",
                "*:ref_type:tag:ref:v*",
                "project_path:other/é:ref_type:*:ref:*",
                "*",
            ]), 1..4),
            denied in proptest::collection::vec(proptest::sample::select(vec![
                "project_path:acme/infra:ref_type:branch:ref:feature/*",
                "project_path:acme/x:*",
                "*:ref:main",
                "project_path:*/b*",
                "*:ref_type:tag:*",
            ]), 0..3),
        ) {
            let g = grammar();
            let allowed = g.clause(SubOperator::Like, &allowed, Bound::Upper).unwrap();
            let denied = g.clause(SubOperator::Like, &denied, Bound::Lower).unwrap();
            let language = as_automaton(&allowed.difference(&denied).unwrap());
            let Form::Automaton(dfa) = &language.form else {
                unreachable!("as_automaton gives an automaton");
            };
            let field = g.components().value_field(Component::ProjectPath).unwrap();
            for ref_type in [RefType::Branch, RefType::Tag] {
                proptest::prop_assert_eq!(
                    g.project_by_ref_states(dfa, ref_type).unwrap(),
                    g.project_by_projection(dfa, ref_type, Component::ProjectPath, field).unwrap()
                );
            }
        }

        /// The example within a region is the example of the intersection with the
        /// region's subs, for either form of the language.
        #[test]
        fn example_within_a_region_is_the_example_of_the_intersection(
            values in proptest::collection::vec(proptest::sample::select(vec![
                MAIN,
                "project_path:acme/infra:ref_type:tag:ref:v1",
                "project_path:other/é:ref_type:branch:ref:fix/ü",
                "project_path:acme/*",
                "*:ref_type:tag:ref:v*",
                "project_path:*:ref_type:branch:ref:main",
                "project_path:acme/infra:ref_type:branch:ref:*",
                "project_path:other/*:ref_type:*:ref:fix/*",
                "*",
            ]), 0..4),
            spelled_out in proptest::bool::ANY,
            region in proptest::sample::select(vec![
                "*:ref_type:branch:ref:main",
                "project_path:acme/*",
                "*:ref_type:tag:ref:*",
                "*:ref:fix/*",
                "*",
            ]),
            complement in proptest::bool::ANY,
        ) {
            let g = grammar();
            let operator = if spelled_out { SubOperator::Equals } else { SubOperator::Like };
            let language = g.clause(operator, &values, Bound::Upper).unwrap();
            let subs = |g: &SubGrammar| {
                let region = g.clause(SubOperator::Like, &[region], Bound::Upper)?;
                if complement { g.all().difference(&region) } else { Ok(region) }
            };
            let within = g.remember_region(&format!("{region} {complement}"), subs).unwrap();
            proptest::prop_assert_eq!(
                language.example_within(&within).unwrap(),
                language.intersection(&subs(&g).unwrap()).unwrap().example().unwrap()
            );
        }
    }
}
