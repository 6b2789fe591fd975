//! TL305 id-token-bad-aud: an `id_tokens:` entry of a job without `aud`, or whose `aud`
//! is empty (an empty string, null, an empty list, or a list holding an empty value).

use std::collections::BTreeSet;

use trustlint_parser::gitlab::{Field, Kind, Val};
use trustlint_parser::input::{Content, Document};
use trustlint_parser::Span;

use super::walk;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct IdTokenBadAud;

impl Rule for IdTokenBadAud {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL305
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::GitlabCi(pipeline) = &document.content else {
            return;
        };
        let issuer = cx.settings.issuer();
        // A definition in `default:` or a template reaches many jobs: report it once.
        let mut reported = BTreeSet::new();
        for job in &pipeline.jobs {
            let Some(entries) = job.get("id_tokens").and_then(Val::as_map) else {
                continue;
            };
            for entry in entries {
                let Some((span, problem)) = bad_aud(entry) else {
                    continue;
                };
                if !walk::reports_on(cx, document, span.file) || !reported.insert(span) {
                    continue;
                }
                let token = &entry.key.value;
                out.push(
                    Finding::new(self.meta(), span, format!("ID token `{token}` {problem}"))
                        .with_help(format!("set `aud` to the audience the cloud side expects, e.g. `aud: {issuer}` for GitLab's AWS setup (the OIDC provider's client ID and the trust policy's `:aud` condition)"))
                        .with_related(job.name.span, format!("job `{}` requests this token", job.name.value)),
                );
            }
        }
    }
}

const REJECTED: &str = "GitLab rejects the configuration, so the pipeline never starts";
const UNUSABLE: &str = "GitLab mints a token with no usable audience, so AWS STS answers \"Incorrect token audience\" (Vault and GCP refuse it too)";

/// Where an `id_tokens` entry's audience is missing or empty, and what that does.
fn bad_aud(entry: &Field) -> Option<(Span, String)> {
    let Some(aud) = entry.value.field("aud") else {
        return Some((
            entry.key.span,
            format!("has no `aud`: {REJECTED} (`aud` is required)"),
        ));
    };
    let value = &aud.value;
    let null =
        || format!("has a null `aud`: {REJECTED} (`aud` must be a string or a list of strings)");
    match &value.kind {
        Kind::Null => Some((aud.key.span, null())),
        Kind::String(s) if s.trim().is_empty() => {
            Some((value.span, format!("has an empty `aud`: {UNUSABLE}")))
        }
        Kind::Seq(items) if items.iter().all(is_empty_string) => {
            Some((value.span, format!("has an empty `aud` list: {UNUSABLE}")))
        }
        Kind::Seq(items) => items.iter().find_map(|item| match &item.kind {
            Kind::Null => Some((if item.span.is_empty() { value.span } else { item.span }, null())),
            _ if is_empty_string(item) => Some((
                item.span,
                "lists an empty audience in `aud`: no OIDC provider client ID, trust policy or Vault role matches it".to_string(),
            )),
            _ => None,
        }),
        _ => None,
    }
}

fn is_empty_string(val: &Val) -> bool {
    matches!(&val.kind, Kind::String(s) if s.trim().is_empty())
}
