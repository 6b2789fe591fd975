//! The alphabet partition: the characters an automaton distinguishes plus one class
//! for all the rest, and sets of characters ([`CharClass`]).

use std::collections::BTreeSet;

/// The character standing for every ASCII control character (module documentation).
pub const CONTROL: char = '\u{0}';

/// `c`, or [`CONTROL`] for an ASCII control character.
pub(super) fn canonical(c: char) -> char {
    if c.is_ascii_control() {
        CONTROL
    } else {
        c
    }
}

/// Characters tried first, in order, to render the "other" class in witnesses.
pub(super) const OTHER_REPRESENTATIVES: [char; 8] = ['x', 'y', 'z', 'q', 'w', 'k', 'v', 'j'];

/// The characters an automaton distinguishes, plus one "other" class for all the rest.
/// Symbol `i < chars().len()` is `chars()[i]`; symbol `chars().len()` is "other".
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Alphabet {
    pub(super) chars: Vec<char>,
    /// The ASCII characters of `chars`, bit `c` for character `c`: they sort before the
    /// others, so the symbol of one is the number of bits below its own (a character's
    /// symbol is looked up at every step of reading a text).
    ascii: u128,
}

impl std::fmt::Debug for Alphabet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alphabet")
            .field("chars", &self.chars)
            .finish()
    }
}

impl Alphabet {
    /// The alphabet distinguishing exactly `chars`.
    pub fn new(chars: impl IntoIterator<Item = char>) -> Alphabet {
        let mut gathered = Gathered::default();
        chars.into_iter().for_each(|c| gathered.add(c));
        gathered.alphabet()
    }

    /// The alphabet distinguishing the characters of `texts` (an ASCII text is read by
    /// its bytes).
    pub fn of_texts<'t>(texts: impl IntoIterator<Item = &'t str>) -> Alphabet {
        let mut gathered = Gathered::default();
        for text in texts {
            if text.is_ascii() {
                for byte in text.bytes() {
                    gathered.ascii |= ascii_bit(canonical(char::from(byte))).unwrap_or(0);
                }
            } else {
                text.chars().for_each(|c| gathered.add(c));
            }
        }
        gathered.alphabet()
    }

    /// The alphabet distinguishing the characters of `texts` that this one does not.
    pub fn lacking<'t>(&self, texts: impl IntoIterator<Item = &'t str>) -> Alphabet {
        let mut all = Alphabet::of_texts(texts);
        all.chars.retain(|&c| !self.distinguishes(c));
        all.ascii &= !self.ascii;
        all
    }

    /// The alphabet of the ASCII characters whose bits `ascii` sets.
    fn of_ascii(ascii: u128) -> Alphabet {
        Alphabet {
            chars: ascii_chars(ascii),
            ascii,
        }
    }

    /// Whether every distinguished character is ASCII.
    fn is_ascii(&self) -> bool {
        self.chars.len() == self.ascii.count_ones() as usize
    }

    /// Does the alphabet distinguish `c` (a canonical character)?
    fn distinguishes(&self, c: char) -> bool {
        match ascii_bit(c) {
            Some(bit) => self.ascii & bit != 0,
            None => self.chars.binary_search(&c).is_ok(),
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
        let c = canonical(c);
        match ascii_bit(c) {
            Some(bit) if self.ascii & bit == 0 => self.other_symbol(),
            Some(bit) => (self.ascii & (bit - 1)).count_ones() as usize,
            None => self.chars.binary_search(&c).unwrap_or(self.other_symbol()),
        }
    }

    /// The alphabet distinguishing the characters of both.
    pub fn union(&self, other: &Alphabet) -> Alphabet {
        if self.is_ascii() && other.is_ascii() {
            return Alphabet::of_ascii(self.ascii | other.ascii);
        }
        self.merge(other).0
    }

    /// The union of both alphabets (a merge of their sorted characters), and for each of
    /// its symbols the symbol of each alphabet that reads it (its "other" for a character
    /// it does not distinguish).
    pub(super) fn merge(&self, other: &Alphabet) -> (Alphabet, Vec<(usize, usize)>) {
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
        let ascii = self.ascii | other.ascii;
        (Alphabet { chars, ascii }, symbols)
    }

    /// The concrete character that stands for "other" in witnesses: `x` unless the
    /// alphabet distinguishes it, then `y`, `z`, …, then the first printable character
    /// the alphabet doesn't distinguish.
    pub fn other_representative(&self) -> char {
        OTHER_REPRESENTATIVES
            .iter()
            .copied()
            .chain((0x21..=u32::from(char::MAX)).filter_map(char::from_u32))
            .find(|&c| !self.distinguishes(c))
            .unwrap_or('\u{FFFD}')
    }

    /// The string a breadth-first search over this alphabet read to reach its entry
    /// `at` (entry 0 is where it began; `parent[i - 1]` is the entry entry `i` was reached
    /// from and the symbol read), "other" written as [`Alphabet::other_representative`].
    pub(super) fn spell_path(&self, parent: &[(usize, usize)], mut at: usize) -> String {
        let representative = self.other_representative();
        let mut reversed = Vec::new();
        while at > 0 {
            let Some(&(from, symbol)) = parent.get(at - 1) else {
                break;
            };
            reversed.push(self.chars.get(symbol).copied().unwrap_or(representative));
            at = from;
        }
        reversed.into_iter().rev().collect()
    }

    /// Symbols in witness order: "other" first, then the characters in ascending order.
    pub(super) fn witness_order(&self) -> impl Iterator<Item = usize> {
        std::iter::once(self.other_symbol()).chain(0..self.chars.len())
    }
}

/// Characters gathered for an alphabet: the ASCII ones as bits, the others listed (in
/// any order, repeated or not).
#[derive(Default)]
struct Gathered {
    ascii: u128,
    others: Vec<char>,
}

impl Gathered {
    fn add(&mut self, c: char) {
        let c = canonical(c);
        match ascii_bit(c) {
            Some(bit) => self.ascii |= bit,
            None => self.others.push(c),
        }
    }

    /// The alphabet distinguishing the characters gathered.
    fn alphabet(mut self) -> Alphabet {
        self.others.sort_unstable();
        self.others.dedup();
        let mut chars = ascii_chars(self.ascii);
        chars.append(&mut self.others);
        Alphabet {
            chars,
            ascii: self.ascii,
        }
    }
}

/// The bit of `c` in [`Alphabet`]'s set of ASCII characters; `None` beyond ASCII.
fn ascii_bit(c: char) -> Option<u128> {
    c.is_ascii().then(|| 1 << u32::from(c))
}

/// The ASCII characters whose bits `ascii` sets, in order.
fn ascii_chars(mut ascii: u128) -> Vec<char> {
    let mut chars = Vec::with_capacity(ascii.count_ones() as usize);
    while ascii != 0 {
        chars.extend(u8::try_from(ascii.trailing_zeros()).ok().map(char::from));
        ascii &= ascii - 1;
    }
    chars
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

    pub(super) fn mentioned(&self) -> impl Iterator<Item = char> + '_ {
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
    pub(super) fn mark_symbols(&self, alphabet: &Alphabet, masks: &mut [u128], bit: u128) {
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
    pub(super) fn symbols(&self, alphabet: &Alphabet) -> Vec<bool> {
        let other = !matches!(self, CharClass::OneOf(_));
        (0..alphabet.width())
            .map(|s| alphabet.chars.get(s).map_or(other, |&c| self.contains(c)))
            .collect()
    }
}
