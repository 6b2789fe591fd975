//! Fuzz target: the Vault readers on any text — a shell script's `vault write
//! auth/…/role/…` JSON here-documents and `key=value` arguments, `vault policy write`
//! HCL, logins inside `$(…)` — and the same text as `vault read -format=json` output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trustlint_parser::federation::vault::{read_commands, read_output, VaultResources};
use trustlint_parser::script::commands;
use trustlint_parser::{FileId, Limits, SourceFile};

fuzz_target!(|data: &[u8]| {
    let text = trustlint_fuzz::text(data);
    let mut out = VaultResources::default();
    let mut problems = Vec::new();
    read_commands(&commands(FileId(0), &text, 0), &mut out, &mut problems);
    if let Ok(root) = trustlint_parser::json::parse_json(FileId(0), &text, &Limits::default()) {
        let file = SourceFile::new(FileId(0), "role.json".into(), text.as_str());
        let _ = read_output(&file, &root);
    }
});
