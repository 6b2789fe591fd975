//! Detection and loading of the infrastructure-as-code and export inputs (CloudFormation,
//! Terraform HCL and plan JSON, `aws iam` output) into [`Content::Iam`] documents; the
//! dispatch by kind and file name lives in [`crate::input`].

use std::path::Path;

use crate::aws_export::{is_export, load_export};
use crate::cloudformation::{is_template, load_template};
use crate::document::{Content, Discovery, Document, InputKind};
use crate::federation::gcp::export as gcp_export;
use crate::federation::vault;
use crate::iam::role::IamResources;
use crate::json::parse_json;
use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::SourceFile;
use crate::terraform::{self, ModuleReader};
use crate::tree::Node;
use crate::yaml::{parse_yaml, parse_yaml_documents};

fn extension(path: &Path) -> Option<&str> {
    path.extension().and_then(|ext| ext.to_str())
}

/// True for `*.yaml` / `*.yml` (possible CloudFormation templates).
pub fn is_yaml_name(path: &Path) -> bool {
    matches!(extension(path), Some("yaml" | "yml"))
}

/// True for `*.tf`.
pub fn is_terraform_name(path: &Path) -> bool {
    terraform::is_tf_name(path)
}

/// The kind a parsed JSON root that is no policy document holds, if any.
pub fn json_kind(root: &Node) -> Option<InputKind> {
    if is_export(root) {
        Some(InputKind::AwsExport)
    } else if is_template(root) {
        Some(InputKind::CloudFormation)
    } else if terraform::is_plan(root) {
        Some(InputKind::Terraform)
    } else if crate::federation::azure::json::is_azure_json(root) {
        Some(InputKind::Azure)
    } else if gcp_export::is_export(root) {
        Some(InputKind::GcpExport)
    } else if vault::is_read_output(root) {
        Some(InputKind::VaultExport)
    } else {
        None
    }
}

/// The kind the raw text of a file that does not parse shows signs of.
pub fn kind_from_text(text: &str) -> Option<InputKind> {
    if text.contains("AWSTemplateFormatVersion") {
        Some(InputKind::CloudFormation)
    } else if text.contains("RoleDetailList") || text.contains("\"Role\"") {
        Some(InputKind::AwsExport)
    } else if text.contains("resource \"aws_iam") {
        Some(InputKind::Terraform)
    } else if text.contains("federatedIdentityCredentials")
        || text.contains("claimsMatchingExpression")
    {
        Some(InputKind::Azure)
    } else {
        None
    }
}

/// Loads a parsed JSON root as `kind` (one of the IaC/export kinds).
pub fn json_document(file: &SourceFile, kind: InputKind, root: &Node, limits: &Limits) -> Document {
    let mut problems = Vec::new();
    let resources = match kind {
        InputKind::AwsExport => load_export(root, &file.text, limits, &mut problems),
        InputKind::Terraform => terraform::load_plan(root, &file.text, limits, &mut problems),
        InputKind::Azure => {
            let mut resources = IamResources::default();
            resources.federation.azure =
                crate::federation::azure::json::read_json(root, &file.text);
            resources
        }
        InputKind::GcpExport => gcp_resources(root, &file.text),
        InputKind::VaultExport => {
            let mut resources = IamResources::default();
            resources.federation.vault = vault::read_output(root, &file.text);
            resources
        }
        _ => load_template(root, &file.text, limits, &mut problems),
    };
    iam_document(file, kind, resources, problems)
}

/// Loads a file forced (or named by its extension) to be one of the IaC/export kinds.
/// Terraform HCL reads its module's other `*.tf` files through `modules`.
pub fn load_as(
    file: &SourceFile,
    kind: InputKind,
    limits: &Limits,
    modules: &dyn ModuleReader,
) -> Document {
    if kind == InputKind::Terraform && extension(&file.path) != Some("json") {
        return hcl_document(file, limits, modules);
    }
    let yaml = extension(&file.path) != Some("json");
    if kind == InputKind::GcpExport && yaml {
        return gcp_yaml(file, limits)
            .unwrap_or_else(|| iam_document(file, kind, IamResources::default(), Vec::new()));
    }
    let parsed = if kind == InputKind::CloudFormation && yaml {
        parse_yaml(file.id, &file.text, limits)
    } else {
        parse_json(file.id, &file.text, limits)
    };
    match parsed {
        Ok(root) => json_document(file, kind, &root, limits),
        Err(problem) => unparsed(file, kind, problem),
    }
}

/// Loads a walked or named `*.tf`, `*.yaml` or `*.yml` file that no other kind claimed:
/// Terraform by name, YAML only when it is a CloudFormation template.
pub fn load_by_name(
    file: &SourceFile,
    discovery: Discovery,
    limits: &Limits,
    modules: &dyn ModuleReader,
) -> Option<Document> {
    if is_terraform_name(&file.path) {
        return Some(hcl_document(file, limits, modules));
    }
    if !is_yaml_name(&file.path) {
        return None;
    }
    match parse_yaml(file.id, &file.text, limits) {
        Ok(root) if is_template(&root) => Some(json_document(
            file,
            InputKind::CloudFormation,
            &root,
            limits,
        )),
        Ok(_) => gcp_yaml(file, limits),
        Err(problem) => {
            let claimed = discovery == Discovery::Named
                || kind_from_text(&file.text) == Some(InputKind::CloudFormation);
            claimed.then(|| unparsed(file, InputKind::CloudFormation, problem))
        }
    }
}

