//! trustlint-automata: exact finite automata over strings, with no knowledge of IAM,
//! GitLab or the rest of trustlint. [`automaton`] holds the alphabet partition, regular
//! expressions over character classes, minimal complete DFAs and their boolean algebra,
//! decision procedures and witnesses; [`glob`] turns IAM condition patterns (`*`, `?`,
//! policy variables, case folding) into them, and [`ci_regex`] the subset of GitLab's RE2
//! regexes (`rules:if`, `only:refs`) that automata can express.
//!
//! It is the one crate optimised even in dev and test builds (the automata are ~15x
//! slower unoptimised, and the tests of every crate above run them many times).

pub mod automaton;
pub mod ci_regex;
pub mod glob;
