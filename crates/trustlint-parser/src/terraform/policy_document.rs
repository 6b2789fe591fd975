//! `data "aws_iam_policy_document"` blocks converted into the policy JSON tree they
//! render (`Version`, `Statement` with `Sid`, `Effect`, `Principal`, `Action`,
//! `Resource`, `Condition`), every value spanned at the HCL that writes it, so the IAM
//! loader and every rule read them like any policy. `source_policy_documents` and
//! `override_policy_documents` referring to other documents of the file add their
//! statements. A `dynamic "statement"` block renders one statement per element of its
//! `for_each` when the module determines the elements (a list or object, written out or
//! through `var` defaults and `local`s), its iterator's `key`/`value` substituted. A
//! document whose `for_each` is unknown, with `dynamic` blocks inside a statement, or
//! including documents that can't be resolved, is not evaluated (`None`): its statements
//! are unknown offline.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};
use hcl_edit::Span as _;

use crate::source::Span;
use crate::terraform::eval::{Env, Resolved};
use crate::tree::{Entry, Node, Value};

/// The `Version` the provider writes when the block sets none.
const DEFAULT_VERSION: &str = "2012-10-17";

/// Deepest chain of `source_policy_documents` followed.
const MAX_NESTING: usize = 8;

/// The policy tree of an `aws_iam_policy_document` block, when the file determines it.
pub fn document_node<'a>(env: &Env<'a>, block: &'a Block, depth: usize) -> Option<Node> {
    let has_dynamic = |body: &Body| body.blocks().any(|b| b.ident.as_str() == "dynamic");
    if block
        .body
        .blocks()
        .any(|statement| has_dynamic(&statement.body))
    {
        return None;
    }
    let span = env.span(block.span());
    let ident_span = env.span(block.ident.span());
    let mut statements = Vec::new();
    statements.extend(included_statements(
        env,
        block,
        "source_policy_documents",
        depth,
    )?);
    statements.extend(
        block
            .body
            .blocks()
            .filter(|b| b.ident.as_str() == "statement")
            .map(|statement| statement_node(env, statement, depth)),
    );
    for dynamic in block
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == "dynamic")
    {
        statements.extend(dynamic_statements(env, dynamic, depth)?);
    }
    statements.extend(included_statements(
        env,
        block,
        "override_policy_documents",
        depth,
    )?);
    let version = match block.body.get_attribute("version") {
        Some(attribute) => entry(
            env.span(attribute.key.span()),
            "Version",
            env.node(&attribute.value, depth),
        ),
        None => entry(
            ident_span,
            "Version",
            Node::new(ident_span, Value::String(DEFAULT_VERSION.to_string())),
        ),
    };
    let statement = entry(
        ident_span,
        "Statement",
        Node::new(span, Value::Seq(statements)),
    );
    Some(Node::new(span, Value::Map(vec![version, statement])))
}

fn entry(key_span: Span, key: &str, value: Node) -> Entry {
    Entry {
        key: Node::new(key_span, Value::String(key.to_string())),
        value,
    }
}

/// The statements of the documents a `source_policy_documents`-like list names; `None`
/// when one of them can't be resolved in the file.
fn included_statements<'a>(
    env: &Env<'a>,
    block: &'a Block,
    attribute: &str,
    depth: usize,
) -> Option<Vec<Node>> {
    let Some(list) = block.body.get_attribute(attribute).map(|a| &a.value) else {
        return Some(Vec::new());
    };
    let Expression::Array(items) = list else {
        return None;
    };
    if depth >= MAX_NESTING {
        return None;
    }
    let mut statements = Vec::new();
    for item in items.iter() {
        let Some(Resolved::PolicyDocument(_, source)) = env.resolve(item, depth) else {
            return None;
        };
        let document = document_node(env, source, depth + 1)?;
        statements.extend(document.get("Statement")?.as_seq()?.iter().cloned());
    }
    Some(statements)
}

/// The statements a `dynamic "statement"` block renders, one per element of its
/// `for_each`; `None` when the module does not determine the elements (or the block is
/// not a statement's, or has no `content`).
fn dynamic_statements<'a>(env: &Env<'a>, dynamic: &'a Block, depth: usize) -> Option<Vec<Node>> {
    let label = dynamic.labels.first()?.as_str();
    if label != "statement" {
        return None;
    }
    let content = dynamic
        .body
        .blocks()
        .find(|b| b.ident.as_str() == "content")?;
    let iterator = match dynamic.body.get_attribute("iterator") {
        Some(attribute) => match &attribute.value {
            Expression::Variable(name) => name.as_str(),
            _ => return None,
        },
        None => label,
    };
    let elements = env.elements(&dynamic.body.get_attribute("for_each")?.value, depth)?;
    Some(
        elements
            .into_iter()
            .map(|element| env.iterating(iterator, element, || statement_node(env, content, depth)))
            .collect(),
    )
}

