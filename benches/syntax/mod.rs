//! The syntax pass alone, the floor the benchmarks compare against: a file through the
//! parser trustlint uses for its extension (JSON, YAML, HCL), no model, no rules. Shared
//! by `benches/corpus.rs` and `examples/walk_and_read.rs`.

use std::path::Path;

use trustlint_parser::json::parse_json;
use trustlint_parser::yaml::parse_yaml;
use trustlint_parser::{FileId, Limits};

/// Whether `text`, the text of the file at `path`, parses without error.
pub fn parses(id: FileId, path: &Path, text: &str, limits: &Limits) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => parse_json(id, text, limits).is_ok(),
        Some("yml" | "yaml") => parse_yaml(id, text, limits).is_ok(),
        Some("tf") => hcl_edit::parser::parse_body(text).is_ok(),
        _ => false,
    }
}
