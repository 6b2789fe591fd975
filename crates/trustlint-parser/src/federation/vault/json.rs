//! Roles and mount configurations written as JSON: the body of `vault write
//! auth/<path>/role/<name> - <<EOF` and the output of `vault read -format=json
//! auth/<path>/role/<name>` (its `data`). Vault keeps JSON types: a bool or a number in
//! `bound_claims` stays a bool or a `json.Number` (`jsonutil.DecodeJSON` uses numbers),
//! which `claims.go` never finds equal to GitLab's string claims.

use super::model::VaultResources;
use super::model::{
    Backend, BoundClaim, BoundClaims, Insertion, ListField, Origin, Role, Scalar, ScalarKind, Style,
};
use crate::source::Span;
use crate::tree::{Node, Value};

/// Whether a shell would expand something in `text` (`$X`, `${X}`, `$(…)`, `` `…` ``).
pub(super) fn expands(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.contains(&b'`')
        || bytes.windows(2).any(|w| {
            w[0] == b'$' && (w[1].is_ascii_alphanumeric() || matches!(w[1], b'_' | b'{' | b'('))
        })
}

/// A JSON scalar as Vault receives it; `expanding`: the JSON sits in a here-document
/// the shell expands, so a string with `$X` is not known.
fn scalar(node: &Node, expanding: bool) -> Option<Scalar> {
    let (text, kind) = match &node.value {
        Value::String(s) if expanding && expands(s) => (s.clone(), ScalarKind::Unknown),
        Value::String(s) => (s.clone(), ScalarKind::String),
        Value::Bool(b) => (b.to_string(), ScalarKind::Bool),
        Value::Number(n) => (n.clone(), ScalarKind::Number),
        Value::Null | Value::Seq(_) | Value::Map(_) => return None,
    };
    Some(Scalar::new(text, kind, node.span))
}

/// A string-list field (`TypeCommaStringSlice`): a list, or one string split on commas.
fn list(node: &Node, expanding: bool) -> ListField {
    let mut values = Vec::new();
    match &node.value {
        Value::Seq(items) => values.extend(items.iter().filter_map(|i| scalar(i, expanding))),
        Value::String(s) => {
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let kind = if expanding && expands(part) {
                    ScalarKind::Unknown
                } else {
                    ScalarKind::String
                };
                values.push(Scalar::new(part, kind, node.span));
            }
        }
        _ => {}
    }
    // Vault converts every element to a string.
    for value in &mut values {
        if matches!(value.kind, ScalarKind::Bool | ScalarKind::Number) {
            value.kind = ScalarKind::String;
        }
    }
    ListField {
        span: node.span,
        values,
        partial: false,
    }
}

fn bound_claims(node: &Node, expanding: bool, text: &str, base: usize) -> BoundClaims {
    let Some(entries) = node.as_map() else {
        return BoundClaims {
            span: node.span,
            claims: Vec::new(),
            // `null` clears the map; a string is not read as a map here.
            unknown: !matches!(node.value, Value::Null),
            insert_at: None,
        };
    };
    let claims = entries
        .iter()
        .filter_map(|entry| {
            let claim = scalar(&entry.key, expanding)?;
            let (values, malformed) = match &entry.value.value {
                Value::Seq(items) => {
                    let values: Vec<Scalar> =
                        items.iter().filter_map(|i| scalar(i, expanding)).collect();
                    let malformed = values.len() != items.len();
                    (values, malformed)
                }
                _ => match scalar(&entry.value, expanding) {
                    Some(value) => (vec![value], false),
                    None => (Vec::new(), true),
                },
            };
            Some(BoundClaim {
                claim,
                values,
                span: entry.value.span,
                malformed,
            })
        })
        .collect();
    BoundClaims {
        span: node.span,
        claims,
        unknown: false,
        insert_at: object_insertion(node, text, base),
    }
}

/// Where a member is added to a JSON object (after its `{`): one per line, indented like
/// its first member, or inline when that member is on the `{` line. `text` is the text
/// the object's spans index into from file offset `base`.
pub(super) fn object_insertion(object: &Node, text: &str, base: usize) -> Option<Insertion> {
    let open = (object.span.start as usize).checked_sub(base)?;
    let first = object.as_map()?.first()?;
    let key = (first.key.span.start as usize).checked_sub(base)?;
    let between = text.get(open..key)?;
    let at = Span::new(
        object.span.file,
        object.span.start as usize + 1,
        object.span.start as usize + 1,
    );
    let style = match between.rfind('\n') {
        None => Style::JsonInline,
        Some(newline) => {
            let indent = between.get(newline + 1..)?;
            if !indent.bytes().all(|b| b == b' ') {
                return None;
            }
            Style::Json {
                indent: u8::try_from(indent.len()).ok()?,
            }
        }
    };
    Some(Insertion { at, style })
}

