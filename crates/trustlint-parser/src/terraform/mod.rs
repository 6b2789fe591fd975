//! Terraform inputs read into the role model: HCL files (`*.tf`, parsed with hcl-edit so
//! every value keeps its span) and plan JSON (`terraform show -json`, see [`plan`]).
//!
//! HCL resources read: `aws_iam_role` (`assume_role_policy`, `inline_policy`,
//! `managed_policy_arns`, `max_session_duration`, `tags`), `aws_iam_user`,
//! `aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`,
//! `aws_iam_role_policy_attachment`, `aws_iam_user_policy_attachment`,
//! `aws_iam_policy_attachment` (its `roles` and `users`),
//! `aws_iam_openid_connect_provider` and `data "aws_iam_policy_document"`
//! ([`policy_document`]). Policies may be `jsonencode({...})`, heredoc or string JSON, or
//! references to policy documents; [`eval`] resolves what the module determines.
//!
//! A Terraform module is a folder ([`module`]): references resolve across the `*.tf`
//! files of the loaded file's folder, read and parsed once per run ([`load_in_folder`]),
//! spans pointing into the file each value is written in. Each file reports only what it declares (a role or user once, from the
//! file of its `aws_iam_role` or `aws_iam_user`, with the attachments and inline policies any file of the module
//! gives it). A policy document no role or policy of the module uses is checked on its
//! own, from its file.

mod azure;
pub mod eval;
mod gcp;
mod gcp_refs;
pub mod module;
pub mod plan;
pub mod policy_document;
mod vault;

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::Path;

use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;
use hcl_edit::Span as _;

use crate::embedded::{not_json, parse_embedded, string_with_map, OffsetMap};
use crate::iam::role::{
    IamResources, Identity, IdentityKind, NamedPolicy, OidcProvider, Role, Tag,
};
use crate::iam::{load_policy, PolicyDocument};
use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::{FileId, Span};
use crate::spanned::Spanned;
use crate::tree::Node;
use eval::{Env, Resolved};
use module::{labels, parse, Derived, Module};
use policy_document::document_node;

pub use module::{
    is_tf_name, Folder, FolderModules, ModuleFile, ModuleReader, NoModules, MAX_MODULE_FILES,
};
pub use plan::{is_plan, load_plan};

/// Resources whose `policy` attribute is a resource policy (who may access a bucket, key,
/// queue, topic, secret or repository): checked like other policies (TL110,
/// TL111 for `Principal`), never as identity policies.
const RESOURCE_POLICIES: &[&str] = &[
    "aws_s3_bucket_policy",
    "aws_kms_key",
    "aws_sqs_queue_policy",
    "aws_sns_topic_policy",
    "aws_secretsmanager_secret_policy",
    "aws_ecr_repository_policy",
];

