//! GitLab's CI keyword reference as data: which keywords exist at the top level, in
//! `default:`, in jobs and inside each keyword, and what shape each value must have.
//! [`check`] walks a resolved value against a [`Shape`] and reports unknown keywords
//! (with "did you mean") and wrong types as `InvalidCiConfig` problems.
//! Source: <https://docs.gitlab.com/ci/yaml/> and GitLab's `ci.json` schema.

use crate::gitlab::value::{Kind, Val, Via};
use crate::problem::Problem;
use crate::suggest::did_you_mean;

/// The shape a value must have.
#[derive(Debug)]
pub enum Shape {
    /// Anything (keywords trustlint does not model in depth).
    Any,
    /// A string (numbers are accepted: YAML writes `1.0` for a version).
    Str,
    /// A string, and only a string (names: stages, jobs).
    Text,
    Bool,
    Int,
    /// A string or a list of strings.
    Strs,
    List(&'static Shape),
    /// A map with these keys only.
    Map(&'static [(&'static str, Shape)]),
    /// A map with free keys whose values have this shape.
    MapOf(&'static Shape),
    /// The first alternative whose container type matches decides.
    OneOf(&'static [Shape]),
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// A map whose kind is told by the first of these keys it holds, each with its shape
    /// (`include:` entries: `local`, `project`, `remote`, …).
    Keyed(&'static [(&'static str, Shape)]),
    /// The shape, then a rule it can't express; the rule returns what is wrong.
    Check(&'static Shape, fn(&Val) -> Option<String>),
}

/// GitLab's project path pattern (`group/project`, or a variable).
const PROJECT_PATH: Shape = Shape::Check(&Shape::Text, project_path);

fn project_path(value: &Val) -> Option<String> {
    let path = value.as_str()?;
    let chars: Vec<char> = path.chars().collect();
    let nested = chars
        .windows(3)
        .any(|w| matches!(w, [a, '/', b] if !a.is_whitespace() && !b.is_whitespace()));
    let variable = chars
        .windows(2)
        .any(|w| matches!(w, ['$', c] if !c.is_whitespace()));
    (!nested && !variable)
        .then(|| format!("`{path}` is not a project path: write the full path, `group/project`"))
}

fn cache_key(value: &Val) -> Option<String> {
    let key = value.scalar_text()?;
    let bad =
        &*key == "." || &*key == ".." || key.contains('/') || key.to_lowercase().contains("%2f");
    bad.then(|| format!("cache key `{key}` can't be `.`, `..` or contain `/`"))
}

/// A `run:` step: a name and one of `step`, `func`, `script`.
fn step(value: &Val) -> Option<String> {
    if value.get("name").is_none() {
        return Some("a `run` step needs a `name`".to_string());
    }
    let kinds = ["step", "func", "script", "action"]
        .iter()
        .filter(|k| value.get(k).is_some())
        .count();
    (kinds != 1)
        .then(|| "a `run` step needs exactly one of `step`, `func`, `script`, `action`".to_string())
}

/// A `spec:inputs` input: with `rules`, the defaults and options go in the rules.
fn input(value: &Val) -> Option<String> {
    let declared = value.get("type").and_then(Val::as_str).unwrap_or("string");
    if let Some(default) = value.get("default") {
        let fits = match (declared, &default.kind) {
            (_, Kind::Null) => true,
            (_, Kind::String(s)) if s.contains("$[[") => true,
            ("string", Kind::String(_))
            | ("number", Kind::Number(_))
            | ("boolean", Kind::Bool(_))
            | ("array", Kind::Seq(_)) => true,
            ("string" | "number" | "boolean" | "array", _) => false,
            _ => true,
        };
        if !fits {
            return Some(format!(
                "the default is {}, but the input's type is `{declared}`",
                default.type_name()
            ));
        }
    }
    let rules = value.get("rules")?.as_seq()?;
    if value.get("default").is_some() || value.get("options").is_some() {
        return Some(
            "an input with `rules` takes its `default` and `options` from the rules".to_string(),
        );
    }
    rules
        .iter()
        .any(|rule| rule.get("default").is_none())
        .then(|| "every rule of an input needs a `default`".to_string())
}

