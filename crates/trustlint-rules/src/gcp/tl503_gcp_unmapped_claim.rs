//! TL503 gcp-unmapped-claim: an `attribute.X` a condition or a binding uses that the
//! mapping doesn't define, a mapping reading a claim GitLab never sends (`actor`,
//! `repository`, … from GitHub's tokens) or mapping an attribute to itself, or a mapping
//! without `google.subject`. The attribute is never set: a binding on it never matches,
//! a condition on it is an error for every token (or compares two absent values).

use trustlint_parser::federation::gcp::cel::Expr;
use trustlint_parser::federation::gcp::{Cel, Mapping, PrincipalKind, Provider};
use trustlint_parser::input::{Content, Document};

use crate::analysis::claim_predicate::issuer;
use crate::analysis::claims::claim;
use crate::analysis::gcp::{grants, providers_of, trusts_gitlab};
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct GcpUnmappedClaim;

/// Every `assertion.X` / `attribute.X` / `google.X` field read in a CEL text, with the
/// byte range of the access.
fn fields(cel: &Cel) -> Vec<(String, String, usize, usize)> {
    let Ok(expr) = cel.parse() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    expr.walk(&mut |e: &Expr| {
        if let Some([root @ ("assertion" | "attribute" | "google"), field]) = e.path().as_deref() {
            found.push(((*root).to_owned(), (*field).to_owned(), e.start, e.end));
        }
    });
    found
}

impl Rule for GcpUnmappedClaim {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL503
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        let Content::Iam(resources) = &document.content else {
            return;
        };
        let gitlab = issuer(cx.settings);
        for provider in &resources.federation.gcp.providers {
            if trusts_gitlab(provider, &gitlab) {
                self.provider(provider, out);
            }
        }
    }

    fn check_workspace(&self, cx: &Context<'_>, out: &mut Vec<Finding>) {
        for grant in grants(cx.workspace) {
            let PrincipalKind::Attribute(name, _) = grant.principal.kind else {
                continue;
            };
            let target = format!("attribute.{name}");
            for provider in providers_of(cx.workspace, &grant) {
                let Mapping::Known(entries) = &provider.mapping else {
                    continue;
                };
                if entries.iter().any(|e| e.target.value == target) {
                    continue;
                }
                out.push(Finding::new(
                    self.meta(),
                    grant.member.span,
                    format!(
                        "`{}` is granted to `{target}`, which provider `{}` does not map: no token ever carries it, so this grant never matches",
                        grant.binding.role.value, provider.label
                    ),
                )
                .with_related(provider.name.span, "the provider whose mapping lacks it"));
            }
        }
    }
}

/// Claims of GitHub Actions' tokens that GitLab's don't have, often copied from GitHub's
/// examples.
const GITHUB_CLAIMS: [&str; 5] = ["actor", "repository", "repository_owner", "workflow", "repository_id"];

/// Mapping entries named in a grouped finding's message before "and N more".
const ENTRIES_NAMED: usize = 3;

impl GcpUnmappedClaim {
    /// One finding for the mapping entries `places` (each a span and what it maps) that
    /// share one mistake, `why` (which follows the list: it starts with its punctuation): at the first, naming up to [`ENTRIES_NAMED`] of them, each
    /// other one a related place.
    fn grouped(&self, places: Vec<(trustlint_parser::Span, String)>, why: &str) -> Finding {
        let mut named: Vec<&str> = places.iter().take(ENTRIES_NAMED).map(|(_, what)| what.as_str()).collect();
        let more = places.len().saturating_sub(ENTRIES_NAMED);
        let more = (more > 0).then(|| format!("{more} more"));
        if let Some(more) = &more {
            named.push(more);
        }
        let listed = match named.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => named.concat(),
        };
        let mut finding = Finding::new(self.meta(), places[0].0, format!("{listed}{why}"));
        for (span, what) in places.iter().skip(1) {
            finding = finding.with_related(*span, format!("{what} too"));
        }
        finding
    }

    fn provider(&self, provider: &Provider, out: &mut Vec<Finding>) {
        let Mapping::Known(entries) = &provider.mapping else {
            return;
        };
        if !entries.iter().any(|e| e.target.value == "google.subject") {
            out.push(Finding::new(
                self.meta(),
                entries.first().map_or(provider.name.span, |e| e.target.span),
                format!(
                    "the attribute mapping of provider `{}` lacks `google.subject`, which OIDC providers require: Google rejects the provider, or no token gets a subject",
                    provider.label
                ),
            ).with_help("map `\"google.subject\" = \"assertion.sub\"`"));
        }
        let mut foreign = Vec::new();
        let mut unread = Vec::new();
        for entry in entries {
            if entry.expression.is_symbolic() {
                continue;
            }
            for (root, field, start, end) in fields(&entry.expression) {
                let place = (
                    entry.expression.span_of(start, end),
                    format!("`{}` maps `{root}.{field}`", entry.target.value),
                );
                match root.as_str() {
                    "assertion" if claim(&field).is_none() => foreign.push((place, field)),
                    "attribute" | "google" => unread.push(place),
                    _ => {}
                }
            }
        }
        if !foreign.is_empty() {
            let github = foreign.iter().all(|(_, field)| GITHUB_CLAIMS.contains(&field.as_str()));
            let places: Vec<_> = foreign.into_iter().map(|(place, _)| place).collect();
            let (claims, never_set) = match places.len() {
                1 => ("a claim", "the attribute is never set"),
                _ => ("claims", "the attributes are never set"),
            };
            let github = match (github, places.len()) {
                (false, _) => "",
                (true, 1) => " (it is a GitHub Actions claim)",
                (true, _) => " (they are GitHub Actions claims)",
            };
            out.push(self.grouped(
                places,
                &format!(", {claims} GitLab ID tokens never carry: {never_set}{github}"),
            ));
        }
        if !unread.is_empty() {
            let never_set = match unread.len() {
                1 => "the attribute is never set",
                _ => "these attributes are never set",
            };
            out.push(self.grouped(
                unread,
                &format!(": a mapping reads the token (`assertion.*`), so {never_set}"),
            ));
        }
        let Some(condition) = provider.condition.as_ref().filter(|c| !c.is_symbolic()) else {
            return;
        };
        for (root, field, start, end) in fields(condition) {
            let target = format!("{root}.{field}");
            let missing = match root.as_str() {
                "attribute" => !entries.iter().any(|e| e.target.value == target),
                "assertion" => claim(&field).is_none(),
                _ => false,
            };
            if missing {
                out.push(Finding::new(
                    self.meta(),
                    condition.span_of(start, end),
                    format!(
                        "the condition of provider `{}` reads `{target}`, which {}: the comparison fails for every token",
                        provider.label,
                        if root == "attribute" {
                            "the attribute mapping does not define"
                        } else {
                            "GitLab ID tokens never carry"
                        }
                    ),
                ));
            }
        }
    }
}
