//! Rule metadata embedded at build time from `rules/<CODE>.md`: one `RuleMeta` static per
//! code (e.g. `meta::TL101`) and [`ALL`], the single source for `trustlint rules`,
//! `trustlint explain` and every report's rule descriptions.

use crate::severity::Severity;

/// What `rules/<CODE>.md` says about a rule.
#[derive(Debug)]
pub struct RuleMeta {
    /// The stable code, e.g. `TL101`.
    pub code: &'static str,
    /// The kebab-case name, e.g. `oidc-trust-missing-sub`.
    pub name: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// `inputs`, `trust`, `permissions`, `gitlab` or `cross`.
    pub domain: &'static str,
    /// One line: when the rule fires.
    pub summary: &'static str,
    /// The whole Markdown file, front matter included.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The Markdown body without the front matter.
    pub fn body(&self) -> &'static str {
        self.doc
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map_or(self.doc, |(_, body)| body.trim_start())
    }

    /// The text of one `## Section` of the body (without its heading), if present.
    pub fn section(&self, heading: &str) -> Option<&'static str> {
        let body = self.body();
        let marker = format!("## {heading}\n");
        let start = body.find(&marker)? + marker.len();
        let rest = &body[start..];
        let end = rest.find("\n## ").unwrap_or(rest.len());
        Some(rest[..end].trim())
    }
}

/// Rules are the same rule when their codes are.
impl PartialEq for RuleMeta {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for RuleMeta {}

/// The metadata of a code, if such a rule exists (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    ALL.iter()
        .copied()
        .find(|meta| meta.code.eq_ignore_ascii_case(code))
}

include!(concat!(env!("OUT_DIR"), "/rule_meta.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_doc_has_the_required_sections() {
        for meta in ALL {
            for section in ["Why", "Example", "Fix", "References"] {
                assert!(
                    meta.section(section).is_some_and(|s| !s.is_empty()),
                    "{} lacks a `## {section}` section",
                    meta.code
                );
            }
            assert!(meta
                .body()
                .starts_with(&format!("# {} {}", meta.code, meta.name)));
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(
            by_code("tl101").map(|m| m.name),
            Some("oidc-trust-missing-sub")
        );
        assert!(by_code("tl999").is_none());
    }
}
