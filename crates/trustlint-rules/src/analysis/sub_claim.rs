//! The GitLab ID-token `sub` claim: its components, parsing and formatting of concrete
//! values (with nom), and the exact languages of the `sub` values GitLab can produce,
//! as automata.
//!
//! `sub` is `name:value` pairs joined by `:`, in the order of the project's configured
//! components (default `project_path`, `ref_type`, `ref`). Every `:` is a separator:
//! project paths and git ref names never contain one. Value grammars:
//! - project paths (`project_path`, `job_project_path`, `source_project_path`): at least
//!   two non-empty `/`-separated segments without `:` or control characters (a superset
//!   of GitLab's own path rules, which also limit the characters; documented
//!   approximation);
//! - `ref_type`: `branch` or `tag`;
//! - `ref`: a branch or tag name valid for `git check-ref-format`: non-empty; no control
//!   character, space, `~`, `^`, `:`, `?`, `*`, `[` or `\`; no `..`, `@{` or `//`; doesn't
//!   start or end with `/`, end with `.`, or equal `@`; no `/`-separated component starts
//!   with `.` or ends with `.lock`;
//! - ids (`project_id`, `job_project_id`, `source_project_id`): a positive decimal number
//!   without leading zeros;
//! - `ref_protected`, `environment_protected`: `true` or `false`; `deployment_tier`:
//!   `production`, `staging`, `testing`, `development` or `other`.

use std::fmt;
use std::sync::OnceLock;

use nom::bytes::complete::take_till;
use nom::character::complete::char as one_char;
use nom::multi::separated_list1;
use nom::sequence::separated_pair;
use nom::{IResult, Parser};

use super::automaton::{AutomatonError, CharClass, Dfa, Expr, CONTROL};
use super::glob::{case_variants, Case};

/// The values of GitLab's boolean claims, as strings.
const BOOLEANS: [&str; 2] = ["true", "false"];

/// The deployment tiers of GitLab environments.
const DEPLOYMENT_TIERS: [&str; 5] = ["production", "staging", "testing", "development", "other"];

/// One component of the `sub` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// `project_path`: the path of the (source) project.
    ProjectPath,
    /// `ref_type`: `branch` or `tag`.
    RefType,
    /// `ref`: the branch or tag name.
    Ref,
    /// `job_project_path`: the path of the project running the job.
    JobProjectPath,
    /// `job_project_id`: the id of the project running the job.
    JobProjectId,
    /// `source_project_path`: the path of the pipeline's source project.
    SourceProjectPath,
    /// `source_project_id`: the id of the pipeline's source project.
    SourceProjectId,
    /// `project_id`: the id of the project (GitLab's fix for recycled paths: a
    /// `project_id`-first `sub`).
    ProjectId,
    /// `ref_protected`: `true` or `false` (GitLab 18.7).
    RefProtected,
    /// `environment_protected`: `true` or `false` (GitLab 18.7).
    EnvironmentProtected,
    /// `deployment_tier`: the environment's tier (GitLab 18.7).
    DeploymentTier,
}

impl Component {
    /// Every component GitLab knows.
    pub const ALL: [Component; 11] = [
        Component::ProjectPath,
        Component::RefType,
        Component::Ref,
        Component::JobProjectPath,
        Component::JobProjectId,
        Component::SourceProjectPath,
        Component::SourceProjectId,
        Component::ProjectId,
        Component::RefProtected,
        Component::EnvironmentProtected,
        Component::DeploymentTier,
    ];

