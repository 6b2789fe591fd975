//! The `Rule` trait every rule implements, and the `Context` rules read: the loaded
//! workspace and the settings from the configuration.

use std::sync::OnceLock;

use trustlint_parser::iam::{PolicyDocument, Role};
use trustlint_parser::input::{Document, Workspace};
use trustlint_parser::SourceFile;

use crate::analysis::sub_claim::SubComponents;
use crate::analysis::sub_questions::SubGrammar;
use crate::finding::Finding;
use crate::meta::RuleMeta;
use crate::settings::Settings;

/// What a rule may read while checking, and analyses built once per run.
#[derive(Debug)]
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub settings: &'a Settings,
    sub_grammar: OnceLock<Option<SubGrammar>>,
}

impl<'a> Context<'a> {
    pub fn new(workspace: &'a Workspace, settings: &'a Settings) -> Self {
        Context {
            workspace,
            settings,
            sub_grammar: OnceLock::new(),
        }
    }

    pub fn source(&self, document: &Document) -> Option<&SourceFile> {
        self.workspace.sources.get(document.file)
    }

    /// The language of GitLab `sub` claims for the configured `sub-claim` components,
    /// built on first use. `None` when the components are invalid (the CLI refuses
    /// such a configuration) or the automaton would be too large.
    pub fn sub_grammar(&self) -> Option<&SubGrammar> {
        self.sub_grammar
            .get_or_init(|| {
                let components = SubComponents::from_names(&self.settings.sub_claim).ok()?;
                SubGrammar::new(components).ok()
            })
            .as_ref()
    }
}

/// One rule. Implement the hooks it needs; the engine calls `check_document` for every
/// document, `check_policy` for every IAM policy (also those inside roles and IaC files),
/// `check_role` for every role, and `check_workspace` once per run.
pub trait Rule: Send + Sync {
    /// The rule's metadata, e.g. `&meta::TL101`.
    fn meta(&self) -> &'static RuleMeta;

    fn check_document(&self, _cx: &Context<'_>, _document: &Document, _out: &mut Vec<Finding>) {}

    fn check_policy(
        &self,
        _cx: &Context<'_>,
        _document: &Document,
        _policy: &PolicyDocument,
        _out: &mut Vec<Finding>,
    ) {
    }

    /// Called for every role of a CloudFormation, Terraform or export document (its
    /// policies also reach [`Rule::check_policy`]); the document's `Content::Iam` holds
    /// the file's other policies and OIDC providers.
    fn check_role(
        &self,
        _cx: &Context<'_>,
        _document: &Document,
        _role: &Role,
        _out: &mut Vec<Finding>,
    ) {
    }

    fn check_workspace(&self, _cx: &Context<'_>, _out: &mut Vec<Finding>) {}
}
