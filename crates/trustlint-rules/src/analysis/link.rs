//! Linking jobs to the roles they assume: the role ARNs a job uses (`--role-arn`,
//! `role_arn=`, `AWS_ROLE_ARN`, with `$VAR` expansion through the variables of each
//! instance of the job: a `rules:` entry's, a `parallel:matrix` combination's, the job's
//! effective ones, then the predefined ones the settings determine), the ID token it
//! presents with them, and the role's policies found among the scanned files (IaC and
//! exports by ARN or role name, loose JSON through `[[roles]]`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use trustlint_parser::gitlab::{texts, IdToken, Job, Pipeline, Text, Val, Variable};
use trustlint_parser::iam::arn::Arn;
use trustlint_parser::iam::placeholder::is_placeholder;
use trustlint_parser::iam::{OidcProvider, PolicyDocument, Role};
use trustlint_parser::input::{Content, Document, Workspace};
use trustlint_parser::{SourceMap, Span};

use super::job_runs::{clause_span, JobRuns};
use super::shell::references;
use super::token_use::{token_uses_in, TokenChannel, TokenUse};
use crate::finding::Finding;
use crate::settings::{Settings, PREDEFINED_VARIABLES};

/// How deep `$VAR` references are followed through variables that hold other variables.
const MAX_EXPANSION_DEPTH: usize = 8;

/// How many `parallel:matrix` combinations of a job are linked (GitLab's limit).
const MAX_MATRIX_JOBS: usize = 200;

/// The variables one instance of a job sees, the first that defines a name winning: the
/// variables of the `rules:` entry that adds it, one `parallel:matrix` combination, the
/// job's effective variables, then the predefined variables the settings determine.
#[derive(Debug, Clone)]
pub struct Scope<'w> {
    rule: &'w [Variable],
    matrix: Vec<Variable>,
    job: &'w [Variable],
    predefined: Predefined,
}

/// The predefined variables the settings determine, by name ([`Scope::predefined`]):
/// derived once per run and shared by every job's scope.
pub type Predefined = Arc<[(&'static str, String)]>;

/// The value of a variable in a [`Scope`].
enum Value<'a> {
    /// Written in the configuration.
    Written(&'a Text),
    /// Predefined by GitLab, known from the settings.
    Predefined(&'a str),
}

impl<'w> Scope<'w> {
    /// The variables every instance of `job` sees: its effective variables, then
    /// `predefined` (no `rules:` entry's, no matrix combination's).
    pub fn of_job(job: &'w Job, predefined: &Predefined) -> Scope<'w> {
        Scope {
            rule: &[],
            matrix: Vec::new(),
            job: &job.variables,
            predefined: Arc::clone(predefined),
        }
    }

    /// `text` with its `$VAR` and `${VAR}` expanded through the scope (as deep as
    /// [`MAX_EXPANSION_DEPTH`]); a variable the scope doesn't define stays as written.
    pub fn expand(&self, text: &str) -> String {
        expand(text, Span::default(), self, 0).0
    }
}

impl Scope<'_> {
    /// The predefined variables `settings` determine.
    pub fn predefined(settings: &Settings) -> Predefined {
        PREDEFINED_VARIABLES
            .iter()
            .filter_map(|&name| Some((name, settings.predefined_variable(name)?)))
            .collect()
    }

    /// Whether `span` is a value of the instance's `rules:` entry or matrix combination.
    fn is_instance_value(&self, span: Span) -> bool {
        self.rule
            .iter()
            .chain(&self.matrix)
            .any(|v| v.value.as_ref().is_some_and(|value| value.span == span))
    }

    fn value(&self, name: &str) -> Option<Value<'_>> {
        let written = [self.rule, self.matrix.as_slice(), self.job]
            .into_iter()
            .find_map(|variables| variable(variables, name));
        match written {
            Some(variable) => variable.value.as_ref().map(Value::Written),
            None => self
                .predefined
                .iter()
                .find(|(predefined, _)| *predefined == name)
                .map(|(_, value)| Value::Predefined(value)),
        }
    }
}

/// A role ARN a job uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRef {
    /// The ARN after `$VAR` expansion; unknown variables stay as written.
    pub arn: String,
    /// Where the ARN is written (the variable value it came from, or the script text).
    pub written: Span,
    /// Where the job uses it (`--role-arn "$ROLE_ARN"`), when that is elsewhere.
    pub used: Option<Span>,
}

impl RoleRef {
    /// The role name: the last segment of the ARN's `role/…` resource.
    pub fn role_name(&self) -> Option<&str> {
        let arn = Arn::parse(&self.arn)?;
        let path = arn.resource.strip_prefix("role/")?;
        path.rsplit('/').next().filter(|name| !name.is_empty())
    }

    /// Whether the ARN still holds a variable nobody defines in the file.
    pub fn is_symbolic(&self) -> bool {
        self.arn.contains('$')
    }
}

/// The policies of a linked role found among the scanned files.
#[derive(Debug)]
pub struct LinkedRole<'w> {
    /// The role declared in IaC or an export, when it comes from one.
    pub declared: Option<(&'w Document, &'w Role)>,
    /// The trust policy.
    pub trust: Option<(&'w Document, &'w PolicyDocument)>,
    /// Permission policies: inline ones and `[[roles]]` permission files.
    pub permissions: Vec<(&'w Document, &'w PolicyDocument)>,
}

