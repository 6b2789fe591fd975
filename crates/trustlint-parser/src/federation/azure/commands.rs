//! `az` commands that create federated identity credentials, in shell scripts:
//!
//! - `az ad app federated-credential create|update --id APP --parameters JSON|@FILE`
//!   (a Graph body; `@FILE` is read when the file itself is an input);
//! - `az identity federated-credential create|update --name N --identity-name UAMI
//!   --issuer I --subject S --audiences A… [--claims-matching-expression-value V]`;
//! - `az rest --method post --url …/federatedIdentityCredentials --body JSON|@FILE`.

use super::json::{credential, is_graph_body};
use super::model::{AzureResources, ClaimsExpression, Credential, Holder, Origin};
use crate::embedded::{parse_embedded, OffsetMap};
use crate::limits::Limits;
use crate::problem::Problem;
use crate::script::{Command, Word};
use crate::spanned::Spanned;

/// Reads the relying parties the commands of a shell script (a `*.sh` file or a CI
/// job's script) declare into `out`.
pub fn read_commands(commands: &[Command], out: &mut AzureResources, problems: &mut Vec<Problem>) {
    for command in commands {
        let words = after_az(command);
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        match texts.as_slice() {
            ["ad", "app", "federated-credential", "create" | "update", ..] => {
                let holder = flag(words, &["--id"])
                    .map(|w| Spanned::new(Holder::Written(w.text.clone()), w.span));
                if let Some(parameters) = flag(words, &["--parameters"]) {
                    body(parameters, holder, out, problems);
                }
            }
            ["rest", ..]
                if flag(words, &["--url", "--uri", "-u"])
                    .is_some_and(|url| url.text.contains("federatedIdentityCredentials")) =>
            {
                if let Some(payload) = flag(words, &["--body", "-b"]) {
                    body(payload, None, out, problems);
                }
            }
            ["identity", "federated-credential", "create" | "update", ..] => {
                out.credentials.push(identity_credential(words, command));
            }
            _ => {}
        }
    }
}

/// The words after `az` (an `az` anywhere in the command: `sudo az`, `x=$(az …)` are
/// not followed).
fn after_az(command: &Command) -> &[Word] {
    let start = command.words.iter().position(|w| w.text == "az");
    start
        .and_then(|i| command.words.get(i + 1..))
        .unwrap_or_default()
}

/// The value of the first of `names` given (`--name value` or `--name=value`).
fn flag<'w>(words: &'w [Word], names: &[&str]) -> Option<&'w Word> {
    words.iter().enumerate().find_map(|(i, word)| {
        names
            .iter()
            .any(|name| word.text == *name)
            .then(|| words.get(i + 1))
            .flatten()
    })
}

/// The values following a flag up to the next `--flag` (`--audiences a b`).
fn values<'w>(words: &'w [Word], name: &str) -> Option<(&'w Word, Vec<&'w Word>)> {
    let at = words.iter().position(|w| w.text == name)?;
    let items: Vec<&Word> = words
        .get(at + 1..)?
        .iter()
        .take_while(|w| !w.text.starts_with("--"))
        .collect();
    Some((words.get(at)?, items))
}

/// An inline JSON body (a `@file` is read as a file of its own).
fn body(
    word: &Word,
    holder: Option<Spanned<Holder>>,
    out: &mut AzureResources,
    problems: &mut Vec<Problem>,
) {
    // `@file` or a bare path names a file (read when it is an input itself); text
    // built from variables is not known offline.
    if !word.text.trim_start().starts_with('{') || word.text.contains('$') {
        return;
    }
    let raw_len = word.span.range().len();
    // A single-quoted word is the JSON verbatim: offsets map one to one.
    let map = if word.quoted && raw_len == word.text.len() + 2 {
        let mut builder = OffsetMap::builder(word.span);
        builder.verbatim(word.text.len(), word.span.range().start + 1);
        builder.finish(word.span.range().end - 1)
    } else {
        OffsetMap::whole(word.span)
    };
    match parse_embedded(&word.text, &map, &Limits::default()) {
        Ok(root) if is_graph_body(&root) => {
            // Offsets inside a verbatim word are the word's own, shifted past its quote.
            let base = word.span.range().start + 1;
            let raw = |span: crate::source::Span| {
                let range = span.range();
                (word.quoted && raw_len == word.text.len() + 2)
                    .then(|| {
                        word.text
                            .get(range.start.checked_sub(base)?..range.end.checked_sub(base)?)
                    })
                    .flatten()
            };
            out.credentials
                .push(credential(&root, Origin::Graph, holder, &raw));
        }
        Ok(_) => {}
        Err(problem) => problems.push(Problem::partial_trust(
            word.span,
            format!(
                "this federated credential body is not JSON trustlint reads ({}), so the \
                 credential it creates is not checked",
                problem.message
            ),
        )),
    }
}

