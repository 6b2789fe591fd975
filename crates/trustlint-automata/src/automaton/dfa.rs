//! The minimal complete DFA ([`Dfa`]): construction from expressions, stepping,
//! decision procedures, witnesses and field views.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

use super::alphabet::Alphabet;
use super::bounds::{check_size, AutomatonError};
use super::state_table::{FastMap, StateTable};

/// A complete deterministic finite automaton. State 0 is the start state.
#[derive(Debug, Clone)]
pub struct Dfa {
    pub(super) alphabet: Alphabet,
    /// `next[q * width + symbol]` (a state fits in `u32`: at most [`super::MAX_STATES`]).
    pub(super) next: Box<[u32]>,
    pub(super) accepting: Box<[bool]>,
    /// The witness searches answered so far ([`Witnesses`]).
    pub(super) witnesses: Witnesses,
    /// The symbol of each ASCII character ([`AsciiSymbols`]).
    ascii_symbols: AsciiSymbols,
}

/// The symbol of each ASCII character in an automaton's alphabet, looked up at every step
/// of reading a text (the alphabet finds it by counting bits); `u16::MAX` where the
/// alphabet is asked instead. Boxed: automata are held inline by larger values.
#[derive(Clone)]
struct AsciiSymbols(Box<[u16; 128]>);

impl std::fmt::Debug for AsciiSymbols {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AsciiSymbols")
    }
}

impl AsciiSymbols {
    fn of(alphabet: &Alphabet) -> AsciiSymbols {
        let mut table = [u16::MAX; 128];
        for (byte, symbol) in (0u8..).zip(table.iter_mut()) {
            *symbol = u16::try_from(alphabet.symbol_of(char::from(byte))).unwrap_or(u16::MAX);
        }
        AsciiSymbols(Box::new(table))
    }
}

/// The witness searches an automaton has answered, by the state each started from, the
/// rests of the texts it excluded (none for [`Dfa::witness_from`]) and the character it
/// wrote for "other": the answer depends on nothing else (the characters an alphabet
/// distinguishes beyond the automaton's and the texts' read as "other" and come after
/// it, so they are never written). The trust rules ask the shared automata the same few
/// searches for every policy of a run (from the state after `…:ref:`, without
/// `feature/`). A clone starts empty, and equality ignores it.
///
/// The memory is allocated on the first search (most automata are never searched).
#[derive(Default)]
pub(super) struct Witnesses(OnceLock<Box<Mutex<WitnessMemo>>>);

/// The answer of each search remembered.
type WitnessMemo = HashMap<WitnessSearch, Option<String>>;

/// A witness search: start state, rests of the excluded texts, "other" written as.
type WitnessSearch = (usize, Vec<String>, char);

/// How many searches an automaton remembers; later ones are searched every time.
const WITNESSES_KEPT: usize = 1024;

impl Witnesses {
    /// The answer of the search `from`, `rests`, `representative`: remembered, or found
    /// by `search`.
    fn recall_or(
        &self,
        from: usize,
        rests: &[&str],
        representative: char,
        search: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        let key = (
            from,
            rests.iter().map(|rest| (*rest).to_owned()).collect(),
            representative,
        );
        let memo = self.0.get_or_init(Box::default);
        let recalled = memo.lock().ok().and_then(|memo| memo.get(&key).cloned());
        if let Some(found) = recalled {
            return found;
        }
        let found = search();
        if let Ok(mut memo) = memo.lock() {
            if memo.len() < WITNESSES_KEPT {
                memo.insert(key, found.clone());
            }
        }
        found
    }
}

impl Clone for Witnesses {
    fn clone(&self) -> Witnesses {
        Witnesses::default()
    }
}

impl std::fmt::Debug for Witnesses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Witnesses")
    }
}

