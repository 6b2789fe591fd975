//! Google Cloud workload identity federation as the claims engine sees it: a provider's
//! attribute condition, and a binding's principal, translated into a [`Predicate`] over a
//! GitLab token's claims, through the provider's attribute mapping (`attribute.x` is the
//! mapping's CEL over `assertion.*`).
//!
//! CEL's errors matter: a condition that reads a claim the token lacks, or compares a
//! `"true"` string with `true`, fails, and a failed condition rejects the token. So each
//! boolean expression is translated into two predicates, [`Truth::admits`] (it evaluates
//! to `true`) and [`Truth::rejects`] (to `false`); a token for which neither holds is one
//! for which the expression is an error. `a && b` is false when either side is false
//! even if the other errs, as in CEL. What is outside the translated subset (sizes,
//! comparisons of two claims, unsupported functions, values known only when the job
//! runs) is [`Predicate::Unknown`], never a guess.

use trustlint_parser::federation::gcp::cel::{self, Expr, Kind, Op, Val};
use trustlint_parser::federation::gcp::{
    principal, Binding, Cel, GcpResources, Mapping, Principal, PrincipalKind, Provider,
};
use trustlint_parser::input::{Content, Workspace};
use trustlint_parser::spanned::Spanned;
use trustlint_parser::Span;

use super::claim_predicate::{Predicate, Values};
use super::claims::{claim, ClaimType};
use super::relying_party::RelyingParty;

/// The issuer of GitLab's Google Cloud IAM integration: one per top-level group.
pub const INTEGRATION_ISSUER: &str = "https://auth.gcp.gitlab.com/oidc/";

/// Whether an issuer URL is GitLab.com's (shared by every project of the instance).
pub fn is_gitlab_com(issuer: &str) -> bool {
    issuer
        .trim_end_matches('/')
        .eq_ignore_ascii_case("https://gitlab.com")
}

/// Whether an issuer is the Google Cloud IAM integration's (single tenant).
pub fn is_integration(issuer: &str) -> bool {
    issuer.starts_with(INTEGRATION_ISSUER)
}

/// The Google Cloud resources of every document of the workspace.
pub fn resources(workspace: &Workspace) -> impl Iterator<Item = &GcpResources> {
    workspace
        .documents
        .iter()
        .filter_map(|document| match &document.content {
            Content::Iam(resources) if !resources.federation.gcp.is_empty() => {
                Some(&resources.federation.gcp)
            }
            _ => None,
        })
}

/// Every provider of the workspace.
pub fn providers(workspace: &Workspace) -> impl Iterator<Item = &Provider> {
    resources(workspace).flat_map(|gcp| &gcp.providers)
}

/// The pool id of a provider, as the input writes it (placeholders included).
pub fn pool_of(provider: &Provider) -> &str {
    let name = provider.name.value.as_str();
    name.split_once("/workloadIdentityPools/")
        .and_then(|(_, rest)| rest.split_once("/providers/"))
        .map_or(name, |(pool, _)| pool)
}

/// A workload identity principal granted a role.
#[derive(Debug)]
pub struct Grant<'w> {
    pub binding: &'w Binding,
    pub member: &'w Spanned<String>,
    pub principal: Principal<'w>,
}

/// Every grant of the workspace to a workload identity principal.
pub fn grants(workspace: &Workspace) -> impl Iterator<Item = Grant<'_>> {
    resources(workspace)
        .flat_map(|gcp| &gcp.bindings)
        .flat_map(|binding| {
            binding.members.iter().filter_map(move |member| {
                Some(Grant {
                    binding,
                    member,
                    principal: principal(&member.value)?,
                })
            })
        })
}

/// The providers of the workspace whose pool a grant names (same pool id text).
pub fn providers_of<'w>(workspace: &'w Workspace, grant: &Grant<'_>) -> Vec<&'w Provider> {
    providers(workspace)
        .filter(|provider| pool_of(provider) == grant.principal.pool)
        .collect()
}

/// Whether a provider exchanges tokens: not `disabled = true` (a disabled provider, or
/// one in a disabled pool, rejects every exchange).
pub fn enabled(provider: &Provider) -> bool {
    provider.disabled.as_ref().is_none_or(|d| d.value != "true")
}

