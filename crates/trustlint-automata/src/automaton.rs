//! Exact finite automata over claim strings: the alphabet partition, regular expressions
//! over character classes ([`Expr`]), minimal complete DFAs ([`Dfa`]) and the boolean
//! algebra, decision procedures and witnesses the pattern questions need.
//!
//! An [`Alphabet`] is the sorted set of characters that occur in the languages involved;
//! every other character falls into one class, "other", whose members all behave
//! identically, so the automata are exact over the whole of Unicode. Binary operations
//! read both operands through the union of their alphabets.
//!
//! The ASCII control characters (U+0000–U+001F, U+007F) are one symbol, [`CONTROL`]: no
//! GitLab `sub`, project path or git ref name contains one, so the languages the rules
//! ask about never tell them apart, and sharing one symbol halves the width of the `sub`
//! grammar (which otherwise lists each of them as forbidden). The one approximation: a
//! pattern that itself contains a control character matches any control character in
//! its place.
//!
//! Bounds: a DFA has at most [`MAX_STATES`] states and at most [`MAX_TABLE_ENTRIES`]
//! transitions (states × alphabet width); a construction that would exceed them returns
//! [`AutomatonError::TooComplex`] instead of running on. Automata built from expressions
//! are minimised (Hopcroft's partition refinement, O(n · width · log n)); a product is
//! minimised only when it has more states than its operands together (minimising the
//! small products of a pattern with the `sub` grammar cost a third of the trust rules'
//! time and saved nothing); pairs holding the sink of an operand the product's acceptance
//! needs are numbered as one dead state, and witness searches skip them. Equality of
//! [`Dfa`] values is equality of their alphabets and languages.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// The most states a DFA may have.
pub const MAX_STATES: usize = 20_000;
/// The most transition-table entries (states × alphabet width) a DFA may have.
pub const MAX_TABLE_ENTRIES: usize = 4_000_000;

/// The character standing for every ASCII control character (module documentation).
pub const CONTROL: char = '\u{0}';

/// `c`, or [`CONTROL`] for an ASCII control character.
fn canonical(c: char) -> char {
    if c.is_ascii_control() {
        CONTROL
    } else {
        c
    }
}

/// Characters tried first, in order, to render the "other" class in witnesses.
const OTHER_REPRESENTATIVES: [char; 8] = ['x', 'y', 'z', 'q', 'w', 'k', 'v', 'j'];

/// Why an automaton could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutomatonError {
    /// The construction needed more than [`MAX_STATES`] states or [`MAX_TABLE_ENTRIES`]
    /// transitions.
    TooComplex {
        /// States reached when the construction stopped.
        states: usize,
    },
}

impl fmt::Display for AutomatonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AutomatonError::TooComplex { states } => write!(
                f,
                "the patterns are too complex to analyse exactly (stopped at {states} automaton states)"
            ),
        }
    }
}

impl std::error::Error for AutomatonError {}

/// The characters an automaton distinguishes, plus one "other" class for all the rest.
/// Symbol `i < chars().len()` is `chars()[i]`; symbol `chars().len()` is "other".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Alphabet {
    chars: Vec<char>,
}

impl Alphabet {
    /// The alphabet distinguishing exactly `chars`.
    pub fn new(chars: impl IntoIterator<Item = char>) -> Alphabet {
        let set: BTreeSet<char> = chars.into_iter().map(canonical).collect();
        Alphabet {
            chars: set.into_iter().collect(),
        }
    }

    /// The distinguished characters, sorted.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// The number of symbols: distinguished characters plus "other".
    pub fn width(&self) -> usize {
        self.chars.len() + 1
    }

    /// The symbol of the "other" class.
    pub fn other_symbol(&self) -> usize {
        self.chars.len()
    }

    /// The symbol of character `c`.
    pub fn symbol_of(&self, c: char) -> usize {
        self.chars
            .binary_search(&canonical(c))
            .unwrap_or(self.chars.len())
    }

    /// The alphabet distinguishing the characters of both.
    pub fn union(&self, other: &Alphabet) -> Alphabet {
        self.merge(other).0
    }

    /// The union of both alphabets (a merge of their sorted characters), and for each of
    /// its symbols the symbol of each alphabet that reads it (its "other" for a character
    /// it does not distinguish).
    fn merge(&self, other: &Alphabet) -> (Alphabet, Vec<(usize, usize)>) {
        let (mine, theirs) = (&self.chars, &other.chars);
        let mut chars = Vec::with_capacity(mine.len() + theirs.len());
        let mut symbols = Vec::with_capacity(mine.len() + theirs.len() + 1);
        let (mut i, mut j) = (0, 0);
        loop {
            // Which side holds the smallest character not yet merged (both: the same).
            let (in_mine, in_theirs) = match (mine.get(i), theirs.get(j)) {
                (None, None) => break,
                (Some(a), Some(b)) => (a <= b, b <= a),
                (a, b) => (a.is_some(), b.is_some()),
            };
            let c = if in_mine { mine.get(i) } else { theirs.get(j) };
            chars.extend(c);
            symbols.push((
                if in_mine { i } else { self.other_symbol() },
                if in_theirs { j } else { other.other_symbol() },
            ));
            i += usize::from(in_mine);
            j += usize::from(in_theirs);
        }
        symbols.push((self.other_symbol(), other.other_symbol()));
        (Alphabet { chars }, symbols)
    }

    /// The concrete character that stands for "other" in witnesses: `x` unless the
    /// alphabet distinguishes it, then `y`, `z`, …, then the first printable character
    /// the alphabet doesn't distinguish.
    pub fn other_representative(&self) -> char {
        OTHER_REPRESENTATIVES
            .iter()
            .copied()
            .chain((0x21..=u32::from(char::MAX)).filter_map(char::from_u32))
            .find(|c| self.chars.binary_search(c).is_err())
            .unwrap_or('\u{FFFD}')
    }

    /// Symbols in witness order: "other" first, then the characters in ascending order.
    fn witness_order(&self) -> impl Iterator<Item = usize> {
        std::iter::once(self.other_symbol()).chain(0..self.chars.len())
    }
}

/// A set of characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CharClass {
    /// Every character.
    Any,
    /// Exactly these characters.
    OneOf(BTreeSet<char>),
    /// Every character except these.
    NoneOf(BTreeSet<char>),
}

impl CharClass {
    /// The class of the single character `c`.
    pub fn char(c: char) -> CharClass {
        CharClass::OneOf(BTreeSet::from([canonical(c)]))
    }

    /// The class of the given characters.
    pub fn one_of(chars: impl IntoIterator<Item = char>) -> CharClass {
        CharClass::OneOf(chars.into_iter().map(canonical).collect())
    }