fn statement_node<'a>(env: &Env<'a>, block: &'a Block, depth: usize) -> Node {
    let span = env.span(block.span());
    let mut entries = Vec::new();
    for (attribute_name, key) in [
        ("sid", "Sid"),
        ("effect", "Effect"),
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(attribute) = block.body.get_attribute(attribute_name) {
            entries.push(entry(
                env.span(attribute.key.span()),
                key,
                env.node(&attribute.value, depth),
            ));
        }
    }
    if block.body.get_attribute("effect").is_none() {
        let ident_span = env.span(block.ident.span());
        entries.push(entry(
            ident_span,
            "Effect",
            Node::new(ident_span, Value::String("Allow".to_string())),
        ));
    }
    for (block_name, key) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Some(principal) = principals(env, block, block_name, depth) {
            entries.push(entry(principal.0, key, principal.1));
        }
    }
    if let Some(condition) = conditions(env, block, depth) {
        entries.push(entry(condition.0, "Condition", condition.1));
    }
    Node::new(span, Value::Map(entries))
}

/// `principals { type = T, identifiers = [...] }` blocks as one `Principal` map (blocks
/// of the same type merged), or `"*"` for `type = "*"` with `identifiers = ["*"]`.
fn principals<'a>(
    env: &Env<'a>,
    block: &'a Block,
    name: &str,
    depth: usize,
) -> Option<(Span, Node)> {
    let blocks: Vec<&Block> = block
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == name)
        .collect();
    let first = blocks.first()?;
    let key_span = env.span(first.ident.span());
    let whole = blocks
        .iter()
        .filter_map(|b| b.span())
        .reduce(|a, b| a.start.min(b.start)..a.end.max(b.end));
    let span = env.span(whole);
    let mut entries: Vec<Entry> = Vec::new();
    for principal in &blocks {
        let kind = principal
            .body
            .get_attribute("type")
            .and_then(|a| env.string_node(&a.value, depth));
        let identifiers = principal
            .body
            .get_attribute("identifiers")
            .map(|a| env.node(&a.value, depth));
        let (Some(kind), Some(identifiers)) = (kind, identifiers) else {
            continue;
        };
        if kind.as_str() == Some("*") {
            return Some((
                key_span,
                Node::new(identifiers.span, Value::String("*".into())),
            ));
        }
        match entries.iter_mut().find(|e| e.key.as_str() == kind.as_str()) {
            Some(existing) => append(&mut existing.value, identifiers),
            None => entries.push(Entry {
                key: kind,
                value: identifiers,
            }),
        }
    }
    Some((key_span, Node::new(span, Value::Map(entries))))
}

/// Appends the values of `more` (a list or one value) to the list or value `into`.
fn append(into: &mut Node, more: Node) {
    let mut items = match std::mem::replace(&mut into.value, Value::Null) {
        Value::Seq(items) => items,
        other => vec![Node::new(into.span, other)],
    };
    match more.value {
        Value::Seq(more) => items.extend(more),
        other => items.push(Node::new(more.span, other)),
    }
    into.value = Value::Seq(items);
}

/// `condition { test, variable, values }` blocks as one `Condition` map.
fn conditions<'a>(env: &Env<'a>, block: &'a Block, depth: usize) -> Option<(Span, Node)> {
    let blocks: Vec<&Block> = block
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == "condition")
        .collect();
    let first = blocks.first()?;
    let key_span = env.span(first.ident.span());
    let mut operators: Vec<Entry> = Vec::new();
    for condition in &blocks {
        let attribute = |name: &str| condition.body.get_attribute(name);
        let (Some(test), Some(variable), Some(values)) = (
            attribute("test").and_then(|a| env.string_node(&a.value, depth)),
            attribute("variable").and_then(|a| env.string_node(&a.value, depth)),
            attribute("values").map(|a| env.node(&a.value, depth)),
        ) else {
            continue;
        };
        let pair = Entry {
            key: variable,
            value: values,
        };
        match operators
            .iter_mut()
            .find(|e| e.key.as_str() == test.as_str())
        {
            Some(existing) => {
                if let Value::Map(pairs) = &mut existing.value.value {
                    // Same test and variable: the provider merges the values.
                    match pairs
                        .iter_mut()
                        .find(|p| p.key.as_str() == pair.key.as_str())
                    {
                        Some(same) => append(&mut same.value, pair.value),
                        None => pairs.push(pair),
                    }
                }
            }
            None => {
                let span = env.span(condition.span());
                operators.push(Entry {
                    key: test,
                    value: Node::new(span, Value::Map(vec![pair])),
                });
            }
        }
    }
    Some((key_span, Node::new(key_span, Value::Map(operators))))
}
