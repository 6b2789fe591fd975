//! The claims model's one engine: a relying party's trust as a [`Predicate`] over the
//! claims of a GitLab ID token, evaluated concretely on a [`Token`] and symbolically
//! over a [`ClaimSpace`] (for each claim, the language of values a set of tokens may
//! carry, as an automaton).
//!
//! Every relying party translates its own configuration into a predicate (a GCP CEL
//! condition through its attribute mapping, a Vault role's `bound_claims`, an Entra
//! credential's subject or expression) and asks the same questions of it:
//!
//! - [`satisfying`]: can some token of a space get in — e.g. the tokens a job presents on
//!   one of its run cases ([`ClaimSpace::of_run`])? The answer carries a witness token.
//! - [`tenancy`]: who else gets in — is every admitted token of a bounded set of
//!   projects (an id pinned, a path pinned, or paths under one namespace with the `/`
//!   boundary), or does a token of another project get in (the witness says which)?
//! - [`protection`]: does every admitted token come from a protected ref or environment
//!   (or from exact refs that are protected)?
//!
//! A test is true only when the token carries the claim (an absent claim satisfies no
//! test, so its negation is true). Claim values are compared as the strings GitLab
//! sends: ids as decimal strings, `ref_protected` as `"true"`/`"false"`, `runner_id`'s
//! number as its decimal text — a relying party whose comparison is typed (Vault's string
//! mode against a JSON boolean) says so in its translation (a test no value satisfies).
//! `aud` is not a claim of the predicate: audiences are their own check
//! (`relying_party::audience_verdict`), since they are lists.
//!
//! What can't be evaluated exactly is [`Predicate::Unknown`]: concrete evaluation answers
//! `None` when it decides, and symbolic questions answer "unknown" rather than guess.

use std::collections::BTreeMap;
use std::fmt;

use trustlint_parser::Span;

use super::automaton::{AutomatonError, CharClass, Dfa, Expr};
use super::ci_regex::search_language;
use super::claims::{claim as catalog_claim, ClaimType};
use super::job_runs::{protected_refs, RunCase};
use super::sub_claim::{RefType, SubComponents};
use super::sub_questions::SubGrammar;
use crate::settings::Settings;

/// At most this many conjunctions come out of a predicate's disjunctive normal form;
/// past it the symbolic questions answer "unknown".
pub const MAX_CONJUNCTIONS: usize = 256;

/// The claims that say which project a token comes from: ids (stable) and paths
/// (mutable), the project's and its namespaces'.
pub const TENANT_CLAIMS: [&str; 6] = [
    "project_id",
    "namespace_id",
    "root_namespace_id",
    "project_path",
    "namespace_path",
    "root_namespace_path",
];

/// The values a test accepts.
#[derive(Clone, Debug)]
pub enum Values {
    /// A value in this language; `describe` says how it was written (`startsWith("g/")`).
    Language { dfa: Dfa, describe: String },
    /// Any value: the claim is present (CEL `has()`).
    Present,
}

impl Values {
    fn language(dfa: Result<Dfa, AutomatonError>, describe: String) -> Option<Values> {
        dfa.ok().map(|dfa| Values::Language { dfa, describe })
    }

    /// Exactly one of `values`.
    pub fn equals<S: AsRef<str>>(values: &[S]) -> Option<Values> {
        let texts: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
        let describe = texts
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        Values::language(
            Dfa::from_expr(&Expr::one_of_strings(&texts)),
            format!(
                "equal to {}",
                if describe.is_empty() {
                    "nothing".into()
                } else {
                    describe
                }
            ),
        )
    }

    /// A glob whose only wildcard is `*`, matching any text (`/` and `:` included), the
    /// whole value: Vault's `glob` mode, Entra's `matches`.
    pub fn star_glob(pattern: &str) -> Option<Values> {
        let parts: Vec<Expr> = pattern
            .split('*')
            .enumerate()
            .flat_map(|(i, piece)| {
                let wildcard = (i > 0).then(Expr::any_string);
                wildcard.into_iter().chain([Expr::literal(piece)])
            })
            .collect();
        Values::language(
            Dfa::from_expr(&Expr::Seq(parts)),
            format!("matching `{pattern}`"),
        )
    }

    /// A wildcard pattern of the whole value in which `*` matches any text (`/` and
    /// `:` included) and `?` exactly one character: Entra's `matches`.
    pub fn wildcard(pattern: &str) -> Option<Values> {
        let parts: Vec<Expr> = pattern
            .chars()
            .map(|c| match c {
                '*' => Expr::any_string(),
                '?' => Expr::any_char(),
                c => Expr::literal(c.encode_utf8(&mut [0; 4])),
            })
            .collect();
        Values::language(
            Dfa::from_expr(&Expr::Seq(parts)),
            format!("matching `{pattern}`"),
        )
    }

    /// Values starting with `prefix`.
    pub fn prefix(prefix: &str) -> Option<Values> {
        Values::language(
            Dfa::from_expr(&Expr::Seq(vec![Expr::literal(prefix), Expr::any_string()])),
            format!("starting with `{prefix}`"),
        )
    }

