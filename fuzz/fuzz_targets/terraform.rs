//! Fuzz target: the HCL loader (`.tf` parsing with hcl-edit, expression evaluation,
//! embedded policy JSON in `jsonencode`, heredocs and `aws_iam_policy_document`) on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustlint_parser::terraform::load_hcl;
use trustlint_parser::{FileId, Limits};

fuzz_target!(|data: &[u8]| {
    let text = trustlint_fuzz::text(data);
    let mut problems = Vec::new();
    let _ = load_hcl(FileId(0), &text, &Limits::default(), &mut problems);
});
