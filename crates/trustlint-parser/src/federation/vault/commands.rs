//! The Vault CLI commands of a shell script ([`crate::script::Command`]s): `vault write
//! auth/<path>/role/<name>` and `vault write auth/<path>/config` (a JSON here-document
//! after `-`, or `key=value` arguments), `vault policy write <name> - <<EOF`, and the
//! logins `vault write auth/<path>/login role=… jwt=…` / `vault login -method=jwt`.
//! Commands inside `$(…)` (`export VAULT_TOKEN="$(vault write -field=token …)"`) are read
//! too.

use super::json::{self, expands};
use super::model::{
    split_auth_path, Backend, BoundClaims, ListField, Login, Origin, Policy, Role, Scalar,
    ScalarKind, Style, VaultResources,
};
use super::policy;
use crate::embedded::OffsetMap;
use crate::json::parse_json;
use crate::limits::Limits;
use crate::problem::Problem;
use crate::script::{self, Command, Heredoc, Word};
use crate::source::Span;

/// How deep `$(…)` inside `$(…)` is followed.
const MAX_NESTED: usize = 4;

/// Reads the Vault objects the commands of a shell script (a `*.sh` file or a CI job's
/// script) declare into `out`; a here-document that should hold a role's JSON and does
/// not parse is a problem (Vault refuses it too).
pub fn read_commands(commands: &[Command], out: &mut VaultResources, problems: &mut Vec<Problem>) {
    for command in commands {
        read_command(command, out, problems, 0);
    }
}

fn read_command(
    command: &Command,
    out: &mut VaultResources,
    problems: &mut Vec<Problem>,
    depth: usize,
) {
    if depth < MAX_NESTED {
        for word in &command.words {
            for inner in nested(word) {
                read_command(&inner, out, problems, depth + 1);
            }
        }
    }
    let Some(start) = vault_word(&command.words) else {
        return;
    };
    let args = command.words.get(start + 1..).unwrap_or_default();
    match args.first().map(|w| w.text.as_str()) {
        Some("write") => write(command, args.get(1..).unwrap_or_default(), out, problems),
        Some("policy") if args.get(1).is_some_and(|w| w.text == "write") => {
            policy_write(command, args.get(2..).unwrap_or_default(), out);
        }
        Some("login") => login(command, args.get(1..).unwrap_or_default(), out),
        _ => {}
    }
}

/// The index of the `vault` word, after environment assignments and `sudo`-like words.
fn vault_word(words: &[Word]) -> Option<usize> {
    for (i, word) in words.iter().enumerate() {
        let text = word.text.as_str();
        if text == "vault" || text.ends_with("/vault") {
            return Some(i);
        }
        let assignment = text.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        if !(assignment || matches!(text, "sudo" | "command" | "exec" | "time" | "env")) {
            return None;
        }
    }
    None
}

/// The commands inside a word's `$(…)`.
fn nested(word: &Word) -> Vec<Command> {
    let text = word.text.as_str();
    let raw_len = word.span.len() as usize;
    // Where the word's text starts in the file: exact when nothing was removed, one
    // past the opening quote when a pair of quotes was.
    let shift = match raw_len.checked_sub(text.len()) {
        Some(0) => Some(0),
        Some(2) if word.quoted => Some(1),
        _ => None,
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text.get(from..).and_then(|rest| rest.find("$(")) {
        let open = from + at + 2;
        let end = close_of(text, open);
        let inner = text.get(open..end).unwrap_or_default();
        let offset = word.span.start as usize + shift.unwrap_or(0) + open;
        let mut commands = script::commands(word.span.file, inner, offset);
        if shift.is_none() {
            for command in &mut commands {
                command.span = word.span;
                for w in &mut command.words {
                    w.span = word.span;
                }
            }
        }
        out.extend(commands);
        from = end.max(open);
        if from >= text.len() {
            break;
        }
    }
    out
}

/// The offset of the `)` closing a `$(` whose contents start at `open`.
fn close_of(text: &str, open: usize) -> usize {
    let mut depth = 1usize;
    for (i, b) in text.bytes().enumerate().skip(open) {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// A word as a scalar: unknown when the shell expands it.
fn word_scalar(text: &str, span: Span) -> Scalar {
    let kind = if expands(text) {
        ScalarKind::Unknown
    } else {
        ScalarKind::String
    };
    Scalar::new(text, kind, span)
}

/// `key=value` arguments: key, value and the value's span (exact for an unquoted word).
struct Pairs<'w>(Vec<(&'w str, Scalar)>);

impl Pairs<'_> {
    /// The value of `key` (the last one given wins).
    fn get(&self, key: &str) -> Option<Scalar> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    }

    /// The value of `key` unless empty.
    fn set(&self, key: &str) -> Option<Scalar> {
        self.get(key).filter(|v| !v.text.is_empty())
    }
}