fn identity_credential(words: &[Word], command: &Command) -> Credential {
    let text = |names: &[&str]| flag(words, names).map(|w| Spanned::new(w.text.clone(), w.span));
    let audiences = values(words, "--audiences").map(|(name, items)| {
        let span = items
            .last()
            .map_or(name.span, |last| name.span.to(last.span));
        Spanned::new(
            items
                .iter()
                .map(|w| Spanned::new(w.text.clone(), w.span))
                .collect(),
            span,
        )
    });
    let expression = flag(words, &["--claims-matching-expression-value"]).map(|w| {
        let map = if w.quoted && w.span.range().len() == w.text.len() + 2 {
            let mut builder = OffsetMap::builder(w.span);
            builder.verbatim(w.text.len(), w.span.range().start + 1);
            builder.finish(w.span.range().end - 1)
        } else if !w.quoted && w.span.range().len() == w.text.len() {
            let mut builder = OffsetMap::builder(w.span);
            builder.verbatim(w.text.len(), w.span.range().start);
            builder.finish(w.span.range().end)
        } else {
            OffsetMap::whole(w.span)
        };
        ClaimsExpression {
            value: Spanned::new(w.text.clone(), w.span),
            map,
            language_version: text(&["--claims-matching-expression-version"]),
        }
    });
    Credential {
        origin: Origin::Cli,
        holder: flag(words, &["--identity-name"])
            .map(|w| Spanned::new(Holder::Written(w.text.clone()), w.span)),
        name: text(&["--name", "-n"]),
        issuer: text(&["--issuer"]),
        subject: text(&["--subject"]),
        audiences,
        expression,
        repeated: false,
        span: command.span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::commands;
    use crate::source::FileId;

    fn read(text: &str) -> (AzureResources, Vec<Problem>) {
        let mut out = AzureResources::default();
        let mut problems = Vec::new();
        read_commands(&commands(FileId(0), text, 0), &mut out, &mut problems);
        (out, problems)
    }

    #[test]
    fn app_credential_with_inline_parameters() {
        let text = r#"az ad app federated-credential create --id "$APP_ID" --parameters '{"name": "main", "issuer": "https://gitlab.com", "subject": "project_path:g/p:ref_type:branch:ref:main", "audiences": ["https://gitlab.com"]}'"#;
        let (azure, problems) = read(text);
        assert!(problems.is_empty());
        let credential = &azure.credentials[0];
        assert_eq!(credential.holder.as_ref().unwrap().value.text(), "$APP_ID");
        let subject = credential.subject.as_ref().unwrap();
        assert_eq!(
            &text[subject.span.range()],
            "\"project_path:g/p:ref_type:branch:ref:main\""
        );
    }

    #[test]
    fn identity_credential_flags_and_rest_bodies() {
        let text = "az identity federated-credential create --name gl --identity-name uami \\\n  --resource-group rg --issuer https://gitlab.example.com \\\n  --subject project_path:g/p:ref_type:branch:ref:main --audiences https://gitlab.example.com other\n\
az rest --method POST --uri https://graph.microsoft.com/beta/applications/x/federatedIdentityCredentials --body @credential.json\n\
az rest --method post --url https://graph.microsoft.com/beta/applications/x/federatedIdentityCredentials --body \"{'name': 'F'}\"\n\
az ad app federated-credential create --id x --parameters @credential.json\n";
        let (azure, problems) = read(text);
        assert_eq!(azure.credentials.len(), 1);
        let credential = &azure.credentials[0];
        assert_eq!(credential.origin, Origin::Cli);
        assert_eq!(credential.holder.as_ref().unwrap().value.text(), "uami");
        let audiences = &credential.audiences.as_ref().unwrap().value;
        assert_eq!(audiences.len(), 2);
        assert_eq!(&text[audiences[1].span.range()], "other");
        assert_eq!(
            problems.len(),
            1,
            "the single-quoted pseudo-JSON body is said unread"
        );
    }

    #[test]
    fn flexible_expression_flag_maps_into_the_word() {
        let text = "az identity federated-credential create --name f --identity-name u --issuer https://gitlab.com --audiences api://AzureADTokenExchange --claims-matching-expression-value \"claims['sub'] matches 'project_id:1:*'\" --claims-matching-expression-version 1";
        let (azure, _) = read(text);
        let expression = azure.credentials[0].expression.as_ref().unwrap();
        let span = expression.span_of(23..37);
        assert_eq!(&text[span.range()], "project_id:1:*");
    }
}
