//! Fuzz target: the strict JSON loader on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustlint_parser::json::parse_json;
use trustlint_parser::{FileId, Limits};

fuzz_target!(|data: &[u8]| {
    let text = trustlint_fuzz::text(data);
    let _ = parse_json(FileId(0), &text, &Limits::default());
});