/// A role from its JSON object; `text` is the text its spans index into from file offset
/// `base` (for the fixes' insertions).
pub(super) fn role(
    object: &Node,
    origin: Origin,
    span: Span,
    expanding: bool,
    (text, base): (&str, usize),
) -> Role {
    let field = |key: &str| object.get(key);
    let source = text;
    let text = |key: &str| field(key).and_then(|n| scalar(n, expanding));
    let mut policies: Option<ListField> = None;
    for key in ["policies", "token_policies"] {
        if let Some(node) = field(key) {
            let read = list(node, expanding);
            match &mut policies {
                Some(all) => all.values.extend(read.values),
                None => policies = Some(read),
            }
        }
    }
    let claim_mappings = field("claim_mappings")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some((scalar(&e.key, expanding)?, scalar(&e.value, expanding)?)))
        .collect();
    let insert_at = object_insertion(object, source, base);
    Role {
        span,
        origin,
        path: None,
        name: None,
        role_type: text("role_type"),
        bound_audiences: field("bound_audiences")
            .filter(|n| !matches!(n.value, Value::Null))
            .map(|n| list(n, expanding)),
        bound_subject: text("bound_subject").filter(|s| !s.text.is_empty()),
        bound_claims_type: text("bound_claims_type"),
        bound_claims: field("bound_claims").map(|n| bound_claims(n, expanding, source, base)),
        user_claim: text("user_claim"),
        user_claim_json_pointer: matches!(
            field("user_claim_json_pointer").map(|n| &n.value),
            Some(Value::Bool(true))
        ),
        claim_mappings,
        token_policies: policies,
        insert_at,
    }
}

/// A mount configuration from its JSON object.
pub(super) fn backend(object: &Node, path: Scalar, span: Span, expanding: bool) -> Backend {
    let text = |key: &str| object.get(key).and_then(|n| scalar(n, expanding));
    Backend {
        span,
        origin: Origin::Command,
        path,
        bound_issuer: text("bound_issuer").filter(|s| !s.text.is_empty()),
        oidc_discovery_url: text("oidc_discovery_url").filter(|s| !s.text.is_empty()),
        jwks_url: text("jwks_url").filter(|s| !s.text.is_empty()),
        default_role: text("default_role").filter(|s| !s.text.is_empty()),
    }
}

/// The `data` of `vault read -format=json auth/<path>/role/<name>` output.
fn read_data(root: &Node) -> Option<&Node> {
    let data = root.get("data")?;
    (data.get("role_type").is_some()
        && data.get("user_claim").is_some()
        && (data.get("bound_audiences").is_some() || data.get("bound_claims").is_some()))
    .then_some(data)
}

/// Whether a parsed JSON file is `vault read -format=json` output of a JWT role.
pub fn is_read_output(root: &Node) -> bool {
    read_data(root).is_some()
}

/// Reads `vault read -format=json auth/<path>/role/<name>` output (the role's path and
/// name are not in it) of the file `text`: no role when the JSON is not such output.
pub fn read_output(root: &Node, text: &str) -> VaultResources {
    let mut resources = VaultResources::default();
    if let Some(data) = read_data(root) {
        resources
            .roles
            .push(role(data, Origin::ReadOutput, data.span, false, (text, 0)));
    }
    resources
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;
    use crate::limits::Limits;
    use crate::source::FileId;

    fn parse(text: &str) -> Node {
        parse_json(FileId(0), text, &Limits::default()).unwrap()
    }

    #[test]
    fn bound_claims_keep_json_types_and_lists() {
        let text = r#"{"role_type": "jwt", "user_claim": "user_email", "bound_audiences": "https://a, https://b",
 "bound_claims": {"project_id": 22, "ref_protected": true, "ref": ["main", "$BRANCH"], "x": {"a": 1}}}"#;
        let root = parse(text);
        let role = role(&root, Origin::Command, root.span, true, (text, 0));
        let claims = &role.bound_claims.as_ref().unwrap().claims;
        assert_eq!(claims[0].values[0].kind, ScalarKind::Number);
        assert_eq!(claims[1].values[0].kind, ScalarKind::Bool);
        assert_eq!(claims[2].values[1].kind, ScalarKind::Unknown);
        assert!(claims[3].malformed);
        let audiences: Vec<&str> = role
            .bound_audiences
            .as_ref()
            .unwrap()
            .values
            .iter()
            .map(|v| v.text.as_str())
            .collect();
        assert_eq!(audiences, ["https://a", "https://b"]);
        assert_eq!(&text[claims[1].values[0].span.range()], "true");
        assert_eq!(role.insert_at.unwrap().style, Style::JsonInline);
    }

    #[test]
    fn read_output_is_recognised() {
        let text = "{\n  \"data\": {\n    \"bound_audiences\": [\"https://vault\"],\n    \"bound_claims\": {\"project_id\": [\"22\"]},\n    \"role_type\": \"jwt\",\n    \"user_claim\": \"user_email\"\n  }\n}\n";
        let root = parse(text);
        assert!(is_read_output(&root));
        let resources = read_output(&root, text);
        let role = &resources.roles[0];
        assert_eq!(role.insert_at.unwrap().style, Style::Json { indent: 4 });
        assert!(!is_read_output(&parse(
            "{\"data\": {\"role_type\": \"jwt\"}}"
        )));
    }
}