/// Whether a provider is enabled and trusts a GitLab issuer: GitLab.com, the Google
/// Cloud IAM integration, or the instance of the settings.
pub fn trusts_gitlab(provider: &Provider, gitlab_issuer: &str) -> bool {
    enabled(provider)
        && provider.issuer.as_ref().is_some_and(|issuer| {
            let issuer = issuer.value.as_str();
            is_gitlab_com(issuer)
                || is_integration(issuer)
                || issuer.trim_end_matches('/') == gitlab_issuer.trim_end_matches('/')
        })
}

/// What a boolean expression admits and rejects.
#[derive(Clone, Debug)]
pub struct Truth {
    /// The tokens for which it is `true`.
    pub admits: Predicate,
    /// The tokens for which it is `false`.
    pub rejects: Predicate,
}

impl Truth {
    fn constant(value: bool) -> Truth {
        Truth {
            admits: Predicate::Const(value),
            rejects: Predicate::Const(!value),
        }
    }

    /// A CEL error for every token: neither true nor false.
    fn error() -> Truth {
        Truth {
            admits: Predicate::Const(false),
            rejects: Predicate::Const(false),
        }
    }

    fn unknown(span: Span, why: impl Into<String>) -> Truth {
        let why = why.into();
        Truth {
            admits: Predicate::Unknown {
                span,
                why: why.clone(),
            },
            rejects: Predicate::Unknown { span, why },
        }
    }

    /// `claim` satisfies `values`; false when the claim is present but doesn't; an error
    /// when it is absent.
    fn test(claim: &str, values: Option<Values>, span: Span) -> Truth {
        let admits = Predicate::test(claim, values, span);
        Truth {
            rejects: Predicate::and(vec![present(claim, span), Predicate::not(admits.clone())]),
            admits,
        }
    }

    fn not(self) -> Truth {
        Truth {
            admits: self.rejects,
            rejects: self.admits,
        }
    }
}

fn present(claim: &str, span: Span) -> Predicate {
    Predicate::test(claim, Some(Values::Present), span)
}

/// A string-valued expression: a literal, a claim, or something else.
#[derive(Clone, Debug)]
enum Term {
    Lit(String),
    /// A claim of the token (`stringified`: read through `string(...)`).
    Claim {
        name: String,
        stringified: bool,
    },
    /// A value that is not a string (`true`, `1`, `null`).
    NonString,
    Unknown(Span, String),
}

/// An attribute of the mapping, parsed.
#[derive(Debug)]
struct Mapped<'p> {
    target: &'p str,
    cel: &'p Cel,
    expr: Result<Expr, cel::Error>,
}

/// Translates a provider's CEL (condition, principals) through its mapping.
#[derive(Debug)]
pub struct Translator<'p> {
    mapped: Vec<Mapped<'p>>,
    /// Where an unknown mapping is written (`None`: the mapping is known or absent).
    unknown_mapping: Option<Span>,
}

/// Deepest expression translated (the parser already bounds nesting).
const MAX_DEPTH: usize = 256;

impl<'p> Translator<'p> {
    pub fn new(provider: &'p Provider) -> Self {
        let (mapped, unknown_mapping) = match &provider.mapping {
            Mapping::Known(entries) => (
                entries
                    .iter()
                    .map(|entry| Mapped {
                        target: entry.target.value.as_str(),
                        cel: &entry.expression,
                        expr: entry.expression.parse(),
                    })
                    .collect(),
                None,
            ),
            Mapping::Unknown(span) => (Vec::new(), Some(*span)),
            // Without a mapping, GCP maps `google.subject` to `assertion.sub` by default
            // only for some providers; be explicit: nothing is mapped.
            Mapping::Absent => (Vec::new(), None),
        };
        Translator {
            mapped,
            unknown_mapping,
        }
    }

    /// What the provider's condition admits and rejects (`true` for every token when
    /// there is none).
    pub fn condition(&self, provider: &Provider) -> Truth {
        match &provider.condition {
            None => Truth::constant(true),
            Some(cel) => self.cel(cel),
        }
    }

    /// What a CEL text admits and rejects.
    pub fn cel(&self, cel: &Cel) -> Truth {
        if cel.is_symbolic() {
            return Truth::unknown(
                cel.span,
                "the condition is built from values the input does not give",
            );
        }
        match cel.parse() {
            Ok(expr) => self.truth(cel, &expr, false, 0),
            Err(error) => Truth::unknown(
                cel.span_of(error.start, error.end),
                format!(
                    "the condition is not CEL this check reads ({})",
                    error.message
                ),
            ),
        }
    }

