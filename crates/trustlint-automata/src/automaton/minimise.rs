//! Minimisation: Hopcroft's partition refinement and canonical renumbering.

use super::dfa::Dfa;

impl Dfa {
    /// The minimal automaton: Hopcroft partition refinement ([`Partition`]), then
    /// canonical numbering in breadth-first order from the start state (which also drops
    /// unreachable states).
    pub(super) fn minimized(&self) -> Dfa {
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
        Dfa::built(self.alphabet.clone(), next, accepting)
    }
}

/// Hopcroft's partition refinement (with the refinable-partition representation of
/// Valmari and Lehtinen): the coarsest partition of a complete DFA's states compatible
/// with acceptance and transitions, in O(n · width · log n).
pub(super) struct Partition {
    /// The states, grouped by block: block `b` holds `elements[first[b]..end[b]]`.
    pub(super) elements: Vec<usize>,
    /// The position of each state in `elements`.
    pub(super) location: Vec<usize>,
    pub(super) block_of: Vec<usize>,
    pub(super) first: Vec<usize>,
    pub(super) end: Vec<usize>,
    /// How many states of each block are marked (moved to its front).
    pub(super) marked: Vec<usize>,
    pub(super) touched: Vec<usize>,
}

impl Partition {
    /// The block of every state and the number of blocks.
    pub(super) fn coarsest(dfa: &Dfa) -> (Vec<usize>, usize) {
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
    pub(super) fn by_acceptance(dfa: &Dfa) -> Partition {
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

    pub(super) fn blocks(&self) -> usize {
        self.first.len()
    }

    pub(super) fn size(&self, block: usize) -> usize {
        self.end.get(block).copied().unwrap_or(0) - self.first.get(block).copied().unwrap_or(0)
    }

    pub(super) fn members(&self, block: usize) -> &[usize] {
        let (Some(&first), Some(&end)) = (self.first.get(block), self.end.get(block)) else {
            return &[];
        };
        self.elements.get(first..end).unwrap_or(&[])
    }

    /// Moves `state` into the marked front part of its block.
    pub(super) fn mark(&mut self, state: usize) {
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
    pub(super) fn split_touched(&mut self) -> Vec<(usize, usize)> {
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
pub(super) struct Predecessors {
    /// `sources[start[t * width + s]..start[t * width + s + 1]]`: the states that go to
    /// `t` on `s`.
    pub(super) start: Vec<usize>,
    pub(super) sources: Vec<usize>,
    pub(super) width: usize,
}

impl Predecessors {
    pub(super) fn of(dfa: &Dfa) -> Predecessors {
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

    pub(super) fn of_state(&self, target: usize, symbol: usize) -> &[usize] {
        let i = target * self.width + symbol;
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&from), Some(&to)) => self.sources.get(from..to).unwrap_or(&[]),
            _ => &[],
        }
    }
}