/// A job that assumes a role.
#[derive(Debug)]
pub struct Link<'w> {
    pub pipeline: &'w Pipeline,
    pub job: &'w Job,
    pub role_ref: RoleRef,
    /// The ID token the job presents, when it defines it.
    pub token: Option<&'w IdToken>,
    /// Where the job passes the token (`--web-identity-token $X`), when written.
    pub token_used_at: Option<Span>,
    /// The role's policies; `None` when none of the scanned files holds them.
    pub role: Option<LinkedRole<'w>>,
    /// The variables the role ARN was expanded with (those of the first job instance
    /// that uses it).
    pub scope: Scope<'w>,
    /// The `rules:` entries ([`clause_span`]) whose instances use the role; `None` when
    /// every instance does (a job without `rules:`).
    pub clauses: Option<Vec<Span>>,
    /// Where the job runs, computed on first use.
    runs: OnceLock<JobRuns>,
}

impl Link<'_> {
    /// Where the job names the role: where the ARN is written when a `rules:` entry or
    /// `parallel:matrix` combination gives it (the use is shared by every instance), else
    /// the use when there is one.
    pub fn role_span(&self) -> Span {
        match self.role_ref.used {
            Some(used) if !self.scope.is_instance_value(self.role_ref.written) => used,
            _ => self.role_ref.written,
        }
    }

    /// `finding` with where the job uses the role as a related place, when
    /// [`Link::role_span`] is elsewhere.
    pub fn with_role_use(&self, finding: Finding) -> Finding {
        match self.role_ref.used {
            Some(used) if used != self.role_span() => {
                finding.with_related(used, "the job uses the role here")
            }
            _ => finding,
        }
    }

    /// Where the job runs with this role: on what the `rules:` entries that give it the
    /// role admit (computed once, shared by the rules that ask).
    pub fn runs(&self, settings: &Settings) -> &JobRuns {
        self.runs.get_or_init(|| {
            let runs = JobRuns::of(self.pipeline, self.job, settings);
            match &self.clauses {
                Some(clauses) => runs.admitted_by(clauses),
                None => runs,
            }
        })
    }

    /// The `aud` values of the token the job presents, expanded through the link's
    /// [`Scope`] (empty when it presents none).
    pub fn audiences(&self) -> Vec<String> {
        self.token
            .map(|token| token.aud.iter().map(|text| self.expand(text)).collect())
            .unwrap_or_default()
    }

    /// A value of the job expanded through the link's [`Scope`].
    pub fn expand(&self, text: &Text) -> String {
        expand(&text.value, text.span, &self.scope, 0).0
    }

    /// The trust policy, when known.
    pub fn trust(&self) -> Option<(&Document, &PolicyDocument)> {
        self.role.as_ref().and_then(|role| role.trust)
    }
}

