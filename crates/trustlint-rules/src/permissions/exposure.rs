//! What TL213 credentials-exposure and TL214 resource-exposure share: a list of actions
//! from a data file (`rules/data/credentials_exposure.txt`,
//! `rules/data/resource_exposure.txt`), each reported where a statement grants it on
//! effectively every resource ([`super::Grant::every_resource_for`]) with no condition
//! scoping the resources instead ([`super::Grant::scoped_by_condition`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use trustlint_parser::iam::PolicyDocument;
use trustlint_parser::input::Document;
use trustlint_parser::Span;

use super::{describe_actions, EveryResource};
use crate::analysis::catalog::{ActionId, ActionSet, Catalog};
use crate::finding::Finding;
use crate::meta::RuleMeta;
use crate::rule::Context;

/// One exposure rule: its actions and how its messages say what they let the holder do.
#[derive(Debug)]
pub(super) struct Exposure {
    pub meta: &'static RuleMeta,
    /// The data file: one `Action<TAB>source` a line, `#` comments.
    pub list: &'static str,
    /// What the holder can do, before "every resource of type …": "obtain credentials for".
    pub can: &'static str,
    /// What follows the resource types: ", and act with their access".
    pub then: &'static str,
    pub help: &'static str,
    /// The list's catalog actions, read on first use.
    pub ids: OnceLock<Vec<ActionId>>,
}

/// The action names of a data file.
pub(super) fn listed(list: &'static str) -> impl Iterator<Item = &'static str> {
    list.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').next().unwrap_or(line))
}

/// The listed actions granted at one place, and the resource types they reach.
type ActionsAndTypes = (ActionSet, Vec<&'static str>);

/// How many resource types a message names before "and N more".
const TYPES_NAMED: usize = 4;

impl Exposure {
    fn actions(&self) -> &[ActionId] {
        self.ids.get_or_init(|| {
            let catalog = Catalog::get();
            listed(self.list)
                .filter_map(|name| catalog.lookup(name))
                .collect()
        })
    }

    pub(super) fn check(
        &self,
        cx: &Context<'_>,
        document: &Document,
        policy: &PolicyDocument,
        out: &mut Vec<Finding>,
    ) {
        let Some(access) = cx.policy_access(document, policy) else {
            return;
        };
        let catalog = Catalog::get();
        for grant in access
            .grants
            .iter()
            .filter(|g| !g.is_admin() && !g.scoped_by_condition())
        {
            // The listed actions, by the text granting them and the text giving them
            // every resource.
            let mut by_span: BTreeMap<(Span, EveryResource<'_>), ActionsAndTypes> = BTreeMap::new();
            // What the grant holds first: a bit test, cheaper than the resource question.
            let granted = self
                .actions()
                .iter()
                .filter(|&&id| grant.effective().contains(id));
            for &id in granted {
                let Some(entry) = catalog.action(id) else {
                    continue;
                };
                let Some(every) = grant.every_resource_for(id) else {
                    continue;
                };
                let (actions, types) = by_span
                    .entry((grant.span_granting(id), every))
                    .or_insert_with(|| (ActionSet::empty(), Vec::new()));
                actions.insert(id);
                let reached = entry
                    .resource_types()
                    .filter(|t| every.written.is_none_or(|w| w == "*" || t.could_match(w)));
                for kind in reached {
                    if !types.contains(&kind.name()) {
                        types.push(kind.name());
                    }
                }
            }
            for ((span, every), (actions, types)) in by_span {
                let plural = if types.len() == 1 { "" } else { "s" };
                let mut named = types
                    .iter()
                    .take(TYPES_NAMED)
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                if types.len() > TYPES_NAMED {
                    named.push_str(&format!(" and {} more", types.len() - TYPES_NAMED));
                }
                out.push(
                    Finding::new(
                        self.meta,
                        span,
                        format!(
                            "this grants {} on {}{}: its holder can {} every resource of type{plural} {}{}",
                            describe_actions(&actions, 3),
                            every.describe(),
                            grant.conditional_note(),
                            self.can,
                            named,
                            self.then
                        ),
                    )
                    .with_help(self.help)
                    .with_related(every.span, "on every resource"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permissions::{tl213_credentials_exposure, tl214_resource_exposure};

    #[test]
    fn every_listed_action_is_in_the_catalog_with_resource_types() {
        let catalog = Catalog::get();
        for list in [
            tl213_credentials_exposure::LIST,
            tl214_resource_exposure::LIST,
        ] {
            let names: Vec<&str> = listed(list).collect();
            assert!(names.len() > 20);
            for name in names {
                let entry = catalog.lookup(name).and_then(|id| catalog.action(id));
                assert!(
                    entry.is_some_and(|a| a.has_resource_types() && a.qualified_name() == name),
                    "{name}: not a catalog action with resource types"
                );
            }
        }
    }
}
