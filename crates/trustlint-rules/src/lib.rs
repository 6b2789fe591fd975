//! trustlint-rules: the `Rule` trait, the registry of rules keyed by stable code, one
//! module per rule, and the analyses rules share.

pub mod analysis;
