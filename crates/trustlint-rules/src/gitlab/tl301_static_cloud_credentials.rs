//! TL301 static-cloud-credentials: long-lived cloud keys written in a GitLab CI file or
//! in the local files it includes — AWS access key IDs (`AKIA…`, `ASIA…`, `ABIA…`,
//! `ACCA…`) anywhere in the text, comments included; AWS secret access keys and Azure
//! client secrets assigned to their well-known names (YAML variables in any form, shell
//! `NAME=value`, `aws configure set name value`) or written beside a key ID; GCP
//! service-account JSON keys. Every finding marks the value as secret so that no report
//! prints it, and no message names it.

use trustlint_parser::gitlab::{Kind, Pipeline, Text};
use trustlint_parser::input::{Content, Document, InputKind};
use trustlint_parser::{FileId, SourceMap, Span};

use super::walk;
use crate::analysis::shell;
use crate::finding::Finding;
use crate::meta::{self, RuleMeta};
use crate::rule::{Context, Rule};

#[derive(Debug)]
pub struct StaticCloudCredentials;

impl Rule for StaticCloudCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &meta::TL301
    }

    fn finds_secrets(&self) -> bool {
        true
    }

    fn check_document(&self, cx: &Context<'_>, document: &Document, out: &mut Vec<Finding>) {
        if document.kind != InputKind::GitlabCi {
            return;
        }
        let sources = &cx.workspace.sources;
        let mut hits = Vec::new();
        match &document.content {
            Content::GitlabCi(pipeline) => {
                for file in walk::pipeline_files(cx, document, pipeline) {
                    hits.extend(scan_file(sources, file));
                }
                hits.extend(
                    variable_hits(sources, pipeline)
                        .into_iter()
                        .filter(|hit| walk::reports_on(cx, document, hit.span.file)),
                );
            }
            // A file GitLab can't parse still holds whatever keys are written in it.
            Content::Unparsed | Content::IamPolicy(_) | Content::Iam(_) => {
                hits.extend(scan_file(sources, document.file));
            }
        }
        // The same value found twice (by name and beside a key ID): keep the named one.
        hits.sort_by_key(|hit| {
            let unnamed = matches!(hit.credential, Credential::AwsSecretKey { name: None });
            (
                hit.span.file,
                hit.span.start,
                std::cmp::Reverse(hit.span.end),
                unnamed,
            )
        });
        let mut last: Option<Span> = None;
        for hit in hits {
            if last.is_some_and(|kept| kept.file == hit.span.file && hit.span.start < kept.end) {
                continue;
            }
            last = Some(hit.span);
            out.push(hit.finding(self.meta()));
        }
    }
}

/// What kind of credential a secret value is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Credential {
    /// An AWS access key ID, by its prefix.
    AwsKeyId(KeyIdKind),
    /// An AWS secret access key, assigned to `name` or written beside a key ID.
    AwsSecretKey { name: Option<String> },
    /// An Azure client secret assigned to `name`.
    AzureClientSecret { name: String },
    /// The private key of a GCP service-account JSON key.
    GcpServiceAccountKey,
}

/// The prefixes of AWS access key IDs (IAM user guide, "Unique identifier prefixes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyIdKind {
    /// `AKIA`: an access key of an IAM user (or the root user), valid until deleted.
    AccessKey,
    /// `ASIA`: a temporary key from AWS STS, valid until its session expires.
    Temporary,
    /// `ABIA`: an AWS STS service bearer token.
    BearerToken,
    /// `ACCA`: a context-specific credential.
    ContextSpecific,
}

impl KeyIdKind {
    fn from_prefix(prefix: &str) -> Option<KeyIdKind> {
        match prefix {
            "AKIA" => Some(KeyIdKind::AccessKey),
            "ASIA" => Some(KeyIdKind::Temporary),
            "ABIA" => Some(KeyIdKind::BearerToken),
            "ACCA" => Some(KeyIdKind::ContextSpecific),
            _ => None,
        }
    }
}

/// A secret value found at `span`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Hit {
    span: Span,
    credential: Credential,
}

const READERS: &str =
    "everyone who can read the repository (members, forks, clones, and its git history for good) can read it";