    /// The tokens a binding member names among those the provider maps: `principalSet
    /// …/attribute.NAME/VALUE` is `attribute.NAME == VALUE`, `principal …/subject/S` is
    /// `google.subject == S`, `…/*` every token. `None` for members that are no
    /// workload identity principal.
    pub fn member(&self, member: &str, span: Span) -> Option<Predicate> {
        let principal = principal(member)?;
        Some(match principal.kind {
            PrincipalKind::All => Predicate::Const(true),
            PrincipalKind::Subject(subject) => self.equals_mapped("google.subject", subject, span),
            PrincipalKind::Attribute(name, value) => {
                self.equals_mapped(&format!("attribute.{name}"), value, span)
            }
            PrincipalKind::Group(_) => Predicate::Unknown {
                span,
                why: "group principals (`google.groups`) are not evaluated".into(),
            },
        })
    }

    fn equals_mapped(&self, target: &str, value: &str, span: Span) -> Predicate {
        if value.contains("${") {
            return Predicate::Unknown {
                span,
                why: "the principal is built from values the input does not give".into(),
            };
        }
        let terms = self.mapped_terms(target, span, 0);
        let lit = [(Predicate::Const(true), Term::Lit(value.to_owned()))];
        compare(&terms, &lit, span).admits
    }

