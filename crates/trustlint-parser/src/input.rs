//! Input kinds and loading one file into its typed document: kind detection from the
//! file name and content (docs/cli.md "What is read"), then the right loader, with
//! every problem collected instead of thrown.

use std::path::Path;

pub use crate::document::{Content, Discovery, Document, InputKind};
use crate::federation::{self, Federation};
use crate::gitlab::{self, IncludeReader, NoIncludes};
use crate::iac;
use crate::iam::load_policy;
use crate::iam::role::IamResources;
use crate::json::parse_json;
use crate::limits::Limits;
use crate::problem::Problem;
use crate::script;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::terraform::{ModuleReader, NoModules};
use crate::tree::Node;

/// Whether a file name alone makes a file GitLab CI (`.gitlab-ci.yml`, `*.gitlab-ci.yml`,
/// `*.gitlab-ci.yaml`).
pub fn is_gitlab_ci_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name == ".gitlab-ci.yml"
        || name.ends_with(".gitlab-ci.yml")
        || name.ends_with(".gitlab-ci.yaml")
}

/// Whether a walked file is worth reading at all (cheap, by name).
pub fn is_candidate_name(path: &Path) -> bool {
    is_gitlab_ci_name(path)
        || path.extension().is_some_and(|ext| ext == "json")
        || iac::is_yaml_name(path)
        || iac::is_terraform_name(path)
        || script::is_script_name(path)
}

/// Loads a file. `kind` forces the kind (from `--kind` or the config's `ci-files`);
/// otherwise it is detected. `None`: the file is none of trustlint's kinds (and, for a
/// walked file that does not parse, shows no sign of being one), so it is skipped.
/// Local `include:`s of GitLab CI files and the other files of a Terraform module are
/// not read (see [`load_with`]).
pub fn load(
    file: &SourceFile,
    kind: Option<InputKind>,
    discovery: Discovery,
    limits: &Limits,
) -> Option<Document> {
    load_with(file, kind, discovery, limits, &NoIncludes, &NoModules)
}

/// [`load`], reading the local `include:`s of GitLab CI files through `includes` and the
/// sibling `*.tf` files of a Terraform file (its module) through `modules` (both e.g.
/// [`crate::files::LocalFiles::rooted`] at the repository root; the files read must then
/// be added to the run's source map with [`crate::files::LocalFiles::into_sources`]).
pub fn load_with(
    file: &SourceFile,
    kind: Option<InputKind>,
    discovery: Discovery,
    limits: &Limits,
    includes: &dyn IncludeReader,
    modules: &dyn ModuleReader,
) -> Option<Document> {
    let standalone = file.path.file_name().is_some_and(|n| n == ".gitlab-ci.yml");
    let kind = kind
        .or_else(|| is_gitlab_ci_name(&file.path).then_some(InputKind::GitlabCi))
        .or_else(|| {
            let unnamed = discovery == Discovery::Named && file.path.extension().is_none();
            unnamed.then(|| sniffed_kind(&file.text)).flatten()
        });
    match kind {
        Some(InputKind::GitlabCi) => Some(
            match gitlab::load_file(file.id, &file.text, includes, limits, standalone) {
                Ok((pipeline, problems)) => Document {
                    file: file.id,
                    kind: InputKind::GitlabCi,
                    content: Content::GitlabCi(Box::new(pipeline)),
                    problems,
                },
                Err(problem) => unparsed(file.id, InputKind::GitlabCi, problem),
            },
        ),
        Some(
            kind @ (InputKind::CloudFormation
            | InputKind::Terraform
            | InputKind::AwsExport
            | InputKind::Azure
            | InputKind::GcpExport
            | InputKind::VaultExport),
        ) => Some(iac::load_as(file, kind, limits, modules)),
        Some(InputKind::Script) => load_script(file),
        Some(InputKind::Unrecognised) => None,
        Some(InputKind::IamPolicy) => Some(match parse_json(file.id, &file.text, limits) {
            Ok(root) if root.get("Statement").is_none() => match iac::json_kind(&root) {
                Some(kind) => iac::json_document(file, kind, &root, limits),
                None => policy_document(file.id, &root),
            },
            Ok(root) => policy_document(file.id, &root),
            Err(problem) => unparsed(file.id, InputKind::IamPolicy, problem),
        }),
        None if file.path.extension().is_some_and(|ext| ext == "json") => {
            match parse_json(file.id, &file.text, limits) {
                Ok(root) if root.get("Statement").is_some() => {
                    Some(policy_document(file.id, &root))
                }
                Ok(root) => {
                    iac::json_kind(&root).map(|kind| iac::json_document(file, kind, &root, limits))
                }
                Err(problem) => {
                    (discovery == Discovery::Named || looks_like_iam(&file.text)).then(|| {
                        let kind = iac::kind_from_text(&file.text).unwrap_or(InputKind::IamPolicy);
                        unparsed(file.id, kind, problem)
                    })
                }
            }
        }
        None if script::is_script_name(&file.path) => load_script(file),
        None => iac::load_by_name(file, discovery, limits, modules),
    }
}