/// Every (job, role) link of the workspace, in document and job order; `roles_of` gives
/// what each pipeline's jobs name ([`PipelineRoles::of`], or kept from an earlier run),
/// `predefined` are the variables `settings` determine ([`Scope::predefined`]).
pub fn links<'w>(
    workspace: &'w Workspace,
    settings: &Settings,
    predefined: &Predefined,
    included: &HashSet<String>,
    roles_of: &dyn Fn(&'w Document, &'w Pipeline) -> Arc<PipelineRoles>,
) -> Vec<Link<'w>> {
    let mut out = Vec::new();
    let roles = RoleIndex::of(workspace);
    for document in &workspace.documents {
        let Content::GitlabCi(pipeline) = &document.content else {
            continue;
        };
        let path = workspace
            .sources
            .get(document.file)
            .map(|f| f.display_path());
        if path.is_some_and(|path| included.contains(&path)) {
            // A fragment another scanned pipeline includes: its jobs are judged there,
            // under that pipeline's `include: rules:` and `workflow:`.
            continue;
        }
        let named = roles_of(document, pipeline);
        for (at, role) in &named.roles {
            let Some(job) = pipeline.jobs.get(*at) else {
                continue;
            };
            let rule = role.rule.and_then(|at| job.rules.get(at));
            out.push(Link {
                pipeline,
                job,
                role_ref: role.role_ref.clone(),
                token: role.token.and_then(|at| job.id_tokens.get(at)),
                token_used_at: role.token_used_at,
                role: resolve(workspace, &roles, settings, &role.role_ref),
                scope: Scope {
                    rule: rule.map_or(&[], |clause| clause.variables.as_slice()),
                    matrix: role.matrix.clone(),
                    job: &job.variables,
                    predefined: Arc::clone(predefined),
                },
                clauses: role.clauses.clone(),
                runs: OnceLock::new(),
            });
        }
    }
    out
}

/// What linking reads of one pipeline alone: the roles each job names and where it
/// presents its token to a cloud. It depends on the pipeline's document and the
/// predefined variables only, so a caller that keeps the document between runs may keep
/// it too.
#[derive(Debug)]
pub struct PipelineRoles {
    /// Each role a job names, with the job's position, in job order.
    roles: Vec<(usize, NamedRole)>,
}

/// A role a job names ([`JobRole`] without the borrowed variables): the `rules:` entry
/// (by position) and `parallel:matrix` combination of the first instance that uses it,
/// and the token the job presents with it ([`presented_token`]).
#[derive(Debug)]
struct NamedRole {
    role_ref: RoleRef,
    rule: Option<usize>,
    matrix: Vec<Variable>,
    clauses: Option<Vec<Span>>,
    /// The token, by its position in the job's `id_tokens`.
    token: Option<usize>,
    /// Where the job passes the token, when written.
    token_used_at: Option<Span>,
}

impl PipelineRoles {
    /// The positions of the jobs that name a role.
    pub fn jobs(&self) -> impl Iterator<Item = usize> + '_ {
        self.roles.iter().map(|(at, _)| *at)
    }

    /// What the jobs of `pipeline` name, their `$VAR`s expanded with `predefined`
    /// ([`Scope::predefined`]).
    pub fn of(pipeline: &Pipeline, sources: &SourceMap, predefined: &Predefined) -> PipelineRoles {
        let mut roles = Vec::new();
        for (at, job) in pipeline.jobs.iter().enumerate() {
            let named = job_roles(job, sources, predefined);
            if named.is_empty() {
                continue;
            }
            let uses = cloud_token_uses(job, sources);
            roles.extend(named.into_iter().map(|role| {
                let (token, token_used_at) = presented_token(job, &role.role_ref, &uses);
                let named = NamedRole {
                    role_ref: role.role_ref,
                    rule: role.rule,
                    matrix: role.scope.matrix,
                    clauses: role.clauses,
                    token,
                    token_used_at,
                };
                (at, named)
            }));
        }
        roles.shrink_to_fit();
        PipelineRoles { roles }
    }
}