/// Same alphabet and same language: the minimal automata are equal.
impl PartialEq for Dfa {
    fn eq(&self, other: &Dfa) -> bool {
        if self.alphabet != other.alphabet {
            return false;
        }
        let (a, b) = (self.minimized(), other.minimized());
        a.next == b.next && a.accepting == b.accepting
    }
}

impl Eq for Dfa {}

impl Dfa {
    /// The automaton of these transitions (`next[q * width + symbol]`) and accepting
    /// states, held in as little memory as they need (automata are kept: a run keeps
    /// every trust policy's sub languages), whatever spare capacity they were built with.
    pub(super) fn built(alphabet: Alphabet, next: Vec<usize>, accepting: Vec<bool>) -> Dfa {
        let narrow = next
            .into_iter()
            .map(|q| u32::try_from(q).unwrap_or(u32::MAX))
            .collect();
        Dfa::assembled(alphabet, narrow, accepting.into_boxed_slice())
    }

    fn assembled(alphabet: Alphabet, next: Box<[u32]>, accepting: Box<[bool]>) -> Dfa {
        Dfa {
            ascii_symbols: AsciiSymbols::of(&alphabet),
            alphabet,
            next,
            accepting,
            witnesses: Witnesses::default(),
        }
    }

    /// The empty language.
    pub fn nothing() -> Dfa {
        Dfa::assembled(Alphabet::default(), Box::new([0]), Box::new([false]))
    }

    /// The language of all strings.
    pub fn everything() -> Dfa {
        Dfa::assembled(Alphabet::default(), Box::new([0]), Box::new([true]))
    }

    /// The symbol of character `c` ([`Alphabet::symbol_of`]).
    pub(super) fn symbol_of(&self, c: char) -> usize {
        match self.ascii_symbols.0.get(c as usize) {
            Some(&symbol) if symbol != u16::MAX => usize::from(symbol),
            _ => self.alphabet.symbol_of(c),
        }
    }