    /// Values ending with `suffix`.
    pub fn suffix(suffix: &str) -> Option<Values> {
        Values::language(
            Dfa::from_expr(&Expr::Seq(vec![Expr::any_string(), Expr::literal(suffix)])),
            format!("ending with `{suffix}`"),
        )
    }

    /// Values containing `part`.
    pub fn contains(part: &str) -> Option<Values> {
        Values::language(
            Dfa::from_expr(&Expr::Seq(vec![
                Expr::any_string(),
                Expr::literal(part),
                Expr::any_string(),
            ])),
            format!("containing `{part}`"),
        )
    }

    /// Values in which the RE2 `pattern` finds a match (CEL `matches`: unanchored);
    /// `None` outside the supported subset.
    pub fn regex_search(pattern: &str) -> Option<Values> {
        search_language(pattern, "").map(|dfa| Values::Language {
            dfa,
            describe: format!("matching /{pattern}/"),
        })
    }

    /// Values the RE2 `pattern` matches whole; `None` outside the supported subset.
    pub fn regex_full(pattern: &str) -> Option<Values> {
        search_language(&format!("^(?:{pattern})$"), "").map(|dfa| Values::Language {
            dfa,
            describe: format!("matching /^(?:{pattern})$/"),
        })
    }

    /// Whether `value` is accepted.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Values::Language { dfa, .. } => dfa.contains(value),
            Values::Present => true,
        }
    }
}

impl fmt::Display for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Values::Language { describe, .. } => f.write_str(describe),
            Values::Present => f.write_str("present"),
        }
    }
}

/// `claim`'s value is one of `values` (false when the token lacks the claim).
#[derive(Clone, Debug)]
pub struct Test {
    pub claim: String,
    pub values: Values,
    /// Where the test is written.
    pub span: Span,
}

/// A trust's condition over a token's claims.
#[derive(Clone, Debug)]
pub enum Predicate {
    Const(bool),
    Test(Test),
    And(Vec<Predicate>),
    Or(Vec<Predicate>),
    Not(Box<Predicate>),
    /// A part that can't be evaluated exactly (an unsupported function, a value only
    /// known when the job runs): `why` for the "partial check" note.
    Unknown {
        span: Span,
        why: String,
    },
}

impl Predicate {
    /// `claim` is one of `values` (`Unknown` when `values` could not be built).
    pub fn test(claim: &str, values: Option<Values>, span: Span) -> Predicate {
        match values {
            Some(values) => Predicate::Test(Test {
                claim: claim.to_owned(),
                values,
                span,
            }),
            None => Predicate::Unknown {
                span,
                why: format!("the values tested on `{claim}` are too complex to evaluate"),
            },
        }
    }

    /// `left AND right`.
    pub fn and(parts: Vec<Predicate>) -> Predicate {
        Predicate::And(parts)
    }

    /// `left OR right`.
    pub fn or(parts: Vec<Predicate>) -> Predicate {
        Predicate::Or(parts)
    }

    /// `NOT inner`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(inner: Predicate) -> Predicate {
        Predicate::Not(Box::new(inner))
    }

    /// The predicate on one concrete token: `None` when an [`Predicate::Unknown`] part
    /// decides (Kleene's three-valued logic).
    pub fn eval(&self, token: &Token) -> Option<bool> {
        match self {
            Predicate::Const(value) => Some(*value),
            Predicate::Test(test) => Some(
                token
                    .get(&test.claim)
                    .is_some_and(|value| test.values.matches(value)),
            ),
            Predicate::And(parts) => {
                let mut unknown = false;
                for part in parts {
                    match part.eval(token) {
                        Some(false) => return Some(false),
                        Some(true) => {}
                        None => unknown = true,
                    }
                }
                (!unknown).then_some(true)
            }
            Predicate::Or(parts) => {
                let mut unknown = false;
                for part in parts {
                    match part.eval(token) {
                        Some(true) => return Some(true),
                        Some(false) => {}
                        None => unknown = true,
                    }
                }
                (!unknown).then_some(false)
            }
            Predicate::Not(inner) => inner.eval(token).map(|value| !value),
            Predicate::Unknown { .. } => None,
        }
    }

    /// The unknown parts, with why.
    pub fn unknowns(&self) -> Vec<(Span, &str)> {
        let mut out = Vec::new();
        self.visit(&mut |p| {
            if let Predicate::Unknown { span, why } = p {
                out.push((*span, why.as_str()));
            }
        });
        out
    }

    /// Every test, in order.
    pub fn tests(&self) -> Vec<&Test> {
        let mut out = Vec::new();
        self.visit(&mut |p| {
            if let Predicate::Test(test) = p {
                out.push(test);
            }
        });
        out
    }

    fn visit<'p>(&'p self, f: &mut impl FnMut(&'p Predicate)) {
        f(self);
        match self {
            Predicate::And(parts) | Predicate::Or(parts) => {
                parts.iter().for_each(|part| part.visit(f))
            }
            Predicate::Not(inner) => inner.visit(f),
            _ => {}
        }
    }

    /// The disjunctive normal form: conjunctions of literals; `None` past
    /// [`MAX_CONJUNCTIONS`].
    fn dnf(&self, negated: bool) -> Option<Vec<Vec<Literal<'_>>>> {
        match (self, negated) {
            (Predicate::Const(value), _) => Some(if *value != negated {
                vec![Vec::new()]
            } else {
                Vec::new()
            }),
            (Predicate::Test(test), _) => Some(vec![vec![Literal::Test(test, !negated)]]),
            (Predicate::Unknown { span, why }, _) => Some(vec![vec![Literal::Unknown(*span, why)]]),
            (Predicate::Not(inner), _) => inner.dnf(!negated),
            (Predicate::And(parts), false) | (Predicate::Or(parts), true) => {
                let mut product: Vec<Vec<Literal>> = vec![Vec::new()];
                for part in parts {
                    let terms = part.dnf(negated)?;
                    let mut next = Vec::new();
                    for left in &product {
                        for right in &terms {
                            next.push(left.iter().chain(right).cloned().collect());
                            if next.len() > MAX_CONJUNCTIONS {
                                return None;
                            }
                        }
                    }
                    product = next;
                }
                Some(product)
            }
            (Predicate::Or(parts), false) | (Predicate::And(parts), true) => {
                let mut sum = Vec::new();
                for part in parts {
                    sum.extend(part.dnf(negated)?);
                    if sum.len() > MAX_CONJUNCTIONS {
                        return None;
                    }
                }
                Some(sum)
            }
        }
    }
}