/// The OIDC providers declared in the scanned IaC and exports.
pub fn providers(workspace: &Workspace) -> Vec<&OidcProvider> {
    workspace
        .documents
        .iter()
        .filter_map(|document| match &document.content {
            Content::Iam(resources) => Some(resources.providers.iter()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A role a job uses, with the variables of the first instance that uses it and the
/// `rules:` entries under which it does.
struct JobRole<'w> {
    role_ref: RoleRef,
    scope: Scope<'w>,
    /// The position of the `rules:` entry of the scope.
    rule: Option<usize>,
    clauses: Option<Vec<Span>>,
}

/// The roles a job uses over its instances: each `parallel:matrix` combination under
/// each `rules:` entry that can add the job (not `when: never`), each role once.
fn job_roles<'w>(job: &'w Job, sources: &SourceMap, predefined: &Predefined) -> Vec<JobRole<'w>> {
    let clauses: Vec<Option<(usize, &[Variable], Span)>> = if job.rules.is_empty() {
        vec![None]
    } else {
        job.rules
            .iter()
            .enumerate()
            .filter(|(_, clause)| clause.when.as_ref().is_none_or(|w| &*w.value != "never"))
            .map(|(at, clause)| Some((at, clause.variables.as_slice(), clause_span(clause))))
            .collect()
    };
    // What the scripts write is the same for every instance: read once.
    let written = script_role_arns(job, sources);
    let mut out: Vec<JobRole<'w>> = Vec::new();
    for combination in matrix_combinations(job) {
        for clause in &clauses {
            let scope = Scope {
                rule: clause.map_or(&[], |(_, variables, _)| variables),
                matrix: combination.clone(),
                job: &job.variables,
                predefined: Arc::clone(predefined),
            };
            for role_ref in role_refs(job, &written, &scope) {
                let at = clause.map(|(_, _, span)| span);
                match out
                    .iter_mut()
                    .find(|known| known.role_ref.arn == role_ref.arn)
                {
                    Some(known) => {
                        if let (Some(spans), Some(at)) = (&mut known.clauses, at) {
                            if !spans.contains(&at) {
                                spans.push(at);
                            }
                        }
                    }
                    None => out.push(JobRole {
                        role_ref,
                        scope: scope.clone(),
                        rule: clause.map(|(rule, _, _)| rule),
                        clauses: at.map(|at| vec![at]),
                    }),
                }
            }
        }
    }
    out
}

/// The `parallel:matrix` combinations of a job (each a job instance), as variables whose
/// values are where the matrix writes them; one empty combination without a matrix.
fn matrix_combinations(job: &Job) -> Vec<Vec<Variable>> {
    let entries = job
        .get("parallel")
        .and_then(|parallel| parallel.get("matrix"))
        .and_then(Val::as_seq)
        .unwrap_or_default();
    let mut out: Vec<Vec<Variable>> = Vec::new();
    for entry in entries {
        let mut combinations = vec![Vec::new()];
        for field in entry.as_map().unwrap_or_default() {
            let values = texts(&field.value);
            combinations = combinations
                .iter()
                .flat_map(|combination: &Vec<Variable>| {
                    values.iter().map(move |value| {
                        let mut next = combination.clone();
                        next.push(Variable {
                            name: field.key.clone(),
                            via: value.via.clone(),
                            value: Some(value.clone()),
                            description: None,
                            expand: None,
                            options: Vec::new(),
                        });
                        next
                    })
                })
                .take(MAX_MATRIX_JOBS)
                .collect();
        }
        out.extend(combinations);
    }
    out.truncate(MAX_MATRIX_JOBS);
    if out.is_empty() {
        out.push(Vec::new());
    }
    out
}

/// The role ARNs a job instance with the variables of `scope` uses: `--role-arn`,
/// `role_arn` and `AWS_ROLE_ARN=` in its scripts (`written`, [`script_role_arns`]), the
/// `role_arn` of its `aws_secrets_manager` secrets, and its `AWS_ROLE_ARN` variable when
/// it requests an ID token (the AWS SDKs and the runner's `aws_secrets_manager` read it),
/// each once.
fn role_refs(job: &Job, written: &[(&str, Span)], scope: &Scope<'_>) -> Vec<RoleRef> {
    let mut refs: Vec<RoleRef> = Vec::new();
    for &(written_value, used) in written {
        if let Some(role_ref) = expand_role(written_value, used, scope) {
            push_unique(&mut refs, role_ref);
        }
    }
    // `secrets: NAME: aws_secrets_manager: role_arn:` (GitLab 18.3): the runner assumes
    // that role with the job's ID token.
    for secret in &job.secrets {
        let is_aws = secret
            .provider
            .as_ref()
            .is_some_and(|p| p.value.as_ref() == "aws_secrets_manager");
        let role_arn = secret.source.as_ref().and_then(|s| s.get("role_arn"));
        if let Some(text) = role_arn.filter(|_| is_aws).and_then(Text::of) {
            if let Some(role_ref) = expand_role(&text.value, text.span, scope) {
                push_unique(&mut refs, role_ref);
            }
        }
    }
    if !job.id_tokens.is_empty() {
        if let Some(Value::Written(value)) = scope.value("AWS_ROLE_ARN") {
            if let Some(role_ref) = expand_role(&value.value, value.span, scope) {
                push_unique(&mut refs, role_ref);
            }
        }
    }
    refs
}

/// The role ARN values a job's scripts write (see [`script_role_values`]), each with the
/// span it is written at.
fn script_role_arns<'j>(job: &'j Job, sources: &SourceMap) -> Vec<(&'j str, Span)> {
    let mut out = Vec::new();
    let scripts = job
        .before_script
        .iter()
        .chain(&job.script)
        .chain(&job.after_script);
    for text in scripts {
        for range in script_role_values(&text.value) {
            let Some(file) = sources.get(text.span.file) else {
                continue;
            };
            let used = text.span_of(range.clone(), file);
            out.push((text.value.get(range).unwrap_or_default(), used));
        }
    }
    out
}

