//! Regular expressions over character classes ([`Expr`]) and the Thompson NFA that
//! turns them into a [`Dfa`] (subset construction).

use std::collections::{BTreeSet, HashMap};

use super::alphabet::{Alphabet, CharClass};
use super::bounds::AutomatonError;
use super::dfa::Dfa;
use super::state_table::{FastMap, StateTable};

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

    pub(super) fn collect_chars(&self, out: &mut BTreeSet<char>) {
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

/// A Thompson NFA with epsilon moves; transitions carry a class index.
pub(super) struct Nfa {
    pub(super) alphabet: Alphabet,
    pub(super) epsilon: Vec<Vec<usize>>,
    pub(super) edges: Vec<Vec<(usize, usize)>>,
    /// Symbol membership of each class index.
    pub(super) classes: Vec<Vec<bool>>,
    pub(super) class_ids: HashMap<CharClass, usize>,
}

impl Nfa {
    pub(super) fn new(alphabet: Alphabet) -> Nfa {
        Nfa {
            alphabet,
            epsilon: Vec::new(),
            edges: Vec::new(),
            classes: Vec::new(),
            class_ids: HashMap::new(),
        }
    }

    pub(super) fn state(&mut self) -> usize {
        self.epsilon.push(Vec::new());
        self.edges.push(Vec::new());
        self.epsilon.len() - 1
    }

    pub(super) fn class_id(&mut self, class: &CharClass) -> usize {
        if let Some(&id) = self.class_ids.get(class) {
            return id;
        }
        let id = self.classes.len();
        self.classes.push(class.symbols(&self.alphabet));
        self.class_ids.insert(class.clone(), id);
        id
    }

    pub(super) fn epsilon_edge(&mut self, from: usize, to: usize) {
        if let Some(list) = self.epsilon.get_mut(from) {
            list.push(to);
        }
    }

    pub(super) fn class_edge(&mut self, from: usize, class: usize, to: usize) {
        if let Some(list) = self.edges.get_mut(from) {
            list.push((class, to));
        }
    }

    /// Adds the fragment of `expr`; returns its (entry, exit) states.
    pub(super) fn build(&mut self, expr: &Expr) -> (usize, usize) {
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

    pub(super) fn closure(&self, states: impl IntoIterator<Item = usize>) -> Vec<usize> {
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
    pub(super) fn determinize(&self, start: usize, accept: usize) -> Result<Dfa, AutomatonError> {
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
        Ok(Dfa::built(self.alphabet.clone(), next, accepting).minimized())
    }
}

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
    pub(super) fn from_sequence(
        parts: &[Expr],
        alphabet: &Alphabet,
    ) -> Result<Option<Dfa>, AutomatonError> {
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
        Ok(Some(Dfa::built(alphabet.clone(), next, accepting)))
    }

    /// The language holding only `text`.
    pub fn literal(text: &str) -> Result<Dfa, AutomatonError> {
        Dfa::from_expr(&Expr::literal(text))
    }
}
