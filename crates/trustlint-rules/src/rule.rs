//! The `Rule` trait every rule implements, and the `Context` rules read: the loaded
//! workspace and the settings from the configuration.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use trustlint_parser::iam::{PolicyDocument, Role};
use trustlint_parser::input::{Content, Document, InputKind, Workspace};
use trustlint_parser::{FileId, SourceFile};

use crate::analysis::sub_claim::SubComponents;
use crate::analysis::sub_questions::SubGrammar;
use crate::cross::link::{self, Link};
use crate::finding::Finding;
use crate::last_checked::{self, CheckedKey};
use crate::meta::RuleMeta;
use crate::settings::Settings;
use crate::suppression::Suppressions;

/// What a rule may read while checking, and analyses built once per run.
#[derive(Debug)]
pub struct Context<'a> {
    pub workspace: &'a Workspace,
    pub settings: &'a Settings,
    sub_grammar: OnceLock<Option<SubGrammar>>,
    links: OnceLock<Vec<Link<'a>>>,
    included: OnceLock<HashSet<String>>,
    gitlab_ci_files: OnceLock<HashMap<PathBuf, Vec<FileId>>>,
    /// This run's number, for [`CheckedKey`]s.
    run: u64,
    /// The addresses of the workspace's policies.
    policies: OnceLock<HashSet<usize>>,
}

impl<'a> Context<'a> {
    pub fn new(workspace: &'a Workspace, settings: &'a Settings) -> Self {
        Context {
            workspace,
            settings,
            sub_grammar: OnceLock::new(),
            links: OnceLock::new(),
            included: OnceLock::new(),
            gitlab_ci_files: OnceLock::new(),
            run: last_checked::new_run(),
            policies: OnceLock::new(),
        }
    }

    /// The key under which rules remember what they derive from `policy`
    /// ([`crate::last_checked`]); `None` when it is not a policy of the workspace.
    pub(crate) fn policy_key(&self, policy: &PolicyDocument) -> Option<CheckedKey> {
        let address = |policy: &PolicyDocument| std::ptr::from_ref(policy) as usize;
        let policies = self.policies.get_or_init(|| {
            self.workspace
                .documents
                .iter()
                .flat_map(
                    |document| -> Box<dyn Iterator<Item = &PolicyDocument> + '_> {
                        match &document.content {
                            Content::IamPolicy(policy) => Box::new(std::iter::once(policy)),
                            Content::Iam(resources) => Box::new(resources.documents()),
                            Content::GitlabCi(_) | Content::Unparsed => {
                                Box::new(std::iter::empty())
                            }
                        }
                    },
                )
                .map(address)
                .collect()
        });
        let address = address(policy);
        policies
            .contains(&address)
            .then(|| CheckedKey::new(self.run, address))
    }

    /// The key under which rules remember what they derive from `document`
    /// ([`crate::last_checked`]); `None` when it is not a document of the workspace.
    pub(crate) fn document_key(&self, document: &Document) -> Option<CheckedKey> {
        index_in(&self.workspace.documents, document)?;
        Some(CheckedKey::new(
            self.run,
            std::ptr::from_ref(document) as usize,
        ))
    }

    /// The ids of the GitLab CI documents read from `path` (a file checked on its own
    /// and also read through another pipeline's `include:` has one id each time).
    pub fn gitlab_ci_files(&self, path: &Path) -> &[FileId] {
        let by_path = self.gitlab_ci_files.get_or_init(|| {
            let mut by_path: HashMap<PathBuf, Vec<FileId>> = HashMap::new();
            for document in &self.workspace.documents {
                if document.kind != InputKind::GitlabCi {
                    continue;
                }
                if let Some(source) = self.workspace.sources.get(document.file) {
                    by_path
                        .entry(source.path.clone())
                        .or_default()
                        .push(document.file);
                }
            }
            by_path
        });
        by_path.get(path).map_or(&[], Vec::as_slice)
    }

    pub fn source(&self, document: &Document) -> Option<&SourceFile> {
        self.workspace.sources.get(document.file)
    }

    /// Every job of the workspace linked to a role it assumes, computed on first use.
    pub(crate) fn links(&self) -> &[Link<'a>] {
        self.links
            .get_or_init(|| link::links(self.workspace, self.settings, self.included_files()))
    }

    /// Whether `document` is a CI fragment that another scanned pipeline includes: its
    /// jobs are judged there, where `include: rules:` and `workflow:` apply to them.
    pub fn is_included_fragment(&self, document: &Document) -> bool {
        self.source(document)
            .is_some_and(|file| self.included_files().contains(&file.display_path()))
    }

    /// The files (display paths) that define jobs of a scanned pipeline other than its own
    /// file: fragments read through `include:`.
    fn included_files(&self) -> &HashSet<String> {
        self.included.get_or_init(|| {
            self.workspace
                .documents
                .iter()
                .filter_map(|document| match &document.content {
                    Content::GitlabCi(pipeline) => Some((document.file, pipeline)),
                    _ => None,
                })
                .flat_map(|(file, pipeline)| {
                    pipeline
                        .jobs
                        .iter()
                        .map(|job| job.name.span.file)
                        .filter(move |&defined_in| defined_in != file)
                })
                .filter_map(|file| self.workspace.sources.get(file).map(|f| f.display_path()))
                .collect()
        })
    }

    /// The language of GitLab `sub` claims for the configured `sub-claim` components,
    /// built on first use. `None` when the components are invalid (the CLI refuses
    /// such a configuration) or the automaton would be too large.
    pub fn sub_grammar(&self) -> Option<&SubGrammar> {
        self.sub_grammar
            .get_or_init(|| {
                let components = SubComponents::from_names(&self.settings.sub_claim).ok()?;
                SubGrammar::shared(components).ok()
            })
            .as_ref()
    }
}

