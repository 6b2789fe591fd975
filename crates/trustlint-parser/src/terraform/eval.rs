//! A small evaluator for the Terraform expressions IAM configurations use, working on
//! the hcl-edit syntax tree so every value keeps its span: literals, string templates and
//! heredocs, `var.x` defaults and `local.x` of the module, references to OIDC
//! providers and roles, and `format`, `replace`, `trimprefix`, `trimsuffix`, `lower`.
//! Whatever can't be evaluated offline is rendered as `${…}` text (its source), which the
//! rules treat as a placeholder: `count.index`, `each.key`/`each.value` (a resource with
//! `count` or `for_each` is read as one resource whose index values stay symbolic, and
//! `join("", X[*].attr)` / `one(X[*].attr)` as `X.attr`) and
//! templates with `%{ }` directives.
//!
//! A module is several files parsed as one text ([`Module`]), evaluated from the file
//! being loaded; [`Env::span`] maps offsets back to the file each value is written in.

use std::cell::{Cell, RefCell};

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::Block;
use hcl_edit::template::{Element, Template};
use hcl_edit::Span as _;

use crate::embedded::OffsetMap;
use crate::source::{FileId, Span};
use crate::terraform::gcp_refs::{self, GcpRef};
use crate::terraform::module::Module;
use crate::tree::{Entry, Node, Value};

/// Deepest chain of references followed (`local.a` → `var.b` → …).
const MAX_DEPTH: usize = 16;

/// Evaluation work one module may cost, in bytes produced plus [`EXPRESSION_WORK`] per
/// expression visited: this much, plus [`WORK_PER_SOURCE_BYTE`] per byte of the module's
/// text. References fan out (`l2 = "${local.l1}${local.l1}"`, `replace` growing a string),
/// so without a bound a small file expands exponentially; once it is spent, values are
/// left as their `${…}` placeholders.
const BASE_WORK: usize = 4 * 1024 * 1024;
const WORK_PER_SOURCE_BYTE: usize = 16;
const EXPRESSION_WORK: usize = 16;

/// What a reference stands for.
#[derive(Debug)]
pub enum Resolved<'a> {
    /// Another expression of the file (a variable default, a local value).
    Expr(&'a Expression),
    /// A value computed from the file (a provider ARN, a role name).
    Text(String),
    /// `data.aws_iam_policy_document.NAME.json`.
    PolicyDocument(&'a str, &'a Block),
}

/// A module seen from one of its files (the file being loaded): references resolve to
/// that file's own declarations first (a name declared twice, invalid Terraform or
/// unrelated files sharing a folder, resolves to its own), then to the module's.
#[derive(Debug)]
pub struct Env<'a> {
    /// The file being loaded.
    pub file: FileId,
    /// The module text: its files joined.
    pub text: &'a str,
    module: &'a Module,
    /// Evaluation work allowed, and left (see [`BASE_WORK`]).
    budget: usize,
    work_left: Cell<usize>,
    /// The iterators of the `dynamic` blocks being expanded: name, and the key and value
    /// of the element at hand.
    iterators: RefCell<Vec<(&'a str, Iteration<'a>)>>,
}

/// One element of a `dynamic` block's `for_each`: its key (the index of a list element)
/// and its value.
#[derive(Clone, Debug)]
pub struct Iteration<'a> {
    pub key: String,
    pub value: &'a Expression,
}

impl<'a> Env<'a> {
    /// `module` as `file` (one of its files) reads it.
    pub fn new(module: &'a Module, file: FileId) -> Self {
        let text = module.text();
        let budget = BASE_WORK.saturating_add(text.len().saturating_mul(WORK_PER_SOURCE_BYTE));
        Env {
            file,
            text,
            module,
            budget,
            work_left: Cell::new(budget),
            iterators: RefCell::new(Vec::new()),
        }
    }

