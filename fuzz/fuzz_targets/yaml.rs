//! Fuzz target: the YAML loader (aliases, merge keys, tags, limits) on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustlint_parser::yaml::parse_yaml;
use trustlint_parser::{FileId, Limits};

fuzz_target!(|data: &[u8]| {
    let text = trustlint_fuzz::text(data);
    let _ = parse_yaml(FileId(0), &text, &Limits::default());
});
