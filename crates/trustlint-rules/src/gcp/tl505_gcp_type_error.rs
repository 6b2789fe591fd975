//! TL505 gcp-type-error: values whose types or shapes Google never matches — a number
//! claim mapped without `string()` (`runner_id`), a `"true"`-string claim compared with
//! `true`, a principal naming its project by id instead of number, or another pool than
//! the file's provider, a `*` in a subject or attribute value (matched literally); and a
//! warning when the `google.subject` of a job's token on one of its refs is over 127
//! bytes.

use trustlint_parser::federation::gcp::cel::{Expr, Kind, Op, Val};
use trustlint_parser::federation::gcp::{
    principal, Cel, GcpResources, Mapping, PrincipalKind, Provider,
};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::Span;

use crate::analysis::claims::{claim, ClaimType};
use std::collections::BTreeMap;

use trustlint_parser::federation::gcp::cel;

use crate::analysis::gcp::jobs::GcpUse;
use crate::analysis::gcp::{grants, pool_of};
use crate::analysis::job_runs::JobRuns;
use crate::analysis::sub_claim::{format_sub, SubClaim, SubComponents};
use crate::finding::{Applicability, Edit, Finding, Fix, Severity};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpTypeError;

/// Google's limit on the mapped `google.subject`.
const MAX_SUBJECT_BYTES: usize = 127;

impl Rule for GcpTypeError {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL505
    }

    fn check_document(&self, _cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::Iam(resources) = &document.content else {
            return;
        };
        let gcp = &resources.federation.gcp;
        for provider in &gcp.providers {
            self.mapping(provider, out);
            if let Some(condition) = provider.condition.as_ref().filter(|c| !c.is_symbolic()) {
                self.boolean_compares(provider, condition, out);
            }
        }
        self.other_pool(gcp, out);
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for used in cx.gcp_uses() {
            self.long_subject(cx, used, out);
        }
        for grant in grants(cx.workspace) {
            let project = grant.principal.project;
            let member = &grant.member;
            if !project.contains("${") && !project.bytes().all(|b| b.is_ascii_digit()) {
                out.push(Finding::new(
                    self.meta(),
                    member.span,
                    format!(
                        "the principal names project `{project}` by id: principals take the project number (`projects/123456789012/…`), so this grant never matches"
                    ),
                ));
            }
            let value = match grant.principal.kind {
                PrincipalKind::Subject(value) | PrincipalKind::Attribute(_, value) => value,
                _ => continue,
            };
            if value.contains('*') && !value.contains("${") {
                out.push(Finding::new(
                    self.meta(),
                    member.span,
                    format!(
                        "`{value}` contains `*`, which principals match literally (only the whole-pool `…/*` is a wildcard): this grant matches no real token"
                    ),
                ));
            }
        }
    }
}

impl GcpTypeError {
    /// The `google.subject` a job's token maps to on each of its (finitely many) refs,
    /// over Google's 127-byte limit: the exchange fails on that ref.
    fn long_subject(&self, cx: &Context<'_>, used: &GcpUse<'_>, out: &mut Vec<Finding>) {
        const LISTED_REFS: usize = 32;
        let Some(entry) = used.provider.mapping.get("google.subject") else {
            return;
        };
        let (Some(project), Ok(expr)) = (&cx.settings.gitlab_project, entry.expression.parse())
        else {
            return;
        };
        let Ok(components) = SubComponents::from_names(&cx.settings.sub_claim) else {
            return;
        };
        let runs = JobRuns::of(used.pipeline, used.job, cx.settings);
        let mut seen: Vec<String> = Vec::new();
        for case in &runs.cases {
            let Some(names) = case.names.finite_members(LISTED_REFS) else {
                continue;
            };
            for name in names {
                let claim = SubClaim::new(project, case.ref_type, &name);
                let Ok(sub) = format_sub(&claim, &components) else {
                    continue;
                };
                let mut assertion: BTreeMap<String, Val> = [
                    ("sub", sub),
                    ("project_path", project.clone()),
                    ("ref", name.clone()),
                    ("ref_type", case.ref_type.name().to_owned()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Val::Str(v)))
                .collect();
                for (claim, value) in [("project_id", &cx.settings.project_id), ("namespace_id", &cx.settings.namespace_id)] {
                    if let Some(value) = value {
                        assertion.insert(claim.to_owned(), Val::Str(value.clone()));
                    }
                }
                let vars = BTreeMap::from([("assertion".to_owned(), Val::Map(assertion))]);
                let Ok(Val::Str(subject)) = cel::eval(&expr, &vars) else {
                    continue;
                };
                if subject.len() <= MAX_SUBJECT_BYTES || seen.contains(&name) {
                    continue;
                }
                seen.push(name.clone());
                out.push(
                    Finding::new(
                        self.meta(),
                        used.job.name.span,
                        format!(
                            "on {} `{name}` job `{}` maps to a `google.subject` of {} bytes, over Google's {MAX_SUBJECT_BYTES}: the token exchange with provider `{}` fails there",
                            case.ref_type.name(),
                            used.job.name.value,
                            subject.len(),
                            used.provider.label
                        ),
                    )
                    .with_severity(Severity::Warning)
                    .with_related(entry.expression.span, "the mapping of `google.subject`"),
                );
            }
        }
    }