fn push_unique(refs: &mut Vec<RoleRef>, role_ref: RoleRef) {
    if !refs.iter().any(|r| r.arn == role_ref.arn) {
        refs.push(role_ref);
    }
}

/// The byte ranges of role ARN values in a script line: after `--role-arn`, `role_arn`
/// (Terraform variables, `aws configure set`) and `AWS_ROLE_ARN=`, a quoted or bare word.
fn script_role_values(script: &str) -> Vec<std::ops::Range<usize>> {
    const MARKERS: &[&str] = &["--role-arn", "role_arn", "AWS_ROLE_ARN="];
    let mut out = Vec::new();
    for marker in MARKERS {
        for (at, _) in script.match_indices(marker) {
            let before = script.get(..at).and_then(|b| b.chars().next_back());
            if matches!(before, Some(c) if c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '{'))
            {
                continue;
            }
            if let Some(range) = word_after(script, at + marker.len()) {
                out.push(range);
            }
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

/// The word after a flag or key: separators (`=`, `:`, spaces) skipped, then a quoted
/// string (without its quotes) or a run of characters up to whitespace or a shell
/// delimiter. Only a word that can be a role ARN: it starts with `arn:` or `$`.
fn word_after(script: &str, from: usize) -> Option<std::ops::Range<usize>> {
    let rest = script.get(from..)?;
    let skipped = rest.len() - rest.trim_start_matches([' ', '\t', '=', ':']).len();
    let start = from + skipped;
    let rest = script.get(start..)?;
    let (start, word) = match rest.chars().next()? {
        quote @ ('"' | '\'') => {
            let inner = rest.get(1..)?;
            let end = inner.find(quote).unwrap_or(inner.len());
            (start + 1, inner.get(..end)?)
        }
        _ => {
            let end = rest
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, ';' | ')' | '`' | '"' | '\'' | '\\' | ',')
                })
                .unwrap_or(rest.len());
            (start, rest.get(..end)?)
        }
    };
    (word.starts_with("arn:") || word.starts_with('$')).then(|| start..start + word.len())
}

/// A role reference from the value written at `at`, expanded; `None` when it is not a
/// role ARN (nor a variable that may hold one).
fn expand_role(value: &str, at: Span, scope: &Scope<'_>) -> Option<RoleRef> {
    let (arn, written) = expand(value, at, scope, 0);
    let is_role =
        Arn::parse(&arn).is_some_and(|a| a.service == "iam" && a.resource.starts_with("role/"));
    if !is_role && !arn.starts_with('$') {
        return None;
    }
    Some(RoleRef {
        arn,
        written,
        used: (written != at).then_some(at),
    })
}

/// Expands `$VAR` and `${VAR}` through `scope`. The span is the written place of the
/// value: the variable's value when the whole text is one written variable, else `at`.
fn expand(value: &str, at: Span, scope: &Scope<'_>, depth: usize) -> (String, Span) {
    let references = references(value);
    if depth >= MAX_EXPANSION_DEPTH || references.is_empty() {
        return (value.to_owned(), at);
    }
    if let [only] = references.as_slice() {
        if only.start == 0 && only.end == value.len() {
            return match scope.value(&only.name) {
                Some(Value::Written(text)) => expand(&text.value, text.span, scope, depth + 1),
                Some(Value::Predefined(text)) => (text.to_owned(), at),
                None => (value.to_owned(), at),
            };
        }
    }
    let mut out = String::new();
    let mut done = 0;
    for reference in &references {
        out.push_str(value.get(done..reference.start).unwrap_or_default());
        match scope.value(&reference.name) {
            Some(Value::Written(text)) => {
                out.push_str(&expand(&text.value, text.span, scope, depth + 1).0)
            }
            Some(Value::Predefined(text)) => out.push_str(text),
            None => out.push_str(
                value
                    .get(reference.start..reference.end)
                    .unwrap_or_default(),
            ),
        }
        done = reference.end;
    }
    out.push_str(value.get(done..).unwrap_or_default());
    (out, at)
}