impl Hit {
    fn finding(&self, rule: &'static RuleMeta) -> Finding {
        let (message, help) = match &self.credential {
            Credential::AwsKeyId(kind) => {
                let (what, valid) = match kind {
                    KeyIdKind::AccessKey => ("an IAM user's access key ID (`AKIA…`)", "until the key is deleted"),
                    KeyIdKind::Temporary => ("a temporary AWS STS access key ID (`ASIA…`)", "until its session expires (up to 36 hours)"),
                    KeyIdKind::BearerToken => ("an AWS STS service bearer token ID (`ABIA…`)", "until the token expires"),
                    KeyIdKind::ContextSpecific => ("a context-specific AWS credential ID (`ACCA…`)", "until it is revoked"),
                };
                (
                    format!("{what} is written in the pipeline configuration: with its secret key it signs AWS requests as that identity {valid}, and {READERS}"),
                    AWS_HELP,
                )
            }
            Credential::AwsSecretKey { name } => (
                match name {
                    Some(name) => format!("`{name}` is set to a literal AWS secret access key: whoever holds it and its key ID signs AWS requests as that IAM user until the key is deleted, and {READERS}"),
                    None => format!("an AWS secret access key is written beside an access key ID: whoever holds the pair signs AWS requests as that IAM user until the key is deleted, and {READERS}"),
                },
                AWS_HELP,
            ),
            Credential::AzureClientSecret { name } => (
                format!("`{name}` is set to a literal Azure client secret: whoever holds it signs in as that service principal until the secret expires or is removed, and {READERS}"),
                "delete it from the file and remove the secret from the app registration now (it stays in the git history); let the job sign in with workload identity federation (a federated credential for GitLab's issuer and an `id_tokens:` entry) or, if a secret is unavoidable, keep it in a masked, protected CI/CD variable",
            ),
            Credential::GcpServiceAccountKey => (
                format!("a GCP service-account key (JSON with `\"type\": \"service_account\"` and its `private_key`) is written in the pipeline configuration: whoever holds it acts as that service account until the key is deleted, and {READERS}"),
                "delete it from the file and delete the key in IAM now (it stays in the git history); let the job use workload identity federation (a pool provider for GitLab's issuer and an `id_tokens:` entry) or, if a key is unavoidable, keep it in a masked, protected CI/CD variable of type file",
            ),
        };
        Finding::new(rule, self.span, message)
            .with_help(help)
            .with_secret(self.span)
    }
}

const AWS_HELP: &str = "delete it from the file and deactivate the key in IAM now (it stays in the git history); let the job assume a role with an `id_tokens:` entry and `AssumeRoleWithWebIdentity` instead, or, if a static key is unavoidable, keep it in a masked, protected CI/CD variable";

/// Every credential written anywhere in the text of `file`.
fn scan_file(sources: &SourceMap, file: FileId) -> Vec<Hit> {
    let Some(source) = sources.get(file) else {
        return Vec::new();
    };
    scan_text(&source.text)
        .into_iter()
        .map(|(start, end, credential)| Hit {
            span: Span::new(file, start, end),
            credential,
        })
        .collect()
}

/// The credentials in `text`, as byte ranges.
fn scan_text(text: &str) -> Vec<(usize, usize, Credential)> {
    let mut found = Vec::new();
    let key_ids: Vec<(usize, usize, KeyIdKind)> = key_ids(text).collect();
    for &(start, end, kind) in &key_ids {
        found.push((start, end, Credential::AwsKeyId(kind)));
        for (start, end) in secret_keys_near(text, start) {
            found.push((start, end, Credential::AwsSecretKey { name: None }));
        }
    }
    for (name_start, name) in runs(text, is_name_byte) {
        let Some(shape) = NamedSecret::of(name) else {
            continue;
        };
        let Some((start, end)) = assigned_value(text, name_start + name.len()) else {
            continue;
        };
        let value = text.get(start..end).unwrap_or_default();
        if shape.accepts(value) {
            found.push((start, end, shape.credential(name)));
        }
    }
    for (start, end) in service_account_keys(text) {
        found.push((start, end, Credential::GcpServiceAccountKey));
    }
    found
}

