//! `include: local:` glob patterns, matched the way GitLab matches them.

/// Longest `include: local:` glob matched, in characters: real ones are a few dozen; a
/// longer one matches nothing (it keeps a hostile pattern from costing more than
/// `MAX_GLOB_CHARS` steps per character of each listed path).
const MAX_GLOB_CHARS: usize = 256;

/// Whether `path` matches an `include: local:` glob the way GitLab matches them: `*`
/// matches within one folder, `**` across folders (`**/` also matches no folder at all),
/// `?` one character other than `/`. Dynamic programming over (pattern, path) positions,
/// so patterns with many stars take `pattern × path` steps, not exponential time.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let path: Vec<char> = path.chars().collect();
    if pattern.len() > MAX_GLOB_CHARS {
        return false;
    }
    let width = path.len() + 1;
    // `matched[i * width + j]`: whether `pattern[i..]` matches `path[j..]`.
    let mut matched = vec![false; (pattern.len() + 1) * width];
    let at = |matched: &[bool], i: usize, j: usize| matched.get(i * width + j) == Some(&true);
    if let Some(end) = matched.get_mut(pattern.len() * width + path.len()) {
        *end = true;
    }
    for i in (0..pattern.len()).rev() {
        let rest = pattern.get(i..).unwrap_or_default();
        let mut row = vec![false; width];
        // `suffix`: whether some later position satisfies the wildcard (filled right to left).
        let mut suffix = false;
        for j in (0..width).rev() {
            let here = path.get(j);
            let value = match rest {
                ['*', '*', '/', ..] => {
                    suffix |= here == Some(&'/') && at(&matched, i + 3, j + 1);
                    at(&matched, i + 3, j) || suffix
                }
                ['*', '*', ..] => {
                    suffix |= at(&matched, i + 2, j);
                    suffix
                }
                ['*', ..] => {
                    suffix = at(&matched, i + 1, j) || (here.is_some_and(|&c| c != '/') && suffix);
                    suffix
                }
                ['?', ..] => here.is_some_and(|&c| c != '/') && at(&matched, i + 1, j + 1),
                [p, ..] => here == Some(p) && at(&matched, i + 1, j + 1),
                [] => false,
            };
            if let Some(cell) = row.get_mut(j) {
                *cell = value;
            }
        }
        if let Some(slot) = matched.get_mut(i * width..(i + 1) * width) {
            slot.copy_from_slice(&row);
        }
    }
    at(&matched, 0, 0)
}

/// Whether an include path is a glob pattern.
pub fn is_glob(path: &str) -> bool {
    path.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("configs/*.yml", "configs/a.yml"));
        assert!(!glob_matches("configs/*.yml", "configs/sub/a.yml"));
        assert!(glob_matches("configs/**.yml", "configs/sub/a.yml"));
        assert!(glob_matches("configs/**/*.yml", "configs/sub/a.yml"));
        assert!(glob_matches("configs/**/*.yml", "configs/a.yml"));
        assert!(glob_matches("ci/?.yml", "ci/a.yml"));
        assert!(!glob_matches("ci/*.yml", "ci/a.yaml"));
        assert!(glob_matches("**/*.yml", "a.yml"));
        assert!(glob_matches("**", "a/b/c.yml"));
        assert!(glob_matches("a/**/b/*.yml", "a/x/y/b/c.yml"));
        assert!(!glob_matches("a/**/b/*.yml", "a/x/y/b/c/d.yml"));
        assert!(!glob_matches("?", "/"));
        assert!(glob_matches("", ""));
        assert!(!glob_matches("", "a"));
    }

    #[test]
    fn many_stars_take_polynomial_time() {
        let path = format!("ci/{}.yml", "a".repeat(200));
        let pattern = format!("**/{}b.yml", "*a".repeat(60));
        let started = std::time::Instant::now();
        assert!(!glob_matches(&pattern, &path));
        assert!(glob_matches(&format!("**/{}.yml", "*a".repeat(60)), &path));
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(!glob_matches(&"*".repeat(MAX_GLOB_CHARS + 1), "a"));
    }
}
