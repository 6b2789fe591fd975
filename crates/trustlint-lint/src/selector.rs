//! Rule selectors, as `--select`/`--ignore`, `[rules] select`/`ignore`, `[[ignore]] codes`
//! and `explain` take them: a code (`TL101`), a code prefix (`TL1`, `TL40`) or a rule name
//! (`oidc-trust-missing-sub`), all case-insensitive.

use trustlint_parser::suggest::did_you_mean;
use trustlint_rules::meta::{self, RuleMeta};

/// The codes a selector matches; an error (with a "did you mean") when it matches no
/// rule.
pub fn codes(selector: &str) -> Result<Vec<&'static str>, String> {
    let upper = selector.to_ascii_uppercase();
    if is_code_prefix(&upper) {
        let matched: Vec<&'static str> = meta::ALL
            .iter()
            .map(|rule| rule.code)
            .filter(|code| code.starts_with(&upper))
            .collect();
        if !matched.is_empty() {
            return Ok(matched);
        }
    } else if let Some(rule) = by_name(selector) {
        return Ok(vec![rule.code]);
    }
    Err(unknown(selector))
}

/// The rule a code or a rule name names (not a prefix: `explain` shows one rule).
pub fn rule(code_or_name: &str) -> Result<&'static RuleMeta, String> {
    meta::by_code(code_or_name)
        .or_else(|| by_name(code_or_name))
        .ok_or_else(|| unknown(code_or_name))
}

/// `TL` and up to three digits: the form of a code or of its prefix.
fn is_code_prefix(upper: &str) -> bool {
    upper
        .strip_prefix("TL")
        .is_some_and(|digits| digits.len() <= 3 && digits.bytes().all(|byte| byte.is_ascii_digit()))
}

fn by_name(name: &str) -> Option<&'static RuleMeta> {
    meta::ALL
        .iter()
        .copied()
        .find(|rule| rule.name.eq_ignore_ascii_case(name))
}

fn unknown(selector: &str) -> String {
    let known: Vec<&str> = meta::ALL
        .iter()
        .flat_map(|rule| [rule.code, rule.name])
        .collect();
    match did_you_mean(selector, &known) {
        Some(near) => format!("unknown rule `{selector}` (did you mean `{near}`?)"),
        None => format!("unknown rule `{selector}` (`trustlint rules` lists codes and names)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_prefixes_and_names_select_rules() {
        assert_eq!(codes("tl101"), Ok(vec!["TL101"]));
        assert_eq!(codes("oidc-trust-missing-sub"), Ok(vec!["TL101"]));
        let trust = codes("TL1").unwrap_or_default();
        assert!(trust.len() > 10 && trust.iter().all(|code| code.starts_with("TL1")));
        assert!(codes("TL40")
            .unwrap_or_default()
            .iter()
            .all(|code| code.starts_with("TL40")));
        assert_eq!(codes("TL").map(|c| c.len()), Ok(meta::ALL.len()));
    }

    #[test]
    fn unknown_selectors_are_errors_with_a_hint() {
        assert_eq!(
            codes("oidc-trust-missing-su"),
            Err(
                "unknown rule `oidc-trust-missing-su` (did you mean `oidc-trust-missing-sub`?)"
                    .into()
            )
        );
        for selector in ["TL9", "TL999", "TL1010", "T", "nonsense-rule-name"] {
            assert!(codes(selector).is_err(), "{selector}");
        }
        assert!(rule("TL1").is_err(), "explain names one rule");
        assert_eq!(rule("OIDC-trust-missing-sub").map(|r| r.code), Ok("TL101"));
    }
}