/// Secrets assigned in YAML to a credential variable name, in any form GitLab accepts
/// (`NAME: value`, `NAME: {value: …}`, block scalars, anchors), in every map of the
/// configuration: global and job `variables:`, `rules:variables`, templates.
fn variable_hits(sources: &SourceMap, pipeline: &Pipeline) -> Vec<Hit> {
    let mut hits = Vec::new();
    for field in walk::pipeline_fields(pipeline) {
        let Some(shape) = NamedSecret::of(&field.key.value) else {
            continue;
        };
        let value = match field.value.kind {
            Kind::Map(_) => field.value.get("value").and_then(Text::of),
            _ => Text::of(&field.value),
        };
        let Some(value) = value else {
            continue;
        };
        let trimmed = value.value.trim();
        if shape.accepts(trimmed) {
            let start = value.value.len() - value.value.trim_start().len();
            hits.push(Hit {
                span: shell::span_in(&value, sources, start, start + trimmed.len()),
                credential: shape.credential(&field.key.value),
            });
        }
    }
    hits
}

/// The variable names whose literal values are secrets, and the shape a real value has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NamedSecret {
    /// `*SECRET_ACCESS_KEY` (any case): `AWS_SECRET_ACCESS_KEY`, `aws_secret_access_key`.
    AwsSecretKey,
    /// `*AZURE_CLIENT_SECRET`, `*ARM_CLIENT_SECRET` (any case).
    AzureClientSecret,
}

impl NamedSecret {
    fn of(name: &str) -> Option<NamedSecret> {
        // Every word of every file is asked: no copy.
        let ends_with = |suffix: &str| {
            name.len()
                .checked_sub(suffix.len())
                .and_then(|start| name.get(start..))
                .is_some_and(|end| end.eq_ignore_ascii_case(suffix))
        };
        if ends_with("SECRET_ACCESS_KEY") {
            Some(NamedSecret::AwsSecretKey)
        } else if ends_with("AZURE_CLIENT_SECRET") || ends_with("ARM_CLIENT_SECRET") {
            Some(NamedSecret::AzureClientSecret)
        } else {
            None
        }
    }

    /// Whether `value` looks like a real secret of this kind (not a reference, an empty
    /// value, a local test stub such as MinIO's or LocalStack's, or a placeholder).
    fn accepts(self, value: &str) -> bool {
        match self {
            NamedSecret::AwsSecretKey => is_aws_secret_key(value),
            NamedSecret::AzureClientSecret => {
                (30..=100).contains(&value.len())
                    && value.bytes().all(is_value_byte)
                    && value.bytes().any(|b| b.is_ascii_alphabetic())
                    && value.bytes().any(|b| b.is_ascii_digit())
                    && !is_placeholder(value)
            }
        }
    }

    fn credential(self, name: &str) -> Credential {
        match self {
            NamedSecret::AwsSecretKey => Credential::AwsSecretKey {
                name: Some(name.to_string()),
            },
            NamedSecret::AzureClientSecret => Credential::AzureClientSecret {
                name: name.to_string(),
            },
        }
    }
}

/// An AWS secret access key: 40 characters of `[A-Za-z0-9/+]` mixing upper case, lower
/// case and digits, and not one of AWS's documented examples or a placeholder.
fn is_aws_secret_key(value: &str) -> bool {
    value.len() == 40
        && value.bytes().all(is_secret_key_byte)
        && value.bytes().any(|b| b.is_ascii_uppercase())
        && value.bytes().any(|b| b.is_ascii_lowercase())
        && value.bytes().any(|b| b.is_ascii_digit())
        && !is_placeholder(value)
}

/// AWS access key IDs: `(AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}` as a whole word, except AWS's
/// documented examples (`AKIAIOSFODNN7EXAMPLE`) and runs like `AKIAXXXXXXXXXXXXXXXX`.
fn key_ids(text: &str) -> impl Iterator<Item = (usize, usize, KeyIdKind)> + '_ {
    runs(text, |b| b.is_ascii_alphanumeric()).filter_map(|(start, word)| {
        let kind = KeyIdKind::from_prefix(word.get(..4)?)?;
        let body = word.get(4..)?;
        let shaped = body.len() == 16
            && body
                .bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
        (shaped && !is_placeholder(word)).then_some((start, start + word.len(), kind))
    })
}

