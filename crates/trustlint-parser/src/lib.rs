//! trustlint-parser: everything between bytes and the typed model. It owns the source
//! map and spans, spanned JSON and YAML loading with limits against hostile input, and
//! the typed, spanned models of IAM policies and GitLab CI files.

pub mod access_report;
pub mod aws_export;
pub mod cloudformation;
pub mod document;
pub mod embedded;
pub mod federation;
pub mod files;
pub mod gitlab;
pub mod iac;
pub mod iam;
pub mod input;
pub mod json;
pub mod limits;
pub mod problem;
pub mod script;
pub mod source;
pub mod spanned;
pub mod suggest;
pub mod terraform;
pub mod tree;
pub mod yaml;

pub use limits::Limits;
pub use problem::{Problem, ProblemKind};
pub use source::{FileId, LineCol, SourceFile, SourceMap, Span};
pub use tree::{Entry, Node, Value};