/// The position of `item` in `items` when it is one of them (the same place in memory,
/// not an equal value).
pub(crate) fn index_in<T>(items: &[T], item: &T) -> Option<usize> {
    let size = std::mem::size_of::<T>().max(1);
    let offset = (std::ptr::from_ref(item) as usize).checked_sub(items.as_ptr() as usize)?;
    let index = offset / size;
    (offset % size == 0
        && items
            .get(index)
            .is_some_and(|found| std::ptr::eq(found, item)))
    .then_some(index)
}

/// One rule. Implement the hooks it needs; the engine calls `check_document` for every
/// document, `check_policy` for every IAM policy (also those inside roles and IaC files),
/// `check_role` for every role, and `check_workspace` once per run; then, once the
/// findings of all are known, `check_suppressions`.
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

    /// The last phase ([`crate::engine::suppress`]), once per run after every other hook
    /// of every rule: the inline suppressions have silenced the findings they name, and
    /// `suppressions` holds what is wrong with the comments (TL005 reports it).
    fn check_suppressions(
        &self,
        _cx: &Context<'_>,
        _suppressions: &Suppressions,
        _out: &mut Vec<Finding>,
    ) {
    }

    /// Whether the rule finds secret values ([`Finding::secrets`]): such a rule runs even
    /// when it is disabled, so every report still masks the secrets it knows of.
    fn finds_secrets(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::index_in;

    #[test]
    fn index_in_finds_the_same_place_not_an_equal_value() {
        let items = vec![String::from("a"), String::from("b"), String::from("a")];
        assert_eq!(index_in(&items, &items[1]), Some(1));
        assert_eq!(index_in(&items, &items[2]), Some(2));
        let equal = String::from("a");
        assert_eq!(index_in(&items, &equal), None);
        let other = [String::from("a")];
        assert_eq!(index_in(&items, &other[0]), None);
        assert_eq!(index_in(&items[..1], &items[2]), None);
        let empty: [String; 0] = [];
        assert_eq!(index_in(&empty, &items[0]), None);
    }
}