fn description(value: &Val) -> Option<String> {
    let text = value.as_str()?;
    (text.chars().count() > 256)
        .then(|| "the description is longer than 256 characters".to_string())
}

/// Scalars (`variables` values): strings, numbers, booleans.
const SCALAR: Shape = Shape::OneOf(&[Shape::Str, Shape::Bool]);
const STR_LIST: Shape = Shape::List(&Shape::Str);
const EXIT_CODES: Shape = Shape::OneOf(&[Shape::Int, Shape::List(&Shape::Int)]);
const WHEN_JOB: Shape = Shape::Enum(&[
    "on_success",
    "on_failure",
    "always",
    "manual",
    "delayed",
    "never",
]);
const WHEN_ARTIFACTS: Shape = Shape::Enum(&["on_success", "on_failure", "always"]);
const SCRIPT: Shape = Shape::OneOf(&[Shape::Str, Shape::List(&Shape::Str)]);
const CHANGES: Shape = Shape::OneOf(&[
    STR_LIST,
    Shape::Map(&[("paths", STR_LIST), ("compare_to", Shape::Str)]),
]);
const EXISTS: Shape = Shape::OneOf(&[
    STR_LIST,
    Shape::Map(&[
        ("paths", STR_LIST),
        ("project", Shape::Str),
        ("ref", Shape::Str),
    ]),
]);
const ALLOW_FAILURE: Shape =
    Shape::OneOf(&[Shape::Bool, Shape::Map(&[("exit_codes", EXIT_CODES)])]);
