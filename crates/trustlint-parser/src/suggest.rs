//! "Did you mean …?" suggestions for misspelled keys, keywords, operators and action
//! names: a case-insensitive match first, then the closest candidate by edit distance.
//! A [`Vocabulary`] prepares a long candidate list (a service's actions) once for many
//! questions.

/// The candidate `word` most likely misspells: one equal to it ignoring ASCII case, else
/// the nearest by Levenshtein distance (case-insensitive) when that distance is at most 2
/// or at most a third of the word's length, and shorter than the word itself. Ties go to
/// the earlier candidate. `None` when nothing is close enough.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    Vocabulary::new(candidates.iter().copied()).closest(word)
}

/// Candidate words prepared for repeated [`did_you_mean`] questions: grouped by their
/// lower-cased length, each with how many of each character it contains, so a question
/// visits only the candidates of a near length and computes few distances.
#[derive(Debug)]
pub struct Vocabulary<'a> {
    /// For each lower-cased length, its candidates in list order.
    by_length: Vec<Vec<Candidate<'a>>>,
}

#[derive(Debug)]
struct Candidate<'a> {
    text: &'a str,
    /// Its place in the list: ties go to the earlier candidate.
    position: usize,
    characters: CharacterCounts,
    ascii: bool,
}

impl<'a> Vocabulary<'a> {
    pub fn new(candidates: impl IntoIterator<Item = &'a str>) -> Vocabulary<'a> {
        let mut by_length: Vec<Vec<Candidate<'a>>> = Vec::new();
        for (position, text) in candidates.into_iter().enumerate() {
            let (length, characters) =
                CharacterCounts::of(text.chars().flat_map(char::to_lowercase));
            if by_length.len() <= length {
                by_length.resize_with(length + 1, Vec::new);
            }
            if let Some(group) = by_length.get_mut(length) {
                group.push(Candidate {
                    text,
                    position,
                    characters,
                    ascii: text.is_ascii(),
                });
            }
        }
        Vocabulary { by_length }
    }

    fn of_length(&self, length: usize) -> &[Candidate<'a>] {
        self.by_length.get(length).map_or(&[], Vec::as_slice)
    }

    /// The answer of [`did_you_mean`] for `word` and these candidates.
    pub fn closest(&self, word: &str) -> Option<&'a str> {
        let word_lower: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
        let length = word_lower.len();
        // A candidate equal ignoring ASCII case has the word's lower-cased length.
        if let Some(exact) = self
            .of_length(length)
            .iter()
            .find(|c| c.text.eq_ignore_ascii_case(word))
        {
            return Some(exact.text);
        }
        let limit = (length / 3).max(2);
        if length > self.by_length.len() + limit {
            // Longer than every candidate by more than the limit (a huge key).
            return None;
        }
        let (_, characters) = CharacterCounts::of(word_lower.iter().copied());
        let bits = BitPattern::of(&word_lower);
        let mut candidate_lower: Vec<char> = Vec::new();
        // The best (distance, candidate) so far. The distance is at least the difference
        // in length, so the lengths are visited nearest first and the search stops at the
        // first length too far from the word's to beat the best.
        let mut best: Option<(usize, &Candidate<'a>)> = None;
        for offset in 0..=limit {
            if best.is_some_and(|(distance, _)| offset > distance) {
                break;
            }
            let shorter = length.checked_sub(offset).filter(|_| offset > 0);
            let groups = [shorter, Some(length + offset)];
            for candidate in groups.into_iter().flatten().flat_map(|l| self.of_length(l)) {
                let limit = best.map_or(limit, |(distance, _)| distance);
                // The character counts rule out most candidates without a distance.
                if characters.edits_apart(&candidate.characters) > limit {
                    continue;
                }
                // ASCII text (every AWS name) is lower-cased a byte at a time.
                let text = candidate.text;
                let distance = match &bits {
                    Some(bits) if candidate.ascii => bits.distance(
                        text.bytes()
                            .map(|byte| char::from(byte.to_ascii_lowercase())),
                    ),
                    Some(bits) => bits.distance(text.chars().flat_map(char::to_lowercase)),
                    None => {
                        candidate_lower.clear();
                        candidate_lower.extend(text.chars().flat_map(char::to_lowercase));
                        levenshtein_within(&word_lower, &candidate_lower, limit)
                            .unwrap_or(usize::MAX)
                    }
                };
                if distance > limit || distance >= length {
                    continue;
                }
                let nearer = |(d, c): (usize, &Candidate)| {
                    distance < d || (distance == d && candidate.position < c.position)
                };
                if best.is_none_or(nearer) {
                    best = Some((distance, candidate));
                }
            }
        }
        best.map(|(_, candidate)| candidate.text)
    }
}

/// How many of each character a word contains, folded into 64 classes: letters and
/// digits have a class each, other characters share the rest (counts stop at 255).
#[derive(Clone, Debug)]
struct CharacterCounts([u8; 64]);

impl CharacterCounts {
    /// The number of characters and their counts.
    fn of(characters: impl Iterator<Item = char>) -> (usize, CharacterCounts) {
        let mut length = 0;
        let mut counts = [0u8; 64];
        for c in characters {
            length += 1;
            let class = match c {
                'a'..='z' => c as u32 - 'a' as u32,
                '0'..='9' => 26 + (c as u32 - '0' as u32),
                _ => 36 + c as u32 % 28,
            };
            if let Some(count) = counts.get_mut(class as usize) {
                *count = count.saturating_add(1);
            }
        }
        (length, CharacterCounts(counts))
    }