/// A YAML `gcloud` export or Config Connector manifest: the Google Cloud resources of
/// every document of the stream (manifests are often several, separated by `---`), with
/// the problems of the documents that don't parse; `None` when no document is one.
fn gcp_yaml(file: &SourceFile, limits: &Limits) -> Option<Document> {
    // Every export holds one of these words (a provider's name, a policy's bindings, a
    // Config Connector `apiVersion`): other YAML files are not parsed again.
    let signs = [
        "workloadIdentityPools",
        "bindings",
        gcp_export::CONFIG_CONNECTOR_IAM,
    ];
    if !signs.iter().any(|sign| file.text.contains(sign)) {
        return None;
    }
    let mut resources = IamResources::default();
    let mut problems = Vec::new();
    let mut found = false;
    for document in parse_yaml_documents(file.id, &file.text, limits) {
        match document {
            Ok(root) if gcp_export::is_export(&root) => {
                found = true;
                resources
                    .federation
                    .gcp
                    .extend(gcp_export::load(&root, &file.text));
            }
            Ok(_) => {}
            Err(problem) => problems.push(problem),
        }
    }
    found.then(|| iam_document(file, InputKind::GcpExport, resources, problems))
}

/// The Google Cloud providers and grants of a `gcloud` export or Config Connector manifest.
fn gcp_resources(root: &Node, text: &str) -> IamResources {
    let mut resources = IamResources::default();
    resources.federation.gcp = gcp_export::load(root, text);
    resources
}

fn hcl_document(file: &SourceFile, limits: &Limits, modules: &dyn ModuleReader) -> Document {
    let mut problems = Vec::new();
    match terraform::load_in_folder(
        file.id,
        &file.path,
        &file.text,
        modules,
        limits,
        &mut problems,
    ) {
        Ok(resources) => iam_document(file, InputKind::Terraform, resources, problems),
        Err(problem) => unparsed(file, InputKind::Terraform, problem),
    }
}

fn iam_document(
    file: &SourceFile,
    kind: InputKind,
    resources: IamResources,
    problems: Vec<Problem>,
) -> Document {
    Document {
        file: file.id,
        kind,
        content: Content::Iam(Box::new(resources)),
        problems,
    }
}

fn unparsed(file: &SourceFile, kind: InputKind, problem: Problem) -> Document {
    Document {
        file: file.id,
        kind,
        content: Content::Unparsed,
        problems: vec![problem],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{is_candidate_name, load};
    use crate::FileId;

    fn walked(name: &str, text: &str) -> Option<Document> {
        let file = SourceFile::new(FileId(0), name.into(), text);
        assert!(is_candidate_name(&file.path), "{name} is walked");
        load(&file, None, Discovery::Walked, &Limits::default())
    }

    fn kind_and_parsed(document: Option<Document>) -> Option<(InputKind, bool)> {
        document.map(|d| (d.kind, matches!(d.content, Content::Iam(_))))
    }

    #[test]
    fn detection_by_name_and_content() {
        let template = "Resources:\n  R:\n    Type: AWS::IAM::Role\n";
        assert_eq!(
            kind_and_parsed(walked("stack.yaml", template)),
            Some((InputKind::CloudFormation, true))
        );
        assert!(walked("docker-compose.yml", "services:\n  web: {}\n").is_none());
        assert!(
            walked("broken.yml", "a: [\n").is_none(),
            "broken plain YAML is skipped"
        );
        assert_eq!(
            kind_and_parsed(walked("broken.yml", "AWSTemplateFormatVersion: x\na: [\n")),
            Some((InputKind::CloudFormation, false))
        );
        assert_eq!(
            kind_and_parsed(walked("main.tf", "locals {}\n")),
            Some((InputKind::Terraform, true))
        );
        assert_eq!(
            kind_and_parsed(walked("main.tf", "resource {\n")),
            Some((InputKind::Terraform, false))
        );
        assert_eq!(
            kind_and_parsed(walked("role.json", r#"{"Role": {"RoleName": "r"}}"#)),
            Some((InputKind::AwsExport, true))
        );
        assert_eq!(
            kind_and_parsed(walked(
                "plan.json",
                r#"{"format_version": "1.2", "planned_values": {}}"#
            )),
            Some((InputKind::Terraform, true))
        );
        assert!(walked("package.json", r#"{"name": "x"}"#).is_none());
    }

    #[test]
    fn forced_kinds() {
        let file = SourceFile::new(FileId(0), "template.txt".into(), "Resources: {}\n");
        let document = load(
            &file,
            Some(InputKind::CloudFormation),
            Discovery::Named,
            &Limits::default(),
        );
        assert_eq!(
            kind_and_parsed(document),
            Some((InputKind::CloudFormation, true))
        );
        let file = SourceFile::new(FileId(0), "iam.hcl".into(), "locals {}\n");
        let document = load(
            &file,
            Some(InputKind::Terraform),
            Discovery::Named,
            &Limits::default(),
        );
        assert_eq!(
            kind_and_parsed(document),
            Some((InputKind::Terraform, true))
        );
    }
}
