//! The registry: every rule, keyed by its stable code. It is generated (build.rs) from
//! the rule files, `src/<domain>/tlNNN_<name>.rs` each defining the rule `<Name>`, and
//! checked against `rules/<CODE>.md`: adding a rule is its file, its documentation and
//! its fixtures; no list is edited by hand.

use crate::rule::Rule;

include!(concat!(env!("OUT_DIR"), "/registry.rs"));

/// Every rule, sorted by code.
pub fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule with this code (case-insensitive).
pub fn by_code(code: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|rule| rule.meta().code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta;

    #[test]
    fn every_rule_has_metadata_and_every_metadata_a_rule() {
        let rule_codes: Vec<_> = all().iter().map(|r| r.meta().code).collect();
        let meta_codes: Vec<_> = meta::ALL.iter().map(|m| m.code).collect();
        assert_eq!(
            rule_codes, meta_codes,
            "rules and rules/*.md must match, sorted"
        );
    }

    #[test]
    fn lookup() {
        assert!(by_code("tl001").is_some());
        assert!(by_code("tl000").is_none());
    }
}