/// Loads a shell script: the relying parties its commands declare. `None` when it
/// declares none and has no problem (a walked script is then skipped, a named one
/// reported as unrecognised).
fn load_script(file: &SourceFile) -> Option<Document> {
    let commands = script::commands(file.id, &file.text, 0);
    let mut federation = Federation::default();
    let mut problems: Vec<Problem> = Vec::new();
    federation::gcp::read_commands(&commands, &mut federation.gcp, &mut problems);
    federation::vault::read_commands(&commands, &mut federation.vault, &mut problems);
    federation::azure::read_commands(&commands, &mut federation.azure, &mut problems);
    (!federation.is_empty() || !problems.is_empty()).then(|| Document {
        file: file.id,
        kind: InputKind::Script,
        content: Content::Iam(Box::new(IamResources {
            federation,
            ..IamResources::default()
        })),
        problems,
    })
}

/// Lines that start only GitLab CI configurations (global keywords).
const GITLAB_CI_STARTS: [&str; 5] = ["stages:", "include:", "workflow:", "default:", "spec:"];

/// Lines that start Terraform blocks.
const TERRAFORM_STARTS: [&str; 7] = [
    "resource \"",
    "data \"",
    "provider \"",
    "module \"",
    "variable \"",
    "terraform {",
    "locals {",
];

/// The kind of a named file whose name says nothing (standard input, a pipe such as
/// `<(cat trust.json)`, a file without extension), from its text: JSON goes to
/// the IAM loader, which tells policies from `aws iam` output, templates and plans.
fn sniffed_kind(text: &str) -> Option<InputKind> {
    let start = text.trim_start_matches('\u{feff}').trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        return Some(InputKind::IamPolicy);
    }
    if let Some(kind) = iac::kind_from_text(text) {
        return Some(kind);
    }
    let starts = |signs: &[&str]| {
        text.lines()
            .any(|line| signs.iter().any(|s| line.starts_with(s)))
    };
    if starts(&TERRAFORM_STARTS) {
        Some(InputKind::Terraform)
    } else if starts(&GITLAB_CI_STARTS)
        || text
            .lines()
            .any(|line| line.trim_start().starts_with("script:"))
    {
        Some(InputKind::GitlabCi)
    } else {
        None
    }
}

/// A path named for checking in which nothing could be read as one of trustlint's
/// kinds (`what` says why), kept so that the run says so (`TL006`).
pub fn unrecognised(file: FileId, what: impl Into<String>, help: impl Into<String>) -> Document {
    let problem = Problem::not_recognised(Span::new(file, 0, 0), what).with_help(help);
    unparsed(file, InputKind::Unrecognised, problem)
}

fn policy_document(file: FileId, root: &Node) -> Document {
    let mut problems = Vec::new();
    let content = load_policy(root, &mut problems).map_or(Content::Unparsed, Content::IamPolicy);
    Document {
        file,
        kind: InputKind::IamPolicy,
        content,
        problems,
    }
}

/// A file that could not even be read as text (too large, unreadable, not UTF-8): kept
/// with its problem when it is named, forced, or by its name or content one of ours.
pub fn unreadable(
    file: &SourceFile,
    kind: Option<InputKind>,
    discovery: Discovery,
    problem: Problem,
) -> Option<Document> {
    let kind = kind
        .or_else(|| is_gitlab_ci_name(&file.path).then_some(InputKind::GitlabCi))
        .or_else(|| iac::is_terraform_name(&file.path).then_some(InputKind::Terraform));
    let claimed = kind.is_some() || discovery == Discovery::Named || looks_like_iam(&file.text);
    claimed.then(|| unparsed(file.id, kind.unwrap_or(InputKind::IamPolicy), problem))
}

fn unparsed(file: FileId, kind: InputKind, problem: Problem) -> Document {
    Document {
        file,
        kind,
        content: Content::Unparsed,
        problems: vec![problem],
    }
}

/// Raw-text signs that a file which fails to parse was meant to be an IAM input
/// (docs/cli.md: such files get `TL001`, other broken files in a folder are skipped).
fn looks_like_iam(text: &str) -> bool {
    [
        "\"Statement\"",
        "AWSTemplateFormatVersion",
        "RoleDetailList",
        "\"Role\"",
        "resource \"aws_iam",
    ]
    .iter()
    .any(|sign| text.contains(sign))
}

/// Every input of one run: the files and what each holds, in file-id order.
#[derive(Debug, Default)]
pub struct Workspace {
    pub sources: SourceMap,
    pub documents: Vec<Document>,
}
