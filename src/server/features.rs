//! Code actions (each finding's fix, an inline suppression) and hover on a rule code.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Hover, HoverContents,
    HoverParams, MarkupContent, MarkupKind, NumberOrString, Range, Uri, WorkspaceEdit,
};
use serde_json::Value;
use trustlint_lint::selector;

use super::convert::{offset, position, uri_to_path, Item};
use super::Buffer;

/// What the features read: the open buffers, the texts the last run read, its findings.
#[derive(Debug)]
pub struct View<'a> {
    pub buffers: &'a HashMap<PathBuf, Buffer>,
    pub texts: &'a HashMap<PathBuf, Arc<str>>,
    pub published: &'a HashMap<PathBuf, Arc<[Item]>>,
}

impl View<'_> {
    /// The text of a file as the editor has it now.
    fn current(&self, path: &PathBuf) -> Option<&str> {
        match self.buffers.get(path) {
            Some(buffer) => Some(&buffer.text),
            None => self.texts.get(path).map(|text| &**text),
        }
    }

    /// Whether the file is as the last run read it, so that its findings' places and
    /// edits still hold.
    fn unchanged(&self, uri: &Uri) -> bool {
        let Some(path) = uri_to_path(uri) else {
            return false;
        };
        match (self.buffers.get(&path), self.texts.get(&path)) {
            (Some(buffer), Some(read)) => buffer.text == **read,
            (None, Some(_)) => true,
            (_, None) => false,
        }
    }
}

fn overlaps(a: Range, b: Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The quick fixes for the findings at the range: each finding's fix (preferred when
/// safe), and its inline suppression. None while the file has changed since the findings
/// were computed (their edits would land in the wrong place).
pub fn code_actions(view: View<'_>, params: &CodeActionParams) -> Value {
    let wants_quickfix = params.context.only.as_ref().is_none_or(|only| {
        only.iter()
            .any(|kind| CodeActionKind::QUICKFIX.as_str().starts_with(kind.as_str()))
    });
    let uri = &params.text_document.uri;
    let items = uri_to_path(uri).and_then(|path| view.published.get(&path));
    let (Some(items), true) = (items, wants_quickfix && view.unchanged(uri)) else {
        return Value::Array(Vec::new());
    };
    let mut actions = Vec::new();
    let mut suppressions = Vec::new();
    for item in items
        .iter()
        .filter(|item| overlaps(item.diagnostic.range, params.range))
    {
        if let Some(fix) = &item.fix {
            if fix.changes.keys().all(|uri| view.unchanged(uri)) {
                actions.push(CodeAction {
                    title: fix.title.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![item.diagnostic.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(fix.changes.clone()),
                        ..WorkspaceEdit::default()
                    }),
                    is_preferred: Some(fix.safe),
                    ..CodeAction::default()
                });
            }
        }
        if let (Some(edit), Some(NumberOrString::String(code))) =
            (&item.suppression, &item.diagnostic.code)
        {
            let key = (edit.range, code.clone());
            if suppressions.contains(&key) {
                continue;
            }
            suppressions.push(key);
            actions.push(CodeAction {
                title: format!("{code}: silence on this line (# trustlint: ignore[{code}])"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![item.diagnostic.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit.clone()])])),
                    ..WorkspaceEdit::default()
                }),
                ..CodeAction::default()
            });
        }
    }
    let actions: Vec<CodeActionOrCommand> = actions
        .into_iter()
        .map(CodeActionOrCommand::CodeAction)
        .collect();
    serde_json::to_value(actions).unwrap_or(Value::Null)
}

/// The documentation of the rule whose code or name is under the cursor (in a
/// suppression comment, a `trustlint.toml`, anywhere).
pub fn hover(view: View<'_>, params: &HoverParams) -> Value {
    let place = &params.text_document_position_params;
    let text = uri_to_path(&place.text_document.uri)
        .and_then(|path| view.current(&path).map(str::to_string));
    let Some(text) = text else {
        return Value::Null;
    };
    let at = offset(&text, place.position);
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let start = text
        .get(..at)
        .and_then(|before| before.rfind(|c: char| !is_word(c)).map(|i| i + 1))
        .unwrap_or(0);
    let end = text
        .get(at..)
        .and_then(|after| after.find(|c: char| !is_word(c)).map(|i| at + i))
        .unwrap_or(text.len());
    let Some(word) = text.get(start..end).filter(|word| !word.is_empty()) else {
        return Value::Null;
    };
    // Codes are case-insensitive in suppression comments.
    let rule = selector::rule(word).or_else(|_| selector::rule(&word.to_ascii_uppercase()));
    let Ok(rule) = rule else {
        return Value::Null;
    };
    let page = trustlint_report::rule_page(rule);
    // The page's first line is a comment for the docs folder's readers.
    let page = page
        .strip_prefix("<!--")
        .and_then(|rest| rest.split_once('\n'))
        .map_or(page.as_str(), |(_, rest)| rest);
    let hover = Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: page.to_string(),
        }),
        range: Some(Range::new(position(&text, start), position(&text, end))),
    };
    serde_json::to_value(hover).unwrap_or(Value::Null)
}
