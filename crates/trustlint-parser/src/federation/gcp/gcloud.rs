//! `gcloud` commands in shell scripts and CI jobs: `iam workload-identity-pools create`,
//! `… providers create-oidc|update-oidc` and `… add-iam-policy-binding`.

use super::model::{
    provider_name, Audiences, Binding, Cel, GcpResources, Mapping, MappingEntry, Pool, Provider,
    Scope, PROJECT_NUMBER,
};
use crate::embedded::OffsetMap;
use crate::problem::Problem;
use crate::script::{Command, Word};
use crate::source::Span;
use crate::spanned::Spanned;

/// Reads the relying parties the commands of a shell script (a `*.sh` file or a CI
/// job's script) declare into `out`.
pub fn read_commands(commands: &[Command], out: &mut GcpResources, _problems: &mut Vec<Problem>) {
    for command in commands {
        let Some(at) = command.words.iter().position(|w| w.text == "gcloud") else {
            continue;
        };
        let words = &command.words[at + 1..];
        // Release tracks (`gcloud beta iam …`).
        let words = match words.first().map(|w| w.text.as_str()) {
            Some("beta" | "alpha") => &words[1..],
            _ => words,
        };
        let args = Args::new(words);
        let group: Vec<&str> = args.positional.iter().map(|w| w.text.as_str()).collect();
        match group.as_slice() {
            ["iam", "workload-identity-pools", "providers", "create-oidc" | "update-oidc", id, ..] =>
            {
                out.providers
                    .push(provider(&args, id, args.positional[4], command.span));
            }
            ["iam", "workload-identity-pools", "create", id, ..] => out.pools.push(Pool {
                id: Some(spanned(args.positional[3], id)),
                disabled: args.flag("disabled").map(|(_, value)| {
                    value.unwrap_or_else(|| Spanned::new("true".into(), command.span))
                }),
                span: command.span,
            }),
            [.., "add-iam-policy-binding", target] => {
                if let Some(binding) = binding(
                    &args,
                    &group,
                    target,
                    args.positional[group.len() - 1],
                    command.span,
                ) {
                    out.bindings.push(binding);
                }
            }
            _ => {}
        }
    }
}

fn spanned(word: &Word, text: &str) -> Spanned<String> {
    Spanned::new(text.to_string(), word.span)
}

/// A flag: its name, the word holding it, and its value's word and the offset of the
/// value in that word.
type Flag<'w> = (&'w str, &'w Word, Option<(&'w Word, usize)>);

/// The flags (`--name=value`, `--name value`, `--name`) and positional words of a command.
struct Args<'w> {
    positional: Vec<&'w Word>,
    /// Name, the word holding it, and its value's word and offset of the value in it.
    flags: Vec<Flag<'w>>,
}

/// Flags that take no value.
const SWITCHES: [&str; 5] = [
    "disabled",
    "quiet",
    "q",
    "no-user-output-enabled",
    "verbosity-info",
];

impl<'w> Args<'w> {
    fn new(words: &'w [Word]) -> Self {
        let mut positional = Vec::new();
        let mut flags = Vec::new();
        let mut at = 0;
        while let Some(word) = words.get(at) {
            at += 1;
            let Some(flag) = word.text.strip_prefix("--") else {
                if word.text == "\\" {
                    continue;
                }
                positional.push(word);
                continue;
            };
            if let Some((name, _)) = flag.split_once('=') {
                flags.push((name, word, Some((word, name.len() + 3))));
            } else if SWITCHES.contains(&flag) {
                flags.push((flag, word, None));
            } else {
                let value = words.get(at).filter(|w| !w.text.starts_with("--"));
                at += usize::from(value.is_some());
                flags.push((flag, word, value.map(|v| (v, 0))));
            }
        }
        Args { positional, flags }
    }

    /// The last value of flag `name`: its text and span (the word's when the flag has no
    /// value).
    fn flag(&self, name: &str) -> Option<(Span, Option<Spanned<String>>)> {
        let (_, word, value) = self.flags.iter().rev().find(|(n, ..)| *n == name)?;
        Some((
            word.span,
            value.map(|(value_word, skip)| {
                Spanned::new(
                    value_word.text.get(skip..).unwrap_or_default().to_string(),
                    value_word.span,
                )
            }),
        ))
    }

    fn value(&self, name: &str) -> Option<Spanned<String>> {
        self.flag(name).and_then(|(_, value)| value)
    }

