//! Fuzz target: the CEL parser and evaluator of Google Cloud attribute mappings and
//! conditions on any text, the `gcloud` command reader on the same text as a script, and
//! the `gcloud` export / Config Connector reader on it as JSON.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use trustlint_parser::federation::gcp::{self, cel, export, GcpResources};
use trustlint_parser::json::parse_json;
use trustlint_parser::{FileId, Limits};

fuzz_target!(|data: &[u8]| {
    let text = trustlint_fuzz::text(data);
    if let Ok(expr) = cel::parse(&text) {
        let claims = BTreeMap::from([("sub".to_string(), cel::Val::Str("project_path:g/p".into()))]);
        let vars = BTreeMap::from([("assertion".to_string(), cel::Val::Map(claims))]);
        let _ = cel::eval(&expr, &vars);
    }
    let commands = trustlint_parser::script::commands(FileId(0), &text, 0);
    let mut out = GcpResources::default();
    gcp::read_commands(&commands, &mut out, &mut Vec::new());
    if let Ok(root) = parse_json(FileId(0), &text, &Limits::default()) {
        if export::is_export(&root) {
            let _ = export::load(&root, &text);
        }
    }
});