    /// The mapping entry for `target` (`attribute.x`, `google.subject`).
    fn mapped(&self, target: &str) -> Option<&Mapped<'p>> {
        self.mapped.iter().find(|m| m.target == target)
    }

    fn mapped_terms(&self, target: &str, span: Span, depth: usize) -> Vec<(Predicate, Term)> {
        let unknown = |why: String| vec![(Predicate::Const(true), Term::Unknown(span, why))];
        if let Some(at) = self.unknown_mapping {
            return unknown_at(
                at,
                "the attribute mapping is built from values the input does not give",
            );
        }
        match self.mapped(target) {
            None => unknown(format!("`{target}` is not in the attribute mapping")),
            Some(Mapped {
                cel,
                expr: Ok(expr),
                ..
            }) if !cel.is_symbolic() => self.terms(cel, expr, true, depth + 1),
            Some(Mapped { cel, .. }) => unknown_at(
                cel.span,
                &format!("the mapping of `{target}` is not CEL this check reads"),
            ),
        }
    }

    fn truth(&self, cel: &Cel, e: &Expr, in_mapping: bool, depth: usize) -> Truth {
        let span = cel.span_of(e.start, e.end);
        if depth > MAX_DEPTH {
            return Truth::unknown(span, "the expression is nested too deeply");
        }
        let depth = depth + 1;
        match &e.kind {
            Kind::Lit(Val::Bool(b)) => Truth::constant(*b),
            Kind::Not(inner) => self.truth(cel, inner, in_mapping, depth).not(),
            Kind::Binary(op @ (Op::And | Op::Or), left, right) => {
                let (l, r) = (
                    self.truth(cel, left, in_mapping, depth),
                    self.truth(cel, right, in_mapping, depth),
                );
                if *op == Op::And {
                    Truth {
                        admits: Predicate::and(vec![l.admits, r.admits]),
                        rejects: Predicate::or(vec![l.rejects, r.rejects]),
                    }
                } else {
                    Truth {
                        admits: Predicate::or(vec![l.admits, r.admits]),
                        rejects: Predicate::and(vec![l.rejects, r.rejects]),
                    }
                }
            }
            Kind::Cond(condition, then, otherwise) => {
                let c = self.truth(cel, condition, in_mapping, depth);
                let (t, o) = (
                    self.truth(cel, then, in_mapping, depth),
                    self.truth(cel, otherwise, in_mapping, depth),
                );
                Truth {
                    admits: Predicate::or(vec![
                        Predicate::and(vec![c.admits.clone(), t.admits]),
                        Predicate::and(vec![c.rejects.clone(), o.admits]),
                    ]),
                    rejects: Predicate::or(vec![
                        Predicate::and(vec![c.admits, t.rejects]),
                        Predicate::and(vec![c.rejects, o.rejects]),
                    ]),
                }
            }
            Kind::Binary(op @ (Op::Eq | Op::Ne), left, right) => {
                let l = self.terms(cel, left, in_mapping, depth);
                let r = self.terms(cel, right, in_mapping, depth);
                let truth = compare(&l, &r, span);
                if *op == Op::Eq {
                    truth
                } else {
                    truth.not()
                }
            }
            Kind::Binary(Op::In, left, right) => {
                let Kind::List(items) = &right.kind else {
                    return Truth::unknown(
                        span,
                        "`in` over something other than a list of strings",
                    );
                };
                let values: Option<Vec<&str>> = items
                    .iter()
                    .map(|item| match &item.kind {
                        Kind::Lit(Val::Str(s)) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect();
                let Some(values) = values else {
                    return Truth::unknown(
                        span,
                        "`in` over something other than a list of strings",
                    );
                };
                let terms = self.terms(cel, left, in_mapping, depth);
                apply(&terms, |term| match term {
                    Term::Lit(s) => Truth::constant(values.contains(&s.as_str())),
                    Term::Claim { name, stringified } => string_claim(name, *stringified)
                        .unwrap_or_else(|| Truth::test(name, Values::equals(&values), span)),
                    _ => Truth::error(),
                })
            }
            Kind::Call {
                target: Some(target),
                name,
                args,
            } if matches!(
                name.as_str(),
                "startsWith" | "endsWith" | "contains" | "matches"
            ) =>
            {
                let [Expr {
                    kind: Kind::Lit(Val::Str(arg)),
                    ..
                }] = args.as_slice()
                else {
                    return Truth::unknown(
                        span,
                        format!("`{name}` of a value that is not a string literal"),
                    );
                };
                let terms = self.terms(cel, target, in_mapping, depth);
                apply(&terms, |term| match term {
                    Term::Lit(s) => match name.as_str() {
                        "startsWith" => Truth::constant(s.starts_with(arg.as_str())),
                        "endsWith" => Truth::constant(s.ends_with(arg.as_str())),
                        "contains" => Truth::constant(s.contains(arg.as_str())),
                        _ => Truth::unknown(span, "`matches` on a literal"),
                    },
                    Term::Claim {
                        name: claim,
                        stringified,
                    } => string_claim(claim, *stringified).unwrap_or_else(|| {
                        let values = match name.as_str() {
                            "startsWith" => Values::prefix(arg),
                            "endsWith" => Values::suffix(arg),
                            "contains" => Values::contains(arg),
                            _ => Values::regex_search(arg),
                        };
                        Truth::test(claim, values, span)
                    }),
                    _ => Truth::error(),
                })
            }
            Kind::Call {
                target: None,
                name,
                args,
            } if name == "has" && args.len() == 1 => match args[0].path().as_deref() {
                Some(["assertion", claim]) => {
                    let admits = present(claim, span);
                    Truth {
                        rejects: Predicate::not(admits.clone()),
                        admits,
                    }
                }
                _ => Truth::unknown(span, "`has()` of something other than an `assertion` field"),
            },
            _ => Truth::unknown(
                span,
                format!(
                    "`{}` is outside the CEL this check evaluates",
                    cel_text(cel, e)
                ),
            ),
        }
    }

    /// The values a string expression may take, each under a guard.
    fn terms(&self, cel: &Cel, e: &Expr, in_mapping: bool, depth: usize) -> Vec<(Predicate, Term)> {
        let span = cel.span_of(e.start, e.end);
        let one = |term: Term| vec![(Predicate::Const(true), term)];
        if depth > MAX_DEPTH {
            return one(Term::Unknown(
                span,
                "the expression is nested too deeply".into(),
            ));
        }
        let depth = depth + 1;
        match &e.kind {
            Kind::Lit(Val::Str(s)) => one(Term::Lit(s.clone())),
            Kind::Lit(_) => one(Term::NonString),
            Kind::Select(..) | Kind::Ident(_) | Kind::Index(..) => match e.path().as_deref() {
                Some(["assertion", name]) => one(Term::Claim {
                    name: (*name).to_owned(),
                    stringified: false,
                }),
                Some(["attribute", name]) if !in_mapping => {
                    self.mapped_terms(&format!("attribute.{name}"), span, depth)
                }
                Some(["google", "subject"]) if !in_mapping => {
                    self.mapped_terms("google.subject", span, depth)
                }
                _ => one(Term::Unknown(
                    span,
                    format!("`{}` is not a claim this check reads", cel_text(cel, e)),
                )),
            },
            Kind::Call {
                target: None,
                name,
                args,
            } if name == "string" && args.len() == 1 => self
                .terms(cel, &args[0], in_mapping, depth)
                .into_iter()
                .map(|(guard, term)| {
                    let term = match term {
                        Term::Claim { name, .. } => Term::Claim {
                            name,
                            stringified: true,
                        },
                        Term::NonString => Term::Unknown(span, "`string()` of a literal".into()),
                        other => other,
                    };
                    (guard, term)
                })
                .collect(),
            Kind::Cond(condition, then, otherwise) => {
                let c = self.truth(cel, condition, in_mapping, depth);
                let mut out = Vec::new();
                for (branch, guard) in [(then, c.admits), (otherwise, c.rejects)] {
                    for (g, term) in self.terms(cel, branch, in_mapping, depth) {
                        out.push((Predicate::and(vec![guard.clone(), g]), term));
                    }
                }
                out
            }
            // A boolean mapped to an attribute: the strings `"true"` / `"false"` (GitLab's
            // IAM integration guide maps `assertion.maintainer_access=="true" && …` and
            // grants to `attribute.…/true`).
            Kind::Not(_)
            | Kind::Binary(
                Op::And | Op::Or | Op::Eq | Op::Ne | Op::In | Op::Lt | Op::Le | Op::Gt | Op::Ge,
                ..,
            ) => {
                let truth = self.truth(cel, e, in_mapping, depth);
                vec![
                    (truth.admits, Term::Lit("true".to_owned())),
                    (truth.rejects, Term::Lit("false".to_owned())),
                ]
            }
            Kind::Call {
                target: Some(_),
                name,
                ..
            } if matches!(
                name.as_str(),
                "startsWith" | "endsWith" | "contains" | "matches"
            ) =>
            {
                let truth = self.truth(cel, e, in_mapping, depth);
                vec![
                    (truth.admits, Term::Lit("true".to_owned())),
                    (truth.rejects, Term::Lit("false".to_owned())),
                ]
            }
            Kind::Binary(Op::Add, left, right) => {
                let (l, r) = (
                    self.terms(cel, left, in_mapping, depth),
                    self.terms(cel, right, in_mapping, depth),
                );
                let mut out = Vec::new();
                for (gl, tl) in &l {
                    for (gr, tr) in &r {
                        let term = match (tl, tr) {
                            (Term::Lit(a), Term::Lit(b)) => Term::Lit(format!("{a}{b}")),
                            _ => Term::Unknown(
                                span,
                                "a concatenation of claims is not evaluated".into(),
                            ),
                        };
                        out.push((Predicate::and(vec![gl.clone(), gr.clone()]), term));
                    }
                }
                out
            }
            _ => one(Term::Unknown(
                span,
                format!(
                    "`{}` is outside the CEL this check evaluates",
                    cel_text(cel, e)
                ),
            )),
        }
    }
}

fn unknown_at(span: Span, why: &str) -> Vec<(Predicate, Term)> {
    vec![(Predicate::Const(true), Term::Unknown(span, why.to_owned()))]
}

fn cel_text<'c>(cel: &'c Cel, e: &Expr) -> &'c str {
    cel.text.get(e.start..e.end).unwrap_or("…")
}

