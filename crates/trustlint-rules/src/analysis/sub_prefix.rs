//! A `sub` language of one literal start: the subs of an automaton (the grammar's, or a
//! narrower one) that start with a text. It is the language of the most common
//! `StringLike` values (`project_path:acme/*`, `…:ref_type:tag:ref:v*`) and of a
//! project's refs, and [`SubLanguage`](super::sub_questions::SubLanguage) holds such a
//! language in this form: the questions the trust rules ask of it are read off the
//! automaton it is within, from the state its start leads to, without building the
//! product of the two. Its own automaton is built only for an operation that needs one
//! (once per language). Witnesses are those of that automaton: the same strings in the
//! same order, "other" written as the representative of its alphabet (a property test in
//! `sub_questions` compares every answer with the automaton's).

use std::sync::{Arc, OnceLock};

use super::automaton::{Alphabet, AutomatonError, Dfa};

/// The subs of `within` that start with `prefix`.
#[derive(Debug)]
pub(crate) struct PrefixSubs {
    prefix: String,
    within: Arc<Dfa>,
    /// Whether `within` is every sub of the grammar: then every language of the grammar
    /// meets this one where it meets `prefix` (they are all within the grammar).
    within_all: bool,
    /// The alphabet the language's automaton reads (`within`'s and `prefix`'s).
    alphabet: Alphabet,
    automaton: OnceLock<Dfa>,
}

impl PrefixSubs {
    /// The subs of `within` starting with `prefix` (`within_all`: `within` is all of the
    /// grammar's subs).
    pub(crate) fn new(prefix: String, within: Arc<Dfa>, within_all: bool) -> PrefixSubs {
        let alphabet = within.alphabet().union(&Alphabet::new(prefix.chars()));
        PrefixSubs {
            prefix,
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

    /// Whether the language is within every sub of the grammar only (not narrowed).
    pub(crate) fn within_all(&self) -> bool {
        self.within_all
    }

    /// The alphabet of the language's automaton.
    pub(crate) fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// This language's subs within `narrower` (a language of the grammar, so within
    /// `within` when that is every sub), for a language within every sub.
    pub(crate) fn narrowed(&self, narrower: &Arc<Dfa>) -> PrefixSubs {
        PrefixSubs {
            prefix: self.prefix.clone(),
            within: Arc::clone(narrower),
            within_all: false,
            alphabet: self.alphabet.union(narrower.alphabet()),
            automaton: OnceLock::new(),
        }
    }

    /// The subs of both languages, both within every sub, when one start extends the
    /// other (then it is the longer start); `None` when neither does.
    pub(crate) fn meet(&self, other: &PrefixSubs) -> Option<PrefixSubs> {
        let longer = if other.prefix.starts_with(&self.prefix) {
            other
        } else if self.prefix.starts_with(&other.prefix) {
            self
        } else {
            return None;
        };
        Some(PrefixSubs {
            prefix: longer.prefix.clone(),
            within: Arc::clone(&longer.within),
            within_all: true,
            alphabet: self.alphabet.union(&other.alphabet),
            automaton: OnceLock::new(),
        })
    }

    /// The language's automaton (built on first use).
    pub(crate) fn automaton(&self) -> Result<&Dfa, AutomatonError> {
        if let Some(built) = self.automaton.get() {
            return Ok(built);
        }
        let built = self.without(&[])?;
        Ok(self.automaton.get_or_init(|| built))
    }

    /// The automaton of this language's subs that start with none of `excluded` (the
    /// starts of `Deny` carve-outs) over its alphabet and theirs, for a language within
    /// every sub.
    pub(crate) fn without(&self, excluded: &[&PrefixSubs]) -> Result<Dfa, AutomatonError> {
        let starts: Vec<&str> = excluded.iter().map(|subs| subs.prefix()).collect();
        let alphabet = excluded
            .iter()
            .fold(self.alphabet.clone(), |alphabet, subs| {
                alphabet.union(&subs.alphabet)
            });
        Ok(self
            .within
            .starting_with(&self.prefix, &starts)?
            .over_alphabet(&alphabet))
    }

    /// Is `sub` in the language?
    pub(crate) fn contains(&self, sub: &str) -> bool {
        sub.starts_with(&self.prefix) && self.within.contains(sub)
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
    /// start with this language's? For a language within every sub, that is: does this
    /// language hold every sub starting with `start`?
    pub(crate) fn holds_all_starting_with(&self, start: &str) -> bool {
        match self.prefix.strip_prefix(start) {
            Some(rest) => self
                .within
                .every_string_from_starts_with(self.within.state_after(0, start), rest),
            None => false,
        }
    }

    /// `prefix` followed by the witness of `dfa` from where `prefix` leads it, "other"
    /// written as the representative of `alphabet`.
    fn witness_in(&self, dfa: &Dfa, alphabet: &Alphabet) -> Option<String> {
        let rest = dfa.witness_from(
            dfa.state_after(0, &self.prefix),
            alphabet.other_representative(),
        )?;
        Some(format!("{}{rest}", self.prefix))
    }
}