fn pairs(words: &[Word]) -> Pairs<'_> {
    Pairs(
        words
            .iter()
            .filter_map(|word| {
                let (key, value) = word.text.split_once('=')?;
                if key.is_empty() || key.starts_with('-') {
                    return None;
                }
                let exact = word.span.len() as usize == word.text.len();
                let span = if exact {
                    let start = word.span.start as usize + key.len() + 1;
                    Span::new(word.span.file, start, word.span.end as usize)
                } else {
                    word.span
                };
                let mut scalar = word_scalar(value, span);
                if value.starts_with('@') {
                    scalar.kind = ScalarKind::Unknown;
                }
                Some((key, scalar))
            })
            .collect(),
    )
}

/// The here-document fed to a `-` argument, parsed as JSON with file spans.
fn stdin_json(
    command: &Command,
    rest: &[Word],
    problems: &mut Vec<Problem>,
) -> Option<(crate::tree::Node, bool)> {
    if !rest.iter().any(|w| w.text == "-") {
        return None;
    }
    let heredoc: &Heredoc = command.heredocs.first()?;
    let mut map = OffsetMap::builder(heredoc.span);
    map.verbatim(heredoc.body.len(), heredoc.span.start as usize);
    let map = map.finish(heredoc.span.end as usize);
    match parse_json(heredoc.span.file, &heredoc.body, &Limits::default()) {
        Ok(node) => Some((map.node(node), heredoc.expands)),
        Err(problem) => {
            // An expansion can make the text JSON only once the shell ran: not checked.
            if !(heredoc.expands && expands(&heredoc.body)) {
                problems.push(
                    map.problem(problem).with_help(
                        "Vault refuses a role or configuration whose JSON does not parse",
                    ),
                );
            }
            None
        }
    }
}

/// `vault write [flags] <path> [-] [key=value…]`.
fn write(command: &Command, args: &[Word], out: &mut VaultResources, problems: &mut Vec<Problem>) {
    let Some(index) = args.iter().position(|w| !w.text.starts_with('-')) else {
        return;
    };
    let Some(target) = args.get(index) else {
        return;
    };
    let rest = args.get(index + 1..).unwrap_or_default();
    let Some((mount, endpoint, name)) = split_auth_path(&target.text) else {
        return;
    };
    let mount_scalar = word_scalar(mount, target.span);
    // Data from a file (`@role.json`) or from a pipe: not known here.
    if rest.iter().any(|w| w.text.starts_with('@'))
        || (rest.iter().any(|w| w.text == "-") && command.heredocs.is_empty())
    {
        return;
    }
    let json = stdin_json(command, rest, problems);
    if json.is_none() && rest.iter().any(|w| w.text == "-") {
        return;
    }
    match endpoint {
        "role" => {
            let mut role = match &json {
                Some((node, expanding)) if node.as_map().is_some() => {
                    let heredoc = command
                        .heredocs
                        .first()
                        .map_or(("", 0), |h| (h.body.as_str(), h.span.start as usize));
                    json::role(node, Origin::Command, command.span, *expanding, heredoc)
                }
                Some(_) => return,
                None => role_from_pairs(command, rest),
            };
            role.path = Some(mount_scalar);
            role.name = Some(word_scalar(name, target.span));
            out.roles.push(role);
        }
        "config" => {
            let backend = match &json {
                Some((node, expanding)) => {
                    json::backend(node, mount_scalar, command.span, *expanding)
                }
                None => {
                    let pairs = pairs(rest);
                    Backend {
                        span: command.span,
                        origin: Origin::Command,
                        path: mount_scalar,
                        bound_issuer: pairs.set("bound_issuer"),
                        oidc_discovery_url: pairs.set("oidc_discovery_url"),
                        jwks_url: pairs.set("jwks_url"),
                        default_role: pairs.set("default_role"),
                    }
                }
            };
            out.backends.push(backend);
        }
        _ => out.logins.push(login_with(command, mount_scalar, rest)),
    }
}

