//! Rule metadata embedded at build time from `rules/<CODE>.md`: one `RuleMeta` static per
//! code (e.g. `meta::TL101`) and [`ALL`], the single source for `trustlint rules`,
//! `trustlint explain` and every report's rule descriptions.

use crate::finding::Severity;

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

/// The metadata of a code, if such a rule exists (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static RuleMeta> {
    ALL.iter()
        .copied()
        .find(|meta| meta.code.eq_ignore_ascii_case(code))
}

/// Numbers of the rule-catalog codes (`TLnnn`, `RULES.md`) not implemented yet. Configurations may name
/// them already (CONTRACT.md's example ignores TL113), so they are accepted and match
/// nothing until the rule exists; a code leaves this list when its rule lands.
pub const PLANNED: &[u16] = &[];

/// Whether a code is in the catalog but has no rule yet.
pub fn is_planned(code: &str) -> bool {
    let number = code
        .get(..2)
        .filter(|prefix| prefix.eq_ignore_ascii_case("TL"))
        .and_then(|_| code.get(2..))
        .filter(|digits| digits.len() == 3)
        .and_then(|digits| digits.parse::<u16>().ok());
    number.is_some_and(|n| PLANNED.contains(&n))
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
    fn planned_codes_have_no_rule_yet() {
        for number in PLANNED {
            let code = format!("TL{number}");
            assert!(
                by_code(&code).is_none(),
                "{code} is implemented: remove it from PLANNED"
            );
            assert!(is_planned(&code));
        }
        assert!(!is_planned("TL1130") && !is_planned("XX113"));
        assert!(PLANNED.iter().all(|n| is_planned(&format!("tl{n}"))) && !is_planned("TL101"));
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
