//! CloudFormation intrinsic functions inside policy values (`!Sub`, `!Ref`, `!GetAtt`,
//! `!Join`, and their long forms `{"Fn::Sub": …}`, `{"Ref": …}`): each is rendered as the
//! equivalent `Fn::Sub` text, so the model keeps one string in which what is unknown
//! offline is a `${…}` placeholder (`!Ref Provider` → `${Provider}`).

use crate::tree::{Node, Value};

/// The short names of the intrinsic functions (`Fn::NAME`, YAML tag `!NAME`).
const FUNCTIONS: &[&str] = &[
    "Sub",
    "GetAtt",
    "Join",
    "If",
    "Select",
    "Split",
    "ImportValue",
    "FindInMap",
    "Base64",
    "GetAZs",
    "Cidr",
    "Transform",
    "Length",
    "ToJsonString",
    "And",
    "Or",
    "Not",
    "Equals",
];

/// The intrinsic function a node calls and its argument: a YAML tag (`!Sub x`) or a map
/// with the single key `Ref` or `Fn::NAME`. Returns the function's short name.
pub fn intrinsic_call(node: &Node) -> Option<(&str, &Node)> {
    if let Some(tag) = node.tag.as_deref() {
        let name = tag.strip_prefix('!').unwrap_or(tag);
        let name = name.strip_prefix("Fn::").unwrap_or(name);
        if name == "Ref" || FUNCTIONS.contains(&name) {
            return Some((name, node));
        }
    }
    let [entry] = node.as_map()? else {
        return None;
    };
    let key = entry.key_str()?;
    if key == "Ref" {
        return Some(("Ref", &entry.value));
    }
    let name = key.strip_prefix("Fn::")?;
    FUNCTIONS.contains(&name).then_some((name, &entry.value))
}

/// True when the node is an intrinsic function call.
pub fn is_intrinsic(node: &Node) -> bool {
    intrinsic_call(node).is_some()
}

/// The string AWS would compare for a scalar, or an intrinsic rendered as `Fn::Sub` text;
/// `None` for null, lists and maps.
pub fn value_text(node: &Node) -> Option<String> {
    match intrinsic_call(node) {
        Some((name, argument)) => Some(render(name, argument)),
        None => node.scalar_text(),
    }
}

fn render(name: &str, argument: &Node) -> String {
    let placeholder = || format!("${{Fn::{name}}}");
    match name {
        "Sub" => match &argument.value {
            Value::String(template) => template.clone(),
            Value::Seq(items) => items
                .first()
                .and_then(Node::as_str)
                .map_or_else(placeholder, str::to_string),
            _ => placeholder(),
        },
        "Ref" => argument
            .as_str()
            .map_or_else(placeholder, |target| format!("${{{target}}}")),
        "GetAtt" => match &argument.value {
            Value::String(path) => format!("${{{path}}}"),
            Value::Seq(items) => {
                let parts: Option<Vec<&str>> = items.iter().map(Node::as_str).collect();
                parts.map_or_else(placeholder, |parts| format!("${{{}}}", parts.join(".")))
            }
            _ => placeholder(),
        },
        "Join" => {
            let Some([delimiter, parts]) = argument.as_seq() else {
                return placeholder();
            };
            let (Some(delimiter), Some(parts)) = (delimiter.as_str(), parts.as_seq()) else {
                return placeholder();
            };
            let texts: Option<Vec<String>> = parts.iter().map(value_text).collect();
            texts.map_or_else(placeholder, |texts| texts.join(delimiter))
        }
        _ => placeholder(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_json;
    use crate::{FileId, Limits};

    fn text_of(json: &str) -> Option<String> {
        let node = parse_json(FileId(0), json, &Limits::default()).unwrap();
        value_text(&node)
    }

    #[test]
    fn long_forms() {
        assert_eq!(
            text_of(r#"{"Ref": "Provider"}"#).as_deref(),
            Some("${Provider}")
        );
        assert_eq!(
            text_of(r#"{"Fn::Sub": "arn:aws:ssm:*:${AWS::AccountId}:*"}"#).as_deref(),
            Some("arn:aws:ssm:*:${AWS::AccountId}:*")
        );
        assert_eq!(
            text_of(r#"{"Fn::Sub": ["${A}:sub", {"A": "x"}]}"#).as_deref(),
            Some("${A}:sub")
        );
        assert_eq!(
            text_of(r#"{"Fn::GetAtt": ["Provider", "Arn"]}"#).as_deref(),
            Some("${Provider.Arn}")
        );
        assert_eq!(
            text_of(r#"{"Fn::Join": [":", ["arn:aws:iam:", {"Ref": "AWS::AccountId"}, "oidc-provider/gitlab.com"]]}"#)
                .as_deref(),
            Some("arn:aws:iam::${AWS::AccountId}:oidc-provider/gitlab.com")
        );
        assert_eq!(
            text_of(r#"{"Fn::If": ["C", "a", "b"]}"#).as_deref(),
            Some("${Fn::If}")
        );
    }

    #[test]
    fn tags() {
        let mut node = Node::new(Default::default(), Value::String("Provider".into()));
        node.tag = Some("!Ref".into());
        assert_eq!(value_text(&node).as_deref(), Some("${Provider}"));
        node.tag = Some("!GetAtt".into());
        node.value = Value::String("Provider.Arn".into());
        assert_eq!(value_text(&node).as_deref(), Some("${Provider.Arn}"));
        node.tag = Some("!Sub".into());
        node.value = Value::String("${Url}:sub".into());
        assert_eq!(value_text(&node).as_deref(), Some("${Url}:sub"));
    }

    #[test]
    fn plain_values() {
        assert_eq!(text_of("true").as_deref(), Some("true"));
        assert_eq!(text_of("12").as_deref(), Some("12"));
        assert_eq!(text_of(r#"{"a": 1}"#), None);
        assert_eq!(text_of(r#"{"Fn::Nope": 1}"#), None);
        assert_eq!(text_of("null"), None);
    }
}
