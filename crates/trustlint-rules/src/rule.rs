//! The `Rule` trait every rule implements, and the `Context` rules read: the loaded
//! workspace and the settings from the configuration.

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::{Document, Workspace};
use trustlint_parser::SourceFile;

use crate::finding::Finding;
use crate::meta::RuleMeta;
use crate::settings::Settings;

/// What a rule may read while checking.
#[derive(Debug)]
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub settings: &'a Settings,
}

impl Context<'_> {
    pub fn source(&self, document: &Document) -> Option<&SourceFile> {
        self.workspace.sources.get(document.file)
    }
}

/// One rule. Implement the hooks it needs; the engine calls `check_document` for every
/// document, `check_policy` for every IAM policy, and `check_workspace` once per run.
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

    fn check_workspace(&self, _cx: &Context<'_>, _out: &mut Vec<Finding>) {}
}