/// A claim whose value is not a string (`runner_id`), read without `string()`: a string
/// operation on it is a CEL error for every token.
fn string_claim(name: &str, stringified: bool) -> Option<Truth> {
    let ty = claim(name)?.ty;
    (!stringified && !ty.is_string() && ty != ClaimType::StringOrList).then(Truth::error)
}

/// Applies a per-term truth over guarded terms.
fn apply(terms: &[(Predicate, Term)], f: impl Fn(&Term) -> Truth) -> Truth {
    let mut admits = Vec::new();
    let mut rejects = Vec::new();
    for (guard, term) in terms {
        let truth = match term {
            Term::Unknown(span, why) => Truth::unknown(*span, why.clone()),
            other => f(other),
        };
        admits.push(Predicate::and(vec![guard.clone(), truth.admits]));
        rejects.push(Predicate::and(vec![guard.clone(), truth.rejects]));
    }
    Truth {
        admits: Predicate::or(admits),
        rejects: Predicate::or(rejects),
    }
}

/// `left == right` over guarded terms.
fn compare(left: &[(Predicate, Term)], right: &[(Predicate, Term)], span: Span) -> Truth {
    let mut admits = Vec::new();
    let mut rejects = Vec::new();
    for (gl, tl) in left {
        for (gr, tr) in right {
            let truth = match (tl, tr) {
                (Term::Unknown(at, why), _) | (_, Term::Unknown(at, why)) => {
                    Truth::unknown(*at, why.clone())
                }
                (Term::Lit(a), Term::Lit(b)) => Truth::constant(a == b),
                (Term::Claim { name, stringified }, Term::Lit(value))
                | (Term::Lit(value), Term::Claim { name, stringified }) => {
                    string_claim(name, *stringified)
                        .unwrap_or_else(|| Truth::test(name, Values::equals(&[value]), span))
                }
                (Term::Claim { .. }, Term::Claim { .. }) => {
                    Truth::unknown(span, "a comparison of two claims is not evaluated")
                }
                // A string compared with a bool, number or null: no matching overload.
                (Term::NonString, Term::Lit(_) | Term::Claim { .. })
                | (Term::Lit(_) | Term::Claim { .. }, Term::NonString) => Truth::error(),
                (Term::NonString, Term::NonString) => Truth::unknown(
                    span,
                    "a comparison of two non-string values is not evaluated",
                ),
            };
            let guard = Predicate::and(vec![gl.clone(), gr.clone()]);
            admits.push(Predicate::and(vec![guard.clone(), truth.admits]));
            rejects.push(Predicate::and(vec![guard, truth.rejects]));
        }
    }
    Truth {
        admits: Predicate::or(admits),
        rejects: Predicate::or(rejects),
    }
}

