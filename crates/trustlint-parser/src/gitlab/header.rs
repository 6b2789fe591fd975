//! The documents of a CI file: GitLab reads an optional header document holding only
//! `spec:` (inputs of a reusable configuration), then, after `---`, the configuration
//! itself. The configuration document is parsed from the same text with the header
//! blanked out, so its spans are byte offsets into the real file.

use crate::limits::Limits;
use crate::problem::Problem;
use crate::source::{FileId, Span};
use crate::tree::{Node, Value};
use crate::yaml::parse_yaml;

/// Keywords that make a top-level `spec:` a job named `spec` rather than a header.
const JOB_SIGNS: &[&str] = &["script", "run", "trigger", "extends", "stage"];

/// A parsed CI file.
#[derive(Debug)]
pub struct Documents {
    /// The `spec:` value of the header document, when there is one.
    pub spec: Option<Node>,
    /// The configuration (a `Null` node when the file holds only a header).
    pub config: Node,
}

/// Parses a CI file's header (if any) and configuration.
pub fn parse(file: FileId, text: &str, limits: &Limits) -> Result<Documents, Problem> {
    let first = parse_yaml(file, text, limits)?;
    let Some(spec) = header_spec(&first) else {
        return Ok(Documents {
            spec: None,
            config: first,
        });
    };
    let spec = spec.clone();
    let config = match next_document(text, first.span.end as usize) {
        Some(start) => {
            // One space per byte of the header (line breaks kept): same offsets after it.
            let mut masked = String::with_capacity(text.len());
            masked.extend(text.get(..start).unwrap_or_default().bytes().map(|b| {
                if b == b'\n' {
                    '\n'
                } else {
                    ' '
                }
            }));
            masked.push_str(text.get(start..).unwrap_or_default());
            parse_yaml(file, &masked, limits)?
        }
        None => Node::new(Span::new(file, text.len(), text.len()), Value::Null),
    };
    Ok(Documents {
        spec: Some(spec),
        config,
    })
}

/// The `spec:` value when the first document is a header.
fn header_spec(root: &Node) -> Option<&Node> {
    let entries = root.as_map()?;
    let [entry] = entries else {
        return None;
    };
    if entry.key_str() != Some("spec") {
        return None;
    }
    let is_job = JOB_SIGNS.iter().any(|k| entry.value.get(k).is_some());
    (!is_job).then_some(&entry.value)
}

/// The byte offset of the next `---` document marker at a line start at or after `from`.
fn next_document(text: &str, from: usize) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let marker = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
        if start >= from && marker {
            return Some(start);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_config() {
        let text = "spec:\n  inputs:\n    stage: {default: test}\n---\njob:\n  script: [é]\n";
        let docs = parse(FileId(0), text, &Limits::default()).unwrap();
        assert!(docs.spec.unwrap().get("inputs").is_some());
        let job = docs.config.get("job").unwrap();
        assert_eq!(&text[job.span.range()], "script: [é]");
    }

    #[test]
    fn a_job_named_spec_is_a_job() {
        let text = "spec:\n  script: [a]\n";
        let docs = parse(FileId(0), text, &Limits::default()).unwrap();
        assert!(docs.spec.is_none());
        assert!(docs.config.get("spec").is_some());
    }
}
