//! A `sub` language of one literal start: the subs of an automaton (the grammar's, or a
//! narrower one) that start with a text, and with none of a few other texts comparable
//! with it (the starts of `Deny` carve-outs: `…:ref:*` but not `…:ref:feature/*`). It is
//! the language of the most common `StringLike` values (`project_path:acme/*`,
//! `…:ref_type:tag:ref:v*`), of a project's refs, and of such a value minus carve-outs
//! by longer starts, and [`SubLanguage`](super::sub_questions::SubLanguage) holds such a
//! language in this form: the questions the trust rules ask of it are read off the
//! automaton it is within, from the state its start leads to (beside the trie of the
//! carve-outs' rests), without building the product of the two. Its own automaton is
//! built only for an operation that needs one (once per language). Witnesses are those
//! of that automaton: the same strings in the same order, "other" written as the
//! representative of its alphabet (a property test in `sub_questions` compares every
//! answer with the automaton's).

use std::sync::{Arc, OnceLock};

use super::automaton::{Alphabet, AutomatonError, Dfa, MAX_STATES};

/// The subs of `within` that start with `prefix` and with none of `excluded`.
#[derive(Debug)]
pub(crate) struct PrefixSubs {
    prefix: String,
    /// Starts whose subs are left out, each extending `prefix` or starting it (then
    /// nothing is left); few enough that a search beside their trie stays within the
    /// automata's bounds ([`PrefixSubs::excluding`]).
    excluded: Vec<String>,
    within: Arc<Dfa>,
    /// Whether `within` is every sub of the grammar: then every language of the grammar
    /// meets this one where it meets `prefix` (they are all within the grammar).
    within_all: bool,
    /// The alphabet the language's automaton reads (`within`'s, `prefix`'s and those of
    /// the languages whose starts were excluded).
    alphabet: Alphabet,
    automaton: OnceLock<Dfa>,
}

impl PrefixSubs {
    /// The subs of `within` starting with `prefix` (`within_all`: `within` is all of the
    /// grammar's subs).
    pub(crate) fn new(prefix: String, within: Arc<Dfa>, within_all: bool) -> PrefixSubs {
        let alphabet = within
            .alphabet()
            .union(&Alphabet::of_texts([prefix.as_str()]));
        PrefixSubs {
            prefix,
            excluded: Vec::new(),
            within,
            within_all,
            alphabet,
            automaton: OnceLock::new(),
        }
    }

    /// The literal start.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether some starts are left out.
    pub(crate) fn has_exclusions(&self) -> bool {
        !self.excluded.is_empty()
    }

    /// The alphabet of the language's automaton.
    pub(crate) fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// Whether the language is within every sub of the grammar only (not narrowed).
    pub(crate) fn within_all(&self) -> bool {
        self.within_all
    }

    /// This language's subs within `narrower` (a language of the grammar, so within
    /// `within` when that is every sub), for a language within every sub.
    pub(crate) fn narrowed(&self, narrower: &Arc<Dfa>) -> PrefixSubs {
        PrefixSubs {
            prefix: self.prefix.clone(),
            excluded: self.excluded.clone(),
            within: Arc::clone(narrower),
            within_all: false,
            alphabet: self.alphabet.union(narrower.alphabet()),
            automaton: OnceLock::new(),
        }
    }

    /// The subs of both languages, both within every sub, when one start extends the
    /// other (then it is the longer start, without the exclusions of both); `None` when
    /// neither does.
    pub(crate) fn meet(&self, other: &PrefixSubs) -> Option<PrefixSubs> {
        let longer = if other.prefix.starts_with(&self.prefix) {
            other
        } else if self.prefix.starts_with(&other.prefix) {
            self
        } else {
            return None;
        };
        let excluded = self.excluded.iter().chain(&other.excluded);
        Some(PrefixSubs {
            prefix: longer.prefix.clone(),
            excluded: comparable_with(&longer.prefix, excluded),
            within: Arc::clone(&longer.within),
            within_all: true,
            alphabet: self.alphabet.union(&other.alphabet),
            automaton: OnceLock::new(),
        })
    }

