//! The Entra flexible-credential expression parser never panics, and the ranges it
//! gives fall inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustlint_parser::federation::azure::expression::parse;

fuzz_target!(|data: &[u8]| {
    let text = trustlint_fuzz::text(data);
    let text = text.as_str();
    match parse(text) {
        Ok(expression) => {
            for clause in &expression.clauses {
                assert!(text.get(clause.at.clone()).is_some());
                assert!(text.get(clause.comparand_at.clone()).is_some());
                assert!(clause.admits(&clause.comparand) || clause.comparand.contains(['*', '?']));
            }
        }
        Err(error) => assert!(text.get(error.at.clone()).is_some()),
    }
});