/// Parses a `.tf` file and reads its IAM resources. A syntax error is the `Err`;
/// problems of the policies are pushed.
pub fn load_hcl(
    file: FileId,
    text: &str,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> Result<IamResources, Problem> {
    load_module(file, text, &[], limits, problems)
}

/// [`load_hcl`] with references resolved across the module: the IAM resources `text`
/// declares, evaluated with the declarations of `siblings` too. Siblings that don't
/// parse or are over the size limit are left out (their own load reports them); the
/// module holds at most [`MAX_MODULE_FILES`] files and, in all, the size limit of one
/// file (later siblings are left out). It parses the module for this one file: a run
/// loads through [`load_in_folder`], which parses each folder once.
pub fn load_module(
    file: FileId,
    text: &str,
    siblings: &[ModuleFile<'_>],
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> Result<IamResources, Problem> {
    let own = parse(file, text, limits)?;
    let files: Vec<ModuleFile> = std::iter::once(ModuleFile { file, text })
        .chain(siblings.iter().filter(|s| s.file != file).copied())
        .collect();
    let module = match files.len() {
        1 => None,
        _ => Module::build(&files, limits).filter(|module| module.has_file(file)),
    };
    let module = module.unwrap_or_else(|| Module::single(file, text, own));
    Ok(load_in(&module, file, limits, problems))
}

/// Loads the `.tf` file `file` at `path` with the module of its folder, which `modules`
/// reads and parses once per run: the file's own load evaluates what it declares, with
/// references resolved across the module. A file the folder's module doesn't hold (one
/// left out, or a folder whose files don't parse together) is loaded as
/// [`load_module`] does, with the folder's other files.
pub fn load_in_folder(
    file: FileId,
    path: &Path,
    text: &str,
    modules: &dyn ModuleReader,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> Result<IamResources, Problem> {
    let folder = modules.folder(path, limits);
    let module = folder.as_ref().and_then(|f| f.module.as_ref());
    let loaded = match module.filter(|module| module.has_file(file)) {
        Some(module) => Ok(load_in(module, file, limits, problems)),
        None => {
            let siblings: Vec<ModuleFile> = folder
                .iter()
                .flat_map(|folder| folder.files.iter())
                .map(|sibling| ModuleFile {
                    file: sibling.file,
                    text: &sibling.text,
                })
                .collect();
            load_module(file, text, &siblings, limits, problems)
        }
    };
    drop(folder);
    modules.loaded(path, file);
    loaded
}

/// The IAM resources `file` (one of the module's files) declares.
fn load_in(
    module: &Module,
    file: FileId,
    limits: &Limits,
    problems: &mut Vec<Problem>,
) -> IamResources {
    let loader = Loader {
        env: Env::new(module, file),
        limits,
        problems: RefCell::new(problems),
        used_documents: RefCell::new(Vec::new()),
    };
    let resources = loader.resources();
    if loader.env.exhausted() {
        loader.problems.borrow_mut().push(Problem::parse(
            Span::new(file, 0, 0),
            "expressions expand past the evaluation limit (references or `replace` multiplying text): values past it are left unevaluated and not checked",
        ));
    }
    resources
}

/// Where a policy attribute's document comes from, through parentheses,
/// `join("", X[*].attr)` / `one(X[*].attr)` and references: an expression that writes it
/// (`jsonencode`, heredoc, string; or anything else, which writes none), at its depth,
/// or a policy document of the module.
enum PolicySource<'a> {
    Written(&'a Expression, usize),
    Document(&'a str, &'a Block),
}

fn policy_source<'a>(
    env: &Env<'a>,
    expr: &'a Expression,
    depth: usize,
) -> Option<PolicySource<'a>> {
    if depth > 8 {
        return None;
    }
    match expr {
        Expression::FuncCall(call)
            if call.name.namespace.is_empty() && call.name.name.as_str() == "jsonencode" =>
        {
            Some(PolicySource::Written(expr, depth))
        }
        Expression::Parenthesis(inner) => policy_source(env, inner.inner(), depth + 1),
        Expression::FuncCall(_) => policy_source(env, env.single_of(expr)?, depth + 1),
        Expression::Traversal(_) | Expression::Variable(_) => match env.resolve(expr, depth)? {
            Resolved::PolicyDocument(name, block) => Some(PolicySource::Document(name, block)),
            Resolved::Expr(target) => policy_source(env, target, depth + 1),
            Resolved::Text(_) => None,
        },
        _ => Some(PolicySource::Written(expr, depth)),
    }
}

/// The policy documents a `resource` block's policies use (a role's trust and inline
/// policies, a policy's `policy`), as `env`'s file reads the references.
fn documents_used<'a>(env: &Env<'a>, kind: &str, block: &'a Block) -> Vec<&'a str> {
    let attribute = |block: &'a Block, key: &str| block.body.get_attribute(key).map(|a| &a.value);
    let expressions: Vec<&Expression> = match kind {
        "aws_iam_role" => block
            .body
            .blocks()
            .filter(|b| b.ident.as_str() == "inline_policy")
            .filter_map(|inline| attribute(inline, "policy"))
            .chain(attribute(block, "assume_role_policy"))
            .collect(),
        "aws_iam_policy" | "aws_iam_role_policy" | "aws_iam_user_policy" => {
            attribute(block, "policy").into_iter().collect()
        }
        kind if RESOURCE_POLICIES.contains(&kind) => {
            attribute(block, "policy").into_iter().collect()
        }
        _ => Vec::new(),
    };
    expressions
        .into_iter()
        .filter_map(|expr| match policy_source(env, expr, 0) {
            Some(PolicySource::Document(name, _)) => Some(name),
            _ => None,
        })
        .collect()
}

/// The policy documents the files of the module use through their roles and policies
/// without declaring them, each with how many files use it (as `env`'s file reads the
/// references: the same for every file when no name is declared twice), and the
/// documents other documents include.
fn derive(env: &Env<'_>) -> Derived {
    let module = env.module();
    let mut derived = Derived::default();
    for segment in module.segments() {
        let mut used: HashSet<&str> = HashSet::new();
        for (_, block) in module.blocks_of(segment.file) {
            match (block.ident.as_str(), labels(block)) {
                ("resource", Some((kind, _))) => {
                    used.extend(documents_used(env, kind, block).into_iter().filter(|name| {
                        !module.declares(segment.file, "data", "aws_iam_policy_document", name)
                    }))
                }
                ("data", _) => {
                    for key in ["source_policy_documents", "override_policy_documents"] {
                        let Some(Expression::Array(items)) =
                            block.body.get_attribute(key).map(|a| &a.value)
                        else {
                            continue;
                        };
                        for item in items.iter() {
                            if let Some(Resolved::PolicyDocument(name, _)) = env.resolve(item, 0) {
                                derived.included.insert(name.to_string());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for name in used {
            *derived.used_by_files.entry(name.to_string()).or_default() += 1;
        }
    }
    derived
}

struct Loader<'a, 'p> {
    env: Env<'a>,
    limits: &'a Limits,
    problems: RefCell<&'p mut Vec<Problem>>,
    /// Names of the policy documents some role or policy uses.
    used_documents: RefCell<Vec<&'a str>>,
}

impl<'a> Loader<'a, '_> {
    fn resources(&self) -> IamResources {
        let module = self.env.module();
        let file = self.env.file;
        let mut resources = IamResources::default();
        let own_blocks: Vec<&Block> = module.blocks_of(file).map(|(_, b)| b).collect();
        let own_resources = own_blocks
            .iter()
            .filter(|b| b.ident.as_str() == "resource")
            .filter_map(|b| labels(b).map(|(kind, name)| (kind, name, *b)));
        let own = |block: &Block| self.env.in_loaded_file(block.span());
        let elsewhere = self.documents_used_elsewhere();
        let mut declared: Vec<(&str, &str, Holder)> = own_resources
            .clone()
            .filter_map(|(kind, name, block)| match kind {
                "aws_iam_role" => Some((kind, name, Holder::Role(self.role(name, block)))),
                "aws_iam_user" => Some((kind, name, Holder::User(self.user(name, block)))),
                _ => None,
            })
            .collect();
        // The other files' policies and attachments that may name a role or user this
        // file declares (the others attach to none of them), in module order.
        let mut attaching: Vec<usize> = declared
            .iter()
            .flat_map(|(kind, name, _)| module.attaching(kind, name).iter().copied())
            .filter(|&index| module.file_of(index) != Some(file))
            .collect();
        attaching.sort_unstable();
        attaching.dedup();
        let others = attaching
            .into_iter()
            .filter_map(|index| module.block(index))
            .filter_map(|b| labels(b).map(|(kind, name)| (kind, name, b)));
        for (kind, name, block) in own_resources.chain(others) {
            let attribute = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
            let targets = self.targets(kind, block);
            // A role or user of another file gets its policies in that file's load; a
            // sibling that declares one of the same name attaches to its own.
            let here: Vec<usize> = targets
                .iter()
                .filter(|(target, label)| {
                    own(block) || !self.declared_beside(block, "resource", target, label)
                })
                .filter_map(|(target, label)| {
                    declared
                        .iter()
                        .position(|(k, l, _)| k == target && l == label)
                })
                .collect();
            match kind {
                "aws_iam_policy" if own(block) => {
                    resources.policies.extend(self.named_policy(name, block));
                }
                kind if RESOURCE_POLICIES.contains(&kind) && own(block) => {
                    resources.policies.extend(self.named_policy(name, block));
                }
                "aws_iam_role_policy" | "aws_iam_user_policy" => {
                    let standalone = own(block)
                        && targets.first().is_none_or(|(target, label)| {
                            self.env.resource(target, label).is_none()
                        });
                    if here.is_empty() && !standalone {
                        continue;
                    }
                    let Some(policy) = self.named_policy(name, block) else {
                        continue;
                    };
                    match here.first().and_then(|&i| declared.get_mut(i)) {
                        Some((_, _, holder)) => holder.parts().inline.push(NamedPolicy {
                            arn: None,
                            ..policy
                        }),
                        None => resources.policies.push(policy),
                    }
                }
                "aws_iam_role_policy_attachment"
                | "aws_iam_user_policy_attachment"
                | "aws_iam_policy_attachment" => {
                    let arn = attribute("policy_arn").and_then(|e| self.env.string_node(e, 0));
                    let count = attribute("count").and_then(|e| self.env.render(e, 0));
                    let count = count.as_deref().map(str::parse::<u64>);
                    if matches!(count, Some(Ok(0))) {
                        continue; // never created
                    }
                    let conditional = attribute("for_each").is_some()
                        || (attribute("count").is_some() && !matches!(count, Some(Ok(_))));
                    let Some(arn) = arn.map(|arn| spanned(&arn)) else {
                        continue;
                    };
                    for &i in &here {
                        let Some((_, _, holder)) = declared.get_mut(i) else {
                            continue;
                        };
                        let parts = holder.parts();
                        if conditional {
                            parts.conditional.push(arn.span);
                        }
                        parts.managed.push(arn.clone());
                    }
                }
                "aws_iam_openid_connect_provider" if own(block) => {
                    resources.providers.push(self.provider(name, block));
                }
                _ => {}
            }
        }
        for (_, _, holder) in declared {
            match holder {
                Holder::Role(role) => resources.roles.push(role),
                Holder::User(user) => resources.identities.push(user),
            }
        }
        let derived = self.derived();
        let unused: Vec<(&str, &Block)> = own_blocks
            .iter()
            .filter(|b| b.ident.as_str() == "data")
            .filter_map(|b| match labels(b) {
                Some(("aws_iam_policy_document", name)) => Some((name, *b)),
                _ => None,
            })
            .filter(|(name, _)| !self.used_documents.borrow().contains(name))
            .filter(|(name, _)| !elsewhere(name))
            .filter(|(name, _)| !derived.included.contains(*name))
            .collect();
        for (name, block) in unused {
            let document = document_node(&self.env, block, 0).and_then(|root| self.load(&root));
            resources
                .policies
                .extend(document.map(|document| NamedPolicy {
                    name: Some(Spanned::new(name.to_string(), self.env.span(block.span()))),
                    arn: None,
                    document,
                }));
        }
        self.federation(&own_blocks, &mut resources);
        resources
    }

    /// The other relying parties (Google Cloud, Vault, Azure) the file's own blocks
    /// declare.
    fn federation(&self, own_blocks: &[&'a Block], resources: &mut IamResources) {
        let blocks: Vec<(&str, &str, &Block)> = own_blocks
            .iter()
            .filter(|b| matches!(b.ident.as_str(), "resource" | "data"))
            .filter_map(|b| labels(b).map(|(kind, name)| (kind, name, *b)))
            .collect();
        let problems = &mut *self.problems.borrow_mut();
        let federation = &mut resources.federation;
        gcp::read(&self.env, &blocks, &mut federation.gcp, problems);
        vault::read(&self.env, &blocks, &mut federation.vault, problems);
        azure::read(&self.env, &blocks, &mut federation.azure, problems);
    }

    /// The module's analyses derived once (read from its first file).
    fn derived(&self) -> &'a Derived {
        let module = self.env.module();
        module.derived.get_or_init(|| {
            let first = module.segments().first().map_or(self.env.file, |s| s.file);
            derive(&Env::new(module, first))
        })
    }

    /// Whether the roles and policies of the module's other files use a policy document
    /// of this name that their own file doesn't declare (it is then not checked on its
    /// own here: their loads check it where it is used). When a name is declared in
    /// several files, the references are read as this file reads them.
    fn documents_used_elsewhere(&self) -> impl Fn(&str) -> bool + 'a {
        let module = self.env.module();
        let file = self.env.file;
        let mut names: HashSet<&'a str> = HashSet::new();
        let derived = (!module.ambiguous()).then(|| self.derived());
        if derived.is_none() {
            for segment in module.segments().iter().filter(|s| s.file != file) {
                for (_, block) in module.blocks_of(segment.file) {
                    let Some(("resource", (kind, _))) =
                        labels(block).map(|labels| (block.ident.as_str(), labels))
                    else {
                        continue;
                    };
                    names.extend(documents_used(&self.env, kind, block).into_iter().filter(
                        |name| {
                            !module.declares(segment.file, "data", "aws_iam_policy_document", name)
                        },
                    ));
                }
            }
        }
        move |name| match derived {
            // A document of this file's own is in no count of this file's.
            Some(derived) => derived.used_by_files.get(name).is_some_and(|&n| n > 0),
            None => names.contains(name),
        }
    }

    /// Whether the file of `block` also declares `IDENT "KIND" "LABEL"`.
    fn declared_beside(&self, block: &Block, ident: &str, kind: &str, label: &str) -> bool {
        let file = self.env.span(block.span()).file;
        self.env.module().declares(file, ident, kind, label)
    }

    /// The roles and users (resource type and label) a policy or attachment block names:
    /// `role`/`user = aws_iam_role.NAME.name`, or the `roles`/`users` lists of an
    /// `aws_iam_policy_attachment`.
    fn targets(&self, kind: &str, block: &'a Block) -> Vec<(&'static str, &'a str)> {
        let attribute = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
        let one = |key: &str, target: &'static str| {
            self.reference_label(attribute(key), target)
                .map(|label| (target, label))
                .into_iter()
                .collect()
        };
        match kind {
            "aws_iam_role_policy" | "aws_iam_role_policy_attachment" => one("role", "aws_iam_role"),
            "aws_iam_user_policy" | "aws_iam_user_policy_attachment" => one("user", "aws_iam_user"),
            "aws_iam_policy_attachment" => [("roles", "aws_iam_role"), ("users", "aws_iam_user")]
                .into_iter()
                .flat_map(|(key, target)| {
                    let items = match attribute(key) {
                        Some(Expression::Array(items)) => items.iter().collect(),
                        _ => Vec::new(),
                    };
                    items
                        .into_iter()
                        .filter_map(move |item| self.reference_label(Some(item), target))
                        .map(move |label| (target, label))
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The label of the resource of type `kind` an `KIND.NAME.name`/`.id` reference
    /// (`aws_iam_role.deploy.name`) names.
    fn reference_label(&self, expr: Option<&'a Expression>, kind: &str) -> Option<&'a str> {
        let expr = expr?;
        let Expression::Traversal(traversal) = self.env.single_of(expr).unwrap_or(expr) else {
            return None;
        };
        let Expression::Variable(root) = &traversal.expr else {
            return None;
        };
        if root.as_str() != kind {
            return None;
        }
        traversal.operators.iter().find_map(|op| match op.value() {
            hcl_edit::expr::TraversalOperator::GetAttr(name) => Some(name.as_str()),
            _ => None,
        })
    }

    fn role(&self, label: &str, block: &'a Block) -> Role {
        let attribute = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
        let span = self.env.span(block.span());
        let name = self.name(label, span, block);
        let inline_policies = block
            .body
            .blocks()
            .filter(|b| b.ident.as_str() == "inline_policy")
            .filter_map(|inline| {
                let document = self.policy(&inline.body.get_attribute("policy")?.value, 0)?;
                Some(NamedPolicy {
                    name: inline
                        .body
                        .get_attribute("name")
                        .and_then(|a| self.env.string_node(&a.value, 0))
                        .map(|n| spanned(&n)),
                    arn: None,
                    document,
                })
            })
            .collect();
        let (tags, tags_known) = self.tags(attribute("tags"));
        Role {
            span,
            name,
            arn: None,
            trust: attribute("assume_role_policy").and_then(|e| self.trust(label, e)),
            inline_policies,
            managed_policy_arns: self.strings(attribute("managed_policy_arns")),
            conditional_attachments: Vec::new(),
            max_session_duration: attribute("max_session_duration")
                .and_then(|e| self.env.string_node(e, 0))
                .map(|n| spanned(&n)),
            tags,
            tags_known,
        }
    }

    /// A role's `assume_role_policy`. A policy document the module does not determine
    /// (built from `dynamic` blocks, or including documents it can't resolve) leaves the
    /// trust unknown: said as a problem, so the trust rules' silence is not taken for a
    /// clean trust.
    fn trust(&self, role: &str, expr: &'a Expression) -> Option<PolicyDocument> {
        let trust = self.policy(expr, 0);
        if trust.is_none() {
            if let Some(Resolved::PolicyDocument(name, block)) = self.env.resolve(expr, 0) {
                if document_node(&self.env, block, 0).is_none() {
                    self.problems.borrow_mut().push(Problem::partial_trust(
                        self.env.span(block.ident.span()),
                        format!(
                            "the trust policy of role `{role}` is the policy document `{name}`, built from `dynamic` blocks or documents the module doesn't determine: it is not evaluated offline, so no trust rule checked it"
                        ),
                    ).with_help("write the statements out (a `statement` block per provider), or check the rendered policy (`terraform show -json` of a plan)"));
                }
            }
        }
        trust
    }

    /// An `aws_iam_user`: its policies are added from the module's `aws_iam_user_policy*`.
    fn user(&self, label: &str, block: &'a Block) -> Identity {
        let span = self.env.span(block.span());
        Identity {
            kind: IdentityKind::User,
            span,
            name: self.name(label, span, block),
            arn: None,
            inline_policies: Vec::new(),
            managed_policy_arns: Vec::new(),
            conditional_attachments: Vec::new(),
        }
    }

    /// The `name` (or `name_prefix`) of a role or user, else its label.
    fn name(&self, label: &str, span: Span, block: &'a Block) -> Spanned<String> {
        let attribute = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
        attribute("name")
            .or_else(|| attribute("name_prefix"))
            .and_then(|e| self.env.string_node(e, 0))
            .map_or_else(|| Spanned::new(label.to_string(), span), |n| spanned(&n))
    }

    fn named_policy(&self, label: &str, block: &'a Block) -> Option<NamedPolicy> {
        let policy = block.body.get_attribute("policy")?;
        let document = self.policy(&policy.value, 0)?;
        let name = block
            .body
            .get_attribute("name")
            .and_then(|a| self.env.string_node(&a.value, 0))
            .map(|n| spanned(&n));
        let kind = labels(block).map_or("aws_iam_policy", |(kind, _)| kind);
        Some(NamedPolicy {
            name,
            arn: Some(Spanned::new(
                format!("${{{kind}.{label}.arn}}"),
                self.env.span(block.span()),
            )),
            document,
        })
    }

    fn provider(&self, label: &str, block: &'a Block) -> OidcProvider {
        let attribute = |key: &str| block.body.get_attribute(key).map(|a| &a.value);
        let span = self.env.span(block.span());
        let url = attribute("url").and_then(|e| self.env.string_node(e, 0));
        OidcProvider {
            span,
            logical_name: Some(label.to_string()),
            arn: self
                .env
                .provider_arn(block, 0)
                .map(|arn| Spanned::new(arn, url.as_ref().map_or(span, |u| u.span))),
            url: url.map(|u| spanned(&u)),
            client_ids: self.strings(attribute("client_id_list")),
            thumbprints: self.strings(attribute("thumbprint_list")),
        }
    }

    /// The items of a list attribute as strings.
    fn strings(&self, expr: Option<&'a Expression>) -> Vec<Spanned<String>> {
        let Some(expr) = expr else {
            return Vec::new();
        };
        let node = self.env.node(expr, 0);
        node.as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(|item| item.scalar_text().map(|t| Spanned::new(t, item.span)))
            .collect()
    }

    /// The tags of a `tags` attribute and whether all of them could be read: a map, or
    /// `merge(…)` of maps; anything else (`var.tags` without a default, `local.x` built
    /// by a function, a `merge` argument that is not a map) leaves them unknown.
    fn tags(&self, expr: Option<&'a Expression>) -> (Vec<Tag>, bool) {
        let Some(expr) = expr else {
            return (Vec::new(), true);
        };
        let maps: Vec<Node> = match expr {
            Expression::FuncCall(call)
                if call.name.namespace.is_empty() && call.name.name.as_str() == "merge" =>
            {
                call.args.iter().map(|arg| self.env.node(arg, 0)).collect()
            }
            _ => vec![self.env.node(expr, 0)],
        };
        let mut known = true;
        let mut tags = Vec::new();
        for map in &maps {
            let Some(entries) = map.as_map() else {
                known = false;
                continue;
            };
            for entry in entries {
                match entry.value.scalar_text() {
                    Some(value) => tags.push(Tag {
                        key: spanned(&entry.key),
                        value: Spanned::new(value, entry.value.span),
                    }),
                    None => known = false,
                }
            }
        }
        (tags, known)
    }

    /// A policy attribute's document: `jsonencode({...})`, a heredoc or string of JSON,
    /// or a reference to a policy document or to a local/variable holding one. `None`
    /// when it can't be evaluated offline.
    fn policy(&self, expr: &'a Expression, depth: usize) -> Option<PolicyDocument> {
        let (expr, depth) = match policy_source(&self.env, expr, depth)? {
            PolicySource::Document(name, block) => {
                self.used_documents.borrow_mut().push(name);
                return self.load(&document_node(&self.env, block, 0)?);
            }
            PolicySource::Written(expr, depth) => (expr, depth),
        };
        match expr {
            Expression::FuncCall(call) => {
                let argument = call.args.iter().next()?;
                self.load(&self.env.node(argument, depth))
            }
            Expression::HeredocTemplate(heredoc) => {
                let literal = self.env.span(heredoc.span());
                let (text, map) = self
                    .env
                    .template_with_map(&heredoc.template, literal, depth)?;
                let interpolated = heredoc.template.iter().any(|e| e.is_interpolation());
                self.parse(&text, &map, interpolated)
            }
            Expression::StringTemplate(template) => {
                let literal = self.env.span(expr.span());
                let (text, map) = self.env.template_with_map(template, literal, depth)?;
                self.parse(&text, &map, true)
            }
            Expression::String(_) => {
                let node = self.env.string_node(expr, depth)?;
                let (text, map) = string_with_map(&node, self.env.file_text(node.span.file))?;
                self.parse(&text, &map, false)
            }
            _ => None,
        }
    }

    /// Parses policy JSON from a string. When the string interpolates values, a parse
    /// failure is blamed on what could not be evaluated and the policy stays unchecked.
    fn parse(&self, text: &str, map: &OffsetMap, interpolated: bool) -> Option<PolicyDocument> {
        match parse_embedded(text, map, self.limits) {
            Ok(root) => self.load(&root),
            Err(problem) => {
                if !interpolated {
                    self.problems.borrow_mut().push(not_json(problem));
                }
                None
            }
        }
    }

    fn load(&self, root: &Node) -> Option<PolicyDocument> {
        load_policy(root, &mut self.problems.borrow_mut())
    }
}

/// A role or user the loaded file declares, which policies and attachments of the module
/// add to.
enum Holder {
    Role(Role),
    User(Identity),
}

/// The policy lists of a [`Holder`].
struct Parts<'r> {
    inline: &'r mut Vec<NamedPolicy>,
    managed: &'r mut Vec<Spanned<String>>,
    conditional: &'r mut Vec<Span>,
}

impl Holder {
    fn parts(&mut self) -> Parts<'_> {
        match self {
            Holder::Role(role) => Parts {
                inline: &mut role.inline_policies,
                managed: &mut role.managed_policy_arns,
                conditional: &mut role.conditional_attachments,
            },
            Holder::User(user) => Parts {
                inline: &mut user.inline_policies,
                managed: &mut user.managed_policy_arns,
                conditional: &mut user.conditional_attachments,
            },
        }
    }
}

fn spanned(node: &Node) -> Spanned<String> {
    Spanned::new(node.scalar_text().unwrap_or_default(), node.span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (IamResources, Vec<Problem>) {
        let mut problems = Vec::new();
        let resources = load_hcl(FileId(0), text, &Limits::default(), &mut problems).unwrap();
        (resources, problems)
    }

    const ROLE: &str = r#"
variable "host" {
  default = "gitlab.example.com"
}
variable "project" {}

locals {
  audience = "https://${var.host}"
}

resource "aws_iam_openid_connect_provider" "gitlab" {
  url            = "https://${var.host}"
  client_id_list = [local.audience]
}

data "aws_iam_policy_document" "base" {
  statement {
    effect    = "Deny"
    actions   = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["*"]
    }
  }
}

data "aws_iam_policy_document" "trust" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.gitlab.arn]
    }
    condition {
      test     = "StringLike"
      variable = "${trimprefix(aws_iam_openid_connect_provider.gitlab.url, "https://")}:sub"
      values   = ["project_path:${var.project}:*"]
    }
    condition {
      test     = "StringLike"
      variable = "${var.host}:sub"
      values   = ["project_path:other/*"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "deploy-${var.project}"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 7200
  managed_policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  tags = {
    team = "ci"
  }
}

resource "aws_iam_role_policy" "inline" {
  role   = aws_iam_role.deploy.id
  policy = <<-JSON
    {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
  JSON
}

resource "aws_iam_role_policy_attachment" "extra" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}
"#;

    #[test]
    fn role_from_policy_document_with_references() {
        let (resources, problems) = load(ROLE);
        assert_eq!(problems, Vec::new());
        assert_eq!(resources.providers.len(), 1);
        let provider = &resources.providers[0];
        assert_eq!(provider.client_ids[0].value, "https://gitlab.example.com");
        let role = &resources.roles[0];
        assert_eq!(role.name.value, "deploy-${var.project}");
        assert_eq!(role.max_session_duration.as_ref().unwrap().value, "7200");
        assert_eq!(role.tags[0].key.value, "team");
        assert!(role.tags_known);
        let arns: Vec<&str> = role
            .managed_policy_arns
            .iter()
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "arn:aws:iam::aws:policy/PowerUserAccess"
            ]
        );
        assert_eq!(role.inline_policies.len(), 1);
        // Only documents no role uses are standalone: both are used here.
        assert!(resources.policies.is_empty());

        let trust = role.trust.as_ref().unwrap();
        assert_eq!(trust.effective_version(), "2012-10-17");
        assert_eq!(
            trust.statements.len(),
            2,
            "the source document's statement comes first"
        );
        assert!(trust.statements[0].is_deny());
        let allow = &trust.statements[1];
        assert!(allow.is_allow());
        let federated: Vec<_> = allow.principal().unwrap().federated().collect();
        assert_eq!(
            federated[0].value,
            "arn:${partition}:iam::${account_id}:oidc-provider/gitlab.example.com"
        );
        assert_eq!(
            &ROLE[federated[0].span.range()],
            "aws_iam_openid_connect_provider.gitlab.arn"
        );
        let subs: Vec<_> = allow.conditions_on("gitlab.example.com:sub").collect();
        assert_eq!(subs.len(), 1, "same test and variable: values merged");
        let values: Vec<&str> = subs[0].value_texts().collect();
        assert_eq!(
            values,
            ["project_path:${var.project}:*", "project_path:other/*"]
        );
        assert_eq!(
            &ROLE[subs[0].values[1].span.range()],
            "\"project_path:other/*\""
        );
    }

    #[test]
    fn tags_that_cannot_be_evaluated_are_unknown() {
        let role = |tags: &str| {
            let text = format!(
                "variable \"tags\" {{}}\nlocals {{\n  base = {{ team = \"ci\" }}\n}}\nresource \"aws_iam_role\" \"r\" {{\n  name = \"r\"\n  {tags}\n}}\n"
            );
            let (resources, _) = load(&text);
            let role = resources.roles[0].clone();
            let keys: Vec<String> = role.tags.iter().map(|t| t.key.value.clone()).collect();
            (keys, role.tags_known)
        };
        assert_eq!(role(""), (vec![], true));
        assert_eq!(
            role("tags = { Env = \"prod\" }"),
            (vec!["Env".into()], true)
        );
        assert_eq!(role("tags = local.base"), (vec!["team".into()], true));
        assert_eq!(role("tags = var.tags"), (vec![], false));
        assert_eq!(
            role("tags = merge(var.tags, { Env = \"prod\" })"),
            (vec!["Env".into()], false)
        );
        assert_eq!(
            role("tags = merge(local.base, { Env = \"prod\" })"),
            (vec!["team".into(), "Env".into()], true)
        );
    }

    #[test]
    fn heredoc_spans_point_into_the_heredoc() {
        let (resources, _) = load(ROLE);
        let inline = &resources.roles[0].inline_policies[0].document;
        let effect = inline.statements[0].effect.unwrap();
        assert_eq!(&ROLE[effect.span.range()], "\"Allow\"");
    }

    #[test]
    fn dynamic_statements_and_unknown_references_stay_unevaluated() {
        let text = r#"
data "aws_iam_policy_document" "d" {
  dynamic "statement" {
    for_each = var.x
    content {}
  }
}
resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.d.json
}
resource "aws_iam_role" "s" {
  assume_role_policy = var.trust
}
resource "aws_iam_policy" "p" {
  policy = "not json"
}
"#;
        let (resources, problems) = load(text);
        assert!(resources.roles.iter().all(|r| r.trust.is_none()));
        assert_eq!(resources.roles[0].name.value, "r");
        // The document left unevaluated is said (at the document), the unknown `var` not.
        let kinds: Vec<_> = problems.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            [
                crate::ProblemKind::PartialTrust,
                crate::ProblemKind::InvalidPolicy
            ]
        );
        assert_eq!(&text[problems[0].span.range()], "data");
        let problems = &problems[1..];
        assert_eq!(
            &text[problems[0].span.range()],
            "not",
            "the error inside the string"
        );
    }

    /// The files of a module, with ids 0, 1, ….
    fn module_files<'t>(files: &[&'t str]) -> Vec<ModuleFile<'t>> {
        files
            .iter()
            .enumerate()
            .map(|(i, text)| ModuleFile {
                file: FileId(u32::try_from(i).unwrap()),
                text,
            })
            .collect()
    }

    /// Loads file `index` of a module whose files get ids 0, 1, ….
    fn load_in_module(files: &[&str], index: usize) -> (IamResources, Vec<Problem>) {
        let siblings = module_files(files);
        let mut problems = Vec::new();
        let own = FileId(u32::try_from(index).unwrap());
        let resources = load_module(
            own,
            files[index],
            &siblings,
            &Limits::default(),
            &mut problems,
        )
        .unwrap();
        (resources, problems)
    }

    const VARIABLES: &str = "variable \"sub\" {\n  default = \"*\"\n}\n";
    const DATA: &str = r#"data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.gitlab.arn]
    }
    condition {
      test     = "StringLike"
      variable = "gitlab.com:sub"
      values   = [var.sub]
    }
  }
}
data "aws_iam_policy_document" "alone" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
}
resource "aws_iam_role_policy" "inline" {
  role   = aws_iam_role.deploy.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
resource "aws_iam_role_policy" "orphan" {
  role   = "someone-else"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
"#;
    const MAIN: &str = r#"resource "aws_iam_openid_connect_provider" "gitlab" {
  url = "https://gitlab.com"
}
resource "aws_iam_role" "deploy" {
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
"#;
    const ATTACH: &str = r#"resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"#;

    #[test]
    fn references_resolve_across_the_module_with_spans_in_each_file() {
        let files = [VARIABLES, DATA, MAIN, ATTACH];
        let (main, problems) = load_in_module(&files, 2);
        assert_eq!(problems, Vec::new());
        assert_eq!(main.roles.len(), 1);
        assert_eq!(main.providers.len(), 1);
        assert!(main.policies.is_empty());
        let role = &main.roles[0];
        assert_eq!(role.span.file, FileId(2));
        assert_eq!(role.managed_policy_arns[0].span.file, FileId(3));
        assert_eq!(
            role.inline_policies.len(),
            1,
            "aws_iam_role_policy of data.tf"
        );
        let trust = role.trust.as_ref().unwrap();
        let allow = &trust.statements[0];
        let federated: Vec<_> = allow.principal().unwrap().federated().collect();
        assert_eq!(
            federated[0].value,
            "arn:${partition}:iam::${account_id}:oidc-provider/gitlab.com"
        );
        assert_eq!(federated[0].span.file, FileId(1));
        let sub = allow.conditions_on("gitlab.com:sub").next().unwrap();
        let value = &sub.values[0];
        assert_eq!(
            value.span.file,
            FileId(0),
            "the `*` is written in variables.tf"
        );
        assert_eq!(&VARIABLES[value.span.range()], "\"*\"");
        assert_eq!(sub.value_texts().collect::<Vec<_>>(), ["*"]);
    }

    #[test]
    fn each_file_reports_only_what_it_declares() {
        let files = [VARIABLES, DATA, MAIN, ATTACH];
        let (variables, _) = load_in_module(&files, 0);
        assert_eq!(variables, IamResources::default());
        let (attach, _) = load_in_module(&files, 3);
        assert_eq!(attach, IamResources::default());
        let (data, problems) = load_in_module(&files, 1);
        assert_eq!(problems, Vec::new());
        assert!(data.roles.is_empty(), "the role is main.tf's");
        let names: Vec<&str> = data
            .policies
            .iter()
            .filter_map(|p| p.name.as_ref().map(|n| n.value.as_str()))
            .collect();
        // `trust` is used by main.tf's role and `inline` belongs to it: neither is
        // checked on its own; the unused document and the orphan policy are.
        assert_eq!(data.policies.len(), 2);
        assert_eq!(names, ["alone"]);
        // Alone, main.tf can't resolve the document: the trust stays unevaluated.
        let (alone, _) = load(MAIN);
        assert!(alone.roles[0].trust.is_none());
    }

    #[test]
    fn unrelated_files_sharing_a_folder_keep_their_own_declarations() {
        let file = |duration: &str, arn: &str| {
            format!(
                "data \"aws_iam_policy_document\" \"trust\" {{\n  statement {{\n    actions = [\"sts:AssumeRole\"]\n  }}\n}}\nresource \"aws_iam_role\" \"deploy\" {{\n  max_session_duration = {duration}\n  assume_role_policy = data.aws_iam_policy_document.trust.json\n}}\nresource \"aws_iam_role_policy_attachment\" \"a\" {{\n  role       = aws_iam_role.deploy.name\n  policy_arn = \"{arn}\"\n}}\n"
            )
        };
        let (a, b) = (file("3600", "arn:a"), file("7200", "arn:b"));
        let (first, problems) = load_in_module(&[&a, &b], 0);
        // The statement has no `Principal`: said once, for the loaded file's copy.
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].span.file, FileId(0));
        let role = &first.roles[0];
        assert_eq!(role.max_session_duration.as_ref().unwrap().value, "3600");
        let arns: Vec<&str> = role
            .managed_policy_arns
            .iter()
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(arns, ["arn:a"]);
        let statement = &role.trust.as_ref().unwrap().statements[0];
        assert_eq!(statement.span.file, FileId(0));
        assert!(first.policies.is_empty());
    }

    #[test]
    fn users_get_their_policies_and_attachments_from_the_module() {
        const USERS: &str = r#"resource "aws_iam_user" "ci" {
  name = "gitlab-ci"
}
resource "aws_iam_role" "deploy" {
  name = "deploy"
}
"#;
        const POLICIES: &str = r#"resource "aws_iam_user_policy" "push" {
  name   = "push"
  user   = aws_iam_user.ci.name
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "ecr:*", Resource = "*" }] })
}
resource "aws_iam_user_policy" "orphan" {
  user   = "someone-else"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
resource "aws_iam_user_policy_attachment" "s3" {
  user       = aws_iam_user.ci.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
}
resource "aws_iam_user_policy_attachment" "maybe" {
  count      = var.admin ? 1 : 0
  user       = aws_iam_user.ci.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
resource "aws_iam_user_policy_attachment" "never" {
  count      = 0
  user       = aws_iam_user.ci.name
  policy_arn = "arn:aws:iam::aws:policy/IAMFullAccess"
}
resource "aws_iam_policy_attachment" "shared" {
  name       = "shared"
  users      = [aws_iam_user.ci.name, "outside"]
  roles      = [aws_iam_role.deploy.name]
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"#;
        let files = [USERS, POLICIES];
        let (users, problems) = load_in_module(&files, 0);
        assert_eq!(problems, Vec::new());
        let [ci] = users.identities.as_slice() else {
            panic!("{:?}", users.identities);
        };
        assert_eq!(
            (ci.kind, ci.name.value.as_str()),
            (IdentityKind::User, "gitlab-ci")
        );
        assert_eq!(&USERS[ci.name.span.range()], "\"gitlab-ci\"");
        assert_eq!(ci.inline_policies.len(), 1);
        assert_eq!(
            ci.inline_policies[0].document.statements[0].span.file,
            FileId(1)
        );
        let arns: Vec<&str> = ci
            .managed_policy_arns
            .iter()
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(
            arns,
            [
                "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                "arn:aws:iam::aws:policy/AdministratorAccess",
                "arn:aws:iam::aws:policy/ReadOnlyAccess"
            ]
        );
        let conditional: Vec<bool> = ci
            .managed_policy_arns
            .iter()
            .map(|a| ci.attachment_is_conditional(a))
            .collect();
        assert_eq!(conditional, [false, true, false]);
        assert_eq!(
            users.roles[0].managed_policy_arns[0].value,
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        );
        // The attachments' file declares no user: only the orphan policy is its own.
        let (policies, _) = load_in_module(&files, 1);
        assert!(policies.identities.is_empty() && policies.roles.is_empty());
        assert_eq!(policies.policies.len(), 1);
        assert_eq!(policies.documents().count(), 1);
    }

    /// Each file loaded from one module built for the folder (files in path order, as a
    /// run builds it) gives what loading it with its siblings alone gives.
    fn assert_shared_module_agrees(files: &[&str]) {
        let limits = Limits::default();
        let members = module_files(files);
        let module = Module::build(&members, &limits).unwrap();
        for member in &members {
            let mut problems = Vec::new();
            let alone = load_module(member.file, member.text, &members, &limits, &mut problems);
            if !module.has_file(member.file) {
                assert!(
                    alone.is_err(),
                    "{:?} is left out: it doesn't parse",
                    member.file
                );
                continue; // a run loads it alone
            }
            let mut shared_problems = Vec::new();
            let shared = load_in(&module, member.file, &limits, &mut shared_problems);
            assert_eq!(
                (shared, shared_problems),
                (alone.unwrap(), problems),
                "{:?}",
                member.file
            );
        }
    }

    #[test]
    fn one_module_per_folder_loads_each_file_as_before() {
        assert_shared_module_agrees(&[VARIABLES, DATA, MAIN, ATTACH]);
        assert_shared_module_agrees(&[ATTACH, MAIN, DATA, VARIABLES]);
        // Names declared in several files: each file reads its own first.
        let file = |duration: &str, arn: &str| {
            format!(
                "data \"aws_iam_policy_document\" \"trust\" {{\n  statement {{\n    actions = [\"sts:AssumeRole\"]\n  }}\n}}\nresource \"aws_iam_role\" \"deploy\" {{\n  max_session_duration = {duration}\n  assume_role_policy = data.aws_iam_policy_document.trust.json\n}}\nresource \"aws_iam_role_policy_attachment\" \"a\" {{\n  role       = aws_iam_role.deploy.name\n  policy_arn = \"{arn}\"\n}}\n"
            )
        };
        let (a, b) = (file("3600", "arn:a"), file("7200", "arn:b"));
        assert_shared_module_agrees(&[&a, &b, DATA, MAIN]);
        // Files that parse only together are left out, however the module is parsed.
        let open = "variable \"sub\" {\n  default = \"*\"\n";
        assert_shared_module_agrees(&[DATA, open, "}\n", MAIN]);
        assert_shared_module_agrees(&[DATA, "locals {}\n/*", "*/\n", MAIN]);
        assert_shared_module_agrees(&[VARIABLES, "locals {\n  x = <<EOT\n", "EOT\n}\n", MAIN]);
    }

    #[test]
    fn a_large_module_parsed_in_parts_loads_as_in_one() {
        let texts: Vec<String> = (0..60)
            .map(|i| {
                let body = MAIN
                    .replace("deploy", &format!("deploy_{i}"))
                    .replace("\"gitlab\"", &format!("\"gitlab_{i}\""));
                format!(
                    "# file {i}{}\n{body}{}",
                    " ".repeat(3000),
                    DATA.replace("\"trust\"", &format!("\"trust_{i}\""))
                        .replace("\"alone\"", &format!("\"alone_{i}\""))
                        .replace("\"inline\"", &format!("\"inline_{i}\""))
                        .replace("\"orphan\"", &format!("\"orphan_{i}\""))
                )
            })
            .collect();
        let files: Vec<&str> = texts.iter().map(String::as_str).collect();
        let limits = Limits::default();
        let members = module_files(&files);
        let whole = Module::build(&members, &limits).unwrap();
        let parts = Module::build_with(&members, &limits, 4).unwrap();
        assert_eq!(whole.body().iter().count(), parts.body().iter().count());
        for member in &members {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let one = load_in(&whole, member.file, &limits, &mut a);
            let four = load_in(&parts, member.file, &limits, &mut b);
            assert!(!one.roles.is_empty());
            assert_eq!((one, a), (four, b));
        }
    }

    #[test]
    fn siblings_that_do_not_parse_are_left_out() {
        let (main, problems) = load_in_module(&["resource \"a\" {", DATA, MAIN], 2);
        assert_eq!(problems, Vec::new());
        assert!(main.roles[0].trust.is_some());
    }

    #[test]
    fn count_for_each_and_directives_stay_symbolic() {
        let text = r#"
data "aws_iam_policy_document" "trust" {
  for_each = toset(["a", "b"])
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::1:oidc-provider/gitlab.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "gitlab.com:sub"
      values   = ["project_path:g/${each.key}:ref_type:branch:ref:main"]
    }
  }
}
resource "aws_iam_role" "r" {
  for_each           = toset(["a", "b"])
  name               = "deploy-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.trust[each.key].json
}
resource "aws_iam_role" "c" {
  count              = 2
  name               = "c-${count.index}"
  assume_role_policy = <<-EOT
    {"Statement": [%{ for p in var.projects }{"Effect": "Allow"}%{ endfor }]}
  EOT
}
resource "aws_iam_role" "j" {
  count              = var.create ? 1 : 0
  assume_role_policy = join("", data.aws_iam_policy_document.trust[*].json)
}
resource "aws_iam_role_policy_attachment" "j" {
  count      = length(var.arns)
  role       = join("", aws_iam_role.j[*].name)
  policy_arn = var.arns[count.index]
}
"#;
        let (resources, problems) = load(text);
        assert_eq!(problems, Vec::new());
        assert_eq!(
            resources.roles.len(),
            3,
            "one role each, whatever the count"
        );
        let j = &resources.roles[2];
        assert!(j.trust.is_some(), "join(\"\", X[*].json) reads X");
        assert_eq!(j.managed_policy_arns[0].value, "${var.arns[count.index]}");
        let r = &resources.roles[0];
        assert_eq!(r.name.value, "deploy-${each.key}");
        let sub = r.trust.as_ref().unwrap().statements[0]
            .conditions_on("gitlab.com:sub")
            .next()
            .unwrap();
        assert_eq!(
            sub.value_texts().collect::<Vec<_>>(),
            ["project_path:g/${each.key}:ref_type:branch:ref:main"]
        );
        let c = &resources.roles[1];
        assert_eq!(c.name.value, "c-${count.index}");
        assert!(c.trust.is_none(), "a template directive is not evaluated");
    }

    #[test]
    fn syntax_error_is_a_parse_problem() {
        let mut problems = Vec::new();
        let error = load_hcl(
            FileId(0),
            "resource \"a\" {",
            &Limits::default(),
            &mut problems,
        )
        .unwrap_err();
        assert_eq!(error.kind, crate::ProblemKind::Parse);
    }
}
