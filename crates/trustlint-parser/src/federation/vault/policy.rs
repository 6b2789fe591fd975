//! Vault ACL policy text (HCL): its `path "<glob>" { capabilities = [...] }` rules, each
//! value spanned in the file through an [`OffsetMap`] (a here-document maps byte for
//! byte; a Terraform template maps its literal parts and points interpolations at their
//! `${…}`).

use hcl_edit::expr::Expression;
use hcl_edit::structure::{BlockLabel, Structure};
use hcl_edit::Span as _;

use super::model::{PolicyRule, Scalar};
use crate::embedded::OffsetMap;
use crate::source::Span;

/// Deepest bracket nesting a policy text may have before it is parsed (the HCL parser
/// recurses on nesting).
const MAX_NESTING: usize = 64;

/// The capabilities that change data or configuration.
pub const WRITE_CAPABILITIES: &[&str] = &["create", "update", "patch", "delete", "sudo"];

fn too_deep(text: &str) -> bool {
    let mut depth = 0usize;
    for b in text.bytes() {
        match b {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return true;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The rules of a policy text; `None` when it is not HCL the parser reads (JSON
/// policies, syntax errors, nesting over the bound).
pub fn rules(text: &str, map: &OffsetMap, file: crate::source::FileId) -> Option<Vec<PolicyRule>> {
    if too_deep(text) {
        return None;
    }
    // Placeholders of values the file does not determine (`${var.x}`) would be read as
    // HCL templates, which a block label can't be: hidden behind a marker of the same
    // length while parsing.
    let placeholders = text.contains("${");
    let masked = text.replace("${", "@{");
    let body = hcl_edit::parser::parse_body(&masked).ok()?;
    let unmask = |s: &str| {
        if placeholders {
            s.replace("@{", "${")
        } else {
            s.to_owned()
        }
    };
    let span = |range: Option<std::ops::Range<usize>>| match range {
        Some(range) => map.span(Span::new(file, range.start, range.end)),
        None => map.span(Span::new(file, 0, 0)),
    };
    let mut out = Vec::new();
    for structure in body.iter() {
        let Structure::Block(block) = structure else {
            continue;
        };
        if block.ident.as_str() != "path" {
            continue;
        }
        let Some(BlockLabel::String(label)) = block.labels.first() else {
            continue;
        };
        let path = Scalar::string(unmask(label.as_str()), span(label.span()));
        let capabilities = block
            .body
            .get_attribute("capabilities")
            .and_then(|a| match &a.value {
                Expression::Array(items) => Some(
                    items
                        .iter()
                        .filter_map(|item| match item {
                            Expression::String(s) => {
                                Some(Scalar::string(s.value().as_str(), span(item.span())))
                            }
                            _ => None,
                        })
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default();
        out.push(PolicyRule {
            path,
            capabilities,
            span: span(block.span()),
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn reads_paths_and_capabilities_with_spans() {
        let text = "# c\npath \"secret/data/app/*\" {\n  capabilities = [ \"read\", \"list\" ]\n}\npath \"sys/mounts\" { capabilities = [\"sudo\"] }\n";
        let map = OffsetMap::builder(Span::new(FileId(0), 10, 10 + text.len()));
        let mut map = map;
        map.verbatim(text.len(), 10);
        let map = map.finish(10 + text.len());
        let read = rules(text, &map, FileId(0)).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].path.text, "secret/data/app/*");
        let caps: Vec<&str> = read[0]
            .capabilities
            .iter()
            .map(|c| c.text.as_str())
            .collect();
        assert_eq!(caps, ["read", "list"]);
        let r = read[0].capabilities[1].span.range();
        assert_eq!(&text[r.start - 10..r.end - 10], "\"list\"");
        assert!(rules("path {", &map, FileId(0)).is_none());
        assert!(rules(&"[".repeat(100), &map, FileId(0)).is_none());
    }
}
