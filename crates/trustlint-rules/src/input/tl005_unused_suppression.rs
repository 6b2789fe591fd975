//! TL005 unused-suppression: a `# trustlint: ignore[...]` comment that is refused (no
//! codes, an unknown code) or silences nothing. Its findings come from the CLI's
//! suppression pass, which runs after every other rule and sees all their findings; the
//! rule itself has no hook, it only makes the code selectable like any other.

use crate::meta::{self, RuleMeta};
use crate::rule::Rule;

#[derive(Debug)]
pub struct UnusedSuppression;

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL005
    }
}