fn variable<'a>(variables: &'a [Variable], name: &str) -> Option<&'a Variable> {
    variables.iter().find(|v| v.name.value.as_ref() == name)
}

/// The token uses of `job` that present it to a cloud, for [`presented_token`].
fn cloud_token_uses(job: &Job, sources: &SourceMap) -> Vec<TokenUse> {
    token_uses_in(job, sources)
        .into_iter()
        .filter(|u| {
            matches!(
                u.channel,
                TokenChannel::WebIdentityTokenFlag
                    | TokenChannel::WebIdentityTokenFile
                    | TokenChannel::Secrets { .. }
            )
        })
        .collect()
}

/// The ID token the job presents with `role_ref`, among its cloud token `uses`: the one
/// it passes through a cloud channel (in the same script text as the role when there
/// are several), else its only `id_tokens` entry.
fn presented_token(
    job: &Job,
    role_ref: &RoleRef,
    uses: &[TokenUse],
) -> (Option<usize>, Option<Span>) {
    let role_at = role_ref.used.unwrap_or(role_ref.written);
    let same_text = |span: Span| {
        job.before_script
            .iter()
            .chain(&job.script)
            .chain(&job.after_script)
            .any(|t: &Text| span_contains(t.span, span) && span_contains(t.span, role_at))
    };
    let chosen = uses
        .iter()
        .find(|u| same_text(u.span))
        .or_else(|| uses.first());
    match chosen {
        Some(token_use) => (
            job.id_tokens
                .iter()
                .position(|t| *t.name.value == *token_use.name),
            Some(token_use.span),
        ),
        None => match job.id_tokens.as_slice() {
            [_only] => (Some(0), None),
            _ => (None, None),
        },
    }
}

/// The scanned policies of the role `role_ref` names: an IaC or export role with that
/// ARN (or that name, when either ARN is not written out: a Terraform role without an
/// account, a job's ARN whose account is a CI/CD variable), else a `[[roles]]` binding.
/// The roles declared in the workspace's IaC and exports, looked up by ARN or name.
/// A role whose ARN is known (no placeholder) is found by its exact ARN, any other by
/// its name (ignoring ASCII case); an ARN that still holds a variable finds any role by
/// name. When several match, the first in document order wins.
struct RoleIndex<'w> {
    /// (document index, role index) of the first role with each known ARN.
    by_arn: HashMap<&'w str, (usize, usize)>,
    /// (document index, role index) of the first role without a known ARN, per
    /// lower-case name.
    by_name: HashMap<String, (usize, usize)>,
    /// The same over every role.
    by_any_name: HashMap<String, (usize, usize)>,
    roles: Vec<(&'w Document, &'w [Role])>,
}