/// A role from `key=value` arguments (every value a string, lists comma-separated).
fn role_from_pairs(command: &Command, rest: &[Word]) -> Role {
    let pairs = pairs(rest);
    let get = |key: &str| pairs.get(key);
    let list = |key: &str| {
        get(key).map(|value| ListField {
            span: value.span,
            values: value
                .text
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| Scalar::new(p, value.kind, value.span))
                .collect(),
            partial: false,
        })
    };
    let mut policies = list("token_policies");
    if let Some(old) = list("policies") {
        match &mut policies {
            Some(all) => all.values.extend(old.values),
            None => policies = Some(old),
        }
    }
    let end = command.span.end as usize;
    Role {
        span: command.span,
        origin: Origin::Command,
        path: None,
        name: None,
        role_type: get("role_type"),
        bound_audiences: list("bound_audiences"),
        bound_subject: get("bound_subject").filter(|s| !s.text.is_empty()),
        bound_claims_type: get("bound_claims_type"),
        // A map given as one argument (`bound_claims=@claims.json`, a JSON string): the
        // claims it binds are not read.
        bound_claims: get("bound_claims").map(|value| BoundClaims {
            span: value.span,
            claims: Vec::new(),
            unknown: true,
            insert_at: None,
        }),
        user_claim: get("user_claim"),
        user_claim_json_pointer: get("user_claim_json_pointer").is_some_and(|v| v.text == "true"),
        claim_mappings: Vec::new(),
        token_policies: policies,
        insert_at: Some(super::model::Insertion {
            at: Span::new(command.span.file, end, end),
            style: Style::Args,
        }),
    }
}

/// `vault policy write <name> - <<EOF`.
fn policy_write(command: &Command, args: &[Word], out: &mut VaultResources) {
    let positional: Vec<&Word> = args
        .iter()
        .filter(|w| !w.text.starts_with('-') || w.text == "-")
        .collect();
    let [name, source, ..] = positional.as_slice() else {
        return;
    };
    if source.text != "-" {
        return;
    }
    let Some(heredoc) = command.heredocs.first() else {
        return;
    };
    let mut map = OffsetMap::builder(heredoc.span);
    map.verbatim(heredoc.body.len(), heredoc.span.start as usize);
    let map = map.finish(heredoc.span.end as usize);
    let rules = policy::rules(&heredoc.body, &map, heredoc.span.file);
    let partial = rules.is_none() || (heredoc.expands && expands(&heredoc.body));
    out.policies.push(Policy {
        span: command.span,
        origin: Origin::Command,
        name: Some(word_scalar(&name.text, name.span)),
        rules: rules.unwrap_or_default(),
        partial,
    });
}

/// A login at mount `path` with the `role=` and `jwt=` of `args`.
fn login_with(command: &Command, path: Scalar, args: &[Word]) -> Login {
    let pairs = pairs(args);
    Login {
        span: command.span,
        path,
        role: pairs.get("role"),
        jwt: pairs.get("jwt"),
    }
}