/// Secret access keys written on the line of a key ID starting at `at` or on the two
/// lines after it (`aws configure` output, a credentials file pasted into a script).
fn secret_keys_near(text: &str, at: usize) -> Vec<(usize, usize)> {
    let line_start = text
        .get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let rest = text.get(line_start..).unwrap_or_default();
    let window_end = rest
        .match_indices('\n')
        .nth(2)
        .map_or(rest.len(), |(i, _)| i);
    let window = rest.get(..window_end).unwrap_or_default();
    runs(window, is_secret_key_byte)
        .filter(|(_, word)| is_aws_secret_key(word))
        .map(|(start, word)| (line_start + start, line_start + start + word.len()))
        .collect()
}

/// The value assigned to a name that ends at `after`: `NAME=value`, `NAME: value`,
/// `"NAME": "value"`, or `NAME value` (`aws configure set NAME value`), quotes excluded.
fn assigned_value(text: &str, after: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let byte = |i: usize| bytes.get(i).copied();
    let skip_blanks = |mut i: usize| {
        while matches!(byte(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    let mut at = after;
    if matches!(byte(at), Some(b'"' | b'\'')) {
        at += 1;
    }
    let blank = skip_blanks(at);
    at = match byte(blank) {
        Some(b'=' | b':') => skip_blanks(blank + 1),
        _ if blank > at => blank,
        _ => return None,
    };
    if matches!(byte(at), Some(b'"' | b'\'')) {
        at += 1;
    }
    let start = at;
    while byte(at).is_some_and(is_value_byte) {
        at += 1;
    }
    (at > start).then_some((start, at))
}

/// The private keys of GCP service-account JSON keys: a PEM private key that follows a
/// `private_key` field in JSON (plain or escaped inside a string) near
/// `"type": "service_account"`.
fn service_account_keys(text: &str) -> Vec<(usize, usize)> {
    const NEAR: usize = 4096;
    let mut found = Vec::new();
    for (at, _) in text.match_indices("private_key") {
        let after = at + "private_key".len();
        // `private_key_id` is the key's public identifier, not the key.
        if !matches!(text.as_bytes().get(after), Some(b'"' | b'\\')) {
            continue;
        }
        let window = floor(text, at.saturating_sub(NEAR))..ceil(text, after + NEAR);
        if !text
            .get(window)
            .is_some_and(|w| w.contains("service_account"))
        {
            continue;
        }
        let Some(begin) = text
            .get(after..ceil(text, after + 64))
            .and_then(|t| t.find("-----BEGIN"))
            .map(|i| after + i)
        else {
            continue;
        };
        let Some(end) = text.get(begin..).and_then(|t| {
            let end_marker = t.find("-----END")?;
            let close = t.get(end_marker..)?.find("KEY-----")?;
            Some(begin + end_marker + close + "KEY-----".len())
        }) else {
            continue;
        };
        found.push((begin, end));
    }
    found
}

/// Values of AWS's documentation and obvious placeholders: never real keys.
fn is_placeholder(value: &str) -> bool {
    const WORDS: &[&str] = &[
        "example",
        "placeholder",
        "changeme",
        "change_me",
        "change-me",
        "your",
        "dummy",
        "redacted",
        "secret",
        "password",
        "xxxx",
    ];
    let lower = value.to_ascii_lowercase();
    let repeated = value
        .as_bytes()
        .windows(6)
        .any(|w| w.iter().all(|&b| Some(&b) == w.first()));
    repeated || WORDS.iter().any(|word| lower.contains(word))
}

/// Maximal runs of bytes satisfying `keep`, with their offsets (runs are ASCII, so they
/// always start and end on character boundaries).
fn runs(text: &str, keep: fn(u8) -> bool) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while bytes.get(at).is_some_and(|&b| !keep(b)) {
            at += 1;
        }
        let start = at;
        while bytes.get(at).is_some_and(|&b| keep(b)) {
            at += 1;
        }
        (at > start).then(|| (start, text.get(start..at).unwrap_or_default()))
    })
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_secret_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'/' || b == b'+'
}