const PULL_POLICY: Shape = Shape::OneOf(&[
    Shape::Enum(&["always", "never", "if-not-present"]),
    Shape::List(&Shape::Enum(&["always", "never", "if-not-present"])),
]);
const DOCKER: Shape = Shape::Map(&[("platform", Shape::Str), ("user", Shape::Str)]);
const IMAGE: Shape = Shape::OneOf(&[
    Shape::Str,
    Shape::Map(&[
        ("name", Shape::Str),
        ("entrypoint", STR_LIST),
        ("docker", DOCKER),
        ("pull_policy", PULL_POLICY),
        ("kubernetes", Shape::Any),
    ]),
]);
const SERVICES: Shape = Shape::List(&Shape::OneOf(&[
    Shape::Str,
    Shape::Map(&[
        ("name", Shape::Str),
        ("alias", Shape::Str),
        ("entrypoint", STR_LIST),
        ("command", STR_LIST),
        ("variables", Shape::MapOf(&SCALAR)),
        ("pull_policy", PULL_POLICY),
        ("docker", DOCKER),
        ("kubernetes", Shape::Any),
    ]),
]));
const CACHE_ITEM: Shape = Shape::Map(&[
    (
        "key",
        Shape::OneOf(&[
            Shape::Check(&Shape::Str, cache_key),
            Shape::Map(&[
                ("files", STR_LIST),
                ("files_commits", STR_LIST),
                ("prefix", Shape::Str),
            ]),
        ]),
    ),
    ("paths", STR_LIST),
    ("untracked", Shape::Bool),
    ("unprotect", Shape::Bool),
    ("when", WHEN_ARTIFACTS),
    ("policy", Shape::Str),
    ("fallback_keys", STR_LIST),
]);
const CACHE: Shape = Shape::OneOf(&[CACHE_ITEM, Shape::List(&CACHE_ITEM)]);
const ARTIFACTS: Shape = Shape::Map(&[
    ("paths", STR_LIST),
    ("exclude", STR_LIST),
    ("expire_in", Shape::Str),
    ("expose_as", Shape::Str),
    ("name", Shape::Str),
    ("public", Shape::Bool),
    (
        "access",
        Shape::Enum(&["all", "developer", "maintainer", "none"]),
    ),
    ("reports", Shape::MapOf(&Shape::Any)),
    ("untracked", Shape::Bool),
    ("when", WHEN_ARTIFACTS),
]);
const RETRY: Shape = Shape::OneOf(&[
    Shape::Int,
    Shape::Map(&[
        ("max", Shape::Int),
        ("when", Shape::Strs),
        ("exit_codes", EXIT_CODES),
    ]),
]);
const HOOKS: Shape = Shape::Map(&[("pre_get_sources_script", SCRIPT)]);
const ID_TOKENS: Shape = Shape::MapOf(&Shape::Map(&[("aud", Shape::Strs)]));
const JOB_VARIABLES: Shape = Shape::MapOf(&Shape::OneOf(&[
    SCALAR,
    Shape::Map(&[("value", SCALAR), ("expand", Shape::Bool)]),
]));
const GLOBAL_VARIABLES: Shape = Shape::MapOf(&Shape::OneOf(&[
    SCALAR,
    Shape::Map(&[
        ("value", SCALAR),
        ("description", Shape::Str),
        ("expand", Shape::Bool),
        ("options", STR_LIST),
    ]),
]));
const NEED: Shape = Shape::OneOf(&[
    Shape::Text,
    Shape::Map(&[
        ("job", Shape::Text),
        ("artifacts", Shape::Bool),
        ("optional", Shape::Bool),
        ("project", PROJECT_PATH),
        ("ref", Shape::Str),
        ("pipeline", Shape::Str),
        (
            "parallel",
            Shape::Map(&[("matrix", Shape::List(&Shape::MapOf(&Shape::Strs)))]),
        ),
    ]),
]);
const NEEDS: Shape = Shape::List(&NEED);
const RULE: Shape = Shape::Map(&[
    ("if", Shape::Str),
    ("changes", CHANGES),
    ("exists", EXISTS),
    ("when", WHEN_JOB),
    ("allow_failure", ALLOW_FAILURE),
    ("variables", Shape::MapOf(&SCALAR)),
    ("needs", NEEDS),
    ("start_in", Shape::Str),
    ("interruptible", Shape::Bool),
]);
const AUTO_CANCEL: Shape = Shape::Map(&[
    (
        "on_new_commit",
        Shape::Enum(&["conservative", "interruptible", "none"]),
    ),
    ("on_job_failure", Shape::Enum(&["none", "all"])),
]);
const WORKFLOW_RULE: Shape = Shape::Map(&[
    ("if", Shape::Str),
    ("changes", CHANGES),
    ("exists", EXISTS),
    ("when", Shape::Enum(&["always", "never"])),
    ("variables", Shape::MapOf(&SCALAR)),
    ("auto_cancel", AUTO_CANCEL),
]);
const ONLY_EXCEPT: Shape = Shape::OneOf(&[
    Shape::Strs,
    Shape::Map(&[
        ("refs", Shape::Strs),
        ("variables", Shape::Strs),
        ("changes", Shape::Strs),
        ("kubernetes", Shape::Enum(&["active"])),
    ]),
]);
const ENVIRONMENT: Shape = Shape::OneOf(&[
    Shape::Str,
    Shape::Map(&[
        ("name", Shape::Str),
        ("url", Shape::Str),
        (
            "action",
            Shape::Enum(&["start", "prepare", "stop", "verify", "access"]),
        ),
        ("on_stop", Shape::Str),
        ("auto_stop_in", Shape::Str),
        ("kubernetes", Shape::Any),
        (
            "deployment_tier",
            Shape::Enum(&["production", "staging", "testing", "development", "other"]),
        ),
    ]),
]);
const SECRET: Shape = Shape::Map(&[
    (
        "vault",
        Shape::OneOf(&[
            Shape::Str,
            Shape::Map(&[
                (
                    "engine",
                    Shape::Map(&[("name", Shape::Str), ("path", Shape::Str)]),
                ),
                ("path", Shape::Str),
                ("field", Shape::Str),
            ]),
        ]),
    ),
    (
        "gcp_secret_manager",
        Shape::Map(&[("name", Shape::Str), ("version", Shape::Str)]),
    ),
    (
        "azure_key_vault",
        Shape::Map(&[("name", Shape::Str), ("version", Shape::Str)]),
    ),
    ("akeyless", Shape::Any),
    ("aws_secrets_manager", Shape::Any),
    ("gitlab_secrets_manager", Shape::Any),
    ("file", Shape::Bool),
    ("token", Shape::Str),
]);
const TRIGGER_INCLUDE_ITEM: Shape = Shape::OneOf(&[
    Shape::Str,
    Shape::Keyed(&[
        (
            "local",
            Shape::Map(&[("local", Shape::Str), ("inputs", Shape::Any)]),
        ),
        (
            "template",
            Shape::Map(&[("template", Shape::Str), ("inputs", Shape::Any)]),
        ),
        (
            "artifact",
            Shape::Map(&[
                ("artifact", Shape::Str),
                ("job", Shape::Text),
                ("inputs", Shape::Any),
            ]),
        ),
        (
            "project",
            Shape::Check(
                &Shape::Map(&[
                    ("project", PROJECT_PATH),
                    ("file", Shape::Strs),
                    ("ref", Shape::Str),
                    ("inputs", Shape::Any),
                ]),
                needs_file,
            ),
        ),
        (
            "remote",
            Shape::Map(&[("remote", Shape::Str), ("inputs", Shape::Any)]),
        ),
        (
            "component",
            Shape::Map(&[("component", Shape::Str), ("inputs", Shape::Any)]),
        ),
    ]),
]);