    /// The module the loaded file belongs to.
    pub fn module(&self) -> &'a Module {
        self.module
    }

    /// The file span of an hcl-edit span: in the file of the module it falls in (the
    /// start of the loaded file when unknown).
    pub fn span(&self, range: Option<std::ops::Range<usize>>) -> Span {
        match range {
            Some(range) => self.module.span(range, self.file),
            None => Span::new(self.file, 0, 0),
        }
    }

    /// Whether a module offset falls in the loaded file.
    pub fn in_loaded_file(&self, range: Option<std::ops::Range<usize>>) -> bool {
        range
            .and_then(|range| self.module.segment_at(range.start))
            .is_some_and(|segment| segment.file == self.file)
    }

    /// The text of one file of the module.
    pub fn file_text(&self, file: FileId) -> &'a str {
        self.module.file_text(file)
    }

    pub fn resource(&self, kind: &str, name: &str) -> Option<&'a Block> {
        self.module.resource(kind, name, self.file)
    }

    /// Charges `work` to the evaluation budget; `false` once it is spent.
    fn spend(&self, work: usize) -> bool {
        let left = self.work_left.get();
        self.work_left.set(left.saturating_sub(work));
        left >= work
    }

    /// Whether the evaluation budget ran out (some values were left as placeholders).
    pub fn exhausted(&self) -> bool {
        self.work_left.get() == 0
    }

    /// Runs `f` on a budget of its own (for the sibling files' resources), leaving the
    /// loaded file's budget, and [`Env::exhausted`], as they were.
    pub fn apart<T>(&self, f: impl FnOnce() -> T) -> T {
        let saved = self.work_left.replace(self.budget);
        let out = f();
        self.work_left.set(saved);
        out
    }

    /// The expression's source text as a placeholder: `${var.x}`.
    fn symbol(&self, expr: &Expression) -> String {
        let source = expr
            .span()
            .and_then(|range| self.text.get(range))
            .unwrap_or("?")
            .trim();
        let source = source
            .strip_prefix("${")
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(source);
        format!("${{{source}}}")
    }

    /// The reference path of a traversal (`var.x`, `aws_iam_role.r[0].name`), indexes
    /// and splats skipped.
    pub(crate) fn path(expr: &'a Expression) -> Option<Vec<&'a str>> {
        let traversal = match expr {
            Expression::Traversal(traversal) => traversal,
            Expression::Variable(name) => return Some(vec![name.as_str()]),
            _ => return None,
        };
        let Expression::Variable(root) = &traversal.expr else {
            return None;
        };
        let mut path = vec![root.as_str()];
        for operator in &traversal.operators {
            if let TraversalOperator::GetAttr(name) = operator.value() {
                path.push(name.as_str());
            }
        }
        Some(path)
    }

    /// The elements of a `for_each` the module determines: a list (keys are indexes) or
    /// an object, written out or through `var` defaults and `local`s; `None` otherwise.
    pub fn elements(&self, expr: &'a Expression, depth: usize) -> Option<Vec<Iteration<'a>>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match expr {
            Expression::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(index, value)| Iteration {
                        key: index.to_string(),
                        value,
                    })
                    .collect(),
            ),
            Expression::Object(object) => object
                .iter()
                .map(|(key, value)| {
                    let key = match key {
                        ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
                        ObjectKey::Expression(expr) => self.render(expr, depth + 1),
                    }?;
                    Some(Iteration {
                        key,
                        value: value.expr(),
                    })
                })
                .collect(),
            Expression::Parenthesis(inner) => self.elements(inner.inner(), depth + 1),
            _ => match self.resolve(expr, depth)? {
                Resolved::Expr(target) => self.elements(target, depth + 1),
                _ => None,
            },
        }
    }

    /// Runs `f` with the iterator `name` standing for `element` (`name.key`,
    /// `name.value`, `name.value.attribute`).
    pub fn iterating<T>(&self, name: &'a str, element: Iteration<'a>, f: impl FnOnce() -> T) -> T {
        self.iterators.borrow_mut().push((name, element));
        let result = f();
        self.iterators.borrow_mut().pop();
        result
    }

    /// What `path` names through a `dynamic` block's iterator, when it starts with one.
    fn through_iterator(&self, path: &[&'a str]) -> Option<Resolved<'a>> {
        let (root, rest) = path.split_first()?;
        let iterators = self.iterators.borrow();
        let (_, element) = iterators.iter().rev().find(|(name, _)| name == root)?;
        match rest {
            ["key"] => Some(Resolved::Text(element.key.clone())),
            ["value"] => Some(Resolved::Expr(element.value)),
            ["value", attribute] => match element.value {
                Expression::Object(object) => object
                    .iter()
                    .find(|(key, _)| matches!(key, ObjectKey::Ident(ident) if ident.as_str() == *attribute))
                    .map(|(_, value)| Resolved::Expr(value.expr())),
                _ => None,
            },
            _ => None,
        }
    }

    /// What a reference expression stands for, when the file determines it.
    pub fn resolve(&self, expr: &'a Expression, depth: usize) -> Option<Resolved<'a>> {
        let path = Self::path(expr)?;
        if let Some(resolved) = self.through_iterator(&path) {
            return Some(resolved);
        }
        match path.as_slice() {
            ["var", name] => self.module.variable(name, self.file).map(Resolved::Expr),
            ["local", name] => self.module.local(name, self.file).map(Resolved::Expr),
            ["data", "aws_iam_policy_document", name, "json" | "minified_json"] => self
                .module
                .data("aws_iam_policy_document", name, self.file)
                .map(|(name, block)| Resolved::PolicyDocument(name, block)),
            ["aws_iam_openid_connect_provider", name, "arn" | "id"] => {
                let block = self.resource("aws_iam_openid_connect_provider", name)?;
                self.provider_arn(block, depth + 1).map(Resolved::Text)
            }
            ["aws_iam_openid_connect_provider", name, "url"] => {
                let block = self.resource("aws_iam_openid_connect_provider", name)?;
                self.provider_host_path(block, depth + 1)
                    .map(Resolved::Text)
            }
            ["aws_iam_role", name, "name" | "id"] => {
                let block = self.resource("aws_iam_role", name)?;
                match block.body.get_attribute("name") {
                    Some(attribute) => Some(Resolved::Expr(&attribute.value)),
                    None => Some(Resolved::Text((*name).to_string())),
                }
            }
            [kind, name, attribute] if kind.starts_with("google_") => {
                let block = self.resource(kind, name)?;
                let render = |expr: &'a Expression| self.render(expr, depth + 1);
                match gcp_refs::resolve(block, kind, name, attribute, &render)? {
                    GcpRef::Expr(expr) => Some(Resolved::Expr(expr)),
                    GcpRef::Text(text) => Some(Resolved::Text(text)),
                }
            }
            _ => None,
        }
    }

    /// The ARN of an `aws_iam_openid_connect_provider` block, from its `url` (account
    /// and partition stay placeholders).
    pub fn provider_arn(&self, block: &'a Block, depth: usize) -> Option<String> {
        let host = self.provider_host_path(block, depth)?;
        Some(format!(
            "arn:${{partition}}:iam::${{account_id}}:oidc-provider/{host}"
        ))
    }

    /// The `url` attribute of an `aws_iam_openid_connect_provider` block as the provider
    /// exports it: IAM stores the URL without its `https://` scheme (`gitlab.com`), so
    /// `"${aws_iam_openid_connect_provider.X.url}:sub"` is the key `gitlab.com:sub`.
    pub fn provider_host_path(&self, block: &'a Block, depth: usize) -> Option<String> {
        let url = self.render(&block.body.get_attribute("url")?.value, depth)?;
        let host = url
            .get(..8)
            .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
            .map_or(url.as_str(), |_| &url[8..]);
        Some(host.to_string())
    }

    /// The string value of a scalar expression, unknown parts as `${…}`; `None` for
    /// lists, objects and `null`.
    pub fn render(&self, expr: &'a Expression, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH || !self.spend(EXPRESSION_WORK) {
            return Some(self.symbol(expr));
        }
        let text = self.render_value(expr, depth)?;
        Some(if self.spend(text.len()) {
            text
        } else {
            self.symbol(expr)
        })
    }

    fn render_value(&self, expr: &'a Expression, depth: usize) -> Option<String> {
        match expr {
            Expression::Null(_) | Expression::Array(_) | Expression::Object(_) => None,
            Expression::Bool(b) => Some(b.value().to_string()),
            Expression::Number(n) => Some(n.value().to_string()),
            Expression::String(s) => Some(s.value().clone()),
            Expression::StringTemplate(template) => self.template_text(template, depth),
            Expression::HeredocTemplate(heredoc) => self.template_text(&heredoc.template, depth),
            Expression::Parenthesis(inner) => self.render(inner.inner(), depth),
            Expression::Traversal(_) | Expression::Variable(_) => {
                Some(match self.resolve(expr, depth) {
                    Some(Resolved::Expr(target)) => self
                        .render(target, depth + 1)
                        .unwrap_or_else(|| self.symbol(expr)),
                    Some(Resolved::Text(text)) => text,
                    Some(Resolved::PolicyDocument(..)) | None => self.symbol(expr),
                })
            }
            Expression::FuncCall(call) => Some(match self.single_of(expr) {
                Some(splat) => self
                    .render(splat, depth + 1)
                    .unwrap_or_else(|| self.symbol(expr)),
                None => self.call(call, depth).unwrap_or_else(|| self.symbol(expr)),
            }),
            _ => Some(self.symbol(expr)),
        }
    }

    /// The splat a `join("", X[*].attr)` or `one(X[*].attr)` call picks its value from:
    /// the idiom for a resource with `count`, read as one resource.
    pub fn single_of(&self, expr: &'a Expression) -> Option<&'a Expression> {
        let Expression::FuncCall(call) = expr else {
            return None;
        };
        if !call.name.namespace.is_empty() {
            return None;
        }
        let args: Vec<&Expression> = call.args.iter().collect();
        let splat = match (call.name.name.as_str(), args.as_slice()) {
            ("join", [separator, splat]) if self.render(separator, 0).as_deref() == Some("") => {
                splat
            }
            ("one", [splat]) => splat,
            _ => return None,
        };
        let Expression::Traversal(traversal) = splat else {
            return None;
        };
        traversal
            .operators
            .iter()
            .any(|op| {
                matches!(
                    op.value(),
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)
                )
            })
            .then_some(*splat)
    }

    fn call(&self, call: &'a hcl_edit::expr::FuncCall, depth: usize) -> Option<String> {
        if !call.name.namespace.is_empty() {
            return None;
        }
        let args: Vec<&Expression> = call.args.iter().collect();
        let text = |index: usize| args.get(index).and_then(|arg| self.render(arg, depth + 1));
        match (call.name.name.as_str(), args.len()) {
            ("format", n) if n >= 1 => {
                let mut rest = (1..n).map(text);
                let spec = text(0)?;
                let mut out = String::new();
                let mut chars = spec.chars();
                while let Some(c) = chars.next() {
                    if c != '%' {
                        out.push(c);
                        continue;
                    }
                    match chars.next()? {
                        '%' => out.push('%'),
                        's' | 'd' | 'v' => out.push_str(&rest.next()??),
                        _ => return None,
                    }
                }
                Some(out)
            }
            ("replace", 3) => {
                let (s, from, to) = (text(0)?, text(1)?, text(2)?);
                // A `/regex/` pattern is not evaluated; nor is a result over the budget.
                let grown = s.matches(from.as_str()).count().saturating_mul(to.len());
                (!(from.len() > 1 && from.starts_with('/') && from.ends_with('/'))
                    && self.spend(grown))
                .then(|| s.replace(&from, &to))
            }
            ("trimprefix", 2) => {
                let (s, prefix) = (text(0)?, text(1)?);
                Some(s.strip_prefix(&prefix).unwrap_or(&s).to_string())
            }
            ("trimsuffix", 2) => {
                let (s, suffix) = (text(0)?, text(1)?);
                Some(s.strip_suffix(&suffix).unwrap_or(&s).to_string())
            }
            ("lower", 1) => Some(text(0)?.to_lowercase()),
            _ => None,
        }
    }

    fn template_text(&self, template: &'a Template, depth: usize) -> Option<String> {
        self.template_with_map(template, Span::new(self.file, 0, 0), depth)
            .map(|(text, _)| text)
    }

    /// The text of a template and its offset map into the file: literal parts map
    /// byte by byte, interpolations to their whole `${…}`. `None` with directives.
    pub fn template_with_map(
        &self,
        template: &'a Template,
        literal: Span,
        depth: usize,
    ) -> Option<(String, OffsetMap)> {
        let mut text = String::new();
        let mut map = OffsetMap::builder(literal);
        let mut end = literal.end as usize;
        for element in template.iter() {
            match element {
                Element::Literal(part) => {
                    let value = part.value();
                    let span = self.span(part.span());
                    let raw = part
                        .span()
                        .and_then(|range| self.text.get(range))
                        .unwrap_or_default();
                    if raw == value {
                        map.verbatim(value.len(), span.start as usize);
                    } else if map.lines(value, raw, span.start as usize).is_none() {
                        map.produced_by(value.len(), span);
                    }
                    text.push_str(value);
                    end = span.end as usize;
                }
                Element::Interpolation(interpolation) => {
                    let value = self
                        .render(&interpolation.expr, depth + 1)
                        .unwrap_or_else(|| self.symbol(&interpolation.expr));
                    let span = self.span(interpolation.span());
                    map.produced_by(value.len(), span);
                    text.push_str(&value);
                    end = span.end as usize;
                }
                Element::Directive(_) => return None,
            }
        }
        Some((text, map.finish(end)))
    }

    /// The value tree of an expression (for `jsonencode({...})` and policy document
    /// attributes), spans at the HCL that wrote each value.
    pub fn node(&self, expr: &'a Expression, depth: usize) -> Node {
        let span = self.span(expr.span());
        if !self.spend(EXPRESSION_WORK) {
            return Node::new(span, Value::String(self.symbol(expr)));
        }
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.value().to_string()),
            Expression::Array(items) => Value::Seq(
                items
                    .iter()
                    .map(|item| self.node(item, depth + 1))
                    .collect(),
            ),
            Expression::Object(object) => Value::Map(
                object
                    .iter()
                    .map(|(key, value)| Entry {
                        key: self.key(key, depth),
                        value: self.node(value.expr(), depth + 1),
                    })
                    .collect(),
            ),
            Expression::Parenthesis(inner) => return self.node(inner.inner(), depth),
            Expression::Traversal(_) | Expression::Variable(_) if depth <= MAX_DEPTH => {
                match self.resolve(expr, depth) {
                    Some(Resolved::Expr(target)) => return self.node(target, depth + 1),
                    Some(Resolved::Text(text)) => Value::String(text),
                    _ => Value::String(self.symbol(expr)),
                }
            }
            _ => Value::String(
                self.render(expr, depth)
                    .unwrap_or_else(|| self.symbol(expr)),
            ),
        };
        Node::new(span, value)
    }

    fn key(&self, key: &'a ObjectKey, depth: usize) -> Node {
        Node::new(
            self.span(key.span()),
            Value::String(self.key_text(key, depth)),
        )
    }

    fn key_text(&self, key: &'a ObjectKey, depth: usize) -> String {
        match key {
            ObjectKey::Ident(ident) => ident.as_str().to_string(),
            ObjectKey::Expression(expr) => self
                .render(expr, depth + 1)
                .unwrap_or_else(|| self.symbol(expr)),
        }
    }

    /// The keys of the object an expression evaluates to, as [`Env::node`] writes them,
    /// its values not evaluated (for a reader that looks for objects of some keys among
    /// many); `None` when it is no object.
    pub fn object_keys(&self, expr: &'a Expression, depth: usize) -> Option<Vec<String>> {
        if !self.spend(EXPRESSION_WORK) {
            return None;
        }
        match expr {
            Expression::Object(object) => Some(
                object
                    .iter()
                    .map(|(key, _)| self.key_text(key, depth))
                    .collect(),
            ),
            Expression::Parenthesis(inner) => self.object_keys(inner.inner(), depth),
            Expression::Traversal(_) | Expression::Variable(_) if depth <= MAX_DEPTH => {
                match self.resolve(expr, depth)? {
                    Resolved::Expr(target) => self.object_keys(target, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// A string node from an attribute value.
    pub fn string_node(&self, expr: &'a Expression, depth: usize) -> Option<Node> {
        let text = self.render(expr, depth)?;
        Some(Node::new(self.span(expr.span()), Value::String(text)))
    }
}