    /// Every character except the given ones.
    pub fn none_of(chars: impl IntoIterator<Item = char>) -> CharClass {
        CharClass::NoneOf(chars.into_iter().map(canonical).collect())
    }

    /// Is `c` in the class?
    pub fn contains(&self, c: char) -> bool {
        let c = canonical(c);
        match self {
            CharClass::Any => true,
            CharClass::OneOf(set) => set.contains(&c),
            CharClass::NoneOf(set) => !set.contains(&c),
        }
    }

    fn mentioned(&self) -> impl Iterator<Item = char> + '_ {
        match self {
            CharClass::Any => None,
            CharClass::OneOf(set) | CharClass::NoneOf(set) => Some(set.iter().copied()),
        }
        .into_iter()
        .flatten()
    }

    /// Sets `bit` in the masks of the symbols of `alphabet` (which must distinguish
    /// every character the class mentions) that are in the class: for the characters of
    /// a `OneOf` alone, else by testing every symbol.
    fn mark_symbols(&self, alphabet: &Alphabet, masks: &mut [u128], bit: u128) {
        if let CharClass::OneOf(set) = self {
            for c in set {
                if let Some(mask) = alphabet
                    .chars
                    .binary_search(c)
                    .ok()
                    .and_then(|s| masks.get_mut(s))
                {
                    *mask |= bit;
                }
            }
            return;
        }
        for (mask, member) in masks.iter_mut().zip(self.symbols(alphabet)) {
            if member {
                *mask |= bit;
            }
        }
    }

    /// Membership of each symbol of `alphabet`, which must distinguish every character
    /// the class mentions.
    fn symbols(&self, alphabet: &Alphabet) -> Vec<bool> {
        let other = !matches!(self, CharClass::OneOf(_));
        (0..alphabet.width())
            .map(|s| alphabet.chars.get(s).map_or(other, |&c| self.contains(c)))
            .collect()
    }
}

/// A regular expression over character classes, the way languages are described before
/// they become a [`Dfa`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// The empty language (no string at all).
    Nothing,
    /// The language holding only the empty string.
    Empty,
    /// One character of the class.
    Class(CharClass),
    /// Concatenation (an empty list is [`Expr::Empty`]).
    Seq(Vec<Expr>),
    /// Union (an empty list is [`Expr::Nothing`]).
    Alt(Vec<Expr>),
    /// Zero or more repetitions.
    Star(Box<Expr>),
    /// The language of an automaton.
    Automaton(Box<Dfa>),
}

impl Expr {
    /// Exactly the string `text`.
    pub fn literal(text: &str) -> Expr {
        Expr::Seq(
            text.chars()
                .map(|c| Expr::Class(CharClass::char(c)))
                .collect(),
        )
    }

    /// Any single character.
    pub fn any_char() -> Expr {
        Expr::Class(CharClass::Any)
    }

    /// Any string.
    pub fn any_string() -> Expr {
        Expr::Star(Box::new(Expr::any_char()))
    }

    /// Any run (possibly empty) of characters of `class`.
    pub fn run_of(class: CharClass) -> Expr {
        Expr::Star(Box::new(Expr::Class(class)))
    }

    /// One or more repetitions of `expr`.
    pub fn plus(expr: Expr) -> Expr {
        Expr::Seq(vec![expr.clone(), Expr::Star(Box::new(expr))])
    }

    /// Exactly one of the given strings.
    pub fn one_of_strings(texts: &[&str]) -> Expr {
        Expr::Alt(texts.iter().map(|t| Expr::literal(t)).collect())
    }

    /// True when no string of the language contains `c` (judged from the classes the
    /// expression uses; an embedded automaton counts as possibly containing it).
    pub fn never_contains(&self, c: char) -> bool {
        match self {
            Expr::Nothing | Expr::Empty => true,
            Expr::Class(class) => !class.contains(c),
            Expr::Seq(parts) | Expr::Alt(parts) => parts.iter().all(|p| p.never_contains(c)),
            Expr::Star(inner) => inner.never_contains(c),
            Expr::Automaton(_) => false,
        }
    }

    fn collect_chars(&self, out: &mut BTreeSet<char>) {
        match self {
            Expr::Nothing | Expr::Empty => {}
            Expr::Class(class) => out.extend(class.mentioned()),
            Expr::Seq(parts) | Expr::Alt(parts) => {
                for part in parts {
                    part.collect_chars(out);
                }
            }
            Expr::Star(inner) => inner.collect_chars(out),
            Expr::Automaton(dfa) => out.extend(dfa.alphabet.chars.iter().copied()),
        }
    }
}

/// A complete deterministic finite automaton. State 0 is the start state.
#[derive(Debug, Clone)]
pub struct Dfa {
    alphabet: Alphabet,
    /// `next[q * width + symbol]`
    next: Vec<usize>,
    accepting: Vec<bool>,
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
    /// The automaton of `expr` over the characters `expr` mentions.
    pub fn from_expr(expr: &Expr) -> Result<Dfa, AutomatonError> {
        Dfa::from_expr_over(expr, &Alphabet::default())
    }

    /// The automaton of `expr` over `alphabet` extended with the characters `expr` mentions.
    pub fn from_expr_over(expr: &Expr, alphabet: &Alphabet) -> Result<Dfa, AutomatonError> {
        let mut chars: BTreeSet<char> = alphabet.chars.iter().copied().collect();
        expr.collect_chars(&mut chars);
        let alphabet = Alphabet::new(chars);
        if let Expr::Seq(parts) = expr {
            if let Some(dfa) = Dfa::from_sequence(parts, &alphabet)? {
                return Ok(dfa);
            }
        }
        let mut nfa = Nfa::new(alphabet);
        let (start, end) = nfa.build(expr);
        nfa.determinize(start, end)
    }