    /// This language's subs that are not `other`'s (a `Deny` carve-out), both within
    /// every sub: `other`'s start joins the excluded ones. `None` when `other` has
    /// exclusions of its own, or when the exclusions would make the searches beside
    /// their trie larger than an automaton may be (then build the automata).
    pub(crate) fn excluding(&self, other: &PrefixSubs) -> Option<PrefixSubs> {
        if other.has_exclusions() {
            return None;
        }
        let excluded = comparable_with(&self.prefix, self.excluded.iter().chain([&other.prefix]));
        let trie_size: usize = excluded
            .iter()
            .map(|text| {
                text.chars()
                    .count()
                    .saturating_sub(self.prefix.chars().count())
            })
            .sum();
        if (trie_size + 2).saturating_mul(self.within.state_count()) > MAX_STATES {
            return None;
        }
        Some(PrefixSubs {
            prefix: self.prefix.clone(),
            excluded,
            within: Arc::clone(&self.within),
            within_all: self.within_all,
            alphabet: self.alphabet.union(&other.alphabet),
            automaton: OnceLock::new(),
        })
    }

    /// The language's automaton (built on first use).
    pub(crate) fn automaton(&self) -> Result<&Dfa, AutomatonError> {
        if let Some(built) = self.automaton.get() {
            return Ok(built);
        }
        let built = self
            .within
            .starting_with(&self.prefix, &self.excluded_texts())?
            .over_alphabet(&self.alphabet);
        Ok(self.automaton.get_or_init(|| built))
    }

    /// Is `sub` in the language?
    pub(crate) fn contains(&self, sub: &str) -> bool {
        sub.starts_with(&self.prefix)
            && !self.excluded.iter().any(|text| sub.starts_with(text))
            && self.within.contains(sub)
    }

    /// No sub at all?
    pub(crate) fn is_empty(&self) -> bool {
        self.witness().is_none()
    }

    /// The shortest, then smallest, sub of the language.
    pub(crate) fn witness(&self) -> Option<String> {
        self.witness_in(&self.within, &self.alphabet)
    }

    /// The witness of the subs of this language in `preferred` (a language of the
    /// grammar), for a language within every sub.
    pub(crate) fn witness_within(&self, preferred: &Dfa) -> Option<String> {
        self.witness_in(preferred, &self.alphabet.union(preferred.alphabet()))
    }

    /// Does every sub of `within` that starts with `start` (a start of this language's)
    /// start with this language's, and with none of its exclusions? For a language
    /// within every sub, that is: does this language hold every sub starting with
    /// `start`?
    pub(crate) fn holds_all_starting_with(&self, start: &str) -> bool {
        match self.prefix.strip_prefix(start) {
            Some(rest) => {
                self.within
                    .every_string_from_starts_with(self.within.state_after(0, start), rest)
                    && !self.excludes_some_starting_with(&self.prefix)
            }
            None => false,
        }
    }

    /// Does an exclusion leave out a sub of `within` that starts with `start` (a text
    /// extending this language's start)?
    pub(crate) fn excludes_some_starting_with(&self, start: &str) -> bool {
        self.excluded.iter().any(|text| {
            let longer = if text.starts_with(start) {
                text.as_str()
            } else if start.starts_with(text.as_str()) {
                start
            } else {
                return false;
            };
            let at = self.within.state_after(0, longer);
            self.within
                .witness_from(at, self.alphabet.other_representative())
                .is_some()
        })
    }

    /// The witness of the subs of `dfa` in this language, "other" written as the
    /// representative of `alphabet`: without exclusions, `prefix` followed by the
    /// witness of `dfa` from where `prefix` leads it.
    fn witness_in(&self, dfa: &Dfa, alphabet: &Alphabet) -> Option<String> {
        if self.has_exclusions() {
            return dfa.witness_starting_with(&self.prefix, &self.excluded_texts(), alphabet);
        }
        let rest = dfa.witness_from(
            dfa.state_after(0, &self.prefix),
            alphabet.other_representative(),
        )?;
        Some(format!("{}{rest}", self.prefix))
    }

    fn excluded_texts(&self) -> Vec<&str> {
        self.excluded.iter().map(String::as_str).collect()
    }
}

/// The texts that extend `start` or start it (the others exclude nothing from the subs
/// starting with `start`), each once.
fn comparable_with<'t>(start: &str, texts: impl Iterator<Item = &'t String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for text in texts {
        if (text.starts_with(start) || start.starts_with(text.as_str())) && !kept.contains(text) {
            kept.push(text.clone());
        }
    }
    kept
}
