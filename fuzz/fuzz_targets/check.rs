//! Fuzz target: the whole check of one file, as a detected policy, a forced policy, a
//! GitLab CI file and a Terraform file: loading, every registered rule, and the human and
//! JSON reports.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    trustlint_fuzz::check_all_ways(&trustlint_fuzz::text(data));
});
