//! Fuzz target: the `rules:if` expression parser on any text; what parses prints back to
//! an expression that parses to the same text again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustlint_parser::gitlab::expression::parse;

fuzz_target!(|data: &[u8]| {
    let text = trustlint_fuzz::text(data);
    if let Ok(condition) = parse(&text) {
        let shown = condition.to_string();
        let again = parse(&shown).map(|c| c.to_string());
        assert_eq!(again.as_deref(), Ok(shown.as_str()));
    }
});