/// `include: project:` needs `file:`.
fn needs_file(value: &Val) -> Option<String> {
    value
        .get("file")
        .is_none()
        .then(|| "`project` include needs `file`: the files to include from it".to_string())
}

const TRIGGER: Shape = Shape::OneOf(&[
    PROJECT_PATH,
    Shape::Map(&[
        ("project", PROJECT_PATH),
        ("branch", Shape::Str),
        ("strategy", Shape::Enum(&["depend", "mirror"])),
        (
            "include",
            Shape::OneOf(&[TRIGGER_INCLUDE_ITEM, Shape::List(&TRIGGER_INCLUDE_ITEM)]),
        ),
        (
            "forward",
            Shape::Map(&[
                ("yaml_variables", Shape::Bool),
                ("pipeline_variables", Shape::Bool),
            ]),
        ),
        ("inputs", Shape::Any),
    ]),
]);
const INHERIT: Shape = Shape::Map(&[
    ("default", Shape::OneOf(&[Shape::Bool, STR_LIST])),
    ("variables", Shape::OneOf(&[Shape::Bool, STR_LIST])),
]);
const RELEASE: Shape = Shape::Map(&[
    ("tag_name", Shape::Str),
    ("tag_message", Shape::Str),
    ("name", Shape::Str),
    ("description", Shape::Str),
    ("ref", Shape::Str),
    ("milestones", STR_LIST),
    ("released_at", Shape::Str),
    ("assets", Shape::Map(&[("links", Shape::List(&Shape::Any))])),
]);

/// Every job keyword.
pub const JOB: Shape = Shape::Map(&[
    ("after_script", SCRIPT),
    ("allow_failure", ALLOW_FAILURE),
    ("artifacts", ARTIFACTS),
    ("before_script", SCRIPT),
    ("cache", CACHE),
    ("coverage", Shape::Str),
    (
        "dast_configuration",
        Shape::Map(&[
            ("site_profile", Shape::Str),
            ("scanner_profile", Shape::Str),
        ]),
    ),
    ("dependencies", STR_LIST),
    ("environment", ENVIRONMENT),
    ("except", ONLY_EXCEPT),
    ("extends", Shape::Strs),
    ("hooks", HOOKS),
    ("id_tokens", ID_TOKENS),
    ("identity", Shape::Enum(&["google_cloud"])),
    ("image", IMAGE),
    ("inherit", INHERIT),
    ("inputs", Shape::MapOf(&INPUT)),
    ("interruptible", Shape::Bool),
    ("manual_confirmation", Shape::Str),
    ("needs", NEEDS),
    ("only", ONLY_EXCEPT),
    (
        "pages",
        Shape::OneOf(&[
            Shape::Bool,
            Shape::Map(&[
                ("path_prefix", Shape::Str),
                ("expire_in", Shape::Str),
                ("publish", Shape::Str),
            ]),
        ]),
    ),
    (
        "parallel",
        Shape::OneOf(&[
            Shape::Int,
            Shape::Map(&[("matrix", Shape::List(&Shape::MapOf(&Shape::Strs)))]),
        ]),
    ),
    ("publish", Shape::Str),
    ("release", RELEASE),
    ("resource_group", Shape::Str),
    ("retry", RETRY),
    ("rules", Shape::List(&RULE)),
    ("run", RUN),
    ("script", SCRIPT),
    ("secrets", Shape::MapOf(&SECRET)),
    ("services", SERVICES),
    ("stage", Shape::Text),
    ("start_in", Shape::Str),
    ("tags", Shape::List(&Shape::Str)),
    ("timeout", Shape::Str),
    ("trigger", TRIGGER),
    ("type", Shape::Str),
    ("variables", JOB_VARIABLES),
    ("when", WHEN_JOB),
]);

