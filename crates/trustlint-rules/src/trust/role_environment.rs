//! What a role's name and tags say about the environment it serves: the tags naming an
//! environment (keys `environment`, `env`, `stage`, `tier`, any case) and whether the
//! name or such a tag says production (`prod`, `production`, `prd`, `live` as a word).
//! Shared by TL114 (no environment tag) and TL115 (a production role open to
//! unprotected refs).

use trustlint_parser::iam::placeholder::has_interpolation;
use trustlint_parser::iam::role::{Role, Tag};

/// Tag keys naming an environment, compared ignoring case.
pub const ENVIRONMENT_TAG_KEYS: &[&str] = &["environment", "env", "stage", "tier"];

/// Words that say production, compared ignoring case.
const PRODUCTION_WORDS: &[&str] = &["prod", "production", "prd", "live"];

/// The role's tags whose key names an environment.
pub fn environment_tags(role: &Role) -> impl Iterator<Item = &Tag> {
    role.tags.iter().filter(|tag| {
        ENVIRONMENT_TAG_KEYS
            .iter()
            .any(|key| tag.key.value.eq_ignore_ascii_case(key))
    })
}

/// The production word of a text (`prod` in `gitlab-prod-deploy`, `Prod` in
/// `ProdDeployRole`), if it has one. Words are split at characters other than letters
/// and digits, at lower-to-upper case changes, and between letters and digits;
/// interpolations (`${var.env}`) are not read: their value is unknown.
pub fn production_word(text: &str) -> Option<String> {
    words(&without_interpolations(text))
        .into_iter()
        .find(|word| {
            PRODUCTION_WORDS
                .iter()
                .any(|p| word.eq_ignore_ascii_case(p))
        })
}

/// The first environment tag whose value says production.
pub fn production_tag(role: &Role) -> Option<&Tag> {
    environment_tags(role).find(|tag| production_word(&tag.value.value).is_some())
}

/// The text with every `${…}` removed (an unterminated one removes the rest).
fn without_interpolations(text: &str) -> String {
    if !has_interpolation(text) {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${").or_else(|| rest.find("{{")) {
        out.push_str(rest.get(..start).unwrap_or_default());
        out.push(' ');
        let close = if rest.get(start..).is_some_and(|r| r.starts_with("{{")) {
            "}}"
        } else {
            "}"
        };
        match rest.get(start..).and_then(|r| r.find(close)) {
            Some(end) => rest = rest.get(start + end + close.len()..).unwrap_or_default(),
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The words of a name (see [`production_word`]).
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    let chars: Vec<char> = text.chars().collect();
    for (index, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous = None;
            continue;
        }
        let next = chars.get(index + 1).copied();
        let boundary = previous.is_some_and(|p| {
            (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (p.is_ascii_digit() != c.is_ascii_digit())
                // The last capital of a run of capitals starts the next word: `PRODDeploy`.
                || (p.is_ascii_uppercase()
                    && c.is_ascii_uppercase()
                    && next.is_some_and(|n| n.is_ascii_lowercase()))
        });
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
        previous = Some(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_words() {
        for (name, word) in [
            ("gitlab-prod-deploy", Some("prod")),
            ("ProdDeployRole", Some("Prod")),
            ("PRODDeploy", Some("PROD")),
            ("deploy_production", Some("production")),
            ("app.prd.eu", Some("prd")),
            ("live", Some("live")),
            ("deployLive2", Some("Live")),
            ("prod1", Some("prod")),
            ("product-catalog", None),
            ("delivery", None),
            ("preprod", None),
            ("olive-deploy", None),
            ("deploy-${var.prod}", None),
            ("${var.env}-prod", Some("prod")),
            ("staging", None),
        ] {
            assert_eq!(production_word(name).as_deref(), word, "{name}");
        }
    }
}