/// A provider with one of its grants: the relying party a job's token meets.
#[derive(Debug)]
pub struct GcpParty<'p> {
    pub provider: &'p Provider,
    /// The member granted (`None`: the provider's condition alone).
    pub member: Option<&'p str>,
    predicate: Predicate,
}

impl<'p> GcpParty<'p> {
    /// The provider's condition, and the member's principal when given.
    pub fn new(provider: &'p Provider, member: Option<(&'p str, Span)>) -> Self {
        let mut party = GcpParty::with_members(provider, member.as_slice());
        party.member = member.map(|(m, _)| m);
        party
    }

    /// The provider's condition, and one of the members' principals (any, when there
    /// are none).
    pub fn with_members(provider: &'p Provider, members: &[(&'p str, Span)]) -> Self {
        let translator = Translator::new(provider);
        let mut parts = vec![translator.condition(provider).admits];
        let principals: Vec<Predicate> = members
            .iter()
            .filter_map(|(member, span)| translator.member(member, *span))
            .collect();
        if !principals.is_empty() {
            parts.push(Predicate::or(principals));
        }
        GcpParty {
            provider,
            member: None,
            predicate: Predicate::and(parts),
        }
    }
}

impl RelyingParty for GcpParty<'_> {
    fn describe(&self) -> String {
        format!("Google Cloud provider `{}`", self.provider.label)
    }

    fn span(&self) -> Span {
        self.provider.span
    }

    fn accepts_issuer(&self, iss: &str) -> Option<bool> {
        let issuer = &self.provider.issuer.as_ref()?.value;
        if issuer.contains("${") {
            return None;
        }
        // GCP's normalisation of a trailing slash is unverified: accept either.
        Some(issuer.trim_end_matches('/') == iss.trim_end_matches('/'))
    }

    fn accepts_audience(&self, aud: &str) -> Option<bool> {
        match &self.provider.audiences {
            Some(audiences) if !audiences.values.is_empty() || audiences.symbolic => {
                if audiences.values.iter().any(|a| a.value == aud) {
                    Some(true)
                } else if audiences.symbolic
                    || audiences.values.iter().any(|a| a.value.contains("${"))
                {
                    None
                } else {
                    Some(false)
                }
            }
            // No list: the provider's own resource name, with or without `https:`.
            _ => {
                let name = &self.provider.name.value;
                let Some(given) = aud
                    .strip_prefix("https://iam.googleapis.com/")
                    .or_else(|| aud.strip_prefix("//iam.googleapis.com/"))
                else {
                    return Some(false);
                };
                if name.contains("${") {
                    // The project number (or more) is unknown: compare the rest.
                    let (_, tail) = name.split_once("/locations/")?;
                    let (_, given_tail) = given.split_once("/locations/")?;
                    return (!tail.contains("${")).then_some(tail == given_tail);
                }
                Some(given == name)
            }
        }
    }

    fn audiences_span(&self) -> Span {
        self.provider
            .audiences
            .as_ref()
            .map_or(self.provider.span, |a| a.span)
    }

    fn predicate(&self) -> &Predicate {
        &self.predicate
    }
}

pub mod jobs;

#[cfg(test)]
mod tests;
