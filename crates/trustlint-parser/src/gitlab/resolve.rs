//! GitLab's resolution of a merged configuration, in GitLab's order: `extends` (after
//! includes), then `!reference` tags, then the inheritance of `default:` keywords and
//! global `variables:` into each job (governed by `inherit:`). Every inherited value is
//! shared with its source (not copied) and gets the [`Via`] step that brought it (held
//! once, on the inherited subtree), so the effective job still points at the line where
//! each value is written.

use std::collections::HashMap;
use std::sync::Arc;

use crate::gitlab::keywords::{is_global_keyword, DEFAULT_KEYWORDS, LEGACY_GLOBAL_DEFAULTS};
use crate::gitlab::model::Variable;
use crate::gitlab::value::{extend_fields, Field, Kind, Val, Via, ViaChain};
use crate::problem::Problem;
use crate::spanned::Spanned;

/// GitLab's `Config::Extendable::Entry::MAX_NESTING_LEVELS`: a job may sit at most this
/// many `extends` levels below the job that uses it.
const MAX_EXTENDS_DEPTH: usize = 11;
/// GitLab's `Config::Yaml::Tags::Reference` limit on references inside referenced values.
const MAX_REFERENCE_DEPTH: usize = 10;
/// Keywords whose nested lists GitLab flattens (a `!reference` to a list inside a list).
const FLATTENED: &[&str] = &[
    "script",
    "before_script",
    "after_script",
    "rules",
    "cache",
    "needs",
    "dependencies",
    "tags",
    "services",
];

/// How many values resolution may copy (through `extends`, `!reference`, `default:` and
/// global variables), so a small file can't expand into an unbounded configuration.
#[derive(Debug)]
pub struct Budget {
    left: usize,
    exhausted: bool,
}

impl Budget {
    pub fn new(max_values: usize) -> Self {
        Budget {
            left: max_values,
            exhausted: false,
        }
    }

    /// Charges a copy of `value`; `false` once the budget is spent (nothing is copied then).
    fn charge(&mut self, value: &Val) -> bool {
        let size = value.size();
        if self.exhausted || size > self.left {
            self.exhausted = true;
            return false;
        }
        self.left -= size;
        true
    }

    pub fn exhausted(&self) -> bool {
        self.exhausted
    }
}

/// Resolves `extends` for every top-level map that has it. `complete`: whether every
/// include was read, so a missing `extends` target is really undefined.
pub fn extends(
    root: &mut [Field],
    complete: bool,
    budget: &mut Budget,
    problems: &mut Vec<Problem>,
) {
    // Resolution reads the values as written (the last of duplicate keys), so the
    // results replace them only once every job is resolved.
    let originals: HashMap<&str, &Val> = root
        .iter()
        .map(|f| (f.key.value.as_ref(), &f.value))
        .collect();
    let mut resolver = Extends {
        originals: &originals,
        resolved: HashMap::new(),
        complete,
        budget,
        problems,
    };
    let resolved: Vec<(usize, Val)> = root
        .iter()
        .enumerate()
        .filter(|(_, f)| !is_global_keyword(&f.key.value) && f.value.get("extends").is_some())
        .filter_map(|(i, field)| {
            let mut stack = Vec::new();
            let (value, _) = resolver.resolve(&field.key.value, &mut stack)?;
            Some((i, value))
        })
        .collect();
    for (i, value) in resolved {
        if let Some(field) = root.get_mut(i) {
            field.value = value;
        }
    }
}

struct Extends<'a> {
    originals: &'a HashMap<&'a str, &'a Val>,
    /// Each resolved job and how many `extends` levels lie below it.
    resolved: HashMap<String, Option<(Val, usize)>>,
    complete: bool,
    budget: &'a mut Budget,
    problems: &'a mut Vec<Problem>,
}