    /// The automaton of a sequence of single characters and runs of characters (the
    /// shape of literals and IAM wildcard patterns), by a subset construction over the
    /// sequence's positions held in a bit mask: no NFA, no epsilon closures, no
    /// minimisation (the result is small: a literal's is already minimal). `None` when
    /// `parts` has another shape or too many parts for the mask.
    fn from_sequence(parts: &[Expr], alphabet: &Alphabet) -> Result<Option<Dfa>, AutomatonError> {
        fn flatten<'e>(parts: &'e [Expr], out: &mut Vec<&'e Expr>) {
            for part in parts {
                match part {
                    Expr::Seq(inner) => flatten(inner, out),
                    other => out.push(other),
                }
            }
        }
        let mut flat = Vec::with_capacity(parts.len());
        flatten(parts, &mut flat);
        let parts = flat;
        if parts.len() >= 128 {
            return Ok(None);
        }
        let width = alphabet.width();
        // Per symbol: positions whose single character it is, positions whose run it
        // continues.
        let mut one = vec![0u128; width];
        let mut run = vec![0u128; width];
        let mut runs = 0u128;
        for (i, part) in parts.iter().enumerate() {
            let (class, masks) = match part {
                Expr::Class(class) => (class, &mut one),
                Expr::Star(inner) => match inner.as_ref() {
                    Expr::Class(class) => {
                        runs |= 1 << i;
                        (class, &mut run)
                    }
                    _ => return Ok(None),
                },
                _ => return Ok(None),
            };
            class.mark_symbols(alphabet, masks, 1 << i);
        }
        // A run may match nothing: a position at a run also stands at the next one.
        let close = |mut set: u128| loop {
            let wider = set | ((set & runs) << 1);
            if wider == set {
                return set;
            }
            set = wider;
        };
        let accept = 1u128 << parts.len();
        let mut states = StateTable::new(close(1), width);
        let mut next = Vec::new();
        let mut accepting = Vec::new();
        // Most symbols lead nowhere (the empty set of positions): its number is kept.
        let mut dead = None;
        let mut i = 0;
        while let Some(&set) = states.get(i) {
            accepting.push(set & accept != 0);
            for (&one, &run) in one.iter().zip(&run) {
                let target = close(((set & one) << 1) | (set & run));
                let id = match dead {
                    Some(id) if target == 0 => id,
                    _ => states.id(target)?,
                };
                if target == 0 {
                    dead = Some(id);
                }
                next.push(id);
            }
            i += 1;
        }
        Ok(Some(Dfa {
            alphabet: alphabet.clone(),
            next,
            accepting,
        }))
    }

    /// The empty language.
    pub fn nothing() -> Dfa {
        Dfa {
            alphabet: Alphabet::default(),
            next: vec![0],
            accepting: vec![false],
        }
    }

    /// The language of all strings.
    pub fn everything() -> Dfa {
        Dfa {
            alphabet: Alphabet::default(),
            next: vec![0],
            accepting: vec![true],
        }
    }

    /// The language holding only `text`.
    pub fn literal(text: &str) -> Result<Dfa, AutomatonError> {
        Dfa::from_expr(&Expr::literal(text))
    }

    /// The alphabet the automaton reads.
    pub fn alphabet(&self) -> &Alphabet {
        &self.alphabet
    }

    /// The number of states (including the dead state, if any).
    pub fn state_count(&self) -> usize {
        self.accepting.len()
    }

    fn width(&self) -> usize {
        self.alphabet.width()
    }

    fn step(&self, state: usize, symbol: usize) -> usize {
        self.next
            .get(state * self.width() + symbol)
            .copied()
            .unwrap_or(state)
    }

    fn is_accepting(&self, state: usize) -> bool {
        self.accepting.get(state).copied().unwrap_or(false)
    }

    /// The transitions of `state`, one per symbol.
    fn row(&self, state: usize) -> &[usize] {
        let width = self.width();
        self.next
            .get(state * width..(state + 1) * width)
            .unwrap_or_default()
    }

    /// A rejecting state every symbol leads back to (the dead state of a minimal
    /// automaton), if there is one.
    fn sink(&self) -> Option<usize> {
        let width = self.width();
        (0..self.state_count())
            .find(|&q| !self.is_accepting(q) && (0..width).all(|symbol| self.step(q, symbol) == q))
    }

    /// The state reached from state `from` by reading `text`.
    pub fn state_after(&self, from: usize, text: &str) -> usize {
        text.chars()
            .fold(from, |q, c| self.step(q, self.alphabet.symbol_of(c)))
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
                next.push(reach(target, &mut order));
            }
            i += 1;
        }
        Dfa {
            alphabet: self.alphabet.clone(),
            next,
            accepting: order
                .iter()
                .map(|&q| accept(q, self.is_accepting(q)))
                .collect(),
        }
    }

    /// Is `text` in the language?
    pub fn contains(&self, text: &str) -> bool {
        let end = text
            .chars()
            .fold(0, |q, c| self.step(q, self.alphabet.symbol_of(c)));
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
        Dfa {
            alphabet,
            next,
            accepting: self.accepting.clone(),
        }
    }

    /// The strings not in the language.
    pub fn complement(&self) -> Dfa {
        Dfa {
            alphabet: self.alphabet.clone(),
            next: self.next.clone(),
            accepting: self.accepting.iter().map(|a| !a).collect(),
        }
        .minimized()
    }

    /// The strings in both languages.
    pub fn intersection(&self, other: &Dfa) -> Result<Dfa, AutomatonError> {
        self.product(other, |a, b| a && b)
    }

    /// The strings in either language.
    pub fn union(&self, other: &Dfa) -> Result<Dfa, AutomatonError> {
        self.product(other, |a, b| a || b)
    }

    /// The strings in this language but not in `other`.
    pub fn difference(&self, other: &Dfa) -> Result<Dfa, AutomatonError> {
        self.product(other, |a, b| a && !b)
    }

    /// The strings of this language followed by a string of `other`.
    pub fn concat(&self, other: &Dfa) -> Result<Dfa, AutomatonError> {
        Dfa::from_expr(&Expr::Seq(vec![
            Expr::Automaton(Box::new(self.clone())),
            Expr::Automaton(Box::new(other.clone())),
        ]))
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
        Ok(Dfa {
            alphabet: dfa.alphabet.clone(),
            next,
            accepting,
        }
        .minimized())
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
                .fold(q, |q, c| dfa.step(q, dfa.alphabet.symbol_of(c)))
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
        Ok(Dfa {
            alphabet: dfa.alphabet.clone(),
            next,
            accepting,
        }
        .minimized())
    }

    /// The [`Dfa::witness`] of the product language (`accept` combines the operands'
    /// acceptance), found by a breadth-first search over pairs of states that stops at
    /// the first accepting pair: no transition table, no minimisation.
    fn product_witness(
        &self,
        other: &Dfa,
        accept: impl Fn(bool, bool) -> bool,
    ) -> Result<Option<String>, AutomatonError> {
        let (alphabet, symbols) = self.joint_symbols(other);
        let representative = alphabet.other_representative();
        let dead = DeadPairs::of(self, other, &accept);
        let mut pairs = PairTable::new(self.state_count(), other.state_count(), alphabet.width());
        // For each pair after the first: the pair it was reached from, and the symbol.
        let mut parent: Vec<(usize, usize)> = Vec::new();
        let mut found = None;
        let mut i = 0;
        'search: while let Some((p, q)) = pairs.get(i) {
            if accept(self.is_accepting(p), other.is_accepting(q)) {
                found = Some(i);
                break;
            }
            for symbol in alphabet.witness_order() {
                let Some(&(a, b)) = symbols.get(symbol) else {
                    continue;
                };
                let (to_p, to_q) = (self.step(p, a), other.step(q, b));
                if dead.is_dead(to_p, to_q) {
                    // No string leads from here to acceptance: nothing to search.
                    continue;
                }
                let known = pairs.len();
                let target = pairs.id(to_p, to_q)?;
                if target == known {
                    parent.push((i, symbol));
                    if accept(self.is_accepting(to_p), other.is_accepting(to_q)) {
                        found = Some(target);
                        break 'search;
                    }
                }
            }
            i += 1;
        }
        let Some(mut at) = found else {
            return Ok(None);
        };
        let mut reversed = Vec::new();
        while at > 0 {
            let Some(&(from, symbol)) = parent.get(at - 1) else {
                break;
            };
            reversed.push(
                alphabet
                    .chars
                    .get(symbol)
                    .copied()
                    .unwrap_or(representative),
            );
            at = from;
        }
        Ok(Some(reversed.into_iter().rev().collect()))
    }

    /// States reachable from `from` through symbols satisfying `allowed` (including `from`).
    fn reach(
        &self,
        from: impl IntoIterator<Item = usize>,
        allowed: impl Fn(usize) -> bool,
    ) -> BTreeSet<usize> {
        let mut seen: BTreeSet<usize> = from.into_iter().collect();
        let mut stack: Vec<usize> = seen.iter().copied().collect();
        while let Some(q) = stack.pop() {
            for symbol in (0..self.width()).filter(|&s| allowed(s)) {
                let t = self.step(q, symbol);
                if seen.insert(t) {
                    stack.push(t);
                }
            }
        }
        seen
    }

    /// For each state, whether an accepting state is reachable from it.
    fn live_states(&self) -> Vec<bool> {
        let n = self.state_count();
        let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
        for q in 0..n {
            for symbol in 0..self.width() {
                if let Some(list) = reverse.get_mut(self.step(q, symbol)) {
                    list.push(q);
                }
            }
        }
        let mut live = self.accepting.clone();
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

    /// The union of both alphabets, and for each of its symbols the symbol each
    /// automaton reads it as.
    fn joint_symbols(&self, other: &Dfa) -> (Alphabet, Vec<(usize, usize)>) {
        self.alphabet.merge(&other.alphabet)
    }

    fn product(
        &self,
        other: &Dfa,
        accept: impl Fn(bool, bool) -> bool,
    ) -> Result<Dfa, AutomatonError> {
        let (alphabet, symbols) = self.joint_symbols(other);
        let width = alphabet.width();
        let dead = DeadPairs::of(self, other, &accept);
        let mut pairs = PairTable::new(self.state_count(), other.state_count(), width);
        let mut next = Vec::with_capacity(width * (self.state_count() + other.state_count()));
        let mut accepting = Vec::new();
        let mut i = 0;
        // Most transitions of a pattern's automaton lead to its sink: the dead pair's
        // number is remembered rather than looked up each time.
        let mut dead_id = None;
        while let Some((p, q)) = pairs.get(i) {
            accepting.push(accept(self.is_accepting(p), other.is_accepting(q)));
            let (row_p, row_q) = (self.row(p), other.row(q));
            for &(a, b) in &symbols {
                let to_p = row_p.get(a).copied().unwrap_or(p);
                let to_q = row_q.get(b).copied().unwrap_or(q);
                let id = if dead.is_dead(to_p, to_q) {
                    match dead_id {
                        Some(id) => id,
                        None => {
                            let (p, q) = dead.canonical(to_p, to_q);
                            *dead_id.insert(pairs.id(p, q)?)
                        }
                    }
                } else {
                    pairs.id(to_p, to_q)?
                };
                next.push(id);
            }
            i += 1;
        }
        let product = Dfa {
            alphabet,
            next,
            accepting,
        };
        Ok(
            if product.state_count() > self.state_count() + other.state_count() {
                product.minimized()
            } else {
                product
            },
        )
    }

    /// The minimal automaton: Hopcroft partition refinement ([`Partition`]), then
    /// canonical numbering in breadth-first order from the start state (which also drops
    /// unreachable states).
    fn minimized(&self) -> Dfa {
        let width = self.width();
        let (class, count) = Partition::coarsest(self);
        let mut representative: Vec<Option<usize>> = vec![None; count];
        for (q, &c) in class.iter().enumerate() {
            if let Some(slot @ None) = representative.get_mut(c) {
                *slot = Some(q);
            }
        }
        let class_of = |q: usize| class.get(q).copied().unwrap_or(0);
        let mut number: Vec<Option<usize>> = vec![None; count];
        let mut order = vec![class_of(0)];
        if let Some(slot) = number.get_mut(class_of(0)) {
            *slot = Some(0);
        }
        let mut next = Vec::new();
        let mut accepting = Vec::new();
        let mut i = 0;
        while let Some(&c) = order.get(i) {
            let rep = representative.get(c).copied().flatten().unwrap_or(0);
            accepting.push(self.is_accepting(rep));
            for symbol in 0..width {
                let target = class_of(self.step(rep, symbol));
                let id = match number.get(target).copied().flatten() {
                    Some(id) => id,
                    None => {
                        let id = order.len();
                        if let Some(slot) = number.get_mut(target) {
                            *slot = Some(id);
                        }
                        order.push(target);
                        id
                    }
                };
                next.push(id);
            }
            i += 1;
        }
        Dfa {
            alphabet: self.alphabet.clone(),
            next,
            accepting,
        }
    }
}