/// `vault login -method=jwt [-path=<p>] role=… jwt=…`.
fn login(command: &Command, args: &[Word], out: &mut VaultResources) {
    let flag = |name: &str| {
        args.iter().find_map(|w| {
            let rest = w.text.trim_start_matches('-');
            (w.text.starts_with('-') && rest.starts_with(name))
                .then(|| rest.get(name.len()..)?.strip_prefix('='))
                .flatten()
                .map(|v| (v, w))
        })
    };
    if flag("method").map(|(m, _)| m) != Some("jwt") {
        return;
    }
    let path = match flag("path") {
        Some((p, w)) => word_scalar(p.trim_matches('/'), w.span),
        None => Scalar::new("jwt", ScalarKind::String, command.span),
    };
    out.logins.push(login_with(command, path, args));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn read(text: &str) -> (VaultResources, Vec<Problem>) {
        let commands = script::commands(FileId(0), text, 0);
        let mut out = VaultResources::default();
        let mut problems = Vec::new();
        read_commands(&commands, &mut out, &mut problems);
        (out, problems)
    }

    #[test]
    fn json_heredoc_role_with_spans() {
        let text = "vault write auth/gitlab/role/demo - <<EOF\n{\n  \"role_type\": \"jwt\",\n  \"bound_claims\": {\"project_id\": \"$ID\", \"ref\": \"main\", \"ref_protected\": true}\n}\nEOF\n";
        let (out, problems) = read(text);
        assert!(problems.is_empty());
        let role = &out.roles[0];
        assert_eq!(role.path.as_ref().unwrap().text, "gitlab");
        assert_eq!(role.name.as_ref().unwrap().text, "demo");
        let claims = &role.bound_claims.as_ref().unwrap().claims;
        assert_eq!(claims[0].values[0].kind, ScalarKind::Unknown);
        assert_eq!(&text[claims[1].values[0].span.range()], "\"main\"");
        assert_eq!(&text[claims[2].values[0].span.range()], "true");
        let insert = role.insert_at.unwrap();
        assert_eq!(insert.style, Style::Json { indent: 2 });
        assert_eq!(
            &text[insert.at.start as usize - 1..insert.at.start as usize],
            "{"
        );
    }

    #[test]
    fn key_value_roles_configs_and_logins() {
        let text = "vault write auth/jwt/role/ci role_type=jwt user_claim=user_email bound_audiences=https://v,https://w bound_claims=@c.json\n\
vault write auth/jwt/config oidc_discovery_url=\"https://gitlab.com\" bound_issuer=https://gitlab.com\n\
export VAULT_TOKEN=\"$(vault write -field=token auth/jwt-x/login role=ci jwt=$VAULT_ID_TOKEN)\"\n\
vault login -method=jwt -path=gl role=r jwt=$T\n";
        let (out, _) = read(text);
        let role = &out.roles[0];
        assert_eq!(role.bound_audiences.as_ref().unwrap().values.len(), 2);
        assert!(role.bound_claims.as_ref().unwrap().unknown);
        assert_eq!(&text[role.role_type.as_ref().unwrap().span.range()], "jwt");
        assert_eq!(
            out.backends[0].bound_issuer.as_ref().unwrap().text,
            "https://gitlab.com"
        );
        assert_eq!(out.logins.len(), 2);
        let login = &out.logins[0];
        assert_eq!(login.path.text, "jwt-x");
        assert_eq!(&text[login.role.as_ref().unwrap().span.range()], "ci");
        assert_eq!(login.jwt.as_ref().unwrap().kind, ScalarKind::Unknown);
        assert_eq!(out.logins[1].path.text, "gl");
    }

    #[test]
    fn policies_and_bad_json() {
        let text = "vault policy write example - <<EOF\npath \"kv/data/prod/*\" {\n  capabilities = [\"read\"]\n}\nEOF\nvault write auth/jwt/role/x - <<'EOF'\n{ nope\nEOF\n";
        let (out, problems) = read(text);
        assert_eq!(out.policies[0].rules[0].path.text, "kv/data/prod/*");
        assert_eq!(
            &text[out.policies[0].rules[0].path.span.range()],
            "\"kv/data/prod/*\""
        );
        assert_eq!(problems.len(), 1);
        assert!(out.roles.is_empty());
    }

    proptest::proptest! {
        /// Any mix of the pieces the reader looks for never panics, and every span it
        /// gives lies inside the text.
        #[test]
        fn never_panics_and_spans_stay_inside(pieces in proptest::collection::vec(proptest::sample::select(vec![
            "vault ", "write ", "auth/jwt/role/r ", "auth/$P/login ", "policy ", "- ", "<<EOF\n", "<<'EOF'\n",
            "EOF\n", "{", "}", "\"bound_claims\": ", "\"role_type\": \"jwt\"", ",", "[", "]", "true", "12",
            "\"$X\"", "role=a ", "jwt=$T ", "bound_audiences=a,b ", "$(", ")", "\"", "'", "\n", "path \"a/*\" ",
            "capabilities = [\"read\"]", "login -method=jwt ", "=@f ", "é",
        ]), 0..40)) {
            let text: String = pieces.concat();
            let (out, problems) = read(&text);
            let mut spans: Vec<Span> = problems.iter().map(|p| p.span).collect();
            for role in &out.roles {
                spans.push(role.span);
                for claim in role.bound_claims.iter().flat_map(|b| &b.claims) {
                    spans.extend(claim.values.iter().map(|v| v.span));
                }
            }
            for policy in &out.policies {
                spans.extend(policy.rules.iter().map(|r| r.path.span));
            }
            for span in spans {
                proptest::prop_assert!(span.range().end <= text.len());
                proptest::prop_assert!(text.get(span.range()).is_some());
            }
        }
    }
}