    /// A principal naming a pool other than the one pool the file's providers are in
    /// (a file declaring its pool and its grants together): the grant never matches.
    fn other_pool(&self, gcp: &GcpResources, out: &mut Vec<Finding>) {
        let mut pools: Vec<&str> = gcp.providers.iter().map(pool_of).collect();
        pools.dedup();
        let [pool] = pools.as_slice() else {
            return;
        };
        if pool.contains("${") {
            return;
        }
        for binding in &gcp.bindings {
            for member in &binding.members {
                let Some(named) = principal(&member.value).map(|p| p.pool) else {
                    continue;
                };
                if named != *pool && !named.contains("${") {
                    out.push(Finding::new(
                        self.meta(),
                        member.span,
                        format!(
                            "the principal names pool `{named}`, but this file's provider is in pool `{pool}`: no token of it ever matches this grant"
                        ),
                    ));
                }
            }
        }
    }

    /// Number claims mapped without `string()`.
    fn mapping(&self, provider: &Provider, out: &mut Vec<Finding>) {
        let Mapping::Known(entries) = &provider.mapping else {
            return;
        };
        for entry in entries {
            let Ok(expr) = entry.expression.parse() else {
                continue;
            };
            let path = expr.path();
            let Some(["assertion", name]) = path.as_deref() else {
                continue;
            };
            let Some(found) = claim(name).filter(|c| c.ty == ClaimType::Number) else {
                continue;
            };
            let span = entry.expression.span_of(expr.start, expr.end);
            let insert = |at: u32| Span::new(span.file, at as usize, at as usize);
            let mut finding = Finding::new(
                self.meta(),
                span,
                format!(
                    "`{}` maps `assertion.{}`, a number: mapped attributes must be strings (\"The mapped attribute '{}' must be of type STRING\"), so Google rejects the mapping",
                    entry.target.value, found.name, entry.target.value
                ),
            );
            finding.fix = Some(Fix {
                    description: format!("wrap `assertion.{}` in `string()`", found.name),
                    edits: vec![
                        Edit { span: insert(span.start), replacement: "string(".to_owned() },
                        Edit { span: insert(span.end), replacement: ")".to_owned() },
                    ],
                    applicability: Applicability::Safe,
                });
            out.push(finding);
        }
    }

    /// `assertion.ref_protected == true`: a string claim compared with a bool.
    fn boolean_compares(&self, provider: &Provider, condition: &Cel, out: &mut Vec<Finding>) {
        let Ok(expr) = condition.parse() else {
            return;
        };
        expr.walk(&mut |e: &Expr| {
            let Kind::Binary(Op::Eq | Op::Ne, left, right) = &e.kind else {
                return;
            };
            let (field, literal) = match (&left.kind, &right.kind) {
                (_, Kind::Lit(Val::Bool(b))) => (left, b),
                (Kind::Lit(Val::Bool(b)), _) => (right, b),
                _ => return,
            };
            let name = match field.path().as_deref() {
                Some(["assertion", name]) => (*name).to_owned(),
                Some(["attribute", name]) => match provider.mapping.get(&format!("attribute.{name}")) {
                    Some(entry) => match entry.expression.parse().ok().and_then(|m| m.path().map(|p| p.join("."))) {
                        Some(path) => path.trim_start_matches("assertion.").to_owned(),
                        None => return,
                    },
                    None => return,
                },
                _ => return,
            };
            if claim(&name).is_none_or(|c| c.ty != ClaimType::BooleanString) {
                return;
            }
            out.push(Finding::new(
                self.meta(),
                condition.span_of(e.start, e.end),
                format!(
                    "`{name}` is the string `\"{literal}\"`, never the boolean `{literal}`: this comparison is a CEL type error, so provider `{}` rejects every token here",
                    provider.label
                ),
            ).with_help(format!("compare with the string: `== \"{literal}\"`")));
        });
    }
}