fn check_size(states: usize, width: usize) -> Result<(), AutomatonError> {
    if states > MAX_STATES || states.saturating_mul(width) > MAX_TABLE_ENTRIES {
        Err(AutomatonError::TooComplex { states })
    } else {
        Ok(())
    }
}

/// A Thompson NFA with epsilon moves; transitions carry a class index.
struct Nfa {
    alphabet: Alphabet,
    epsilon: Vec<Vec<usize>>,
    edges: Vec<Vec<(usize, usize)>>,
    /// Symbol membership of each class index.
    classes: Vec<Vec<bool>>,
    class_ids: HashMap<CharClass, usize>,
}

impl Nfa {
    fn new(alphabet: Alphabet) -> Nfa {
        Nfa {
            alphabet,
            epsilon: Vec::new(),
            edges: Vec::new(),
            classes: Vec::new(),
            class_ids: HashMap::new(),
        }
    }

    fn state(&mut self) -> usize {
        self.epsilon.push(Vec::new());
        self.edges.push(Vec::new());
        self.epsilon.len() - 1
    }

    fn class_id(&mut self, class: &CharClass) -> usize {
        if let Some(&id) = self.class_ids.get(class) {
            return id;
        }
        let id = self.classes.len();
        self.classes.push(class.symbols(&self.alphabet));
        self.class_ids.insert(class.clone(), id);
        id
    }