/// A byte of a secret value: what AWS secret keys and Azure client secrets are made of.
fn is_value_byte(b: u8) -> bool {
    is_secret_key_byte(b) || matches!(b, b'.' | b'_' | b'~' | b'-')
}

fn floor(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_ID: &str = "AKIA2Q7RTLZN4HWXK5VB";
    const SECRET: &str = "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";

    fn found(text: &str) -> Vec<&str> {
        scan_text(text)
            .into_iter()
            .map(|(start, end, _)| &text[start..end])
            .collect()
    }

    #[test]
    fn key_ids_as_whole_words() {
        assert_eq!(found(&format!("id: {KEY_ID}\n")), vec![KEY_ID]);
        assert_eq!(found(&format!("# old key {KEY_ID}, rotated")), vec![KEY_ID]);
        assert!(found(&format!("x{KEY_ID}")).is_empty());
        assert!(found(&format!("{KEY_ID}9")).is_empty());
        assert!(found("AKIAIOSFODNN7EXAMPLE AKIAXXXXXXXXXXXXXXXX AKIA1234567890123456").is_empty());
        assert_eq!(
            scan_text("ASIA2Q7RTLZN4HWXK5VB")[0].2,
            Credential::AwsKeyId(KeyIdKind::Temporary)
        );
    }

    #[test]
    fn named_secret_assignments() {
        for text in [
            format!("export AWS_SECRET_ACCESS_KEY={SECRET}"),
            format!("export AWS_SECRET_ACCESS_KEY=\"{SECRET}\""),
            format!("aws configure set aws_secret_access_key {SECRET}"),
            format!("{{\"AWS_SECRET_ACCESS_KEY\": \"{SECRET}\"}}"),
            format!("  PROD_AWS_SECRET_ACCESS_KEY: '{SECRET}'"),
        ] {
            assert_eq!(found(&text), vec![SECRET], "{text}");
        }
    }

    #[test]
    fn references_stubs_and_examples_are_not_secrets() {
        for text in [
            "export AWS_SECRET_ACCESS_KEY=$AWS_SECRET",
            "export AWS_SECRET_ACCESS_KEY=\"${STS[1]}\"",
            "AWS_SECRET_ACCESS_KEY: minioadmin",
            "AWS_SECRET_ACCESS_KEY: test",
            "AWS_SECRET_ACCESS_KEY: ''",
            "AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "printf \"AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s\"",
            "if: $AWS_SECRET_ACCESS_KEY && $AWS_DEFAULT_REGION",
            "ARM_CLIENT_SECRET: $ARM_SECRET",
            "ARM_CLIENT_SECRET: <your-client-secret-goes-here-1234567>",
            // A commit SHA is not a secret key (one case only).
            "ref: 0123456789abcdef0123456789abcdef01234567",
        ] {
            assert!(found(text).is_empty(), "{text}");
        }
    }

    #[test]
    fn secret_beside_a_key_id() {
        let text = format!("- aws configure import <<EOF\n  {KEY_ID}\n  {SECRET}\nEOF\n");
        assert_eq!(found(&text), vec![KEY_ID, SECRET]);
    }

    #[test]
    fn azure_client_secret() {
        let value = "Xk38Q~vR2mT9pLq0Zw7Yh4Nc1Bd6Fg3Js8Ku5Ea";
        assert_eq!(found(&format!("ARM_CLIENT_SECRET: {value}")), vec![value]);
    }

    #[test]
    fn service_account_private_key() {
        let text = "GCP_KEY: '{\"type\": \"service_account\", \"private_key_id\": \"abc\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEv\\n-----END PRIVATE KEY-----\\n\"}'";
        assert_eq!(
            found(text),
            vec!["-----BEGIN PRIVATE KEY-----\\nMIIEv\\n-----END PRIVATE KEY-----"]
        );
        assert!(found(
            "\"private_key\": \"-----BEGIN PRIVATE KEY-----\\n-----END PRIVATE KEY-----\""
        )
        .is_empty());
    }
}
