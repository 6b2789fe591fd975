//! TL005 unused-suppression: a `# trustlint: ignore[...]` comment that is refused (no
//! codes, an unknown code, an unknown directive) or a code of it that silences nothing
//! while its rule ran. It works in the engine's last phase ([`crate::engine::suppress`]),
//! after every other rule, when the suppressions have been matched with their findings.

use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};
use crate::suppression::{Flaw, Suppressions};

#[derive(Debug)]
pub struct UnusedSuppression;

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL005
    }

    fn check_suppressions(
        &self,
        _cx: &Context<'_>,
        suppressions: &Suppressions,
        out: &mut Vec<Finding>,
    ) {
        out.extend(suppressions.flaws.iter().map(|flaw| match flaw {
            Flaw::Refused { span, message } => Finding::new(&meta::TL005, *span, message.clone())
                .with_help(
                    "name the codes it silences, e.g. `# trustlint: ignore[TL101]` (`trustlint rules` lists them)",
                ),
            Flaw::Unused { span, code } => Finding::new(
                &meta::TL005,
                *span,
                format!(
                    "this suppression of {code} matches no {code} finding on its line or the next one"
                ),
            )
            .with_help("remove it (or its code from the list): the finding it was for is gone"),
        }));
    }
}