    fn epsilon_edge(&mut self, from: usize, to: usize) {
        if let Some(list) = self.epsilon.get_mut(from) {
            list.push(to);
        }
    }

    fn class_edge(&mut self, from: usize, class: usize, to: usize) {
        if let Some(list) = self.edges.get_mut(from) {
            list.push((class, to));
        }
    }

    /// Adds the fragment of `expr`; returns its (entry, exit) states.
    fn build(&mut self, expr: &Expr) -> (usize, usize) {
        let entry = self.state();
        let exit = self.state();
        match expr {
            Expr::Nothing => {}
            Expr::Empty => self.epsilon_edge(entry, exit),
            Expr::Class(class) => {
                let id = self.class_id(class);
                self.class_edge(entry, id, exit);
            }
            Expr::Seq(parts) => {
                let mut at = entry;
                for part in parts {
                    let (s, e) = self.build(part);
                    self.epsilon_edge(at, s);
                    at = e;
                }
                self.epsilon_edge(at, exit);
            }
            Expr::Alt(parts) => {
                for part in parts {
                    let (s, e) = self.build(part);
                    self.epsilon_edge(entry, s);
                    self.epsilon_edge(e, exit);
                }
            }
            Expr::Star(inner) => {
                let (s, e) = self.build(inner);
                self.epsilon_edge(entry, s);
                self.epsilon_edge(entry, exit);
                self.epsilon_edge(e, s);
                self.epsilon_edge(e, exit);
            }
            Expr::Automaton(dfa) => {
                let symbol_classes: Vec<usize> = (0..dfa.width())
                    .map(|s| {
                        let class = match dfa.alphabet.chars.get(s) {
                            Some(&c) => CharClass::char(c),
                            None => CharClass::none_of(dfa.alphabet.chars.iter().copied()),
                        };
                        self.class_id(&class)
                    })
                    .collect();
                let base: Vec<usize> = (0..dfa.state_count()).map(|_| self.state()).collect();
                let at = |q: usize| base.get(q).copied().unwrap_or(exit);
                self.epsilon_edge(entry, at(0));
                for q in 0..dfa.state_count() {
                    for (symbol, &class) in symbol_classes.iter().enumerate() {
                        self.class_edge(at(q), class, at(dfa.step(q, symbol)));
                    }
                    if dfa.is_accepting(q) {
                        self.epsilon_edge(at(q), exit);
                    }
                }
            }
        }
        (entry, exit)
    }

    fn closure(&self, states: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        let mut stack: Vec<usize> = states.into_iter().collect();
        while let Some(q) = stack.pop() {
            if seen.insert(q) {
                stack.extend(self.epsilon.get(q).map_or(&[][..], Vec::as_slice));
            }
        }
        seen.into_iter().collect()
    }

    /// Subset construction.
    fn determinize(&self, start: usize, accept: usize) -> Result<Dfa, AutomatonError> {
        let width = self.alphabet.width();
        let covers_all: Vec<bool> = self.classes.iter().map(|c| c.iter().all(|&m| m)).collect();
        let mut states = StateTable::new(self.closure([start]), width);
        let mut next = Vec::new();
        let mut accepting = Vec::new();
        let mut i = 0;
        while let Some(set) = states.get(i).cloned() {
            accepting.push(set.binary_search(&accept).is_ok());
            // Edges on every symbol (`*`, `?`) reach `shared`; the others add to it for
            // their symbols only, so most symbols share one target, closed and looked up
            // once, and the work per state follows the edges rather than the alphabet.
            let mut shared = Vec::new();
            let mut specific: Vec<(usize, usize)> = Vec::new();
            for &q in &set {
                for &(class, to) in self.edges.get(q).map_or(&[][..], Vec::as_slice) {
                    if covers_all.get(class).copied().unwrap_or(false) {
                        shared.push(to);
                        continue;
                    }
                    let members = self.classes.get(class).map_or(&[][..], Vec::as_slice);
                    specific.extend(
                        members
                            .iter()
                            .enumerate()
                            .filter(|(_, &m)| m)
                            .map(|(symbol, _)| (symbol, to)),
                    );
                }
            }
            shared.sort_unstable();
            shared.dedup();
            specific.sort_unstable();
            specific.dedup();
            let shared_id = states.id(self.closure(shared.iter().copied()))?;
            let mut row = vec![shared_id; width];
            let mut seen: FastMap<Vec<usize>, usize> = FastMap::default();
            for group in specific.chunk_by(|a, b| a.0 == b.0) {
                let Some(&(symbol, _)) = group.first() else {
                    continue;
                };
                let mut target = shared.clone();
                target.extend(group.iter().map(|&(_, to)| to));
                target.sort_unstable();
                target.dedup();
                let id = match seen.get(&target) {
                    Some(&id) => id,
                    None => {
                        let id = states.id(self.closure(target.iter().copied()))?;
                        seen.insert(target, id);
                        id
                    }
                };
                if let Some(slot) = row.get_mut(symbol) {
                    *slot = id;
                }
            }
            next.extend(row);
            i += 1;
        }
        Ok(Dfa {
            alphabet: self.alphabet.clone(),
            next,
            accepting,
        }
        .minimized())
    }
}

/// The states of a construction (product, subset construction), numbered in the order
/// they are discovered: the worklist walks them by number while `id` adds new ones, within
/// the size caps.
struct StateTable<K> {
    keys: Vec<K>,
    ids: FastMap<K, usize>,
    width: usize,
}

impl<K: Clone + Eq + std::hash::Hash> StateTable<K> {
    /// A table whose state 0 is `start`, for an alphabet of `width` symbols.
    fn new(start: K, width: usize) -> Self {
        let mut ids = FastMap::default();
        ids.insert(start.clone(), 0);
        StateTable {
            keys: vec![start],
            ids,
            width,
        }
    }

    fn get(&self, id: usize) -> Option<&K> {
        self.keys.get(id)
    }

    /// The number of `key`, adding it as a new state when unseen.
    fn id(&mut self, key: K) -> Result<usize, AutomatonError> {
        if let Some(&id) = self.ids.get(&key) {
            return Ok(id);
        }
        let id = self.keys.len();
        check_size(id + 1, self.width)?;
        self.ids.insert(key.clone(), id);
        self.keys.push(key);
        Ok(id)
    }
}

/// The pairs of a product that surely accept nothing more: those holding an operand's
/// sink when the product's acceptance needs that operand to accept (both for an
/// intersection, the left one for a difference). They are all one state, so a product
/// construction numbers them as one and a witness search does not enter them.
struct DeadPairs {
    left: Option<usize>,
    right: Option<usize>,
}