/// The keywords `default:` accepts (and that jobs inherit from it).
pub const DEFAULT_KEYWORDS: &[&str] = &[
    "after_script",
    "artifacts",
    "before_script",
    "cache",
    "hooks",
    "id_tokens",
    "image",
    "interruptible",
    "retry",
    "services",
    "tags",
    "timeout",
];

/// Top-level keywords GitLab still reads as defaults for every job (deprecated).
pub const LEGACY_GLOBAL_DEFAULTS: &[&str] = &[
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

const DEFAULT: Shape = Shape::Map(&[
    ("after_script", SCRIPT),
    ("artifacts", ARTIFACTS),
    ("before_script", SCRIPT),
    ("cache", CACHE),
    ("hooks", HOOKS),
    ("id_tokens", ID_TOKENS),
    ("image", IMAGE),
    ("interruptible", Shape::Bool),
    ("retry", RETRY),
    ("services", SERVICES),
    ("tags", Shape::List(&Shape::Str)),
    ("timeout", Shape::Str),
]);
const WORKFLOW: Shape = Shape::Map(&[
    ("name", Shape::Str),
    ("rules", Shape::List(&WORKFLOW_RULE)),
    ("auto_cancel", AUTO_CANCEL),
]);
const INCLUDE_RULES: Shape = Shape::List(&Shape::Map(&[
    ("if", Shape::Str),
    ("changes", CHANGES),
    ("exists", EXISTS),
    ("when", Shape::Enum(&["always", "never"])),
]));
const INCLUDE_INPUTS: Shape = Shape::MapOf(&Shape::Any);
const INCLUDE_ITEM: Shape = Shape::OneOf(&[
    Shape::Str,
    Shape::Keyed(&[
        (
            "local",
            Shape::Map(&[
                ("local", Shape::Str),
                ("rules", INCLUDE_RULES),
                ("inputs", INCLUDE_INPUTS),
            ]),
        ),
        (
            "project",
            Shape::Check(
                &Shape::Map(&[
                    ("project", PROJECT_PATH),
                    ("file", Shape::Strs),
                    ("ref", Shape::Str),
                    ("rules", INCLUDE_RULES),
                    ("inputs", INCLUDE_INPUTS),
                ]),
                needs_file,
            ),
        ),
        (
            "remote",
            Shape::Map(&[
                ("remote", Shape::Str),
                ("cache", Shape::OneOf(&[Shape::Bool, Shape::Str])),
                ("integrity", Shape::Str),
                ("rules", INCLUDE_RULES),
                ("inputs", INCLUDE_INPUTS),
            ]),
        ),
        (
            "template",
            Shape::Map(&[
                ("template", Shape::Str),
                ("rules", INCLUDE_RULES),
                ("inputs", INCLUDE_INPUTS),
            ]),
        ),
        (
            "component",
            Shape::Map(&[
                ("component", Shape::Str),
                ("rules", INCLUDE_RULES),
                ("inputs", INCLUDE_INPUTS),
            ]),
        ),
    ]),
]);
const INCLUDE: Shape = Shape::OneOf(&[INCLUDE_ITEM, Shape::List(&INCLUDE_ITEM)]);
const RUN: Shape = Shape::List(&Shape::Check(
    &Shape::Map(&[
        ("name", Shape::Text),
        ("step", Shape::Any),
        ("func", Shape::Any),
        ("action", Shape::Any),
        ("script", Shape::Text),
        ("env", Shape::MapOf(&Shape::Str)),
        ("inputs", Shape::Any),
    ]),
    step,
));
const INPUT: Shape = Shape::Check(
    &Shape::Map(&[
        (
            "type",
            Shape::Enum(&["array", "boolean", "number", "string"]),
        ),
        ("description", Shape::Str),
        ("options", Shape::List(&Shape::Any)),
        ("regex", Shape::Str),
        ("default", Shape::Any),
        (
            "rules",
            Shape::List(&Shape::Map(&[
                ("if", Shape::Str),
                ("options", Shape::List(&Shape::Any)),
                ("default", Shape::Any),
            ])),
        ),
    ]),
    input,
);
const SPEC: Shape = Shape::Map(&[
    ("inputs", Shape::MapOf(&INPUT)),
    ("description", Shape::Check(&Shape::Str, description)),
    (
        "component",
        Shape::List(&Shape::Enum(&["name", "sha", "version", "reference"])),
    ),
    (
        "include",
        Shape::List(&Shape::Keyed(&[
            ("local", Shape::Map(&[("local", Shape::Str)])),
            ("remote", Shape::Map(&[("remote", Shape::Str)])),
            (
                "project",
                Shape::Map(&[
                    ("project", PROJECT_PATH),
                    ("file", Shape::Strs),
                    ("ref", Shape::Str),
                ]),
            ),
        ])),
    ),
]);

/// The global keywords (every other top-level key is a job) with their shapes.
const GLOBAL: &[(&str, Shape)] = &[
    ("after_script", SCRIPT),
    ("before_script", SCRIPT),
    ("cache", CACHE),
    ("default", DEFAULT),
    ("image", IMAGE),
    (
        "include",
        Shape::OneOf(&[INCLUDE_ITEM, Shape::List(&INCLUDE_ITEM)]),
    ),
    ("services", SERVICES),
    ("stages", Shape::List(&Shape::Text)),
    ("types", Shape::List(&Shape::Text)),
    ("variables", GLOBAL_VARIABLES),
    ("workflow", WORKFLOW),
];

/// Whether a top-level key is a global keyword rather than a job.
pub fn is_global_keyword(key: &str) -> bool {
    GLOBAL.iter().any(|(name, _)| *name == key)
}

/// Checks the global keyword `key` (which must be one).
pub fn check_global(key: &str, value: &Val, problems: &mut Vec<Problem>) {
    if let Some((_, shape)) = GLOBAL.iter().find(|(name, _)| *name == key) {
        check(value, shape, key, problems);
    }
}

/// Checks the `spec:` of a header document.
pub fn check_spec(value: &Val, problems: &mut Vec<Problem>) {
    check(value, &SPEC, "spec", problems);
}

/// Checks the `include:` of one file (expansion removes it before the global checks).
pub fn check_include(value: &Val, problems: &mut Vec<Problem>) {
    check(value, &INCLUDE, "include", problems);
}

/// Checks `value` (with its whole chain) against `shape`; `path` names it in messages
/// (`build.artifacts`).
pub fn check(value: &Val, shape: &Shape, path: &str, problems: &mut Vec<Problem>) {
    // `$[[ inputs.x ]]` is replaced by the input's value before GitLab validates.
    if matches!(value.kind, Kind::Null) || value.as_str().is_some_and(|s| s.contains("$[[")) {
        return;
    }
    match shape {
        Shape::Any => {}
        Shape::Map(keys) => match value.as_map() {
            Some(_) => {
                for field in value.entries().iter() {
                    let name = field.key.value.as_ref();
                    match keys.iter().find(|(key, _)| *key == name) {
                        Some((_, inner)) => {
                            check(&field.value, inner, &format!("{path}:{name}"), problems)
                        }
                        None => {
                            let names: Vec<&str> = keys.iter().map(|(key, _)| *key).collect();
                            let mut problem = Problem::invalid_ci_config(
                                field.key.span,
                                format!(
                                    "unknown keyword `{name}` in `{path}`{}: GitLab rejects the configuration",
                                    origin(&field.value)
                                ),
                            );
                            problem = match did_you_mean(name, &names) {
                                Some(hint) => problem.with_help(format!("did you mean `{hint}`?")),
                                None => problem
                                    .with_help(format!("`{path}` accepts: {}", names.join(", "))),
                            };
                            problems.push(problem);
                        }
                    }
                }
            }
            None => mismatch(value, shape, path, problems),
        },
        Shape::MapOf(inner) => match value.as_map() {
            Some(_) => {
                for field in value.entries().iter() {
                    check(
                        &field.value,
                        inner,
                        &format!("{path}:{}", field.key.value),
                        problems,
                    );
                }
            }
            None => mismatch(value, shape, path, problems),
        },
        Shape::List(inner) => match value.as_seq() {
            Some(_) => value
                .items()
                .iter()
                .for_each(|item| check(item, inner, path, problems)),
            None => mismatch(value, shape, path, problems),
        },
        Shape::OneOf(options) => match options.iter().find(|option| fits(value, option)) {
            Some(option) => check(value, option, path, problems),
            None => mismatch(value, shape, path, problems),
        },
        Shape::Enum(allowed) => {
            let text = value.scalar_text();
            let ok = text
                .as_deref()
                .is_some_and(|t| allowed.contains(&t) || t.contains('$'));
            if !ok {
                let mut problem = Problem::invalid_ci_config(
                    value.span,
                    format!(
                        "`{path}` must be one of {}, found {}: GitLab rejects the configuration",
                        quoted(allowed),
                        shown(value)
                    ),
                );
                if let Some(hint) = text.as_deref().and_then(|t| did_you_mean(t, allowed)) {
                    problem = problem.with_help(format!("did you mean `{hint}`?"));
                }
                problems.push(problem);
            }
        }
        Shape::Keyed(kinds) => match value.as_map() {
            Some(_) => match kinds.iter().find(|(key, _)| value.get(key).is_some()) {
                Some((_, inner)) => check(value, inner, path, problems),
                None => problems.push(Problem::invalid_ci_config(
                    value.span,
                    format!(
                        "`{path}` needs one of {}: GitLab rejects the configuration",
                        quoted(&kinds.iter().map(|(key, _)| *key).collect::<Vec<_>>())
                    ),
                )),
            },
            None => mismatch(value, shape, path, problems),
        },
        Shape::Check(inner, rule) => {
            let before = problems.len();
            check(value, inner, path, problems);
            if problems.len() == before {
                if let Some(reason) = rule(value) {
                    problems.push(Problem::invalid_ci_config(
                        value.span,
                        format!("`{path}`: {reason}: GitLab rejects the configuration"),
                    ));
                }
            }
        }
        Shape::Str | Shape::Text | Shape::Bool | Shape::Int | Shape::Strs => {
            if !fits(value, shape) {
                mismatch(value, shape, path, problems);
            } else if let (Shape::Strs, Some(_)) = (shape, value.as_seq()) {
                value
                    .items()
                    .iter()
                    .filter(|item| !fits(item, &Shape::Str))
                    .for_each(|item| mismatch(item, &Shape::Str, path, problems));
            }
        }
    }
}

/// Whether the value's container type (or scalar type) matches the shape.
fn fits(value: &Val, shape: &Shape) -> bool {
    match (shape, &value.kind) {
        (Shape::Any, _) => true,
        (Shape::Str, Kind::String(_) | Kind::Number(_)) => true,
        (Shape::Text, Kind::String(_)) => true,
        (Shape::Check(inner, _), _) => fits(value, inner),
        (Shape::Bool, Kind::Bool(_)) => true,
        (Shape::Int, Kind::Number(n)) => n.parse::<i64>().is_ok(),
        (Shape::Strs, Kind::String(_) | Kind::Number(_) | Kind::Seq(_)) => true,
        (Shape::List(_), Kind::Seq(_)) => true,
        (Shape::Map(_) | Shape::MapOf(_) | Shape::Keyed(_), Kind::Map(_)) => true,
        (Shape::OneOf(options), _) => options.iter().any(|o| fits(value, o)),
        (Shape::Enum(_), Kind::String(_)) => true,
        _ => false,
    }
}

fn mismatch(value: &Val, shape: &Shape, path: &str, problems: &mut Vec<Problem>) {
    problems.push(Problem::invalid_ci_config(
        value.span,
        format!(
            "`{path}` must be {}, found {}{}: GitLab rejects the configuration",
            describe(shape),
            value.type_name(),
            origin(value)
        ),
    ));
}

/// Where an inherited value comes from, for messages about it (`` (from `.base`
/// through `extends`)``); empty for a value written in place.
fn origin(value: &Val) -> String {
    value
        .via
        .iter()
        .find_map(|step| match step {
            Via::Extends { job, .. } => Some(format!(" (from `{job}` through `extends`)")),
            Via::Reference { .. } => Some(" (through `!reference`)".to_string()),
            Via::Alias { .. } | Via::Include { .. } | Via::Default { .. } | Via::Global { .. } => {
                None
            }
        })
        .unwrap_or_default()
}

/// The shape in words.
fn describe(shape: &Shape) -> String {
    match shape {
        Shape::Any => "any value".to_string(),
        Shape::Str | Shape::Text => "a string".to_string(),
        Shape::Check(inner, _) => describe(inner),
        Shape::Bool => "a boolean".to_string(),
        Shape::Int => "an integer".to_string(),
        Shape::Strs => "a string or a list of strings".to_string(),
        Shape::List(inner) => format!("a list of {}", plural(inner)),
        Shape::Map(_) | Shape::MapOf(_) | Shape::Keyed(_) => "a map".to_string(),
        Shape::OneOf(options) => options
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join(" or "),
        Shape::Enum(allowed) => format!("one of {}", quoted(allowed)),
    }
}

fn plural(shape: &Shape) -> String {
    match shape {
        Shape::Str | Shape::Text => "strings".to_string(),
        Shape::Int => "integers".to_string(),
        Shape::Map(_) | Shape::MapOf(_) | Shape::Keyed(_) => "maps".to_string(),
        other => describe(other),
    }
}

fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn shown(value: &Val) -> String {
    value
        .scalar_text()
        .map_or_else(|| value.type_name().to_string(), |t| format!("`{t}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::yaml::parse_yaml;
    use crate::Limits;

    fn problems(text: &str) -> Vec<String> {
        let root = Val::from_node(&parse_yaml(FileId(0), text, &Limits::default()).unwrap());
        let mut out = Vec::new();
        check(&root, &JOB, "job", &mut out);
        out.into_iter()
            .map(|p| format!("{} | {}", p.message, p.help.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn unknown_keyword_with_suggestion() {
        assert_eq!(
            problems("scirpt: [a]\n"),
            ["unknown keyword `scirpt` in `job`: GitLab rejects the configuration | did you mean `script`?"]
        );
    }

    #[test]
    fn wrong_types_and_enums() {
        let found =
            problems("script: {a: 1}\nwhen: sometimes\nid_tokens: {T: {aud: [1, {x: y}]}}\n");
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found[0].starts_with("`job:script` must be a string or a list of strings, found a map")
        );
        assert!(found[1].starts_with("`job:when` must be one of"));
        assert!(found[2].starts_with("`job:id_tokens:T:aud` must be a string, found a map"));
    }

    #[test]
    fn valid_job_is_quiet() {
        let text = "script: [a]\nrules: [{if: $X, when: manual}]\nenvironment: {name: prod, action: start}\nid_tokens: {T: {aud: https://x}}\nsecrets: {S: {vault: a/b@c, token: $T}}\nneeds: [a, {job: b, optional: true}]\n";
        assert_eq!(problems(text), Vec::<String>::new());
    }
}
