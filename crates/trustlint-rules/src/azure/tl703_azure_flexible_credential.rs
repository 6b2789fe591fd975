//! TL703 azure-flexible-credential: a flexible federated identity credential for GitLab
//! that Microsoft refuses or that lets other projects in — both `subject` and an
//! expression, an expression that doesn't parse or uses a claim or operator Microsoft
//! doesn't support for GitLab, no `eq` clause on `project_id`, `namespace_id` or
//! `user_id` (required for GitLab), or a `matches` that admits tokens of other projects
//! (the witness names one).

use trustlint_parser::federation::azure::{ClaimsExpression, Credential};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::Span;

use crate::analysis::azure::{is_gitlab, parsed, predicate, unsupported, ID_CLAIMS};
use crate::analysis::claim_predicate::{tenancy, Tenancy};
use crate::finding::{Applicability, Edit, Finding, Fix};
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct AzureFlexibleCredential;

impl Rule for AzureFlexibleCredential {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL703
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::Iam(resources) = &document.content else {
            return;
        };
        for credential in &resources.federation.azure.credentials {
            if let Some(expression) = &credential.expression {
                if is_gitlab(credential) {
                    check(self.meta(), cx, credential, expression, out);
                }
            }
        }
    }
}

fn check(
    rule: &'static RuleMeta,
    cx: &Context<'_>,
    credential: &Credential,
    written: &ClaimsExpression,
    out: &mut Vec<Finding>,
) {
    if let Some(subject) = &credential.subject {
        out.push(
            Finding::new(
                rule,
                subject.span,
                "this credential sets both `subject` and a claims-matching expression: Microsoft refuses it (they are mutually exclusive, the subject must be null)",
            )
            .with_related(written.value.span, "the expression")
            .with_help("remove the subject and match `sub` in the expression (`claims['sub'] eq '…'`), or drop the expression"),
        );
        return;
    }
    let Some(expression) = parsed(credential) else {
        return;
    };
    let expression = match expression {
        Ok(expression) => expression,
        Err(error) => {
            out.push(
                Finding::new(
                    rule,
                    written.span_of(error.at.clone()),
                    format!(
                        "this flexible credential's expression doesn't parse: {} — it is outside Microsoft's documented expression language",
                        error.message
                    ),
                )
                .with_help("write `claims['sub'] matches '…' and claims['project_id'] eq '…'`: each clause `claims['<claim>'] <eq|matches> '<comparand>'`, joined by ` and `"),
            );
            return;
        }
    };
    let mut refused = false;
    for clause in &expression.clauses {
        if let Some(why) = unsupported(clause) {
            refused = true;
            out.push(
                Finding::new(
                    rule,
                    written.span_of(clause.at.clone()),
                    format!("this clause is outside what Microsoft matches for GitLab tokens: {why}"),
                )
                .with_help("match `sub` with `eq` or `matches`, and pin the project with `claims['project_id'] eq '<id>'`"),
            );
        }
    }
    if refused {
        return;
    }
    let has_id = expression
        .clauses
        .iter()
        .any(|c| ID_CLAIMS.contains(&c.claim.as_str()));
    if !has_id {
        let mut finding = Finding::new(
            rule,
            written.value.span,
            "this GitLab flexible credential matches no `project_id`, `namespace_id` or `user_id`: Microsoft requires one of them besides `sub` (a `project_path` in `sub` can be re-created by another owner after a rename or deletion)",
        )
        .with_help("add `and claims['project_id'] eq '<the project's id>'` (and `claims['namespace_id'] eq '<id>'` to keep the namespace)");
        if let Some((id, edit)) = id_clause_edit(cx, &expression, written) {
            finding.fix = Some(Fix {
                description: format!("add `claims['project_id'] eq '{id}'`"),
                edits: vec![edit],
                applicability: Applicability::Unsafe,
            });
        }
        out.push(finding);
    }
    if let Tenancy::Open { witness, why } = tenancy(&predicate(credential), cx.settings) {
        let primary = expression
            .clauses
            .iter()
            .find(|c| c.claim == "sub")
            .map_or(written.value.span, |c| written.span_of(c.comparand_at.clone()));
        let project = witness.project().or_else(|| {
            let sub = witness.get("sub")?.strip_prefix("project_path:")?;
            sub.split(':').next().map(str::to_owned)
        });
        let who = match (project, witness.get("sub")) {
            (Some(project), Some(sub)) => format!("a job of project `{project}` (sub `{sub}`)"),
            (Some(project), None) => format!("a job of project `{project}`"),
            _ => "a job of another project".to_owned(),
        };
        out.push(
            Finding::new(
                rule,
                primary,
                format!("this expression lets tokens of other projects in: {who} gets in ({why})"),
            )
            .with_help("end the project part with its `:` (`project_path:grp/app:*`) and pin `claims['project_id'] eq '<id>'`"),
        );
    }
}

/// The clause pinning the project's id when it is known — from the expression's own
/// `sub` (`project_id:123:*`) or `[gitlab] project-id` — inserted at the expression's end
/// (when the expression's text maps to the file one to one there).
fn id_clause_edit(
    cx: &Context<'_>,
    expression: &trustlint_parser::federation::azure::expression::Expression,
    written: &ClaimsExpression,
) -> Option<(String, Edit)> {
    let from_sub = expression.on("sub").find_map(|clause| {
        let id = clause.comparand.strip_prefix("project_id:")?;
        let id: String = id.chars().take_while(char::is_ascii_digit).collect();
        (!id.is_empty()).then_some(id)
    });
    let id = from_sub.or_else(|| cx.settings.project_id.clone())?;
    let end = written.value.value.len();
    let at: Span = written.span_of(end..end);
    (at.is_empty() && at != written.value.span).then(|| {
        let edit = Edit {
            span: at,
            replacement: format!(" and claims['project_id'] eq '{id}'"),
        };
        (id, edit)
    })
}