impl DeadPairs {
    fn of(left: &Dfa, right: &Dfa, accept: &impl Fn(bool, bool) -> bool) -> DeadPairs {
        let needs_left = !accept(false, false) && !accept(false, true);
        let needs_right = !accept(false, false) && !accept(true, false);
        DeadPairs {
            left: left.sink().filter(|_| needs_left),
            right: right.sink().filter(|_| needs_right),
        }
    }

    fn is_dead(&self, p: usize, q: usize) -> bool {
        self.left == Some(p) || self.right == Some(q)
    }

    /// The pair standing for every dead pair, or `(p, q)` itself.
    fn canonical(&self, p: usize, q: usize) -> (usize, usize) {
        if self.is_dead(p, q) {
            (self.left.unwrap_or(0), self.right.unwrap_or(0))
        } else {
            (p, q)
        }
    }
}

/// The states of a product construction, pairs of operand states numbered in the order
/// they are discovered. Pairs are looked up in a dense table when the operands are small
/// enough (the common case: a pattern against the `sub` grammar), else in a hash map.
/// The dense table is the thread's [`DenseIds`], reused from product to product.
struct PairTable {
    keys: Vec<(usize, usize)>,
    ids: PairIds,
    width: usize,
}

enum PairIds {
    /// Entry `p * columns + q` of the thread's table.
    Dense {
        table: DenseIds,
        columns: usize,
    },
    Sparse(FastMap<(usize, usize), usize>),
}

/// The largest number of operand pairs looked up in a dense table (2 MiB per thread).
const DENSE_PAIRS: usize = 1 << 18;

/// A dense id table that is never cleared: an entry `(stamp, id)` is valid only when its
/// stamp is the table's current one, and each product takes a new stamp.
#[derive(Default)]
struct DenseIds {
    stamp: u32,
    entries: Vec<(u32, u32)>,
}

thread_local! {
    /// The dense table between products (taken by a [`PairTable`] while it lives).
    static SPARE_IDS: std::cell::Cell<Option<DenseIds>> = const { std::cell::Cell::new(None) };
}

impl DenseIds {
    /// The thread's table, with a fresh stamp and at least `size` entries.
    fn take(size: usize) -> DenseIds {
        let mut table = SPARE_IDS.with(std::cell::Cell::take).unwrap_or_default();
        table.stamp = table.stamp.wrapping_add(1);
        if table.stamp == 0 {
            // Stamps wrapped around: old entries could look valid again.
            table.entries.iter_mut().for_each(|entry| *entry = (0, 0));
            table.stamp = 1;
        }
        if table.entries.len() < size {
            table.entries.resize(size, (0, 0));
        }
        table
    }

    fn get(&self, index: usize) -> Option<usize> {
        self.entries
            .get(index)
            .filter(|(stamp, _)| *stamp == self.stamp)
            .map(|&(_, id)| id as usize)
    }

    fn set(&mut self, index: usize, id: usize) {
        if let Some(entry) = self.entries.get_mut(index) {
            *entry = (self.stamp, id as u32);
        }
    }
}

impl Drop for PairTable {
    fn drop(&mut self) {
        if let PairIds::Dense { table, .. } = &mut self.ids {
            let table = std::mem::take(table);
            SPARE_IDS.with(|spare| spare.set(Some(table)));
        }
    }
}

impl PairTable {
    /// A table whose state 0 is the pair of start states, for operands of `rows` and
    /// `columns` states over `width` symbols.
    fn new(rows: usize, columns: usize, width: usize) -> PairTable {
        let ids = match rows.checked_mul(columns) {
            Some(pairs) if pairs <= DENSE_PAIRS => {
                let mut table = DenseIds::take(pairs);
                table.set(0, 0);
                PairIds::Dense { table, columns }
            }
            _ => PairIds::Sparse(FastMap::from_iter([((0, 0), 0)])),
        };
        PairTable {
            keys: vec![(0, 0)],
            ids,
            width,
        }
    }

    fn get(&self, id: usize) -> Option<(usize, usize)> {
        self.keys.get(id).copied()
    }

    /// The number of pairs numbered so far.
    fn len(&self) -> usize {
        self.keys.len()
    }

    /// The number of pair `(p, q)`, adding it as a new state when unseen.
    fn id(&mut self, p: usize, q: usize) -> Result<usize, AutomatonError> {
        let fresh = self.keys.len();
        let known = match &self.ids {
            PairIds::Dense { table, columns } => table.get(p * columns + q),
            PairIds::Sparse(map) => map.get(&(p, q)).copied(),
        };
        if let Some(id) = known {
            return Ok(id);
        }
        check_size(fresh + 1, self.width)?;
        match &mut self.ids {
            PairIds::Dense { table, columns } => table.set(p * *columns + q, fresh),
            PairIds::Sparse(map) => {
                map.insert((p, q), fresh);
            }
        }
        self.keys.push((p, q));
        Ok(fresh)
    }
}

/// Hopcroft's partition refinement (with the refinable-partition representation of
/// Valmari and Lehtinen): the coarsest partition of a complete DFA's states compatible
/// with acceptance and transitions, in O(n · width · log n).
struct Partition {
    /// The states, grouped by block: block `b` holds `elements[first[b]..end[b]]`.
    elements: Vec<usize>,
    /// The position of each state in `elements`.
    location: Vec<usize>,
    block_of: Vec<usize>,
    first: Vec<usize>,
    end: Vec<usize>,
    /// How many states of each block are marked (moved to its front).
    marked: Vec<usize>,
    touched: Vec<usize>,
}

impl Partition {
    /// The block of every state and the number of blocks.
    fn coarsest(dfa: &Dfa) -> (Vec<usize>, usize) {
        let n = dfa.state_count();
        let width = dfa.width();
        let predecessors = Predecessors::of(dfa);
        let mut partition = Partition::by_acceptance(dfa);
        // Splitters: (block, symbol) pairs still to process, and which are pending.
        let mut pending = vec![false; partition.blocks() * width];
        let mut work = Vec::new();
        let smallest = (0..partition.blocks())
            .min_by_key(|&b| partition.size(b))
            .unwrap_or(0);
        if partition.blocks() > 1 {
            for symbol in 0..width {
                work.push((smallest, symbol));
                if let Some(flag) = pending.get_mut(smallest * width + symbol) {
                    *flag = true;
                }
            }
        }
        let mut splitter_states = Vec::with_capacity(n);
        while let Some((block, symbol)) = work.pop() {
            if let Some(flag) = pending.get_mut(block * width + symbol) {
                *flag = false;
            }
            splitter_states.clear();
            splitter_states.extend_from_slice(partition.members(block));
            for &target in &splitter_states {
                for &source in predecessors.of_state(target, symbol) {
                    partition.mark(source);
                }
            }
            for (kept, split) in partition.split_touched() {
                pending.resize(partition.blocks() * width, false);
                for c in 0..width {
                    let kept_pending = pending.get(kept * width + c).copied().unwrap_or(false);
                    let add = if kept_pending || partition.size(split) <= partition.size(kept) {
                        split
                    } else {
                        kept
                    };
                    if let Some(flag) = pending.get_mut(add * width + c) {
                        if !*flag {
                            *flag = true;
                            work.push((add, c));
                        }
                    }
                }
            }
        }
        let count = partition.blocks();
        (partition.block_of, count)
    }

