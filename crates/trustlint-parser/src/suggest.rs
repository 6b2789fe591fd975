//! "Did you mean …?" suggestions for misspelled keys, keywords and operators: a
//! case-insensitive match first, then the closest candidate by edit distance.

/// The candidate `word` most likely misspells: one equal to it ignoring ASCII case, else
/// the nearest by Levenshtein distance (case-insensitive) when that distance is at most 2
/// or at most a third of the word's length, and shorter than the word itself. Ties go to
/// the earlier candidate. `None` when nothing is close enough.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(exact) = candidates.iter().find(|c| c.eq_ignore_ascii_case(word)) {
        return Some(exact);
    }
    let word_lower: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
    let length = word_lower.len();
    let limit = (length / 3).max(2);
    let mut best: Option<(usize, &'a str)> = None;
    let mut candidate_lower: Vec<char> = Vec::new();
    let bits = BitPattern::of(&word_lower);
    for &candidate in candidates {
        // Only a strictly nearer candidate replaces the best one so far.
        let limit = match best {
            Some((0, _)) => break,
            Some((distance, _)) => distance - 1,
            None => limit,
        };
        // The distance is at least the difference in length: most candidates of a long
        // list (the 20 000 actions of the catalog) are ruled out without computing it.
        // ASCII text (every AWS name) is lower-cased a byte at a time.
        let ascii = candidate.is_ascii();
        let candidate_length = if ascii {
            candidate.len()
        } else {
            candidate.chars().flat_map(char::to_lowercase).count()
        };
        if candidate_length.abs_diff(length) > limit {
            continue;
        }
        let distance = match &bits {
            Some(bits) if ascii => bits.distance(
                candidate
                    .bytes()
                    .map(|byte| char::from(byte.to_ascii_lowercase())),
            ),
            Some(bits) => bits.distance(candidate.chars().flat_map(char::to_lowercase)),
            None => {
                candidate_lower.clear();
                candidate_lower.extend(candidate.chars().flat_map(char::to_lowercase));
                levenshtein_within(&word_lower, &candidate_lower, limit).unwrap_or(usize::MAX)
            }
        };
        if distance > limit {
            continue;
        }
        if distance >= length {
            continue;
        }
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
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
    fn far_words_get_nothing() {
        assert_eq!(did_you_mean("Foo", KEYS), None);
        assert_eq!(did_you_mean("x", KEYS), None);
        assert_eq!(did_you_mean("", KEYS), None);
        assert_eq!(did_you_mean("Resource", KEYS), None);
    }

    proptest::proptest! {
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