    /// The alphabet the automaton reads.
    pub fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// The number of states (including the dead state, if any).
    /// A key for this exact automaton (its alphabet, transitions and accepting states,
    /// hashed twice with different seeds: 128 bits), for memos of what is built from an
    /// automaton. Equal automata have equal keys; an automaton of the same language
    /// built differently may not.
    pub fn content_key(&self) -> String {
        use std::hash::{Hash, Hasher};
        let hash = |seed: u8| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            seed.hash(&mut hasher);
            self.alphabet.hash(&mut hasher);
            self.next.hash(&mut hasher);
            self.accepting.hash(&mut hasher);
            hasher.finish()
        };
        format!("{:016x}{:016x}", hash(0), hash(1))
    }

    pub fn state_count(&self) -> usize {
        self.accepting.len()
    }

    pub(super) fn width(&self) -> usize {
        self.alphabet.width()
    }

    pub(super) fn step(&self, state: usize, symbol: usize) -> usize {
        self.next
            .get(state * self.width() + symbol)
            .map_or(state, |&q| q as usize)
    }

    pub(super) fn is_accepting(&self, state: usize) -> bool {
        self.accepting.get(state).copied().unwrap_or(false)
    }

    /// The transitions of `state`, one per symbol.
    pub(super) fn row(&self, state: usize) -> &[u32] {
        let width = self.width();
        self.next
            .get(state * width..(state + 1) * width)
            .unwrap_or_default()
    }

    /// A rejecting state every symbol leads back to (the dead state of a minimal
    /// automaton), if there is one.
    pub(super) fn sink(&self) -> Option<usize> {
        let width = self.width();
        (0..self.state_count())
            .find(|&q| !self.is_accepting(q) && (0..width).all(|symbol| self.step(q, symbol) == q))
    }

    /// The state reached from state `from` by reading `text`.
    pub fn state_after(&self, from: usize, text: &str) -> usize {
        text.chars()
            .fold(from, |q, c| self.step(q, self.symbol_of(c)))
    }

    /// The states reached from state `from` by reading text without `stop` (`from` too).
    pub fn states_before(&self, from: usize, stop: char) -> BTreeSet<usize> {
        let stop = self.alphabet.symbol_of(stop);
        self.reach([from], |symbol| symbol != stop)
    }

    /// The strings leading from state `start` to a state that `accept` holds (given the
    /// state and whether it accepts), over the same alphabet; its states are those
    /// reachable from `start`, numbered as reached. No string for a state that is not
    /// this automaton's.
    pub fn rooted_at(&self, start: usize, accept: impl Fn(usize, bool) -> bool) -> Dfa {
        if start >= self.state_count() {
            return Dfa::nothing();
        }
        // The new number of each state, once reached.
        let mut number: Vec<Option<usize>> = vec![None; self.state_count()];
        let mut order = Vec::new();
        let mut next = Vec::new();
        let mut reach = |q: usize, order: &mut Vec<usize>| match number.get_mut(q) {
            Some(Some(id)) => *id,
            Some(slot) => {
                order.push(q);
                *slot = Some(order.len() - 1);
                order.len() - 1
            }
            None => 0,
        };
        reach(start, &mut order);
        let mut i = 0;
        while let Some(&q) = order.get(i) {
            for &target in self.row(q) {
                next.push(reach(target as usize, &mut order));
            }
            i += 1;
        }
        let accepting = order
            .iter()
            .map(|&q| accept(q, self.is_accepting(q)))
            .collect();
        Dfa::built(self.alphabet.clone(), next, accepting)
    }

    /// Is `text` in the language?
    pub fn contains(&self, text: &str) -> bool {
        let end = text.chars().fold(0, |q, c| self.step(q, self.symbol_of(c)));
        self.is_accepting(end)
    }

    /// The same language over `alphabet` extended with this automaton's characters.
    pub fn over_alphabet(&self, alphabet: &Alphabet) -> Dfa {
        let (alphabet, symbols) = self.alphabet.merge(alphabet);
        if alphabet == self.alphabet {
            return self.clone();
        }
        let next = (0..self.state_count())
            .flat_map(|q| symbols.iter().map(move |&(s, _)| (q, s)))
            .map(|(q, s)| self.step(q, s))
            .collect();
        Dfa::built(alphabet, next, self.accepting.to_vec())
    }

    /// The strings not in the language.
    pub fn complement(&self) -> Dfa {
        Dfa::assembled(
            self.alphabet.clone(),
            self.next.clone(),
            self.accepting.iter().map(|a| !a).collect(),
        )
        .minimized()
    }

    /// Is the language empty? Every construction numbers only the states it reaches
    /// from the start state (subset constructions, products and minimisation are
    /// searches from it), so the language is empty exactly when no state accepts.
    pub fn is_empty(&self) -> bool {
        !self.accepting.contains(&true)
    }

    /// Does the language hold every string?
    pub fn is_universal(&self) -> bool {
        self.complement().is_empty()
    }

    /// Is every string of this language in `other`?
    pub fn is_subset_of(&self, other: &Dfa) -> Result<bool, AutomatonError> {
        Ok(self.difference_witness(other)?.is_none())
    }

    /// The witness of the strings in both languages (as `intersection` then `witness`,
    /// without building the product).
    pub fn intersection_witness(&self, other: &Dfa) -> Result<Option<String>, AutomatonError> {
        self.product_witness(other, |a, b| a && b)
    }

    /// The witness of the strings in this language but not in `other` (as `difference`
    /// then `witness`, without building the product).
    pub fn difference_witness(&self, other: &Dfa) -> Result<Option<String>, AutomatonError> {
        self.product_witness(other, |a, b| a && !b)
    }

    /// Do both automata accept the same strings?
    pub fn is_equivalent(&self, other: &Dfa) -> Result<bool, AutomatonError> {
        Ok(self.is_subset_of(other)? && other.is_subset_of(self)?)
    }

    /// The shortest string of the language, and among those the smallest in symbol
    /// order ("other" first, rendered by [`Alphabet::other_representative`], then the
    /// characters ascending); `None` when the language is empty.
    pub fn witness(&self) -> Option<String> {
        // The product with the language of all strings has this automaton's states, so
        // it is within the size bounds and the search cannot fail.
        self.intersection_witness(&Dfa::everything()).ok().flatten()
    }

    /// The [`Dfa::witness`] of the strings leading from `state` to acceptance, with
    /// "other" written as `representative` (the representative of the alphabet the
    /// caller's language is over: characters beyond this automaton's read as "other" and
    /// come after it in witness order, so they never change which string is found).
    /// `None` when no string leads to acceptance.
    pub fn witness_from(&self, state: usize, representative: char) -> Option<String> {
        if state >= self.state_count() {
            return None;
        }
        self.witnesses.recall_or(state, &[], representative, || {
            self.search_from(state, representative)
        })
    }

    /// [`Dfa::witness_from`], searched.
    fn search_from(&self, state: usize, representative: char) -> Option<String> {
        // Breadth-first in witness order, as the product search: the first accepting
        // state reached is reached by the shortest, then smallest, string.
        let mut parent: Vec<Option<(usize, usize)>> = vec![None; self.state_count()];
        let mut seen = vec![false; self.state_count()];
        let mut queue = std::collections::VecDeque::from([state]);
        *seen.get_mut(state)? = true;
        let mut found = self.is_accepting(state).then_some(state);
        'search: while let Some(q) = queue.pop_front() {
            if found.is_some() {
                break;
            }
            for symbol in self.alphabet.witness_order() {
                let t = self.step(q, symbol);
                if *seen.get(t)? {
                    continue;
                }
                *seen.get_mut(t)? = true;
                *parent.get_mut(t)? = Some((q, symbol));
                if self.is_accepting(t) {
                    found = Some(t);
                    break 'search;
                }
                queue.push_back(t);
            }
        }
        let mut at = found?;
        let mut reversed = Vec::new();
        while let Some((from, symbol)) = parent.get(at).copied().flatten() {
            reversed.push(
                self.alphabet
                    .chars
                    .get(symbol)
                    .copied()
                    .unwrap_or(representative),
            );
            at = from;
        }
        Some(reversed.into_iter().rev().collect())
    }

    /// The strings of this language that start with `start` and with none of `excluded`
    /// (a pattern's literal start and the carve-outs within it), over this alphabet
    /// extended with their characters: the language of `start*` minus those of
    /// `excluded*` within this one, built by walking the texts' trie beside this
    /// automaton (no product, no minimisation).
    pub fn starting_with(&self, start: &str, excluded: &[&str]) -> Result<Dfa, AutomatonError> {
        let texts = Alphabet::of_texts(std::iter::once(start).chain(excluded.iter().copied()));
        let (alphabet, symbols) = self.alphabet.merge(&texts);
        // An excluded text that neither extends `start` nor starts it excludes nothing.
        let excluded = excluded
            .iter()
            .filter(|text| text.starts_with(start) || start.starts_with(*text));
        let mut trie = Trie::default();
        trie.insert(start, false);
        for text in excluded {
            trie.insert(text, true);
        }
        let start_length = start.chars().count();
        let width = alphabet.width();
        let first = if trie.is_excluded(0) {
            Walk::Dead
        } else {
            Walk::Texts(0, 0)
        };
        let mut states = Walks::new(first, self.state_count(), width);
        let mut next = Vec::new();
        let mut accepting = Vec::new();
        let mut i = 0;
        while let Some(&walk) = states.get(i) {
            accepting.push(match walk {
                Walk::Texts(node, q) => trie.depth(node) >= start_length && self.is_accepting(q),
                Walk::Free(q) => self.is_accepting(q),
                Walk::Dead => false,
            });
            for (symbol, &(mine, _)) in symbols.iter().enumerate().take(width) {
                let c = alphabet.chars.get(symbol).copied();
                let target = self.walk_on(&trie, walk, c, mine, start_length);
                next.push(states.id(target)?);
            }
            i += 1;
        }
        Ok(Dfa::built(alphabet, next, accepting))
    }

    /// The [`Dfa::witness`] of `self.starting_with(start, excluded)` over `alphabet`
    /// (that automaton read over it) without building that automaton: a breadth-first
    /// search from the state `start` leads to, beside the trie of the excluded texts'
    /// rests, stopping at the first accepting state. It visits at most (2 + the
    /// excluded texts' characters) × this automaton's states, a bound the caller keeps
    /// within reason (no size check, so it can't fail).
    pub fn witness_starting_with(
        &self,
        start: &str,
        excluded: &[&str],
        alphabet: &Alphabet,
    ) -> Option<String> {
        if excluded.iter().any(|text| start.starts_with(text)) {
            return None;
        }
        // The texts' characters that `alphabet` does not distinguish yet (most often none).
        let texts = alphabet.lacking(std::iter::once(start).chain(excluded.iter().copied()));
        let (alphabet, symbols) = self.alphabet.merge(&alphabet.union(&texts));
        let rests: Vec<&str> = excluded
            .iter()
            .filter_map(|text| text.strip_prefix(start))
            .collect();
        let from = self.state_after(0, start);
        let rest =
            self.witnesses
                .recall_or(from, &rests, alphabet.other_representative(), || {
                    self.search_beside(from, &rests, &alphabet, &symbols)
                })?;
        Some(format!("{start}{rest}"))
    }

    /// The search of [`Dfa::witness_starting_with`] from state `from`, beside the trie
    /// of `rests`, over `alphabet` (this automaton's merged with others: `symbols`):
    /// the string read after the start.
    fn search_beside(
        &self,
        from: usize,
        rests: &[&str],
        alphabet: &Alphabet,
        symbols: &[(usize, usize)],
    ) -> Option<String> {
        let mut trie = Trie::default();
        for rest in rests {
            trie.insert(rest, true);
        }
        let first = Walk::Texts(0, from);
        let mut walks = Walks::new(first, self.state_count(), alphabet.width());
        // For each walk after the first: the walk it was reached from, and the symbol.
        let mut parent: Vec<(usize, usize)> = Vec::new();
        let accepts = |walk: Walk| match walk {
            Walk::Texts(_, q) | Walk::Free(q) => self.is_accepting(q),
            Walk::Dead => false,
        };
        let mut found = accepts(first).then_some(0);
        let mut i = 0;
        'search: while let (None, Some(&walk)) = (found, walks.get(i)) {
            for symbol in alphabet.witness_order() {
                let Some(&(mine, _)) = symbols.get(symbol) else {
                    continue;
                };
                let c = alphabet.chars.get(symbol).copied();
                // The trie holds the rests after the start: every node is past it.
                let target = self.walk_on(&trie, walk, c, mine, 0);
                if target == Walk::Dead {
                    continue;
                }
                let known = walks.len();
                if walks.searched(target) == known {
                    parent.push((i, symbol));
                    if accepts(target) {
                        found = Some(known);
                        break 'search;
                    }
                }
            }
            i += 1;
        }
        Some(alphabet.spell_path(&parent, found?))
    }

    /// Where `walk` goes on reading `c` (`None`: "other"), this automaton's symbol
    /// `mine`: along the trie while `c` follows it (out of the language on an excluded
    /// text), past the texts when it does not and the node is `past` characters deep or
    /// more, else out of the language.
    fn walk_on(&self, trie: &Trie, walk: Walk, c: Option<char>, mine: usize, past: usize) -> Walk {
        match walk {
            Walk::Dead => Walk::Dead,
            Walk::Free(q) => Walk::Free(self.step(q, mine)),
            Walk::Texts(node, q) => match c.and_then(|c| trie.child(node, c)) {
                Some(child) if trie.is_excluded(child) => Walk::Dead,
                Some(child) => Walk::Texts(child, self.step(q, mine)),
                None if trie.depth(node) >= past => Walk::Free(self.step(q, mine)),
                None => Walk::Dead,
            },
        }
    }

    /// Does every string leading from `state` to acceptance start with `text`? (True
    /// when none does.)
    pub fn every_string_from_starts_with(&self, state: usize, text: &str) -> bool {
        let live = self.live_states();
        let is_live = |q: usize| live.get(q).copied().unwrap_or(false);
        let other = self.alphabet.other_symbol();
        let mut q = state;
        for c in text.chars() {
            let wanted = self.symbol_of(c);
            if self.is_accepting(q) {
                return false;
            }
            // "Other" stands for infinitely many characters: a live "other" transition
            // admits strings starting with another character than `c`.
            let strays = (0..self.width()).any(|symbol| {
                (symbol != wanted || symbol == other) && is_live(self.step(q, symbol))
            });
            if strays {
                return false;
            }
            q = self.step(q, wanted);
        }
        true
    }

    /// Every string of the language, in symbol order, when it holds at most `limit`
    /// strings written with the alphabet's own characters; `None` for a larger or
    /// infinite language (a cycle through live states, or a live "other" transition,
    /// which stands for infinitely many characters).
    pub fn finite_members(&self, limit: usize) -> Option<Vec<String>> {
        let live = self.live_states();
        let is_live = |q: usize| live.get(q).copied().unwrap_or(false);
        let mut out = Vec::new();
        let mut on_path = vec![false; self.state_count()];
        // Depth-first: (state, next symbol to try), with the string so far.
        let mut stack = vec![(0usize, 0usize)];
        let mut prefix: Vec<char> = Vec::new();
        if !is_live(0) {
            return Some(out);
        }
        *on_path.get_mut(0)? = true;
        if self.is_accepting(0) {
            out.push(String::new());
        }
        while let Some((q, symbol)) = stack.pop() {
            if symbol == self.width() {
                *on_path.get_mut(q)? = false;
                prefix.pop();
                continue;
            }
            stack.push((q, symbol + 1));
            let t = self.step(q, symbol);
            if !is_live(t) {
                continue;
            }
            let c = *self.alphabet.chars.get(symbol)?;
            if *on_path.get(t)? {
                return None;
            }
            *on_path.get_mut(t)? = true;
            prefix.push(c);
            if self.is_accepting(t) {
                out.push(prefix.iter().collect());
                if out.len() > limit {
                    return None;
                }
            }
            stack.push((t, 0));
        }
        Some(out)
    }

    /// Does the language hold finitely many strings? (No cycle through states that lead
    /// to acceptance, and no such transition on "other", which stands for infinitely
    /// many characters.)
    pub fn is_finite(&self) -> bool {
        let live = self.live_states();
        let is_live = |q: usize| live.get(q).copied().unwrap_or(false);
        let other = self.alphabet.other_symbol();
        // Depth-first over live states: 1 = on the current path, 2 = done.
        let mut mark = vec![0u8; self.state_count()];
        let mut stack = vec![(0usize, 0usize)];
        if !is_live(0) {
            return true;
        }
        while let Some((q, symbol)) = stack.pop() {
            if symbol == 0 {
                if let Some(m) = mark.get_mut(q) {
                    *m = 1;
                }
            }
            if symbol == self.width() {
                if let Some(m) = mark.get_mut(q) {
                    *m = 2;
                }
                continue;
            }
            stack.push((q, symbol + 1));
            let t = self.step(q, symbol);
            if !is_live(t) {
                continue;
            }
            match mark.get(t).copied().unwrap_or(2) {
                _ if symbol == other => return false,
                1 => return false,
                0 => stack.push((t, 0)),
                _ => {}
            }
        }
        true
    }

    /// The values of one field when strings are split at `separator`: the set of `v`
    /// such that some string of the language, split at every `separator`, has `v` as its
    /// field number `index` (0-based). Exact (an existential projection).
    pub fn field_values(&self, separator: char, index: usize) -> Result<Dfa, AutomatonError> {
        let dfa = self.over_alphabet(&Alphabet::new([separator]));
        let sep = dfa.alphabet.symbol_of(separator);
        let width = dfa.width();
        // States reached right after the `index`-th separator.
        let mut current: BTreeSet<usize> = BTreeSet::from([0]);
        for _ in 0..index {
            let closure = dfa.reach(current.iter().copied(), |s| s != sep);
            current = closure.into_iter().map(|q| dfa.step(q, sep)).collect();
        }
        // A state ends a field value when the string can end there or go on after a
        // separator.
        let live = dfa.live_states();
        let ends_field: Vec<bool> = (0..dfa.state_count())
            .map(|q| dfa.is_accepting(q) || live.get(dfa.step(q, sep)).copied().unwrap_or(false))
            .collect();
        let mut states = StateTable::new(current, width);
        let mut next = Vec::new();
        let mut accepting = Vec::new();
        let mut i = 0;
        while let Some(set) = states.get(i).cloned() {
            accepting.push(
                set.iter()
                    .any(|&q| ends_field.get(q).copied().unwrap_or(false)),
            );
            for symbol in 0..width {
                let target: BTreeSet<usize> = if symbol == sep {
                    BTreeSet::new()
                } else {
                    set.iter().map(|&q| dfa.step(q, symbol)).collect()
                };
                next.push(states.id(target)?);
            }
            i += 1;
        }
        Ok(Dfa::built(dfa.alphabet.clone(), next, accepting).minimized())
    }

    /// The strings `s` that have a field number `index` (0-based, fields split at
    /// `separator`) and that, with that field replaced by `original`, are in this
    /// language. Exact; the replaced field may hold any text without `separator`.
    pub fn with_field_replaced(
        &self,
        separator: char,
        index: usize,
        original: &str,
    ) -> Result<Dfa, AutomatonError> {
        let dfa = self.over_alphabet(&Alphabet::new([separator]));
        let sep = dfa.alphabet.symbol_of(separator);
        let width = dfa.width();
        let feed = |q: usize| {
            original
                .chars()
                .fold(q, |q, c| dfa.step(q, dfa.symbol_of(c)))
        };
        // (state of this automaton, fields begun so far, capped at index + 1)
        let mut keys = StateTable::new((0, 0), width);
        let mut next = Vec::new();
        let mut accepting = Vec::new();
        let mut i = 0;
        while let Some(&(q, field)) = keys.get(i) {
            accepting.push(match field.cmp(&index) {
                std::cmp::Ordering::Less => false,
                std::cmp::Ordering::Equal => dfa.is_accepting(feed(q)),
                std::cmp::Ordering::Greater => dfa.is_accepting(q),
            });
            for symbol in 0..width {
                let target = if field == index {
                    if symbol == sep {
                        (dfa.step(feed(q), sep), field + 1)
                    } else {
                        (q, field)
                    }
                } else {
                    let bump = usize::from(symbol == sep && field < index);
                    (dfa.step(q, symbol), field + bump)
                };
                next.push(keys.id(target)?);
            }
            i += 1;
        }
        Ok(Dfa::built(dfa.alphabet.clone(), next, accepting).minimized())
    }

    /// For each state, whether an accepting state is reachable from it.
    pub(super) fn live_states(&self) -> Vec<bool> {
        let n = self.state_count();
        let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
        for q in 0..n {
            for symbol in 0..self.width() {
                if let Some(list) = reverse.get_mut(self.step(q, symbol)) {
                    list.push(q);
                }
            }
        }
        let mut live = self.accepting.to_vec();
        let mut stack: Vec<usize> = (0..n).filter(|&q| self.is_accepting(q)).collect();
        while let Some(q) = stack.pop() {
            for &p in reverse.get(q).map_or(&[][..], Vec::as_slice) {
                if let Some(flag) = live.get_mut(p) {
                    if !*flag {
                        *flag = true;
                        stack.push(p);
                    }
                }
            }
        }
        live
    }
}