impl Extends<'_> {
    /// The job `name` with everything it extends merged under it, and its number of
    /// `extends` levels; `None` when it is not defined.
    fn resolve(&mut self, name: &str, stack: &mut Vec<String>) -> Option<(Val, usize)> {
        if let Some(done) = self.resolved.get(name) {
            if let Some((value, _)) = done {
                if !self.budget.charge(value) {
                    return None;
                }
            }
            return done.clone();
        }
        let own = (*self.originals.get(name)?).clone();
        let Some(extends) = own.get("extends") else {
            return Some((own, 0));
        };
        let extends_span = extends.span;
        let parents: Vec<Spanned<String>> = match &extends.kind {
            Kind::String(s) => vec![Spanned::new(s.to_string(), extends.span)],
            Kind::Seq(items) if items.iter().all(|i| i.as_str().is_some()) => items
                .iter()
                .map(|i| Spanned::new(i.as_str().unwrap_or_default().to_string(), i.span))
                .collect(),
            _ => {
                // Reported by the keyword check ("a string or a list of strings").
                return Some((own, 0));
            }
        };
        stack.push(name.to_string());
        let mut base: Option<Val> = None;
        let mut levels = 1;
        for parent in &parents {
            let Some((value, below)) = self.parent(parent, stack.as_slice()) else {
                continue;
            };
            levels = levels.max(below + 1);
            let step = Via::Extends {
                job: parent.value.as_str().into(),
                at: extends_span,
            };
            let value = value.through(&step);
            base = Some(match base {
                Some(base) => base.deep_merge(value),
                None => value,
            });
        }
        stack.pop();
        if levels > MAX_EXTENDS_DEPTH {
            self.problems.push(Problem::invalid_ci_config(
                extends_span,
                format!(
                    "`{name}`: `extends` nested {levels} levels deep: GitLab allows {MAX_EXTENDS_DEPTH} and rejects the configuration"
                ),
            ));
        }
        let merged = match base {
            Some(base) => base.deep_merge(own),
            None => own,
        };
        if !self.budget.charge(&merged) {
            return None;
        }
        self.resolved
            .insert(name.to_string(), Some((merged.clone(), levels)));
        Some((merged, levels))
    }

    fn parent(&mut self, parent: &Spanned<String>, stack: &[String]) -> Option<(Val, usize)> {
        let job = stack.last().cloned().unwrap_or_default();
        if stack.contains(&parent.value) {
            self.problems.push(
                Problem::invalid_ci_config(
                    parent.span,
                    format!(
                        "`{job}`: circular dependency in `extends`: `{}` extends itself through {}",
                        parent.value,
                        stack.join(" → ")
                    ),
                )
                .with_help("remove one `extends` of the cycle"),
            );
            return None;
        }
        match self.originals.get(parent.value.as_str()) {
            None => {
                if self.complete {
                    let known: Vec<&str> = self.originals.keys().copied().collect();
                    let mut problem = Problem::invalid_ci_config(
                        parent.span,
                        format!("`{job}` extends `{}`, which is not defined: GitLab rejects the configuration", parent.value),
                    );
                    if let Some(hint) = crate::suggest::did_you_mean(&parent.value, &sorted(known))
                    {
                        problem = problem.with_help(format!("did you mean `{hint}`?"));
                    }
                    self.problems.push(problem);
                }
                None
            }
            Some(value) if value.as_map().is_none() => {
                self.problems.push(Problem::invalid_ci_config(
                    parent.span,
                    format!(
                        "`{job}` extends `{}`, which is {}, not a job or map",
                        parent.value,
                        value.type_name()
                    ),
                ));
                None
            }
            Some(_) => {
                let mut inner = stack.to_vec();
                self.resolve(&parent.value, &mut inner)
            }
        }
    }
}

fn sorted(mut names: Vec<&str>) -> Vec<&str> {
    names.sort_unstable();
    names
}

/// Replaces every `!reference` in the configuration by the value it names, and flattens
/// the nested lists it leaves in `script`-like keywords and `rules`.
pub fn references(
    root: &mut [Field],
    complete: bool,
    budget: &mut Budget,
    problems: &mut Vec<Problem>,
) {
    // The values as written, for the references to read (shared, not copied).
    let lookup: Vec<Field> = if root.iter().any(|f| f.value.has_reference()) {
        root.to_vec()
    } else {
        Vec::new()
    };
    let mut cx = References {
        root: &lookup,
        complete,
        budget,
        problems,
    };
    for field in root.iter_mut() {
        cx.replace(&mut field.value, 0);
        if field.key.value.as_ref() == "stages" {
            flatten(&mut field.value);
        }
        flatten_in(&mut field.value);
        if let Kind::Map(fields) = &mut field.value.kind {
            if let Some(workflow) = fields
                .iter()
                .position(|f| f.key.value.as_ref() == "workflow")
                .filter(|&i| fields.get(i).is_some_and(|f| has_nested_lists(&f.value)))
            {
                if let Some(workflow) = Arc::make_mut(fields).get_mut(workflow) {
                    flatten_in(&mut workflow.value);
                }
            }
        }
    }
}