    /// Accepting and rejecting states (one block when all states agree).
    fn by_acceptance(dfa: &Dfa) -> Partition {
        let n = dfa.state_count();
        let mut elements: Vec<usize> = (0..n).filter(|&q| dfa.is_accepting(q)).collect();
        let accepting = elements.len();
        elements.extend((0..n).filter(|&q| !dfa.is_accepting(q)));
        let mut location = vec![0; n];
        for (i, &q) in elements.iter().enumerate() {
            if let Some(slot) = location.get_mut(q) {
                *slot = i;
            }
        }
        let (first, end, block_of): (Vec<usize>, Vec<usize>, Vec<usize>) =
            if accepting == 0 || accepting == n {
                (vec![0], vec![n], vec![0; n])
            } else {
                let block_of = (0..n).map(|q| usize::from(!dfa.is_accepting(q))).collect();
                (vec![0, accepting], vec![accepting, n], block_of)
            };
        let blocks = first.len();
        Partition {
            elements,
            location,
            block_of,
            first,
            end,
            marked: vec![0; blocks],
            touched: Vec::new(),
        }
    }

    fn blocks(&self) -> usize {
        self.first.len()
    }

    fn size(&self, block: usize) -> usize {
        self.end.get(block).copied().unwrap_or(0) - self.first.get(block).copied().unwrap_or(0)
    }

    fn members(&self, block: usize) -> &[usize] {
        let (Some(&first), Some(&end)) = (self.first.get(block), self.end.get(block)) else {
            return &[];
        };
        self.elements.get(first..end).unwrap_or(&[])
    }

    /// Moves `state` into the marked front part of its block.
    fn mark(&mut self, state: usize) {
        let (Some(&block), Some(&at)) = (self.block_of.get(state), self.location.get(state)) else {
            return;
        };
        let (Some(&first), Some(&marked)) = (self.first.get(block), self.marked.get(block)) else {
            return;
        };
        let front = first + marked;
        if at < front {
            return; // already marked
        }
        if let Some(&other) = self.elements.get(front) {
            self.elements.swap(at, front);
            if let Some(slot) = self.location.get_mut(other) {
                *slot = at;
            }
            if let Some(slot) = self.location.get_mut(state) {
                *slot = front;
            }
        }
        if marked == 0 {
            self.touched.push(block);
        }
        if let Some(count) = self.marked.get_mut(block) {
            *count += 1;
        }
    }

    /// Splits every touched block whose states are not all marked: the marked ones
    /// become a new block. Returns (old block, new block) for each split.
    fn split_touched(&mut self) -> Vec<(usize, usize)> {
        let mut splits = Vec::new();
        for block in std::mem::take(&mut self.touched) {
            let marked = self.marked.get(block).copied().unwrap_or(0);
            if let Some(count) = self.marked.get_mut(block) {
                *count = 0;
            }
            if marked == self.size(block) {
                continue;
            }
            let first = self.first.get(block).copied().unwrap_or(0);
            let new = self.first.len();
            self.first.push(first);
            self.end.push(first + marked);
            self.marked.push(0);
            if let Some(slot) = self.first.get_mut(block) {
                *slot = first + marked;
            }
            for i in first..first + marked {
                if let Some(&q) = self.elements.get(i) {
                    if let Some(slot) = self.block_of.get_mut(q) {
                        *slot = new;
                    }
                }
            }
            splits.push((block, new));
        }
        splits
    }
}

/// The inverse transition relation of a DFA, grouped by (target, symbol).
struct Predecessors {
    /// `sources[start[t * width + s]..start[t * width + s + 1]]`: the states that go to
    /// `t` on `s`.
    start: Vec<usize>,
    sources: Vec<usize>,
    width: usize,
}

impl Predecessors {
    fn of(dfa: &Dfa) -> Predecessors {
        let n = dfa.state_count();
        let width = dfa.width();
        let mut start = vec![0usize; n * width + 1];
        for q in 0..n {
            for s in 0..width {
                if let Some(count) = start.get_mut(dfa.step(q, s) * width + s + 1) {
                    *count += 1;
                }
            }
        }
        for i in 1..start.len() {
            let before = start.get(i - 1).copied().unwrap_or(0);
            if let Some(slot) = start.get_mut(i) {
                *slot += before;
            }
        }
        let mut fill = start.clone();
        let mut sources = vec![0usize; n * width];
        for q in 0..n {
            for s in 0..width {
                if let Some(at) = fill.get_mut(dfa.step(q, s) * width + s) {
                    if let Some(slot) = sources.get_mut(*at) {
                        *slot = q;
                    }
                    *at += 1;
                }
            }
        }
        Predecessors {
            start,
            sources,
            width,
        }
    }

    fn of_state(&self, target: usize, symbol: usize) -> &[usize] {
        let i = target * self.width + symbol;
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&from), Some(&to)) => self.sources.get(from..to).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// A hash map with a cheap multiplicative hasher (the FxHash scheme) for the integer keys
/// of state tables, where SipHash's protection against chosen keys buys nothing and costs
/// a fifth of the automaton time.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<StateHasher>>;

#[derive(Default)]
struct StateHasher(u64);

