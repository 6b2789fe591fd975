//! The analyses rules share, over the parsed inputs and the settings only (never the
//! rules, the engine or the analysis context, which sit above them):
//!
//! - IAM: the action and condition-key `catalog`, `condition_eval` (AWS condition
//!   evaluation over a request), `permissions` (what an identity policy grants),
//!   `grants` (what a trust policy admits from OIDC providers, and the `sub` verdicts),
//!   `claim_pins` (what a trust requires of the token's other claims),
//!   `provider` (which CI system an OIDC provider is);
//! - GitLab: `claims` (the catalog of the ID token's claims and their names at each
//!   relying party), `sub_claim` and `sub_questions` (the `sub` claim grammar and languages),
//!   `sub_prefix` (a `sub` language of one literal start, answered without products),
//!   `job_runs` (the refs a job runs on), `shell` and `token_use` (what job scripts do
//!   with ID tokens);
//! - across files: `link` (jobs linked to the roles they assume) and `sub_match` (a
//!   job's subs against its role's trust);
//! - the claims engine every other relying party uses: `claim_predicate` (a trust as a
//!   predicate over a token's claims, evaluated on a token and over a space of tokens:
//!   who else gets in, can this job get in, is a protected ref required) and
//!   `relying_party` (the interface of a relying party and the job joins written once);
//! - Google Cloud: `gcp` (a provider's CEL condition and a binding's principal as a
//!   predicate, through the attribute mapping).
//!
//! The automata they are built on are the `trustlint-automata` crate, re-exported here
//! under their module names.

pub use trustlint_automata::{automaton, ci_regex, glob};

pub mod aws_party;
pub mod azure;
pub mod catalog;
pub mod claim_pins;
pub mod claim_predicate;
pub mod claims;
pub mod condition_eval;
pub mod gcp;
pub mod grants;
pub mod job_runs;
pub mod link;
pub mod permissions;
pub mod provider;
pub mod relying_party;
pub mod shell;
pub mod sub_claim;
pub mod sub_match;
mod sub_prefix;
pub mod sub_questions;
pub mod token_use;
pub mod vault;

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