    /// The name used in `sub` and in the projects API.
    pub fn name(self) -> &'static str {
        match self {
            Component::ProjectPath => "project_path",
            Component::RefType => "ref_type",
            Component::Ref => "ref",
            Component::JobProjectPath => "job_project_path",
            Component::JobProjectId => "job_project_id",
            Component::SourceProjectPath => "source_project_path",
            Component::SourceProjectId => "source_project_id",
            Component::ProjectId => "project_id",
            Component::RefProtected => "ref_protected",
            Component::EnvironmentProtected => "environment_protected",
            Component::DeploymentTier => "deployment_tier",
        }
    }

    /// The component called `name`.
    pub fn from_name(name: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The grammar of this component's values (built once per process).
    pub fn value_language(self) -> Result<Dfa, AutomatonError> {
        static LANGUAGES: [OnceLock<Result<Dfa, AutomatonError>>; Component::ALL.len()] =
            [const { OnceLock::new() }; Component::ALL.len()];
        match LANGUAGES.get(self as usize) {
            Some(slot) => slot.get_or_init(|| self.build_value_language()).clone(),
            None => self.build_value_language(),
        }
    }

    fn build_value_language(self) -> Result<Dfa, AutomatonError> {
        match self {
            Component::ProjectPath | Component::JobProjectPath | Component::SourceProjectPath => {
                Dfa::from_expr(&project_path_expr())
            }
            Component::RefType => Dfa::from_expr(&Expr::one_of_strings(&["branch", "tag"])),
            Component::Ref => git_ref_language(),
            Component::RefProtected | Component::EnvironmentProtected => {
                Dfa::from_expr(&Expr::one_of_strings(&BOOLEANS))
            }
            Component::DeploymentTier => Dfa::from_expr(&Expr::one_of_strings(&DEPLOYMENT_TIERS)),
            Component::JobProjectId | Component::SourceProjectId | Component::ProjectId => {
                Dfa::from_expr(&Expr::Seq(vec![
                    Expr::Class(CharClass::one_of('1'..='9')),
                    Expr::run_of(CharClass::one_of('0'..='9')),
                ]))
            }
        }
    }

    /// Checks one value against the component's grammar.
    pub fn check_value(self, value: &str) -> Result<(), SubError> {
        let invalid = |reason: &'static str| SubError::InvalidValue {
            component: self,
            value: value.to_owned(),
            reason,
        };
        match self {
            Component::ProjectPath | Component::JobProjectPath | Component::SourceProjectPath => {
                check_project_path(value).map_err(invalid)
            }
            Component::RefType => match RefType::from_name(value) {
                Some(_) => Ok(()),
                None => Err(SubError::InvalidRefType {
                    value: value.to_owned(),
                }),
            },
            Component::Ref => check_git_ref(value).map_err(invalid),
            Component::RefProtected | Component::EnvironmentProtected => {
                if BOOLEANS.contains(&value) {
                    Ok(())
                } else {
                    Err(invalid("GitLab writes `true` or `false`"))
                }
            }
            Component::DeploymentTier => {
                if DEPLOYMENT_TIERS.contains(&value) {
                    Ok(())
                } else {
                    Err(invalid(
                        "a deployment tier is production, staging, testing, development or other",
                    ))
                }
            }
            Component::JobProjectId | Component::SourceProjectId | Component::ProjectId => {
                let mut chars = value.chars();
                match chars.next() {
                    Some('1'..='9') if chars.all(|c| c.is_ascii_digit()) => Ok(()),
                    _ => Err(invalid("an id is a positive decimal number")),
                }
            }
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `branch` or `tag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefType {
    /// A branch.
    Branch,
    /// A tag.
    Tag,
}

impl RefType {
    /// `branch` or `tag`.
    pub fn name(self) -> &'static str {
        match self {
            RefType::Branch => "branch",
            RefType::Tag => "tag",
        }
    }

    /// The ref type called `name` (case-sensitive, as GitLab writes it).
    pub fn from_name(name: &str) -> Option<RefType> {
        match name {
            "branch" => Some(RefType::Branch),
            "tag" => Some(RefType::Tag),
            _ => None,
        }
    }
}

impl fmt::Display for RefType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The components of a project's `sub`, in order (GitLab's
/// `ci_id_token_sub_claim_components`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubComponents(Vec<Component>);

impl Default for SubComponents {
    /// `project_path`, `ref_type`, `ref`.
    fn default() -> Self {
        SubComponents(vec![
            Component::ProjectPath,
            Component::RefType,
            Component::Ref,
        ])
    }
}

impl SubComponents {
    /// Validates a component list: non-empty, no repeats.
    pub fn new(components: Vec<Component>) -> Result<SubComponents, SubError> {
        if components.is_empty() {
            return Err(SubError::NoComponents);
        }
        for (i, c) in components.iter().enumerate() {
            if components.iter().take(i).any(|d| d == c) {
                return Err(SubError::RepeatedComponent { component: *c });
            }
        }
        Ok(SubComponents(components))
    }

    /// Parses component names, e.g. from the config's `[gitlab] sub-claim`.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<SubComponents, SubError> {
        let components = names
            .iter()
            .map(|n| {
                Component::from_name(n.as_ref()).ok_or_else(|| SubError::UnknownComponent {
                    name: n.as_ref().to_owned(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        SubComponents::new(components)
    }

    /// The components in order.
    pub fn as_slice(&self) -> &[Component] {
        &self.0
    }

    /// Is `component` configured?
    pub fn contains(&self, component: Component) -> bool {
        self.0.contains(&component)
    }

    /// The index of `component`'s value among the `:`-separated fields of a `sub`
    /// (names and values alternate, so value `i` is field `2 i + 1`).
    pub fn value_field(&self, component: Component) -> Option<usize> {
        self.0
            .iter()
            .position(|&c| c == component)
            .map(|i| 2 * i + 1)
    }
}

/// A parsed `sub` value: the value of each configured component.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SubClaim {
    /// `project_path`.
    pub project_path: Option<String>,
    /// `ref_type`.
    pub ref_type: Option<RefType>,
    /// `ref`.
    pub ref_name: Option<String>,
    /// `job_project_path`.
    pub job_project_path: Option<String>,
    /// `job_project_id`.
    pub job_project_id: Option<String>,
    /// `source_project_path`.
    pub source_project_path: Option<String>,
    /// `source_project_id`.
    pub source_project_id: Option<String>,
    /// `project_id`.
    pub project_id: Option<String>,
    /// `ref_protected`.
    pub ref_protected: Option<String>,
    /// `environment_protected`.
    pub environment_protected: Option<String>,
    /// `deployment_tier`.
    pub deployment_tier: Option<String>,
}

impl SubClaim {
    /// The default-form claim of `project_path` on a ref.
    pub fn new(project_path: &str, ref_type: RefType, ref_name: &str) -> SubClaim {
        SubClaim {
            project_path: Some(project_path.to_owned()),
            ref_type: Some(ref_type),
            ref_name: Some(ref_name.to_owned()),
            ..SubClaim::default()
        }
    }

    /// The value of `component`, if set.
    pub fn value(&self, component: Component) -> Option<&str> {
        match component {
            Component::ProjectPath => self.project_path.as_deref(),
            Component::RefType => self.ref_type.map(RefType::name),
            Component::Ref => self.ref_name.as_deref(),
            Component::JobProjectPath => self.job_project_path.as_deref(),
            Component::JobProjectId => self.job_project_id.as_deref(),
            Component::SourceProjectPath => self.source_project_path.as_deref(),
            Component::SourceProjectId => self.source_project_id.as_deref(),
            Component::ProjectId => self.project_id.as_deref(),
            Component::RefProtected => self.ref_protected.as_deref(),
            Component::EnvironmentProtected => self.environment_protected.as_deref(),
            Component::DeploymentTier => self.deployment_tier.as_deref(),
        }
    }

    fn set(&mut self, component: Component, value: &str) {
        let value = Some(value.to_owned());
        match component {
            Component::ProjectPath => self.project_path = value,
            Component::RefType => self.ref_type = value.as_deref().and_then(RefType::from_name),
            Component::Ref => self.ref_name = value,
            Component::JobProjectPath => self.job_project_path = value,
            Component::JobProjectId => self.job_project_id = value,
            Component::SourceProjectPath => self.source_project_path = value,
            Component::SourceProjectId => self.source_project_id = value,
            Component::ProjectId => self.project_id = value,
            Component::RefProtected => self.ref_protected = value,
            Component::EnvironmentProtected => self.environment_protected = value,
            Component::DeploymentTier => self.deployment_tier = value,
        }
    }
}

/// Why a string is not a `sub` GitLab can produce, or a component list is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubError {
    /// The component list is empty.
    NoComponents,
    /// A component is listed twice.
    RepeatedComponent {
        /// The repeated component.
        component: Component,
    },
    /// A name that is no GitLab `sub` component.
    UnknownComponent {
        /// The name found.
        name: String,
    },
    /// The claim doesn't start with the first configured component's name.
    MissingPrefix {
        /// The component expected first.
        expected: Component,
    },
    /// A configured component appears in another position.
    OutOfOrder {
        /// The component found.
        found: Component,
        /// The component expected at that position.
        expected: Component,
    },
    /// A GitLab component the project doesn't include in its `sub`.
    NotConfigured {
        /// The component found.
        component: Component,
    },
    /// The claim ends before a configured component.
    MissingComponent {
        /// The first missing component.
        component: Component,
    },
    /// A component name without `:value`.
    MissingValue {
        /// The text of the name.
        name: String,
    },
    /// Text after the last configured component.
    TrailingText {
        /// The extra text.
        text: String,
    },
    /// `ref_type` is neither `branch` nor `tag` (e.g. `mr`).
    InvalidRefType {
        /// The value found.
        value: String,
    },
    /// A value its component's grammar rejects.
    InvalidValue {
        /// The component.
        component: Component,
        /// The value found.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl fmt::Display for SubError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubError::NoComponents => f.write_str("the sub claim has no components"),
            SubError::RepeatedComponent { component } => {
                write!(f, "component `{component}` is listed twice")
            }
            SubError::UnknownComponent { name } => {
                write!(f, "`{name}` is not a GitLab sub claim component")
            }
            SubError::MissingPrefix { expected } => {
                write!(f, "a GitLab sub starts with `{expected}:`")
            }
            SubError::OutOfOrder { found, expected } => write!(
                f,
                "`{found}` comes where the project's sub claim has `{expected}`: components are out of order"
            ),
            SubError::NotConfigured { component } => write!(
                f,
                "`{component}` is not among the project's sub claim components"
            ),
            SubError::MissingComponent { component } => {
                write!(f, "the sub claim lacks `{component}:`")
            }
            SubError::MissingValue { name } => write!(f, "`{name}` has no `:value`"),
            SubError::TrailingText { text } => {
                write!(f, "unexpected `{text}` after the last component")
            }
            SubError::InvalidRefType { value } => write!(
                f,
                "`ref_type:{value}` is not a GitLab ref type (only `branch` and `tag`)"
            ),
            SubError::InvalidValue {
                component,
                value,
                reason,
            } => write!(f, "`{component}:{value}` is invalid: {reason}"),
        }
    }
}

impl std::error::Error for SubError {}

/// `name:value` pairs separated by `:`; values may be empty.
fn pairs(input: &str) -> IResult<&str, Vec<(&str, &str)>> {
    let field = || take_till(|c| c == ':');
    separated_list1(
        one_char(':'),
        separated_pair(field(), one_char(':'), field()),
    )
    .parse(input)
}

/// Parses a concrete `sub` value under the project's `components`.
pub fn parse_sub(text: &str, components: &SubComponents) -> Result<SubClaim, SubError> {
    let (rest, found) = match pairs(text) {
        Ok(done) => done,
        Err(_) => (text, Vec::new()),
    };
    let mut claim = SubClaim::default();
    let expected = components.as_slice();
    for (i, &(name, value)) in found.iter().enumerate() {
        let Some(&want) = expected.get(i) else {
            let start = found.get(..i).map_or(0, |done| {
                done.iter().map(|(n, v)| n.len() + v.len() + 2).sum()
            });
            return Err(SubError::TrailingText {
                text: text.get(start..).unwrap_or(text).to_owned(),
            });
        };
        check_name(name, want, i, components)?;
        want.check_value(value)?;
        claim.set(want, value);
    }
    let parsed = found.len();
    if rest.is_empty() {
        return match expected.get(parsed) {
            Some(&component) if parsed == 0 => Err(SubError::MissingPrefix {
                expected: component,
            }),
            Some(&component) => Err(SubError::MissingComponent { component }),
            None => Ok(claim),
        };
    }
    // A name without `:value`, or text after the last component.
    let Some(&want) = expected.get(parsed) else {
        return Err(SubError::TrailingText {
            text: rest.to_owned(),
        });
    };
    let name = if parsed == 0 {
        rest
    } else {
        rest.strip_prefix(':').unwrap_or(rest)
    };
    check_name(name, want, parsed, components)?;
    Err(SubError::MissingValue {
        name: name.to_owned(),
    })
}

fn check_name(
    name: &str,
    want: Component,
    position: usize,
    components: &SubComponents,
) -> Result<(), SubError> {
    match Component::from_name(name) {
        Some(found) if found == want => Ok(()),
        Some(found) if components.contains(found) => Err(SubError::OutOfOrder {
            found,
            expected: want,
        }),
        Some(found) => Err(SubError::NotConfigured { component: found }),
        None if position == 0 => Err(SubError::MissingPrefix { expected: want }),
        None => Err(SubError::UnknownComponent {
            name: name.to_owned(),
        }),
    }
}

/// Formats `claim` under `components`, checking every value.
pub fn format_sub(claim: &SubClaim, components: &SubComponents) -> Result<String, SubError> {
    let mut parts = Vec::with_capacity(components.as_slice().len());
    for &component in components.as_slice() {
        let value = claim
            .value(component)
            .ok_or(SubError::MissingComponent { component })?;
        component.check_value(value)?;
        parts.push(format!("{component}:{value}"));
    }
    Ok(parts.join(":"))
}

fn check_project_path(value: &str) -> Result<(), &'static str> {
    if value.contains(':') {
        return Err("a project path never contains `:`");
    }
    if value.chars().any(|c| c.is_ascii_control()) {
        return Err("a project path never contains a control character");
    }
    if !value.contains('/') {
        return Err("a project path has a namespace: `group/project`");
    }
    if value.split('/').any(str::is_empty) {
        return Err("a project path has no empty segment");
    }
    Ok(())
}

/// Characters git never allows in a ref name.
fn is_forbidden_ref_char(c: char) -> bool {
    c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
}

fn check_git_ref(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("a ref name is never empty");
    }
    if value.chars().any(is_forbidden_ref_char) {
        return Err(
            "a ref name has no control character, space, `~`, `^`, `:`, `?`, `*`, `[` or `\\`",
        );
    }
    if value.contains("..") {
        return Err("a ref name has no `..`");
    }
    if value.contains("@{") {
        return Err("a ref name has no `@{`");
    }
    if value == "@" {
        return Err("a ref name is not `@`");
    }
    if value.starts_with('/') || value.ends_with('/') || value.contains("//") {
        return Err("a ref name has no empty `/` component");
    }
    if value.ends_with('.') {
        return Err("a ref name doesn't end with `.`");
    }
    if value
        .split('/')
        .any(|part| part.starts_with('.') || part.ends_with(".lock"))
    {
        return Err("no `/` component of a ref name starts with `.` or ends with `.lock`");
    }
    Ok(())
}

/// Project paths: `seg/seg(/seg)*`, segments non-empty without `:` or `/`.
fn project_path_expr() -> Expr {
    let segment = Expr::plus(Expr::Class(CharClass::none_of([':', '/', CONTROL])));
    Expr::Seq(vec![
        segment.clone(),
        Expr::plus(Expr::Seq(vec![Expr::literal("/"), segment])),
    ])
}

/// The language of git branch and tag names (see the module documentation).
fn git_ref_language() -> Result<Dfa, AutomatonError> {
    let forbidden = (0u8..0x20)
        .map(char::from)
        .chain(['\u{7f}', ' ', '~', '^', ':', '?', '*', '[', '\\']);
    let mut language = Dfa::from_expr(&Expr::plus(Expr::Class(CharClass::none_of(forbidden))))?;
    let any = Expr::any_string;
    let containing = |text: &str| Expr::Seq(vec![any(), Expr::literal(text), any()]);
    let starting = |text: &str| Expr::Seq(vec![Expr::literal(text), any()]);
    let ending = |text: &str| Expr::Seq(vec![any(), Expr::literal(text)]);
    let excluded = [
        containing(".."),
        containing("@{"),
        containing("//"),
        containing("/."),
        containing(".lock/"),
        starting("/"),
        starting("."),
        ending("/"),
        ending("."),
        ending(".lock"),
        Expr::literal("@"),
    ];
    for expr in &excluded {
        language = language.difference(&Dfa::from_expr(expr)?)?;
    }
    Ok(language)
}

/// A run of characters without `:` — what any component value looks like.
pub fn value_run() -> Expr {
    Expr::run_of(CharClass::none_of([':']))
}

/// `name:value` pairs in `components` order, with each value's language from `value`.
fn sub_shape(
    components: &SubComponents,
    mut value: impl FnMut(Component) -> Result<Expr, AutomatonError>,
) -> Result<Expr, AutomatonError> {
    let mut parts = Vec::new();
    for (i, &component) in components.as_slice().iter().enumerate() {
        let separator = if i == 0 { "" } else { ":" };
        parts.push(Expr::literal(&format!("{separator}{component}:")));
        parts.push(value(component)?);
    }
    Ok(Expr::Seq(parts))
}

/// Every `sub` GitLab can produce with `components`.
pub fn all_subs(components: &SubComponents) -> Result<Dfa, AutomatonError> {
    let shape = sub_shape(components, |c| {
        Ok(Expr::Automaton(Box::new(c.value_language()?)))
    })?;
    Dfa::from_expr(&shape)
}

/// The `sub` values GitLab can produce whose values satisfy `constraints`: each
/// `(component, expr)` requires that component's value to be in `expr` (which should
/// not contain `:`, as no value does). A constraint on a component the project doesn't
/// configure is vacuous (the claim doesn't carry it).
pub fn subs_where(
    components: &SubComponents,
    constraints: &[(Component, Expr)],
) -> Result<Dfa, AutomatonError> {
    constrain(&all_subs(components)?, components, constraints)
}

/// [`subs_where`] with the language of all subs already built (`all`, from [`all_subs`]
/// with the same `components`).
pub fn constrain(
    all: &Dfa,
    components: &SubComponents,
    constraints: &[(Component, Expr)],
) -> Result<Dfa, AutomatonError> {
    let constrained = sub_shape(components, |c| {
        let mut on_component = constraints.iter().filter(|(k, _)| *k == c);
        match (on_component.next(), on_component.next()) {
            (None, _) => Ok(value_run()),
            // The common case (a literal, a namespace): used as written, which is exact
            // when the expression cannot span a `:`.
            (Some((_, expr)), None) if expr.never_contains(':') => Ok(expr.clone()),
            (Some(first), second) => {
                let mut language = Dfa::from_expr(&value_run())?;
                for (_, expr) in std::iter::once(first).chain(second).chain(on_component) {
                    language = language.intersection(&Dfa::from_expr(expr)?)?;
                }
                Ok(Expr::Automaton(Box::new(language)))
            }
        }
    })?;
    all.intersection(&Dfa::from_expr(&constrained)?)
}

/// A project path equal to `namespace` or inside it (`namespace/…`), the namespace
/// compared with `case` (a trailing `/` on `namespace` is ignored).
pub fn in_namespace_expr(namespace: &str, case: Case) -> Expr {
    let namespace = namespace.trim_end_matches('/');
    let literal = match case {
        Case::Sensitive => Expr::literal(namespace),
        Case::Insensitive => Expr::Seq(
            namespace
                .chars()
                .map(|c| Expr::Class(CharClass::one_of(case_variants(c))))
                .collect(),
        ),
    };
    Expr::Seq(vec![
        literal,
        Expr::Alt(vec![
            Expr::Empty,
            Expr::Seq(vec![Expr::literal("/"), value_run()]),
        ]),
    ])
}

/// Subs of project `project` (on any ref, or only refs of `ref_type`).
pub fn project_subs(
    components: &SubComponents,
    project: &str,
    ref_type: Option<RefType>,
) -> Result<Dfa, AutomatonError> {
    let mut constraints = vec![(Component::ProjectPath, Expr::literal(project))];
    constraints.extend(ref_type.map(|t| (Component::RefType, Expr::literal(t.name()))));
    subs_where(components, &constraints)
}

/// Subs of any project inside `namespace` (the namespace itself or below it).
pub fn namespace_subs(components: &SubComponents, namespace: &str) -> Result<Dfa, AutomatonError> {
    subs_where(
        components,
        &[(
            Component::ProjectPath,
            in_namespace_expr(namespace, Case::Sensitive),
        )],
    )
}

/// Subs of any project outside `namespace`.
pub fn outside_namespace_subs(
    components: &SubComponents,
    namespace: &str,
) -> Result<Dfa, AutomatonError> {
    all_subs(components)?.difference(&namespace_subs(components, namespace)?)
}

/// Subs of refs of `ref_type` (every sub when the project's claim has no `ref_type`).
pub fn ref_type_subs(components: &SubComponents, ref_type: RefType) -> Result<Dfa, AutomatonError> {
    subs_where(
        components,
        &[(Component::RefType, Expr::literal(ref_type.name()))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> SubComponents {
        SubComponents::default()
    }

    #[test]
    fn parses_default_form() {
        let claim = parse_sub(
            "project_path:acme/infra:ref_type:branch:ref:main",
            &default(),
        )
        .unwrap();
        assert_eq!(claim, SubClaim::new("acme/infra", RefType::Branch, "main"));
        let tag = parse_sub(
            "project_path:a/b/c:ref_type:tag:ref:release/v1.2.0",
            &default(),
        )
        .unwrap();
        assert_eq!(tag.ref_type, Some(RefType::Tag));
        assert_eq!(tag.ref_name.as_deref(), Some("release/v1.2.0"));
        assert_eq!(
            format_sub(&tag, &default()).unwrap(),
            "project_path:a/b/c:ref_type:tag:ref:release/v1.2.0"
        );
    }

    #[test]
    fn parses_other_component_orders() {
        let c = SubComponents::from_names(&["project_path", "ref", "ref_type"]).unwrap();
        let claim = parse_sub("project_path:g/p:ref:main:ref_type:branch", &c).unwrap();
        assert_eq!(claim, SubClaim::new("g/p", RefType::Branch, "main"));
        let short = SubComponents::from_names(&["project_path", "ref"]).unwrap();
        assert!(parse_sub("project_path:g/p:ref:main", &short).is_ok());
        let ids = SubComponents::from_names(&["project_path", "job_project_id"]).unwrap();
        let claim = parse_sub("project_path:g/p:job_project_id:42", &ids).unwrap();
        assert_eq!(claim.job_project_id.as_deref(), Some("42"));
        assert!(parse_sub("project_path:g/p:job_project_id:042", &ids).is_err());
    }

    #[test]
    fn reports_what_is_wrong() {
        let err = |s: &str| parse_sub(s, &default()).unwrap_err();
        assert_eq!(
            err("project_path:acme/infra:ref_type:mr:ref:1"),
            SubError::InvalidRefType { value: "mr".into() }
        );
        assert_eq!(
            err("acme/infra:ref_type:branch:ref:main"),
            SubError::MissingPrefix {
                expected: Component::ProjectPath
            }
        );
        assert_eq!(
            err("project_path:acme/infra:ref:main:ref_type:branch"),
            SubError::OutOfOrder {
                found: Component::Ref,
                expected: Component::RefType
            }
        );
        assert_eq!(
            err("project_path:acme/infra:ref_type:branch"),
            SubError::MissingComponent {
                component: Component::Ref
            }
        );
        assert_eq!(
            err("project_path:acme/infra:ref_type:branch:ref"),
            SubError::MissingValue { name: "ref".into() }
        );
        assert_eq!(
            err("project_path:acme/infra:ref_type:branch:ref:main:x:y"),
            SubError::TrailingText { text: "x:y".into() }
        );
        assert_eq!(
            err(""),
            SubError::MissingPrefix {
                expected: Component::ProjectPath
            }
        );
        assert!(matches!(
            err("project_path:acme:ref_type:branch:ref:main"),
            SubError::InvalidValue {
                component: Component::ProjectPath,
                ..
            }
        ));
        assert!(matches!(
            err("project_path:a/b:ref_type:branch:ref:a..b"),
            SubError::InvalidValue {
                component: Component::Ref,
                ..
            }
        ));
        assert_eq!(
            err("project_path:a/b:job_project_id:1:ref:x"),
            SubError::NotConfigured {
                component: Component::JobProjectId
            }
        );
        assert!(err("project_path:acme/infra:ref_type:mr:ref:1")
            .to_string()
            .contains("`ref_type:mr` is not a GitLab ref type"));
    }

    #[test]
    fn component_lists_are_validated() {
        assert!(SubComponents::from_names::<&str>(&[]).is_err());
        assert!(SubComponents::from_names(&["project_path", "project_path"]).is_err());
        assert!(SubComponents::from_names(&["project_path", "pipeline_id"]).is_err());
        assert_eq!(default().value_field(Component::Ref), Some(5));
    }

    #[test]
    fn languages_agree_with_the_parser() {
        let all = all_subs(&default()).unwrap();
        for sub in [
            "project_path:acme/infra:ref_type:branch:ref:main",
            "project_path:acme/sub/infra:ref_type:tag:ref:v1.0",
            "project_path:acme/infra:ref_type:mr:ref:main",
            "project_path:acme:ref_type:branch:ref:main",
            "project_path:acme/infra:ref_type:branch:ref:.hidden",
            "project_path:acme/infra:ref_type:branch:ref:a.lock",
            "project_path:acme/infra:ref_type:branch:ref:feature/x",
            "project_path:acme/infra:ref_type:branch:ref:@",
            "project_path:acme/infra:ref_type:branch:ref:a@{b",
            "project_path:acme//infra:ref_type:branch:ref:main",
        ] {
            assert_eq!(
                all.contains(sub),
                parse_sub(sub, &default()).is_ok(),
                "{sub}"
            );
        }
        assert_eq!(
            all.witness().as_deref(),
            Some("project_path:x/x:ref_type:tag:ref:x")
        );
    }

    #[test]
    fn sub_languages() {
        let c = default();
        let acme = namespace_subs(&c, "acme").unwrap();
        assert!(acme.contains("project_path:acme/infra:ref_type:branch:ref:main"));
        assert!(acme.contains("project_path:acme/a/b:ref_type:tag:ref:v1"));
        assert!(!acme.contains("project_path:acmeevil/x:ref_type:branch:ref:main"));
        let outside = outside_namespace_subs(&c, "acme/").unwrap();
        assert!(outside.contains("project_path:acmeevil/x:ref_type:branch:ref:main"));
        assert!(!outside.contains("project_path:acme/x:ref_type:branch:ref:main"));
        let branches = project_subs(&c, "acme/infra", Some(RefType::Branch)).unwrap();
        assert!(branches.contains("project_path:acme/infra:ref_type:branch:ref:x/y"));
        assert!(!branches.contains("project_path:acme/infra:ref_type:tag:ref:x"));
        assert!(!branches.contains("project_path:acme/infrax:ref_type:branch:ref:x"));
        let tags = ref_type_subs(&c, RefType::Tag).unwrap();
        assert!(tags.contains("project_path:q/r:ref_type:tag:ref:v1"));
        let no_type = SubComponents::from_names(&["project_path", "ref"]).unwrap();
        assert_eq!(
            ref_type_subs(&no_type, RefType::Tag).unwrap(),
            all_subs(&no_type).unwrap()
        );
    }
}