    /// The value of flag `name` as CEL text mapped into the file.
    fn cel(&self, name: &str) -> Option<Cel> {
        let (_, _, value) = self.flags.iter().rev().find(|(n, ..)| *n == name)?;
        let (value_word, skip) = (*value)?;
        let text = value_word.text.get(skip..)?.to_string();
        let removed = value_word.span.len() as usize
            - value_word.text.len().min(value_word.span.len() as usize);
        // Unquoted, or one pair of quotes around the value or the whole word: the value's
        // bytes are verbatim in the file after the flag name and one quote.
        let map = match removed {
            0 | 2 => {
                let start = value_word.span.start as usize + skip + removed / 2;
                let mut builder = OffsetMap::builder(value_word.span);
                builder.verbatim(text.len(), start);
                builder.finish(start + text.len())
            }
            _ => OffsetMap::whole(value_word.span),
        };
        Some(Cel::new(text, map, value_word.span))
    }
}

fn provider(args: &Args, id: &str, id_word: &Word, span: Span) -> Provider {
    let pool = args.value("workload-identity-pool");
    let location = args
        .value("location")
        .map_or_else(|| "global".to_string(), |l| l.value);
    let pool_text = pool.as_ref().map_or("${pool}", |p| p.value.as_str());
    let name =
        provider_name(PROJECT_NUMBER, pool_text, id).replace("/global/", &format!("/{location}/"));
    let audiences = args.value("allowed-audiences").map(|value| Audiences {
        values: split_list(&value.value, ',')
            .into_iter()
            .map(|(_, part)| Spanned::new(part.to_string(), value.span))
            .collect(),
        symbolic: value.value.contains('$'),
        span: value.span,
    });
    let mapping = match args.cel("attribute-mapping") {
        None => Mapping::Absent,
        Some(cel) => mapping(&cel),
    };
    Provider {
        label: format!("gcloud … providers create-oidc {id}"),
        name: Spanned::new(name, id_word.span),
        pool,
        issuer: args.value("issuer-uri"),
        audiences,
        mapping,
        condition: args.cel("attribute-condition"),
        null_condition: None,
        disabled: args
            .flag("disabled")
            .map(|(span, value)| value.unwrap_or_else(|| Spanned::new("true".into(), span))),
        span,
    }
}

/// `--attribute-mapping=k=v,k=v` (or `^D^k=vDk=v` with another delimiter).
fn mapping(cel: &Cel) -> Mapping {
    let (text, offset, delimiter) = match cel.text.strip_prefix('^').and_then(|rest| {
        let mut chars = rest.char_indices();
        let (_, d) = chars.next()?;
        let (at, caret) = chars.next()?;
        (caret == '^').then(|| (&rest[at + 1..], at + 2, d))
    }) {
        Some(found) => found,
        None => (cel.text.as_str(), 0, ','),
    };
    let entries = split_list(text, delimiter)
        .into_iter()
        .filter_map(|(start, part)| {
            let (target, expression) = part.split_once('=')?;
            let start = offset + start;
            let target_start = start + (target.len() - target.trim_start().len());
            let target = target.trim();
            let expr_start = start + part.find('=')? + 1;
            let expr_text = expression.to_string();
            let mut builder = OffsetMap::builder(cel.span);
            let file_start = cel.span_of(expr_start, expr_start).start as usize;
            builder.verbatim(expr_text.len(), file_start);
            Some(MappingEntry {
                target: Spanned::new(
                    target.to_string(),
                    cel.span_of(target_start, target_start + target.len()),
                ),
                expression: Cel::new(
                    expr_text.clone(),
                    builder.finish(file_start + expr_text.len()),
                    cel.span_of(expr_start, expr_start + expr_text.len()),
                ),
            })
        })
        .collect();
    Mapping::Known(entries)
}

/// Splits at `delimiter` outside quotes and brackets: each part and its offset.
fn split_list(text: &str, delimiter: char) -> Vec<(usize, &str)> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, _) if c == delimiter && depth <= 0 => {
                parts.push((start, &text[start..at]));
                start = at + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push((start, &text[start..]));
    parts.retain(|(_, part)| !part.trim().is_empty());
    parts
}