impl Hasher for StateHasher {
    fn write(&mut self, bytes: &[u8]) {
        // Integer slices arrive here as raw bytes: take them a word at a time.
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        for &byte in chunks.remainder() {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dfa(expr: &Expr) -> Dfa {
        Dfa::from_expr(expr).unwrap()
    }

    #[test]
    fn merged_alphabets_read_each_character_as_each_side_does() {
        let cases = [
            ("", ""),
            ("ac", "b"),
            ("abc", "abc"),
            ("b", "acd"),
            ("x", ""),
        ];
        for (left, right) in cases {
            let (a, b) = (Alphabet::new(left.chars()), Alphabet::new(right.chars()));
            let (joint, symbols) = a.merge(&b);
            assert_eq!(joint, Alphabet::new(left.chars().chain(right.chars())));
            assert_eq!(symbols.len(), joint.width());
            for (symbol, &(mine, theirs)) in symbols.iter().enumerate() {
                match joint.chars().get(symbol) {
                    Some(&c) => assert_eq!((mine, theirs), (a.symbol_of(c), b.symbol_of(c))),
                    None => assert_eq!((mine, theirs), (a.other_symbol(), b.other_symbol())),
                }
            }
        }
    }

    #[test]
    fn minimisation_is_canonical() {
        let a = Expr::literal("a");
        let stars = dfa(&Expr::Star(Box::new(a.clone())));
        let doubled = dfa(&Expr::Star(Box::new(Expr::Alt(vec![
            a.clone(),
            Expr::Seq(vec![a.clone(), a.clone()]),
        ]))));
        assert_eq!(stars, doubled);
        assert_eq!(stars.state_count(), 2); // a* and the dead state for other characters
        let literal = dfa(&Expr::literal("abc"));
        assert_eq!(literal.state_count(), 5);
        // Suffix-sharing: "xab" | "yab" needs one state per distinct suffix.
        let shared = dfa(&Expr::one_of_strings(&["xab", "yab"]));
        assert_eq!(shared.state_count(), 5);
        let via_union = dfa(&Expr::literal("xab"))
            .union(&dfa(&Expr::literal("yab")))
            .unwrap();
        assert_eq!(shared, via_union);
    }

    #[test]
    fn lists_finite_languages_only() {
        let three = dfa(&Expr::one_of_strings(&["main", "v1", "release"]));
        assert_eq!(
            three.finite_members(10),
            Some(vec![
                "main".to_owned(),
                "release".to_owned(),
                "v1".to_owned()
            ])
        );
        assert_eq!(three.finite_members(2), None);
        assert_eq!(dfa(&Expr::Nothing).finite_members(1), Some(Vec::new()));
        assert_eq!(
            dfa(&Expr::Empty).finite_members(1),
            Some(vec![String::new()])
        );
        let star = dfa(&Expr::Seq(vec![Expr::literal("v"), Expr::any_string()]));
        assert_eq!(star.finite_members(100), None);
        let any_one = dfa(&Expr::Seq(vec![Expr::literal("v"), Expr::any_char()]));
        assert_eq!(any_one.finite_members(100), None);
        assert!(three.is_finite() && dfa(&Expr::Nothing).is_finite());
        assert!(dfa(&Expr::Empty).is_finite());
        assert!(!star.is_finite() && !any_one.is_finite());
        let loop_then_dead = three.union(&star).unwrap();
        assert!(!loop_then_dead.is_finite());
        // A cycle that cannot reach acceptance does not make the language infinite.
        let dead_cycle = three.intersection(&dfa(&Expr::any_string())).unwrap();
        assert!(dead_cycle.is_finite());
    }

    #[test]
    fn literal_and_any() {
        let abc = Dfa::literal("abc").unwrap();
        assert!(abc.contains("abc"));
        assert!(!abc.contains("ab"));
        assert!(!abc.contains("abcd"));
        assert!(!abc.contains("abx"));
        assert_eq!(abc.witness().as_deref(), Some("abc"));
        assert!(Dfa::everything().is_universal());
        assert!(Dfa::nothing().is_empty());
        assert_eq!(Dfa::everything().witness().as_deref(), Some(""));
    }

    #[test]
    fn classes_and_other() {
        let no_colon = dfa(&Expr::plus(Expr::Class(CharClass::none_of([':']))));
        assert!(no_colon.contains("abc/é"));
        assert!(!no_colon.contains("a:b"));
        assert!(!no_colon.contains(""));
        assert_eq!(no_colon.witness().as_deref(), Some("x"));
        let x_free = dfa(&Expr::Seq(vec![
            Expr::literal("x"),
            Expr::Class(CharClass::none_of(['x'])),
        ]));
        assert_eq!(x_free.witness().as_deref(), Some("xy"));
    }

    #[test]
    fn boolean_algebra() {
        let a_star = dfa(&Expr::Seq(vec![Expr::literal("a"), Expr::any_string()]));
        let star_b = dfa(&Expr::Seq(vec![Expr::any_string(), Expr::literal("b")]));
        let both = a_star.intersection(&star_b).unwrap();
        assert!(both.contains("ab"));
        assert!(both.contains("a::b"));
        assert!(!both.contains("a"));
        assert_eq!(both.witness().as_deref(), Some("ab"));
        let either = a_star.union(&star_b).unwrap();
        assert!(either.contains("a") && either.contains("b") && !either.contains("x"));
        let diff = a_star.difference(&star_b).unwrap();
        assert!(diff.contains("a") && !diff.contains("ab"));
        assert!(both.is_subset_of(&a_star).unwrap());
        assert!(!a_star.is_subset_of(&both).unwrap());
        let again = a_star.complement().complement();
        assert_eq!(again, a_star);
        assert!(a_star.is_equivalent(&again).unwrap());
        let cat = Dfa::literal("a").unwrap().concat(&star_b).unwrap();
        assert!(cat.contains("ab") && cat.contains("axb") && !cat.contains("b"));
    }

    #[test]
    fn minimal_canonical_form() {
        let one = dfa(&Expr::Alt(vec![Expr::literal("ab"), Expr::literal("ab")]));
        let two = Dfa::literal("ab").unwrap();
        assert_eq!(one, two);
        // start, after a, after ab, dead
        assert_eq!(two.state_count(), 4);
    }

    #[test]
    fn field_projection() {
        let lang = dfa(&Expr::Alt(vec![
            Expr::literal("p:acme/x:r:main"),
            Expr::literal("p:other/y:r:dev"),
        ]));
        let second = lang.field_values(':', 1).unwrap();
        assert!(second.contains("acme/x") && second.contains("other/y"));
        assert!(!second.contains("acme") && !second.contains("main"));
        let last = lang.field_values(':', 3).unwrap();
        assert!(last.contains("main") && last.contains("dev") && !last.contains("r"));
        assert!(lang.field_values(':', 4).unwrap().is_empty());
    }

    #[test]
    fn field_replacement() {
        let lang = Dfa::literal("p:a:t:tag:r:main").unwrap();
        let replaced = lang.with_field_replaced(':', 3, "tag").unwrap();
        assert!(replaced.contains("p:a:t:branch:r:main"));
        assert!(replaced.contains("p:a:t::r:main"));
        assert!(!replaced.contains("p:b:t:branch:r:main"));
        assert!(!replaced.contains("p:a:t:branch:r:dev"));
        let last = Dfa::literal("a:b")
            .unwrap()
            .with_field_replaced(':', 1, "b")
            .unwrap();
        assert!(last.contains("a:zz") && !last.contains("a") && !last.contains("a:b:c"));
    }

    #[test]
    fn too_complex_is_reported() {
        // "the 15th character from the end is `a`" needs 2^15 states.
        let mut parts = vec![Expr::any_string(), Expr::literal("a")];
        parts.extend((0..14).map(|_| Expr::any_char()));
        let result = Dfa::from_expr(&Expr::Seq(parts));
        assert!(matches!(result, Err(AutomatonError::TooComplex { .. })));
    }
}
