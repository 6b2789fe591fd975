//! CI/CD inputs: GitLab replaces `$[[ inputs.NAME ]]` in a configuration with the value
//! the `include: inputs:` entry passes, else the `spec: inputs:` default, before it reads
//! the configuration. [`interpolate`] does the same on the value tree, so keywords,
//! `rules:if` expressions and stages are judged as GitLab sees them. Each value keeps the
//! span where it is written (the `$[[ … ]]` text). An interpolation with functions
//! (`| expand_vars`, `| truncate(…)`), or of an input with no known value, stays as
//! written: checks treat such text as unknown.

use crate::gitlab::value::{Kind, Val};

const OPEN: &str = "$[[";
const CLOSE: &str = "]]";

/// Interpolates every string of `config` with the inputs `spec` (the `spec:` document's
/// value, its `inputs:` map) declares, overridden by `given` (an `include:` entry's
/// `inputs:` map).
pub fn interpolate(config: &mut Val, spec: Option<&Val>, given: Option<&Val>) {
    let declared = spec.and_then(|s| s.get("inputs"));
    if declared.is_none() && given.is_none() {
        return;
    }
    let value_of = |name: &str| -> Option<Val> {
        given
            .and_then(|g| g.get(name))
            .or_else(|| declared?.get(name)?.get("default"))
            .cloned()
    };
    replace(config, &value_of);
}

fn replace(val: &mut Val, value_of: &dyn Fn(&str) -> Option<Val>) {
    match &mut val.kind {
        Kind::Seq(items) => std::sync::Arc::make_mut(items)
            .iter_mut()
            .for_each(|item| replace(item, value_of)),
        Kind::Map(fields) => std::sync::Arc::make_mut(fields)
            .iter_mut()
            .for_each(|field| replace(&mut field.value, value_of)),
        Kind::String(text) if text.contains(OPEN) => {
            if let Some(whole) = whole_input(text).and_then(value_of) {
                // A value that is one interpolation takes the input's type (array, number…).
                val.kind = whole.kind;
            } else if let Some(done) = substitute(text, value_of) {
                *text = done.into();
            }
        }
        _ => {}
    }
}

/// The input a text consisting of exactly one plain interpolation names.
fn whole_input(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix(OPEN)?.strip_suffix(CLOSE)?;
    if inner.contains(OPEN) || inner.contains(CLOSE) {
        return None;
    }
    input_name(inner)
}

/// `inputs.NAME` (surrounded by spaces) → `NAME`; `None` for anything with functions.
fn input_name(inner: &str) -> Option<&str> {
    let name = inner.trim().strip_prefix("inputs.")?;
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        .then_some(name)
        .filter(|n| !n.is_empty())
}

/// The text with every plain interpolation of a scalar input replaced; `None` when
/// nothing was replaced.
fn substitute(text: &str, value_of: &dyn Fn(&str) -> Option<Val>) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find(OPEN) {
        let after = rest.get(open + OPEN.len()..)?;
        let Some(close) = after.find(CLOSE) else {
            break;
        };
        let inner = after.get(..close)?;
        let value = input_name(inner)
            .and_then(value_of)
            .and_then(|v| v.scalar_text());
        out.push_str(rest.get(..open)?);
        match value {
            Some(value) => {
                out.push_str(&value);
                changed = true;
            }
            None => out.push_str(rest.get(open..open + OPEN.len() + close + CLOSE.len())?),
        }
        rest = after.get(close + CLOSE.len()..)?;
    }
    out.push_str(rest);
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use crate::source::FileId;
    use crate::yaml;

    fn val(text: &str) -> Val {
        Val::from_node(&yaml::parse_yaml(FileId(0), text, &Limits::default()).unwrap())
    }

    #[test]
    fn replaces_defaults_and_given_values() {
        let spec = val("inputs:\n  stage: {default: test}\n  branch: {default: main}\n  jobs: {default: [a, b]}\n  required: {}\n");
        let given = val("branch: release\n");
        let mut config = val(concat!(
            "job:\n",
            "  stage: $[[ inputs.stage ]]\n",
            "  rules: [{if: '$CI_COMMIT_BRANCH == \"$[[ inputs.branch ]]\"'}]\n",
            "  needs: $[[ inputs.jobs ]]\n",
            "  script:\n",
            "    - echo $[[ inputs.required ]] $[[ inputs.stage | expand_vars ]]\n",
        ));
        interpolate(&mut config, Some(&spec), Some(&given));
        let job = config.get("job").unwrap();
        assert_eq!(job.get("stage").unwrap().as_str(), Some("test"));
        let rule = job.get("rules").unwrap().as_seq().unwrap()[0]
            .get("if")
            .unwrap();
        assert_eq!(rule.as_str(), Some("$CI_COMMIT_BRANCH == \"release\""));
        assert_eq!(job.get("needs").unwrap().as_seq().unwrap().len(), 2);
        let script = job.get("script").unwrap().as_seq().unwrap()[0]
            .as_str()
            .unwrap();
        assert_eq!(
            script,
            "echo $[[ inputs.required ]] $[[ inputs.stage | expand_vars ]]"
        );
    }

    #[test]
    fn no_spec_changes_nothing() {
        let mut config = val("job: {stage: '$[[ inputs.stage ]]'}\n");
        let before = config.clone();
        interpolate(&mut config, None, None);
        assert_eq!(config, before);
    }
}