/// A literal of the normal form: a test (positive or negated) or an unknown part.
#[derive(Clone, Copy, Debug)]
enum Literal<'p> {
    Test(&'p Test, bool),
    Unknown(Span, &'p str),
}

/// A concrete token: claim names to their values as strings (absent claims missing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Token(BTreeMap<String, String>);

impl Token {
    pub fn new() -> Token {
        Token::default()
    }

    /// The token with `claim` set to `value`.
    pub fn with(mut self, claim: &str, value: &str) -> Token {
        self.0.insert(claim.to_owned(), value.to_owned());
        self
    }

    pub fn get(&self, claim: &str) -> Option<&str> {
        self.0.get(claim).map(String::as_str)
    }

    pub fn set(&mut self, claim: &str, value: String) {
        self.0.insert(claim.to_owned(), value);
    }

    pub fn claims(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The token's project for messages: `project_path`, else `project_id N`.
    pub fn project(&self) -> Option<String> {
        self.get("project_path")
            .map(str::to_owned)
            .or_else(|| self.get("project_id").map(|id| format!("project id {id}")))
    }
}

/// The values one claim may take over a set of tokens.
#[derive(Clone, Debug)]
pub struct ClaimValues {
    /// The values when present.
    pub values: Dfa,
    /// Whether some token lacks the claim.
    pub may_be_absent: bool,
}

/// For each claim, the values a set of tokens may carry. Claims not listed take any value
/// of their catalog type ([`universe`]).
#[derive(Clone, Debug, Default)]
pub struct ClaimSpace {
    claims: BTreeMap<String, ClaimValues>,
    /// The `refs/heads/` or `refs/tags/` prefix and the ref names of a run's space:
    /// `ref_path`, built only when a predicate tests it.
    ref_path: Option<(&'static str, Dfa)>,
}

impl ClaimSpace {
    /// Every token GitLab can mint on the instance of `settings` (any project, any ref).
    pub fn any_token(settings: &Settings) -> ClaimSpace {
        let mut space = ClaimSpace::default();
        if let Ok(iss) = Dfa::literal(&issuer(settings)) {
            space.set("iss", iss);
        }
        if let Some(all) =
            sub_grammar(settings).and_then(|g| g.all().automaton().ok().map(|d| d.into_owned()))
        {
            space.set("sub", all);
        }
        space
    }

    /// The tokens `settings`' project presents on one run case of a job, split by
    /// whether the ref is protected (each space's `ref`, `ref_path`, `sub` and
    /// `ref_protected` agree); `environment` is the job's environment name when it has
    /// one (`None` for a job without an environment: the environment claims are absent).
    pub fn of_run(
        settings: &Settings,
        case: &RunCase,
        environment: Option<&str>,
    ) -> Result<Vec<ClaimSpace>, AutomatonError> {
        let protected = protected_refs(settings, case.ref_type)?;
        let parts = [
            ("true", case.names.intersection(&protected)?),
            ("false", case.names.difference(&protected)?),
        ];
        let mut spaces = Vec::new();
        for (flag, names) in parts {
            if names.is_empty() {
                continue;
            }
            let mut space = ClaimSpace::of_project(settings, environment)?;
            space.set_refs(
                settings,
                settings.gitlab_project.as_deref(),
                case.ref_type,
                names,
            )?;
            space.set("ref_protected", Dfa::literal(flag)?);
            space.set("pipeline_source", Dfa::literal(case.source.name())?);
            spaces.push(space);
        }
        Ok(spaces)
    }

    /// The tokens of `settings`' project, any ref: its path and ids where configured, the
    /// job's environment.
    fn of_project(
        settings: &Settings,
        environment: Option<&str>,
    ) -> Result<ClaimSpace, AutomatonError> {
        let mut space = ClaimSpace::any_token(settings);
        if let Some(project) = settings.gitlab_project.as_deref() {
            space.set("project_path", Dfa::literal(project)?);
            if let Some((namespace, _)) = project.rsplit_once('/') {
                space.set("namespace_path", Dfa::literal(namespace)?);
            }
            if let Some((root, _)) = project.split_once('/') {
                space.set("root_namespace_path", Dfa::literal(root)?);
            }
        }
        if let Some(id) = settings.project_id.as_deref() {
            space.set("project_id", Dfa::literal(id)?);
        }
        if let Some(id) = settings.namespace_id.as_deref() {
            space.set("namespace_id", Dfa::literal(id)?);
        }
        match environment {
            Some(name) if !name.contains('$') => {
                space.set("environment", Dfa::literal(name)?);
            }
            Some(_) => {}
            None => {
                space.absent("environment");
                space.absent("environment_protected");
                space.absent("deployment_tier");
            }
        }
        Ok(space)
    }

    /// Restricts the tokens to refs of `ref_type` named in `names`: `ref`, `ref_type`,
    /// `ref_path` and `sub` (of `project`, when given).
    fn set_refs(
        &mut self,
        settings: &Settings,
        project: Option<&str>,
        ref_type: RefType,
        names: Dfa,
    ) -> Result<(), AutomatonError> {
        self.set("ref_type", Dfa::literal(ref_type.name())?);
        let heads = match ref_type {
            RefType::Branch => "refs/heads/",
            RefType::Tag => "refs/tags/",
        };
        self.claims.remove("ref_path");
        self.ref_path = Some((heads, names.clone()));
        if let Some(grammar) = sub_grammar(settings) {
            // Remembered by the grammar for the run: a pipeline's jobs share a few ref
            // languages, each read by every relying party linked to them.
            let key = format!(
                "run subs {} {} {}",
                ref_type.name(),
                project.unwrap_or_default(),
                names.content_key()
            );
            let subs = grammar.remember(&key, |grammar| {
                let subs =
                    grammar.refs(Expr::Automaton(Box::new(names.clone())), Some(ref_type))?;
                match project {
                    Some(project) => subs.intersection(&grammar.project(project, Some(ref_type))?),
                    None => Ok(subs),
                }
            })?;
            self.set("sub", subs.automaton()?.into_owned());
        }
        self.set("ref", names);
        Ok(())
    }

    /// Sets `claim`'s values (present in every token).
    pub fn set(&mut self, claim: &str, values: Dfa) {
        self.claims.insert(
            claim.to_owned(),
            ClaimValues {
                values,
                may_be_absent: false,
            },
        );
    }

    /// Makes `claim` absent from every token.
    pub fn absent(&mut self, claim: &str) {
        self.claims.insert(
            claim.to_owned(),
            ClaimValues {
                values: Dfa::nothing(),
                may_be_absent: true,
            },
        );
    }

    /// The values `claim` may take.
    pub fn values(&self, claim: &str) -> ClaimValues {
        if let Some(values) = self.claims.get(claim) {
            return values.clone();
        }
        let ref_path = self.ref_path.as_ref().filter(|_| claim == "ref_path");
        let built =
            ref_path.and_then(|(heads, names)| Dfa::literal(heads).ok()?.concat(names).ok());
        match built {
            Some(values) => ClaimValues {
                values,
                may_be_absent: false,
            },
            None => universe(claim),
        }
    }
}

/// Every value a claim can take, from its catalog type, and whether GitLab may leave it
/// out; an unknown claim (not in GitLab's tokens) is always absent.
pub fn universe(claim: &str) -> ClaimValues {
    let Some(entry) = catalog_claim(claim) else {
        return ClaimValues {
            values: Dfa::nothing(),
            may_be_absent: true,
        };
    };
    let values = match (entry.values, entry.ty) {
        (Some(values), _) => Dfa::from_expr(&Expr::one_of_strings(values)),
        (None, ClaimType::IdString | ClaimType::Number | ClaimType::NumericDate) => {
            Dfa::from_expr(&decimal())
        }
        (None, ClaimType::BooleanString) => {
            Dfa::from_expr(&Expr::one_of_strings(&["true", "false"]))
        }
        (None, _) if claim.ends_with("_path") => Dfa::from_expr(&path(claim)),
        (None, _) => Ok(Dfa::everything()),
    };
    ClaimValues {
        values: values.unwrap_or_else(|_| Dfa::everything()),
        may_be_absent: !entry.presence.always_present(),
    }
}

/// A positive decimal number without leading zeros.
fn decimal() -> Expr {
    let digit = CharClass::one_of('0'..='9');
    Expr::Seq(vec![
        Expr::Class(CharClass::one_of('1'..='9')),
        Expr::Star(Box::new(Expr::Class(digit))),
    ])
}

/// A GitLab path: segments without `/` joined by `/`; a project path has at least two.
fn path(claim: &str) -> Expr {
    let segment = Expr::plus(Expr::Class(CharClass::none_of(['/', ':'])));
    let more = Expr::Star(Box::new(Expr::Seq(vec![
        Expr::literal("/"),
        segment.clone(),
    ])));
    if claim.contains("project") {
        Expr::Seq(vec![segment.clone(), Expr::literal("/"), segment, more])
    } else {
        Expr::Seq(vec![segment, more])
    }
}

/// The tokens' `iss`: `[gitlab] issuer`, by default `https://{host}`.
pub fn issuer(settings: &Settings) -> String {
    settings
        .issuer
        .clone()
        .unwrap_or_else(|| format!("https://{}", settings.gitlab_host))
}

/// The `sub` grammar of the settings' components (GitLab's default when unset or
/// invalid).
fn sub_grammar(settings: &Settings) -> Option<SubGrammar> {
    let components = SubComponents::from_names(&settings.sub_claim)
        .or_else(|_| SubComponents::from_names::<&str>(&[]))
        .ok()?;
    SubGrammar::shared(components).ok()
}

/// Whether some token of a space satisfies a predicate.
#[derive(Clone, Debug)]
pub enum Satisfiable {
    /// This token does.
    Yes(Token),
    No,
    /// An unknown part decides (its span and why).
    Unknown(Span, String),
}

impl Satisfiable {
    pub fn is_yes(&self) -> bool {
        matches!(self, Satisfiable::Yes(_))
    }

    pub fn is_no(&self) -> bool {
        matches!(self, Satisfiable::No)
    }
}

/// Whether some token of `space` satisfies `predicate`, with a witness.
pub fn satisfying(predicate: &Predicate, space: &ClaimSpace) -> Satisfiable {
    let Some(conjunctions) = predicate.dnf(false) else {
        return too_large(predicate);
    };
    let mut unknown = None;
    for conjunction in &conjunctions {
        match conjunction_witness(conjunction, space) {
            Satisfiable::Yes(token) => return Satisfiable::Yes(token),
            Satisfiable::No => {}
            other => unknown = unknown.or(Some(other)),
        }
    }
    unknown.unwrap_or(Satisfiable::No)
}

fn too_large(predicate: &Predicate) -> Satisfiable {
    let span = predicate
        .tests()
        .first()
        .map(|t| t.span)
        .unwrap_or_default();
    Satisfiable::Unknown(
        span,
        format!("the condition has more than {MAX_CONJUNCTIONS} alternatives once expanded"),
    )
}

/// The values of the claims a conjunction tests, in the tokens of a space that satisfy
/// its tests, and its first unknown part.
struct Narrowed {
    claims: BTreeMap<String, ClaimValues>,
    unknown: Option<(Span, String)>,
}

/// The tokens of `space` satisfying `conjunction`'s tests (`None` when there are none).
fn conjunction_values(conjunction: &[Literal<'_>], space: &ClaimSpace) -> Option<Narrowed> {
    let mut claims: BTreeMap<String, ClaimValues> = BTreeMap::new();
    let mut unknown = None;
    for literal in conjunction {
        let (test, positive) = match literal {
            Literal::Test(test, positive) => (*test, *positive),
            Literal::Unknown(span, why) => {
                unknown = unknown.or(Some((*span, why.to_string())));
                continue;
            }
        };
        let entry = claims
            .entry(test.claim.clone())
            .or_insert_with(|| space.values(&test.claim));
        match (&test.values, positive) {
            (Values::Present, true) => entry.may_be_absent = false,
            (Values::Present, false) => {
                entry.values = Dfa::nothing();
            }
            (Values::Language { dfa, .. }, true) => {
                entry.values = entry.values.intersection(dfa).ok()?;
                entry.may_be_absent = false;
            }
            (Values::Language { dfa, .. }, false) => {
                entry.values = entry.values.difference(dfa).ok()?;
            }
        }
        if entry.values.is_empty() && !entry.may_be_absent {
            return None;
        }
    }
    Some(Narrowed { claims, unknown })
}

fn conjunction_witness(conjunction: &[Literal<'_>], space: &ClaimSpace) -> Satisfiable {
    let Some(Narrowed { claims, unknown }) = conjunction_values(conjunction, space) else {
        return Satisfiable::No;
    };
    if let Some((span, why)) = unknown {
        return Satisfiable::Unknown(span, why);
    }
    Satisfiable::Yes(witness_token(&claims, space))
}

/// A token with a value for each constrained claim (absent where only absence is left)
/// and, for readable messages, the space's project and ref when it fixes them.
fn witness_token(claims: &BTreeMap<String, ClaimValues>, space: &ClaimSpace) -> Token {
    let mut token = Token::new();
    for (claim, values) in claims {
        let value = if TENANT_CLAIMS.contains(&claim.as_str()) {
            readable_witness(&values.values)
        } else {
            values.values.witness()
        };
        if let Some(value) = value {
            token.set(claim, value);
        }
    }
    // Where the token comes from, when the conjunction leaves it free: what the space
    // fixes, and in a run's space (which restricts `ref`) a `sub` of its refs.
    let run = space.claims.contains_key("ref") && !claims.contains_key("ref");
    for claim in ["project_path", "ref", "ref_type", "project_id", "sub"] {
        if claims.contains_key(claim) {
            continue;
        }
        let values = space.values(claim).values;
        let value = match values.finite_members(1) {
            Some(members) if members.len() == 1 => members.into_iter().next(),
            _ if run && claim == "sub" => values.witness(),
            _ => None,
        };
        if let Some(value) = value {
            token.set(claim, value);
        }
    }
    token
}

/// Names an attacker would pick, tried (alone, and after the values' common prefix)
/// before the automaton's shortest member.
const READABLE: [&str; 5] = ["-evil/app", "evil/app", "/evil", "attacker", "1"];

fn readable_witness(values: &Dfa) -> Option<String> {
    let shortest = values.witness()?;
    let prefix = literal_prefix(values, &shortest);
    READABLE
        .iter()
        .map(|name| format!("{prefix}{name}"))
        .chain(READABLE.iter().map(|name| name.to_string()))
        .find(|candidate| values.contains(candidate))
        .or(Some(shortest))
}

/// The longest prefix of `member` that every value of `values` starts with.
fn literal_prefix<'m>(values: &Dfa, member: &'m str) -> &'m str {
    let mut ends: Vec<usize> = member.char_indices().map(|(i, _)| i).collect();
    ends.push(member.len());
    ends.into_iter()
        .rev()
        .map(|end| member.get(..end).unwrap_or_default())
        .find(|prefix| {
            Dfa::from_expr(&Expr::Seq(vec![Expr::literal(prefix), Expr::any_string()]))
                .and_then(|under| values.is_subset_of(&under))
                .unwrap_or(false)
        })
        .unwrap_or_default()
}

/// Who else gets in.
#[derive(Clone, Debug)]
pub enum Tenancy {
    /// Every admitted token comes from a bounded set of projects: pinned by these claims.
    Bound { by: Vec<String> },
    /// A token of a project outside what the trust names gets in: `why` says how.
    Open { witness: Token, why: String },
    /// An unknown part decides.
    Unknown(Span, String),
}

/// Who else gets in, over every token of the instance (`settings`). Each alternative of
/// the predicate must pin the project: an id claim to finitely many ids, a path claim
/// (or `sub`'s project) to finitely many paths or to paths under one namespace ending
/// with `/` (`startsWith("grp/")`, not `startsWith("grp")`).
pub fn tenancy(predicate: &Predicate, settings: &Settings) -> Tenancy {
    let space = ClaimSpace::any_token(settings);
    let Some(conjunctions) = predicate.dnf(false) else {
        return match too_large(predicate) {
            Satisfiable::Unknown(span, why) => Tenancy::Unknown(span, why),
            _ => Tenancy::Bound { by: Vec::new() },
        };
    };
    let mut by: Vec<String> = Vec::new();
    let mut unknown = None;
    for conjunction in &conjunctions {
        let Some(Narrowed {
            claims,
            unknown: partial,
        }) = conjunction_values(conjunction, &space)
        else {
            continue;
        };
        let pins: Vec<Pin> = TENANT_CLAIMS
            .iter()
            .chain(["sub"].iter())
            .filter_map(|claim| claims.get(*claim).map(|values| (claim, values)))
            .map(|(claim, values)| pin(claim, &values.values))
            .collect();
        if let Some(Pin::Bound(claim)) = pins.iter().find(|p| matches!(p, Pin::Bound(_))) {
            if !by.contains(claim) {
                by.push(claim.clone());
            }
            continue;
        }
        if let Some((span, why)) = partial {
            unknown = unknown.or(Some(Tenancy::Unknown(span, why)));
            continue;
        }
        let mut witness = witness_token(&claims, &space);
        let why = match pins.into_iter().find_map(|p| match p {
            Pin::Overreach {
                claim,
                value,
                namespace,
            } => Some((claim, value, namespace)),
            _ => None,
        }) {
            Some((claim, value, namespace)) => {
                witness.set(&claim, value.clone());
                format!(
                    "`{claim}` is not bound to the namespace `{namespace}` with its `/`: `{value}` gets in"
                )
            }
            None => {
                let names_project = ["project_path", "project_id", "sub"]
                    .iter()
                    .any(|claim| claims.contains_key(*claim));
                if !names_project {
                    witness.set("project_path", "attacker-group/app".to_owned());
                }
                "no alternative of it pins the project or its namespace".to_owned()
            }
        };
        return Tenancy::Open { witness, why };
    }
    unknown.unwrap_or(Tenancy::Bound { by })
}

/// How one claim's values in an alternative pin the project.
enum Pin {
    Bound(String),
    /// Paths under a namespace's name without its `/` boundary: `value` is outside.
    Overreach {
        claim: String,
        value: String,
        namespace: String,
    },
    Open,
}

fn pin(claim: &str, values: &Dfa) -> Pin {
    if claim == "sub" {
        return sub_pin(values);
    }
    if values.is_finite() {
        return Pin::Bound(claim.to_owned());
    }
    if !claim.ends_with("_path") {
        return Pin::Open;
    }
    path_pin(claim, values)
}

/// A path language pins the project when it is finite or under one namespace `N/`.
fn path_pin(claim: &str, values: &Dfa) -> Pin {
    if values.is_finite() {
        return Pin::Bound(claim.to_owned());
    }
    let Some(example) = values.witness() else {
        return Pin::Bound(claim.to_owned());
    };
    let segments: Vec<&str> = example.split('/').collect();
    for end in 1..segments.len() {
        let namespace = segments[..end].join("/");
        let under = Dfa::from_expr(&Expr::Seq(vec![
            Expr::literal(&format!("{namespace}/")),
            Expr::any_string(),
        ]));
        if let Ok(under) = under {
            if values.is_subset_of(&under).unwrap_or(false) {
                return Pin::Bound(claim.to_owned());
            }
            if end == 1 {
                let outside = values.difference(&under).ok();
                if let Some(value) = outside.as_ref().and_then(readable_witness) {
                    return Pin::Overreach {
                        claim: claim.to_owned(),
                        value,
                        namespace,
                    };
                }
            }
        }
    }
    Pin::Open
}

/// A `sub` language pins the project when its `project_path` (or `project_id`) field
/// does.
fn sub_pin(values: &Dfa) -> Pin {
    let mut bound = false;
    for (prefix, claim) in [
        ("project_path:", "project_path"),
        ("project_id:", "project_id"),
    ] {
        let Ok(scope) = Dfa::from_expr(&Expr::Seq(vec![Expr::literal(prefix), Expr::any_string()]))
        else {
            return Pin::Open;
        };
        let Ok(part) = values.intersection(&scope) else {
            return Pin::Open;
        };
        if part.is_empty() {
            continue;
        }
        let Ok(field) = part.field_values(':', 1) else {
            return Pin::Open;
        };
        match pin(claim, &field) {
            Pin::Bound(_) => bound = true,
            Pin::Overreach {
                value, namespace, ..
            } => {
                return Pin::Overreach {
                    claim: "sub".to_owned(),
                    value: format!("{prefix}{value}:…"),
                    namespace,
                }
            }
            Pin::Open => return Pin::Open,
        }
    }
    if bound {
        Pin::Bound("sub".to_owned())
    } else {
        Pin::Open
    }
}

/// Whether every admitted token comes from a protected ref or environment.
#[derive(Clone, Debug)]
pub enum Protection {
    /// Every alternative requires `ref_protected`/`environment_protected` `"true"`, or
    /// exact refs that are all protected (`protected-refs`).
    Protected,
    /// A token from an unprotected ref gets in (the witness has its `ref`).
    Unprotected(Token),
    Unknown(Span, String),
}

/// Whether every token `predicate` admits from the instance comes from a protected ref
/// or environment (the refs `settings` protects). An exact `ref` protects only with the
/// ref type: `ref == "main"` alone admits a tag `main`, which no tag protection covers
/// by default.
pub fn protection(predicate: &Predicate, settings: &Settings) -> Protection {
    let mut unknown = None;
    for ref_type in [RefType::Branch, RefType::Tag] {
        let Ok(space) = unprotected_space(settings, ref_type) else {
            continue;
        };
        match satisfying(predicate, &space) {
            Satisfiable::Yes(token) => return Protection::Unprotected(token),
            Satisfiable::No => {}
            Satisfiable::Unknown(span, why) => {
                unknown = unknown.or(Some(Protection::Unknown(span, why)))
            }
        }
    }
    unknown.unwrap_or(Protection::Protected)
}

/// The tokens of refs of `ref_type` that `settings` does not protect, outside any
/// protected environment.
fn unprotected_space(settings: &Settings, ref_type: RefType) -> Result<ClaimSpace, AutomatonError> {
    let mut space = ClaimSpace::any_token(settings);
    let open = protected_refs(settings, ref_type)?.complement();
    space.set("ref_protected", Dfa::literal("false")?);
    space.claims.insert(
        "environment_protected".to_owned(),
        ClaimValues {
            values: Dfa::literal("false")?,
            may_be_absent: true,
        },
    );
    space.set_refs(settings, None, ref_type, open)?;
    Ok(space)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::automaton::Dfa;
    use trustlint_parser::FileId;

    fn span() -> Span {
        Span::new(FileId(0), 0, 0)
    }

    fn eq(claim: &str, values: &[&str]) -> Predicate {
        Predicate::test(claim, Values::equals(values), span())
    }

    fn settings() -> Settings {
        Settings {
            gitlab_project: Some("grp/app".into()),
            ..Settings::default()
        }
    }

    #[test]
    fn wildcard_values_take_one_character_for_a_question_mark() {
        let values = Values::wildcard("ref:????*x").unwrap();
        assert!(values.matches("ref:mainx"));
        assert!(values.matches("ref:a/b:zzx"));
        assert!(!values.matches("ref:abx"));
    }

    #[test]
    fn concrete_evaluation_is_three_valued() {
        let token = Token::new().with("project_id", "42").with("ref", "main");
        let unknown = Predicate::Unknown {
            span: span(),
            why: "x".into(),
        };
        assert_eq!(eq("project_id", &["42"]).eval(&token), Some(true));
        assert_eq!(eq("namespace_id", &["42"]).eval(&token), Some(false));
        assert_eq!(
            Predicate::not(eq("namespace_id", &["42"])).eval(&token),
            Some(true),
            "a test on an absent claim is false"
        );
        assert_eq!(
            Predicate::and(vec![eq("ref", &["dev"]), unknown.clone()]).eval(&token),
            Some(false)
        );
        assert_eq!(
            Predicate::and(vec![eq("ref", &["main"]), unknown.clone()]).eval(&token),
            None
        );
        assert_eq!(
            Predicate::or(vec![eq("ref", &["main"]), unknown.clone()]).eval(&token),
            Some(true)
        );
        assert_eq!(
            Predicate::or(vec![eq("ref", &["x"]), unknown]).eval(&token),
            None
        );
    }

    #[test]
    fn satisfying_finds_a_witness_or_proves_none() {
        let space = ClaimSpace::any_token(&settings());
        let predicate = Predicate::and(vec![
            eq("project_id", &["42"]),
            Predicate::test("ref", Values::prefix("release/"), span()),
        ]);
        match satisfying(&predicate, &space) {
            Satisfiable::Yes(token) => {
                assert_eq!(predicate.eval(&token), Some(true), "{token:?}");
            }
            other => panic!("{other:?}"),
        }
        let contradiction = Predicate::and(vec![
            eq("ref_protected", &["true"]),
            eq("ref_protected", &["false"]),
        ]);
        assert!(satisfying(&contradiction, &space).is_no());
        assert!(satisfying(&eq("no_such_claim", &["x"]), &space).is_no());
        assert!(satisfying(&eq("ref_protected", &["True"]), &space).is_no());
    }

    #[test]
    fn tenancy_needs_a_pin_in_every_alternative() {
        let s = settings();
        assert!(matches!(
            tenancy(&eq("project_id", &["42"]), &s),
            Tenancy::Bound { .. }
        ));
        let grp = Predicate::test("project_path", Values::prefix("grp/"), span());
        assert!(matches!(tenancy(&grp, &s), Tenancy::Bound { .. }));
        let no_slash = Predicate::test("project_path", Values::prefix("grp"), span());
        match tenancy(&no_slash, &s) {
            Tenancy::Open { witness, why } => {
                let path = witness.get("project_path").unwrap();
                assert!(
                    path.starts_with("grp") && !path.starts_with("grp/"),
                    "{path}"
                );
                assert!(why.contains("grp"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        let only_ref = eq("ref_protected", &["true"]);
        assert!(matches!(tenancy(&only_ref, &s), Tenancy::Open { .. }));
        let broad_or = Predicate::or(vec![eq("project_id", &["42"]), eq("ref", &["main"])]);
        assert!(matches!(tenancy(&broad_or, &s), Tenancy::Open { .. }));
        let sub = Predicate::test(
            "sub",
            Values::star_glob("project_path:grp/app:ref_type:branch:ref:*"),
            span(),
        );
        assert!(matches!(tenancy(&sub, &s), Tenancy::Bound { .. }));
        let sub_open = Predicate::test("sub", Values::star_glob("project_path:grp*"), span());
        assert!(matches!(tenancy(&sub_open, &s), Tenancy::Open { .. }));
    }

    #[test]
    fn protection_follows_ref_protected_and_exact_refs() {
        let s = settings();
        assert!(matches!(
            protection(&eq("ref_protected", &["true"]), &s),
            Protection::Protected
        ));
        let main_branch = Predicate::and(vec![eq("ref", &["main"]), eq("ref_type", &["branch"])]);
        assert!(matches!(
            protection(&main_branch, &s),
            Protection::Protected
        ));
        match protection(&eq("ref", &["main"]), &s) {
            Protection::Unprotected(token) => assert_eq!(token.get("ref_type"), Some("tag")),
            other => panic!("{other:?}"),
        }
        let main_sub = eq("sub", &["project_path:grp/app:ref_type:branch:ref:main"]);
        assert!(matches!(protection(&main_sub, &s), Protection::Protected));
        match protection(&eq("project_id", &["42"]), &s) {
            Protection::Unprotected(token) => assert!(token.get("ref") != Some("main")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn values_helpers_match_their_descriptions() {
        let glob = Values::star_glob("grp/*:ref:main").unwrap();
        assert!(glob.matches("grp/a/b:ref:main"));
        assert!(!glob.matches("grp/a:ref:mainx"));
        assert!(Values::regex_search("^grp/").unwrap().matches("grp/x"));
        assert!(!Values::regex_full("grp/.*").unwrap().matches("xgrp/x"));
        assert!(Values::contains("rp").unwrap().matches("grp"));
        assert!(Values::suffix("/app").unwrap().matches("g/app"));
        let _ = Dfa::everything();
    }
}