/// Flattens the lists of a map's `script`-like keywords (the map is copied only if one
/// holds a nested list).
fn flatten_in(map: &mut Val) {
    if !has_nested_lists(map) {
        return;
    }
    if let Kind::Map(fields) = &mut map.kind {
        for field in Arc::make_mut(fields)
            .iter_mut()
            .filter(|f| FLATTENED.contains(&f.key.value.as_ref()))
        {
            flatten(&mut field.value);
        }
    }
}

/// Whether a `script`-like keyword of the map holds a nested list.
fn has_nested_lists(map: &Val) -> bool {
    map.as_map().unwrap_or_default().iter().any(|f| {
        FLATTENED.contains(&f.key.value.as_ref()) && is_nested_list(&f.value)
            || f.key.value.as_ref() == "rules" && is_nested_list(&f.value)
    })
}

fn is_nested_list(value: &Val) -> bool {
    value
        .as_seq()
        .is_some_and(|items| items.iter().any(|item| matches!(item.kind, Kind::Seq(_))))
}

/// Flattens nested lists in a list (GitLab: `script`, `rules`, `stages`, …).
fn flatten(value: &mut Val) {
    if !is_nested_list(value) {
        return;
    }
    let mut flat = Vec::new();
    flatten_into(value, &mut flat);
    value.kind = Kind::Seq(flat.into());
    value.via = value.via.settled();
}

/// The items of `list` and of the lists inside it, with their chains as seen from `list`.
fn flatten_into(list: &Val, out: &mut Vec<Val>) {
    for item in list.items().iter() {
        match item.kind {
            Kind::Seq(_) => flatten_into(item, out),
            _ => out.push(item.clone()),
        }
    }
}

/// What `!reference` replacement reads and reports into.
struct References<'a> {
    root: &'a [Field],
    complete: bool,
    budget: &'a mut Budget,
    problems: &'a mut Vec<Problem>,
}