    /// A lower bound of the edit distance of two words (their "bag distance"): the
    /// characters one word has beyond the other's must each be deleted or replaced, by
    /// an edit of its own.
    fn edits_apart(&self, other: &CharacterCounts) -> usize {
        // At most 64 × 255 each: the sums fit 16 bits (and the loop vectorises).
        let (mut only_self, mut only_other) = (0u16, 0u16);
        for (mine, theirs) in self.0.iter().zip(&other.0) {
            only_self += u16::from(mine.saturating_sub(*theirs));
            only_other += u16::from(theirs.saturating_sub(*mine));
        }
        usize::from(only_self.max(only_other))
    }
}

/// The Levenshtein distance of `a` and `b` when it is at most `limit`: the computation
/// stops as soon as every entry of a row exceeds `limit` (entries never decrease from
/// one row to the next along the best path).
fn levenshtein_within(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            let deletion = previous[j + 1] + 1;
            let insertion = current[j] + 1;
            current[j + 1] = substitution.min(deletion).min(insertion);
        }
        if current.iter().all(|&d| d > limit) {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    Some(previous[b.len()]).filter(|&d| d <= limit)
}

/// An ASCII word of at most 64 characters prepared for the bit-parallel Levenshtein
/// distance of Myers (as formulated by Hyyrö): one column of the distance table is two
/// machine words, so a candidate costs a few operations per character.
struct BitPattern {
    /// For each ASCII character, the positions where the word has it.
    positions: [u64; 128],
    /// The bit of the word's last position.
    last: u64,
    length: usize,
}

impl BitPattern {
    fn of(word: &[char]) -> Option<BitPattern> {
        if word.is_empty() || word.len() > 64 || !word.iter().all(char::is_ascii) {
            return None;
        }
        let mut positions = [0u64; 128];
        for (i, &c) in word.iter().enumerate() {
            if let Some(slot) = positions.get_mut(c as usize) {
                *slot |= 1 << i;
            }
        }
        Some(BitPattern {
            positions,
            last: 1 << (word.len() - 1),
            length: word.len(),
        })
    }