/// Where [`Dfa::starting_with`] is: on a node of the texts' trie (with this automaton's
/// state), past them, or out of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Walk {
    Texts(usize, usize),
    Free(usize),
    Dead,
}

/// The numbering of [`Dfa::starting_with`]'s states in the order they are reached: the
/// states past the texts (most of them) by a table indexed by the automaton's state, the
/// few on the trie by a map.
struct Walks {
    keys: Vec<Walk>,
    free: Vec<Option<usize>>,
    others: FastMap<Walk, usize>,
    width: usize,
}

impl Walks {
    fn new(first: Walk, states: usize, width: usize) -> Walks {
        let mut walks = Walks {
            keys: Vec::new(),
            free: vec![None; states],
            others: FastMap::default(),
            width,
        };
        walks.remember(first, 0);
        walks
    }

    fn get(&self, id: usize) -> Option<&Walk> {
        self.keys.get(id)
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// The number of `walk`, adding it as a new state when unseen (within the size
    /// bounds of an automaton).
    fn id(&mut self, walk: Walk) -> Result<usize, AutomatonError> {
        if let Some(id) = self.known(walk) {
            return Ok(id);
        }
        check_size(self.keys.len() + 1, self.width)?;
        Ok(self.added(walk))
    }

    /// The number of `walk`, adding it when unseen, for a search whose caller bounds
    /// how many walks there can be.
    fn searched(&mut self, walk: Walk) -> usize {
        self.known(walk).unwrap_or_else(|| self.added(walk))
    }

    fn known(&self, walk: Walk) -> Option<usize> {
        match walk {
            Walk::Free(q) => self.free.get(q).copied().flatten(),
            _ => self.others.get(&walk).copied(),
        }
    }

    fn added(&mut self, walk: Walk) -> usize {
        let id = self.keys.len();
        self.remember(walk, id);
        id
    }

    fn remember(&mut self, walk: Walk, id: usize) {
        match walk {
            Walk::Free(q) => {
                if let Some(slot) = self.free.get_mut(q) {
                    *slot = Some(id);
                }
            }
            _ => {
                self.others.insert(walk, id);
            }
        }
        self.keys.push(walk);
    }
}

/// The trie of [`Dfa::starting_with`]'s texts: per node its depth, whether an excluded
/// text ends there, and its children by character.
#[derive(Debug)]
struct Trie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Default)]
struct TrieNode {
    depth: usize,
    excluded: bool,
    children: Vec<(char, usize)>,
}

impl Default for Trie {
    fn default() -> Trie {
        Trie {
            nodes: vec![TrieNode::default()],
        }
    }
}

impl Trie {
    fn insert(&mut self, text: &str, excluded: bool) {
        let mut node = 0;
        for c in text.chars() {
            node = match self.child(node, c) {
                Some(child) => child,
                None => {
                    let child = self.nodes.len();
                    let depth = self.depth(node) + 1;
                    self.nodes.push(TrieNode {
                        depth,
                        ..TrieNode::default()
                    });
                    if let Some(parent) = self.nodes.get_mut(node) {
                        parent.children.push((c, child));
                    }
                    child
                }
            };
        }
        if let Some(end) = self.nodes.get_mut(node) {
            end.excluded |= excluded;
        }
    }

    fn child(&self, node: usize, c: char) -> Option<usize> {
        self.nodes
            .get(node)?
            .children
            .iter()
            .find(|(d, _)| *d == c)
            .map(|&(_, child)| child)
    }

    fn depth(&self, node: usize) -> usize {
        self.nodes.get(node).map_or(0, |n| n.depth)
    }

    fn is_excluded(&self, node: usize) -> bool {
        self.nodes.get(node).is_some_and(|n| n.excluded)
    }
}
