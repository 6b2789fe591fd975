//! Fuzz target: JSON loading followed by the IAM policy model (statements, principals,
//! conditions, ARNs, intrinsic functions).
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustlint_parser::iam::load_policy;
use trustlint_parser::json::parse_json;
use trustlint_parser::{FileId, Limits};

fuzz_target!(|data: &[u8]| {
    let text = trustlint_fuzz::text(data);
    if let Ok(root) = parse_json(FileId(0), &text, &Limits::default()) {
        let mut problems = Vec::new();
        let _ = load_policy(&root, &mut problems);
    }
});