impl<'w> RoleIndex<'w> {
    fn of(workspace: &'w Workspace) -> RoleIndex<'w> {
        let mut index = RoleIndex {
            by_arn: HashMap::new(),
            by_name: HashMap::new(),
            by_any_name: HashMap::new(),
            roles: Vec::new(),
        };
        for document in &workspace.documents {
            let Content::Iam(resources) = &document.content else {
                continue;
            };
            let at = index.roles.len();
            index.roles.push((document, &resources.roles));
            for (i, role) in resources.roles.iter().enumerate() {
                let name = role.name.value.to_ascii_lowercase();
                index.by_any_name.entry(name.clone()).or_insert((at, i));
                match &role.arn {
                    Some(arn) if has_known_account(&arn.value) => {
                        index.by_arn.entry(&arn.value).or_insert((at, i));
                    }
                    _ => {
                        index.by_name.entry(name).or_insert((at, i));
                    }
                }
            }
        }
        index
    }

    /// The first declared role `role_ref` names.
    fn find(&self, role_ref: &RoleRef) -> Option<(&'w Document, &'w Role)> {
        let name = role_ref
            .role_name()
            .filter(|name| !name.contains('$'))
            .map(str::to_ascii_lowercase);
        let (by_arn, names) = if role_ref.is_symbolic() {
            (None, &self.by_any_name)
        } else {
            (self.by_arn.get(role_ref.arn.as_str()), &self.by_name)
        };
        let by_name = name.and_then(|name| names.get(&name));
        let (document, role) = by_arn.into_iter().chain(by_name).min()?;
        let (document, roles) = self.roles.get(*document)?;
        Some((*document, roles.get(*role)?))
    }
}

/// An ARN without placeholders, in its account too: it names one role.
fn has_known_account(arn: &str) -> bool {
    !is_placeholder(arn) && Arn::parse(arn).is_some_and(|a| !is_placeholder(a.account))
}

fn resolve<'w>(
    workspace: &'w Workspace,
    roles: &RoleIndex<'w>,
    settings: &Settings,
    role_ref: &RoleRef,
) -> Option<LinkedRole<'w>> {
    if let Some((document, role)) = roles.find(role_ref) {
        return Some(LinkedRole {
            declared: Some((document, role)),
            trust: role.trust.as_ref().map(|trust| (document, trust)),
            permissions: role
                .inline_policies
                .iter()
                .map(|p| (document, &p.document))
                .collect(),
        });
    }
    let binding = settings.roles.iter().find(|b| b.arn == role_ref.arn)?;
    let policy_in = |file| {
        workspace.documents.iter().find_map(|d| match &d.content {
            Content::IamPolicy(policy) if d.file == file => Some((d, policy)),
            _ => None,
        })
    };
    Some(LinkedRole {
        declared: None,
        trust: binding.trust_file.and_then(policy_in),
        permissions: binding
            .permission_files
            .iter()
            .filter_map(|&file| policy_in(file))
            .collect(),
    })
}

/// Whether `inner` lies inside `outer`.
pub fn span_contains(outer: Span, inner: Span) -> bool {
    outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_role_values_after_flags() {
        let script = r#"aws sts assume-role-with-web-identity --role-arn "$ROLE_ARN" --web-identity-token $T"#;
        let ranges = script_role_values(script);
        assert_eq!(ranges.len(), 1);
        assert_eq!(&script[ranges[0].clone()], "$ROLE_ARN");
        let script = "terraform apply -var role_arn=arn:aws:iam::123456789012:role/deploy";
        let ranges = script_role_values(script);
        assert_eq!(
            &script[ranges[0].clone()],
            "arn:aws:iam::123456789012:role/deploy"
        );
        assert!(script_role_values("echo $AWS_ROLE_ARN=1").is_empty());
        assert!(script_role_values("--role-arn-file x").is_empty());
    }

    #[test]
    fn expands_variables() {
        use trustlint_parser::spanned::Spanned;
        let at = Span::default();
        let variable = |name: &str, value: &str| Variable {
            name: Spanned::new(name.into(), at),
            via: Default::default(),
            value: Some(Text {
                value: value.into(),
                span: at,
                via: Default::default(),
            }),
            description: None,
            expand: None,
            options: Vec::new(),
        };
        let variables = [
            variable("ACCOUNT", "111122223333"),
            variable("ROLE", "arn:aws:iam::${ACCOUNT}:role/deploy"),
            variable(
                "PROJECT_ROLE",
                "arn:aws:iam::1:role/${CI_PROJECT_NAME}-deploy",
            ),
        ];
        let settings = Settings {
            gitlab_project: Some("acme/web".into()),
            ..Settings::default()
        };
        let job_scope = |settings: &Settings| Scope {
            rule: &[],
            matrix: Vec::new(),
            job: &variables,
            predefined: Scope::predefined(settings),
        };
        let scope = job_scope(&settings);
        assert_eq!(
            expand("$ROLE", at, &scope, 0).0,
            "arn:aws:iam::111122223333:role/deploy"
        );
        assert_eq!(
            expand("$PROJECT_ROLE", at, &scope, 0).0,
            "arn:aws:iam::1:role/web-deploy"
        );
        assert_eq!(
            expand("$CI_SERVER_URL", at, &scope, 0).0,
            "https://gitlab.com"
        );
        assert_eq!(expand("${UNKNOWN}/x", at, &scope, 0).0, "${UNKNOWN}/x");
        assert_eq!(expand("$$ROLE", at, &scope, 0).0, "$$ROLE");
        let unknown_project = job_scope(&Settings::default());
        assert_eq!(
            expand("$CI_PROJECT_PATH", at, &unknown_project, 0).0,
            "$CI_PROJECT_PATH"
        );
    }
}