fn binding(
    args: &Args,
    group: &[&str],
    target: &str,
    target_word: &Word,
    span: Span,
) -> Option<Binding> {
    let scope = match group.first().copied()? {
        "iam" if group.get(1) == Some(&"service-accounts") => Scope::ServiceAccount,
        "projects" => Scope::Project,
        "resource-manager" => match group.get(1).copied() {
            Some("folders") => Scope::Folder,
            Some("org-policies") => return None,
            _ => Scope::Organization,
        },
        "organizations" => Scope::Organization,
        _ => Scope::Resource,
    };
    let role = args.value("role")?;
    let members = args
        .flags
        .iter()
        .filter(|(name, ..)| *name == "member")
        .filter_map(|(_, _, value)| {
            let (word, skip) = (*value)?;
            Some(Spanned::new(word.text.get(skip..)?.to_string(), word.span))
        })
        .collect::<Vec<_>>();
    let condition = args.value("condition").and_then(|c| {
        c.value
            .split(',')
            .find_map(|part| part.strip_prefix("expression="))
            .map(|e| Spanned::new(e.to_string(), c.span))
    });
    Some(Binding {
        source: format!(
            "gcloud {} add-iam-policy-binding",
            group[..group.len() - 2].join(" ")
        ),
        scope,
        target: Some(spanned(target_word, target)),
        role,
        members_symbolic: members.iter().any(|m| m.value.contains('$')),
        members,
        condition,
        span,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn read(text: &str) -> GcpResources {
        let commands = crate::script::commands(FileId(0), text, 0);
        let mut out = GcpResources::default();
        read_commands(&commands, &mut out, &mut Vec::new());
        out
    }

    #[test]
    fn gitlab_tutorial_commands() {
        let text = r#"gcloud iam workload-identity-pools providers create-oidc gitlab-provider \
  --location="global" --workload-identity-pool="gitlab-pool" \
  --issuer-uri="https://gitlab.com/" --allowed-audiences="https://gitlab.com" \
  --attribute-mapping="google.subject=assertion.sub,attribute.project_id=assertion.project_id" \
  --attribute-condition="assertion.namespace_id=='1234'"
gcloud iam service-accounts add-iam-policy-binding sa@p.iam.gserviceaccount.com \
  --role=roles/iam.workloadIdentityUser \
  --member="principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/gitlab-pool/attribute.project_id/42"
"#;
        let out = read(text);
        let provider = &out.providers[0];
        assert_eq!(
            provider.name.value,
            "projects/${project_number}/locations/global/workloadIdentityPools/gitlab-pool/providers/gitlab-provider"
        );
        assert_eq!(
            provider.issuer.as_ref().unwrap().value,
            "https://gitlab.com/"
        );
        let condition = provider.condition.as_ref().unwrap();
        assert_eq!(condition.text, "assertion.namespace_id=='1234'");
        let at = condition.span_of(0, 9);
        assert_eq!(&text[at.range()], "assertion");
        let Mapping::Known(entries) = &provider.mapping else {
            panic!()
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].target.value, "attribute.project_id");
        assert_eq!(
            &text[entries[1].target.span.range()],
            "attribute.project_id"
        );
        let e = &entries[1].expression;
        assert_eq!(
            &text[e.span_of(0, e.text.len()).range()],
            "assertion.project_id"
        );
        let binding = &out.bindings[0];
        assert_eq!(binding.scope, Scope::ServiceAccount);
        assert_eq!(binding.role.value, "roles/iam.workloadIdentityUser");
        assert!(binding.members[0]
            .value
            .ends_with("attribute.project_id/42"));
    }

    #[test]
    fn other_delimiter_and_project_bindings() {
        let out = read(
            "gcloud beta iam workload-identity-pools providers update-oidc p --workload-identity-pool w \
             --attribute-mapping='^;^google.subject=assertion.sub;attribute.x=assertion.a in [\"1\",\"2\"] ? \"y\" : \"n\"'\n\
             gcloud projects add-iam-policy-binding my-proj --member=principalSet://x --role roles/owner\n",
        );
        let Mapping::Known(entries) = &out.providers[0].mapping else {
            panic!()
        };
        assert_eq!(
            entries[1].expression.text,
            "assertion.a in [\"1\",\"2\"] ? \"y\" : \"n\""
        );
        assert_eq!(out.bindings[0].scope, Scope::Project);
        assert_eq!(out.bindings[0].role.value, "roles/owner");
        assert!(read("echo gcloud\ngcloud projects add-iam-policy-binding\n").is_empty());
    }
}
