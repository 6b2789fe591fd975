//! TL502 gcp-condition-not-tenant-bound: a provider's condition (through its attribute
//! mapping) admits tokens of projects outside the group or project it names — a prefix
//! without its `/` boundary, `contains`, an unanchored `matches`, only non-tenant claims,
//! a broad `||` branch, only negations. The claims engine's [`tenancy`] says who gets in.

use trustlint_parser::federation::gcp::cel::{Expr, Kind, Val};
use trustlint_parser::federation::gcp::{Cel, Provider};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::Span;

use crate::analysis::claim_predicate::{issuer, tenancy, Tenancy, TENANT_CLAIMS};
use crate::analysis::gcp::{is_integration, trusts_gitlab, Translator};
use crate::finding::{Applicability, Edit, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpConditionNotTenantBound;

impl Rule for GcpConditionNotTenantBound {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL502
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::Iam(resources) = &document.content else {
            return;
        };
        let gitlab = issuer(cx.settings);
        for provider in &resources.federation.gcp.providers {
            let Some(condition) = &provider.condition else {
                continue;
            };
            let integration = provider.issuer.as_ref().is_some_and(|i| is_integration(&i.value));
            if integration || !trusts_gitlab(provider, &gitlab) || condition.text.trim().is_empty() {
                continue;
            }
            let admits = Translator::new(provider).condition(provider).admits;
            let Tenancy::Open { witness, why } = tenancy(&admits, cx.settings) else {
                continue;
            };
            // The witness's values of the tenant claims the condition tests (its project
            // path alone may be unrelated to them).
            let tested: Vec<String> = admits
                .tests()
                .iter()
                .map(|t| t.claim.clone())
                .filter(|c| TENANT_CLAIMS.contains(&c.as_str()) || c == "sub")
                .collect();
            let mut shown: Vec<String> = Vec::new();
            for claim in &tested {
                if let Some(value) = witness.get(claim) {
                    let pair = format!("`{claim}` = `{value}`");
                    if !shown.contains(&pair) {
                        shown.push(pair);
                    }
                }
            }
            let project = if shown.is_empty() {
                format!("`{}`", witness.project().unwrap_or_else(|| "another project".to_owned()))
            } else {
                format!("a project with {}", shown.join(", "))
            };
            let mut finding = Finding::new(
                self.meta(),
                condition.span,
                format!(
                    "the condition of provider `{}` admits tokens of projects outside the group it names: a token of {project} gets in ({why})",
                    provider.label
                ),
            )
            .with_help("pin the project or group by id (`assertion.project_id == \"5678\"`, `assertion.namespace_id == \"1234\"`), or a path with its `/` boundary (`assertion.project_path.startsWith(\"group/\")`)");
            if let Some(fix) = cx
                .source(document)
                .and_then(|source| boundary_fix(provider, condition, &source.text))
            {
                finding.fix = Some(fix);
            }
            out.push(finding);
        }
    }
}

/// For `assertion.namespace_path.startsWith("g")` / `assertion.project_path.startsWith("g")`
/// without the `/` boundary: `(X == "g" || X.startsWith("g/"))` (a namespace: projects
/// directly in `g` keep access), or `X.startsWith("g/")` (a project path always has one).
fn boundary_fix(provider: &Provider, condition: &Cel, file_text: &str) -> Option<Fix> {
    let expr = condition.parse().ok()?;
    let mut calls = Vec::new();
    expr.walk(&mut |e| calls.push(e));
    let mut edits = Vec::new();
    let mut prefixes = Vec::new();
    for call in calls {
        if let Some((prefix, mut more)) = boundary_edits(condition, call, file_text) {
            prefixes.push(format!("`{prefix}`"));
            edits.append(&mut more);
        }
    }
    (!edits.is_empty()).then(|| Fix {
        description: format!(
            "add the `/` boundary to the prefix {} of provider `{}`",
            prefixes.join(", "),
            provider.label
        ),
        edits,
        applicability: Applicability::Unsafe,
    })
}

fn insertion(at: u32, span: Span) -> Span {
    Span::new(span.file, at as usize, at as usize)
}

/// The edits for one `startsWith` call, and its prefix.
fn boundary_edits(condition: &Cel, e: &Expr, file_text: &str) -> Option<(String, Vec<Edit>)> {
    let Kind::Call {
        target: Some(target),
        name,
        args,
    } = &e.kind
    else {
        return None;
    };
    let path = target.path();
    let (Some(["assertion", claim @ ("namespace_path" | "project_path")]), [arg]) =
        (path.as_deref(), args.as_slice())
    else {
        return None;
    };
    let Kind::Lit(Val::Str(prefix)) = &arg.kind else {
        return None;
    };
    if name != "startsWith" || prefix.is_empty() || prefix.ends_with('/') {
        return None;
    }
    // The closing quote of the literal as the file writes it (`"`, `'` or `\"`).
    let quote = condition.span_of(arg.end - 1, arg.end);
    let raw_quote = file_text.get(quote.range())?;
    if !matches!(raw_quote, "\"" | "'" | "\\\"" | "\\'") {
        return None;
    }
    let mut edits = vec![Edit {
        span: insertion(quote.start, quote),
        replacement: "/".to_owned(),
    }];
    if *claim == "namespace_path" {
        let call = condition.span_of(e.start, e.end);
        let target_raw = file_text.get(condition.span_of(target.start, target.end).range())?;
        let arg_raw = file_text.get(condition.span_of(arg.start, arg.end).range())?;
        if call.is_empty() || target_raw.is_empty() || arg_raw.is_empty() {
            return None;
        }
        edits.insert(
            0,
            Edit {
                span: insertion(call.start, call),
                replacement: format!("({target_raw} == {arg_raw} || "),
            },
        );
        edits.push(Edit {
            span: insertion(call.end, call),
            replacement: ")".to_owned(),
        });
    }
    Some((prefix.clone(), edits))
}