    /// The Levenshtein distance between the word and `text`.
    fn distance(&self, text: impl Iterator<Item = char>) -> usize {
        let mut plus_vertical = u64::MAX;
        let mut minus_vertical = 0u64;
        let mut score = self.length;
        for c in text {
            // A character outside ASCII matches no position of an ASCII word.
            let equal = self.positions.get(c as usize).copied().unwrap_or(0);
            let x_vertical = equal | minus_vertical;
            let x_horizontal =
                ((equal & plus_vertical).wrapping_add(plus_vertical) ^ plus_vertical) | equal;
            let mut plus_horizontal = minus_vertical | !(x_horizontal | plus_vertical);
            let mut minus_horizontal = plus_vertical & x_horizontal;
            if plus_horizontal & self.last != 0 {
                score += 1;
            } else if minus_horizontal & self.last != 0 {
                score -= 1;
            }
            // Row 0 of the table grows by one per character of `text`.
            plus_horizontal = (plus_horizontal << 1) | 1;
            minus_horizontal <<= 1;
            plus_vertical = minus_horizontal | !(x_vertical | plus_horizontal);
            minus_vertical = plus_horizontal & x_vertical;
        }
        score
    }
}

/// The Levenshtein edit distance (insertions, deletions, substitutions) of two strings.
pub fn levenshtein(a: &[char], b: &[char]) -> usize {
    levenshtein_within(a, b, usize::MAX).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["Version", "Id", "Statement"];

    #[test]
    fn case_insensitive_match_wins() {
        assert_eq!(did_you_mean("statement", KEYS), Some("Statement"));
        assert_eq!(did_you_mean("ID", KEYS), Some("Id"));
    }

    #[test]
    fn close_misspellings() {
        assert_eq!(did_you_mean("Statment", KEYS), Some("Statement"));
        assert_eq!(did_you_mean("Verison", KEYS), Some("Version"));
        assert_eq!(did_you_mean("Statements", KEYS), Some("Statement"));
    }

    #[test]
    fn a_huge_word_has_no_suggestion() {
        let huge = "a".repeat(1_000_000);
        assert_eq!(did_you_mean(&huge, KEYS), None);
        let near = format!("{}b", "a".repeat(30));
        assert_eq!(
            did_you_mean(&near, &["a", &"a".repeat(30)]),
            Some("a".repeat(30).as_str())
        );
    }

    #[test]
    fn ties_go_to_the_earlier_candidate_of_any_length() {
        assert_eq!(did_you_mean("abcd", &["abc", "abce"]), Some("abc"));
        assert_eq!(did_you_mean("abcd", &["abce", "abc"]), Some("abce"));
        assert_eq!(did_you_mean("KEY", &["\u{212A}ey", "key"]), Some("key"));
    }

    #[test]
    fn far_words_get_nothing() {
        assert_eq!(did_you_mean("Foo", KEYS), None);
        assert_eq!(did_you_mean("x", KEYS), None);
        assert_eq!(did_you_mean("", KEYS), None);
        assert_eq!(did_you_mean("Resource", KEYS), None);
    }

    /// [`did_you_mean`] as specified, computing every distance.
    fn closest_by_every_distance<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
        if let Some(exact) = candidates.iter().find(|c| c.eq_ignore_ascii_case(word)) {
            return Some(exact);
        }
        let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
        let word = lower(word);
        let limit = (word.len() / 3).max(2);
        let mut best: Option<(usize, &'a str)> = None;
        for &candidate in candidates {
            let distance = levenshtein(&word, &lower(candidate));
            if distance <= limit && distance < word.len() && best.is_none_or(|(d, _)| distance < d)
            {
                best = Some((distance, candidate));
            }
        }
        best.map(|(_, candidate)| candidate)
    }

    proptest::proptest! {
        /// The character counts bound the distance from below.
        #[test]
        fn character_counts_bound_the_distance(a in "[a-c0-2é\u{212A}_-]{0,12}", b in "[a-c0-2é\u{212A}_-]{0,12}") {
            let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
            let (_, set_a) = CharacterCounts::of(lower(&a).into_iter());
            let (_, set_b) = CharacterCounts::of(lower(&b).into_iter());
            proptest::prop_assert!(set_a.edits_apart(&set_b) <= levenshtein(&lower(&a), &lower(&b)));
        }

        /// The vocabulary's pruned search finds the candidate the specification names.
        #[test]
        fn vocabulary_agrees_with_every_distance(
            word in "[a-cK]{0,7}",
            candidates in proptest::collection::vec("[a-cé\u{212A}]{0,7}", 0..16),
        ) {
            let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(
                Vocabulary::new(candidates.iter().copied()).closest(&word),
                closest_by_every_distance(&word, &candidates)
            );
        }

        /// The bit-parallel distance is the dynamic-programming one.
        #[test]
        fn bit_parallel_distance_agrees(word in "[a-dK]{1,70}", text in "[a-dé\u{212A}]{0,70}") {
            let word: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
            let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
            if let Some(bits) = BitPattern::of(&word) {
                proptest::prop_assert_eq!(bits.distance(text.iter().copied()), levenshtein(&word, &text));
            } else {
                proptest::prop_assert!(word.len() > 64);
            }
        }
    }

    #[test]
    fn distance() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(levenshtein(&chars("kitten"), &chars("sitting")), 3);
        assert_eq!(levenshtein(&chars(""), &chars("abc")), 3);
        assert_eq!(levenshtein(&chars("abc"), &chars("abc")), 0);
        assert_eq!(
            levenshtein_within(&chars("kitten"), &chars("sitting"), 3),
            Some(3)
        );
        assert_eq!(
            levenshtein_within(&chars("kitten"), &chars("sitting"), 2),
            None
        );
        assert_eq!(
            levenshtein_within(&chars("GetObject"), &chars("DeleteBucketPolicy"), 2),
            None
        );
    }
}
