//! Products of two automata: intersection, union, difference and concatenation, witness
//! searches over state pairs, and the tables that number the pairs.

use std::collections::BTreeSet;

use super::alphabet::Alphabet;
use super::bounds::{check_size, AutomatonError};
use super::dfa::Dfa;
use super::expr::Expr;
use super::state_table::FastMap;

impl Dfa {
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

    /// The [`Dfa::witness`] of the product language (`accept` combines the operands'
    /// acceptance), found by a breadth-first search over pairs of states that stops at
    /// the first accepting pair: no transition table, no minimisation.
    pub(super) fn product_witness(
        &self,
        other: &Dfa,
        accept: impl Fn(bool, bool) -> bool,
    ) -> Result<Option<String>, AutomatonError> {
        let (alphabet, symbols) = self.joint_symbols(other);
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
        Ok(found.map(|at| alphabet.spell_path(&parent, at)))
    }

    /// States reachable from `from` through symbols satisfying `allowed` (including `from`).
    pub(super) fn reach(
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

    /// The union of both alphabets, and for each of its symbols the symbol each
    /// automaton reads it as.
    pub(super) fn joint_symbols(&self, other: &Dfa) -> (Alphabet, Vec<(usize, usize)>) {
        self.alphabet.merge(&other.alphabet)
    }

    pub(super) fn product(
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
                let to_p = row_p.get(a).map_or(p, |&to| to as usize);
                let to_q = row_q.get(b).map_or(q, |&to| to as usize);
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
        let product = Dfa::built(alphabet, next, accepting);
        Ok(
            if product.state_count() > self.state_count() + other.state_count() {
                product.minimized()
            } else {
                product
            },
        )
    }
}

/// The pairs of a product that surely accept nothing more: those holding an operand's
/// sink when the product's acceptance needs that operand to accept (both for an
/// intersection, the left one for a difference). They are all one state, so a product
/// construction numbers them as one and a witness search does not enter them.
pub(super) struct DeadPairs {
    pub(super) left: Option<usize>,
    pub(super) right: Option<usize>,
}

impl DeadPairs {
    pub(super) fn of(left: &Dfa, right: &Dfa, accept: &impl Fn(bool, bool) -> bool) -> DeadPairs {
        let needs_left = !accept(false, false) && !accept(false, true);
        let needs_right = !accept(false, false) && !accept(true, false);
        DeadPairs {
            left: left.sink().filter(|_| needs_left),
            right: right.sink().filter(|_| needs_right),
        }
    }

    pub(super) fn is_dead(&self, p: usize, q: usize) -> bool {
        self.left == Some(p) || self.right == Some(q)
    }

    /// The pair standing for every dead pair, or `(p, q)` itself.
    pub(super) fn canonical(&self, p: usize, q: usize) -> (usize, usize) {
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
pub(super) struct PairTable {
    pub(super) keys: Vec<(usize, usize)>,
    pub(super) ids: PairIds,
    pub(super) width: usize,
}

pub(super) enum PairIds {
    /// Entry `p * columns + q` of the thread's table.
    Dense {
        table: DenseIds,
        columns: usize,
    },
    Sparse(FastMap<(usize, usize), usize>),
}

/// The largest number of operand pairs looked up in a dense table (2 MiB per thread).
pub(super) const DENSE_PAIRS: usize = 1 << 18;

/// A dense id table that is never cleared: an entry `(stamp, id)` is valid only when its
/// stamp is the table's current one, and each product takes a new stamp.
#[derive(Default)]
pub(super) struct DenseIds {
    pub(super) stamp: u32,
    pub(super) entries: Vec<(u32, u32)>,
}

thread_local! {
    /// The dense table between products (taken by a [`PairTable`] while it lives).
    static SPARE_IDS: std::cell::Cell<Option<DenseIds>> = const { std::cell::Cell::new(None) };
}

impl DenseIds {
    /// The thread's table, with a fresh stamp and at least `size` entries.
    pub(super) fn take(size: usize) -> DenseIds {
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

    pub(super) fn get(&self, index: usize) -> Option<usize> {
        self.entries
            .get(index)
            .filter(|(stamp, _)| *stamp == self.stamp)
            .map(|&(_, id)| id as usize)
    }

    pub(super) fn set(&mut self, index: usize, id: usize) {
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
    pub(super) fn new(rows: usize, columns: usize, width: usize) -> PairTable {
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

    pub(super) fn get(&self, id: usize) -> Option<(usize, usize)> {
        self.keys.get(id).copied()
    }

    /// The number of pairs numbered so far.
    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The number of pair `(p, q)`, adding it as a new state when unseen.
    pub(super) fn id(&mut self, p: usize, q: usize) -> Result<usize, AutomatonError> {
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