impl References<'_> {
    /// Replaces the references in `value` (copying only the lists and maps that hold one).
    fn replace(&mut self, value: &mut Val, depth: usize) {
        if !value.has_reference() {
            return;
        }
        match &mut value.kind {
            Kind::Seq(items) => Arc::make_mut(items)
                .iter_mut()
                .for_each(|item| self.replace(item, depth)),
            Kind::Map(fields) => Arc::make_mut(fields)
                .iter_mut()
                .for_each(|f| self.replace(&mut f.value, depth)),
            Kind::Reference(path) => {
                let at = value.span;
                let shown = format!(
                    "!reference [{}]",
                    path.iter()
                        .map(|p| p.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if depth >= MAX_REFERENCE_DEPTH {
                    self.problems.push(Problem::invalid_ci_config(
                        at,
                        format!("{shown}: too many nested references (GitLab allows {MAX_REFERENCE_DEPTH})"),
                    ));
                    *value = Val::null(at);
                    return;
                }
                match lookup(self.root, path) {
                    Some(found) if self.budget.charge(&found) => {
                        // The reference's own chain (it may sit in a referenced value) goes on top.
                        let mut found = value
                            .via
                            .iter()
                            .rev()
                            .fold(found.through(&Via::Reference { at }), |v, step| {
                                v.through(step)
                            });
                        self.replace(&mut found, depth + 1);
                        *value = found;
                    }
                    Some(_) => *value = Val::null(at),
                    None => {
                        if self.complete || path.is_empty() {
                            self.problems.push(
                                Problem::invalid_ci_config(
                                    at,
                                    format!("{shown} could not be found: GitLab rejects the configuration"),
                                )
                                .with_help("name an existing job or keyword and the keys below it"),
                            );
                        }
                        *value = Val::null(at);
                    }
                }
            }
            Kind::Null | Kind::Bool(_) | Kind::Number(_) | Kind::String(_) => {}
        }
    }
}

/// The value a `!reference` path names, with its whole chain.
fn lookup(root: &[Field], path: &[Spanned<String>]) -> Option<Val> {
    let (first, rest) = path.split_first()?;
    let mut current = root
        .iter()
        .find(|f| *f.key.value == *first.value)?
        .value
        .clone();
    for key in rest {
        current = current.child(&key.value)?;
    }
    Some(current)
}

/// What a job inherits: the `default:` keywords (and legacy global ones) it doesn't set,
/// and the global variables it doesn't override, as `inherit:` allows. Each inherited
/// value is marked ([`Via::Default`], [`Via::Global`]) once: every job shares it.
#[derive(Debug, Default)]
pub struct Inheritance {
    /// Each inheritable keyword with its value.
    defaults: Vec<Field>,
    /// The global `variables:` map, and its variables typed.
    variables: Option<(Val, Arc<[Variable]>)>,
}

impl Inheritance {
    pub fn new(root: &[Field]) -> Self {
        let mut defaults: Vec<Field> = root
            .iter()
            .find(|f| f.key.value.as_ref() == "default")
            .map(|default| {
                default
                    .value
                    .entries()
                    .iter()
                    .filter(|f| DEFAULT_KEYWORDS.contains(&f.key.value.as_ref()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for field in root
            .iter()
            .filter(|f| LEGACY_GLOBAL_DEFAULTS.contains(&f.key.value.as_ref()))
        {
            if !defaults.iter().any(|d| d.key.value == field.key.value) {
                defaults.push(field.clone());
            }
        }
        let defaults = defaults
            .into_iter()
            .map(|default| Field {
                value: default.value.through(&Via::Default {
                    at: default.key.span,
                }),
                key: default.key,
            })
            .collect();
        let variables = root
            .iter()
            .find(|f| f.key.value.as_ref() == "variables")
            .filter(|globals| globals.value.as_map().is_some())
            .map(|globals| {
                let step = Via::Global {
                    at: globals.key.span,
                };
                let mut variables = globals.value.clone().through(&step);
                variables.via = variables.via.with_steps(vec![step]);
                let typed = crate::gitlab::model::variables(&variables).into();
                (variables, typed)
            });
        Inheritance {
            defaults,
            variables,
        }
    }

    /// The global variables as jobs inherit them, and typed ([`crate::gitlab::model::job`]).
    pub fn globals(&self) -> Option<&(Val, Arc<[Variable]>)> {
        self.variables.as_ref()
    }

    /// The job's configuration with what it inherits (shared, not copied).
    pub fn apply(&self, job: Val, budget: &mut Budget) -> Val {
        let job = job.settled();
        let inherit = job.get("inherit").cloned();
        let allowed =
            |section: &str, keyword: &str| match inherit.as_ref().and_then(|i| i.get(section)) {
                None => true,
                Some(value) => match &value.kind {
                    Kind::Bool(b) => *b,
                    Kind::Seq(items) => items.iter().any(|i| i.as_str() == Some(keyword)),
                    _ => true,
                },
            };
        let mut extra = Vec::new();
        for default in &self.defaults {
            let keyword = default.key.value.as_ref();
            if job.get(keyword).is_none()
                && allowed("default", keyword)
                && budget.charge(&default.value)
            {
                extra.push(default.clone());
            }
        }
        let mut job = job;
        if let Some((globals, _)) = &self.variables {
            let all = globals.entries();
            let inherited: Vec<Field> = all
                .iter()
                .filter(|v| allowed("variables", &v.key.value) && budget.charge(&v.value))
                .cloned()
                .collect();
            if !inherited.is_empty() {
                let base = if inherited.len() == all.len() {
                    globals.clone()
                } else {
                    Val {
                        span: globals.span,
                        via: ViaChain::new(globals.via.to_vec()),
                        kind: Kind::Map(inherited.into()),
                    }
                };
                set_variables(&mut job, base);
            }
        }
        if let (Kind::Map(fields), false) = (&mut job.kind, extra.is_empty()) {
            extend_fields(fields, extra);
        }
        job
    }
}

/// Puts `globals` under the job's own `variables` (the job's win).
fn set_variables(job: &mut Val, globals: Val) {
    let Kind::Map(fields) = &mut job.kind else {
        return;
    };
    match fields
        .iter()
        .position(|f| f.key.value.as_ref() == "variables")
    {
        Some(own) if fields.get(own).is_some_and(|f| f.value.as_map().is_some()) => {
            if let Some(own) = Arc::make_mut(fields).get_mut(own) {
                let mine = std::mem::replace(&mut own.value, Val::null(globals.span));
                own.value = globals.deep_merge(mine);
            }
        }
        Some(_) => {}
        None => extend_fields(
            fields,
            [Field {
                key: Spanned::new("variables".into(), globals.span),
                value: globals,
            }],
        ),
    }
}
